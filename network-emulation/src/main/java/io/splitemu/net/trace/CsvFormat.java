package io.splitemu.net.trace;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** A CSV trace with a header line, the columns and units given by {@link CsvOptions}. */
public final class CsvFormat implements TraceFormat {
  private final CsvOptions options;
  private final DateTimeFormatter pattern;

  public CsvFormat(CsvOptions options) {
    this.options = options;
    this.pattern =
        switch (options.timeFormat()) {
          case "seconds", "epoch-seconds", "epoch-millis" -> null;
          default -> patternOf(options.timeFormat());
        };
  }

  private static DateTimeFormatter patternOf(String p) {
    try {
      return DateTimeFormatter.ofPattern(p);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "csv time format must be seconds, epoch-seconds, epoch-millis or a date pattern, got '"
              + p
              + "': "
              + e.getMessage());
    }
  }

  @Override
  public String name() {
    return "csv";
  }

  @Override
  public Trace read(Path path) throws IOException {
    String file = path.getFileName().toString();
    String split = Pattern.quote(options.delimiter());
    List<List<String>> header = new ArrayList<>(1);
    int[] cols = new int[2]; // time, rate
    LineFormats.Longs times = new LineFormats.Longs();
    List<BigDecimal> rates = new ArrayList<>();
    LineFormats.forEachLine(
        path,
        l -> {
          if (header.isEmpty()) {
            List<String> h = Arrays.stream(l.text().split(split, -1)).map(CsvFormat::cell).toList();
            header.add(h);
            cols[0] = column(file, l.number(), h, options.timeColumn());
            cols[1] = column(file, l.number(), h, options.rateColumn());
            return;
          }
          String[] f = l.text().split(split, -1);
          if (f.length != header.get(0).size()) {
            throw new MalformedTraceException(
                file, l.number(), header.get(0).size() + " columns like the header", l.text());
          }
          String ts = cell(f[cols[0]]);
          String rs = cell(f[cols[1]]);
          if (ts.equals(options.missing()) || rs.equals(options.missing())) {
            return;
          }
          long t = time(file, l, ts);
          BigDecimal rate =
              LineFormats.decimal(
                  file,
                  l,
                  rs,
                  "a rate in " + options.unit() + " in column '" + options.rateColumn() + "'",
                  BigDecimal.ZERO,
                  LineFormats.MAX_BITS_PER_SECOND.movePointLeft(options.unitShift()));
          if (!times.isEmpty() && t < times.last()) {
            throw new MalformedTraceException(
                file, l.number(), "a time not before the previous row's", l.text());
          }
          times.add(file, l, t);
          rates.add(LineFormats.checkedRate(file, l, rate.movePointRight(options.unitShift())));
        });
    if (header.isEmpty()) {
      throw new MalformedTraceException(file, "expected a header line");
    }
    return LineFormats.rebased(file, times, rates);
  }

  /**
   * A cell stripped of spaces and of one pair of enclosing double quotes, {@code ""} inside read as
   * one quote: {@code "time"} is the column {@code time}, {@code "1.5"} the number 1.5. A quoted
   * cell that holds the delimiter is not supported (the line is split at every delimiter).
   */
  static String cell(String raw) {
    String s = raw.strip();
    if (s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
      return s.substring(1, s.length() - 1).replace("\"\"", "\"").strip();
    }
    return s;
  }

  private static int column(String file, long line, List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new MalformedTraceException(
          file, "expected a header column '" + name + "', the header has " + header);
    }
    int again = header.subList(i + 1, header.size()).indexOf(name);
    if (again >= 0) {
      // which of the two is meant cannot be told: the first was read silently
      throw new MalformedTraceException(
          file,
          line,
          "the header names column '"
              + name
              + "' twice (columns "
              + (i + 1)
              + " and "
              + (i + 2 + again)
              + ")");
    }
    return i;
  }

  private long time(String file, LineFormats.Line l, String ts) {
    String expected =
        "a time as " + options.timeFormat() + " in column '" + options.timeColumn() + "'";
    if (pattern == null) {
      if (options.timeFormat().equals("epoch-millis")) {
        BigDecimal max = LineFormats.MAX_SECONDS.movePointRight(3);
        return LineFormats.secondsToNanos(
            LineFormats.decimal(file, l, ts, expected, max.negate(), max).movePointLeft(3));
      }
      return LineFormats.secondsToNanos(LineFormats.seconds(file, l, ts, expected, expected));
    }
    try {
      TemporalAccessor parsed = pattern.parse(ts);
      LocalDate date = parsed.query(TemporalQueries.localDate());
      if (date == null) {
        throw new DateTimeException("no date");
      }
      // a date-only pattern (yyyy-MM-dd) is that day's midnight
      LocalTime timeOfDay = parsed.query(TemporalQueries.localTime());
      LocalDateTime local = date.atTime(timeOfDay == null ? LocalTime.MIDNIGHT : timeOfDay);
      ZoneId zone = parsed.query(TemporalQueries.zone());
      // An offset (XXX, Z) fixes the instant; a named zone (VV, z) gives the local time's offset
      // there, so a DST change moves the clock as it did (an hour that repeats in autumn takes
      // its earlier offset: name an offset too to tell the two apart); none is read as UTC, as
      // only differences matter after rebasing.
      long epochSecond =
          parsed.isSupported(ChronoField.OFFSET_SECONDS)
              ? local.toEpochSecond(
                  ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS)))
              : zone != null
                  ? ZonedDateTime.of(local, zone).toEpochSecond()
                  : local.toEpochSecond(ZoneOffset.UTC);
      long nano = local.getNano();
      long max = LineFormats.MAX_SECONDS.longValueExact();
      if (epochSecond < -max || epochSecond > max) {
        throw new MalformedTraceException(
            file, l.number(), expected + " within " + max + " s of 1970", l.text());
      }
      return epochSecond * 1_000_000_000L + nano;
    } catch (DateTimeException | ArithmeticException e) {
      throw new MalformedTraceException(file, l.number(), expected, l.text());
    }
  }
}
