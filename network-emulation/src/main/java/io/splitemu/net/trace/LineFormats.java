package io.splitemu.net.trace;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The built-in line-oriented formats: mahimahi, pensieve and norway-raw. */
final class LineFormats {
  private LineFormats() {}

  static final BigDecimal NANOS = BigDecimal.valueOf(1_000_000_000L);

  /** A non-blank line with its 1-based number. */
  record Line(long number, String text) {}

  /**
   * Longest line read, in characters: real trace lines are under 100, and a cap keeps a file with
   * no line breaks from being read into one string.
   */
  static final int MAX_LINE_CHARS = 65_536;

  /**
   * Largest time a trace may give, in seconds (about 126 years): epoch seconds up to the year 2096
   * fit, and two such times differ by less than the emulated clock's range of 2^63 ns.
   */
  static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(4_000_000_000L);

  /** The same limit in milliseconds, for mahimahi and norway-raw. */
  static final long MAX_MILLIS = 4_000_000_000_000L;

  // norway-raw's unix_s: any instant up to 1e11 s (year 5138).
  private static final BigDecimal UNIX_S_MAX = BigDecimal.valueOf(100_000_000_000L);

  /**
   * Largest rate a trace may give, in bit/s (1 Pbit/s, a thousand times the fastest links in use):
   * a larger one is a unit mistake, and the cap keeps one pass's capacity far inside a double.
   */
  static final BigDecimal MAX_BITS_PER_SECOND = BigDecimal.valueOf(1_000_000_000_000_000L);

  /** Digits kept after the point: far below a nanosecond or a bit per second. */
  static final int MAX_SCALE = 18;

