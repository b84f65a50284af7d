package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the prototxt and DAG JSON readers: random and mutated valid texts give a
 * one-line refusal naming the file, or a profile whose figures are finite and within range.
 */
class ProfileFuzzTest {
  /** Inputs per reader: half random, half mutated from a valid file. */
  static final int INPUTS = 2_000;

  private static final String[] HOSTILE = {
    "1e400", "-1e400", "1e-400", "9223372036854775807", "9223372036854775808", "2147483647",
    "2147483648", "-2147483648", "16777216", "16777217", "0", "-1", "-0", "NaN", "Infinity",
    "1.5", "0x10", "4294967296", "65536", "1e18", "1.7976931348623157e308", "\"\"", "{", "}",
    "[", "]", ":", ",", "\"\\n\"", "\"input\"", "null", "true", "false", "#", "<", ">"
  };

  private static final String PROTOTXT =
      "name: \"tiny\"\ninput: \"data\"\ninput_dim: 10\ninput_dim: 3\ninput_dim: 16\n"
          + "input_dim: 16\n"
          + "layer { name: \"conv\" type: \"Convolution\" bottom: \"data\" top: \"conv\"\n"
          + "  convolution_param { num_output: 8 kernel_size: 3 pad: 1 stride: 1 group: 1 } }\n"
          + "layer { name: \"relu\" type: \"ReLU\" bottom: \"conv\" top: \"conv\" }\n"
          + "layer { name: \"pool\" type: \"Pooling\" bottom: \"conv\" top: \"pool\"\n"
          + "  pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }\n"
          + "layer { name: \"b\" type: \"Convolution\" bottom: \"pool\" top: \"b\"\n"
          + "  convolution_param { num_output: 8 kernel_h: 1 kernel_w: 3 pad_w: 1 pad_h: 0 } }\n"
          + "layer { name: \"cat\" type: \"Concat\" bottom: \"pool\" bottom: \"b\" top: \"cat\" }\n"
          + "layer { name: \"sum\" type: \"Eltwise\" bottom: \"b\" bottom: \"pool\" top: \"sum\" }\n"
          + "layer { name: \"flat\" type: \"Flatten\" bottom: \"cat\" top: \"flat\" }\n"
          + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"flat\" top: \"fc\"\n"
          + "  inner_product_param { num_output: 10 } }\n"
          + "layer { name: \"prob\" type: \"Softmax\" bottom: \"fc\" top: \"prob\" }\n";

  private static final String DAG_JSON =
      "{\"name\": \"g\", \"inputBytes\": 602112, \"layers\": [\n"
          + "{\"name\": \"conv1\", \"inputs\": [\"input\"], \"forwardFlops\": 236027904,\n"
          + " \"backwardFlops\": 472055808, \"outputBytes\": 3211264, \"paramBytes\": 37888},\n"
          + "{\"name\": \"pool1\", \"inputs\": [\"conv1\"], \"forwardFlops\": 3612672,\n"
          + " \"outputBytes\": 802816, \"paramBytes\": 0},\n"
          + "{\"name\": \"fc\", \"inputs\": [\"pool1\", \"conv1\"], \"forwardFlops\": 1.5e3,\n"
          + " \"outputBytes\": 40, \"paramBytes\": 4000}\n]}\n";

  @Test
  void prototxt_randomAndMutated_refusedInOneLineOrFiniteInRange() {
    fuzz(
        PROTOTXT,
        0x15_0001L,
        "net.prototxt",
        text -> {
          CaffePrototxt.Result r = CaffePrototxt.parse(text, "net.prototxt", "net");
          assertTrue(r.params() >= 0 && r.macs() >= 0 && r.macs() <= Long.MAX_VALUE, text);
          for (var shape : r.shapes().values()) {
            for (int d : shape) {
              assertTrue(d >= 1, () -> "shape " + shape + " for:\n" + text);
            }
          }
          return r.dag();
        });
  }

  @Test
  void dagJson_randomAndMutated_refusedInOneLineOrFiniteInRange() {
    fuzz(DAG_JSON, 0x15_0002L, "g.dag.json", text -> DagJson.parse(text, "g.dag.json"));
  }

