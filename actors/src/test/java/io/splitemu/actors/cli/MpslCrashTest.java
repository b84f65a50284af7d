package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code supervisor-crash} and {@code server-crash} on {@code mpsl} (docs/runtime.md, "Crashes"):
 * the run goes back to its newest checkpoint within the running process, every hop, device and link
 * restored from it, and goes on from the restart; each epoch's rows appear once, the epochs after
 * the checkpoint end (restart - end of the checkpoint's epoch) later than in the crash-free run.
 * Real actors, with serialize-messages on (the test configuration). Needs the measured profiles
 * ({@code -Dsplitemu.data}); skipped without them.
 */
class MpslCrashTest {

  @TempDir Path tmp;

  private static Path profiles() {
    return io.splitemu.actors.pipeline.MeasuredProfiles.dir(
        "MP-SL crash checks skipped", "resnet101_cifar_times.csv", "resnet101_cifar_memory.csv");
  }

  /**
   * ResNet-101 on 3 VM hops, 8 Pi devices at 8 Mbit/s, 4 epochs of 2,048 samples (2 batches per
   * device), a checkpoint every {@code every} epochs, with {@code extra} inside the splitemu block.
   */
  private static String conf(int every, String extra) {
    return "splitemu { scenario = mpsl-crash-test, scheme = mpsl, fidelity = timing, rounds = 4,"
        + " batch-size = 128, output.plots = false\n"
        + "data.train-samples = 2048\n"
        + "devices.count = 8\n"
        + "checkpoint.every = "
        + every
        + "\n"
        + "links.static { uplink-bps = 8e6, downlink-bps = 8e6 }\n"
        + "mpsl { profile-dir = \""
        + profiles()
        + "\", model = resnet101, dataset = cifar, device-type = d1, hop-type = VM\n"
        + "hops = 3, helpers = 3, head-units = 2, tail-units = 2 }\n"
        + extra
        + "}";
  }

  private static Settings settings(String conf) {
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  /** The crash-free run's end of each epoch (index 0: epoch 1). */
  private double[] freeEnds(Path free) throws IOException {
    List<Map<String, String>> rounds = table(free.resolve("rounds.csv"));
    double[] out = new double[rounds.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Double.parseDouble(rounds.get(i).get("emulated_time_s"));
    }
    return out;
  }

  @Test
  void supervisorCrashInsideEpoch3_redoesIt_laterEpochsEndTheLostTimeLater_sameRowsTwice()
      throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(1, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    assertEquals(4, end.length);
    // 40 % into epoch 3: its work so far is lost, the run goes back to the checkpoint of epoch 2.
    long atNs = Math.round((end[1] + 0.4 * (end[2] - end[1])) * 1e9);
    double t = atNs / 1e9;
    Settings s =
        settings(conf(1, "faults = [{ kind = supervisor-crash, at = " + atNs + " ns }]\n"));
    Path a = tmp.resolve("crash-a");
    Path b = tmp.resolve("crash-b");
    Emulation.run(s, a, RunListener.NONE);
    Emulation.run(s, b, RunListener.NONE);

    // Same scenario and seed, same rows (but the wall clock).
    assertEquals(rows(a, "rounds.csv", "wall_time_s"), rows(b, "rounds.csv", "wall_time_s"));
    assertEquals(rows(a, "devices.csv", ""), rows(b, "devices.csv", ""));
    assertEquals(rows(a, "events.csv", ""), rows(b, "events.csv", ""));

    assertShifted(w, a, 2, t - end[1]);
    // The devices' spending is the crash-free run's, each epoch once.
    assertEquals(rows(w, "devices.csv", ""), rows(a, "devices.csv", ""));

    List<Map<String, String>> events = table(a.resolve("events.csv"));
    Map<String, String> fault = only(events, "fault");
    Map<String, String> recovery = only(events, "recovery");
    for (Map<String, String> r : List.of(fault, recovery)) {
      assertEquals(t, Double.parseDouble(r.get("emulated_s")), 1e-9);
      assertEquals("2", r.get("round"));
      assertEquals("supervisor", r.get("subject"));
    }
    assertTrue(fault.get("detail").startsWith("supervisor-crash: "), fault.get("detail"));
    assertTrue(
        recovery
            .get("detail")
            .startsWith("supervisor-crash: restored from checkpoint round 2; rounds 3..3 redone"),
        recovery.get("detail"));
    // The hops come back from the checkpoint: their peaks are the crash-free run's.
    JsonNode want =
        new ObjectMapper().readTree(w.resolve("summary.json").toFile()).at("/peakModelMemoryBytes");
    JsonNode got =
        new ObjectMapper().readTree(a.resolve("summary.json").toFile()).at("/peakModelMemoryBytes");
    assertTrue(want.has("hop-1"), want.toString());
    assertEquals(want, got);
    // Each epoch's checkpoint row once (epoch 3's taken again by the redone epoch).
    List<String> checkpoints =
        events.stream()
            .filter(e -> e.get("kind").equals("checkpoint"))
            .map(e -> e.get("round"))
            .toList();
    assertEquals(List.of("1", "2", "3"), checkpoints);
  }

  /**
   * A slowdown of two devices from epoch 3's start until epoch 4's, with a supervisor crash inside
   * epoch 3: the redone epoch 3 is slowed as the first attempt was, from the device's own (later)
   * start, so every epoch after the checkpoint is the slowed crash-free run's moved by the lost
   * time, and the devices' rows are that run's.
   */
  @Test
  void slowdownFromTheRedoneEpoch_runsFromItsNewStart() throws IOException {
    String slow =
        "{ kind = device-slowdown, devices = [0, 5], round = 3, until-round = 4, factor = 3 }";
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(1, "faults = [" + slow + "]\n")), w, RunListener.NONE);
    Path plain = tmp.resolve("plain");
    Emulation.run(settings(conf(1, "")), plain, RunListener.NONE);
    double[] end = freeEnds(w);
    assertTrue(
        end[2] - end[1] > freeEnds(plain)[2] - freeEnds(plain)[1] + 0.01,
        "the slowdown lengthens epoch 3");
    long atNs = Math.round((end[1] + 0.5 * (end[2] - end[1])) * 1e9);
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(
            conf(
                1, "faults = [" + slow + ", { kind = supervisor-crash, at = " + atNs + " ns }]\n")),
        a,
        RunListener.NONE);
    assertShifted(w, a, 2, atNs / 1e9 - end[1]);
    assertEquals(rows(w, "devices.csv", ""), rows(a, "devices.csv", ""));
  }

  /**
   * A slowdown from an instant between the checkpoint's end and the restart (a crash later in the
   * same epoch): it acts on the redone epoch, and its row is written with it (an instant before the
   * restart, which no epoch's span held).
   */
  @Test
  void aFaultInstantBeforeTheRestart_keepsItsRow() throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(1, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    long slowNs = Math.round((end[1] + 0.25 * (end[2] - end[1])) * 1e9);
    long crashNs = Math.round((end[1] + 0.5 * (end[2] - end[1])) * 1e9);
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(
            conf(
                1,
                "faults = [{ kind = device-slowdown, devices = [0], at = "
                    + slowNs
                    + " ns, factor = 3 }, { kind = supervisor-crash, at = "
                    + crashNs
                    + " ns }]\n")),
        a,
        RunListener.NONE);
    List<Map<String, String>> faults =
        table(a.resolve("events.csv")).stream()
            .filter(e -> e.get("kind").equals("fault") && e.get("subject").equals("device-0"))
            .toList();
    assertEquals(1, faults.size(), faults.toString());
    assertEquals(slowNs / 1e9, Double.parseDouble(faults.get(0).get("emulated_s")), 1e-9);
    assertEquals("3", faults.get(0).get("round"));
    assertTrue(faults.get(0).get("detail").startsWith("device-slowdown: "), faults.toString());
  }

  /**
   * A slowdown {@code at = T, until-round = 4} with T just before epoch 3's end (device 7's slower
   * downlink's arrival of the aggregate): the other devices start epoch 4 before T, so epoch 3's
   * rows find the window empty for them. A server crash inside epoch 4 goes back to the checkpoint
   * of epoch 2: epochs 3 and 4 run again from the restart, after T, so the slowdown slows the
   * redone epoch 3 up to each device's new start of epoch 4 on every device, and the rows say so: a
   * slowdown row and a recovery row per device, none saying the window is empty. Before, the
   * decisions of the discarded epoch 3 stayed, and the redone epoch 3's rows said "no effect" while
   * it was slowed.
   */
  @Test
  void serverCrash_backTwoEpochs_decidesAnEmptyWindowAgainFromTheRedoneStarts() throws IOException {
    String links = "links.static.downlink-bps = [8e6, 8e6, 8e6, 8e6, 8e6, 8e6, 8e6, 1e6]\n";
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(2, links)), w, RunListener.NONE);
    double[] end = freeEnds(w);
    double t = end[2] - 0.2;
    String slow =
        String.format(
            java.util.Locale.ROOT,
            "{ kind = device-slowdown, devices = [0, 1, 2, 3, 4, 5, 6, 7], at = %.6f s,"
                + " until-round = 4, factor = 3 }",
            t);
    // Without the crash the window is empty for some device (epoch 3's rows).
    Path plain = tmp.resolve("plain");
    Emulation.run(settings(conf(2, links + "faults = [" + slow + "]\n")), plain, RunListener.NONE);
    assertTrue(
        table(plain.resolve("events.csv")).stream()
            .anyMatch(e -> e.get("detail").contains("before it starts, so it has no effect")),
        "the window is empty for a device without the crash");
    long crashNs = Math.round((end[2] + 0.5 * (end[3] - end[2])) * 1e9);
    String crash = "{ kind = server-crash, at = " + crashNs + " ns, restart-delay = 5 s }";
    Path crashed = tmp.resolve("crash");
    Emulation.run(
        settings(conf(2, links + "faults = [" + crash + "]\n")), crashed, RunListener.NONE);
    Path both = tmp.resolve("both");
    Emulation.run(
        settings(conf(2, links + "faults = [" + slow + ", " + crash + "]\n")),
        both,
        RunListener.NONE);
    List<Map<String, String>> events = table(both.resolve("events.csv"));
    List<Map<String, String>> slowRows =
        events.stream().filter(e -> e.get("detail").startsWith("device-slowdown: ")).toList();
    assertTrue(
        slowRows.stream().noneMatch(e -> e.get("detail").contains("no effect")),
        slowRows.toString());
    for (String kind : List.of("fault", "recovery")) {
      assertEquals(
          8,
          slowRows.stream().filter(e -> e.get("kind").equals(kind)).count(),
          slowRows.toString());
    }
    // The redone epoch 3 is slowed: it ends later than the crash alone's.
    double slowed =
        Double.parseDouble(table(both.resolve("rounds.csv")).get(2).get("emulated_time_s"));
    double alone =
        Double.parseDouble(table(crashed.resolve("rounds.csv")).get(2).get("emulated_time_s"));
    assertTrue(slowed > alone + 1, slowed + " vs " + alone);
  }

  @Test
  void serverCrashInsideEpoch3_addsItsRestartDelay() throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(1, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    long atNs = Math.round((end[1] + 0.7 * (end[2] - end[1])) * 1e9);
    double t = atNs / 1e9;
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(
            conf(
                1,
                "faults = [{ kind = server-crash, at = " + atNs + " ns, restart-delay = 5 s }]\n")),
        a,
        RunListener.NONE);
    assertShifted(w, a, 2, t + 5 - end[1]);
    List<Map<String, String>> events = table(a.resolve("events.csv"));
    Map<String, String> fault = only(events, "fault");
    Map<String, String> recovery = only(events, "recovery");
    assertEquals(t, Double.parseDouble(fault.get("emulated_s")), 1e-9);
    assertEquals(t + 5, Double.parseDouble(recovery.get("emulated_s")), 1e-9);
    assertEquals("edge-server", fault.get("subject"));
    assertEquals("edge-server", recovery.get("subject"));
    assertTrue(fault.get("detail").startsWith("server-crash: "), fault.get("detail"));
  }

  /**
   * Two crashes: the server inside epoch 3 (5 s to restart), then the supervisor inside the redone
   * epoch 4, which goes back to the checkpoint the redone epoch 3 wrote.
   */
  @Test
  void twoCrashes_theSecondRestoresTheCheckpointTheRedoneEpochWrote() throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(1, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    long firstNs = Math.round((end[1] + 0.5 * (end[2] - end[1])) * 1e9);
    double first = firstNs / 1e9 + 5 - end[1]; // what the first crash costs
    // Halfway through epoch 4 as the first crash moved it.
    long secondNs = Math.round((end[2] + first + 0.5 * (end[3] - end[2])) * 1e9);
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(
            conf(
                1,
                "faults = [{ kind = server-crash, at = "
                    + firstNs
                    + " ns, restart-delay = 5 s }, { kind = supervisor-crash, at = "
                    + secondNs
                    + " ns }]\n")),
        a,
        RunListener.NONE);
    List<Map<String, String>> rounds = table(a.resolve("rounds.csv"));
    assertEquals(List.of("1", "2", "3", "4"), rounds.stream().map(r -> r.get("round")).toList());
    assertEquals(
        end[2] + first, Double.parseDouble(rounds.get(2).get("emulated_time_s")), 1e-6, "epoch 3");
    // Epoch 4 starts again at the second crash: it ends (second - end of epoch 3) after its length.
    assertEquals(
        end[3] + (secondNs / 1e9 - end[2] - first) + first,
        Double.parseDouble(rounds.get(3).get("emulated_time_s")),
        1e-6,
        "epoch 4");
    assertEquals(rows(w, "devices.csv", ""), rows(a, "devices.csv", ""));
    List<Map<String, String>> events = table(a.resolve("events.csv"));
    List<String> faults =
        events.stream()
            .filter(e -> e.get("kind").equals("fault") || e.get("kind").equals("recovery"))
            .map(e -> e.get("kind") + " " + e.get("round") + " " + e.get("subject"))
            .toList();
    assertEquals(
        List.of(
            "fault 2 edge-server",
            "recovery 2 edge-server",
            "fault 3 supervisor",
            "recovery 3 supervisor"),
        faults);
  }

  /**
   * A crash at epoch 4's start with a checkpoint every 2 epochs: epoch 3 (after the checkpoint) is
   * lost and redone from the restart, its rows cut and written again once.
   */
  @Test
  void serverCrashAtEpoch4sStart_checkpointEvery2_redoesEpoch3Once() throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(2, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(conf(2, "faults = [{ kind = server-crash, round = 4, restart-delay = 3 s }]\n")),
        a,
        RunListener.NONE);
    // The crash strikes at epoch 3's end; the run goes on from the epoch-2 checkpoint 3 s later.
    assertShifted(w, a, 2, end[2] + 3 - end[1]);
    assertEquals(rows(w, "devices.csv", ""), rows(a, "devices.csv", ""));
    List<Map<String, String>> events = table(a.resolve("events.csv"));
    Map<String, String> fault = only(events, "fault");
    Map<String, String> recovery = only(events, "recovery");
    assertEquals(end[2], Double.parseDouble(fault.get("emulated_s")), 1e-9);
    assertEquals(end[2] + 3, Double.parseDouble(recovery.get("emulated_s")), 1e-9);
    assertTrue(
        recovery
            .get("detail")
            .startsWith(
                "server-crash: restored from checkpoint round 2 after restart-delay 3.0 s;"
                    + " rounds 3..3"),
        recovery.get("detail"));
  }

  /** A crash at an epoch's start right after its checkpoint loses nothing but the restart delay. */
  @Test
  void supervisorCrashAtEpoch3sStart_losesNothing_serverCrashThereOnlyItsDelay()
      throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(1, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    Path sup = tmp.resolve("supervisor");
    Emulation.run(
        settings(conf(1, "faults = [{ kind = supervisor-crash, round = 3 }]\n")),
        sup,
        RunListener.NONE);
    assertEquals(rows(w, "rounds.csv", "wall_time_s"), rows(sup, "rounds.csv", "wall_time_s"));
    Map<String, String> fault = only(table(sup.resolve("events.csv")), "fault");
    assertEquals(end[1], Double.parseDouble(fault.get("emulated_s")), 1e-9);
    Map<String, String> recovery = only(table(sup.resolve("events.csv")), "recovery");
    assertEquals(end[1], Double.parseDouble(recovery.get("emulated_s")), 1e-9);
    assertEquals("supervisor", recovery.get("subject"));
    assertTrue(
        recovery
            .get("detail")
            .startsWith("supervisor-crash: restored from checkpoint round 2; no round redone"),
        recovery.get("detail"));
    Path srv = tmp.resolve("server");
    Emulation.run(
        settings(conf(1, "faults = [{ kind = server-crash, round = 3, restart-delay = 4 s }]\n")),
        srv,
        RunListener.NONE);
    assertShifted(w, srv, 2, 4);
  }

  /**
   * Devices on different links (each receives the aggregate at its own instant, so each starts the
   * next epoch at its own), on both MP-SL schemes (mpsl-horizontal: a lane of one helper per two
   * devices): every epoch after the checkpoint is the crash-free one moved by the lost time.
   */
  @ParameterizedTest
  @ValueSource(strings = {"mpsl", "mpsl-horizontal"})
  void heterogeneousLinks_everyLaterEpochMovesByTheLostTime(String scheme) throws IOException {
    Path w = tmp.resolve("free");
    String every = "  checkpoint.every = 1\n";
    Emulation.run(
        settings(CheckpointResumeTest.mpslScenario(scheme, "crash", 4, every)),
        w,
        RunListener.NONE);
    double[] end = freeEnds(w);
    long atNs = Math.round((end[1] + 0.5 * (end[2] - end[1])) * 1e9);
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(
            CheckpointResumeTest.mpslScenario(
                scheme,
                "crash",
                4,
                every + "  faults = [{ kind = supervisor-crash, at = " + atNs + " ns }]\n")),
        a,
        RunListener.NONE);
    assertShifted(w, a, 2, atNs / 1e9 - end[1]);
    assertEquals(rows(w, "devices.csv", ""), rows(a, "devices.csv", ""));
  }

  /**
   * A server crash inside epoch 2, before the first checkpoint (epoch 3's): the run restarts from
   * its start (epoch 0) after the delay, every hop, device and link as built, and every epoch ends
   * t + delay later than in the crash-free run, its rows once; the plan row stays, once. Before, it
   * ended the run with one line.
   */
  @Test
  void aCrashBeforeTheFirstCheckpoint_restartsFromTheStart() throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(3, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    long atNs = Math.round((end[0] + 0.4 * (end[1] - end[0])) * 1e9);
    double t = atNs / 1e9;
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(
            conf(
                3,
                "faults = [{ kind = server-crash, at = " + atNs + " ns, restart-delay = 2 s }]\n")),
        a,
        RunListener.NONE);
    assertShifted(w, a, 0, t + 2);
    assertEquals(rows(w, "devices.csv", ""), rows(a, "devices.csv", ""));
    List<Map<String, String>> events = table(a.resolve("events.csv"));
    Map<String, String> recovery = only(events, "recovery");
    assertEquals("0", recovery.get("round"));
    assertEquals(t + 2, Double.parseDouble(recovery.get("emulated_s")), 1e-9);
    assertTrue(
        recovery
            .get("detail")
            .startsWith(
                "server-crash: restored from the start (round 0) after restart-delay 2.0 s;"
                    + " rounds 1..2 redone"),
        recovery.get("detail"));
    assertEquals(1, events.stream().filter(e -> e.get("kind").equals("plan")).count());
    assertEquals(
        List.of("3"),
        events.stream()
            .filter(e -> e.get("kind").equals("checkpoint"))
            .map(e -> e.get("round"))
            .toList());
    // The hops start afresh: their peaks are the crash-free run's.
    assertEquals(
        new ObjectMapper().readTree(w.resolve("summary.json").toFile()).at("/peakModelMemoryBytes"),
        new ObjectMapper()
            .readTree(a.resolve("summary.json").toFile())
            .at("/peakModelMemoryBytes"));
  }

  /** Without checkpoints, a crash at epoch 2's start redoes epoch 1 after the delay. */
  @Test
  void aCrashWithoutCheckpoints_restartsFromTheStart() throws IOException {
    Path w = tmp.resolve("free");
    Emulation.run(settings(conf(0, "")), w, RunListener.NONE);
    double[] end = freeEnds(w);
    Path a = tmp.resolve("crash");
    Emulation.run(
        settings(conf(0, "faults = [{ kind = server-crash, round = 2, restart-delay = 3 s }]\n")),
        a,
        RunListener.NONE);
    assertShifted(w, a, 0, end[0] + 3);
    assertEquals(rows(w, "devices.csv", ""), rows(a, "devices.csv", ""));
  }

  @Test
  void whatCannotBeRestored_isRefusedAtStartWithOneLine() {
    assertRefused(
        conf(
            1,
            "faults = [{ kind = supervisor-crash, at = 10 s },"
                + " { kind = device-hang, device = 1, round = 2 }]\n"),
        "splitemu.faults[0].kind: supervisor-crash does not combine with device-hang (faults[1])"
            + " on mpsl yet");
    assertRefused(
        conf(
            1,
            "faults = [{ kind = server-crash, round = 3 },"
                + " { kind = device-crash, device = 1, round = 2, until-round = 3 }]\n"),
        "splitemu.faults[0].kind: server-crash does not combine with device-crash (faults[1])"
            + " on mpsl yet");
    assertRefused(
        conf(
            1,
            "faults = [{ kind = supervisor-crash, at = 10 s },"
                + " { kind = message-loss, device = 2, at = 0 s, probability = 0.1,"
                + " retransmit-timeout = 1 s }]\n"),
        "splitemu.faults[0].kind: supervisor-crash does not combine with message-loss (faults[1])"
            + " on mpsl yet");
    assertRefused(
        conf(
            1,
            "faults = [{ kind = server-crash, round = 3 },"
                + " { kind = hop-crash, hop = 1, round = 2 }]\n"),
        "splitemu.faults[0].kind: server-crash does not combine with hop-crash (faults[1])"
            + " on mpsl yet");
  }

  /**
   * Epochs up to {@code kept} are the crash-free run's rows; every later one has the same latency
   * and ends {@code shiftS} later.
   */
  private static void assertShifted(Path free, Path crashed, int kept, double shiftS)
      throws IOException {
    List<Map<String, String>> want = table(free.resolve("rounds.csv"));
    List<Map<String, String>> got = table(crashed.resolve("rounds.csv"));
    assertEquals(
        want.stream().map(r -> r.get("round")).toList(),
        got.stream().map(r -> r.get("round")).toList(),
        "each epoch once");
    assertTrue(shiftS > 0.01, "the crash costs " + shiftS + " s");
    List<String> wantRows = rows(free, "rounds.csv", "wall_time_s");
    List<String> gotRows = rows(crashed, "rounds.csv", "wall_time_s");
    for (int e = 1; e <= want.size(); e++) {
      if (e <= kept) {
        assertEquals(wantRows.get(e), gotRows.get(e), "epoch " + e);
        continue;
      }
      Map<String, String> x = want.get(e - 1);
      Map<String, String> y = got.get(e - 1);
      assertEquals(
          Double.parseDouble(x.get("emulated_time_s")) + shiftS,
          Double.parseDouble(y.get("emulated_time_s")),
          1e-6,
          "end of epoch " + e);
      for (String col :
          List.of(
              "round_latency_s",
              "device_compute_s",
              "server_compute_s",
              "communication_s",
              "aggregation_s",
              "participants",
              "failed",
              "cut")) {
        assertEquals(x.get(col), y.get(col), col + " of epoch " + e);
      }
    }
  }

  private static void assertRefused(String conf, String line) {
    SettingsException e =
        assertThrows(SettingsException.class, () -> Emulation.prepare(settings(conf)));
    assertTrue(e.getMessage().startsWith(line), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  /** A CSV file's rows by column name. */
  private static List<Map<String, String>> table(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> header = CsvTable.parseLine(lines.get(0));
    List<Map<String, String>> out = new ArrayList<>();
    for (List<String> row : CsvTable.read(file)) {
      Map<String, String> m = new java.util.LinkedHashMap<>();
      for (int i = 0; i < row.size(); i++) {
        m.put(header.get(i), row.get(i));
      }
      out.add(m);
    }
    return out;
  }

  private static Map<String, String> only(List<Map<String, String>> events, String kind) {
    List<Map<String, String>> got =
        events.stream().filter(e -> e.get("kind").equals(kind)).collect(Collectors.toList());
    assertEquals(1, got.size(), kind + " rows " + got);
    return got.get(0);
  }

  /** The file's lines without column {@code drop} (none if empty). */
  private static List<String> rows(Path dir, String file, String drop) throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve(file));
    List<String> header = CsvTable.parseLine(lines.get(0));
    int skip = header.indexOf(drop);
    // The host's CPU time goes with its wall clock.
    int cpu = drop.equals("wall_time_s") ? header.indexOf("cpu_time_s") : -1;
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      List<String> f = new ArrayList<>(CsvTable.parseLine(line));
      if (cpu >= 0) {
        f.remove(cpu);
      }
      if (skip >= 0) {
        f.remove(skip);
      }
      out.add(String.join(",", f));
    }
    return out;
  }
}
