package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.runtime.Checkpoint;
import io.splitemu.actors.runtime.Checkpoints;
import io.splitemu.actors.runtime.Device;
import io.splitemu.actors.runtime.EdgeServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exact resume: a run stopped after a checkpoint and resumed with {@code --resume} leaves the same
 * {@code rounds.csv} (but the wall time), {@code devices.csv} and {@code events.csv} (but its
 * checkpoint and resume rows, and in emulated-time order with them) as a run that was never
 * stopped, in full fidelity, with no row lost or duplicated. {@code psl} is killed with SIGKILL in
 * its own JVM; {@code cpsl} and {@code edgesplit} are resumed in this JVM from a checkpoint of a
 * finished run made to look killed after its last round's row ({@link #asKilledAtItsEnd}: a
 * finished run is refused), whose rows after the checkpoint the resume drops and writes again.
 */
class CheckpointResumeTest {

  @TempDir Path tmp;

  static final int ROUNDS = 4;

  /** A small full-fidelity scenario of {@code scheme}: MNIST if splitemu.data is set. */
  static Path scenario(Path tmp, String scheme) throws Exception {
    String data = System.getProperty("splitemu.data", "");
    String dataBlock =
        data.isBlank()
            ? "  data { train-samples = 800, test-samples = 200 }\n"
            : "  data { dataset = mnist, dir = \""
                + Path.of(data, "mnist").toAbsolutePath()
                + "\", eval-samples = 300, partition = dirichlet }\n";
    Path f = tmp.resolve(scheme + ".conf");
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = ckpt-"
            + scheme
            + "\n  scheme = "
            + scheme
            + "\n  rounds = "
            + ROUNDS
            + "\n  local-steps = 3\n"
            + "  batch-size = 16\n"
            + "  model { name = mlp, cut = 1 }\n"
            + dataBlock
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9],"
            + " round-factor { distribution = uniform, min = 0.7, max = 1.0 } }\n"
            + (scheme.startsWith("cpsl")
                ? "  links { kind = shannon, shannon.fading = rayleigh }\n"
                    + "  cpsl { clusters = 2, replan-every = 2, saa-samples = 3 }\n"
                : "  links.static.uplink-bps = [1e6, 2e6, 4e6, 8e6]\n")
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  @Test
  void psl_killedWithSigkillAfterRound2_resumesToTheUninterruptedRun() throws Exception {
    Path scenario = scenario(tmp, "psl");
    Path whole = tmp.resolve("whole");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", whole.toString());
    assertEquals(0, a.code(), a.err());

    Path killed = tmp.resolve("killed");
    Path child = Files.createDirectories(tmp.resolve("child"));
    try (ChildRun run =
        ChildRun.start(
            child,
            "run",
            scenario.toString(),
            "--out",
            killed.toString(),
            "--set",
            "checkpoint.every=1")) {
      Process p = run.process();
      Path second = killed.resolve("checkpoints/round-000002.ckpt");
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(second) && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(Files.exists(second), "no checkpoint of round 2: " + run.stderr());
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    ProfileCommandTest.Result b =
        ProfileCommandTest.cli(
            "run",
            scenario.toString(),
            "--set",
            "checkpoint.every=1",
            "--resume",
            killed.toString());
    assertEquals(0, b.code(), b.err() + b.out());
    assertSameRun(whole, killed);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpsl", "edgesplit"})
  void resumedFromRound2_rewritesTheLaterRowsAsTheUninterruptedRun(String scheme) throws Exception {
    Path scenario = scenario(tmp, scheme);
    // A finished run with a checkpoint after round 2: its rows of rounds 3 and 4 are those a run
    // killed late would have left; the resume must drop them and write them again. Its tables as
    // they were are the uninterrupted run (taking checkpoints changes no figure: psl's test above
    // compares with a run without any).
    Path stopped = tmp.resolve("stopped");
    String[] every = {"--set", "checkpoint.every=2"};
    ProfileCommandTest.Result b =
        ProfileCommandTest.cli(
            "run", scenario.toString(), "--out", stopped.toString(), every[0], every[1]);
    assertEquals(0, b.code(), b.err());
    assertTrue(Files.exists(stopped.resolve("checkpoints/round-000002.ckpt")));
    Path whole = Files.createDirectories(tmp.resolve("whole"));
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv")) {
      Files.copy(stopped.resolve(table), whole.resolve(table));
    }
    asKilledAtItsEnd(stopped);
    ProfileCommandTest.Result c =
        ProfileCommandTest.cli(
            "run", scenario.toString(), every[0], every[1], "--resume", stopped.toString());
    assertEquals(0, c.code(), c.err() + c.out());
    assertSameRun(whole, stopped);
  }

  /**
   * Timing fidelity with hung devices (one hung before the checkpoint, one after), on a barrier
   * scheme and on the split scheme whose policy learns from the rates of past rounds.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sfl-v1", "sfl-compute-robust"})
  void withHangs_resumedFromRound2_equalsTheUninterruptedRun(String scheme) throws Exception {
    Path stopped =
        resumedEqualsWhole(
            scheme,
            "hangs",
            "  faults = [{ kind = device-hang, device = 1, round = 2 },"
                + " { kind = device-hang, device = 2, round = 4 }]\n");
    assertTrue(
        events(stopped, false).stream().filter(e -> e.get(2).equals("deadline")).count() == 2,
        "both hangs recorded once");
  }

  /**
   * sfl-v1 under drop-for-round with a device crashed in round 2, the checkpoint's, and back at
   * round 3's start: it downloads the model it missed first, in the resumed run too (its restore
   * knows that from its hang at the checkpoint; docs/faults.md "Device faults on sfl-v1").
   */
  @Test
  void sflV1_dropForRound_resumedAcrossARejoin_equalsTheUninterruptedRun() throws Exception {
    Path stopped =
        resumedEqualsWhole(
            "sfl-v1",
            "rejoin",
            "  survival.absent = drop-for-round\n"
                + "  faults = [{ kind = device-crash, device = 1, round = 2, until-round = 3 }]\n");
    assertTrue(
        events(stopped, false).stream().anyMatch(e -> e.get(2).equals("recovery")),
        "the rejoin is after the checkpoint");
  }

  /**
   * MP-SL in timing fidelity, an epoch being a round: a run with a checkpoint every 2 epochs (each
   * taken with the pipeline drained at the FedAvg barrier), resumed from its checkpoint of epoch 2,
   * equals a run without any; on {@code mpsl} with a device hung from epoch 2 (given up before the
   * checkpoint), one hung at an instant of epoch 3 (after it), and one hung from epoch 4. On {@code
   * mpsl-horizontal} (lanes {0, 1} and {2, 3}) devices 2 and 3 hang from epoch 2, so the second
   * helper's lane has no device left before the checkpoint (its helper runs through its later
   * epochs at once, and its stats of them may reach the supervisor before the devices' misses of
   * epoch 2), and device 1 hangs at an instant of epoch 3.
   */
  @ParameterizedTest
  @ValueSource(strings = {"mpsl", "mpsl-horizontal"})
  void mpsl_withHangs_resumedFromEpoch2_equalsTheUninterruptedRun(String scheme) throws Exception {
    boolean lanes = scheme.equals("mpsl-horizontal");
    String at = atEpoch3(scheme, tmp.resolve("whole"));
    Path scenario = tmp.resolve(scheme + "-hangs.conf");
    Files.writeString(
        scenario,
        mpslScenario(
            scheme,
            "mpsl-hangs",
            lanes
                ? "  faults = [{ kind = device-hang, device = 2, round = 2 },"
                    + " { kind = device-hang, device = 3, round = 2 },"
                    + " { kind = device-hang, device = 1, at = "
                    + at
                    + " s }]\n"
                : "  faults = [{ kind = device-hang, device = 1, round = 2 },"
                    + " { kind = device-hang, device = 2, at = "
                    + at
                    + " s }, { kind = device-hang, device = 3, round = 4 }]\n"));
    Path stopped = resumedEqualsWhole(scenario);
    Checkpoint c = Checkpoints.read(Checkpoints.file(stopped, 2));
    assertEquals(2, c.round());
    List<Integer> left = lanes ? List.of(0, 1) : List.of(0, 2, 3);
    assertEquals(left, c.pipeline().participants(), "the devices given up in epoch 2 are out");
    assertTrue(c.pipeline().hops().stream().allMatch(h -> h.epoch() == 3), "hops at epoch 3");
    assertTrue(c.pipeline().hops().stream().allMatch(h -> h.jobs() > 0), "hops served jobs");
    assertEquals(left, List.copyOf(c.pipeline().startNs().keySet()), "the held starts");
    assertEquals(
        3,
        events(stopped, false).stream().filter(e -> e.get(2).equals("deadline")).count(),
        "every hang given up once");
    // The hops' peaks (their instances come back with the checkpoint) and the run's totals.
    JsonNode want = new ObjectMapper().readTree(tmp.resolve("whole/summary.json").toFile());
    JsonNode got = new ObjectMapper().readTree(stopped.resolve("summary.json").toFile());
    assertTrue(
        want.at("/peakModelMemoryBytes").has(scheme.equals("mpsl") ? "hop-1" : "helper-1"),
        want.toString());
    assertEquals(want.at("/peakModelMemoryBytes"), got.at("/peakModelMemoryBytes"));
    for (String total : List.of("/emulatedTimeSeconds", "/rounds", "/totals")) {
      assertFalse(want.at(total).isMissingNode(), total);
      assertEquals(want.at(total), got.at(total), total);
    }
  }

  /**
   * MP-SL with the device faults whose windows cross its checkpoint of epoch 2: a slowdown from
   * epoch 2's start until epoch 4's, one from an instant of epoch 3 on, a crash from epoch 2 until
   * epoch 4 (the device stays out: the pipeline drops a silent device for the run) and a hang from
   * an instant of epoch 3 until a later one. Resumed from epoch 2, every table equals the
   * uninterrupted run's: a resumed device takes the bounds met before its checkpoint as past.
   */
  @Test
  void mpsl_withDeviceFaultWindows_resumedFromEpoch2_equalsTheUninterruptedRun() throws Exception {
    String at = atEpoch3("mpsl", tmp.resolve("whole"));
    Path scenario = tmp.resolve("mpsl-device-faults.conf");
    Files.writeString(
        scenario,
        mpslScenario(
            "mpsl",
            "mpsl-device-faults",
            "  faults = [{ kind = device-slowdown, device = 0, round = 2, until-round = 4,"
                + " factor = 3 },"
                + " { kind = device-slowdown, device = 3, at = "
                + at
                + " s, factor = 2 },"
                + " { kind = device-crash, device = 2, round = 2, until-round = 4 },"
                + " { kind = device-hang, device = 1, at = "
                + at
                + " s, until = 1000 s }]\n"));
    Path stopped = resumedEqualsWhole(scenario);
    // No window here is round = R, until = T or at = T, until-round = R: none is ever empty, and
    // the checkpoint keeps no decision for them (it kept a -1 per fault and device asked).
    assertEquals(
        java.util.Map.of(),
        Checkpoints.read(Checkpoints.file(stopped, 2)).pipeline().emptyWindows(),
        "empty-window decisions");
    List<List<String>> events = events(stopped, false);
    assertEquals(
        4, events.stream().filter(e -> e.get(2).equals("fault")).count(), events.toString());
    assertTrue(
        events.stream()
            .anyMatch(
                e ->
                    e.get(2).equals("recovery")
                        && e.get(3).equals("device-0")
                        && e.get(4).startsWith("device-slowdown: fault over")),
        events.toString());
    assertTrue(
        events.stream()
            .anyMatch(
                e ->
                    e.get(2).equals("recovery")
                        && e.get(3).equals("device-2")
                        && e.get(4).contains("stays out of the run")),
        events.toString());
  }

  /**
   * MP-SL with an empty window across its checkpoint of epoch 2: a hang {@code at = T, until-round
   * = 2} with T inside epoch 3 is decided empty by epoch 2's rows, from device 1's start of epoch
   * 2, and its one row at T (epoch 3's) names that start. The resumed run takes the decision from
   * the checkpoint: before, it decided again from epoch 3's start, and its row named another
   * instant than the uninterrupted run's.
   */
  @Test
  void mpsl_withAnEmptyWindowAcrossTheCheckpoint_resumedFromEpoch2_equalsTheUninterruptedRun()
      throws Exception {
    String at = atEpoch3("mpsl", tmp.resolve("whole"));
    Path scenario = tmp.resolve("mpsl-empty-window.conf");
    Files.writeString(
        scenario,
        mpslScenario(
            "mpsl",
            "mpsl-empty-window",
            "  faults = [{ kind = device-hang, device = 1, at = "
                + at
                + " s, until-round = 2 }]\n"));
    Path stopped = resumedEqualsWhole(scenario);
    List<List<String>> faults =
        events(stopped, false).stream().filter(e -> e.get(2).equals("fault")).toList();
    assertEquals(1, faults.size(), faults.toString());
    assertEquals("3", faults.get(0).get(1), faults.toString());
    assertTrue(
        faults.get(0).get(4).startsWith("device-hang: faults[0] ends (round 2's start, "),
        faults.toString());
    assertFalse(
        events(stopped, false).stream().anyMatch(e -> e.get(2).equals("recovery")),
        "no recovery row");
  }

  /**
   * MP-SL with a recovery row waiting across its checkpoint of epoch 2: device 1 hangs from 1 s
   * until epoch 4 and crashes from 2 s until epoch 2; the crash's row waits at epoch 2 while the
   * hang holds the device, so the checkpoint holds it, and the resumed run writes it beside the
   * hang's at epoch 4's start, as the uninterrupted run does.
   */
  @Test
  void mpsl_withARecoveryRowWaitingAcrossTheCheckpoint_resumedFromEpoch2_equalsTheUninterruptedRun()
      throws Exception {
    Path scenario = tmp.resolve("mpsl-waiting.conf");
    Files.writeString(
        scenario,
        mpslScenario(
            "mpsl",
            "mpsl-waiting",
            "  faults = [{ kind = device-hang, device = 1, at = 1 s, until-round = 4 },"
                + " { kind = device-crash, device = 1, at = 2 s, until-round = 2 }]\n"));
    Path stopped = resumedEqualsWhole(scenario);
    List<List<String>> back =
        events(stopped, false).stream().filter(e -> e.get(2).equals("recovery")).toList();
    assertEquals(2, back.size(), back.toString());
    for (List<String> r : back) {
      assertEquals("4", r.get(1), back.toString());
    }
    assertTrue(
        back.get(1).get(4).startsWith("device-crash: device rejoins at round 4"), back.toString());
  }

  /**
   * MP-SL under survival.absent = drop-for-round with devices given up in the epoch of the
   * checkpoint: device 1 hangs from epoch 2 until epoch 4 (asked again and given up in epoch 3),
   * device 2 crashes from epoch 2 until epoch 3 (it rejoins across the checkpoint: its held start
   * of epoch 3 is the aggregate's readiness, where it downloads the aggregate), device 3 hangs from
   * an instant of epoch 3 on. The checkpoint holds every device as asked, devices 1 and 2 as given
   * up in epoch 2; the resumed run equals the uninterrupted one.
   */
  @ParameterizedTest
  @ValueSource(strings = {"mpsl", "mpsl-horizontal"})
  void mpsl_dropForRound_resumedAcrossARejoin_equalsTheUninterruptedRun(String scheme)
      throws Exception {
    String at = atEpoch3(scheme, tmp.resolve("whole"));
    Path scenario = tmp.resolve(scheme + "-rejoin.conf");
    Files.writeString(
        scenario,
        mpslScenario(
            scheme,
            "mpsl-rejoin",
            "  survival.absent = drop-for-round\n"
                + "  faults = [{ kind = device-hang, device = 1, round = 2, until-round = 4 },"
                + " { kind = device-crash, device = 2, round = 2, until-round = 3 },"
                + " { kind = device-hang, device = 3, at = "
                + at
                + " s, until = 100000 s }]\n"));
    Path stopped = resumedEqualsWhole(scenario);
    Checkpoint c = Checkpoints.read(Checkpoints.file(stopped, 2));
    assertEquals(2, c.round());
    assertEquals(List.of(0, 1, 2, 3), c.pipeline().participants(), "every device is asked");
    assertEquals(List.of(0, 1, 2, 3), List.copyOf(c.pipeline().startNs().keySet()));
    assertEquals(
        List.of(false, true, true, false),
        c.pipeline().devices().stream().map(d -> d.hung()).toList(),
        "given up in epoch 2");
    List<List<String>> rounds = CsvTable.read(stopped.resolve("rounds.csv"));
    assertEquals(
        List.of("4", "2", "2", "3"),
        rounds.stream().map(r -> r.get(8)).toList(),
        "participants: " + rounds);
    assertTrue(
        events(stopped, false).stream()
            .noneMatch(e -> e.get(2).equals("recovery") && e.get(4).contains("stays out")),
        "nobody stays out");
  }

  /**
   * MP-SL with link faults across its checkpoint after epoch 2: losses on device 0's uplink from
   * the start to epoch 4's start (their stream's position is in the checkpoint), device 1's
   * downlink down for good in the middle of its download of epoch 2's aggregate (it never holds it:
   * its held start of epoch 3 is NEVER and it is given up there), device 2's links degraded from
   * its start of epoch 3 and device 3's uplink down for 1 s within epoch 3. The resumed run equals
   * the uninterrupted one.
   */
  @Test
  void mpsl_withLinkFaults_resumedFromEpoch2_equalsTheUninterruptedRun() throws Exception {
    String loss =
        "{ kind = message-loss, device = 0, direction = up, probability = 0.3,"
            + " retransmit-timeout = 0.2 s, round = 1, until-round = 4 }";
    // Epoch 2's aggregate and ends with the losses alone: every device downloads the aggregate
    // from its readiness, device 1 (1e7 bit/s, the slowest downlink) last, to the epoch's end.
    Path lossOnly = tmp.resolve("mpsl-loss.conf");
    Files.writeString(lossOnly, mpslScenario("mpsl", "mpsl-loss", "  faults = [" + loss + "]\n"));
    Path first = tmp.resolve("loss-only");
    ProfileCommandTest.Result l =
        ProfileCommandTest.cli("run", lossOnly.toString(), "--out", first.toString());
    assertEquals(0, l.code(), l.err());
    List<List<String>> rounds = CsvTable.read(first.resolve("rounds.csv"));
    double end2 = Double.parseDouble(rounds.get(1).get(2));
    double end3 = Double.parseDouble(rounds.get(2).get(2));
    double ready2 =
        events(first, false).stream()
            .filter(e -> e.get(2).equals("aggregate") && e.get(1).equals("2"))
            .mapToDouble(e -> Double.parseDouble(e.get(0)))
            .findFirst()
            .orElseThrow();
    assertTrue(ready2 < end2, ready2 + " " + end2);
    String mid = String.format(java.util.Locale.ROOT, "%.6f", (ready2 + end2) / 2);
    String outage = String.format(java.util.Locale.ROOT, "%.6f", end2 + (end3 - end2) / 3);
    String outageEnd = String.format(java.util.Locale.ROOT, "%.6f", end2 + (end3 - end2) / 3 + 1);
    Path scenario = tmp.resolve("mpsl-links.conf");
    Files.writeString(
        scenario,
        mpslScenario(
            "mpsl",
            "mpsl-links",
            "  faults = ["
                + loss
                + ", { kind = link-outage, device = 1, direction = down, at = "
                + mid
                + " s }, { kind = link-degradation, device = 2, factor = 0.5, round = 3 },"
                + " { kind = link-outage, device = 3, direction = up, at = "
                + outage
                + " s, until = "
                + outageEnd
                + " s }]\n"
                + "  barrier.deadline = 10 s\n"));
    Path stopped = resumedEqualsWhole(scenario);
    Checkpoint c = Checkpoints.read(Checkpoints.file(stopped, 2));
    assertEquals(List.of(0, 1, 2, 3), c.pipeline().participants());
    assertEquals(
        Long.MAX_VALUE,
        c.pipeline().startNs().get(1),
        "device 1's aggregate of epoch 2 never arrives: its held start of epoch 3 is NEVER");
    List<List<String>> whole = CsvTable.read(tmp.resolve("whole/rounds.csv"));
    assertEquals(
        List.of("4", "4", "3", "3"), whole.stream().map(r -> r.get(8)).toList(), "participants");
    List<List<String>> ev = events(stopped, false);
    assertEquals(
        1,
        ev.stream()
            .filter(
                e ->
                    e.get(1).equals("3")
                        && e.get(2).equals("deadline")
                        && e.get(3).equals("device-1"))
            .count(),
        ev.toString());
    for (String row : List.of("fault", "recovery")) {
      assertEquals(
          1,
          ev.stream().filter(e -> e.get(2).equals(row) && e.get(3).equals("device-0")).count(),
          row + " " + ev);
    }
  }

  /**
   * MP-SL's byte counters across its checkpoint after epoch 2 under survival.absent =
   * drop-for-round: losses on device 1's downlink and device 2's uplink over the whole run (the
   * bytes of every lost attempt are charged, in bytes_down and bytes_up, with the transfer they
   * delay), and device 1 hangs from an instant of epoch 2 until epoch 3's start, so it is given up
   * in epoch 2 and rejoins in epoch 3 with a download of the aggregate over its lossy downlink. The
   * resumed run's devices.csv (bytes_up, bytes_down) equals the uninterrupted run's: the lost bytes
   * a device has charged come back with its links.
   */
  @Test
  void mpsl_lostBytesAcrossARejoin_resumedFromEpoch2_equalsTheUninterruptedRun() throws Exception {
    Path plain = tmp.resolve("mpsl-plain.conf");
    Files.writeString(plain, mpslScenario("mpsl", "mpsl-plain", ""));
    Path first = tmp.resolve("plain");
    ProfileCommandTest.Result p =
        ProfileCommandTest.cli("run", plain.toString(), "--out", first.toString());
    assertEquals(0, p.code(), p.err());
    List<List<String>> plainRounds = CsvTable.read(first.resolve("rounds.csv"));
    double end1 = Double.parseDouble(plainRounds.get(0).get(2));
    double end2 = Double.parseDouble(plainRounds.get(1).get(2));
    String at = String.format(java.util.Locale.ROOT, "%.6f", end1 + (end2 - end1) / 3);
    Path scenario = tmp.resolve("mpsl-lost.conf");
    Files.writeString(
        scenario,
        mpslScenario(
            "mpsl",
            "mpsl-lost",
            "  survival.absent = drop-for-round\n"
                + "  faults = [{ kind = message-loss, device = 1, direction = down,"
                + " probability = 0.4, retransmit-timeout = 0.2 s, round = 1, until-round = 5 },"
                + " { kind = message-loss, device = 2, direction = up,"
                + " probability = 0.4, retransmit-timeout = 0.2 s, round = 1, until-round = 5 },"
                + " { kind = device-hang, device = 1, at = "
                + at
                + " s, until-round = 3 }]\n"));
    Path stopped = resumedEqualsWhole(scenario);
    Checkpoint c = Checkpoints.read(Checkpoints.file(stopped, 2));
    assertEquals(
        List.of(false, true, false, false),
        c.pipeline().devices().stream().map(d -> d.hung()).toList(),
        "device 1 given up in epoch 2");
    // The losses show in the bytes of the resumed epochs: more than the fault-free run's.
    List<List<String>> lossy = CsvTable.read(stopped.resolve("devices.csv"));
    List<List<String>> free = CsvTable.read(first.resolve("devices.csv"));
    long freeDown = 0;
    long lossyDown = 0;
    for (List<String> r : free) {
      if (r.get(1).equals("1") && Integer.parseInt(r.get(0)) >= 3) {
        freeDown += Long.parseLong(r.get(8));
      }
    }
    for (List<String> r : lossy) {
      if (r.get(1).equals("1") && Integer.parseInt(r.get(0)) >= 3) {
        lossyDown += Long.parseLong(r.get(8));
      }
    }
    assertTrue(lossyDown > freeDown, lossyDown + " " + freeDown);
  }

  /**
   * MP-SL killed with SIGKILL in its own JVM once its checkpoint of epoch 2 is on disk (paced, so
   * that the kill lands mid-run; pacing changes no emulated figure), then resumed: its tables equal
   * those of a virtual run that was never stopped (but the pacing row, which only a paced run
   * writes).
   */
  @Test
  void mpsl_killedWithSigkillAfterEpoch2_resumesToTheUninterruptedRun() throws Exception {
    // Six epochs after the one killed after, 0.5 s of wall time each: the kill lands mid-run on a
    // loaded machine too.
    int epochs = 2 * ROUNDS;
    Path scenario = tmp.resolve("mpsl-kill.conf");
    Files.writeString(scenario, mpslScenario("mpsl", "mpsl-kill", epochs, ""));
    Path whole = tmp.resolve("whole");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", whole.toString());
    assertEquals(0, a.code(), a.err());
    double epoch1 = Double.parseDouble(CsvTable.read(whole.resolve("rounds.csv")).get(0).get(3));
    String[] sets = {
      "--set",
      "checkpoint.every=1",
      "--set",
      "mode=paced",
      "--set",
      String.format(java.util.Locale.ROOT, "speedup=%.6f", epoch1 / 0.5)
    };
    Path killed = tmp.resolve("killed");
    Path child = Files.createDirectories(tmp.resolve("child"));
    List<String> args =
        new ArrayList<>(List.of("run", scenario.toString(), "--out", killed.toString()));
    args.addAll(List.of(sets));
    try (ChildRun run = ChildRun.start(child, args.toArray(new String[0]))) {
      Process p = run.process();
      Path second = Checkpoints.file(killed, 2);
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(second) && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(10);
      }
      assertTrue(Files.exists(second), "no checkpoint of epoch 2: " + run.stderr());
      assertTrue(p.isAlive(), "the run ended before the kill: " + run.stderr());
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(
        CsvTable.read(killed.resolve("rounds.csv")).size() < epochs, "killed before the end");
    List<String> resume = new ArrayList<>(List.of("run", scenario.toString()));
    resume.addAll(List.of(sets));
    resume.addAll(List.of("--resume", killed.toString()));
    ProfileCommandTest.Result b = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(0, b.code(), b.err() + b.out());
    assertSameRun(whole, killed, epochs);
  }

  /**
   * An instant within epoch 3 of {@code scheme}'s hang scenario without faults, run into {@code
   * dir} (then removed): a third into the epoch.
   */
  private String atEpoch3(String scheme, Path dir) throws Exception {
    Path plain = tmp.resolve(scheme + "-plain.conf");
    Files.writeString(plain, mpslScenario(scheme, "mpsl-plain", ""));
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", plain.toString(), "--out", dir.toString());
    assertEquals(0, r.code(), r.err());
    List<List<String>> rows = CsvTable.read(dir.resolve("rounds.csv"));
    double end2 = Double.parseDouble(rows.get(1).get(2));
    double end3 = Double.parseDouble(rows.get(2).get(2));
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    return String.format(java.util.Locale.ROOT, "%.6f", end2 + (end3 - end2) / 3);
  }

  /**
   * A 4-device MP-SL scenario of {@code scheme} with {@code extra} (its faults) on the measured
   * profiles of the shared data (the test is skipped without them): 8 batches per device and epoch,
   * 2 hops or helpers.
   */
  static String mpslScenario(String scheme, String name, String extra) {
    return mpslScenario(scheme, name, ROUNDS, extra);
  }

  /** As {@link #mpslScenario(String, String, String)}, of {@code rounds} epochs. */
  static String mpslScenario(String scheme, String name, int rounds, String extra) {
    String data = System.getProperty("splitemu.data", "");
    Assumptions.assumeFalse(data.isBlank(), "splitemu.data is not set: MP-SL needs its profiles");
    return "splitemu {\n"
        + "  scenario = ckpt-"
        + name
        + "\n  scheme = "
        + scheme
        + "\n  rounds = "
        + rounds
        + "\n"
        + "  fidelity = timing\n"
        + "  batch-size = 16\n"
        + "  data.train-samples = 512\n"
        + "  devices.count = 4\n"
        + "  links.static { uplink-bps = [1e7, 2e7, 4e7, 8e7], downlink-bps = [2e7, 1e7, 4e7, 3e7]"
        + " }\n"
        + "  mpsl { profile-dir = \""
        + Path.of(data, "profiles", "mpsl-measured").toAbsolutePath()
        + "\", model = vgg19, dataset = cifar, hops = 2, helpers = 2 }\n"
        + extra
        + "  output.plots = false\n"
        + "}\n";
  }

  /**
   * A device dropped for the run before the checkpoint: the rounds after its drop are planned
   * without it (NaN rates, kept so in the checkpoint's plan inputs for a policy that learns from
   * past rounds), in the resumed run as in the uninterrupted one.
   */
  @ParameterizedTest
  @ValueSource(strings = {"edgesplit", "sfl-compute-robust"})
  void withADeviceDroppedBeforeTheCheckpoint_resumedFromRound2_equalsTheUninterruptedRun(
      String scheme) throws Exception {
    Path stopped =
        resumedEqualsWhole(
            scheme, "dropped", "  faults = [{ kind = device-hang, device = 1, round = 1 }]\n");
    List<List<String>> rounds = CsvTable.read(stopped.resolve("rounds.csv"));
    for (List<String> r : rounds.subList(1, rounds.size())) {
      assertEquals("-", r.get(10).split(";", -1)[1], "device 1's cut after its drop: " + r);
    }
    if (scheme.equals("sfl-compute-robust")) {
      List<Checkpoint.PlanInput> in =
          Checkpoints.read(stopped.resolve("checkpoints/round-000002.ckpt")).planInputs();
      assertEquals(2, in.size());
      assertFalse(Double.isNaN(in.get(0).up()[1]), "round 1 was planned with device 1");
      assertTrue(Double.isNaN(in.get(1).up()[1]), "round 2 was planned without device 1");
      assertTrue(Double.isNaN(in.get(1).down()[1]));
    }
  }

  /**
   * Device faults that end (a crash that rejoins, a slowdown window, a hang that ends) across the
   * checkpoint, with devices asked again every round: a resume still equals the uninterrupted run.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void withDeviceFaultsThatEnd_resumedFromRound2_equalsTheUninterruptedRun(String scheme)
      throws Exception {
    Path stopped =
        resumedEqualsWhole(
            scheme,
            "churn",
            "  survival.absent = drop-for-round\n"
                + "  faults = [{ kind = device-crash, device = 1, round = 2, until-round = 4 }, {"
                + " kind = device-slowdown, device = 2, at = 0.5 s, until-round = 4, factor = 3 },"
                + " { kind = device-slowdown, device = 0, round = 2, until-round = 4, factor = 2 },"
                + " { kind = device-hang, device = 3, round = 3, until-round = 4 }]\n");
    assertTrue(
        events(stopped, false).stream().filter(e -> e.get(2).equals("recovery")).count() >= 2,
        "the ends are recorded");
  }

  /**
   * Link faults across the checkpoint (a degradation and a message loss started with round 2 and
   * ending at round 4, an outage at an instant): the links' round starts and the loss streams'
   * positions come back with the checkpoint, so a resume equals the uninterrupted run.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void withLinkFaults_resumedFromRound2_equalsTheUninterruptedRun(String scheme) throws Exception {
    // At 0.5 device 2 loses uploads in round 2, before the checkpoint: the resumed links come back
    // with those lost bytes, which the device charged already.
    resumedEqualsWhole(
        scheme,
        "links",
        "  faults = [{ kind = link-degradation, device = 1, round = 2, until-round = 4, factor"
            + " = 0.5 }, { kind = message-loss, device = 2, round = 2, until-round = 4,"
            + " probability = 0.5, retransmit-timeout = 300 ms, direction = up }, { kind ="
            + " link-outage, device = 3, at = 0.2 s, until = 0.9 s }]\n");
  }

  /**
   * A server crash restored in the run, then the process lost before the next checkpoint (its file
   * deleted here): the resume goes back to the checkpoint before the crash, drops the crash's rows
   * written after it (they carry that checkpoint's round), and the crash strikes again, so the
   * folder equals the uninterrupted run's, each crash row once.
   */
  @Test
  void aCrashAfterTheCheckpointResumedFrom_strikesAgain_itsRowsOnce() throws Exception {
    int rounds = 4; // no checkpoint after the last round: round 3's is the one lost
    Path scenario = tmp.resolve("crash-resume.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = ckpt-crash\n"
            + "  scheme = psl\n"
            + "  rounds = "
            + rounds
            + "\n  local-steps = 2\n"
            + "  fidelity = timing\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9] }\n"
            + links()
            + "  checkpoint.every = 1\n"
            + "  faults = [{ kind = server-crash, round = 3, restart-delay = 5 s }]\n"
            + "  output.plots = false\n"
            + "}\n");
    Path whole = tmp.resolve("whole");
    ProfileCommandTest.Result w =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", whole.toString());
    assertEquals(0, w.code(), w.err());
    Path lost = tmp.resolve("lost");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", lost.toString());
    assertEquals(0, a.code(), a.err());
    // The process is lost after the crash and before round 3's checkpoint.
    Files.delete(Checkpoints.file(lost, 3));
    asKilledAtItsEnd(lost);
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", scenario.toString(), "--resume", lost.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertSameRun(whole, lost, rounds);
    assertEquals(
        List.of("fault", "recovery"),
        events(lost, false).stream()
            .filter(e -> e.get(3).equals("edge-server"))
            .map(e -> e.get(2))
            .toList());
  }

  /**
   * A split scheme's probes place a degradation started in round 3 by that round's start: a run
   * resumed from round 5 (a device hung from round 5 to 7 is then planned from its probe) equals
   * the uninterrupted run, its replan rows' link estimates included.
   */
  @Test
  void probesKnowTheRoundStartsBeforeTheCheckpoint_resumedFromRound5() throws Exception {
    int rounds = 8;
    Path scenario = tmp.resolve("edgesplit-probes.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = ckpt-probes\n"
            + "  scheme = edgesplit\n"
            + "  rounds = "
            + rounds
            + "\n  local-steps = 2\n"
            + "  fidelity = timing\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9] }\n"
            + links()
            + "  survival.absent = drop-for-round\n"
            + "  checkpoint.every = 5\n"
            + "  faults = [{ kind = link-degradation, device = 1, round = 3, factor = 0.1 },"
            + " { kind = device-hang, device = 1, round = 5, until-round = 7 }]\n"
            + "  output.plots = false\n"
            + "}\n");
    Path stopped = tmp.resolve("stopped");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", stopped.toString());
    assertEquals(0, a.code(), a.err());
    Path whole = Files.createDirectories(tmp.resolve("whole"));
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv", "summary.json")) {
      Files.copy(stopped.resolve(table), whole.resolve(table));
    }
    assertTrue(Files.exists(Checkpoints.file(stopped, 5)));
    // The checkpoint carries each node's peak and last round's memory, for the resumed summary.
    Checkpoint five = Checkpoints.read(Checkpoints.file(stopped, 5));
    assertTrue(five.memory().containsKey(5), five.memory().toString());
    assertMemoryBounded(five);
    // EdgeSplit plans a round from its own rates alone: the checkpoint keeps none of the past's.
    assertEquals(List.of(), five.planInputs());
    asKilledAtItsEnd(stopped);
    ProfileCommandTest.Result b =
        ProfileCommandTest.cli("run", scenario.toString(), "--resume", stopped.toString());
    assertEquals(0, b.code(), b.err() + b.out());
    assertSameRun(whole, stopped, rounds);
    // The summary's memory peaks cover the rounds before the checkpoint too.
    JsonNode want = new ObjectMapper().readTree(whole.resolve("summary.json").toFile());
    JsonNode got = new ObjectMapper().readTree(stopped.resolve("summary.json").toFile());
    assertTrue(want.at("/peakModelMemoryBytes").size() > 0, want.toString());
    assertEquals(want.at("/peakModelMemoryBytes"), got.at("/peakModelMemoryBytes"));
  }

