package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code supervisor-crash} and {@code server-crash} on barrier schemes (psl, cpsl) and split
 * schemes (edgesplit, and sfl-compute-robust, whose policy learns from past rounds), on static
 * links: the run goes back to its last checkpoint, redoes the lost rounds from the crash instant
 * plus the restart delay, and leaves every round's rows exactly once, equal to a crash-free run's
 * but for emulated instants shifted by the lost time and the delay.
 */
class CrashFaultsTest {

  @TempDir Path tmp;

  private static final double NS = 1e9;

  /** A small run of {@code scheme} with {@code faults} and {@code checkpoint.every = every}. */
  static Settings scenario(String scheme, boolean full, int rounds, int every, String faults) {
    return scenario(scheme, full, rounds, every, faults, "");
  }

  /** As above, with the settings {@code extra} (whole lines) added. */
  static Settings scenario(
      String scheme, boolean full, int rounds, int every, String faults, String extra) {
    String data = System.getProperty("splitemu.data", "");
    String model =
        full
            ? "  fidelity = full\n  model { name = mlp, cut = 1 }\n"
                + (data.isBlank()
                    ? "  data { train-samples = 800, test-samples = 200 }\n"
                    : "  data { dataset = mnist, dir = \""
                        + Path.of(data, "mnist").toAbsolutePath().toString().replace("\\", "/")
                        + "\", eval-samples = 300 }\n")
            : "  fidelity = timing\n  model { name = lenet5, cut = 2 }\n";
    String conf =
        "splitemu {\n  scenario = crash-test\n  scheme = "
            + scheme
            + "\n  rounds = "
            + rounds
            + "\n  local-steps = 3\n  batch-size = 16\n"
            + model
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [8e6, 2e7, 4e7],"
            + " downlink-bps = [1e7, 4e7, 4e7] } }\n"
            + "  output.plots = false\n"
            + extra
            + "  checkpoint.every = "
            + every
            + "\n  faults = ["
            + faults
            + "]\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("crash-test.conf"));
  }

  /** A table's cell as integer nanoseconds (the tables print seconds at full precision). */
  static long ns(Map<String, String> row, String col) {
    return Math.round(Double.parseDouble(row.get(col)) * NS);
  }

  static Map<String, String> without(Map<String, String> row, String... cols) {
    Map<String, String> m = new TreeMap<>(row);
    m.remove("wall_time_s");
    m.remove("cpu_time_s");
    for (String c : cols) {
      m.remove(c);
    }
    return m;
  }

  /**
   * Asserts {@code crashed} has each round and device row once, rounds before {@code firstShifted}
   * identical to {@code free}, and later ones equal but for emulated instants {@code shiftNs}
   * later.
   */
  static void assertShifted(
      FaultsOnEverySchemeTest.Tables free,
      FaultsOnEverySchemeTest.Tables crashed,
      int firstShifted,
      long shiftNs) {
    assertEquals(free.rounds().size(), crashed.rounds().size(), crashed.rounds().toString());
    for (int i = 0; i < free.rounds().size(); i++) {
      Map<String, String> a = free.rounds().get(i);
      Map<String, String> b = crashed.rounds().get(i);
      assertEquals(Integer.toString(i + 1), b.get("round"), "each round once, in order");
      assertEquals(
          without(a, "emulated_time_s"), without(b, "emulated_time_s"), "round " + (i + 1));
      long shift = i + 1 < firstShifted ? 0 : shiftNs;
      assertEquals(ns(a, "emulated_time_s") + shift, ns(b, "emulated_time_s"), "round " + (i + 1));
    }
    // devices.csv holds durations and bytes only: the redone rounds' rows are the same, once.
    assertEquals(
        FaultsOnEverySchemeTest.emulated(free.devices()),
        FaultsOnEverySchemeTest.emulated(crashed.devices()));
    // Every other event once, at its instant shifted as its round.
    List<String> a = new ArrayList<>();
    for (Map<String, String> e : free.events()) {
      long shift = Integer.parseInt(e.get("round")) < firstShifted ? 0 : shiftNs;
      a.add(key(e));
      a.add("at " + (ns(e, "emulated_s") + shift));
    }
    List<String> b = new ArrayList<>();
    for (Map<String, String> e : crashed.events()) {
      // The crash's own rows; a device's or a link's fault rows are the crash-free run's.
      boolean crashRow =
          e.get("subject").equals("supervisor") || e.get("subject").equals("edge-server");
      if ((e.get("kind").equals("fault") || e.get("kind").equals("recovery")) && crashRow) {
        continue;
      }
      b.add(key(e));
      b.add("at " + ns(e, "emulated_s"));
    }
    assertEquals(a, b);
  }

