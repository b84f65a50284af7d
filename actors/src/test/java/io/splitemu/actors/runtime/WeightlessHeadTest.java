package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.net.link.ShannonChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EdgeSplit on a chain whose first unit (a pooling layer) holds no weights: a device cut there has
 * no model to move, so the planner gives it aggregation share 0 (SchemeLatency), and its 0-byte
 * model transfers cost only the propagation delay, as the planner charges them. The runs on static
 * and trace links (share-split schemes refuse shannon links) pass without the link's 0-byte rule
 * too; the Shannon link below does not.
 */
class WeightlessHeadTest {

  @TempDir Path tmp;

  /** Pooling first (no weights), then a convolution and a classifier. */
  private static final String NET =
      "name: \"poolfirst\"\ninput: \"data\"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 32\n"
          + "input_dim: 32\n"
          + "layer { name: \"pool\" type: \"Pooling\" bottom: \"data\" top: \"pool\""
          + " pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n"
          + "layer { name: \"conv\" type: \"Convolution\" bottom: \"pool\" top: \"conv\""
          + " convolution_param { num_output: 16 kernel_size: 3 pad: 1 } }\n"
          + "layer { name: \"conv2\" type: \"Convolution\" bottom: \"conv\" top: \"conv2\""
          + " convolution_param { num_output: 4 kernel_size: 3 pad: 1 stride: 2 } }\n"
          + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"conv2\" top: \"fc\""
          + " inner_product_param { num_output: 10 } }\n";

  private Settings settings(String links) throws Exception {
    Path net = tmp.resolve("poolfirst.prototxt");
    Files.writeString(net, NET);
    String conf =
        "splitemu {\n  scenario = weightless-head\n  seed = 3\n  scheme = edgesplit\n"
            + "  fidelity = timing\n  rounds = 2\n  local-steps = 2\n  batch-size = 16\n"
            + "  eval-every = 1\n"
            + "  model { name = \""
            + net
            + "\", cut = 1 }\n"
            + "  data { dataset = synthetic, train-samples = 200, test-samples = 50 }\n"
            // A slow board that can hold no more than the pooling unit, and a fast one beside a
            // slow
            // server, which keeps its layers.
            + "  devices { count = 2, flops = [1e6, 5e10], memory-bytes = [6e5, 4e9] }\n"
            + "  server.flops = 1e9\n"
            + links
            + "  output.plots = false\n"
            + "}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), tmp.resolve("w.conf"));
  }

  private List<RoundRecord> run(Settings s, String tag) {
    return Emulation.run(s, tmp.resolve(tag), RunListener.NONE).rounds();
  }

  private static void assertRan(List<RoundRecord> rounds) {
    assertEquals(2, rounds.size());
    for (RoundRecord r : rounds) {
      // The premise: one device is cut after the weightless pooling unit, the other deeper.
      List<String> cuts = List.of(r.cut().split(";"));
      assertTrue(cuts.contains("1") && !cuts.equals(List.of("1", "1")), "cuts " + r.cut());
      assertTrue(Double.isFinite(r.roundLatencyS()) && r.roundLatencyS() > 0, r.toString());
      assertTrue(r.aggregationS() >= 0.02, "aggregation " + r.aggregationS());
    }
  }

  @Test
  void staticLinks_aDeviceWithNoWeightsToMove_runs() throws Exception {
    assertRan(
        run(
            settings(
                "  links { kind = static, propagation-delay = 20 ms,"
                    + " static { uplink-bps = [8e6, 2e7], downlink-bps = [1e7, 4e7] } }\n"),
            "static"));
  }

  @Test
  void traceLinks_aDeviceWithNoWeightsToMove_runs() throws Exception {
    StringBuilder t = new StringBuilder();
    for (int ms = 1; ms <= 100; ms++) {
      t.append(ms).append('\n').append(ms).append('\n');
    }
    Path up = tmp.resolve("link.up");
    Path down = tmp.resolve("link.down");
    Files.writeString(up, t);
    Files.writeString(down, t);
    assertRan(
        run(
            settings(
                "  links { kind = trace, propagation-delay = 20 ms, trace { uplink = [\""
                    + up
                    + "\"], downlink = [\""
                    + down
                    + "\"], format = mahimahi, end = loop } }\n"),
            "trace"));
  }

  /**
   * At the link: a model that cannot be made at share 0 (a Shannon channel's share is in (0, 1]) is
   * not asked for one by a transfer of no bytes, which waits for the queue and its propagation
   * delay only (share-split schemes refuse shannon links today; the link holds for every caller).
   */
  @Test
  void shannonLink_noBytesAtShareZero_costsThePropagationDelayBehindTheQueue() {
    long prop = 20_000_000L;
    EmulatedLink link =
        new EmulatedLink(
            (r, x) ->
                new ShannonChannel(10e6, x, 23, -174, 0.2, Long.MAX_VALUE / 4, 1, "fading/up")
                    .link(prop));
    assertEquals(5_000_000L + prop, link.arrival(5_000_000L, 0, 0.0));
    long busy = link.arrival(10_000_000L, 1_000_000, 1.0) - prop;
    assertTrue(busy > 10_000_000L, "the megabyte ends at " + busy);
    assertEquals(busy + prop, link.arrival(11_000_000L, 0, 0.0), "behind the queue");
    assertEquals(busy + 7_000_000L + prop, link.arrival(busy + 7_000_000L, 0, 0.0));
  }
}