  /**
   * A link keeps the round starts its faults name, not every round's: the links' state in a
   * checkpoint is as large at round 6 as at round 4 (it grew by a round's start a round, on every
   * link with a fault), and a run resumed from round 6 still equals the uninterrupted run.
   */
  @Test
  void linkFaultState_staysTheSameSizeCheckpointToCheckpoint_andResumesExactly() throws Exception {
    int rounds = 7;
    Path scenario = tmp.resolve("edgesplit-link-state.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = ckpt-link-state\n"
            + "  scheme = edgesplit\n"
            + "  rounds = "
            + rounds
            + "\n  local-steps = 2\n"
            + "  fidelity = timing\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9] }\n"
            + links()
            + "  checkpoint.every = 2\n"
            + "  faults = [{ kind = link-degradation, devices = [0, 1, 2, 3], round = 2,"
            + " until-round = 3, factor = 0.5 }, { kind = message-loss, devices = [1, 3],"
            + " direction = up, round = 1, probability = 0.3, retransmit-timeout = 100 ms }]\n"
            + "  output.plots = false\n"
            + "}\n");
    Path stopped = tmp.resolve("stopped");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", stopped.toString());
    assertEquals(0, a.code(), a.err());
    Path whole = Files.createDirectories(tmp.resolve("whole"));
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv")) {
      Files.copy(stopped.resolve(table), whole.resolve(table));
    }
    Checkpoint four = Checkpoints.read(Checkpoints.file(stopped, 4));
    Checkpoint six = Checkpoints.read(Checkpoints.file(stopped, 6));
    for (int d = 0; d < 4; d++) {
      Device.Snapshot at4 = four.devices().get(d);
      Device.Snapshot at6 = six.devices().get(d);
      assertEquals(d, at6.device());
      // {round, free at, next opportunity}, {cut off, down for good, lost bytes, starts kept},
      // rounds 1 (the loss's start, where it has one), 2 and 3, and the loss's draws.
      int loss = d % 2 == 1 ? 1 : 0;
      assertEquals(3 + 4 + 2 * (2 + loss) + loss, at6.uplink().length, "device " + d);
      assertEquals(at4.uplink().length, at6.uplink().length, "device " + d + " uplink");
      assertEquals(at4.downlink().length, at6.downlink().length, "device " + d + " downlink");
    }
    asKilledAtItsEnd(stopped);
    ProfileCommandTest.Result b =
        ProfileCommandTest.cli("run", scenario.toString(), "--resume", stopped.toString());
    assertEquals(0, b.code(), b.err() + b.out());
    assertSameRun(whole, stopped, rounds);
  }

  /**
   * A checkpoint holds the starts of the rounds some fault names at a round's start, and per node
   * the model memory of its peak round and of its last round: at most that, however many rounds
   * came before (it held every round's start and memory, ~60 bytes a round on each checkpoint). A
   * checkpoint of an earlier build, holding every round's, is read too: a run resumed from one
   * equals the uninterrupted run, the summary's memory peaks included, and its later checkpoints
   * hold no more than the bound.
   */
  @Test
  void checkpoints_holdOnlyTheNamedRoundStartsAndTwoMemoryEntriesANode_andOldOnesResume()
      throws Exception {
    int rounds = 11; // no checkpoint after the last round
    Path scenario = tmp.resolve("edgesplit-bounded.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = ckpt-bounded\n"
            + "  scheme = edgesplit\n"
            + "  rounds = "
            + rounds
            + "\n  local-steps = 2\n"
            + "  fidelity = timing\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9] }\n"
            + links()
            + "  survival.absent = drop-for-round\n"
            + "  checkpoint.every = 1\n"
            + "  faults = [{ kind = link-degradation, device = 1, round = 3, until-round = 5,"
            + " factor = 0.1 }, { kind = device-hang, device = 2, round = 6, until-round = 8 }]\n"
            + "  output.plots = false\n"
            + "}\n");
    Path stopped = tmp.resolve("stopped");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", stopped.toString());
    assertEquals(0, a.code(), a.err());
    Path whole = Files.createDirectories(tmp.resolve("whole"));
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv", "summary.json")) {
      Files.copy(stopped.resolve(table), whole.resolve(table));
    }
    List<Integer> named = List.of(3, 5, 6, 8);
    // Only the newest two checkpoints stay: rounds 9 and 10.
    for (int r = rounds - 2; r < rounds; r++) {
      Checkpoint c = Checkpoints.read(Checkpoints.file(stopped, r));
      assertEquals(named, List.copyOf(c.roundStartNs().keySet()), "round " + r + "'s starts");
      assertMemoryBounded(c);
      assertTrue(c.memory().containsKey(r), "round " + r + "'s memory: " + c.memory());
    }
    // The round starts kept are those the run had: round R starts at round R - 1's end.
    Checkpoint c = Checkpoints.read(Checkpoints.file(stopped, rounds - 2));
    List<List<String>> rows = CsvTable.read(stopped.resolve("rounds.csv"));
    for (int n : named) {
      double end = Double.parseDouble(rows.get(n - 2).get(2));
      assertEquals(end, c.roundStartNs().get(n) / 1e9, 1e-6, "round " + n + "'s start");
    }
    // Round 9's checkpoint as an earlier build wrote it: every round's start (those no fault
    // names, which no link reads, from rounds.csv), and memory in every round: each node's last
    // round's bytes in the rounds the checkpoint does not name, which moves no peak.
    java.util.Map<Integer, Long> starts = new java.util.TreeMap<>(c.roundStartNs());
    java.util.Map<Integer, java.util.Map<String, Long>> memory = new java.util.TreeMap<>();
    c.memory().forEach((r, m) -> memory.put(r, new java.util.TreeMap<>(m)));
    java.util.Map<String, Long> lastBytes = c.memory().get(c.round());
    for (int r = 1; r <= c.round(); r++) {
      long start = r == 1 ? 0 : Math.round(Double.parseDouble(rows.get(r - 2).get(2)) * 1e9);
      starts.putIfAbsent(r, start);
      memory.computeIfAbsent(r, k -> new java.util.TreeMap<>(lastBytes));
    }
    assertEquals(c.round(), memory.size());
    Checkpoint old =
        new Checkpoint(
            c.version(),
            c.fingerprint(),
            c.scheme(),
            c.round(),
            c.nowNs(),
            c.deviceParams(),
            c.alive(),
            c.cut(),
            c.cpsl(),
            c.labels(),
            c.reported(),
            c.faultsRecorded(),
            c.faultStartNs(),
            c.faultsEnded(),
            c.planInputs(),
            starts,
            memory,
            c.devices(),
            c.server(),
            c.pipeline(),
            c.scheduledRound(),
            c.crashesStruck());
    Files.write(Checkpoints.file(stopped, c.round()), Checkpoints.encode(old));
    Files.delete(Checkpoints.file(stopped, rounds - 1));
    asKilledAtItsEnd(stopped);
    ProfileCommandTest.Result b =
        ProfileCommandTest.cli("run", scenario.toString(), "--resume", stopped.toString());
    assertEquals(0, b.code(), b.err() + b.out());
    assertSameRun(whole, stopped, rounds);
    JsonNode want = new ObjectMapper().readTree(whole.resolve("summary.json").toFile());
    JsonNode got = new ObjectMapper().readTree(stopped.resolve("summary.json").toFile());
    assertTrue(want.at("/peakModelMemoryBytes").size() > 0, want.toString());
    assertEquals(want.at("/peakModelMemoryBytes"), got.at("/peakModelMemoryBytes"));
    Checkpoint end = Checkpoints.read(Checkpoints.file(stopped, rounds - 1));
    assertEquals(named, List.copyOf(end.roundStartNs().keySet()));
    assertMemoryBounded(end);
  }

  /** Each node has at most two memory entries in {@code c}: its peak round's and its last's. */
  private static void assertMemoryBounded(Checkpoint c) {
    java.util.Map<String, Integer> entries = new java.util.TreeMap<>();
    c.memory().values().forEach(m -> m.keySet().forEach(n -> entries.merge(n, 1, Integer::sum)));
    assertFalse(entries.isEmpty(), "no memory in round " + c.round() + "'s checkpoint");
    entries.forEach(
        (n, k) ->
            assertTrue(
                k <= 2, n + " has " + k + " entries in round " + c.round() + ": " + c.memory()));
  }

  /**
   * Runs a 4-device timing scenario of {@code scheme} with {@code extra} (its faults) whole, then
   * with a checkpoint every 2 rounds and resumed from its newest checkpoint, and checks the resumed
   * run equals the whole one; returns the resumed run's folder.
   */
  private Path resumedEqualsWhole(String scheme, String name, String extra) throws Exception {
    Path scenario = tmp.resolve(scheme + "-" + name + ".conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = ckpt-"
            + name
            + "\n  scheme = "
            + scheme
            + "\n  rounds = "
            + ROUNDS
            + "\n  local-steps = 2\n"
            + "  fidelity = timing\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9] }\n"
            + links()
            + extra
            + "  output.plots = false\n"
            + "}\n");
    return resumedEqualsWhole(scenario);
  }

  /**
   * Runs {@code scenario} whole, then with a checkpoint every 2 rounds and resumed from its newest
   * checkpoint, and checks the resumed run equals the whole one; returns the resumed run's folder.
   */
  private Path resumedEqualsWhole(Path scenario) throws Exception {
    Path whole = tmp.resolve("whole");
    ProfileCommandTest.Result w =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", whole.toString());
    assertEquals(0, w.code(), w.err());
    Path stopped = tmp.resolve("stopped");
    String[] every = {"--set", "checkpoint.every=2"};
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli(
            "run", scenario.toString(), "--out", stopped.toString(), every[0], every[1]);
    assertEquals(0, a.code(), a.err());
    asKilledAtItsEnd(stopped);
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run", scenario.toString(), every[0], every[1], "--resume", stopped.toString());
    assertEquals(0, r.code(), r.err());
    assertSameRun(whole, stopped);
    return stopped;
  }

  /**
   * Trace links when splitemu.data is set (the rates a split policy learns from then change from
   * round to round), static ones otherwise.
   */
  private static String links() {
    String data = System.getProperty("splitemu.data", "");
    if (data.isBlank()) {
      return "  links.static.uplink-bps = [1e6, 2e6, 4e6, 8e6]\n";
    }
    Path traces = Path.of(data, "traces/pensieve-norway-hsdpa-cooked").toAbsolutePath();
    return "  links { kind = trace, trace { format = pensieve, end = loop,"
        + " uplink = [\""
        + traces.resolve("norway_bus_1")
        + "\", \""
        + traces.resolve("norway_car_2")
        + "\"], downlink = [\""
        + traces.resolve("norway_ferry_2")
        + "\"] } }\n";
  }

  @Test
  void checkpoint_holdsTheMomentum_andAResumeWithoutItTrainsDifferently() throws Exception {
    Path scenario = scenario(tmp, "psl");
    Path run = tmp.resolve("run");
    String[] every = {"--set", "checkpoint.every=2"};
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli(
            "run", scenario.toString(), "--out", run.toString(), every[0], every[1]);
    assertEquals(0, a.code(), a.err());
    Path file = run.resolve("checkpoints/round-000002.ckpt");
    Checkpoint c = Checkpoints.read(file);
    for (Device.Snapshot d : c.devices()) {
      assertTrue(d.updater().norm2Number().doubleValue() > 0, "device momentum kept");
    }
    assertTrue(c.server().updater().norm2Number().doubleValue() > 0, "server momentum kept");
    List<String> before = Files.readAllLines(run.resolve("rounds.csv"));
    assertEquals(2, c.round());
    assertEquals(Double.parseDouble(field(before.get(2), 2)), c.nowNs() / 1e9, 1e-9);

    // The same checkpoint with the momentum zeroed: round 3 then trains to another loss.
    List<Device.Snapshot> zeroed = new ArrayList<>();
    for (Device.Snapshot d : c.devices()) {
      zeroed.add(
          new Device.Snapshot(
              d.device(),
              d.cut(),
              d.params(),
              d.updater().mul(0),
              d.iterations(),
              d.cursor(),
              d.cpuFreeAtNs(),
              d.uplink(),
              d.downlink(),
              d.hung(),
              d.stale(),
              d.hangAtNs(),
              d.silentSinceNs(),
              d.crashed(),
              d.crashAtNs(),
              d.hangBeforeCutNs(),
              d.savedParams(),
              d.savedCut(),
              d.savedCursor(),
              d.slowdowns()));
    }
    EdgeServer.Snapshot s = c.server();
    Checkpoint reset =
        new Checkpoint(
            c.version(),
            c.fingerprint(),
            c.scheme(),
            c.round(),
            c.nowNs(),
            c.deviceParams(),
            c.alive(),
            c.cut(),
            c.cpsl(),
            c.labels(),
            c.reported(),
            c.faultsRecorded(),
            c.faultStartNs(),
            c.faultsEnded(),
            c.planInputs(),
            c.roundStartNs(),
            c.memory(),
            zeroed,
            new EdgeServer.Snapshot(
                s.params(),
                s.updater().mul(0),
                s.iterations(),
                s.global(),
                s.cpuFreeAtNs(),
                s.copyFreeAtNs()),
            c.pipeline(),
            c.scheduledRound(),
            c.crashesStruck());
    Files.write(file, Checkpoints.encode(reset));
    asKilledAtItsEnd(run);
    ProfileCommandTest.Result b =
        ProfileCommandTest.cli(
            "run", scenario.toString(), every[0], every[1], "--resume", run.toString());
    assertEquals(0, b.code(), b.err());
    List<String> after = Files.readAllLines(run.resolve("rounds.csv"));
    assertEquals(before.subList(0, 3), after.subList(0, 3), "rounds 1-2 kept as they were");
    // Emulated times do not depend on the weights; the loss of round 3 does.
    assertEquals(field(before.get(3), 2), field(after.get(3), 2));
    assertNotEquals(field(before.get(3), 13), field(after.get(3), 13));
  }

  private static String field(String line, int column) {
    return CsvTable.parseLine(line).get(column);
  }

  /** The two folders hold the same run, but wall times and checkpoint, resume and pacing events. */
  /**
   * Makes the folder of a finished run what a run killed after its last round's row leaves: no
   * summary.json or report.md yet. {@code --resume} refuses a run that finished all its rounds; the
   * tests here resume a finished run's folder from a checkpoint before its end, so that its rows
   * after the checkpoint are those a run killed late leaves, which the resume must drop and write
   * again.
   */
  static void asKilledAtItsEnd(Path dir) throws Exception {
    Files.deleteIfExists(dir.resolve("summary.json"));
    Files.deleteIfExists(dir.resolve("report.md"));
  }

  static void assertSameRun(Path expected, Path actual) throws Exception {
    assertSameRun(expected, actual, ROUNDS);
  }

  /** As {@link #assertSameRun(Path, Path)} for a run of {@code rounds} rounds. */
  static void assertSameRun(Path expected, Path actual, int rounds) throws Exception {
    List<List<String>> want = CsvTable.read(expected.resolve("rounds.csv"));
    List<List<String>> got = CsvTable.read(actual.resolve("rounds.csv"));
    assertEquals(rounds, want.size());
    assertEquals(want.size(), got.size(), "no round lost or duplicated");
    for (int i = 0; i < want.size(); i++) {
      assertEquals(Integer.toString(i + 1), got.get(i).get(0));
      assertEquals(
          want.get(i).subList(0, 14), got.get(i).subList(0, 14), "round " + (i + 1) + " row");
    }
    assertEquals(
        Files.readAllLines(expected.resolve("devices.csv"), StandardCharsets.UTF_8),
        Files.readAllLines(actual.resolve("devices.csv"), StandardCharsets.UTF_8));
    assertEquals(events(expected, false), events(actual, false));
    // In emulated-time order, its checkpoint and resume rows included (docs/faults.md "Order").
    double last = Double.NEGATIVE_INFINITY;
    for (List<String> e : events(actual, true)) {
      double t = Double.parseDouble(e.get(0));
      assertTrue(t >= last, "events.csv goes back in time at " + e);
      last = t;
    }
    assertTrue(events(actual, true).stream().anyMatch(e -> e.get(2).equals("resume")));
    assertTrue(events(actual, true).stream().anyMatch(e -> e.get(2).equals("checkpoint")));
  }

  private static List<List<String>> events(Path dir, boolean all) {
    List<List<String>> out = new ArrayList<>();
    for (List<String> e : CsvTable.read(dir.resolve("events.csv"))) {
      // Pacing rows hold wall-clock lags, which no two runs share.
      String kind = e.get(2);
      if (all || !(kind.equals("checkpoint") || kind.equals("resume") || kind.equals("pacing"))) {
        out.add(e);
      }
    }
    return out;
  }
}
