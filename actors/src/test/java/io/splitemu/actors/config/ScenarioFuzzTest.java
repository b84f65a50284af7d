package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of scenario files: random and mutated valid HOCON gives a one-line
 * SettingsException or settings whose figures are finite and in range; a missing include is
 * named with its file and line.
 */
class ScenarioFuzzTest {
  /** Inputs: half random HOCON-ish text, half mutated from a valid scenario. */
  static final int INPUTS = 2_000;

  private static final String VALID =
      "splitemu {\n  scenario = fuzz\n  seed = 1\n  scheme = psl\n  rounds = 3\n"
          + "  batch-size = 32\n  target-accuracy = 0.9\n"
          + "  model { name = lenet5, cut = 2, learning-rate = 0.02, momentum = 0.9 }\n"
          + "  data { dataset = synthetic, train-samples = 600, test-samples = 100 }\n"
          + "  devices {\n    count = 4\n    flops = [1e9, 2e9, 4e9, 8e9]\n"
          + "    round-factor { distribution = uniform, min = 0.6, max = 1.0 }\n  }\n"
          + "  server.flops = 2e12\n"
          + "  links {\n    kind = static\n    propagation-delay = 5 ms\n"
          + "    static.uplink-bps = [5e6, 10e6, 20e6, 40e6]\n    static.downlink-bps = 50e6\n"
          + "  }\n}\n";

  private static final String[] HOSTILE = {
    "1e400", "-1e400", "NaN", "9223372036854775807", "9223372036854775808", "-1", "0", "1e-400",
    "2147483648", "\"\"", "null", "true", "[]", "{}", "1e400 s", "9999999999999 days", "-5 ms",
    "${missing}", "${splitemu.seed}", "\"x\\ny\"", "[1e400]", "{ distribution = normal }", "0.5"
  };

  @TempDir Path dir;

  @Test
  void includeOfAMissingFile_namedWithFileLineAndWhereItWasLooked() throws IOException {
    Path f = dir.resolve("s.conf");
    Files.writeString(f, "# a scenario\ninclude required(\"missing.conf\")\n" + VALID);
    SettingsException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            SettingsException.class, () -> Settings.load(f, List.of()));
    assertEquals(
        f + ":2: include \"missing.conf\": no such file (looked for "
            + dir.toAbsolutePath().resolve("missing.conf") + ", beside the including file)",
        e.getMessage());
  }

  @Test
  void randomAndMutatedScenarios_refusedInOneLineOrValid() {
    Random rnd = new Random(0x15_0005L);
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          for (int i = 0; i < INPUTS; i++) {
            String text = i % 2 == 0 ? random(rnd) : mutate(rnd);
            outcomes[check(text, i)]++;
          }
        });
    assertEquals(INPUTS, outcomes[0] + outcomes[1]);
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, outcomes[0] + "/" + outcomes[1]);
  }

  private int check(String text, int i) throws IOException {
    Path f = dir.resolve("fuzz-" + i + ".conf");
    Files.writeString(f, text);
    try {
      Settings s = Settings.load(f, List.of());
      assertTrue(s.rounds() >= 1, text);
      return 1;
    } catch (SettingsException e) {
      String m = e.getMessage();
      assertFalse(m.contains("\n") || m.contains("\r"), () -> "not one line: " + m);
      return 0;
    } catch (RuntimeException | Error e) {
      throw new AssertionError("input #" + i + " threw " + e + " for:\n" + text, e);
    } finally {
      Files.delete(f);
    }
  }

  private static String random(Random rnd) {
    StringBuilder sb = new StringBuilder("splitemu {\n");
    String[] keys = {"scenario", "seed", "rounds", "batch-size", "model.cut", "devices.count",
        "server.flops", "links.propagation-delay", "devices.flops", "target-accuracy",
        "model.learning-rate", "links.static.uplink-bps", "data.train-samples"};
    for (int k = rnd.nextInt(6); k >= 0; k--) {
      sb.append(keys[rnd.nextInt(keys.length)]).append(" = ")
          .append(HOSTILE[rnd.nextInt(HOSTILE.length)]).append('\n');
    }
    if (rnd.nextInt(4) == 0) {
      sb.append((char) (32 + rnd.nextInt(95)));
    }
    return sb.append("}\n").toString();
  }

  private static String mutate(Random rnd) {
    String s = VALID;
    for (int m = 1 + rnd.nextInt(2); m > 0; m--) {
      int p = rnd.nextInt(s.length());
      switch (rnd.nextInt(4)) {
        case 0, 1 -> { // replace the value after an '=' at or after p
          int eq = s.indexOf('=', p);
          if (eq < 0) {
            eq = s.indexOf('=');
          }
          int end = eq + 1;
          while (end < s.length() && ",\n}".indexOf(s.charAt(end)) < 0) {
            end++;
          }
          s = s.substring(0, eq + 1) + " " + HOSTILE[rnd.nextInt(HOSTILE.length)]
              + s.substring(end);
        }
        case 2 -> s = s.substring(0, p) + s.substring(Math.min(s.length(), p + 1 + rnd.nextInt(8)));
        default -> s = s.substring(0, p) + (char) (32 + rnd.nextInt(95)) + s.substring(p);
      }
    }
    return s.replace("\u0000", Matcher.quoteReplacement(""));
  }
}
