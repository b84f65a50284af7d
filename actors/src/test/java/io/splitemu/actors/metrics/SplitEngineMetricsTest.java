package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-device split engine (EdgeSplit here; DAG splits and SFL-compute run on the same engine)
 * feeds the metrics endpoint like the barrier and pipeline engines: a scrape over HTTP after a
 * timing run holds its rounds and last round latency as its results say.
 */
class SplitEngineMetricsTest {

  @TempDir Path tmp;

  @Test
  void edgesplitRun_isScrapedFromTheEndpoint() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String conf =
        "splitemu {\n"
            + "  scenario = split-engine-metrics\n"
            + "  scheme = edgesplit\n"
            + "  fidelity = timing\n"
            + "  rounds = 3\n"
            + "  local-steps = 2\n"
            + "  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [8e6, 2e7, 4e7],"
            + " downlink-bps = [1e7, 4e7, 4e7] } }\n"
            + "  output.plots = false\n"
            + "  metrics { enabled = true, port = "
            + port
            + " }\n"
            + "}\n";
    Settings s =
        Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("split-metrics.conf"));
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Emulation.Outcome o = Emulation.run(s, tmp.resolve("run"), RunListener.NONE);
      List<RoundRecord> rounds = o.rounds();
      assertEquals(3, rounds.size());
      String text = MetricsText.scrape(port);
      Double total = sample(text, "splitemu_rounds_total");
      assertNotNull(total, "no edgesplit round counter in\n" + text);
      assertEquals(3.0, total, 0.0);
      double last = rounds.get(2).roundLatencyS();
      Double latency = sample(text, "splitemu_round_latency_seconds");
      assertNotNull(latency, "no edgesplit round latency in\n" + text);
      assertEquals(last, latency, 1e-9 * last);
      Double up = sample(text, "splitemu_link_bytes_total", "direction=\"up\"");
      assertNotNull(up, "no edgesplit uplink bytes in\n" + text);
      assertEquals(o.summary().bytesUp(), up, 0.0);
    } finally {
      endpoint.close();
    }
  }

  private static Double sample(String text, String name, String... labels) {
    String[] all = new String[labels.length + 1];
    all[0] = "scheme=\"edgesplit\"";
    System.arraycopy(labels, 0, all, 1, labels.length);
    return MetricsText.sample(text, name, all);
  }
}
