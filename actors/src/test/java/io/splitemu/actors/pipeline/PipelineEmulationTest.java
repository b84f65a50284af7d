package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.PipelineControl;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.Supervisor;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code mpsl} scenario through {@code Emulation}, as {@code run} and {@code compare} use it.
 */
class PipelineEmulationTest {

  @TempDir Path tmp;

  private static Settings small(String extra) {
    return MpslEstimateAgreementTest.scenario(
        MpslEstimateAgreementTest.profiles(),
        "mpsl",
        10,
        2,
        "rounds = 2, local-steps = 2\n" + extra);
  }

  @Test
  void run_writesOneRowPerEpochThePlanAndPerHopMemory() throws Exception {
    Settings s = small("");
    Emulation.Outcome o = Emulation.run(Emulation.prepare(s), tmp.resolve("out"), RunListener.NONE);
    assertEquals(2, o.rounds().size());
    assertEquals("mpsl", o.rounds().get(0).scheme());
    assertEquals(o.rounds().get(0).roundLatencyS(), o.rounds().get(1).roundLatencyS(), 1e-9);
    assertEquals(o.rounds().get(0).roundLatencyS() * 2, o.summary().emulatedTimeS(), 1e-6);
    assertTrue(o.summary().peakModelMemoryBytes().containsKey("hop-1"));
    assertTrue(o.summary().peakModelMemoryBytes().containsKey("hop-2"));
    assertTrue(o.summary().peakModelMemoryBytes().containsKey("device"));
    List<String> devices = Files.readAllLines(o.dir().resolve("devices.csv"));
    assertEquals(1 + 2 * 10, devices.size());
    String events = Files.readString(o.dir().resolve("events.csv"));
    assertTrue(events.contains(",plan,planner,"), events);
    assertTrue(events.contains(",aggregate,aggregator,"), events);
    assertTrue(Files.isRegularFile(o.dir().resolve("summary.json")));
  }

  @Test
  void scenarioRun_keepsNoPerDeviceEpochRecords_onlyThePeaks_whileSimulateKeepsThem() {
    // Memory of a long run: a scenario's run (run, compare) publishes each epoch's rows to the
    // recorder and keeps only the per-hop peaks and jobs; before, its Result held every epoch with
    // a record per device (devices x epochs, 430,000 records after 86 epochs of 5000 devices).
    Settings s = small("rounds = 4\n");
    Supervisor.Finished f =
        Emulation.execute(
            PipelineEmulation.prepare(s).factory().create(null, RunListener.NONE),
            0,
            new PacingLag());
    assertEquals(null, f.error());
    assertEquals(4, f.rounds());
    assertEquals(0, f.pipeline().epochs().size(), "no epoch kept by a scenario's run");
    assertEquals(
        java.util.Set.of("hop-1", "hop-2"), f.pipeline().hopPeakBytes().keySet(), "peaks kept");
    assertTrue(f.pipeline().hopPeakBytes().values().stream().allMatch(b -> b > 0));
    // simulate (tests, benchmarks) asked for the epochs and has them, one record per device
    PipelineControl.Result all = PipelineEmulation.simulate(MpslPlanner.plan(s));
    assertEquals(4, all.epochs().size());
    assertTrue(all.epochs().stream().allMatch(e -> e.devices().size() == 10));
    assertEquals(all.hopPeakBytes(), f.pipeline().hopPeakBytes());
  }

  @Test
  void theScenariosBarrierTimeout_isTheMpslSupervisorsWatchdog() {
    // Before, MP-SL's supervisor had no edge server's settings and took a fixed 60 s.
    Settings s = small("barrier.timeout = 7 s\n");
    assertEquals(
        java.time.Duration.ofSeconds(7),
        PipelineEmulation.prepare(s)
            .factory()
            .create(null, RunListener.NONE)
            .pipeline()
            .barrierTimeout());
  }

  @Test
  void fewerSamplesThanDevices_isRefusedAtStartWithOneLineNamingBothKeys_noFolder() {
    // As the other families' partitions refuse it: before, a device without a sample ran a full
    // batch (20 devices, 10 samples: 20 participants, 20 batches).
    for (String scheme : List.of("mpsl", "mpsl-horizontal")) {
      Settings s =
          MpslEstimateAgreementTest.scenario(
              MpslEstimateAgreementTest.profiles(), scheme, 20, 2, "data.train-samples = 10\n");
      Path out = tmp.resolve("refused-" + scheme);
      SettingsException e =
          assertThrows(SettingsException.class, () -> Emulation.run(s, out, RunListener.NONE));
      assertTrue(
          e.getMessage().startsWith("splitemu.data.train-samples: 10 samples"), e.getMessage());
      assertTrue(e.getMessage().contains("splitemu.devices.count = 20"), e.getMessage());
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
      assertFalse(Files.exists(out), "no results folder");
    }
  }

