package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splitemu.actors.CiSuite;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.GoldenRunsTest;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.net.stream.PacingLag;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics contract of issue 14 on real runs of every engine family (psl, cpsl, edgesplit,
 * dag-mincut, mpsl): {@code promtool check metrics} finds nothing in a scrape of each, every series
 * carries the run labels, the run's series have samples from its start, and round 1's step and
 * emulated time are served while the round runs, before its row is written.
 */
class MetricsContractTest {

  @TempDir Path tmp;

  /** One run of the test: a scenario file, its scheme and the overrides that keep it small. */
  private record Case(String file, String scheme, List<String> sets) {}

  private static final List<Case> CASES =
      List.of(
          // psl writes a checkpoint after each round: its age is served, and clean under promtool.
          new Case("quickstart.conf", "psl", List.of("rounds = 2", "checkpoint.every = 1")),
          new Case("quickstart.conf", "cpsl", List.of("rounds = 2")),
          new Case("edgesplit.conf", "edgesplit", List.of("rounds = 2", "local-steps = 4")),
          new Case("dag-split.conf", "dag-mincut", List.of("rounds = 2")),
          new Case("mpsl-vgg19.conf", "mpsl", List.of("rounds = 2", "devices.count = 6")));

  @Test
  void everyFamily_scrapesCleanUnderPromtool_withLiveProgressBeforeRoundOnesRow() throws Exception {
    Path promtool = promtool();
    int port = freePort();
    List<Settings> runs = new ArrayList<>();
    for (Case c : CASES) {
      Path file = GoldenRunsTest.scenarioDir().resolve(c.file());
      List<String> sets = new ArrayList<>(GoldenRunsTest.dataOverrides(file));
      sets.addAll(c.sets());
      sets.addAll(
          List.of(
              "scheme = " + c.scheme(),
              "fidelity = timing",
              "output.plots = false",
              "metrics.enabled = true",
              "metrics.port = " + port));
      runs.add(Settings.load(file, sets));
    }
    Metrics endpoint = Metrics.shared(MetricsSettings.of(runs.get(0)));
    try {
      for (Settings s : runs) {
        Path dir = tmp.resolve(s.scheme());
        LiveScrape live = new LiveScrape(port, dir);
        Emulation.Outcome o = Emulation.run(s, dir, live);
        String text = MetricsText.scrape(port);
        String run = "run=\"" + Emulation.runLabel(dir, s.outputDir()) + "\"";
        String[] labels = {
          run,
          "scenario=\"" + s.scenario() + "\"",
          "scheme=\"" + s.scheme() + "\"",
          "node=\"local\""
        };

        // (a) promtool finds nothing to say about the scrape.
        String said = promtoolCheck(promtool, text);
        assertEquals("", said, s.scheme() + ": promtool check metrics:\n" + said);

        // Every splitemu series carries the four run labels.
        for (String line : text.lines().toList()) {
          if (line.startsWith("splitemu_")) {
            assertTrue(
                line.contains("run=\"") && line.contains("node=\"") && line.contains("scenario="),
                "a series without the run labels: " + line);
          }
        }
        assertEquals(
            (double) o.rounds().size(),
            MetricsText.sample(text, "splitemu_rounds_total", labels),
            s.scheme());
        assertEquals(
            (double) o.rounds().size(),
            MetricsText.sample(text, "splitemu_rounds_recorded", labels),
            s.scheme());
        assertEquals(
            (double) s.rounds(),
            MetricsText.sample(text, "splitemu_run_rounds", labels),
            s.scheme());
        double last = o.rounds().get(o.rounds().size() - 1).emulatedTimeS();
        assertEquals(
            last,
            MetricsText.sample(text, "splitemu_emulated_time_seconds", labels),
            1e-9 * last,
            s.scheme());
        for (String name :
            List.of(
                "splitemu_recoveries_total",
                "splitemu_replans_total",
                "splitemu_emulation_lag_seconds",
                "splitemu_emulation_speed_ratio",
                "splitemu_devices_failed_total")) {
          assertNotNull(MetricsText.sample(text, name, run), s.scheme() + ": no " + name);
        }
        // Checkpoint age: only a run that wrote a checkpoint has it, from its first one on.
        Double age = MetricsText.sample(text, "splitemu_checkpoint_age_seconds", run);
        if (s.checkpointEvery() > 0) {
          assertNotNull(age, s.scheme() + ": no checkpoint age after its checkpoints\n" + text);
          assertTrue(age >= 0 && age < 60, s.scheme() + ": checkpoint age " + age + " s");
        } else {
          assertNull(age, s.scheme() + ": a checkpoint age without checkpoints");
        }
        String serverRole = s.scheme().equals("mpsl") ? "hops" : "edge";
        assertNotNull(
            MetricsText.sample(
                text, "splitemu_compute_seconds_total", run, "role=\"" + serverRole + "\""),
            s.scheme() + ": no " + serverRole + " compute");
        if (s.scheme().equals("mpsl")) {
          assertNotNull(
              MetricsText.sample(text, "splitemu_hop_queue_length", run, "member=\"hop-1\""),
              "mpsl: no hop queue\n" + text);
          Double idle =
              MetricsText.sample(text, "splitemu_hop_idle_seconds_total", run, "member=\"hop-1\"");
          assertNotNull(idle, "mpsl: no hop idle time");
          assertTrue(idle > 0, "mpsl: hop-1 never idle in " + last + " emulated s");
          assertNotNull(
              MetricsText.sample(
                  text,
                  "splitemu_node_model_memory_bytes",
                  run,
                  "role=\"hops\"",
                  "member=\"hop-1\""),
              "mpsl: no hop memory");
        }
        if (s.scheme().equals("edgesplit") || s.scheme().equals("dag-mincut")) {
          assertNotNull(
              MetricsText.sample(text, "splitemu_device_cut_layer", run, "device=\"0\""),
              s.scheme() + ": no per-device cut\n" + text);
          assertNotNull(
              MetricsText.sample(
                  text, "splitemu_device_link_share", run, "device=\"0\"", "direction=\"up\""),
              s.scheme() + ": no per-device share");
        }

        // (c) round 1 under way: its step and the emulated instant reached were served before
        // its row existed.
        assertNotNull(live.seen, s.scheme() + ": no scrape during round 1");
        assertEquals(
            0.0,
            MetricsText.sample(live.seen, "splitemu_rounds_total", labels),
            s.scheme() + ": round 1 was already recorded");
        assertEquals(
            0.0,
            MetricsText.sample(live.seen, "splitemu_rounds_recorded", labels),
            s.scheme() + ": round 1 was already in rounds.csv");
        assertNull(
            MetricsText.sample(live.seen, "splitemu_checkpoint_age_seconds", run),
            s.scheme() + ": a checkpoint age before the run's first checkpoint");
        Double step = MetricsText.sample(live.seen, "splitemu_round_step", labels);
        assertNotNull(step, s.scheme());
        assertEquals(live.progress.step(), step, 0.0, s.scheme());
        assertTrue(step >= 1, s.scheme() + ": no step done yet");
        Double at = MetricsText.sample(live.seen, "splitemu_emulated_time_seconds", labels);
        assertNotNull(at, s.scheme());
        assertTrue(
            at > 0 && at <= o.rounds().get(0).emulatedTimeS(),
            s.scheme() + ": emulated time " + at + " during round 1");
      }
    } finally {
      endpoint.close();
    }
  }

