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
            "metrics.linger=12s")) {
      Process run = child.process();
      String line = "metrics: serving the final values for 12 s more (splitemu.metrics.linger)";
      awaitLingerLine(child, line, 180);
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

  /**
   * A run that fails keeps serving too: the quickstart whose four devices all hang from round 2
   * stops in round 3 with no device left; the endpoint still serves its last figures (the round-2
   * row, the four devices failed) for the linger, and a Prometheus started after the error line
   * stores them. Before, the process exited with the error line at once.
   */
  @Test
  void aRunThatFails_printsItsErrorLine_thenServesItsLastFiguresForTheLinger() throws Exception {
    PrometheusServer.binary();
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
            "rounds=3",
            "--set",
            "output.plots=false",
            "--set",
            "faults=[{kind=device-hang, devices=[0,1,2,3], round=2}]",
            "--set",
            "metrics.enabled=true",
            "--set",
            "metrics.port=" + metricsPort,
            "--set",
            "metrics.linger=12s")) {
      Process run = child.process();
      String line = "metrics: serving the final values for 12 s more (splitemu.metrics.linger)";
      awaitLingerLine(child, line, 180);
      // The error line comes first, as without a linger.
      assertTrue(child.stderr().contains("no device is left to train"), child.stderr());
      assertTrue(run.isAlive(), "the process ended without lingering");
      try (PrometheusServer prom = PrometheusServer.start(tmp, metricsPort, "1s", "1s")) {
        String failed = "last_over_time(splitemu_devices_failed_total{scheme=\"psl\"}[5m])";
        double stored = Double.NaN;
        while (run.isAlive() && Double.isNaN(stored)) {
          stored = prom.lastValue(failed);
          Thread.sleep(250);
        }
        if (Double.isNaN(stored)) {
          stored = prom.lastValue(failed);
        }
        if (Double.isNaN(stored)) {
          fail("Prometheus stored nothing while the process lingered; its log:\n" + prom.log());
        }
        assertEquals(4.0, stored, 0.0);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the process did not end after the linger");
        assertEquals(1, run.exitValue(), child.stderr());
      }
    }
  }

  /**
   * A run stopped by SIGTERM lingers too, after its stop line, and then exits with 143. (The
   * linger's bound by the stop bound is held in {@link #aLingerCutToTheStopBound_saysSo}.)
   */
  @Test
  void aRunStoppedBySigterm_printsItsStopLine_thenLingers_thenExits143() throws Exception {
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
            "rounds=50",
            "--set",
            "mode=paced",
            "--set",
            "speedup=8", // a quickstart round (19 s emulated) in 2.4 s of wall time
            "--set",
            "output.plots=false",
            "--set",
            "metrics.enabled=true",
            "--set",
            "metrics.port=" + metricsPort,
            "--set",
            "metrics.linger=5s")) {
      Process run = child.process();
      Path rounds = out.resolve("rounds.csv");
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (rows(rounds) < 1 && run.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(50);
      }
      assertTrue(run.isAlive() && rows(rounds) >= 1, "no round ran; " + child.stderr());
      run.destroy(); // SIGTERM
      String line = "metrics: serving the final values for 5 s more (splitemu.metrics.linger)";
      awaitLingerLine(child, line, 120);
      assertTrue(child.stderr().contains("stopped by SIGTERM after round"), child.stderr());
      assertTrue(run.isAlive(), "the process ended without lingering");
      String text = MetricsText.scrape(metricsPort);
      assertTrue(MetricsText.sample(text, "splitemu_rounds_recorded") >= 1.0, text);
      assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the process did not end after the linger");
      assertEquals(143, run.exitValue(), child.stderr());
    }
  }

  /**
   * A compare whose scheme fails lingers as a run does: its error line, then the linger line, exit
   * status 1 (in this JVM, with a linger of 1 s).
   */
  @Test
  void aCompareThatFails_printsItsErrorLine_thenLingers() throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int status =
        io.splitemu.actors.cli.Main.run(
            new java.io.PrintWriter(out),
            new java.io.PrintWriter(err),
            "compare",
            GoldenRunsTest.scenarioDir().resolve("quickstart.conf").toString(),
            "--schemes",
            "psl",
            "--out",
            tmp.resolve("cmp").toString(),
            "--set",
            "fidelity=timing",
            "--set",
            "output.plots=false",
            "--set",
            "faults=[{kind=device-hang, devices=[0,1,2,3], round=2}]",
            "--set",
            "metrics.enabled=true",
            "--set",
            "metrics.port=" + MetricsContractTest.freePort(),
            "--set",
            "metrics.linger=1s");
    assertEquals(1, status, err.toString());
    assertTrue(err.toString().contains("no device is left to train"), err.toString());
    assertTrue(
        out.toString()
            .contains("metrics: serving the final values for 1 s more (splitemu.metrics.linger)"),
        out.toString());
  }

  /** The data rows of a CSV table now (0 while it does not exist). */
  private static long rows(Path csv) throws Exception {
    if (!Files.isRegularFile(csv)) {
      return 0;
    }
    try (var lines = Files.lines(csv)) {
      return Math.max(0, lines.count() - 1);
    }
  }

  /**
   * A linger cut to what is left of the stop bound says so and waits only that long; one whose
   * bound is used up says it does not linger.
   */
  @Test
  void aLingerCutToTheStopBound_saysSo() {
    MetricsSettings s =
        new MetricsSettings(true, "127.0.0.1", 0, 0, "local", java.time.Duration.ofSeconds(60));
    java.io.StringWriter text = new java.io.StringWriter();
    java.io.PrintWriter out = new java.io.PrintWriter(text);
    io.splitemu.actors.runtime.StopSwitch stop = new io.splitemu.actors.runtime.StopSwitch();
    assertEquals(null, stop.leftOf(java.time.Duration.ofSeconds(2)));
    stop.request();
    java.time.Duration left = stop.leftOf(java.time.Duration.ofSeconds(30));
    assertTrue(
        left.compareTo(java.time.Duration.ZERO) > 0
            && left.compareTo(java.time.Duration.ofSeconds(30)) <= 0,
        "left: " + left);
    // What is left, 1.9 s, given as such: read from the clock it may be under 1 s on a loaded
    // machine, and the linger 0 s (before 2026-12-06 this test failed so at times).
    long t0 = System.nanoTime();
    Metrics.linger(s, out, java.time.Duration.ofMillis(1900));
    double waitedS = (System.nanoTime() - t0) / 1e9;
    assertEquals(
        "metrics: serving the final values for 1 s more (splitemu.metrics.linger, cut to what is"
            + " left of the SIGTERM's stop bound)\n",
        text.toString());
    assertTrue(waitedS >= 0.9 && waitedS < 5, "waited " + waitedS + " s");
    text.getBuffer().setLength(0);
    Metrics.linger(s, out, stop.leftOf(java.time.Duration.ZERO));
    assertEquals(
        "metrics: no linger: the SIGTERM's stop bound is used up (splitemu.metrics.linger)\n",
        text.toString());
  }

  /** Waits up to {@code seconds} for the child's linger {@code line} on stdout, while it runs. */
  private static void awaitLingerLine(ChildRun child, String line, int seconds) throws Exception {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!child.stdout().contains(line)
        && child.process().isAlive()
        && System.nanoTime() < giveUp) {
      Thread.sleep(100);
    }
    assertTrue(
        child.stdout().contains(line),
        "no linger line; stdout:\n" + child.stdout() + "\nstderr:\n" + child.stderr());
  }
}
