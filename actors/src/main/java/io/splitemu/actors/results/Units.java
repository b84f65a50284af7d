package io.splitemu.actors.results;

import java.time.Duration;
import java.util.Locale;

/**
 * Byte counts and durations for people to read in tables: SI (decimal) byte units, as the link
 * rates are decimal bits per second, and seconds, minutes and hours. The CSV files keep the raw
 * numbers.
 */
public final class Units {

  private static final String[] BYTE_UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

  private Units() {}

  /**
   * {@code bytes} in the largest SI unit that keeps the figure at 1 or more, with four significant
   * digits: 814216320 is "814.2 MB" (1 MB = 10^6 bytes); under 1 kB the exact count, "512 B".
   */
  public static String bytes(long bytes) {
    return bytes(bytes, 4);
  }

  /** {@link #bytes(long)} with {@code digits} significant digits (1 to 6). */
  public static String bytes(long bytes, int digits) {
    if (Math.abs(bytes) < 1000) {
      return bytes + " B";
    }
    // The largest figure that still prints below 1000 at this precision.
    double limit = 1000 - 0.5 * StrictMath.pow(10, 3 - digits);
    double v = bytes;
    int unit = 0;
    while (Math.abs(v) >= limit && unit < BYTE_UNITS.length - 1) {
      v /= 1000;
      unit++;
    }
    return String.format(Locale.ROOT, "%." + digits + "g", v) + " " + BYTE_UNITS[unit];
  }

  /**
   * {@code seconds} as a duration: under a second in milliseconds, under a minute in seconds (four
   * significant digits each: "482.3 ms", "19.31 s"), from a minute on in minutes and whole seconds
   * ("20 min 34 s"), from an hour on in hours, minutes and seconds ("2 h 03 min 05 s"); "n/a" for
   * NaN.
   */
  public static String seconds(double seconds) {
    if (Double.isNaN(seconds)) {
      return "n/a";
    }
    if (Double.isInfinite(seconds)) {
      return seconds > 0 ? "inf" : "-inf";
    }
    double a = Math.abs(seconds);
    String sign = seconds < 0 ? "-" : "";
    if (a == 0) {
      return "0 s";
    }
    if (a < 0.99995) {
      return sign + trimmed(a * 1000) + " ms";
    }
    if (a < 59.995) {
      return sign + trimmed(a) + " s";
    }
    long whole = Math.round(a);
    long h = whole / 3600;
    long m = whole % 3600 / 60;
    long s = whole % 60;
    return h == 0
        ? String.format(Locale.ROOT, "%s%d min %02d s", sign, m, s)
        : String.format(Locale.ROOT, "%s%d h %02d min %02d s", sign, h, m, s);
  }

  /**
   * A configured duration as its exact count of seconds, to echo a setting in a message: whole
   * seconds without a decimal ("30 s"), else the milliseconds as a decimal count of seconds ("0.25
   * s", "90.5 s"); never rounded to minutes as {@link #seconds(double)} is.
   */
  public static String exactSeconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1e3 + " s";
  }

  /** Four significant digits of a figure the callers keep in [1, 1000): "814.2", "19.31". */
  private static String trimmed(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