  private static void fuzz(String valid, long seed, String source, Function<String, DagProfile> r) {
    Random rnd = new Random(seed);
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < INPUTS; i++) {
            String text = i % 2 == 0 ? random(rnd) : mutate(valid, rnd);
            outcomes[check(text, source, r)]++;
          }
        });
    assertEquals(INPUTS, outcomes[0] + outcomes[1]);
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "refused/read " + outcomes[0] + "/" + outcomes[1]);
  }

  private static int check(String text, String source, Function<String, DagProfile> reader) {
    DagProfile p;
    try {
      p = reader.apply(text);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      assertTrue(m.startsWith(source + ":"), () -> "no file name in: " + m);
      assertFalse(m.contains("\n") || m.contains("\r"), () -> "not one line: " + m);
      assertTrue(m.length() <= OneLine.MAX_CHARS, () -> "message too long: " + m);
      return 0;
    } catch (RuntimeException | Error e) {
      throw new AssertionError("threw " + e + " for:\n" + text, e);
    }
    assertTrue(p.inputBytes() >= 0, text);
    assertTrue(p.totalParamBytes() >= 0, text);
    assertTrue(Double.isFinite(p.totalForwardFlops()) && p.totalForwardFlops() >= 0, text);
    for (DagLayer l : p.layers()) {
      assertTrue(Double.isFinite(l.forwardFlops()) && l.forwardFlops() >= 0, text);
      assertTrue(Double.isFinite(l.backwardFlops()) && l.backwardFlops() >= 0, text);
      assertTrue(l.outputBytes() >= 0 && l.paramBytes() >= 0, text);
    }
    ChainProfile c = p.toChain();
    for (UnitProfile u : c.units()) {
      assertTrue(Double.isFinite(u.forwardFlops()) && u.forwardFlops() >= 0, text);
    }
    return 1;
  }

  private static String random(Random rnd) {
    StringBuilder sb = new StringBuilder();
    for (int i = rnd.nextInt(40); i >= 0; i--) {
      switch (rnd.nextInt(4)) {
        case 0 -> sb.append(HOSTILE[rnd.nextInt(HOSTILE.length)]);
        case 1 -> sb.append(rnd.nextInt(4) == 0 ? "\n" : " ");
        case 2 -> sb.append(
            new String[] {"layer", "name", "type", "bottom", "top", "input_dim", "\"layers\"",
                "\"name\"", "\"inputs\"", "\"forwardFlops\"", "\"outputBytes\"", "\"paramBytes\""}
                [rnd.nextInt(12)]);
        default -> sb.append((char) (rnd.nextInt(5) == 0 ? rnd.nextInt(0x3000) : 32 + rnd.nextInt(95)));
      }
    }
    return sb.toString();
  }

  /** The valid text with one to three edits: a number or token swapped, text cut or repeated. */
  private static String mutate(String valid, Random rnd) {
    String s = valid;
    for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
      int p = rnd.nextInt(s.length());
      switch (rnd.nextInt(6)) {
        case 0, 1 -> { // replace the number at or after p
          int a = p;
          while (a < s.length() && !Character.isDigit(s.charAt(a))) {
            a++;
          }
          int b = a;
          while (b < s.length() && (Character.isDigit(s.charAt(b)) || s.charAt(b) == '.')) {
            b++;
          }
          s = s.substring(0, a) + HOSTILE[rnd.nextInt(HOSTILE.length)] + s.substring(b);
        }
        case 2 -> s = s.substring(0, p) + s.substring(Math.min(s.length(), p + rnd.nextInt(20)));
        case 3 -> {
          int q = Math.min(s.length(), p + rnd.nextInt(80));
          s = s.substring(0, q) + s.substring(p, q) + s.substring(q);
        }
        case 4 -> s = s.substring(0, p) + (char) rnd.nextInt(128) + s.substring(p);
        default -> s = s.substring(0, p) + "{ a ".repeat(rnd.nextInt(200)) + s.substring(p);
      }
    }
    return s;
  }
}
