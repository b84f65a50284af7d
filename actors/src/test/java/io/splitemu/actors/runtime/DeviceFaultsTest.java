package io.splitemu.actors.runtime;

import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.emulated;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.num;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.run;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.scenario;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Availability;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.FaultsOnEverySchemeTest.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The device faults with their ends (device-hang, device-crash with rejoin, device-slowdown), the
 * survival policies and the availability trace, on the barrier family (psl, sfl-v1, cpsl) and the
 * split family (edgesplit, dag-mincut), in real timing-fidelity runs: each changes participants,
 * failed and emulated times as documented in docs/faults.md, and the same scenario twice gives the
 * same rows.
 */
class DeviceFaultsTest {

  @TempDir Path tmp;

  private static final String DROP_FOR_ROUND = "survival.absent = drop-for-round";

  private static List<String> column(List<Map<String, String>> rows, String col) {
    return rows.stream().map(r -> r.get(col)).toList();
  }

  private static List<Map<String, String>> of(Tables t, String kind) {
    return t.events().stream().filter(e -> e.get("kind").equals(kind)).toList();
  }

  private static boolean completed(Tables t, int round, int device) {
    return t.devices().stream()
        .anyMatch(
            d ->
                d.get("round").equals(Integer.toString(round))
                    && d.get("device").equals(Integer.toString(device))
                    && d.get("completed").equals("true"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1", "cpsl", "edgesplit", "dag-mincut"})
  void hangWithEnd_underDropForRound_answersAgainFromItsEndsRound(String scheme) throws Exception {
    Tables clean = run(scenario(scheme, "", DROP_FOR_ROUND), tmp.resolve("clean"));
    Settings s =
        scenario(
            scheme,
            "{ kind = device-hang, device = 1, round = 2, until-round = 3 }",
            DROP_FOR_ROUND);
    Tables t = run(s, tmp.resolve("a"));
    assertEquals(List.of("0", "1", "0"), column(t.rounds(), "failed"));
    assertEquals(List.of("3", "2", "3"), column(t.rounds(), "participants"));
    assertTrue(completed(t, 3, 1), "device 1 takes part in round 3 again");
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(t.events(), "recovery");
    assertEquals("device-1", recovery.get("subject"));
    assertEquals("3", recovery.get("round"));
    assertTrue(recovery.get("detail").startsWith("device-hang: "), recovery.toString());
    // At round 3's start, which is round 2's end.
    assertEquals(num(t.rounds().get(1), "emulated_time_s"), num(recovery, "emulated_s"), 1e-9);
    // Round 1 is untouched; round 2 waits for the deadline, so it is no shorter.
    assertEquals(
        clean.rounds().get(0).get("round_latency_s"), t.rounds().get(0).get("round_latency_s"));
    assertTrue(
        num(t.rounds().get(1), "round_latency_s") >= num(clean.rounds().get(1), "round_latency_s"));
    // Determinism: the same scenario again gives the same rows.
    Tables b = run(s, tmp.resolve("b"));
    assertEquals(emulated(t.rounds()), emulated(b.rounds()));
    assertEquals(t.devices(), b.devices());
    assertEquals(t.events(), b.events());
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void hangWithEnd_underDropForRun_staysOut_andTheRecoverySaysSo(String scheme) throws Exception {
    Tables t =
        run(
            scenario(scheme, "{ kind = device-hang, device = 1, round = 2, until-round = 3 }"),
            tmp.resolve("a"));
    assertEquals(List.of("0", "1", "0"), column(t.rounds(), "failed"));
    assertEquals(List.of("3", "2", "2"), column(t.rounds(), "participants"));
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(t.events(), "recovery");
    assertTrue(recovery.get("detail").contains("stays out of the run"), recovery.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void crashWithRejoin_atAnInstant_rejoinsAtTheFirstRoundStartAfterIt(String scheme)
      throws Exception {
    Tables clean = run(scenario(scheme, "", DROP_FOR_ROUND), tmp.resolve("clean"));
    double r1 = num(clean.rounds().get(0), "emulated_time_s");
    double r2 = num(clean.rounds().get(1), "emulated_time_s");
    // Crashes within round 2 and is back before round 2 would have ended fault-free: it rejoins
    // at round 3's start, the first round start at or after its end.
    double at = r1 + (r2 - r1) / 4;
    double until = r1 + (r2 - r1) / 2;
    Settings s =
        scenario(
            scheme,
            "{ kind = device-crash, device = 2, at = " + at + " s, until = " + until + " s }",
            DROP_FOR_ROUND);
    Tables t = run(s, tmp.resolve("a"));
    assertEquals(List.of("0", "1", "0"), column(t.rounds(), "failed"));
    assertEquals(List.of("3", "2", "3"), column(t.rounds(), "participants"));
    Map<String, String> fault = FaultsOnEverySchemeTest.only(t.events(), "fault");
    assertEquals("device-2", fault.get("subject"));
    assertTrue(fault.get("detail").startsWith("device-crash: "), fault.toString());
    assertEquals(at, num(fault, "emulated_s"), 1e-6);
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(t.events(), "recovery");
    assertEquals("3", recovery.get("round"));
    assertTrue(
        recovery.get("detail").contains("rejoins with its last saved model"), recovery.toString());
    assertEquals(num(t.rounds().get(1), "emulated_time_s"), num(recovery, "emulated_s"), 1e-9);
    assertTrue(completed(t, 3, 2));
    Tables b = run(s, tmp.resolve("b"));
    assertEquals(t.events(), b.events());
    assertEquals(emulated(t.rounds()), emulated(b.rounds()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpsl", "sfl-v1", "dag-mincut"})
  void crashAtARound_withRejoin_takesPartAgainFromItsEnd(String scheme) throws Exception {
    Settings s =
        scenario(
            scheme,
            "{ kind = device-crash, device = 0, round = 2, until-round = 3 }",
            DROP_FOR_ROUND);
    Tables t = run(s, tmp.resolve("a"));
    assertEquals(List.of("0", "1", "0"), column(t.rounds(), "failed"));
    assertEquals(List.of("3", "2", "3"), column(t.rounds(), "participants"));
    assertTrue(completed(t, 3, 0));
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(t.events(), "recovery");
    assertEquals("device-0", recovery.get("subject"));
    assertEquals("3", recovery.get("round"));
    Tables b = run(s, tmp.resolve("b"));
    assertEquals(t.events(), b.events());
    assertEquals(t.devices(), b.devices());
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void crashWithoutEnd_isAHangThatNeverEnds_inTime(String scheme) throws Exception {
    Tables hang =
        run(scenario(scheme, "{ kind = device-hang, device = 1, round = 2 }"), tmp.resolve("h"));
    Tables crash =
        run(scenario(scheme, "{ kind = device-crash, device = 1, round = 2 }"), tmp.resolve("c"));
    assertEquals(emulated(hang.rounds()), emulated(crash.rounds()));
    assertEquals(hang.devices(), crash.devices());
    assertTrue(of(crash, "recovery").isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1", "edgesplit", "dag-mincut"})
  void slowdownOverRoundTwo_changesOnlyTheSlowedDevicesComputeInThatRound(String scheme)
      throws Exception {
    Tables clean = run(scenario(scheme, ""), tmp.resolve("clean"));
    Settings s =
        scenario(
            scheme,
            "{ kind = device-slowdown, device = 0, round = 2, until-round = 3, factor = 3 }");
    Tables t = run(s, tmp.resolve("a"));
    assertEquals(clean.rounds().get(0), withoutWall(t.rounds().get(0), clean.rounds().get(0)));
    assertEquals(List.of("0", "0", "0"), column(t.rounds(), "failed"));
    assertEquals(List.of("3", "3", "3"), column(t.rounds(), "participants"));
    double cleanCompute = deviceCompute(clean, 2, 0);
    assertEquals(3 * cleanCompute, deviceCompute(t, 2, 0), 1e-6 * cleanCompute + 1e-8);
    assertEquals(deviceCompute(clean, 2, 1), deviceCompute(t, 2, 1), 0.0);
    assertEquals(deviceCompute(clean, 3, 0), deviceCompute(t, 3, 0), 1e-9);
    // Round 2 lasts no less (longer where device 0 is on the critical path); bytes stay.
    assertTrue(
        num(t.rounds().get(1), "round_latency_s") >= num(clean.rounds().get(1), "round_latency_s"));
    assertEquals(column(clean.devices(), "bytes_up"), column(t.devices(), "bytes_up"));
    assertEquals(1, of(t, "fault").size());
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(t.events(), "recovery");
    assertTrue(recovery.get("detail").startsWith("device-slowdown: "), recovery.toString());
    assertEquals("3", recovery.get("round"));
  }

  private static Map<String, String> withoutWall(
      Map<String, String> row, Map<String, String> wall) {
    Map<String, String> m = new java.util.LinkedHashMap<>(row);
    m.put("wall_time_s", wall.get("wall_time_s"));
    m.put("cpu_time_s", wall.get("cpu_time_s"));
    return m;
  }

  private static double deviceCompute(Tables t, int round, int device) {
    return t.devices().stream()
        .filter(
            d ->
                d.get("round").equals(Integer.toString(round))
                    && d.get("device").equals(Integer.toString(device)))
        .mapToDouble(d -> num(d, "compute_s"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void slowedCpu_integratesPiecewiseOverTheWindow() {
    SlowedCpu cpu = new SlowedCpu(new RoundedCpu());
    cpu.window(0, 100, 200, 2.0);
    // 50 ns of work at full rate before the window, the other 50 flops at half rate: 100 ns.
    assertEquals(200, cpu.end(50, 100, 1e9));
    // Wholly inside a later window ending at 1000: twice as long.
    cpu.window(1, 300, 1000, 2.0);
    assertEquals(300 + 200, cpu.end(300, 100, 1e9));
    // Starting inside the window, leaving it: 500 of its 500 ns do 250 flops, the rest 50 ns.
    assertEquals(1050, cpu.end(500, 300, 1e9));
    // FCFS: ready earlier, it starts when the processor is free.
    assertEquals(1150, cpu.end(0, 100, 1e9));
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void equalWeighting_changesNothingInTime(String scheme) throws Exception {
    Tables a = run(scenario(scheme, ""), tmp.resolve("a"));
    Tables b = run(scenario(scheme, "", "survival.weighting = equal"), tmp.resolve("b"));
    assertEquals(emulated(a.rounds()), emulated(b.rounds()));
  }

  /** A small full-fidelity psl run on synthetic data with unequal shards. */
  private static Settings full(String faults, String extra) {
    return full("psl", faults, extra);
  }

  /** The same on {@code scheme}. */
  static Settings full(String scheme, String faults, String extra) {
    String conf =
        "splitemu {\n  scenario = full-fault\n  scheme = "
            + scheme
            + "\n  fidelity = full\n  rounds = 3\n"
            + "  local-steps = 3\n  batch-size = 16\n  eval-every = 100\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  data { dataset = synthetic, train-samples = 480, test-samples = 64,"
            + " eval-samples = 64, partition = quantity, quantity-sigma = 0.8 }\n"
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9] }\n  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = 8e6, downlink-bps = 1e7 } }\n"
            + "  barrier.timeout = 300 s\n  output.plots = false\n  faults = ["
            + faults
            + "]\n  "
            + extra
            + "\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("full-fault.conf"));
  }

  @Test
  void crash_losesTheDevicesState_whereAHangKeepsIt_inFullFidelity() throws Exception {
    Tables hang =
        run(
            full("{ kind = device-hang, device = 0, round = 2, until-round = 3 }", DROP_FOR_ROUND),
            tmp.resolve("hang"));
    Tables crash =
        run(
            full("{ kind = device-crash, device = 0, round = 2, until-round = 3 }", DROP_FOR_ROUND),
            tmp.resolve("crash"));
    // The same emulated times and participants: the crash is silent as the hang is.
    assertEquals(
        column(hang.rounds(), "round_latency_s"), column(crash.rounds(), "round_latency_s"));
    assertEquals(List.of("3", "2", "3"), column(crash.rounds(), "participants"));
    assertEquals(hang.rounds().get(1).get("train_loss"), crash.rounds().get(1).get("train_loss"));
    // Back in round 3 with its optimizer state restarted and its batch cursor where it was saved
    // (the batches it drew in round 1 again): round 3 trains differently.
    assertNotEquals(
        hang.rounds().get(2).get("train_loss"), crash.rounds().get(2).get("train_loss"));
  }

  /**
   * A crash that strikes while the device is hung already loses its state as well: back in round 3
   * it trains from its saved model with its optimizer restarted, as after the crash alone (before,
   * such a crash changed nothing: the rows were the hang's).
   */
  @Test
  void crashWhileHungAlready_losesTheDevicesState_asTheCrashAlone_inFullFidelity()
      throws Exception {
    Tables clean = run(full("", DROP_FOR_ROUND), tmp.resolve("clean"));
    double r1 = num(clean.rounds().get(0), "emulated_time_s");
    double r2 = num(clean.rounds().get(1), "emulated_time_s");
    String hang = "{ kind = device-hang, device = 0, round = 2, until-round = 3 }";
    // Hung from round 2's start; crashes inside round 2 and is back before round 3's start.
    String crashIn =
        "{ kind = device-crash, device = 0, at = "
            + (r1 + (r2 - r1) / 4)
            + " s, until = "
            + (r1 + (r2 - r1) / 2)
            + " s }";
    Tables both = run(full(hang + ", " + crashIn, DROP_FOR_ROUND), tmp.resolve("both"));
    Tables hangAlone = run(full(hang, DROP_FOR_ROUND), tmp.resolve("hang"));
    Tables crashAlone =
        run(
            full("{ kind = device-crash, device = 0, round = 2, until-round = 3 }", DROP_FOR_ROUND),
            tmp.resolve("crash"));
    assertEquals(List.of("3", "2", "3"), column(both.rounds(), "participants"));
    // Saved at round 2's start in both runs, restored at round 3's: the same training.
    assertEquals(column(crashAlone.rounds(), "train_loss"), column(both.rounds(), "train_loss"));
    assertNotEquals(
        hangAlone.rounds().get(2).get("train_loss"), both.rounds().get(2).get("train_loss"));
  }

  /**
   * With unequal shards and a fixed local-steps, every family weighs by shard size: a split round
   * once weighed by the samples its steps drew, the same for every device, so {@code equal} changed
   * nothing on edgesplit, sfl-compute and dag.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void equalWeighting_movesTheAggregate_notTheTimes_inFullFidelity(String scheme) throws Exception {
    Tables samples = run(full(scheme, "", ""), tmp.resolve("samples"));
    Tables equal = run(full(scheme, "", "survival.weighting = equal"), tmp.resolve("equal"));
    assertEquals(
        column(samples.rounds(), "round_latency_s"), column(equal.rounds(), "round_latency_s"));
    // Round 1 trains from the same model; its FedAvg differs, so round 2 does too.
    assertEquals(
        samples.rounds().get(0).get("train_loss"), equal.rounds().get(0).get("train_loss"));
    assertNotEquals(
        samples.rounds().get(1).get("train_loss"), equal.rounds().get(1).get("train_loss"));
  }

  @Test
  void availabilityFile_becomesCrashesWithRejoin() throws Exception {
    Path folder = Files.createDirectories(tmp.resolve("scn"));
    Files.writeString(
        folder.resolve("avail.csv"),
        "# device 1 is offline in round 2\n"
            + "device,offline_from_s,offline_until_s\n"
            + "1,0.000000001,\n");
    String conf =
        "splitemu {\n  scenario = avail\n  scheme = psl\n  fidelity = timing\n  rounds = 3\n"
            + "  local-steps = 2\n  batch-size = 16\n  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9] }\n  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = 8e6, downlink-bps = 1e7 } }\n"
            + "  output.plots = false\n  availability = \"avail.csv\"\n  "
            + DROP_FOR_ROUND
            + "\n}\n";
    Settings s =
        Settings.from(ConfigFactory.parseString(conf), List.of(), folder.resolve("avail.conf"));
    assertEquals(1, s.faults().size());
    Settings.Fault f = s.faults().get(0);
    assertEquals("device-crash", f.kind());
    assertEquals(List.of(1), f.devices());
    assertEquals(1, f.start().atNs());
    assertEquals(null, f.end());
    Tables t = run(s, tmp.resolve("run"));
    assertEquals(List.of("1", "1", "1"), column(t.rounds(), "failed"));

    Files.writeString(
        folder.resolve("avail.csv"), "device,offline_from_s,offline_until_s\n1,0.000000001,0.5\n");
    Settings back =
        Settings.from(ConfigFactory.parseString(conf), List.of(), folder.resolve("avail.conf"));
    Tables r = run(back, tmp.resolve("back"));
    assertEquals("1", r.rounds().get(0).get("failed"));
    assertEquals(1, of(r, "recovery").size());

    Files.writeString(
        folder.resolve("avail.csv"), "device,offline_from_s,offline_until_s\n1,5,\n7,1,2\n");
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                Settings.from(
                    ConfigFactory.parseString(conf), List.of(), folder.resolve("avail.conf")));
    assertTrue(e.getMessage().contains("avail.csv:3: column device"), e.getMessage());
    Files.writeString(
        folder.resolve("avail.csv"), "device,offline_from_s,offline_until_s\n1,5,4\n");
    e =
        assertThrows(
            SettingsException.class,
            () ->
                Settings.from(
                    ConfigFactory.parseString(conf), List.of(), folder.resolve("avail.conf")));
    assertTrue(e.getMessage().contains("avail.csv:2: column offline_until_s"), e.getMessage());
  }

  /**
   * A window at = T, until-round = R whose round R starts before T is empty for every kind, on the
   * barrier and the split family (docs/faults.md "Recording"): the rows of the fault-free run, and
   * one event row at T that says so, no recovery row.
   */
  @ParameterizedTest
  @CsvSource({
    "psl, device-hang",
    "psl, device-crash",
    "psl, device-slowdown",
    "psl, link-outage",
    "edgesplit, device-hang",
    "edgesplit, device-slowdown",
    "edgesplit, link-outage"
  })
  void aWindowEndingAtARoundThatStartsBeforeItStarts_isEmpty_withOneRowAtItsStart(
      String scheme, String kind) throws Exception {
    Tables clean = run(scenario(scheme, "", DROP_FOR_ROUND), tmp.resolve("clean"));
    double r1 = num(clean.rounds().get(0), "emulated_time_s");
    double r2 = num(clean.rounds().get(1), "emulated_time_s");
    double at = r1 + (r2 - r1) / 2; // inside round 2, after its start
    String fault =
        "{ kind = "
            + kind
            + ", device = 1, at = "
            + at
            + " s, until-round = 2"
            + (kind.equals("device-slowdown") ? ", factor = 3" : "")
            + " }";
    Map<String, String> row = emptyWindowRow(clean, scheme, fault);
    assertEquals(at, num(row, "emulated_s"), 1e-9);
    String detail =
        kind
            + ": faults[0] ends (round 2's start, "
            + FaultPlan.fmt(r1)
            + " s) before it starts, so it has no effect (scenario fault, at ";
    assertTrue(row.get("detail").startsWith(detail), row.toString());
  }

  /**
   * Runs {@code scheme} with {@code fault}, a window that ends before it starts in round 2, and
   * returns its one {@code fault} row, in round 2; every other row is the fault-free run's ({@code
   * clean}): the same rounds and devices, no recovery row, no deadline.
   */
  private Map<String, String> emptyWindowRow(Tables clean, String scheme, String fault)
      throws Exception {
    Tables t = run(scenario(scheme, fault, DROP_FOR_ROUND), tmp.resolve("a"));
    assertEquals(emulated(clean.rounds()), emulated(t.rounds()));
    assertEquals(clean.devices(), t.devices());
    Map<String, String> row = FaultsOnEverySchemeTest.only(t.events(), "fault");
    assertEquals("2", row.get("round"));
    assertEquals(
        clean.events(), t.events().stream().filter(e -> !e.get("kind").equals("fault")).toList());
    return row;
  }

  /**
   * The mirror window, round = R, until = T with T before round R's start, is empty for every kind
   * on the barrier and the split family too (docs/faults.md "Recording"): the rows of the
   * fault-free run, and one event row at round R's start that says so, no recovery row. Before, a
   * hang or crash had a fault row and a recovery row at round R's start, and a link fault's
   * recovery row came at T, before its fault row.
   */
  @ParameterizedTest
  @CsvSource({
    "psl, device-hang",
    "psl, device-crash",
    "psl, device-slowdown",
    "psl, link-outage",
    "edgesplit, device-hang",
    "edgesplit, device-slowdown",
    "edgesplit, link-outage"
  })
  void aWindowFromARoundThatEndsBeforeItStarts_isEmpty_withOneRowAtItsStart(
      String scheme, String kind) throws Exception {
    Tables clean = run(scenario(scheme, "", DROP_FOR_ROUND), tmp.resolve("clean"));
    double r1 = num(clean.rounds().get(0), "emulated_time_s");
    double until = r1 / 2; // inside round 1, before round 2's start
    String fault =
        "{ kind = "
            + kind
            + ", device = 1, round = 2, until = "
            + until
            + " s"
            + (kind.equals("device-slowdown") ? ", factor = 3" : "")
            + " }";
    Map<String, String> row = emptyWindowRow(clean, scheme, fault);
    assertEquals(r1, num(row, "emulated_s"), 1e-9);
    assertTrue(row.get("detail").startsWith(kind + ": faults[0] ends ("), row.toString());
    String detail =
        " s) before it starts (round 2's start, "
            + FaultPlan.fmt(r1)
            + " s), so it has no effect (scenario fault, round 2 until ";
    assertTrue(row.get("detail").contains(detail), row.toString());
  }

  /**
   * A crash round = 2, until = T with T before round 2's start is empty: the device keeps its model
   * and its optimizer state, so every loss is the fault-free run's (before, it restored its saved
   * model and restarted its optimizer at round 2's start).
   */
  @Test
  void aCrashFromARoundThatEndsBeforeItStarts_losesNoState_inFullFidelity() throws Exception {
    Tables clean = run(full("", DROP_FOR_ROUND), tmp.resolve("clean"));
    double r1 = num(clean.rounds().get(0), "emulated_time_s");
    Tables t =
        run(
            full(
                "{ kind = device-crash, device = 0, round = 2, until = " + r1 / 2 + " s }",
                DROP_FOR_ROUND),
            tmp.resolve("crash"));
    assertEquals(column(clean.rounds(), "train_loss"), column(t.rounds(), "train_loss"));
    assertEquals(emulated(clean.rounds()), emulated(t.rounds()));
  }

  /**
   * An empty window starting exactly at its round's start does not count as holding its device: the
   * hang that ends there still has its recovery row.
   */
  @Test
  void anEmptyWindowAtItsRoundsStartInstant_holdsNoDevice() throws Exception {
    String hang = "{ kind = device-hang, device = 1, round = 1, until-round = 2 }";
    Tables alone = run(scenario("psl", hang, DROP_FOR_ROUND), tmp.resolve("alone"));
    String r2 = alone.rounds().get(0).get("emulated_time_s"); // whole nanoseconds
    Tables t =
        run(
            scenario(
                "psl",
                hang + ", { kind = device-crash, device = 1, at = " + r2 + " s, until-round = 2 }",
                DROP_FOR_ROUND),
            tmp.resolve("a"));
    assertEquals(emulated(alone.rounds()), emulated(t.rounds()));
    Map<String, String> back = FaultsOnEverySchemeTest.only(t.events(), "recovery");
    assertTrue(back.get("detail").startsWith("device-hang: device answers again"), back.toString());
    assertEquals(
        1,
        of(t, "fault").stream().filter(e -> e.get("detail").contains("no effect")).count(),
        t.events().toString());
  }

  /**
   * The recovery row of a silence that ends while another still holds the device waits for the
   * round start at which the device answers again.
   */
  @Test
  void aSilenceEndingWhileAnotherHolds_hasItsRecoveryRowWhenTheDeviceAnswersAgain()
      throws Exception {
    Settings s =
        scenario(
            "psl",
            "{ kind = device-crash, device = 1, round = 2, until-round = 3 },"
                + " { kind = device-hang, device = 1, round = 2, until-round = 4 }",
            "rounds = 4\n  " + DROP_FOR_ROUND);
    Tables t = run(s, tmp.resolve("a"));
    assertEquals(List.of("0", "1", "1", "0"), column(t.rounds(), "failed"));
    List<Map<String, String>> back = of(t, "recovery");
    assertEquals(2, back.size(), back.toString());
    double round4 = num(t.rounds().get(2), "emulated_time_s");
    for (Map<String, String> r : back) {
      assertEquals("4", r.get("round"), r.toString());
      assertEquals(round4, num(r, "emulated_s"), 1e-9);
    }
    assertTrue(back.get(0).get("detail").startsWith("device-crash: device rejoins"));
    assertTrue(back.get(0).get("detail").contains("at round 4's start"), back.toString());
    assertTrue(back.get(1).get("detail").startsWith("device-hang: device answers again from"));
  }

  /**
   * A refusal names a fault by where it was written: an availability row by its file and line, not
   * by an index past the scenario's list; a fault keeps that origin out of its text, which
   * checkpoints' fingerprints hash.
   */
  @Test
  void refusals_nameAnAvailabilityRowByItsFileAndLine() throws Exception {
    Path file = tmp.resolve("av.csv");
    Files.writeString(file, Availability.HEADER + "\n# offline\n2,10,50\n");
    Settings s =
        scenario(
            "mpsl",
            "{ kind = server-crash, round = 3 }",
            "checkpoint.every = 1\n  availability = \"" + file + "\"");
    assertEquals("faults[0]", s.faults().get(0).origin());
    assertEquals("availability " + file + ":3", s.faults().get(1).origin());
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> Emulation.checkFaults(s, io.splitemu.actors.scheme.Scheme.Family.PIPELINE));
    assertEquals(
        "splitemu.faults[0].kind: server-crash does not combine with device-crash (availability "
            + file
            + ":3) on mpsl yet",
        e.getMessage());
    assertEquals(
        "Fault[kind=device-crash, devices=[2], hop=-1, start=at = 10.0 s, end=at = 50.0 s,"
            + " factor=NaN, direction=null, probability=NaN, retransmitTimeoutNs=-1,"
            + " restartDelayNs=-1]",
        s.faults().get(1).toString());
  }

  @Test
  void availabilityCells_outOfRange_areRefusedBeforeAnyArithmetic() throws Exception {
    Path file = tmp.resolve("avail.csv");
    // A power of ten of half a billion digits took about half an hour to make; now a comparison.
    for (String cell : List.of("1e500000000", "9223372036.854775808", "-1e-500000000")) {
      Files.writeString(file, Availability.HEADER + "\n1," + cell + ",\n");
      SettingsException e =
          assertTimeoutPreemptively(
              java.time.Duration.ofSeconds(60),
              () -> assertThrows(SettingsException.class, () -> Availability.read(file, 3)));
      assertEquals(
          file
              + ":2: column offline_from_s must be seconds in [0, 9223372036.854775807], got \""
              + cell
              + "\"",
          e.getMessage());
    }
    // A tiny positive cell is half a nanosecond or less: it starts at 0.
    Files.writeString(file, Availability.HEADER + "\n1,1e-500000000,2\n");
    List<Settings.Fault> f =
        assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(60), () -> Availability.read(file, 3));
    assertEquals(0, f.get(0).start().atNs());
    assertEquals(2_000_000_000L, f.get(0).end().atNs());
  }

  @Test
  void kindsTheFamilyCannotInject_areStillRefused() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> Emulation.prepare(scenario("psl", "{ kind = hop-crash, hop = 0, round = 2 }")));
    assertTrue(e.getMessage().startsWith("splitemu.faults[0].kind: hop-crash"), e.getMessage());
    // mpsl takes drop-for-round, but not beside a link cut off for good (its rejoin is not built).
    e =
        assertThrows(
            SettingsException.class,
            () ->
                Emulation.prepare(
                    scenario(
                        "mpsl", "{ kind = partition, devices = [1], round = 2 }", DROP_FOR_ROUND)));
    assertTrue(
        e.getMessage().startsWith("splitemu.faults[0].kind: partition without an end"),
        e.getMessage());
    // Timing only, where the weighting moves no figure: mpsl takes either.
    org.junit.jupiter.api.Assertions.assertDoesNotThrow(
        () ->
            Emulation.checkFaults(
                scenario("mpsl", "", "survival.weighting = equal"),
                io.splitemu.actors.scheme.Scheme.Family.PIPELINE));
    assertNotEquals(
        null, Emulation.prepare(scenario("psl", "{ kind = device-crash, device = 0, round = 2 }")));
  }

  /**
   * A round after the run's last ({@code rounds = 3}) is accepted, as an instant after its end is,
   * and never comes: the run's rows are those without it, and it has none of its own (it was
   * refused, so a fault scenario could not be shortened with {@code --set rounds=N}).
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1", "edgesplit", "dag-mincut"})
  void roundsAfterTheRunsLast_areAccepted_andNeverCome(String scheme) throws Exception {
    Tables ended =
        run(
            scenario(scheme, "{ kind = device-crash, device = 0, round = 2 }"),
            tmp.resolve("ended"));
    Tables late =
        run(
            scenario(
                scheme,
                "{ kind = device-crash, device = 0, round = 2, until-round = 9 },"
                    + " { kind = device-hang, device = 1, round = 7 },"
                    + " { kind = device-slowdown, device = 2, round = 4, until-round = 12,"
                    + " factor = 3 },"
                    + " { kind = link-outage, device = 2, round = 5, until-round = 8 }"),
            tmp.resolve("late"));
    assertEquals(emulated(ended.rounds()), emulated(late.rounds()));
    assertEquals(emulated(ended.devices()), emulated(late.devices()));
    assertEquals(withoutDetail(ended.events()), withoutDetail(late.events()));
    String detail = FaultsOnEverySchemeTest.only(late.events(), "fault").get("detail");
    assertTrue(detail.endsWith("(scenario fault, round 2 until round 9)"), detail);
  }

  private static List<Map<String, String>> withoutDetail(List<Map<String, String>> rows) {
    return emulated(rows).stream()
        .map(
            r -> {
              Map<String, String> m = new java.util.TreeMap<>(r);
              m.remove("detail");
              return (Map<String, String>) m;
            })
        .toList();
  }
}