  @Test
  void aNewRun_hasItsSeriesAtZero_andTheLagIsReadAtEveryScrape() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      PacingLag lag = new PacingLag();
      m.run(
          new Metrics.RunInfo(
              "r1", "sc", "psl", "member-a", 5, 2, true, "edge", 3, Map.of("device", 100L)),
          lag);
      String[] labels = {"run=\"r1\"", "scenario=\"sc\"", "scheme=\"psl\"", "node=\"member-a\""};
      String text = MetricsText.scrape(m.port());
      assertEquals(0.0, MetricsText.sample(text, "splitemu_rounds_total", labels));
      assertEquals(5.0, MetricsText.sample(text, "splitemu_run_rounds", labels));
      assertEquals(3.0, MetricsText.sample(text, "splitemu_cut_layer", labels));
      assertEquals(0.0, MetricsText.sample(text, "splitemu_round_step", labels));
      assertEquals(0.0, MetricsText.sample(text, "splitemu_emulation_lag_seconds", labels));
      assertEquals(
          0.0,
          MetricsText.sample(
              text, "splitemu_device_link_bytes_total", "device=\"1\"", "direction=\"down\""));
      assertEquals(
          100.0,
          MetricsText.sample(
              text, "splitemu_node_model_memory_bytes", "role=\"devices\"", "member=\"device\""));
      // No round ended: the lag a paced release records now is what the next scrape shows.
      lag.record(2_500_000_000L);
      text = MetricsText.scrape(m.port());
      assertEquals(2.5, MetricsText.sample(text, "splitemu_emulation_lag_seconds", labels));
      // A release held 4 s past its due instant: each scrape shows it later, past the last lag.
      long due = System.nanoTime() - 4_000_000_000L;
      lag.pending(due);
      double first =
          MetricsText.sample(
              MetricsText.scrape(m.port()), "splitemu_emulation_lag_seconds", labels);
      Thread.sleep(300);
      double second =
          MetricsText.sample(
              MetricsText.scrape(m.port()), "splitemu_emulation_lag_seconds", labels);
      assertTrue(first >= 4.0, "overdue " + first + " s");
      assertTrue(second >= first + 0.25, first + " s, then " + second + " s");
      // Released: the figure is that release's lag, and no longer grows.
      lag.released(due, due + 1_000_000_000L);
      text = MetricsText.scrape(m.port());
      assertEquals(1.0, MetricsText.sample(text, "splitemu_emulation_lag_seconds", labels));
    }
  }

  @Test
  void checkpointAge_isAbsentBeforeTheFirstCheckpoint_growsAtEveryScrape_andStopsAtTheRunsEnd()
      throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run r =
          m.run(
              new Metrics.RunInfo("r1", "sc", "psl", "local", 5, 2, false, "edge", 3, Map.of()),
              new PacingLag());
      String[] labels = {"run=\"r1\"", "node=\"local\""};
      String name = "splitemu_checkpoint_age_seconds";
      String text = MetricsText.scrape(m.port());
      assertNull(MetricsText.sample(text, name, labels), "an age before any checkpoint");
      assertEquals("", promtoolCheck(promtool(), text));
      // Another kind of event is no checkpoint.
      r.onEvent(new EventRecord(1.0, 1, "timeout", "device-1", "deadline"));
      assertNull(MetricsText.sample(MetricsText.scrape(m.port()), name, labels));
      r.onEvent(new EventRecord(2.0, 1, "checkpoint", "supervisor", "checkpoints/round-000001"));
      double first = MetricsText.sample(MetricsText.scrape(m.port()), name, labels);
      Thread.sleep(300);
      double second = MetricsText.sample(MetricsText.scrape(m.port()), name, labels);
      assertTrue(first >= 0 && first < 5, "age " + first + " s right after a checkpoint");
      assertTrue(second >= first + 0.25, first + " s, then " + second + " s");
      // A newer checkpoint starts the age again.
      r.onEvent(new EventRecord(4.0, 2, "checkpoint", "supervisor", "checkpoints/round-000002"));
      double renewed = MetricsText.sample(MetricsText.scrape(m.port()), name, labels);
      assertTrue(renewed < second, second + " s, then " + renewed + " s after a new checkpoint");
      // The run ended: the age stays at its value at the end while the endpoint lingers.
      Thread.sleep(200);
      r.finished();
      double atEnd = MetricsText.sample(MetricsText.scrape(m.port()), name, labels);
      Thread.sleep(300);
      assertEquals(atEnd, MetricsText.sample(MetricsText.scrape(m.port()), name, labels));
      assertTrue(atEnd >= 0.2, "age at the end " + atEnd + " s");
    }
  }

  @Test
  void runLabel_isThePathFromTheOutputFolder_soEveryCompareHasItsOwn() {
    Path results = tmp.resolve("results");
    assertEquals(
        "quickstart-compare-20261203-082200/psl",
        Emulation.runLabel(results.resolve("quickstart-compare-20261203-082200/psl"), results));
    assertEquals(
        "quickstart-20261203-082200",
        Emulation.runLabel(results.resolve("quickstart-20261203-082200"), results));
    // Outside it: the folder's name and a hash of its path, so that two folders of one name in
    // different places (--out a/exp, --out b/exp) have their own series; the same folder (a
    // --resume) keeps its label.
    String a = Emulation.runLabel(tmp.resolve("a/exp"), results);
    String b = Emulation.runLabel(tmp.resolve("b/exp"), results);
    assertTrue(a.matches("exp-[0-9a-f]{6}"), a);
    assertTrue(b.matches("exp-[0-9a-f]{6}"), b);
    assertTrue(!a.equals(b), a + " twice");
    assertEquals(a, Emulation.runLabel(tmp.resolve("a/./exp"), results));
  }

  @Test
  void perDeviceBelow_isCappedAt10000_withALineNamingTheKey() {
    Path file = GoldenRunsTest.scenarioDir().resolve("quickstart.conf");
    assertEquals(
        10_000,
        MetricsSettings.of(Settings.load(file, List.of("metrics.per-device-below = 10000")))
            .perDeviceBelow());
    io.splitemu.actors.config.SettingsException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.splitemu.actors.config.SettingsException.class,
            () ->
                MetricsSettings.of(
                    Settings.load(file, List.of("metrics.per-device-below = 1000000"))));
    assertTrue(
        e.getMessage().contains("splitemu.metrics.per-device-below")
            && e.getMessage().contains("10000")
            && !e.getMessage().contains("\n"),
        e.getMessage());
  }

  @Test
  void lingerIsNoWaitWithMetricsOff() {
    StringWriter out = new StringWriter();
    long start = System.nanoTime();
    Metrics.linger(MetricsSettings.OFF, new PrintWriter(out));
    assertEquals("", out.toString());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
  }

  /**
   * A progress subscriber that scrapes the endpoint at the first progress of round 1 with a step
   * done, while round 1 has no row in {@code rounds.csv} yet.
   */
  private static final class LiveScrape implements RunListener {
    private final int port;
    private final Path dir;
    volatile String seen;
    volatile ProgressRecord progress;

    LiveScrape(int port, Path dir) {
      this.port = port;
      this.dir = dir;
    }

    @Override
    public void onProgress(ProgressRecord p) {
      if (seen != null || p.round() != 1 || p.step() < 1) {
        return;
      }
      try {
        List<String> rows = Files.readAllLines(dir.resolve("rounds.csv"), StandardCharsets.UTF_8);
        assertEquals(1, rows.size(), "round 1's row is written already: " + rows);
        progress = p;
        seen = MetricsText.scrape(port);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** What {@code promtool check metrics} says about {@code text}: empty when it is clean. */
  static String promtoolCheck(Path promtool, String text) throws Exception {
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (var in = p.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not end");
    return p.exitValue() == 0 ? out : "exit " + p.exitValue() + ": " + out;
  }

  /** The promtool binary (Debian package prometheus), or the reason the test cannot run. */
  static Path promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "promtool");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    if (!System.getProperty("splitemu.data", "").isBlank()) {
      fail(CiSuite.missing("no promtool on PATH (Debian package prometheus)"));
    }
    Assumptions.abort(CiSuite.missing("no promtool on PATH (Debian package prometheus)"));
    return null;
  }

  static int freePort() throws IOException {
    return io.splitemu.actors.cluster.Ports.free();
  }
}
