package io.splitemu.net.trace;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

  /** Receives each non-blank line of a file, stripped, as it is read. */
  @FunctionalInterface
  interface LineSink {
    void accept(Line line);
  }

  /**
   * Feeds each non-blank line of {@code file}, stripped, to {@code sink} as it is read: no line is
   * kept, so a reader that keeps only its numbers holds about its final arrays (a 39 MB mahimahi
   * file of 5 million lines is 40 MB of timestamps, not 400 MB of lines). A byte-order mark at the
   * file's start is dropped; a byte that is not UTF-8 is refused with its line and column.
   */
  static void forEachLine(Path file, LineSink sink) throws IOException {
    String name = file.getFileName().toString();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      byte[] line = new byte[128];
      int len = 0; // bytes of the line so far
      int chars = 0; // characters of the line so far: bytes that start a UTF-8 sequence
      long n = 1;
      int r;
      while ((r = in.read(buf)) >= 0) {
        for (int i = 0; i < r; i++) {
          byte b = buf[i];
          if (b == '\n') {
            emit(name, n, line, len, sink);
            len = 0;
            chars = 0;
            n++;
            continue;
          }
          boolean starts = (b & 0xC0) != 0x80;
          if ((starts && chars >= MAX_LINE_CHARS) || len >= 4 * MAX_LINE_CHARS) {
            throw new MalformedTraceException(
                name,
                n,
                "a line of at most " + MAX_LINE_CHARS + " characters",
                new String(line, 0, Math.min(len, 400), StandardCharsets.UTF_8));
          }
          if (len == line.length) {
            line = Arrays.copyOf(line, Math.min(2 * len, 4 * MAX_LINE_CHARS));
          }
          line[len++] = b;
          if (starts) {
            chars++;
          }
        }
      }
      emit(name, n, line, len, sink);
    }
  }

  private static void emit(String name, long n, byte[] b, int len, LineSink sink) {
    String s = decode(name, n, b, len);
    if (n == 1 && !s.isEmpty() && s.charAt(0) == '\uFEFF') {
      s = s.substring(1); // the byte-order mark some editors write: no part of the first line
    }
    if (!s.isBlank()) {
      sink.accept(new Line(n, s.strip()));
    }
  }

  /** Line {@code n}'s bytes as UTF-8, refused with the line and column of a byte that is not. */
  private static String decode(String name, long n, byte[] b, int len) {
    boolean ascii = true;
    for (int i = 0; i < len && ascii; i++) {
      ascii = b[i] >= 0;
    }
    if (ascii) {
      return new String(b, 0, len, StandardCharsets.ISO_8859_1);
    }
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
    ByteBuffer in = ByteBuffer.wrap(b, 0, len);
    CharBuffer out = CharBuffer.allocate(len); // UTF-8 never gives more chars than bytes
    CoderResult cr = dec.decode(in, out, true);
    if (!cr.isError()) {
      cr = dec.flush(out);
    }
    if (cr.isError()) {
      throw new MalformedTraceException(
          name,
          n,
          String.format(
              "UTF-8 text (not the byte 0x%02X at column %d)",
              b[in.position()] & 0xFF, out.position() + 1),
          new String(b, 0, len, StandardCharsets.UTF_8));
    }
    return out.flip().toString();
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

  /**
   * Whole numbers as they are read, in chunks that are never copied while the file is read: at the
   * end one array of the exact size, so a reader holds about its final array (and briefly twice
   * it), never the up to three times of an array grown by doubling.
   */
  static final class Longs {
    private static final int CHUNK = 1 << 16;

    /** Most values: an array's limit, with room for its header. */
    static final int MAX = Integer.MAX_VALUE - 16;

    private final List<long[]> full = new ArrayList<>();
    private long[] current = new long[16];
    private int inCurrent;
    private int size;

    /** Appends {@code v}; a file of more than {@link #MAX} values is refused at {@code line}. */
    void add(String file, Line line, long v) {
      if (size == MAX) {
        throw new MalformedTraceException(
            file, line.number(), "at most " + MAX + " samples in one file", line.text());
      }
      if (inCurrent == current.length) {
        if (current.length < CHUNK) {
          current = Arrays.copyOf(current, 2 * current.length); // small traces stay small
        } else {
          full.add(current);
          current = new long[CHUNK];
          inCurrent = 0;
        }
      }
      current[inCurrent++] = v;
      size++;
    }

    int size() {
      return size;
    }

    boolean isEmpty() {
      return size == 0;
    }

    /** The value added last; only when not empty. */
    long last() {
      return inCurrent > 0 ? current[inCurrent - 1] : full.get(full.size() - 1)[CHUNK - 1];
    }

    /** The values in one array of their number; the chunks are let go. */
    long[] toArray() {
      long[] out = new long[size];
      int at = 0;
      for (long[] c : full) {
        System.arraycopy(c, 0, out, at, c.length);
        at += c.length;
      }
      full.clear();
      System.arraycopy(current, 0, out, at, inCurrent);
      current = new long[0];
      inCurrent = 0;
      size = 0;
      return out;
    }
  }

  /** Builds a rate trace from absolute sample times, rebasing the first to 0. */
  static RateTrace rebased(String file, Longs times, List<BigDecimal> rates) {
    if (times.size() < 2) {
      throw new MalformedTraceException(file, "expected at least two samples, got " + times.size());
    }
    long[] t = times.toArray();
    long first = t[0];
    for (int i = 0; i < t.length; i++) {
      t[i] -= first;
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
          Longs ms = new Longs();
          forEachLine(
              path,
              l -> {
                long v =
                    integer(file, l, l.text(), "one integer millisecond timestamp", 0, MAX_MILLIS);
                if (!ms.isEmpty() && v < ms.last()) {
                  throw new MalformedTraceException(
                      file,
                      l.number(),
                      "a timestamp >= 0 and >= the previous line's " + ms.last(),
                      l.text());
                }
                ms.add(file, l, v);
              });
          if (ms.isEmpty()) {
            throw new MalformedTraceException(file, "expected at least one timestamp");
          }
          return PacketTrace.owning(file, ms.toArray());
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
          Longs times = new Longs();
          List<BigDecimal> rates = new ArrayList<>();
          forEachLine(
              path,
              l -> {
                String[] f = l.text().split("\\s+");
                if (f.length != 2) {
                  throw new MalformedTraceException(file, l.number(), expected, l.text());
                }
                long t = secondsToNanos(seconds(file, l, f[0], expected, "a time in seconds"));
                BigDecimal mbps =
                    decimal(file, l, f[1], expected, "a rate in Mbit/s", BigDecimal.ZERO, MAX_MBPS);
                if (!times.isEmpty() && t < times.last()) {
                  throw new MalformedTraceException(
                      file, l.number(), "a time not before the previous", l.text());
                }
                times.add(file, l, t);
                rates.add(mbps.movePointRight(6));
              });
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
          Longs times = new Longs();
          List<BigDecimal> rates = new ArrayList<>();
          forEachLine(
              path,
              l -> {
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
                    file,
                    l,
                    f[2],
                    expected,
                    "lat",
                    BigDecimal.valueOf(-90),
                    BigDecimal.valueOf(90));
                decimal(
                    file,
                    l,
                    f[3],
                    expected,
                    "lon",
                    BigDecimal.valueOf(-180),
                    BigDecimal.valueOf(180));
                long ms = integer(file, l, f[1], "ms_since_start", 0, MAX_MILLIS);
                long bytes = integer(file, l, f[4], "a byte count", 0, Long.MAX_VALUE);
                long interval = integer(file, l, f[5], "interval_ms", 1, MAX_MILLIS);
                long t = ms * 1_000_000L; // at most 4e18: MAX_MILLIS keeps it inside a long
                if (!times.isEmpty() && t < times.last()) {
                  throw new MalformedTraceException(
                      file, l.number(), "ms_since_start not before the previous line's", l.text());
                }
                times.add(file, l, t);
                // bytes * 8 bits over interval ms, exactly: bytes * 8000 / interval bit/s
                // Exactly, in decimals: bytes * 8000 overflows a long from about 1.15e15 bytes.
                rates.add(
                    checkedRate(
                        file,
                        l,
                        BigDecimal.valueOf(bytes)
                            .multiply(BigDecimal.valueOf(8000L))
                            .divide(
                                BigDecimal.valueOf(interval), MAX_SCALE, RoundingMode.HALF_EVEN)));
              });
          return rebased(file, times, rates);
        }
      };
}
