package io.splitemu.actors.pipeline;

import static io.splitemu.actors.pipeline.RunTables.num;
import static io.splitemu.actors.pipeline.RunTables.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device kinds on MP-SL (docs/faults.md, "Kinds per family"): {@code device-slowdown} with its
 * ends, {@code device-crash} with and without an end, {@code device-hang} with an end, in real
 * timing-fidelity runs of 10 devices over 2 hops on the measured VGG-19 profiles. Each changes what
 * it should (the slowed device's compute, participants and failed for the silences), records its
 * fault and recovery rows, and the same scenario twice gives the same rows.
 */
class PipelineDeviceFaultsTest {

  @TempDir Path tmp;

  private static Settings scenario(String faults) {
    return MpslEstimateAgreementTest.scenario(
        MpslEstimateAgreementTest.profiles(),
        "mpsl",
        10,
        2,
        "rounds = 3, local-steps = 2\nbarrier.deadline = 30 s\nfaults = [" + faults + "]\n");
  }

  private RunTables run(Settings s, String name) throws Exception {
    return RunTables.run(s, tmp.resolve(name));
  }

  /** Each job rounds up to a whole nanosecond: the slowed sum may differ by one ns per job. */
  private static final double JOBS_NS = 1e-6;

  @Test
  void slowdownForTheWholeRun_multipliesTheDevicesComputeByItsFactor_only() throws Exception {
    RunTables clean = run(scenario(""), "clean");
    Settings s = scenario("{ kind = device-slowdown, device = 1, at = 0 s, factor = 3 }");
    RunTables t = run(s, "slow");
    for (int e = 1; e <= 3; e++) {
      assertEquals(3 * clean.compute(e, 1), t.compute(e, 1), JOBS_NS, "device 1, epoch " + e);
      assertEquals(clean.compute(e, 0), t.compute(e, 0), 0, "device 0's own processor");
      assertTrue(t.latency(e) > clean.latency(e), "the slowed device holds its lane back");
    }
    assertEquals(clean.column("participants"), t.column("participants"));
    assertEquals(clean.column("failed"), t.column("failed"));
    Map<String, String> fault = only(t.events("fault", "device-1"));
    assertEquals(0, num(fault, "emulated_s"));
    assertEquals(
        "device-slowdown: device compute 3x slower (scenario fault, at 0 s)", fault.get("detail"));
    assertTrue(t.events("recovery", "device-1").isEmpty(), "no end, no recovery");
    assertEquals(t.emulated(), run(s, "again").emulated(), "same scenario, same rows");
  }

  @Test
  void slowdownFromEpoch2UntilEpoch3_slowsEpoch2Only() throws Exception {
    RunTables clean = run(scenario(""), "clean");
    RunTables t =
        run(
            scenario(
                "{ kind = device-slowdown, devices = [2, 5], round = 2, until-round = 3,"
                    + " factor = 2.5 }"),
            "slow");
    assertEquals(clean.end(1), t.end(1), 0, "epoch 1 untouched");
    for (int d : new int[] {2, 5}) {
      assertEquals(clean.compute(1, d), t.compute(1, d), 0);
      assertEquals(2.5 * clean.compute(2, d), t.compute(2, d), JOBS_NS);
      assertEquals(clean.compute(3, d), t.compute(3, d), 0, "over at its start of epoch 3");
      Map<String, String> fault = only(t.events("fault", "device-" + d));
      assertEquals(t.end(1), num(fault, "emulated_s"), 1e-9, "at epoch 2's start");
      assertEquals("2", fault.get("round"));
      Map<String, String> back = only(t.events("recovery", "device-" + d));
      assertEquals(t.end(2), num(back, "emulated_s"), 1e-9, "at epoch 3's start");
      assertEquals("3", back.get("round"));
      assertTrue(back.get("detail").startsWith("device-slowdown: fault over"), back.toString());
    }
    assertTrue(t.latency(2) > clean.latency(2));
  }

  @Test
  void slowdownAtAnInstant_slowsOnlyTheComputeInsideItsWindow() throws Exception {
    RunTables clean = run(scenario(""), "clean");
    double from = clean.end(1) / 3;
    double until = clean.end(1) * 2 / 3;
    String window = String.format(Locale.ROOT, "at = %.6f s, until = %.6f s", from, until);
    RunTables t =
        run(scenario("{ kind = device-slowdown, device = 4, " + window + ", factor = 4 }"), "slow");
    double slowed = t.compute(1, 4);
    assertTrue(slowed > clean.compute(1, 4), "part of epoch 1's compute is slowed");
    assertTrue(slowed < 4 * clean.compute(1, 4) - 1e-6, "not all of it");
    // The window lies in epoch 1, which it lengthens; the device's epoch 2 compute is its own.
    assertEquals(clean.compute(2, 4), t.compute(2, 4), 0);
    assertEquals(from, num(only(t.events("fault", "device-4")), "emulated_s"), 1e-6);
    assertEquals(until, num(only(t.events("recovery", "device-4")), "emulated_s"), 1e-6);
  }

  @Test
  void crashWithoutEnd_hasTheFiguresOfAHang_withTheCrashRows() throws Exception {
    RunTables hang = run(scenario("{ kind = device-hang, device = 1, round = 2 }"), "hang");
    RunTables crash = run(scenario("{ kind = device-crash, device = 1, round = 2 }"), "crash");
    assertEquals(List.of("0", "1", "0"), crash.column("failed"));
    assertEquals(List.of("10", "9", "9"), crash.column("participants"));
    assertEquals(hang.rounds().size(), crash.rounds().size());
    for (int e = 1; e <= 3; e++) {
      assertEquals(hang.end(e), crash.end(e), 0, "epoch " + e);
    }
    assertEquals(hang.devices(), crash.devices());
    Map<String, String> fault = only(crash.events("fault", "device-1"));
    assertEquals(
        "device-crash: device crashes, its state lost (scenario fault, round 2)",
        fault.get("detail"));
    assertEquals(1, crash.events("deadline", "device-1").size());
  }

  @Test
  void crashWithAnEnd_recordsTheRejoinAndTheDeviceStaysOut() throws Exception {
    RunTables endless = run(scenario("{ kind = device-crash, device = 3, round = 2 }"), "endless");
    RunTables t =
        run(scenario("{ kind = device-crash, device = 3, round = 2, until-round = 3 }"), "ends");
    // The pipeline drops a silent device for the run: the end changes no figure.
    for (int e = 1; e <= 3; e++) {
      assertEquals(endless.end(e), t.end(e), 0);
    }
    assertEquals(List.of("10", "9", "9"), t.column("participants"));
    Map<String, String> back = only(t.events("recovery", "device-3"));
    assertEquals(t.end(2), num(back, "emulated_s"), 1e-9, "at epoch 3's start");
    assertEquals(
        "device-crash: device rejoins at round 3's start, its state lost; it stays out"
            + " of the run (survival.absent = drop-for-run) (scenario fault, round 2 until"
            + " round 3)",
        back.get("detail"));
  }

  @Test
  void hangAtAnInstantWithAnEnd_dropsTheDevice_andItsRecoveryRowIsAtTheNextEpochStart()
      throws Exception {
    RunTables clean = run(scenario(""), "clean");
    double from = clean.end(1) + (clean.end(2) - clean.end(1)) / 4;
    double until = clean.end(1) + (clean.end(2) - clean.end(1)) / 2;
    Settings s =
        scenario(
            String.format(
                Locale.ROOT,
                "{ kind = device-hang, device = 7, at = %.6f s, until = %.6f s }",
                from,
                until));
    RunTables t = run(s, "hang");
    assertEquals(List.of("0", "1", "0"), t.column("failed"));
    assertEquals(List.of("10", "9", "9"), t.column("participants"));
    assertEquals(from, num(only(t.events("fault", "device-7")), "emulated_s"), 1e-6);
    Map<String, String> back = only(t.events("recovery", "device-7"));
    assertEquals(t.end(2), num(back, "emulated_s"), 1e-9, "the first epoch start after the end");
    assertTrue(back.get("detail").contains("from round 3's start; it stays out"), back.toString());
    assertNotEquals(clean.end(3), t.end(3));
    assertEquals(t.emulated(), run(s, "again").emulated(), "same scenario, same rows");
  }

  /**
   * A hang of every device from just after epoch 1's FedAvg barrier (every model is in) until epoch
   * 1's end, on unequal downlinks: no device sends anything inside it, but a device whose aggregate
   * arrives before the end starts epoch 2 still silent and is given up there, while the device(s)
   * whose aggregate arrives at the end start epoch 2 with the hang over and go on. The recovery
   * rows say which: the ones going on at their start of epoch 2 (the end of epoch 1), the others,
   * given up, at epoch 2's end, staying out.
   */
  @Test
  void hangBetweenTheBarrierAndTheEpochsEnd_dropsOnlyTheDevicesThatStartBeforeItsEnd()
      throws Exception {
    String links = "links.static.downlink-bps = [4e6, 8e6]\n";
    Settings plain =
        MpslEstimateAgreementTest.scenario(
            MpslEstimateAgreementTest.profiles(),
            "mpsl",
            10,
            2,
            "rounds = 3, local-steps = 2\nbarrier.deadline = 30 s\n" + links);
    RunTables clean = run(plain, "clean");
    double barrier =
        num(
            clean.events().stream()
                .filter(r -> r.get("kind").equals("aggregate") && r.get("round").equals("1"))
                .findFirst()
                .orElseThrow(),
            "emulated_s");
    long fromNs = Math.round(barrier * 1e9) + 1_000_000;
    long untilNs = Math.round(clean.end(1) * 1e9);
    assertTrue(fromNs < untilNs);
    RunTables t =
        run(
            MpslEstimateAgreementTest.scenario(
                MpslEstimateAgreementTest.profiles(),
                "mpsl",
                10,
                2,
                "rounds = 3, local-steps = 2\nbarrier.deadline = 30 s\n"
                    + links
                    + "faults = [{ kind = device-hang, devices = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
                    + " at = "
                    + fromNs
                    + " ns, until = "
                    + untilNs
                    + " ns }]\n"),
            "hang");
    assertEquals(clean.end(1), t.end(1), 0, "nothing is withheld in epoch 1");
    int going = Integer.parseInt(t.rounds().get(1).get("participants"));
    assertTrue(going >= 1 && going < 10, "some devices go on, some are given up: " + going);
    assertEquals(10 - going, Integer.parseInt(t.rounds().get(1).get("failed")));
    int back = 0;
    for (int d = 0; d < 10; d++) {
      Map<String, String> row = only(t.events("recovery", "device-" + d));
      boolean stays = row.get("detail").contains("it stays out of the run");
      if (stays) {
        assertEquals(t.end(2), num(row, "emulated_s"), 1e-9, row.toString());
        assertTrue(row.get("detail").contains("from round 3's start"), row.toString());
        assertEquals(1, t.events("deadline", "device-" + d).size());
      } else {
        back++;
        assertEquals(t.end(1), num(row, "emulated_s"), 1e-9, "its own start of epoch 2");
        assertTrue(row.get("detail").contains("from round 2's start"), row.toString());
        assertTrue(t.events("deadline", "device-" + d).isEmpty());
      }
    }
    assertEquals(going, back, "the rows name the devices that went on");
  }

  /**
   * Every entry of the list is its own fault, as on the other families: a slowdown listed twice
   * slows by the product of the factors, with a row per entry; a hang listed twice silences as once
   * and has its rows twice.
   */
  @Test
  void aFaultListedTwice_isTwoFaults_twoSlowdownsMultiply() throws Exception {
    String slow = "{ kind = device-slowdown, device = 1, at = 0 s, factor = 2 }";
    RunTables twice = run(scenario(slow + ", " + slow), "twice");
    RunTables square =
        run(scenario("{ kind = device-slowdown, device = 1, at = 0 s, factor = 4 }"), "square");
    assertEquals(square.devices(), twice.devices(), "2 x 2: the compute of factor 4");
    assertEquals(square.column("emulated_time_s"), twice.column("emulated_time_s"));
    assertEquals(2, twice.events("fault", "device-1").size(), "a row per entry");

    String hang = "{ kind = device-hang, device = 1, round = 2, until-round = 3 }";
    RunTables once = run(scenario(hang), "hang-once");
    RunTables hangs = run(scenario(hang + ", " + hang), "hang-twice");
    assertEquals(once.devices(), hangs.devices());
    assertEquals(once.column("emulated_time_s"), hangs.column("emulated_time_s"));
    assertEquals(List.of("0", "1", "0"), hangs.column("failed"));
    assertEquals(2, hangs.events("fault", "device-1").size());
    assertEquals(2, hangs.events("recovery", "device-1").size());
  }

  /**
   * A window at = T, until-round = R whose epoch R starts before T is empty on mpsl as on every
   * family (docs/faults.md "Recording"): no effect, one row at T that says so, no recovery row.
   */
  @Test
  void aWindowEndingAtAnEpochThatStartsBeforeItStarts_isEmpty_withOneRowAtItsStart()
      throws Exception {
    RunTables clean = run(scenario(""), "clean");
    double at = clean.end(1) + (clean.end(2) - clean.end(1)) / 2; // inside epoch 2
    for (String kind : List.of("device-hang", "device-crash", "device-slowdown", "link-outage")) {
      String fault =
          String.format(
              Locale.ROOT,
              "{ kind = %s, device = 3, at = %.6f s, until-round = 2%s }",
              kind,
              at,
              kind.equals("device-slowdown") ? ", factor = 3" : "");
      Map<String, String> row = emptyWindowRow(clean, fault, kind);
      assertEquals(at, num(row, "emulated_s"), 1e-6, kind);
      assertTrue(
          row.get("detail").startsWith(kind + ": faults[0] ends (round 2's start, "),
          row.toString());
      assertTrue(row.get("detail").contains("before it starts, so it has no effect"), kind);
    }
  }

  /**
   * Runs {@code fault} of {@code kind} on device 3, a window that ends before it starts in epoch 2,
   * and returns its one {@code fault} row, in round 2: the devices and emulated times are the
   * fault-free run's ({@code clean}), and there is no recovery row.
   */
  private Map<String, String> emptyWindowRow(RunTables clean, String fault, String kind)
      throws Exception {
    RunTables t = run(scenario(fault), kind);
    assertEquals(clean.devices(), t.devices(), kind);
    assertEquals(clean.column("emulated_time_s"), t.column("emulated_time_s"), kind);
    Map<String, String> row = only(t.events("fault", "device-3"));
    assertEquals("2", row.get("round"), kind);
    assertTrue(t.events("recovery", "device-3").isEmpty(), kind + ": no recovery row");
    return row;
  }

  /**
   * The mirror window, round = R, until = T with T before the device's start of epoch R, is empty
   * on mpsl too: the fault-free figures, one row at epoch 2's start (a link fault's at the device's
   * own start) that says so, no recovery row. Before, a hang or crash had a recovery row at epoch
   * 2's start beside its fault row.
   */
  @Test
  void aWindowFromAnEpochThatEndsBeforeItStarts_isEmpty_withOneRowAtItsStart() throws Exception {
    RunTables clean = run(scenario(""), "clean");
    double until = clean.end(1) / 2; // inside epoch 1
    for (String kind : List.of("device-hang", "device-crash", "device-slowdown", "link-outage")) {
      String fault =
          String.format(
              Locale.ROOT,
              "{ kind = %s, device = 3, round = 2, until = %.6f s%s }",
              kind,
              until,
              kind.equals("device-slowdown") ? ", factor = 3" : "");
      Map<String, String> row = emptyWindowRow(clean, fault, kind);
      assertTrue(num(row, "emulated_s") <= clean.end(1) + 1e-9, row.toString());
      assertTrue(num(row, "emulated_s") > until, row.toString());
      assertTrue(
          row.get("detail")
              .startsWith(
                  kind
                      + ": faults[0] ends ("
                      + String.format(Locale.ROOT, "%.6f", until).replaceAll("0+$", "")
                      + " s) before it starts (round 2's start, "),
          row.toString());
      assertTrue(row.get("detail").contains("so it has no effect"), kind);
    }
  }

  /**
   * A crash that ends while a hang of the same device still holds it (device 3: hang from a quarter
   * into epoch 1 until epoch 3, crash from halfway until epoch 2) has its recovery row where the
   * device answers again, beside the hang's: both at epoch 3's start, none at epoch 2's
   * (Supervisor.resume's rule, docs/faults.md "Recording"). Before, the crash's row said the device
   * rejoins at round 2's start while the hang held it to round 3.
   */
  @Test
  void aCrashEndingWhileAHangHolds_hasItsRecoveryRowWhenTheDeviceAnswersAgain() throws Exception {
    RunTables clean = run(scenario(""), "clean");
    String faults =
        String.format(
            Locale.ROOT,
            "{ kind = device-hang, device = 3, at = %.6f s, until-round = 3 },"
                + " { kind = device-crash, device = 3, at = %.6f s, until-round = 2 }",
            clean.end(1) / 4,
            clean.end(1) / 2);
    RunTables t = run(scenario(faults), "both");
    List<Map<String, String>> back = t.events("recovery", "device-3");
    assertEquals(2, back.size(), back.toString());
    for (Map<String, String> r : back) {
      assertEquals(t.end(2), num(r, "emulated_s"), 1e-9, r.toString());
      assertEquals("3", r.get("round"), r.toString());
      assertTrue(r.get("detail").contains("round 3's start"), r.toString());
    }
    assertTrue(back.get(0).get("detail").startsWith("device-hang: "), back.toString());
    assertTrue(back.get(1).get("detail").startsWith("device-crash: "), back.toString());
  }

  /**
   * A hang given to the run besides its faults list (PipelineEmulation.Options.withHangs, as a run
   * built by hand gives it; the supervisor families count such hangs among their faults) holds the
   * device as a listed hang does: device 1 of the hand plan hangs from 5 s for good, and a crash of
   * it from 10 s until epoch 2 ends while the hang holds it, so the crash has no recovery row (the
   * device never answers again), as in the same run with the hang in the faults list. Before, the
   * crash's row said the device rejoins at round 2's start.
   */
  @Test
  void aCrashEndingWhileAHangOfTheOptionsHolds_hasNoRecoveryRow_asWithTheHangListed()
      throws Exception {
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    Settings.Fault crash =
        new Settings.Fault(
            "device-crash",
            List.of(1),
            -1,
            Settings.FaultTime.at(10_000_000_000L),
            Settings.FaultTime.ofRound(2),
            Double.NaN,
            null,
            Double.NaN,
            -1,
            -1,
            "splitemu.faults[0]");
    Settings.Fault listedHang =
        Settings.Fault.of(
            "device-hang", 1, Settings.FaultTime.at(5_000_000_000L), "splitemu.faults[1]");
    List<io.splitemu.actors.runtime.SupervisorSetup.Hang> hang =
        List.of(io.splitemu.actors.runtime.SupervisorSetup.Hang.at(1, 5_000_000_000L));
    List<List<String>> options = handRun(plan, hang, List.of(crash), "options");
    List<List<String>> listed = handRun(plan, hang, List.of(crash, listedHang), "listed");
    for (List<List<String>> events : List.of(options, listed)) {
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e.get(2).equals("fault")
                          && e.get(3).equals("device-1")
                          && e.get(4).startsWith("device-crash: ")),
          events.toString());
      assertEquals(
          List.of(),
          events.stream()
              .filter(e -> e.get(2).equals("recovery") && e.get(3).equals("device-1"))
              .toList());
      // Given up in epoch 1 (the hang), out for the run.
      assertEquals(
          1,
          events.stream()
              .filter(e -> e.get(2).equals("deadline") && e.get(3).equals("device-1"))
              .count(),
          events.toString());
    }
  }

  /**
   * A hang given to the run besides its faults list has its {@code fault} row, as the supervisor
   * families record a setup's hangs among its faults (FaultPlan.ofHangs): the hand plan's device 1
   * hangs from 5 s, or from epoch 2's start, for good, given only to the options, and events.csv is
   * the same run's with the hang also in the faults list (the production path: a scenario's hangs
   * are its listed endless device-hangs), its fault row included. Before 2026-12-06 mpsl wrote no
   * fault row for it.
   */
  @Test
  void aHangOfTheOptions_hasItsFaultRow_asWithTheHangListed() throws Exception {
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    List<io.splitemu.actors.runtime.SupervisorSetup.Hang> atInstant =
        List.of(io.splitemu.actors.runtime.SupervisorSetup.Hang.at(1, 5_000_000_000L));
    List<io.splitemu.actors.runtime.SupervisorSetup.Hang> atRound =
        List.of(new io.splitemu.actors.runtime.SupervisorSetup.Hang(1, 2));
    Settings.Fault listedAt =
        Settings.Fault.of(
            "device-hang", 1, Settings.FaultTime.at(5_000_000_000L), "splitemu.faults[0]");
    Settings.Fault listedRound =
        Settings.Fault.of("device-hang", 1, Settings.FaultTime.ofRound(2), "splitemu.faults[0]");
    for (Object[] c :
        List.of(
            new Object[] {atInstant, listedAt, "at 5 s"},
            new Object[] {atRound, listedRound, "round 2"})) {
      @SuppressWarnings("unchecked")
      List<io.splitemu.actors.runtime.SupervisorSetup.Hang> hang =
          (List<io.splitemu.actors.runtime.SupervisorSetup.Hang>) c[0];
      List<List<String>> options = handRun(plan, hang, List.of(), "options-" + c[2]);
      List<List<String>> listed =
          handRun(plan, hang, List.of((Settings.Fault) c[1]), "listed-" + c[2]);
      assertEquals(
          List.of("device-hang: device stops answering (scenario fault, " + c[2] + ")"),
          options.stream()
              .filter(e -> e.get(2).equals("fault") && e.get(3).equals("device-1"))
              .map(e -> e.get(4))
              .toList(),
          options.toString());
      assertEquals(listed, options, "as with the hang listed");
    }
  }

  /** {@code plan} with {@code hangs} (deadline 10 s) and {@code faults}: its events.csv rows. */
  private List<List<String>> handRun(
      PipelinePlan plan,
      List<io.splitemu.actors.runtime.SupervisorSetup.Hang> hangs,
      List<Settings.Fault> faults,
      String name)
      throws Exception {
    Path dir = tmp.resolve(name);
    io.splitemu.actors.results.ResultsWriter writer =
        io.splitemu.actors.results.ResultsWriter.open(dir, "hand plan");
    io.splitemu.actors.runtime.Supervisor.Finished f;
    try {
      f =
          PipelineEmulation.run(
              plan,
              PipelineEmulation.Options.of(plan)
                  .withHangs(hangs, 10_000_000_000L)
                  .recording(writer, io.splitemu.actors.runtime.RunListener.NONE, faults));
    } finally {
      writer.close();
    }
    assertEquals(null, f.error());
    return io.splitemu.actors.results.CsvTable.read(dir.resolve("events.csv"));
  }

  /**
   * A slowdown and a hop crash at an instant: the redone epoch's device computes are slowed as the
   * discarded attempt's were (the device's processor goes back to the epoch's start with the crash,
   * its windows stay).
   */
  @Test
  void slowdownWithAHopCrashAtAnInstant_slowsTheRedoneEpoch() throws Exception {
    RunTables clean = run(scenario(""), "clean");
    long atNs = Math.round((clean.end(1) + (clean.end(2) - clean.end(1)) / 2) * 1e9);
    String crash = "{ kind = hop-crash, hop = 1, at = " + atNs + " ns }";
    RunTables crashed = run(scenario(crash), "crash");
    RunTables t =
        run(
            scenario(crash + ", { kind = device-slowdown, device = 1, at = 0 s, factor = 2 }"),
            "both");
    assertTrue(crashed.end(2) > clean.end(2), "the crash costs the lost half epoch");
    for (int e = 1; e <= 3; e++) {
      assertEquals(2 * crashed.compute(e, 1), t.compute(e, 1), JOBS_NS, "epoch " + e);
    }
  }

  /**
   * An epoch after the run's last ({@code rounds = 3}) is accepted, as an instant after its end is,
   * and never comes: the rows are those without it, and it has none of its own.
   */
  @Test
  void epochsAfterTheRunsLast_areAccepted_andNeverCome() throws Exception {
    RunTables ended = run(scenario("{ kind = device-hang, device = 1, round = 2 }"), "ended");
    RunTables late =
        run(
            scenario(
                "{ kind = device-hang, device = 1, round = 2, until-round = 9 },"
                    + " { kind = device-crash, device = 2, round = 7 },"
                    + " { kind = device-slowdown, device = 3, round = 4, until-round = 12,"
                    + " factor = 3 }"),
            "late");
    assertEquals(ended.column("participants"), late.column("participants"));
    assertEquals(ended.column("failed"), late.column("failed"));
    for (int e = 1; e <= 3; e++) {
      assertEquals(ended.latency(e), late.latency(e), 0, "epoch " + e);
    }
    assertEquals(1, late.events("fault", "device-1").size());
    assertTrue(late.events("fault", "device-2").isEmpty(), "epoch 7 never comes");
    assertTrue(late.events("fault", "device-3").isEmpty(), "epoch 4 never comes");
    assertTrue(late.events("recovery", "device-1").isEmpty(), "epoch 9 never comes");
  }
}
