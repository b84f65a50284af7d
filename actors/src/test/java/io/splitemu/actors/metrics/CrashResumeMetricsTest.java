package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.HopRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Checkpoint;
import io.splitemu.actors.runtime.Checkpoints;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.GoldenRunsTest;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.StopSwitch;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics of a run that a crash sends back to a checkpoint, and of a {@code --resume}: {@code
 * splitemu_rounds_recorded} follows the rows of {@code rounds.csv} (so the dashboards' progress
 * ends at 100 %), the counters count the work this process did (redone rounds and their hops' idle
 * time included), and a resumed run's speed ratio counts from the emulated instant it resumed at.
 */
class CrashResumeMetricsTest {

  @TempDir Path tmp;

  /** The quickstart in timing fidelity, 4 rounds, a checkpoint every 2, metrics on {@code port}. */
  private static Settings quickstart(int port, String... extra) {
    Path file = GoldenRunsTest.scenarioDir().resolve("quickstart.conf");
    List<String> sets = new ArrayList<>(GoldenRunsTest.dataOverrides(file));
    sets.addAll(
        List.of(
            "scheme = psl",
            "fidelity = timing",
            "rounds = 4",
            "checkpoint.every = 2",
            "output.plots = false",
            "metrics.enabled = true",
            "metrics.linger = 0s",
            "metrics.port = " + port));
    sets.addAll(List.of(extra));
    return Settings.load(file, sets);
  }

  private static String[] run(Path dir, Settings s) {
    return new String[] {"run=\"" + Emulation.runLabel(dir, s.outputDir()) + "\""};
  }

  private static int rows(Path dir) {
    return CsvTable.read(dir.resolve("rounds.csv")).size();
  }