  // A checkpoint's size may differ by its varint-coded instant.
  private static String key(Map<String, String> e) {
    String detail = e.get("detail").replaceAll(" \\(\\d+ bytes\\)$", "");
    return e.get("round") + "|" + e.get("kind") + "|" + e.get("subject") + "|" + detail;
  }

  /**
   * A supervisor crash in the middle of round 2 with a checkpoint after every round: round 2 is
   * redone from the crash instant t, so it and round 3 end exactly t - start(2) later; round 1 and
   * every figure but the instants are the crash-free run's.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit", "cpsl", "sfl-compute-robust"})
  void supervisorCrashMidRound_redoesTheRoundFromTheCrashInstant(String scheme) throws Exception {
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario(scheme, false, 3, 1, ""), tmp.resolve("free"));
    long start2 = ns(free.rounds().get(0), "emulated_time_s");
    long end2 = ns(free.rounds().get(1), "emulated_time_s");
    long t = start2 + (end2 - start2) / 3;
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(scheme, false, 3, 1, "{ kind = supervisor-crash, at = " + t + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 2, t - start2);
    Map<String, String> fault = FaultsOnEverySchemeTest.only(crashed.events(), "fault");
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(crashed.events(), "recovery");
    assertEquals("supervisor", fault.get("subject"));
    assertTrue(fault.get("detail").startsWith("supervisor-crash"), fault.toString());
    assertEquals(t, ns(fault, "emulated_s"));
    assertEquals(t, ns(recovery, "emulated_s"));
    assertTrue(
        recovery
            .get("detail")
            .startsWith("supervisor-crash: restored from checkpoint round 1; rounds 2..2 redone"),
        recovery.toString());
  }

  /**
   * A slowed device's processor forgets the crashed round's work on a restore: round 2 redone from
   * a supervisor crash within it is the crash-free round 2 shifted, slowdown and all (the slowed
   * processor kept its own busy-until from the discarded timeline before).
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void supervisorCrashMidRound_withASlowedDevice_redoesTheRoundShifted(String scheme)
      throws Exception {
    String slow = "{ kind = device-slowdown, device = 0, round = 2, until-round = 3, factor = 3 }";
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario(scheme, false, 3, 1, slow), tmp.resolve("free"));
    long start2 = ns(free.rounds().get(0), "emulated_time_s");
    long end2 = ns(free.rounds().get(1), "emulated_time_s");
    long t = start2 + (end2 - start2) / 3;
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(
                scheme, false, 3, 1, slow + ", { kind = supervisor-crash, at = " + t + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 2, t - start2);
  }

  /**
   * A server crash with a restart delay D at the start of round 4, two rounds after the round-2
   * checkpoint: round 3's rows are dropped and written again, none duplicated, and rounds 3 and 4
   * end the lost round's time plus D later.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit", "cpsl", "sfl-compute-robust"})
  void serverCrashAtRoundStart_rewritesTheLostRoundsAfterTheDelay(String scheme) throws Exception {
    long delay = 7_250_000_000L;
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario(scheme, false, 5, 2, ""), tmp.resolve("free"));
    long end2 = ns(free.rounds().get(1), "emulated_time_s");
    long end3 = ns(free.rounds().get(2), "emulated_time_s");
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(
                scheme,
                false,
                5,
                2,
                "{ kind = server-crash, round = 4, restart-delay = " + delay + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 3, end3 - end2 + delay);
    Map<String, String> fault = FaultsOnEverySchemeTest.only(crashed.events(), "fault");
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(crashed.events(), "recovery");
    assertEquals("edge-server", fault.get("subject"));
    assertTrue(fault.get("detail").startsWith("server-crash"), fault.toString());
    assertEquals(end3, ns(fault, "emulated_s"));
    assertEquals(end3 + delay, ns(recovery, "emulated_s"));
    assertTrue(
        recovery
            .get("detail")
            .startsWith("server-crash: restored from checkpoint round 2 after restart-delay"),
        recovery.toString());
    assertTrue(recovery.get("detail").contains("rounds 3..3 redone"), recovery.toString());
  }

  /**
   * A server crash at round 6's start while a device hung from round 5 to 7 is planned from its
   * probe: the probes a restarted process builds know the round starts (a degradation from round 3
   * included), so the redone rounds' replan rows, link estimates and all, are the crash-free run's.
   */
  @Test
  void serverCrash_probesBuiltAnewKeepTheDegradation() throws Exception {
    long delay = 2_000_000_000L;
    String faults =
        "{ kind = link-degradation, device = 1, round = 3, factor = 0.1 },"
            + " { kind = device-hang, device = 1, round = 5, until-round = 7 }";
    String extra = "  survival.absent = drop-for-round\n";
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(
            scenario("edgesplit", false, 8, 1, faults, extra), tmp.resolve("free"));
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(
                "edgesplit",
                false,
                8,
                1,
                faults + ", { kind = server-crash, round = 6, restart-delay = " + delay + " ns }",
                extra),
            tmp.resolve("crashed"));
    // The scenario plans device 1 from its degraded rate (0.1 x 2e7 bit/s) before the crash.
    assertTrue(
        free.events().stream()
            .anyMatch(
                e ->
                    e.get("kind").equals("replan")
                        && e.get("subject").equals("device-1")
                        && e.get("detail").contains("link estimate up 2.00000e+06")),
        free.events().toString());
    assertShifted(free, crashed, 6, delay);
  }

  /**
   * Full fidelity: after a supervisor crash in round 3 the redone rounds train on the same batches
   * from the same weights and optimizer state, so every round's train_loss and test_accuracy equal
   * the crash-free run's bit for bit; only the instants move.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void fullFidelity_crashChangesNoLossOrAccuracy(String scheme) throws Exception {
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario(scheme, true, 4, 1, ""), tmp.resolve("free"));
    long start3 = ns(free.rounds().get(1), "emulated_time_s");
    long end3 = ns(free.rounds().get(2), "emulated_time_s");
    long t = start3 + (end3 - start3) / 2;
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(scheme, true, 4, 1, "{ kind = supervisor-crash, at = " + t + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 3, t - start3);
    for (Map<String, String> r : crashed.rounds()) {
      assertTrue(!r.get("train_loss").isEmpty(), "a full-fidelity run trains: " + r);
    }
  }

  /**
   * A server crash at an instant inside round 2, before the first checkpoint (round 3): the run
   * restarts from its initial state (round 0) after the delay, redoes rounds 1 and 2, and every
   * round ends t + D later than in the crash-free run, its rows written once. Before, only a crash
   * at an instant could be set there, and it ended the run with one line.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "sl", "sfl-v1", "edgesplit", "cpsl", "sfl-compute-robust"})
  void serverCrashBeforeTheFirstCheckpoint_restartsFromRoundZero(String scheme) throws Exception {
    long delay = 7_250_000_000L;
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario(scheme, false, 4, 3, ""), tmp.resolve("free"));
    long start2 = ns(free.rounds().get(0), "emulated_time_s");
    long end2 = ns(free.rounds().get(1), "emulated_time_s");
    long t = start2 + (end2 - start2) / 3;
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(
                scheme,
                false,
                4,
                3,
                "{ kind = server-crash, at = " + t + " ns, restart-delay = " + delay + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 1, t + delay);
    Map<String, String> fault = FaultsOnEverySchemeTest.only(crashed.events(), "fault");
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(crashed.events(), "recovery");
    assertEquals("0", fault.get("round"));
    assertEquals("0", recovery.get("round"));
    assertEquals(t, ns(fault, "emulated_s"));
    assertEquals(t + delay, ns(recovery, "emulated_s"));
    assertTrue(
        fault.get("detail").endsWith("the work since the start (round 0) is lost"),
        fault.toString());
    assertTrue(
        recovery
            .get("detail")
            .startsWith(
                "server-crash: restored from the start (round 0) after restart-delay 7.25 s;"
                    + " rounds 1..2 redone from emulated "),
        recovery.toString());
    // No file and no row for round 0's state: the checkpoints are the crash-free run's.
    assertEquals(
        List.of("3"),
        crashed.events().stream()
            .filter(e -> e.get("kind").equals("checkpoint"))
            .map(e -> e.get("round"))
            .toList());
  }

  /**
   * Full fidelity: a server crash inside round 2 with {@code checkpoint.every = 3} restores the
   * initial weights, optimizer state, batch cursors and streams, so every round's train_loss and
   * test_accuracy equal the crash-free run's bit for bit; only the instants move.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void fullFidelity_crashBeforeTheFirstCheckpoint_changesNoLossOrAccuracy(String scheme)
      throws Exception {
    long delay = 1_000_000_000L;
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario(scheme, true, 4, 3, ""), tmp.resolve("free"));
    long start2 = ns(free.rounds().get(0), "emulated_time_s");
    long end2 = ns(free.rounds().get(1), "emulated_time_s");
    long t = start2 + (end2 - start2) / 2;
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(
                scheme,
                true,
                4,
                3,
                "{ kind = server-crash, at = " + t + " ns, restart-delay = " + delay + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 1, t + delay);
    for (Map<String, String> r : crashed.rounds()) {
      assertTrue(!r.get("train_loss").isEmpty(), "a full-fidelity run trains: " + r);
    }
  }

  /**
   * A crash at round 1's start loses nothing but the delay: accepted (it was refused: no checkpoint
   * precedes it), it restores round 0 and every round ends D later.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void crashAtRoundOne_isAccepted_andDelaysEveryRound(String scheme) throws Exception {
    long delay = 3_000_000_000L;
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario(scheme, false, 3, 2, ""), tmp.resolve("free"));
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(
                scheme,
                false,
                3,
                2,
                "{ kind = server-crash, round = 1, restart-delay = " + delay + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 1, delay);
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(crashed.events(), "recovery");
    assertTrue(
        recovery
            .get("detail")
            .startsWith(
                "server-crash: restored from the start (round 0) after restart-delay 3.0 s;"
                    + " no round redone"),
        recovery.toString());
  }

  /**
   * Without checkpoints ({@code checkpoint.every = 0}) a crash restarts from round 0: a server
   * crash at round 3's start redoes rounds 1 and 2.
   */
  @Test
  void crashWithoutCheckpoints_restartsFromRoundZero() throws Exception {
    long delay = 2_000_000_000L;
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario("psl", false, 4, 0, ""), tmp.resolve("free"));
    long end2 = ns(free.rounds().get(1), "emulated_time_s");
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario(
                "psl",
                false,
                4,
                0,
                "{ kind = server-crash, round = 3, restart-delay = " + delay + " ns }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 1, end2 + delay);
    assertTrue(
        FaultsOnEverySchemeTest.only(crashed.events(), "recovery")
            .get("detail")
            .contains("restored from the start (round 0) after restart-delay 2.0 s; rounds 1..2"),
        crashed.events().toString());
  }

  /**
   * A crash at a round's start before the first checkpoint (it was refused) goes back to round 0; a
   * device hang from that round on is then met once, in the redone timeline.
   */
  @Test
  void crashAtARoundBeforeTheFirstCheckpoint_restartsFromRoundZero() throws Exception {
    String hang = "{ kind = device-hang, device = 1, round = 2 }";
    FaultsOnEverySchemeTest.Tables free =
        FaultsOnEverySchemeTest.run(scenario("edgesplit", false, 4, 2, hang), tmp.resolve("free"));
    long end1 = ns(free.rounds().get(0), "emulated_time_s");
    FaultsOnEverySchemeTest.Tables crashed =
        FaultsOnEverySchemeTest.run(
            scenario("edgesplit", false, 4, 2, hang + ", { kind = supervisor-crash, round = 2 }"),
            tmp.resolve("crashed"));
    assertShifted(free, crashed, 1, end1);
  }
}
