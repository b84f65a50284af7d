package io.splitemu.net.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
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

  static List<Line> lines(Path file) throws IOException {
    List<Line> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String s;
      long n = 0;
      while ((s = r.readLine()) != null) {
        n++;
        if (!s.isBlank()) {
          out.add(new Line(n, s.strip()));
        }
      }
    }
    return out;
  }

  static BigDecimal decimal(String file, Line line, String token, String expected) {
    try {
      return new BigDecimal(token);
    } catch (NumberFormatException e) {
      throw new MalformedTraceException(file, line.number(), expected, line.text());
    }
  }

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
            try {
              ms[i] = Long.parseLong(l.text());
            } catch (NumberFormatException e) {
              throw new MalformedTraceException(
                  file, l.number(), "one integer millisecond timestamp", l.text());
            }
            if (ms[i] < 0 || (i > 0 && ms[i] < ms[i - 1])) {
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
            long t = secondsToNanos(decimal(file, l, f[0], expected));
            BigDecimal mbps = decimal(file, l, f[1], expected);
            if (mbps.signum() < 0 || (!times.isEmpty() && t < times.get(times.size() - 1))) {
              throw new MalformedTraceException(
                  file, l.number(), "a rate >= 0 and a time not before the previous", l.text());
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
            long ms;
            long bytes;
            long interval;
            try {
              ms = Long.parseLong(f[1]);
              bytes = Long.parseLong(f[4]);
              interval = Long.parseLong(f[5]);
            } catch (NumberFormatException e) {
              throw new MalformedTraceException(file, l.number(), expected, l.text());
            }
            if (interval <= 0 || bytes < 0) {
              throw new MalformedTraceException(file, l.number(), expected, l.text());
            }
            long t = Math.multiplyExact(ms, 1_000_000L);
            if (!times.isEmpty() && t < times.get(times.size() - 1)) {
              throw new MalformedTraceException(
                  file, l.number(), "ms_since_start not before the previous line's", l.text());
            }
            times.add(t);
            // bytes * 8 bits over interval ms, exactly: bytes * 8000 / interval bit/s
            rates.add(
                BigDecimal.valueOf(bytes * 8000L)
                    .divide(BigDecimal.valueOf(interval), 30, RoundingMode.HALF_EVEN));
          }
          return rebased(file, times, rates);
        }
      };
}
