package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.GoldenRunsTest;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live emulated time and speed ratio on real runs, scraped from the endpoint: the speed ratio
 * counts from the supervisor's start as {@code summary.json} does (not the run's setup), a crash's
 * rewind sets the emulated time back to its checkpoint, and a paced run's emulated time moves with
 * the pacing clock while the run waits for a barrier's deadline.
 */
class LiveEmulatedTimeTest {

  @TempDir Path tmp;

  private static Settings quickstart(int port, String... more) {
    Path file = GoldenRunsTest.scenarioDir().resolve("quickstart.conf");
    List<String> sets = new ArrayList<>(GoldenRunsTest.dataOverrides(file));
    sets.addAll(
        List.of(
            "output.plots = false",
            "metrics.enabled = true",
            "metrics.port = " + port,
            "metrics.linger = 0s"));
    sets.addAll(List.of(more));
    return Settings.load(file, sets);
  }

  private static String runLabel(Path dir, Settings s) {
    return "run=\"" + Emulation.runLabel(dir, s.outputDir()) + "\"";
  }

  @Test
  void theFinalSpeedRatio_isSummaryEmulatedTimeOverWallTime_notCountingTheSetup() throws Exception {
    // Before, the ratio's clock started when the feed was built, before the actors and data were
    // set up: a virtual quickstart showed 11.9 where summary.json gave 39.6.
    int port = MetricsContractTest.freePort();
    Settings s = quickstart(port, "fidelity = timing");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Path dir = tmp.resolve("ratio");
      Emulation.Outcome o = Emulation.run(s, dir, RunListener.NONE);
      String text = MetricsText.scrape(port);
      Double ratio = MetricsText.sample(text, "splitemu_emulation_speed_ratio", runLabel(dir, s));
      assertNotNull(ratio, text);
      double summary = o.summary().emulatedTimeS() / o.summary().wallTimeS();
      assertEquals(1.0, ratio / summary, 0.03, "ratio " + ratio + ", summary " + summary);
    } finally {
      endpoint.close();
    }
  }

  @Test
  void aCrashRewind_setsTheEmulatedTimeBackToTheCheckpoint_andTheRedoneRoundMovesIt()
      throws Exception {
    // Before, the gauge kept the discarded round's end until the redone rounds passed it.
    int port = MetricsContractTest.freePort();
    Settings s =
        quickstart(
            port,
            "fidelity = timing",
            "checkpoint.every = 1",
            "faults = [{ kind = supervisor-crash, at = 30 s }]");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Path dir = tmp.resolve("crash");
      String run = runLabel(dir, s);
      List<double[]> atRewind = new ArrayList<>();
      List<double[]> afterRewind = new ArrayList<>();
      List<Double> beforeRewind = new ArrayList<>();
      AtomicBoolean rewound = new AtomicBoolean();
      RunListener l =
          new RunListener() {
            @Override
            public void onProgress(ProgressRecord p) {
              if (!rewound.get()) {
                beforeRewind.add(p.emulatedS());
              } else if (afterRewind.isEmpty()) {
                afterRewind.add(new double[] {p.emulatedS(), scraped()});
              }
            }

            @Override
            public void onRewind(int round) {
              atRewind.add(new double[] {round, scraped()});
              rewound.set(true);
            }

            private double scraped() {
              try {
                return MetricsText.sample(
                    MetricsText.scrape(port), "splitemu_emulated_time_seconds", run);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
          };
      Emulation.Outcome o = Emulation.run(s, dir, l);
      assertEquals(1, atRewind.size(), "one rewind");
      int kept = (int) atRewind.get(0)[0];
      double checkpointS = o.rounds().get(kept - 1).emulatedTimeS();
      assertTrue(checkpointS < 30, "the checkpoint " + checkpointS + " s precedes the crash");
      // The crash's round ran to its end in the actors, past the crash instant.
      double discarded = beforeRewind.stream().mapToDouble(Double::doubleValue).max().orElse(0);
      assertTrue(discarded > 30, "before the rewind: " + discarded);
      assertEquals(checkpointS, atRewind.get(0)[1], 1e-9, "at the rewind");
      assertEquals(1, afterRewind.size(), "no progress after the rewind");
      assertEquals(afterRewind.get(0)[0], afterRewind.get(0)[1], 1e-9, "redone round's progress");
      assertTrue(
          afterRewind.get(0)[1] < discarded,
          "below the discarded round's end " + discarded + ": " + afterRewind.get(0)[1]);
      String text = MetricsText.scrape(port);
      RoundRecord last = o.rounds().get(o.rounds().size() - 1);
      assertEquals(
          last.emulatedTimeS(),
          MetricsText.sample(text, "splitemu_emulated_time_seconds", run),
          1e-9);
      // The discarded round recorded no row: the counter counts each row once.
      assertEquals(
          (double) o.rounds().size(), MetricsText.sample(text, "splitemu_rounds_total", run));
    } finally {
      endpoint.close();
    }
  }

  @Test
  void aPacedRun_waitingForABarriersDeadline_showsTheEmulatedTimeMoving() throws Exception {
    // Device 0 hangs from round 2: the round waits for barrier.deadline (30 emulated s, 1.2 s of
    // wall time at speedup 25). Before, the gauge stood still for that wait, then jumped.
    int port = MetricsContractTest.freePort();
    Settings s =
        quickstart(
            port,
            "fidelity = timing",
            "mode = paced",
            "speedup = 25",
            "faults = [{ kind = device-hang, device = 0, round = 2 }]");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Path dir = tmp.resolve("paced");
      String run = runLabel(dir, s);
      List<double[]> seen = new ArrayList<>(); // {wall s, emulated s, lag s}
      AtomicBoolean done = new AtomicBoolean();
      Thread scraper =
          new Thread(
              () -> {
                long t0 = System.nanoTime();
                while (!done.get()) {
                  try {
                    String text = MetricsText.scrape(port);
                    Double v = MetricsText.sample(text, "splitemu_emulated_time_seconds", run);
                    Double lag = MetricsText.sample(text, "splitemu_emulation_lag_seconds", run);
                    if (v != null && lag != null) {
                      synchronized (seen) {
                        seen.add(new double[] {(System.nanoTime() - t0) / 1e9, v, lag});
                      }
                    }
                    Thread.sleep(50);
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      scraper.start();
      Emulation.Outcome o;
      try {
        o = Emulation.run(s, dir, RunListener.NONE);
      } finally {
        done.set(true);
        scraper.join();
      }
      double end = o.summary().emulatedTimeS();
      assertTrue(end > 30, "the deadline is in the run: " + end + " s");
      // From the first instant past 0 to the run's end: never back, never past what the run
      // reached, and never flat for as long as the deadline's wait (1.2 s of wall time; before,
      // flat for 1.09 s of it). The gauge stands still, capped at an overdue emission, while the
      // pacing falls behind (a GC pause, a loaded machine), for as long as the lag gauge then
      // shows: a flat stretch counts only its wall time beyond the lag at its end.
      double[] flatFrom = null;
      double longestFlat = 0;
      double prev = -1;
      synchronized (seen) {
        for (double[] x : seen) {
          assertTrue(x[1] >= prev, "went back from " + prev + " to " + x[1]);
          assertTrue(x[1] <= end + 1e-9, x[1] + " s is past the run's end " + end);
          if (x[1] > 0 && x[1] < end) {
            if (x[1] == prev && flatFrom != null) {
              longestFlat = Math.max(longestFlat, x[0] - flatFrom[0] - x[2]);
            } else {
              flatFrom = x;
            }
          }
          prev = x[1];
        }
      }
      assertTrue(
          longestFlat < 0.5, "flat for " + longestFlat + " s of wall time beyond the pacing's lag");
    } finally {
      endpoint.close();
    }
  }
}
