package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
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
    int port = MetricsContractTest.freePort();
    Settings s = MetricsScenarios.threeDevices("split-engine-metrics", "edgesplit", 3, port);
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