  static List<Line> lines(Path file) throws IOException {
    String name = file.getFileName().toString();
    List<Line> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      StringBuilder sb = new StringBuilder();
      char[] buf = new char[8192];
      long n = 1;
      int len;
      while ((len = r.read(buf)) >= 0) {
        for (int i = 0; i < len; i++) {
          char c = buf[i];
          if (c == '\n') {
            add(out, n, sb);
            sb.setLength(0);
            n++;
          } else if (sb.length() >= MAX_LINE_CHARS) {
            throw new MalformedTraceException(
                name, n, "a line of at most " + MAX_LINE_CHARS + " characters", sb.toString());
          } else {
            sb.append(c);
          }
        }
      }
      add(out, n, sb);
    } catch (CharacterCodingException e) {
      throw new MalformedTraceException(name, "expected UTF-8 text (" + e + ")");
    }
    return out;
  }

  private static void add(List<Line> out, long n, StringBuilder sb) {
    String s = sb.toString();
    if (!s.isBlank()) {
      out.add(new Line(n, s.strip()));
    }
  }

  /**
   * A decimal token in [min, max], refused with file and line otherwise; no arithmetic touches the
   * number before the range check, so an exponent such as 1e400 or 1e-999999999 costs nothing.
   */
  static BigDecimal decimal(
      String file, Line line, String token, String expected, BigDecimal min, BigDecimal max) {
    return decimal(file, line, token, expected, expected, min, max);
  }

  /** As above, with {@code expected} for a token that is no number and {@code what} for range. */
  static BigDecimal decimal(
      String file,
      Line line,
      String token,
      String expected,
      String what,
      BigDecimal min,
      BigDecimal max) {
    BigDecimal v;
    try {
      v = new BigDecimal(token);
    } catch (NumberFormatException e) {
      throw new MalformedTraceException(file, line.number(), expected, line.text());
    }
    if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
      throw new MalformedTraceException(
          file, line.number(), what + " in [" + plain(min) + ", " + plain(max) + "]", line.text());
    }
    if (v.scale() > MAX_SCALE) {
      // fewer than -MAX_SCALE digits before the point: below the kept resolution
      v =
          v.precision() - (long) v.scale() < -MAX_SCALE
              ? BigDecimal.ZERO
              : v.setScale(MAX_SCALE, RoundingMode.HALF_EVEN);
    }
    return v;
  }

  private static String plain(BigDecimal v) {
    return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
  }

  /** A time in seconds within +-{@link #MAX_SECONDS}. */
  static BigDecimal seconds(String file, Line line, String token, String expected, String what) {
    return decimal(file, line, token, expected, what, MAX_SECONDS.negate(), MAX_SECONDS);
  }

  /** A whole number in [min, max], refused with file and line otherwise. */
  static long integer(String file, Line line, String token, String expected, long min, long max) {
    long v;
    try {
      v = Long.parseLong(token);
    } catch (NumberFormatException e) {
      throw new MalformedTraceException(file, line.number(), expected, line.text());
    }
    if (v < min || v > max) {
      throw new MalformedTraceException(
          file, line.number(), expected + " in [" + min + ", " + max + "]", line.text());
    }
    return v;
  }

  /** A rate in bit/s, refused above {@link #MAX_BITS_PER_SECOND}. */
  static BigDecimal checkedRate(String file, Line line, BigDecimal bitsPerSecond) {
    if (bitsPerSecond.compareTo(MAX_BITS_PER_SECOND) > 0) {
      throw new MalformedTraceException(
          file,
          line.number(),
          "a rate of at most " + MAX_BITS_PER_SECOND.toPlainString() + " bit/s (1 Pbit/s)",
          line.text());
    }
    return bitsPerSecond;
  }

  /** Seconds already range-checked by {@link #seconds} to whole nanoseconds. */
  static long secondsToNanos(BigDecimal seconds) {
    return seconds.multiply(NANOS).setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  /** Builds a rate trace from absolute sample times, rebasing the first to 0. */
  static RateTrace rebased(String file, List<Long> times, List<BigDecimal> rates) {
    if (times.size() < 2) {
      throw new MalformedTraceException(file, "expected at least two samples, got " + times.size());
    }
    long first = times.get(0);
    long[] t = new long[times.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = times.get(i) - first;
    }
    if (t[t.length - 1] <= 0) {
      throw new MalformedTraceException(file, "expected samples spanning more than 0 s");
    }
    return new RateTrace(file, t, rates.toArray(new BigDecimal[0]));
  }

  static final TraceFormat MAHIMAHI =
      new TraceFormat() {
        @Override
        public String name() {
          return "mahimahi";
        }

        @Override
        public Trace read(Path path) throws IOException {
          String file = path.getFileName().toString();
          List<Line> lines = lines(path);
          long[] ms = new long[lines.size()];
          for (int i = 0; i < ms.length; i++) {
            Line l = lines.get(i);
            ms[i] = integer(file, l, l.text(), "one integer millisecond timestamp", 0, MAX_MILLIS);
            if (i > 0 && ms[i] < ms[i - 1]) {
              throw new MalformedTraceException(
                  file,
                  l.number(),
                  "a timestamp >= 0 and >= the previous line's " + (i > 0 ? ms[i - 1] : 0),
                  l.text());
            }
          }
          if (ms.length == 0) {
            throw new MalformedTraceException(file, "expected at least one timestamp");
          }
          return new PacketTrace(file, ms);
        }
      };

  private static final BigDecimal MAX_MBPS = MAX_BITS_PER_SECOND.movePointLeft(6);

  static final TraceFormat PENSIEVE =
      new TraceFormat() {
        @Override
        public String name() {
          return "pensieve";
        }

        @Override
        public Trace read(Path path) throws IOException {
          String file = path.getFileName().toString();
          String expected = "two numbers 'seconds Mbit/s' separated by tabs or spaces";
          List<Long> times = new ArrayList<>();
          List<BigDecimal> rates = new ArrayList<>();
          for (Line l : lines(path)) {
            String[] f = l.text().split("\\s+");
            if (f.length != 2) {
              throw new MalformedTraceException(file, l.number(), expected, l.text());
            }
            long t = secondsToNanos(seconds(file, l, f[0], expected, "a time in seconds"));
            BigDecimal mbps =
                decimal(file, l, f[1], expected, "a rate in Mbit/s", BigDecimal.ZERO, MAX_MBPS);
            if (!times.isEmpty() && t < times.get(times.size() - 1)) {
              throw new MalformedTraceException(
                  file, l.number(), "a time not before the previous", l.text());
            }
            times.add(t);
            rates.add(mbps.movePointRight(6));
          }
          return rebased(file, times, rates);
        }
      };

  static final TraceFormat NORWAY_RAW =
      new TraceFormat() {
        @Override
        public String name() {
          return "norway-raw";
        }

        @Override
        public Trace read(Path path) throws IOException {
          String file = path.getFileName().toString();
          String expected =
              "six numbers 'unix_s ms_since_start lat lon bytes interval_ms' with interval_ms > 0";
          List<Long> times = new ArrayList<>();
          List<BigDecimal> rates = new ArrayList<>();
          for (Line l : lines(path)) {
            String[] f = l.text().split("\\s+");
            if (f.length != 6) {
              throw new MalformedTraceException(file, l.number(), expected, l.text());
            }
            for (String token : new String[] {f[1], f[4], f[5]}) {
              integer(file, l, token, expected, Long.MIN_VALUE, Long.MAX_VALUE);
            }
            // Not used, but numbers as the format says: a line of other columns is no such log.
            decimal(file, l, f[0], expected, "unix_s", BigDecimal.ZERO, UNIX_S_MAX);
            decimal(
                file, l, f[2], expected, "lat", BigDecimal.valueOf(-90), BigDecimal.valueOf(90));
            decimal(
                file, l, f[3], expected, "lon", BigDecimal.valueOf(-180), BigDecimal.valueOf(180));
            long ms = integer(file, l, f[1], "ms_since_start", 0, MAX_MILLIS);
            long bytes = integer(file, l, f[4], "a byte count", 0, Long.MAX_VALUE);
            long interval = integer(file, l, f[5], "interval_ms", 1, MAX_MILLIS);
            long t = ms * 1_000_000L; // at most 4e18: MAX_MILLIS keeps it inside a long
            if (!times.isEmpty() && t < times.get(times.size() - 1)) {
              throw new MalformedTraceException(
                  file, l.number(), "ms_since_start not before the previous line's", l.text());
            }
            times.add(t);
            // bytes * 8 bits over interval ms, exactly: bytes * 8000 / interval bit/s
            // Exactly, in decimals: bytes * 8000 overflows a long from about 1.15e15 bytes.
            rates.add(
                checkedRate(
                    file,
                    l,
                    BigDecimal.valueOf(bytes)
                        .multiply(BigDecimal.valueOf(8000L))
                        .divide(BigDecimal.valueOf(interval), MAX_SCALE, RoundingMode.HALF_EVEN)));
          }
          return rebased(file, times, rates);
        }
      };
}
