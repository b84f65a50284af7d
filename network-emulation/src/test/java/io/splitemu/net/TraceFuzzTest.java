package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.trace.CsvOptions;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.MalformedTraceException;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormat;
import io.splitemu.net.trace.TraceFormats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded fuzzing of every trace reader: random and mutated valid files give a one-line refusal
 * naming the file and line, or a trace whose figures are finite and within physical range.
 */
class TraceFuzzTest {
  /** Inputs per format: half random, half mutated from a valid trace. */
  static final int INPUTS = 2_000;

  /** Upper bound of any rate a reader may return (1 Pbit/s, the readers' cap). */
  static final double MAX_BPS = 1e15;

  private static final String[] HOSTILE = {
    "1e400", "-1e400", "1e-400", "1e-999999999", "1e999999999", "9223372036854775807",
    "9223372036854775808", "-9223372036854775808", "2e15", "2000000000000000", "NaN", "Infinity",
    "-Infinity", "-0", "0", "0.0", "1", "-1", "0.5", "4000000000", "4000000000000", "1E3",
    "0x10", "", " ", "\t", "1,5", "١٢", "\u0000", "99999999999999999999999999999999999999"
  };

  private static final String VALID_PENSIEVE = "0.0 1.5\n0.5 4.79\n1.0 0\n1.7 12.25\n2.0 3\n";
  private static final String VALID_MAHIMAHI = "1\n1\n5\n20\n20\n21\n700\n1300\n2000\n";
  private static final String VALID_NORWAY =
      "1285675666 0 59.88 10.76 288648 1008\n"
          + "1285675667 1008 59.88 10.76 300000 1000\n"
          + "1285675668 2008 59.88 10.76 0 992\n"
          + "1285675669 3000 59.88 10.76 12345 1000\n";
  private static final String VALID_CSV = "time,rate,note\n0,1.5,a\n0.5,-,gap\n1,3,b\n2.5,0,c\n";
  private static final String VALID_CSV_DATE =
      "when,kbps\n2024-03-01 10:00:00.000,1000\n2024-03-01 10:00:01.250,300\n"
          + "2024-03-01 10:00:02.000,0\n";

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"pensieve", "mahimahi", "norway-raw", "csv", "csv-date"})
  void randomAndMutatedTraces_refusedInOneLineOrFiniteInRange(String name) {
    TraceFormat format =
        name.equals("csv-date")
            ? TraceFormats.byName(
                "csv", new CsvOptions("when", "yyyy-MM-dd HH:mm:ss.SSS", "kbps", "kbps", "-", ","))
            : TraceFormats.byName(name);
    String valid =
        switch (name) {
          case "pensieve" -> VALID_PENSIEVE;
          case "mahimahi" -> VALID_MAHIMAHI;
          case "norway-raw" -> VALID_NORWAY;
          case "csv" -> VALID_CSV;
          default -> VALID_CSV_DATE;
        };
    Random rnd = new Random(0x15_0000L + name.hashCode());
    int[] outcomes = new int[2]; // refused, read
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < INPUTS; i++) {
            String text = i % 2 == 0 ? random(rnd) : mutate(valid, rnd);
            outcomes[check(format, text, i)]++;
          }
        });
    assertEquals(INPUTS, outcomes[0] + outcomes[1]);
    // both outcomes occur, so the fuzzing reaches past the first line
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, name + ": refused/read " + outcomes[0] + "/"
        + outcomes[1]);
  }

  /** 0 if refused with a proper message, 1 if read with proper figures; fails otherwise. */
  private int check(TraceFormat format, String text, int i) throws IOException {
    Path f = dir.resolve("fuzz-" + i);
    Files.write(f, text.getBytes(StandardCharsets.UTF_8));
    Trace t;
    try {
      t = format.read(f);
    } catch (MalformedTraceException e) {
      String m = e.getMessage();
      assertTrue(m.startsWith("fuzz-" + i + ":"), () -> "no file name in: " + m);
      assertFalse(m.contains("\n") || m.contains("\r"), () -> "not one line: " + m);
      assertTrue(m.length() < 400, () -> "message too long: " + m);
      return 0;
    } catch (RuntimeException | Error e) {
      throw new AssertionError(
          format.name() + " input #" + i + " threw " + e + " for:\n" + abbreviate(text), e);
    } finally {
      Files.delete(f);
    }
    double pass = t.passNanos() / 1e9;
    double mean = t.meanBitsPerSecond();
    double min = t.minBitsPerSecond();
    double max = t.maxBitsPerSecond();
    String figures =
        "pass " + pass + " s, mean " + mean + ", min " + min + ", max " + max + " for:\n" + text;
    assertTrue(t.passNanos() > 0 && t.passNanos() <= 8_000_000_000_000_000_000L, figures);
    for (double v : new double[] {mean, min, max}) {
      assertTrue(Double.isFinite(v) && v >= 0, figures);
    }
    assertTrue(min <= mean * (1 + 1e-9) && mean <= max * (1 + 1e-9), figures);
    if (!format.name().equals("mahimahi")) {
      assertTrue(max <= MAX_BPS, figures); // mahimahi's window rates are bounded by line count
    }
    try {
      EmulatedInstant end = t.link(EndPolicy.LOOP, 0).deliveryInstant(EmulatedInstant.ZERO, 1500);
      assertTrue(end.nanos() >= 0, figures);
    } catch (UndeliverableException e) {
      assertFalse(e.getMessage().contains("\n"), figures);
    }
    return 1;
  }

  private static String random(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int lines = rnd.nextInt(8);
    for (int l = 0; l < lines; l++) {
      int fields = rnd.nextInt(7);
      for (int k = 0; k < fields; k++) {
        if (k > 0) {
          sb.append(rnd.nextInt(4) == 0 ? "\t" : rnd.nextInt(3) == 0 ? "," : " ");
        }
        sb.append(token(rnd));
      }
      sb.append(rnd.nextInt(10) == 0 ? "\r\n" : "\n");
    }
    return sb.toString();
  }

  private static String token(Random rnd) {
    switch (rnd.nextInt(5)) {
      case 0:
        return HOSTILE[rnd.nextInt(HOSTILE.length)];
      case 1:
        return Long.toString(rnd.nextLong() >> rnd.nextInt(64));
      case 2:
        return Double.toString(rnd.nextDouble() * Math.pow(10, rnd.nextInt(40) - 20));
      case 3:
        return Integer.toString(rnd.nextInt(5000));
      default:
        {
          StringBuilder sb = new StringBuilder();
          for (int i = rnd.nextInt(6); i >= 0; i--) {
            sb.append((char) (rnd.nextInt(3) == 0 ? rnd.nextInt(0x3000) : 32 + rnd.nextInt(95)));
          }
          return sb.toString();
        }
    }
  }

  static String mutate(String valid, Random rnd) {
    List<String> lines = new ArrayList<>(List.of(valid.split("\n", -1)));
    for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
      int at = rnd.nextInt(lines.size());
      String line = lines.get(at);
      switch (rnd.nextInt(7)) {
        case 0 -> { // one field becomes a hostile or random number
          String[] f = line.split("(?<=[ ,\t])|(?=[ ,\t])", -1);
          f[rnd.nextInt(f.length)] = token(rnd);
          lines.set(at, String.join("", f));
        }
        case 1 -> lines.remove(at);
        case 2 -> lines.add(at, line);
        case 3 -> {
          int other = rnd.nextInt(lines.size());
          lines.set(at, lines.get(other));
          lines.set(other, line);
        }
        case 4 -> lines.set(at, line.substring(0, rnd.nextInt(line.length() + 1)));
        case 5 -> {
          int p = rnd.nextInt(line.length() + 1);
          lines.set(at, line.substring(0, p) + (char) rnd.nextInt(128) + line.substring(p));
        }
        default -> lines.set(at, line.replaceAll("[0-9]+", java.util.regex.Matcher.quoteReplacement(token(rnd))));
      }
      if (lines.isEmpty()) {
        lines.add("");
      }
    }
    return String.join("\n", lines);
  }

  private static String abbreviate(String s) {
    return s.length() <= 2000 ? s : s.substring(0, 2000) + "...";
  }
}
