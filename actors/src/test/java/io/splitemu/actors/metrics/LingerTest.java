package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splitemu.actors.cli.ChildRun;
import io.splitemu.actors.runtime.GoldenRunsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code splitemu run} in its own JVM keeps serving its final values for {@code
 * metrics.linger} after it printed its result: a real Prometheus started only once the run has
 * ended still scrapes and stores the final round count, and the process then ends by itself.
 */
class LingerTest {

  private static final int ROUNDS = 2;

  /**
   * The last stored round count: a range lookback, because once the child has exited its series is
   * marked stale and an instant query returns nothing.
   */
  private static final String STORED = "last_over_time(splitemu_rounds_total{scheme=\"psl\"}[5m])";

  @TempDir Path tmp;

  @Test
  void afterTheRunEnds_theFinalValuesAreStillServedAndScraped() throws Exception {
    PrometheusServer.binary(); // skip (or fail) before the run when there is no server
    int metricsPort = MetricsContractTest.freePort();
    Path out = tmp.resolve("out");
    try (ChildRun child =
        ChildRun.start(
            tmp,
            "run",
            GoldenRunsTest.scenarioDir().resolve("quickstart.conf").toString(),
            "--out",
            out.toString(),
            "--set",
            "fidelity=timing",
            "--set",
            "rounds=" + ROUNDS,
            "--set",
            "output.plots=false",
            "--set",
            "metrics.enabled=true",
            "--set",
            "metrics.port=" + metricsPort,
            "--set",
            "metrics.linger=20s")) {
      Process run = child.process();
      String line = "metrics: serving the final values for 20 s more (splitemu.metrics.linger)";
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!child.stdout().contains(line) && run.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(100);
      }
      assertTrue(
          child.stdout().contains(line),
          "no linger line; stdout:\n" + child.stdout() + "\nstderr:\n" + child.stderr());
      // The run has ended and printed its result: only the linger keeps the endpoint up now.
      assertTrue(Files.isRegularFile(out.resolve("summary.json")), "the run left no summary");
      assertTrue(run.isAlive(), "the process ended without lingering");

      try (PrometheusServer prom = PrometheusServer.start(tmp, metricsPort, "1s", "1s")) {
        double stored = Double.NaN;
        while (run.isAlive() && Double.isNaN(stored)) {
          stored = prom.lastValue(STORED);
          Thread.sleep(250);
        }
        if (Double.isNaN(stored)) {
          stored = prom.lastValue(STORED);
        }
        if (Double.isNaN(stored)) {
          fail("Prometheus stored no rounds while the process lingered; its log:\n" + prom.log());
        }
        assertEquals(ROUNDS, stored, 0.0);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the process did not end after the linger");
        assertEquals(0, run.exitValue(), child.stderr());
      }
    }
  }
}
