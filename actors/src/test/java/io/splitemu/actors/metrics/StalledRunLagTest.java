package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real paced run whose supervisor stalls with no paced emission held: the lag gauge grows at the
 * wall clock's rate while the stall lasts, and stays at its final value once the run ended.
 */
class StalledRunLagTest {

  /** One scrape: its wall instant (s since the run started) and the run's figures then. */
  private record Scrape(double atS, double lagS, double rounds, double step) {}

  /**
   * psl in full fidelity at speedup 1000 (every instant is due almost at once), one local step per
   * round and an evaluation of 12000 test samples after round 1 (2.8 s of inference on the
   * project's 2-core machine): while it runs, round 1's step is done, its row not yet written and
   * no transfer or barrier is held, so only the supervisor's held start of round 2 can make the
   * gauge grow.
   */
  @Test
  void theLagGrowsWhileTheSupervisorStallsBetweenRounds_andStopsAtTheRunsEnd(@TempDir Path tmp)
      throws Exception {
    int port = MetricsContractTest.freePort();
    Settings s =
        Settings.load(
            Path.of("../scenarios/quickstart.conf"),
            List.of(
                "mode = paced",
                "speedup = 1000",
                "fidelity = full",
                "rounds = 2",
                "local-steps = 1",
                "eval-every = 1",
                "data.train-samples = 600",
                "data.test-samples = 12000",
                "output.plots = false",
                "metrics.enabled = true",
                "metrics.port = " + port));
    try (Metrics m = Metrics.shared(MetricsSettings.of(s))) {
      // A folder outside output.dir: its name and a hash of its path (Emulation.runLabel).
      String run = "run=\"" + Emulation.runLabel(tmp.resolve("stalled"), s.outputDir()) + "\"";
      List<Scrape> seen = new ArrayList<>();
      long t0 = System.nanoTime();
      Thread scraper =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  try {
                    String text = MetricsText.scrape(port);
                    Double lag = MetricsText.sample(text, "splitemu_emulation_lag_seconds", run);
                    Double rounds = MetricsText.sample(text, "splitemu_rounds_total", run);
                    Double step = MetricsText.sample(text, "splitemu_round_step", run);
                    // The lag is served from the run's registration, its other series a moment
                    // later.
                    if (lag != null && rounds != null && step != null) {
                      seen.add(new Scrape((System.nanoTime() - t0) / 1e9, lag, rounds, step));
                    }
                    Thread.sleep(100);
                  } catch (InterruptedException e) {
                    return;
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }
              });
      scraper.start();
      try {
        Emulation.run(s, tmp.resolve("stalled"), RunListener.NONE);
      } finally {
        scraper.interrupt();
        scraper.join();
      }

      // The stall: round 1's step done, its row (written after the evaluation) not yet.
      List<Scrape> stall = seen.stream().filter(x -> x.rounds() == 0 && x.step() == 1).toList();
      assertTrue(stall.size() >= 3, "too few scrapes during round 1's end: " + seen);
      Scrape first = stall.get(0);
      // The stall ends when round 2's visit is handed over, which resets the gauge a moment before
      // the recorder counts round 1's row: the stall's last scrape is its highest lag.
      Scrape last = stall.stream().max(java.util.Comparator.comparingDouble(Scrape::lagS)).get();
      double wall = last.atS() - first.atS();
      // 12,000 samples took 2.8 s on the 2-core machine: half a second leaves room for a faster
      // one, and the growth check below holds for any length.
      assertTrue(wall >= 0.5, "round 1's end took only " + wall + " s: " + stall);
      System.err.printf(
          "StalledRunLagTest: round 1's end stalled %.2f s; the lag went %.2f -> %.2f s%n",
          wall, first.lagS(), last.lagS());
      // The held start of round 2 is overdue all along: the gauge keeps up with the wall clock
      // (a scrape reads it up to a few ms after its instant, hence the margin).
      assertTrue(
          last.lagS() - first.lagS() >= 0.9 * wall,
          "the lag grew by "
              + (last.lagS() - first.lagS())
              + " s over "
              + wall
              + " s of stall: "
              + stall);

      // Ended: the gauge stays at its final value while the endpoint serves on.
      Double atEnd =
          MetricsText.sample(MetricsText.scrape(port), "splitemu_emulation_lag_seconds", run);
      assertNotNull(atEnd);
      Thread.sleep(300);
      assertEquals(
          atEnd,
          MetricsText.sample(MetricsText.scrape(port), "splitemu_emulation_lag_seconds", run));
    }
  }
}
