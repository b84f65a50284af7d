package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.metrics.MetricsText;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MP-SL hop queue metric is an emulated figure: two identical timing runs export the same value
 * for every hop, whatever the threads did, and a hop that many devices feed shows a queue.
 */
class HopQueueMetricTest {

  private static final int HOPS = 3;

  @TempDir Path tmp;

  @Test
  void hopQueue_isTheSameInTwoIdenticalRuns_andNonzeroWhereJobsWait() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Settings s =
        MpslEstimateAgreementTest.scenario(
            MpslEstimateAgreementTest.profiles(),
            "mpsl",
            12,
            HOPS,
            "mpsl { model = resnet101, head-units = 2, tail-units = 2 }\n"
                + "local-steps = 2\nmetrics { enabled = true, port = "
                + port
                + " }\n");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Emulation.run(s, tmp.resolve("a"), RunListener.NONE);
      Emulation.run(s, tmp.resolve("b"), RunListener.NONE);
      String text = MetricsText.scrape(port);
      double most = 0;
      for (int h = 1; h <= HOPS; h++) {
        Double a = queue(text, Emulation.runLabel(tmp.resolve("a"), s.outputDir()), h);
        Double b = queue(text, Emulation.runLabel(tmp.resolve("b"), s.outputDir()), h);
        assertNotNull(a, "no queue of hop-" + h + " in\n" + text);
        assertEquals(a, b, "hop-" + h);
        most = Math.max(most, a);
      }
      assertTrue(most > 0, "no hop queued a job:\n" + text);
    } finally {
      endpoint.close();
    }
  }

  private static Double queue(String text, String run, int hop) {
    return MetricsText.sample(
        text, "splitemu_hop_queue_length", "run=\"" + run + "\"", "member=\"hop-" + hop + "\"");
  }
}
