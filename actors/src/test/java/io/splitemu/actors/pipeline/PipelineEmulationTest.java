package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
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
