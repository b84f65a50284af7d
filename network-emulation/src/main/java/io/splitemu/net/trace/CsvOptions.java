package io.splitemu.net.trace;

/**
 * How to read a CSV trace: columns are named by the header line.
 *
 * @param timeColumn header name of the time column (in the header, in double quotes or not)
 * @param timeFormat {@code seconds}, {@code epoch-seconds}, {@code epoch-millis} or a java.time
 *     pattern such as {@code yyyy-MM-dd HH:mm:ss.SSS}: a zone ({@code VV}, {@code z}) or offset
 *     ({@code XXX}) in it is used, so a DST change moves the clock as it did; without one the time
 *     is read as UTC, without a time of day ({@code yyyy-MM-dd}) as midnight
 * @param rateColumn header name of the rate column
 * @param unit {@code bps}, {@code kbps} or {@code Mbps}
 * @param missing a token that marks a missing value; rows with it are skipped
 * @param delimiter the column separator
 */
public record CsvOptions(
    String timeColumn,
    String timeFormat,
    String rateColumn,
    String unit,
    String missing,
    String delimiter) {

  public static final CsvOptions DEFAULT =
      new CsvOptions("time", "seconds", "rate", "Mbps", "-", ",");

  public CsvOptions {
    if (!unit.equals("bps") && !unit.equals("kbps") && !unit.equals("Mbps")) {
      throw new IllegalArgumentException("csv unit must be bps, kbps or Mbps, got '" + unit + "'");
    }
    if (delimiter.isEmpty()) {
      throw new IllegalArgumentException("csv delimiter must not be empty");
    }
  }

  /** Decimal places to move the rate's point right to get bit/s. */
  int unitShift() {
    return switch (unit) {
      case "kbps" -> 3;
      case "Mbps" -> 6;
      default -> 0;
    };
  }
}
