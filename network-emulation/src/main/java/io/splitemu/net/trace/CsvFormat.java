package io.splitemu.net.trace;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
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
            List<String> h = Arrays.stream(l.text().split(split, -1)).map(String::strip).toList();
            header.add(h);
            cols[0] = column(file, h, options.timeColumn());
            cols[1] = column(file, h, options.rateColumn());
            return;
          }
          String[] f = l.text().split(split, -1);
          if (f.length != header.get(0).size()) {
            throw new MalformedTraceException(
                file, l.number(), header.get(0).size() + " columns like the header", l.text());
          }
          String ts = f[cols[0]].strip();
          String rs = f[cols[1]].strip();
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

  private static int column(String file, List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new MalformedTraceException(
          file, "expected a header column '" + name + "', the header has " + header);
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
      // zone-less patterns are read as UTC: only differences matter after rebasing
      long epochSecond =
          parsed.isSupported(ChronoField.OFFSET_SECONDS)
              ? OffsetDateTime.from(parsed).toEpochSecond()
              : LocalDateTime.from(parsed).toEpochSecond(ZoneOffset.UTC);
      long nano =
          parsed.isSupported(ChronoField.NANO_OF_SECOND)
              ? parsed.getLong(ChronoField.NANO_OF_SECOND)
              : 0;
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