  @Test
  void deviceHang_inAnEpoch_stopsItsJobs_epochEndsWithoutIt_andRunsAreIdentical() throws Exception {
    Settings s =
        small(
            "rounds = 3\nfaults = [{ kind = device-hang, device = 1, round = 2 }]\n"
                + "barrier.deadline = 30 s\n");
    List<String> a = rows(s, "a");
    List<String> b = rows(s, "b");
    assertEquals(a, b, "same faulted scenario, same emulated rows");
    Emulation.Outcome o = Emulation.run(Emulation.prepare(s), tmp.resolve("c"), RunListener.NONE);
    List<io.splitemu.actors.results.RoundRecord> r = o.rounds();
    assertEquals(List.of(0, 1, 0), r.stream().map(x -> x.failed()).toList());
    assertEquals(List.of(10, 9, 9), r.stream().map(x -> x.participants()).toList());
    List<String> events = Files.readAllLines(o.dir().resolve("events.csv"));
    String fault = events.stream().filter(e -> e.contains(",fault,device-1,")).findFirst().get();
    String deadline =
        events.stream().filter(e -> e.contains(",deadline,device-1,")).findFirst().get();
    double faultS = Double.parseDouble(fault.split(",")[0]);
    double deadlineS = Double.parseDouble(deadline.split(",")[0]);
    assertEquals(r.get(0).emulatedTimeS(), faultS, 1e-9, "at epoch 2's start");
    assertEquals(faultS + 30, deadlineS, 1e-9);
    assertTrue(r.get(1).emulatedTimeS() >= deadlineS - 1e-9);
    List<String> devices = Files.readAllLines(o.dir().resolve("devices.csv"));
    assertTrue(devices.stream().anyMatch(d -> d.startsWith("2,1,") && d.endsWith(",false")));
    assertTrue(devices.stream().noneMatch(d -> d.startsWith("3,1,")), "out of later epochs");
    assertEquals(1 + 10 + 10 + 9, devices.size());
    // FedAvg of epoch 2 averages the 9 devices that answered.
    assertTrue(events.stream().anyMatch(e -> e.contains("FedAvg of 9 device-held slices")));
  }

  @Test
  void paced_givesTheVirtualRunsEmulatedTimes_andWaitsForTheWallClock() throws Exception {
    Emulation.Outcome virtual =
        Emulation.run(Emulation.prepare(small("")), tmp.resolve("virtual"), RunListener.NONE);
    double emulatedS = virtual.summary().emulatedTimeS();
    double speedup = emulatedS / 0.5; // every delivery due within half a second of wall time
    Settings paced = small("mode = paced\nspeedup = " + speedup + "\n");
    long start = System.nanoTime();
    List<String> pacedRows = rows(paced, "paced");
    double wallS = (System.nanoTime() - start) / 1e9;
    List<String> virtualRows = rows(small(""), "again");
    // The same rows, but for the paced run's one line on how late its deliveries were.
    String pacing = pacedRows.stream().filter(l -> l.contains(",pacing,")).findFirst().get();
    assertTrue(
        pacing.matches(".*: [1-9][0-9]* paced releases \\(transfers and barriers\\), lag.*"),
        pacing);
    pacedRows.remove(pacing);
    assertEquals(virtualRows, pacedRows);
    // The run cannot end before its last transfer fell due on the wall clock.
    assertTrue(wallS >= emulatedS / speedup, "ended after " + wallS + " s");
  }

  /** The emulated rows of a run: rounds.csv without the wall clock, devices.csv, events.csv. */
  private List<String> rows(Settings s, String name) throws Exception {
    Emulation.Outcome o = Emulation.run(Emulation.prepare(s), tmp.resolve(name), RunListener.NONE);
    List<String> out = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(o.dir().resolve("rounds.csv"))) {
      // Without the host's columns, wall_time_s and cpu_time_s, the last two.
      String emulated = line.substring(0, line.lastIndexOf(','));
      out.add(emulated.substring(0, emulated.lastIndexOf(',')));
    }
    out.addAll(Files.readAllLines(o.dir().resolve("devices.csv")));
    out.addAll(Files.readAllLines(o.dir().resolve("events.csv")));
    return out;
  }

  @Test
  void hopMemoryLimitTooSmall_isRefusedNamingTheKey() {
    Settings s =
        MpslEstimateAgreementTest.scenario(
            MpslEstimateAgreementTest.profiles(), "mpsl", 100, 3, "mpsl.hop-memory-bytes = 1e9\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Emulation.prepare(s));
    assertTrue(e.getMessage().startsWith("splitemu.mpsl.hop-memory-bytes:"), e.getMessage());
  }

  @Test
  void hopSlowdown_scalesEachHopsMeasuredTimes() {
    Path p = MpslEstimateAgreementTest.profiles();
    PipelinePlan same = MpslPlanner.plan(MpslEstimateAgreementTest.scenario(p, "mpsl", 10, 1, ""));
    PipelinePlan slow =
        MpslPlanner.plan(
            MpslEstimateAgreementTest.scenario(p, "mpsl", 10, 1, "mpsl.hop-slowdown = [2.5]\n"));
    PipelinePlan.Stage a = same.lanes().get(0).hops().get(0);
    PipelinePlan.Stage b = slow.lanes().get(0).hops().get(0);
    assertEquals(2.5 * a.forwardS(), b.forwardS(), 1e-9);
    assertEquals(2.5 * a.backwardS(), b.backwardS(), 1e-9);
  }

  @Test
  void tooManyHopsForTheMiddleUnits_isRefusedNamingTheKeys() {
    Settings s =
        MpslEstimateAgreementTest.scenario(
            MpslEstimateAgreementTest.profiles(), "mpsl", 10, 5, "mpsl.head-units = 20\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Emulation.prepare(s));
    assertTrue(e.getMessage().startsWith("splitemu.mpsl.head-units/tail-units:"), e.getMessage());
  }
}