  @Test
  void aServerCrashAtRound4_redoesRound3_roundsRecordedIsTheTablesFour_theCounterFive()
      throws Exception {
    int port = MetricsContractTest.freePort();
    Settings s =
        quickstart(port, "faults = [{ kind = server-crash, round = 4, restart-delay = 1 s }]");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Path dir = tmp.resolve("crash");
      Emulation.run(s, dir, RunListener.NONE);
      assertEquals(4, rows(dir));
      String text = MetricsText.scrape(port);
      String[] l = run(dir, s);
      assertEquals(5.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
      assertEquals(4.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      // The crash's recovery row starts with its kind: counted as one, not as "unspecified".
      assertEquals(
          1.0,
          MetricsText.sample(text, "splitemu_recoveries_total", l[0], "kind=\"server-crash\""),
          text);
      assertEquals(
          null,
          MetricsText.sample(text, "splitemu_recoveries_total", l[0], "kind=\"unspecified\""),
          text);
      // The dashboards' progress: recorded over planned, 100 % and no more.
      assertEquals(
          1.0,
          MetricsText.sample(text, "splitemu_rounds_recorded", l)
              / MetricsText.sample(text, "splitemu_run_rounds", l));
    } finally {
      endpoint.close();
    }
  }

  /** The rows of {@code events.csv} of kind {@code kind} whose detail starts with {@code what}. */
  private static long eventRows(Path dir, String kind, String what) {
    return CsvTable.read(dir.resolve("events.csv")).stream()
        .filter(f -> f.get(2).equals(kind) && f.get(4).startsWith(what + ": "))
        .count();
  }

  /**
   * A link outage and a device hang at instants of round 1, then a server crash at round 3's start
   * that goes back to the run's start (no checkpoint): the rewind cuts their rows and the redone
   * round 1 writes them again (the hang's recovery at its own start, another instant). Each struck
   * once: the counters count their {@code fault} and {@code recovery} rows once, as {@code
   * events.csv} has them (before, twice: 2 for each). So does a slowdown over rounds 2 to 3, whose
   * rows the discarded round 2 and the redone one write: one fault of the scenario, one row each.
   */
  @Test
  void faultsAtInstantsBeforeACrash_countedOnce_asEventsCsvHasThem() throws Exception {
    int port = MetricsContractTest.freePort();
    Settings s =
        quickstart(
            port,
            "checkpoint.every = 0",
            "faults = [{ kind = link-outage, device = 1, at = 0.2 s, until = 0.4 s }, { kind ="
                + " device-hang, device = 2, at = 0.3 s, until = 0.5 s }, { kind = server-crash,"
                + " round = 3, restart-delay = 1 s }, { kind = device-slowdown, device = 3, factor"
                + " = 2, round = 2, until-round = 3 }]");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Path dir = tmp.resolve("refaulted");
      Emulation.run(s, dir, RunListener.NONE);
      assertEquals(4, rows(dir));
      String text = MetricsText.scrape(port);
      String[] l = run(dir, s);
      List<List<String>> events = CsvTable.read(dir.resolve("events.csv"));
      // The rows the rewind cut and the redone round 1 wrote again: of round 1, before the crash's.
      int crash = -1;
      for (int i = 0; i < events.size(); i++) {
        if (events.get(i).get(2).equals("fault") && events.get(i).get(4).startsWith("server-")) {
          crash = i;
        }
      }
      assertTrue(crash > 0, "no crash row: " + events);
      for (String what : List.of("link-outage", "device-hang", "device-slowdown")) {
        assertEquals(1, eventRows(dir, "fault", what), what + ": " + events);
        assertEquals(1, eventRows(dir, "recovery", what), what + ": " + events);
      }
      List<String> outage = null;
      for (List<String> f : events) {
        if (f.get(2).equals("fault") && f.get(4).startsWith("link-outage: ")) {
          outage = f;
        }
      }
      assertEquals("1", outage.get(1), "written again with the redone round 1: " + outage);
      assertTrue(events.indexOf(outage) < crash, "placed by its instant: " + events);
      for (String kind : List.of("link-outage", "device-hang", "device-slowdown", "server-crash")) {
        String k = "kind=\"" + kind + "\"";
        assertEquals(
            (double) eventRows(dir, "fault", kind),
            MetricsText.sample(text, "splitemu_faults_injected_total", l[0], k),
            kind + "\n" + text);
        assertEquals(
            (double) eventRows(dir, "recovery", kind),
            MetricsText.sample(text, "splitemu_recoveries_total", l[0], k),
            kind + "\n" + text);
      }
      for (String kind : List.of("fault", "recovery")) {
        assertEquals(
            (double) events.stream().filter(f -> f.get(2).equals(kind)).count(),
            MetricsText.sample(text, "splitemu_events_total", l[0], "kind=\"" + kind + "\""),
            kind + "\n" + text);
      }
      // The rounds still count the discarded attempt and the redone rounds: 2 + 4.
      assertEquals(6.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
    } finally {
      endpoint.close();
    }
  }

  /**
   * A {@code --resume} from round 2's checkpoint of a run whose crash at round 4 goes back to that
   * checkpoint, with a link outage at an instant of round 3: the resumed process writes the
   * outage's rows (the resume dropped the stopped process's), strikes the crash, whose rewind cuts
   * them, and writes them again in the redone round 3. Its counters, which start at 0, count them
   * once, as {@code events.csv} has them (before, twice).
   */
  @Test
  void aResumedProcess_countsAFaultItsCrashCutAndWroteAgain_once() throws Exception {
    // Where round 3 runs: the same scenario without faults has the same rounds 1 and 2.
    Path plain = tmp.resolve("plain");
    Emulation.run(
        quickstart(MetricsContractTest.freePort(), "metrics.enabled = false"),
        plain,
        RunListener.NONE);
    double at2 = Double.parseDouble(CsvTable.read(plain.resolve("rounds.csv")).get(1).get(2));
    String faults =
        "faults = [{ kind = link-outage, device = 1, at = "
            + (at2 + 0.1)
            + " s, until = "
            + (at2 + 0.2)
            + " s }, { kind = server-crash, round = 4, restart-delay = 1 s }]";
    Path dir = tmp.resolve("resumed");
    int first = MetricsContractTest.freePort();
    Settings s = quickstart(first, faults);
    Metrics a = Metrics.shared(MetricsSettings.of(s));
    try {
      Emulation.run(s, dir, RunListener.NONE);
    } finally {
      a.close();
    }
    // As if the run had stopped after round 2: resume from that checkpoint, in a new endpoint.
    Files.deleteIfExists(ResultsWriter.checkpointFile(dir, 4));
    int second = MetricsContractTest.freePort();
    Settings r = quickstart(second, faults);
    Metrics b = Metrics.shared(MetricsSettings.of(r));
    try {
      Emulation.run(
          r,
          dir,
          RunListener.NONE,
          new Emulation.RunControl(
              Checkpoints.read(ResultsWriter.checkpointFile(dir, 2)), null, null));
      assertEquals(4, rows(dir));
      String text = MetricsText.scrape(second);
      String[] l = run(dir, r);
      assertEquals(1, eventRows(dir, "fault", "link-outage"), "events.csv");
      assertEquals(1, eventRows(dir, "recovery", "link-outage"), "events.csv");
      assertEquals(1, eventRows(dir, "fault", "server-crash"), "events.csv");
      String k = "kind=\"link-outage\"";
      assertEquals(1.0, MetricsText.sample(text, "splitemu_faults_injected_total", l[0], k), text);
      assertEquals(1.0, MetricsText.sample(text, "splitemu_recoveries_total", l[0], k), text);
      // This process ran round 3, then (the crash strikes at round 4's start) the redone 3 and 4.
      assertEquals(3.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
    } finally {
      b.close();
    }
  }

  @Test
  void aResume_startsRoundsRecordedAtTheRowsReadBack_andEndsAtTheRunsRounds() throws Exception {
    int first = MetricsContractTest.freePort();
    Path dir = tmp.resolve("stopped");
    Settings s = quickstart(first);
    Metrics a = Metrics.shared(MetricsSettings.of(s));
    try {
      Emulation.run(s, dir, RunListener.NONE);
    } finally {
      a.close();
    }
    // As if the run had stopped after round 2: resume from that checkpoint, in a new endpoint.
    Files.deleteIfExists(ResultsWriter.checkpointFile(dir, 4));
    double at2 = Double.parseDouble(CsvTable.read(dir.resolve("rounds.csv")).get(1).get(2));
    int second = MetricsContractTest.freePort();
    Settings r = quickstart(second);
    Metrics b = Metrics.shared(MetricsSettings.of(r));
    try {
      Emulation.Outcome o =
          Emulation.run(
              r,
              dir,
              RunListener.NONE,
              new Emulation.RunControl(
                  Checkpoints.read(ResultsWriter.checkpointFile(dir, 2)), null, null));
      assertEquals(4, rows(dir));
      String text = MetricsText.scrape(second);
      String[] l = run(dir, r);
      assertEquals(4.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      assertEquals(4.0, MetricsText.sample(text, "splitemu_run_rounds", l), text);
      // This process ran rounds 3 and 4.
      assertEquals(2.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
      assertEquals(
          o.rounds().get(3).emulatedTimeS(),
          MetricsText.sample(text, "splitemu_emulated_time_seconds", l),
          1e-9);
      assertTrue(at2 > 0, "round 2 ended at " + at2);
    } finally {
      b.close();
    }
  }

  /** The families a resume sets from the rows read back, besides the rounds' own gauges. */
  private static final List<String> RESTORED =
      List.of(
          "splitemu_round_latency_seconds",
          "splitemu_round_participants",
          "splitemu_link_rate_bytes_per_second",
          "splitemu_device_compute_seconds",
          "splitemu_device_link_rate_bytes_per_second",
          "splitemu_device_link_capacity_bytes_per_second");

  /** The samples of {@link #RESTORED} in {@code text}, one line each, sorted. */
  private static List<String> restored(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      for (String family : RESTORED) {
        if (line.startsWith(family + "{")) {
          out.add(line);
        }
      }
    }
    out.sort(null);
    return out;
  }

  @Test
  void aResume_showsTheLastRoundsLinkRatesComputeAndCapacity_untilItsFirstRoundEnds()
      throws Exception {
    // Before, the achieved link rates, each device's compute, rate and capacity read 0 for the
    // whole first resumed round, while its latency and participants were the last row's.
    int first = MetricsContractTest.freePort();
    Path dir = tmp.resolve("rates");
    Settings s = quickstart(first);
    Metrics a = Metrics.shared(MetricsSettings.of(s));
    List<String> atRound2 = new ArrayList<>();
    try {
      Emulation.run(
          s,
          dir,
          new RunListener() {
            @Override
            public void onRound(RoundRecord r) {
              if (r.round() == 2) {
                try {
                  atRound2.addAll(restored(MetricsText.scrape(first)));
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }
            }
          });
    } finally {
      a.close();
    }
    // 2 rates, 4 devices' compute, 4 x 2 rates and capacities, latency and participants.
    assertEquals(2 + 4 + 8 + 8 + 2, atRound2.size(), String.join("\n", atRound2));
    for (String line : atRound2) {
      assertTrue(!line.endsWith(" 0.0"), "round 2's figure is 0: " + line);
    }
    Files.deleteIfExists(ResultsWriter.checkpointFile(dir, 4));
    int second = MetricsContractTest.freePort();
    Settings r = quickstart(second);
    Metrics b = Metrics.shared(MetricsSettings.of(r));
    List<String> atStart = new ArrayList<>();
    try {
      Emulation.run(
          r,
          dir,
          new RunListener() {
            @Override
            public void onStart(long wallStartNanoTime, long pacingOriginNanoTime, double speed) {
              try {
                atStart.addAll(restored(MetricsText.scrape(second)));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
          },
          new Emulation.RunControl(
              Checkpoints.read(ResultsWriter.checkpointFile(dir, 2)), null, null));
    } finally {
      b.close();
    }
    assertEquals(atRound2, atStart, "the resumed process's first scrape");
  }

  /**
   * A crash at round 4 goes back to round 2's checkpoint: right after the rewind the endpoint shows
   * round 2's gauges, as a resume from that checkpoint does (before, the achieved link rates and
   * each device's compute, rates and capacity stayed at the discarded round 3's until the redone
   * round 3 ended). Shannon links, so that every round's capacity differs.
   */
  @Test
  void aRewind_showsTheKeptRoundsLinkRatesComputeAndCapacity_notTheDiscardedRounds()
      throws Exception {
    int port = MetricsContractTest.freePort();
    Settings s =
        quickstart(port, "links.kind = shannon", "faults = [{ kind = server-crash, round = 4 }]");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    Map<Integer, List<String>> atRound = new java.util.HashMap<>();
    List<String> atRewind = new ArrayList<>();
    try {
      Emulation.run(
          s,
          tmp.resolve("rewound"),
          new RunListener() {
            @Override
            public void onRound(RoundRecord r) {
              atRound.computeIfAbsent(r.round(), k -> restored(scrape(port)));
            }

            @Override
            public void onRewind(int round) {
              assertEquals(2, round);
              atRewind.addAll(restored(scrape(port)));
            }
          });
    } finally {
      endpoint.close();
    }
    // 2 rates, 4 devices' compute, 4 x 2 rates and capacities, latency and participants.
    assertEquals(2 + 4 + 8 + 8 + 2, atRound.get(2).size(), String.join("\n", atRound.get(2)));
    List<String> discarded = new ArrayList<>(atRound.get(3));
    discarded.removeAll(atRound.get(2));
    // Only the participants (4) are the same in rounds 2 and 3.
    assertEquals(2 + 4 + 8 + 8 + 1, discarded.size(), String.join("\n", discarded));
    assertEquals(atRound.get(2), atRewind, "the scrape right after the rewind to round 2");
  }

  /**
   * A rewind to the run's start keeps no row: the last round's gauges go back to the start's 0 (no
   * accuracy or loss), not the discarded round's.
   */
  @Test
  void aRewindToRoundZero_showsTheStartsGauges() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed =
          m.run(
              new Metrics.RunInfo("0", "sc", "psl", "local", 4, 2, true, "edge", 3, Map.of()),
              new PacingLag());
      String[] l = {"run=\"0\""};
      feed.onDevice(
          new io.splitemu.actors.results.DeviceRecord(
              1, 1, 0, "3", 2.0, 4.0, 1.0, 400, 200, 1.0, true));
      feed.onRound(round(1, 10, 10, 0.5));
      feed.onRewind(0);
      String text = MetricsText.scrape(m.port());
      assertEquals(0.0, MetricsText.sample(text, "splitemu_round_latency_seconds", l), text);
      assertEquals(0.0, MetricsText.sample(text, "splitemu_round_participants", l), text);
      assertEquals(0.0, MetricsText.sample(text, "splitemu_clusters", l), text);
      assertEquals(
          null, MetricsText.sample(text, "splitemu_test_accuracy", l), "no evaluation kept");
      assertEquals(null, MetricsText.sample(text, "splitemu_train_loss", l), "no round kept");
      assertEquals(
          0.0,
          MetricsText.sample(text, "splitemu_link_rate_bytes_per_second", l[0], "direction=\"up\""),
          text);
      assertEquals(
          0.0,
          MetricsText.sample(text, "splitemu_device_compute_seconds", l[0], "device=\"1\""),
          text);
      assertEquals(
          0.0,
          MetricsText.sample(
              text,
              "splitemu_device_link_rate_bytes_per_second",
              l[0],
              "device=\"1\"",
              "direction=\"down\""),
          text);
      // The counters keep the work done.
      assertEquals(1.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
    }
  }

  private static String scrape(int port) {
    try {
      return MetricsText.scrape(port);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aResumeByAnotherPath_keepsTheFirstProcesssLabel_alsoForACompareRun() throws Exception {
    // A comparison run into link/cmp/psl, link a symbolic link to a: its label is the comparison
    // folder's (cmp-XXXXXX/psl), recorded in the folder; resumed with `run --resume a/cmp/psl`, as
    // from another working directory, it feeds the same series.
    Path real = Files.createDirectories(tmp.resolve("a"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    Path top = link.resolve("cmp");
    Path dir = top.resolve("psl");
    int first = MetricsContractTest.freePort();
    Settings s = quickstart(first);
    String label = Emulation.runLabel(dir, top, s.outputDir());
    assertTrue(label.matches("cmp-[0-9a-f]{6}/psl"), label);
    // The hash is of the folder's real path: the same through the link or not.
    assertEquals(
        Emulation.runLabel(real.resolve("cmp"), s.outputDir()),
        Emulation.runLabel(top, s.outputDir()));
    Metrics a = Metrics.shared(MetricsSettings.of(s));
    try {
      Emulation.run(s, dir, RunListener.NONE, new Emulation.RunControl(null, null, null, top));
      String text = MetricsText.scrape(first);
      assertEquals(
          4.0, MetricsText.sample(text, "splitemu_rounds_recorded", "run=\"" + label + "\""), text);
    } finally {
      a.close();
    }
    assertEquals(
        List.of(label, real.resolve("cmp/psl").toRealPath().toString()),
        labelFile(dir),
        "the label file: the label and the real path it was made for");
    Files.deleteIfExists(ResultsWriter.checkpointFile(dir, 4));
    Path again = real.resolve("cmp/psl");
    int second = MetricsContractTest.freePort();
    Settings r = quickstart(second);
    Metrics b = Metrics.shared(MetricsSettings.of(r));
    try {
      Emulation.run(
          r,
          again,
          RunListener.NONE,
          new Emulation.RunControl(
              Checkpoints.read(ResultsWriter.checkpointFile(again, 2)), null, null));
      String text = MetricsText.scrape(second);
      String[] l = {"run=\"" + label + "\""};
      assertEquals(4.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      assertEquals(2.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
    } finally {
      b.close();
    }
    // A label file that breaks the rule says why (the resume then labels the run by its path).
    Files.writeString(again.resolve(Emulation.RUN_LABEL_FILE), "\n");
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> Emulation.recordedRunLabel(again));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  /** The label file of {@code dir}: its label and the path it was made for. */
  private static List<String> labelFile(Path dir) throws Exception {
    return Files.readAllLines(dir.resolve(Emulation.RUN_LABEL_FILE));
  }

  private static Emulation.RunControl from2(Path dir) throws Exception {
    Files.deleteIfExists(ResultsWriter.checkpointFile(dir, 4));
    return new Emulation.RunControl(
        Checkpoints.read(ResultsWriter.checkpointFile(dir, 2)), null, null);
  }

  @Test
  void aLabelFileThatBreaksTheRule_isNeverFatal_theRunIsLabelledByItsPath_andTheFileWritten()
      throws Exception {
    Path dir = tmp.resolve("bad");
    Settings off = quickstart(0, "metrics.enabled = false");
    Emulation.run(off, dir, RunListener.NONE);
    List<String> first = labelFile(dir);
    assertEquals(
        List.of(Emulation.runLabel(dir, off.outputDir()), dir.toRealPath().toString()), first);
    // Read whole, a carriage return, 1 MB or non-UTF-8 bytes were a label, or an error.
    Path f = dir.resolve(Emulation.RUN_LABEL_FILE);
    Files.write(f, "a".repeat(1 << 20).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThrows(IllegalArgumentException.class, () -> Emulation.recordedRunLabel(dir));
    Files.write(f, new byte[] {'q', (byte) 0xff, '\n'});
    assertThrows(IllegalArgumentException.class, () -> Emulation.recordedRunLabel(dir));
    Files.writeString(f, "a".repeat(Emulation.RUN_LABEL_MAX + 1) + "\n");
    assertThrows(IllegalArgumentException.class, () -> Emulation.recordedRunLabel(dir));
    assertEquals(
        "x".repeat(Emulation.RUN_LABEL_MAX),
        writeAndRead(dir, "x".repeat(Emulation.RUN_LABEL_MAX) + "\n").label());
    // A label with a carriage return (an editor's line end): the resume goes on, with one warning
    // naming the file, labelled by its path, and the file written again.
    Files.writeString(f, "edited\r\n");
    int port = MetricsContractTest.freePort();
    Settings r = quickstart(port);
    Metrics b = Metrics.shared(MetricsSettings.of(r));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream was = System.err;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    String text;
    try {
      Emulation.run(r, dir, RunListener.NONE, from2(dir));
      text = MetricsText.scrape(port);
    } finally {
      System.setErr(was);
      b.close();
    }
    String line = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(line.contains("warning: " + f) && line.contains("control character"), line);
    assertEquals(first, labelFile(dir));
    assertEquals(4.0, MetricsText.sample(text, "splitemu_rounds_recorded", run(dir, r)), text);
  }

  private static Emulation.RecordedLabel writeAndRead(Path dir, String text) throws Exception {
    Files.writeString(dir.resolve(Emulation.RUN_LABEL_FILE), text);
    return Emulation.recordedRunLabel(dir);
  }

  @Test
  void aCopyOfTheFolderResumed_getsItsOwnLabel_aMovedOneKeepsIt_aOneLineFileKeepsIts()
      throws Exception {
    Path orig = tmp.resolve("orig");
    Settings off = quickstart(0, "metrics.enabled = false");
    Emulation.run(off, orig, RunListener.NONE);
    String label = labelFile(orig).get(0);
    // cp -r orig backup/q; run --resume backup/q: the original is still there.
    Path copy = tmp.resolve("backup/q");
    copyTree(orig, copy);
    Emulation.run(off, copy, RunListener.NONE, from2(copy));
    List<String> copied = labelFile(copy);
    assertEquals(
        List.of(Emulation.runLabel(copy, off.outputDir()), copy.toRealPath().toString()), copied);
    assertTrue(!copied.get(0).equals(label), copied + " vs " + label);
    // The copy moved (its recorded path gone): it keeps its label, and records the new path.
    Path moved = Files.move(copy, tmp.resolve("moved"));
    Emulation.run(off, moved, RunListener.NONE, from2(moved));
    assertEquals(List.of(copied.get(0), moved.toRealPath().toString()), labelFile(moved));
    // A file of one line (an older version's): its label stays.
    Files.writeString(moved.resolve(Emulation.RUN_LABEL_FILE), "older-1a2b3c\n");
    Emulation.run(off, moved, RunListener.NONE, from2(moved));
    assertEquals("older-1a2b3c", labelFile(moved).get(0));
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (var files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  @Test
  void aFolderThroughALinkAndDotDot_isHashedWhereTheSystemWritesIt() throws Exception {
    // mnt/link -> data/real/runs: mnt/link/../exp is data/real/exp, not mnt/exp.
    Path runs = Files.createDirectories(tmp.resolve("data/real/runs"));
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Files.createSymbolicLink(mnt.resolve("link"), runs);
    Path elsewhere = tmp.resolve("output");
    String viaLink = Emulation.runLabel(mnt.resolve("link/../exp"), elsewhere);
    assertEquals(Emulation.runLabel(tmp.resolve("data/real/exp"), elsewhere), viaLink);
    assertTrue(!viaLink.equals(Emulation.runLabel(mnt.resolve("exp"), elsewhere)), viaLink);
  }

  @Test
  void aLabelFileThatCannotBeWritten_leavesNoLiveRunOnTheEndpoint() throws Exception {
    Path dir = tmp.resolve("unwritable");
    Settings off = quickstart(0, "metrics.enabled = false");
    Emulation.run(off, dir, RunListener.NONE);
    // The label file's place is taken by a folder that a rename cannot replace.
    Path f = dir.resolve(Emulation.RUN_LABEL_FILE);
    Files.delete(f);
    Files.createDirectories(f.resolve("in-the-way"));
    int port = MetricsContractTest.freePort();
    Settings r = quickstart(port);
    Metrics b = Metrics.shared(MetricsSettings.of(r));
    try {
      Emulation.RunControl c = from2(dir);
      assertThrows(RuntimeException.class, () -> Emulation.run(r, dir, RunListener.NONE, c));
      String text = MetricsText.scrape(port);
      assertTrue(!text.contains(run(dir, r)[0]), text);
    } finally {
      b.close();
    }
  }

  @Test
  void aRewind_lowersTheGaugesToTheRowsKept_countersKeepTheWork_hopIdleCountsTheRedoneEpochs()
      throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      ResultsWriter w = ResultsWriter.open(tmp.resolve("w"), "splitemu {}\n");
      Metrics.Run feed =
          m.run(
              new Metrics.RunInfo("w", "sc", "mpsl", "local", 4, 2, false, "hops", -1, Map.of()),
              new PacingLag());
      w.observe(feed);
      String[] l = {"run=\"w\""};
      String hop = "member=\"hop-1\"";
      // Epochs 1..3, the hop idle 2, 5, 9 s in all; a crash goes back to epoch 2's checkpoint,
      // whose hop had been idle 5 s; the redone epoch 3 and epoch 4 bring it to 8, then 11 s.
      feed.onHop(new HopRecord(1, "hop-1", 0, 0, 0, 0));
      feed.onHop(new HopRecord(1, "hop-1", 0, 2, 0, 1));
      w.round(round(1, 100, 10, 0.5));
      feed.onHop(new HopRecord(2, "hop-1", 0, 5, 0, 2));
      w.round(round(2, 200, 20, 0.6));
      feed.onHop(new HopRecord(3, "hop-1", 0, 9, 0, 3));
      w.round(round(3, 300, 30, 0.7));
      w.onRewind(2);
      String text = MetricsText.scrape(m.port());
      assertEquals(2.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      assertEquals(3.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
      assertEquals(20.0, MetricsText.sample(text, "splitemu_round_latency_seconds", l), text);
      assertEquals(0.6, MetricsText.sample(text, "splitemu_test_accuracy", l), text);
      feed.onHop(new HopRecord(3, "hop-1", 0, 5, 0, 4)); // the hop restored from the checkpoint
      feed.onHop(new HopRecord(3, "hop-1", 0, 8, 0, 5));
      w.round(round(3, 310, 31, 0.7));
      feed.onHop(new HopRecord(4, "hop-1", 0, 11, 0, 6));
      w.round(round(4, 400, 40, 0.8));
      w.close();
      text = MetricsText.scrape(m.port());
      assertEquals(4.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      assertEquals(5.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
      // 9 s before the crash, then 6 more from the checkpoint's 5.
      assertEquals(
          15.0, MetricsText.sample(text, "splitemu_hop_idle_seconds_total", l[0], hop), text);
    }
  }

  @Test
  void aResumedRun_countsItsSpeedFromTheResumedInstant_andHopIdleFromTheRestoredTotal()
      throws Exception {
    // The run's wall time lies within this test's.
    long wall0 = System.nanoTime();
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed =
          m.run(
              new Metrics.RunInfo("r", "sc", "mpsl", "local", 4, 2, false, "hops", -1, Map.of()),
              new PacingLag());
      String[] l = {"run=\"r\""};
      String hop = "member=\"hop-1\"";
      feed.resumed(List.of(round(1, 500, 500, 0.5), round(2, 1000, 500, 0.6)), 1000.0);
      // The resumed hop's first report is its restored total: idle another process counted.
      feed.onHop(new HopRecord(3, "hop-1", 0, 400, 0, 1000));
      feed.onHop(new HopRecord(3, "hop-1", 0, 403, 0, 1001));
      feed.onRound(round(3, 1001, 1, 0.7));
      feed.onRound(round(4, 1002, 1, 0.8));
      Thread.sleep(200);
      feed.finished();
      double wallS = (System.nanoTime() - wall0) / 1e9;
      String text = MetricsText.scrape(m.port());
      assertEquals(4.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      assertEquals(2.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
      assertEquals(1002.0, MetricsText.sample(text, "splitemu_emulated_time_seconds", l), text);
      assertEquals(
          3.0, MetricsText.sample(text, "splitemu_hop_idle_seconds_total", l[0], hop), text);
      // 2 emulated seconds in this process, over at least 0.2 s of wall time (not 1002 s).
      Double ratio = MetricsText.sample(text, "splitemu_emulation_speed_ratio", l);
      assertNotNull(ratio, text);
      assertTrue(ratio <= 2 / 0.2 + 1e-9, "speed ratio " + ratio);
      assertTrue(ratio >= 2 / wallS - 1e-9, "speed ratio " + ratio + " over " + wallS + " s");
    }
  }

  /**
   * A resumed process whose crash goes back to the run's start (round 0, no scheduled checkpoint
   * yet): the emulated time goes back to 0, not to the instant the process resumed at (before: 7.98
   * with no row recorded), and the speed ratio counts the redone rounds from there.
   */
  @Test
  void aResumedRun_rewoundToRoundZero_showsEmulatedZero_andCountsTheRedoneRounds()
      throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed =
          m.run(
              new Metrics.RunInfo("z", "sc", "psl", "local", 4, 2, false, "edge", -1, Map.of()),
              new PacingLag());
      String[] l = {"run=\"z\""};
      feed.resumed(List.of(round(1, 3.97, 3.97, 0.5), round(2, 7.98, 4.01, 0.6)), 7.98);
      feed.onRewind(0);
      String text = MetricsText.scrape(m.port());
      assertEquals(0.0, MetricsText.sample(text, "splitemu_emulated_time_seconds", l), text);
      assertEquals(0.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      // Round 1 redone from the restart (a crash at 1 s, 1 s of delay): 5 s reached, progress.
      feed.onRound(round(1, 5.0, 3.0, 0.5));
      Thread.sleep(20);
      text = MetricsText.scrape(m.port());
      assertEquals(5.0, MetricsText.sample(text, "splitemu_emulated_time_seconds", l), text);
      Double ratio = MetricsText.sample(text, "splitemu_emulation_speed_ratio", l);
      assertNotNull(ratio, text);
      assertTrue(ratio > 0, "speed ratio " + ratio);
    }
  }

  @Test
  void aResume_showsTheLastRowReadBack_fromTheFirstScrape_notZeros() throws Exception {
    // Before, only the rounds recorded and the emulated time were set: the first scrape of a
    // resumed run showed 0 participants, latency, parts and clusters, a fake outage.
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed =
          m.run(
              new Metrics.RunInfo("b", "sc", "psl", "local", 6, 4, false, "edge", -1, Map.of()),
              new PacingLag());
      RoundRecord third =
          new RoundRecord(
              3, "psl", 30, 9, 4, 2, 2.5, 0.5, 4, 0, "3", 2, Double.NaN, 0.25, 3, Double.NaN);
      feed.resumed(List.of(round(1, 10, 10, 0.5), round(2, 20, 10, 0.6), third), 30.0);
      String text = MetricsText.scrape(m.port());
      String[] l = {"run=\"b\""};
      assertEquals(3.0, MetricsText.sample(text, "splitemu_rounds_recorded", l), text);
      assertEquals(9.0, MetricsText.sample(text, "splitemu_round_latency_seconds", l), text);
      assertEquals(4.0, MetricsText.sample(text, "splitemu_round_participants", l), text);
      assertEquals(2.0, MetricsText.sample(text, "splitemu_clusters", l), text);
      assertEquals(
          2.5,
          MetricsText.sample(text, "splitemu_round_part_seconds", l[0], "part=\"communication\""),
          text);
      assertEquals(
          4.0,
          MetricsText.sample(text, "splitemu_round_part_seconds", l[0], "part=\"device_compute\""),
          text);
      // Round 3 was not evaluated: the accuracy is round 2's evaluation; the loss round 3's.
      assertEquals(0.6, MetricsText.sample(text, "splitemu_test_accuracy", l), text);
      assertEquals(0.25, MetricsText.sample(text, "splitemu_train_loss", l), text);
      // The counters stay at this process's work.
      assertEquals(0.0, MetricsText.sample(text, "splitemu_rounds_total", l), text);
    }
  }

  @Test
  void aResumedMpslRun_idleShareIsOfTheWholeRun_notThisProcesssIdleOverTheAbsoluteInstant()
      throws Exception {
    // Resumed at 1000 s with 300 s of idle restored; 100 s later the hop has idled 30 s more: the
    // panel shows 330 / 1100 = 30 %, not this process's 30 s over 1100 s (2.7 %).
    String expr = idleSharePanel();
    Matcher names = Pattern.compile("(splitemu_[a-z_]+)").matcher(expr);
    assertTrue(names.find(), expr);
    String idle = names.group(1);
    assertTrue(names.find(), expr);
    String over = names.group(1);
    assertEquals("splitemu_emulated_time_seconds", over, expr);
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed =
          m.run(
              new Metrics.RunInfo("q", "sc", "mpsl", "local", 4, 2, false, "hops", -1, Map.of()),
              new PacingLag());
      feed.resumed(List.of(round(1, 500, 500, 0.5), round(2, 1000, 500, 0.6)), 1000.0);
      feed.onHop(new HopRecord(3, "hop-1", 0, 300, 0, 1000));
      feed.onHop(new HopRecord(3, "hop-1", 0, 330, 0, 1100));
      feed.onRound(round(3, 1100, 100, 0.7));
      String text = MetricsText.scrape(m.port());
      String[] l = {"run=\"q\"", "member=\"hop-1\""};
      Double num = MetricsText.sample(text, idle, l);
      assertNotNull(num, idle + " in\n" + text);
      assertEquals(0.30, num / MetricsText.sample(text, over, l[0]), 1e-12, idle);
      // The counter keeps counting this process's idle only, for rates.
      assertEquals(30.0, MetricsText.sample(text, "splitemu_hop_idle_seconds_total", l), text);
    }
  }

  /** The numerator and denominator query of the resources dashboard's "MP-SL hop idle share". */
  private static String idleSharePanel() {
    for (Dashboards.Board b : Dashboards.all()) {
      for (Dashboards.Query q : b.queries()) {
        if (q.where().contains("\"MP-SL hop idle share\" A")) {
          return q.expr();
        }
      }
    }
    throw new AssertionError("no \"MP-SL hop idle share\" panel");
  }

  /** MP-SL on the measured profiles (skipped without them), metrics on {@code port}. */
  private static Settings mpsl(int port, String extra) {
    Path profiles =
        io.splitemu.actors.pipeline.MeasuredProfiles.dir(
            "MP-SL metrics checks skipped",
            "resnet101_cifar_times.csv",
            "resnet101_cifar_memory.csv");
    String conf =
        "splitemu { scenario = mpsl-metrics-test, scheme = mpsl, fidelity = timing, rounds = 4,"
            + " batch-size = 128, output.plots = false\n"
            + "data.train-samples = 2048\n"
            + "devices.count = 8\n"
            + "checkpoint.every = 2\n"
            + "links.static { uplink-bps = 8e6, downlink-bps = 8e6 }\n"
            + "mpsl { profile-dir = \""
            + profiles
            + "\", model = resnet101, dataset = cifar, device-type = d1, hop-type = VM\n"
            + "hops = 3, helpers = 3, head-units = 2, tail-units = 2 }\n"
            + "metrics { enabled = true, linger = 0s, port = "
            + port
            + " }\n"
            + extra
            + "}";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  /**
   * MP-SL: a slowdown of four devices from epoch 3 to epoch 4's start and a server crash at epoch 4
   * that goes back to epoch 2's checkpoint: the rewind cuts epoch 3's rows, the slowdown's {@code
   * fault} rows among them, and the redone epoch 3 writes them again. The counters count them once,
   * as {@code events.csv} has them (before, the epoch rows carried no fault index and each was
   * counted twice).
   */
  @Test
  void mpsl_aSlowdownsRowsACrashCutAndTheRedoneEpochWroteAgain_countedOnce() throws Exception {
    int port = MetricsContractTest.freePort();
    Settings s =
        mpsl(
            port,
            "faults = [{ kind = device-slowdown, devices = [0, 1, 2, 3], round = 3, until-round"
                + " = 4, factor = 2 }, { kind = server-crash, round = 4, restart-delay = 3 s }]\n");
    Path dir = tmp.resolve("slowed");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    String text;
    try {
      Emulation.run(s, dir, RunListener.NONE);
      text = MetricsText.scrape(port);
    } finally {
      endpoint.close();
    }
    assertEquals(4, rows(dir));
    String[] l = run(dir, s);
    for (String kind : List.of("fault", "recovery")) {
      assertEquals(4, eventRows(dir, kind, "device-slowdown"), kind);
    }
    String k = "kind=\"device-slowdown\"";
    assertEquals(4.0, MetricsText.sample(text, "splitemu_faults_injected_total", l[0], k), text);
    assertEquals(4.0, MetricsText.sample(text, "splitemu_recoveries_total", l[0], k), text);
  }

  /**
   * A run no crash can rewind remembers no scenario fault's rows (a run of a million devices would
   * hold an entry per device and fault for nothing), and counts each row it is given; one a crash
   * may rewind remembers them and counts a row given again once.
   */
  @Test
  void theFeedRemembersFaultRows_onlyWhereACrashMayRewindTheRun() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      for (boolean rewinds : List.of(false, true)) {
        String name = rewinds ? "crashy" : "plain";
        Metrics.Run feed =
            m.run(
                new Metrics.RunInfo(
                    name,
                    "sc",
                    "psl",
                    "local",
                    4,
                    2,
                    false,
                    "edge",
                    false,
                    -1,
                    Map.of(),
                    c -> Map.of(),
                    rewinds),
                new PacingLag());
        EventRecord row =
            new EventRecord(1.5, 1, "fault", "device-1", "link-outage: link down (scenario)", 0);
        feed.onEvent(row);
        feed.onEvent(row);
        String text = MetricsText.scrape(m.port());
        assertEquals(
            rewinds ? 1.0 : 2.0,
            MetricsText.sample(
                text,
                "splitemu_faults_injected_total",
                "run=\"" + name + "\"",
                "kind=\"link-outage\""),
            text);
        assertEquals(rewinds ? 1 : 0, feed.faultRowsHeld(), name);
      }
    }
  }

  @Test
  void mpsl_aServerCrashCountsTheRedoneEpochsIdle_aResumeOnlyItsOwn() throws Exception {
    int port = MetricsContractTest.freePort();
    Settings free = mpsl(port, "");
    Settings crash =
        mpsl(port, "faults = [{ kind = server-crash, round = 4, restart-delay = 3 s }]\n");
    Path f = tmp.resolve("free");
    Path c = tmp.resolve("crash");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(free));
    String text;
    List<List<String>> freeRounds;
    try {
      Emulation.run(free, f, RunListener.NONE);
      Emulation.run(crash, c, RunListener.NONE);
      text = MetricsText.scrape(port);
      freeRounds = CsvTable.read(f.resolve("rounds.csv"));
    } finally {
      endpoint.close();
    }
    assertEquals(4, rows(c));
    assertEquals(5.0, MetricsText.sample(text, "splitemu_rounds_total", run(c, crash)), text);
    assertEquals(4.0, MetricsText.sample(text, "splitemu_rounds_recorded", run(c, crash)), text);
    // The crash strikes at epoch 3's end and the run goes on from epoch 2's checkpoint 3 s later:
    // each restored hop's total grows by that gap as idle, and its redone epoch 3 by the idle the
    // first attempt had already counted. Before, only the gap showed.
    double end2 = Double.parseDouble(freeRounds.get(1).get(2));
    double end3 = Double.parseDouble(freeRounds.get(2).get(2));
    double gap = end3 + 3 - end2;
    for (int h = 1; h <= 3; h++) {
      String hop = "member=\"hop-" + h + "\"";
      double idleFree =
          MetricsText.sample(text, "splitemu_hop_idle_seconds_total", run(f, free)[0], hop);
      double idleCrash =
          MetricsText.sample(text, "splitemu_hop_idle_seconds_total", run(c, crash)[0], hop);
      assertTrue(
          idleCrash > idleFree + gap + 1e-3,
          "hop-" + h + ": crashed " + idleCrash + " s, free " + idleFree + " s, gap " + gap + " s");
    }

    // A resume from epoch 2's checkpoint of the crash-free run, in a new endpoint: its hops count
    // only their idle of epochs 3 and 4, less than the whole run's.
    Files.deleteIfExists(ResultsWriter.checkpointFile(f, 4));
    int second = MetricsContractTest.freePort();
    Settings resumed = mpsl(second, "");
    Metrics b = Metrics.shared(MetricsSettings.of(resumed));
    String after;
    try {
      Emulation.run(
          resumed,
          f,
          RunListener.NONE,
          new Emulation.RunControl(
              Checkpoints.read(ResultsWriter.checkpointFile(f, 2)), null, null));
      after = MetricsText.scrape(second);
    } finally {
      b.close();
    }
    assertEquals(4.0, MetricsText.sample(after, "splitemu_rounds_recorded", run(f, resumed)));
    for (int h = 1; h <= 3; h++) {
      String hop = "member=\"hop-" + h + "\"";
      double whole =
          MetricsText.sample(text, "splitemu_hop_idle_seconds_total", run(f, free)[0], hop);
      double own =
          MetricsText.sample(after, "splitemu_hop_idle_seconds_total", run(f, resumed)[0], hop);
      assertTrue(own > 0 && own < whole - 1e-3, "hop-" + h + ": resumed " + own + ", " + whole);
      // Its idle since the run's start is the uninterrupted run's: the share the dashboard shows.
      double total =
          MetricsText.sample(after, "splitemu_hop_run_idle_seconds", run(f, resumed)[0], hop);
      assertEquals(
          MetricsText.sample(text, "splitemu_hop_run_idle_seconds", run(f, free)[0], hop),
          total,
          1e-6,
          "hop-" + h);
      assertEquals(whole, total, 1e-6, "hop-" + h);
    }
  }

  @Test
  void mpsl_aHopCrash_removesTheCrashedHopsShareAndQueue_theOthersStay() throws Exception {
    int port = MetricsContractTest.freePort();
    Settings crash =
        mpsl(
            port,
            "checkpoint.every = 0\n" + "faults = [{ kind = hop-crash, hop = 2, round = 2 }]\n");
    Path c = tmp.resolve("hop-crash");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(crash));
    String text;
    try {
      Emulation.run(crash, c, RunListener.NONE);
      text = MetricsText.scrape(port);
    } finally {
      endpoint.close();
    }
    String gone = null;
    for (List<String> row : CsvTable.read(c.resolve("events.csv"))) {
      Matcher m =
          Pattern.compile("hop-crash: hop stops \\((hop-\\d+),").matcher(String.join(",", row));
      if (m.find()) {
        gone = m.group(1);
      }
    }
    assertNotNull(gone, "no hop-crash row");
    String l = run(c, crash)[0];
    for (int h = 1; h <= 3; h++) {
      String hop = "member=\"hop-" + h + "\"";
      Double share = MetricsText.sample(text, "splitemu_hop_run_idle_seconds", l, hop);
      Double queue = MetricsText.sample(text, "splitemu_hop_queue_length", l, hop);
      if (("hop-" + h).equals(gone)) {
        assertEquals(null, share, hop + " crashed, in\n" + text);
        assertEquals(null, queue, hop + " crashed, in\n" + text);
        // The idle it counted stays on its counter, and once the run ended its peak memory is
        // back (summary.json's).
        assertNotNull(MetricsText.sample(text, "splitemu_hop_idle_seconds_total", l, hop), text);
        assertNotNull(MetricsText.sample(text, "splitemu_node_model_memory_bytes", l, hop), text);
      } else {
        assertNotNull(share, hop + " in\n" + text);
        assertNotNull(queue, hop + " in\n" + text);
      }
    }
  }

  @Test
  void aStoppedHop_losesItsModelMemoryWithItsQueue_untilTheRunsEndSetsItsPeak() throws Exception {
    // Before, hop-2's memory stayed at its last value while the other hops took over its units.
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed =
          m.run(
              new Metrics.RunInfo("h", "sc", "mpsl", "local", 4, 2, false, "hops", -1, Map.of()),
              new PacingLag());
      String l = "run=\"h\"";
      String hop2 = "member=\"hop-2\"";
      feed.onHop(new HopRecord(1, "hop-1", 0, 1, 1_000, 10));
      feed.onHop(new HopRecord(1, "hop-2", 0, 1, 1_650, 10));
      String text = MetricsText.scrape(m.port());
      assertEquals(1650.0, MetricsText.sample(text, "splitemu_node_model_memory_bytes", l, hop2));
      feed.onHop(new HopRecord(2, "hop-2", 0, 1, 1_650, 20, true));
      text = MetricsText.scrape(m.port());
      assertEquals(null, MetricsText.sample(text, "splitemu_hop_queue_length", l, hop2), text);
      assertEquals(
          null, MetricsText.sample(text, "splitemu_node_model_memory_bytes", l, hop2), text);
      assertEquals(
          1000.0,
          MetricsText.sample(text, "splitemu_node_model_memory_bytes", l, "member=\"hop-1\""),
          text);
      // The run's end writes every hop's peak (summary.json's), the stopped one's too.
      feed.memory("hop-2", 1_650);
      text = MetricsText.scrape(m.port());
      assertEquals(
          1650.0, MetricsText.sample(text, "splitemu_node_model_memory_bytes", l, hop2), text);
    }
  }

  /**
   * An edgesplit run whose published model memory changes across rounds: the links of every device
   * degraded (factor 0.3) up to round 3 give cuts 2;2;6;6, then all devices take cut 2 (the edge's
   * peak, first in round 4), and {@code extra}'s faults lower it again. Timing fidelity, static
   * links, a scheduled checkpoint every 3 rounds, metrics on {@code port} (none when 0).
   */
  private static Settings split(int port, String extra) {
    String conf =
        "splitemu { scenario = split-memory-resume, scheme = edgesplit, fidelity = timing\n"
            + "rounds = 8, local-steps = 2, output.plots = false\n"
            + "model { name = lenet5, cut = 2 }\n"
            + "devices { count = 4, flops = [5e7, 5e7, 1e8, 1e8] }\n"
            + "links.static.uplink-bps = [2e7, 2e7, 4e7, 4e7]\n"
            + "checkpoint.every = 3\n"
            + "faults = [{ kind = link-degradation, devices = [0, 1, 2, 3], round = 1,"
            + " until-round = 3, factor = 0.3 }"
            + extra
            + "]\n"
            + (port > 0
                ? "metrics { enabled = true, linger = 0s, port = " + port + " }\n"
                : "metrics.enabled = false\n")
            + "}";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  /** Records the model memory a run publishes, by round and node, and the rounds it rewinds to. */
  private static final class MemorySeen implements RunListener {
    final List<io.splitemu.actors.results.MemoryRecord> published = new ArrayList<>();
    final List<Integer> rewinds = new ArrayList<>();

    @Override
    public synchronized void onMemory(io.splitemu.actors.results.MemoryRecord m) {
      published.add(m);
    }

    @Override
    public synchronized void onRewind(int round) {
      rewinds.add(round);
      published.add(null); // the timeline's break
    }

    /** Node {@code node}'s bytes by round (a round published twice: its latest). */
    synchronized java.util.TreeMap<Integer, Long> of(String node, boolean afterRewind) {
      java.util.TreeMap<Integer, Long> out = new java.util.TreeMap<>();
      boolean past = !afterRewind;
      for (io.splitemu.actors.results.MemoryRecord m : published) {
        if (m == null) {
          past = true;
          if (!afterRewind) {
            break;
          }
        } else if (past && m.node().equals(node)) {
          out.put(m.round(), m.bytes());
        }
      }
      return out;
    }
  }

  /** The summary's model memory peaks of the run in {@code dir}. */
  private static com.fasterxml.jackson.databind.JsonNode peaks(Path dir) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(dir.resolve("summary.json").toFile())
        .at("/peakModelMemoryBytes");
  }

  /** Each node's {@code splitemu_node_model_memory_bytes} of the run in {@code dir} now. */
  private static Map<String, Double> memoryGauges(String text, Path dir, Settings s) {
    Map<String, Double> out = new java.util.TreeMap<>();
    for (String node : List.of("device", "edge")) {
      out.put(
          node,
          MetricsText.sample(
              text, "splitemu_node_model_memory_bytes", run(dir, s)[0], "member=\"" + node + "\""));
    }
    return out;
  }

  /** The run in {@code dir} of {@code s}, resumed from {@code from} (if not null) or stopped. */
  private static int splitRun(Settings s, Path dir, Checkpoint from, int stopAfter, RunListener l) {
    StopSwitch stop = new StopSwitch();
    if (stopAfter > 0) {
      stop.requestAtEndOf(stopAfter);
    }
    Emulation.run(s, dir, l, new Emulation.RunControl(from, stop, null));
    return stop.stoppedAfterRound();
  }

  @Test
  void aSplitRunStoppedAndResumed_afterItsMemoryPeak_endsWithTheWholeRunsPeaksAndGauges()
      throws Exception {
    // The links degraded harder from round 6 on: cut 6 for all, the edge's memory lowest.
    String later =
        ", { kind = link-degradation, devices = [0, 1, 2, 3], round = 6, until-round = 9,"
            + " factor = 0.05 }";
    int first = MetricsContractTest.freePort();
    Settings s = split(first, later);
    Path whole = tmp.resolve("whole");
    Path stopped = tmp.resolve("stopped");
    MemorySeen seen = new MemorySeen();
    // Stopped as by SIGTERM at round 7's end: a checkpoint off the schedule (3, 6).
    String wholeText = wholeAndStopped(s, first, whole, stopped, 7, seen);
    // The edge's memory changes across rounds, its peak (first in round 4) neither the last
    // round's nor a checkpoint's (rounds 3, 6 and 7): keeping only the last round would be seen.
    java.util.TreeMap<Integer, Long> edge = seen.of("edge", false);
    System.out.println(
        "edgesplit memory by round: edge " + edge + ", device " + seen.of("device", false));
    assertEquals(8, edge.size(), edge.toString());
    long peak = java.util.Collections.max(edge.values());
    int peakRound =
        edge.entrySet().stream().filter(e -> e.getValue() == peak).findFirst().get().getKey();
    assertEquals(4, peakRound, edge.toString());
    assertTrue(edge.get(3) < peak && edge.get(8) < edge.get(3), edge.toString());
    assertEquals(peak, peaks(whole).get("edge").asLong());
    Checkpoint seventh = Checkpoints.read(ResultsWriter.checkpointFile(stopped, 7));
    assertEquals(7, seventh.round());
    assertResumedAsWhole(later, stopped, seventh, whole, s, wholeText, peak);
  }

  @Test
  void aResumedSplitRun_whoseCrashRestoresAnOlderCheckpoint_endsWithTheWholeRunsPeaksAndGauges()
      throws Exception {
    // A split policy plans a round from the rates the round before achieved: the links degraded
    // harder in round 3 (factor 0.05) give round 4 cut 6 for all (the edge's least), round 5 cut 2
    // for all (its most). A server crash at round 6's start, down 60 s, sends the run back to
    // round 3's checkpoint; the links degrade again from 30 s after round 5's end (the same
    // instant in the run without it) to the run's end: the redone rounds 4 to 8 hold less than
    // rounds 1 to 3, which hold less than the first timeline's round 5.
    String third =
        ", { kind = link-degradation, devices = [0, 1, 2, 3], round = 3, until-round = 4,"
            + " factor = 0.05 }";
    Path plain = tmp.resolve("plain");
    splitRun(split(0, third), plain, null, -1, RunListener.NONE);
    double end5 = Double.parseDouble(CsvTable.read(plain.resolve("rounds.csv")).get(4).get(2));
    String crash =
        third
            + String.format(
                java.util.Locale.ROOT,
                ", { kind = server-crash, round = 6, restart-delay = 60 s },"
                    + " { kind = link-degradation, devices = [0, 1, 2, 3], at = %.3f s,"
                    + " until = %.3f s, factor = 0.05 }",
                end5 + 30,
                end5 + 100000);
    int first = MetricsContractTest.freePort();
    Settings s = split(first, crash);
    Path whole = tmp.resolve("whole");
    Path stopped = tmp.resolve("stopped");
    MemorySeen seen = new MemorySeen();
    // Stopped as by SIGTERM at round 5's end, before the crash: checkpoint 5, off the schedule.
    String wholeText = wholeAndStopped(s, first, whole, stopped, 5, seen);
    java.util.TreeMap<Integer, Long> before = seen.of("edge", false);
    java.util.TreeMap<Integer, Long> redone = seen.of("edge", true);
    System.out.println(
        "edgesplit memory by round: edge "
            + before
            + ", after the rewind to "
            + seen.rewinds
            + ": "
            + redone);
    assertEquals(List.of(3), seen.rewinds);
    assertEquals(List.of(1, 2, 3, 4, 5), List.copyOf(before.keySet()));
    assertEquals(List.of(4, 5, 6, 7, 8), List.copyOf(redone.keySet()));
    long upTo3 = java.util.Collections.max(before.headMap(3, true).values());
    assertTrue(before.get(5) > upTo3, before.toString());
    assertTrue(java.util.Collections.max(redone.values()) < upTo3, redone.toString());
    assertEquals(upTo3, peaks(whole).get("edge").asLong());

    assertResumedAsWhole(
        crash, stopped, Checkpoints.newest(stopped, w -> {}), whole, s, wholeText, upTo3);
    // The resumed process's crash restored round 3's checkpoint, older than round 5's it resumed
    // from.
    assertTrue(
        CsvTable.read(stopped.resolve("events.csv")).stream()
            .anyMatch(e -> e.get(4).startsWith("server-crash: restored from checkpoint round 3")),
        "no restore of round 3");
  }

  /**
   * Runs split scenario {@code s} (its endpoint on {@code port}) whole into {@code whole}, its
   * memory seen by {@code seen}, then into {@code stopped}, stopped as by SIGTERM at round {@code
   * stopAt}'s end; returns the endpoint's text after the whole run.
   */
  private String wholeAndStopped(
      Settings s, int port, Path whole, Path stopped, int stopAt, MemorySeen seen)
      throws Exception {
    Metrics m = Metrics.shared(MetricsSettings.of(s));
    try {
      assertEquals(-1, splitRun(s, whole, null, -1, seen));
      String text = MetricsText.scrape(port);
      assertEquals(stopAt, splitRun(s, stopped, null, stopAt, RunListener.NONE));
      return text;
    } finally {
      m.close();
    }
  }

  /**
   * Resumes {@code stopped} from {@code from} (the split scenario with {@code faults}) on an
   * endpoint of its own; its summary peaks and memory gauges must be those of run {@code whole} of
   * {@code s} ({@code wholeText} its endpoint's text), whose edge gauge reads {@code edgePeak}.
   */
  private void assertResumedAsWhole(
      String faults,
      Path stopped,
      Checkpoint from,
      Path whole,
      Settings s,
      String wholeText,
      long edgePeak)
      throws Exception {
    int port = MetricsContractTest.freePort();
    Settings r = split(port, faults);
    String text;
    Metrics m = Metrics.shared(MetricsSettings.of(r));
    try {
      assertEquals(-1, splitRun(r, stopped, from, -1, RunListener.NONE));
      text = MetricsText.scrape(port);
    } finally {
      m.close();
    }
    assertEquals(peaks(whole), peaks(stopped));
    Map<String, Double> want = memoryGauges(wholeText, whole, s);
    assertEquals((double) edgePeak, want.get("edge"), wholeText);
    assertEquals(want, memoryGauges(text, stopped, r), "the resumed run's memory gauges");
  }

  /** Round {@code round}'s row: its end at {@code emulatedS}, its latency and accuracy. */
  private static RoundRecord round(int round, double emulatedS, double latencyS, double accuracy) {
    return new RoundRecord(
        round,
        "mpsl",
        emulatedS,
        latencyS,
        1,
        1,
        1,
        0,
        2,
        0,
        "3",
        1,
        accuracy,
        0.1,
        round,
        Double.NaN);
  }
}
