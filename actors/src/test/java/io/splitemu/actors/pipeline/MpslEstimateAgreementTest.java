package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.PipelineControl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MP-SL on the measured VGG-19 (CIFAR) profile, Raspberry Pi 4B devices, VM hops and 8 Mbit/s
 * device links: the emulated epoch agrees with the EdgeSys 2025 estimate within 5 % over a grid of
 * device counts K and hop counts N, the run is deterministic, and the per-hop peak memory is what
 * the planner's placement predicts and falls as hops are added.
 */
class MpslEstimateAgreementTest {

  static Path profiles() {
    return io.splitemu.actors.pipeline.MeasuredProfiles.dir(
        "MP-SL measured-profile checks skipped", "vgg19_cifar_times.csv", "vgg19_cifar_memory.csv");
  }

  static Settings scenario(Path profiles, String scheme, int devices, int hops, String extra) {
    String conf =
        "splitemu { scenario = mpsl-test, scheme = "
            + scheme
            + ", fidelity = timing, rounds = 1, batch-size = 128\n"
            + "data.train-samples = 50000\n"
            + "devices.count = "
            + devices
            + "\n"
            + "links.static { uplink-bps = 8e6, downlink-bps = 8e6 }\n"
            + "mpsl { profile-dir = \""
            + profiles
            + "\", model = vgg19, dataset = cifar, device-type = d1, hop-type = VM\n"
            + "hops = "
            + hops
            + ", helpers = "
            + hops
            + ", head-units = 3, tail-units = 1 }\n"
            + extra
            + "}";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  @Test
  void vgg19_emulatedEpochWithinFivePercentOfTheEstimate_overKAndHops() {
    Path p = profiles();
    for (int k : new int[] {50, 150}) {
      for (int n : new int[] {1, 3, 5}) {
        PipelinePlan plan = MpslPlanner.plan(scenario(p, "mpsl", k, n, ""));
        double emulated = PipelineEmulation.simulate(plan).epochs().get(0).seconds();
        double err = Math.abs(emulated / plan.predictedEpochS() - 1);
        assertTrue(
            err < 0.05,
            "K="
                + k
                + " N="
                + n
                + ": emulated "
                + emulated
                + " s, estimate "
                + plan.predictedEpochS()
                + " s");
      }
    }
  }

  @Test
  void oneDeviceOneBatch_estimateIsTheEmulatedEpoch_withAPropagationDelayToo() {
    // One device, one batch: nothing overlaps, so the EdgeSys estimate is the epoch exactly. The
    // delay is charged where the emulator charges it: once to the first start (cut activation
    // up), three times to the last end (tail activation down, tail gradient up, cut gradient
    // down) and twice to the aggregation (weights up, aggregate down). Before, the estimate left
    // the delay out: 6 x 500 ms short here.
    Path p = profiles();
    for (String scheme : List.of("mpsl", "mpsl-horizontal")) {
      for (String delay : List.of("0 s", "500 ms")) {
        PipelinePlan plan =
            MpslPlanner.plan(
                scenario(
                    p, scheme, 1, 1, "local-steps = 1\nlinks.propagation-delay = " + delay + "\n"));
        double emulated = PipelineEmulation.simulate(plan).epochs().get(0).seconds();
        assertEquals(plan.predictedEpochS(), emulated, 1e-6, scheme + " with delay " + delay);
      }
    }
  }

  @Test
  void horizontal_emulatedEpochWithinFivePercentOfTheMakespanEstimate() {
    PipelinePlan plan = MpslPlanner.plan(scenario(profiles(), "mpsl-horizontal", 50, 3, ""));
    assertEquals(3, plan.lanes().size());
    double emulated = PipelineEmulation.simulate(plan).epochs().get(0).seconds();
    double err = Math.abs(emulated / plan.predictedEpochS() - 1);
    assertTrue(err < 0.05, "emulated " + emulated + " s, estimate " + plan.predictedEpochS());
  }

  @Test
  void sameScenarioTwice_identicalEpochsDevicesAndMemory() {
    PipelinePlan plan = MpslPlanner.plan(scenario(profiles(), "mpsl", 60, 3, "rounds = 2\n"));
    PipelineControl.Result a = PipelineEmulation.simulate(plan);
    PipelineControl.Result b = PipelineEmulation.simulate(plan);
    assertEquals(a.epochs(), b.epochs());
    assertEquals(a.hopPeakBytes(), b.hopPeakBytes());
    assertEquals(a.hopJobs(), b.hopJobs());
    assertTrue(a.epochs().get(1).startNs() > 0);
  }

  @Test
  void perHopPeakMemory_isThePlacementsAndFallsWithHops() {
    Path p = profiles();
    List<Long> peaks = new ArrayList<>();
    for (int n = 1; n <= 5; n++) {
      // One batch per device is enough: every device instantiates its slice on every hop.
      PipelinePlan plan = MpslPlanner.plan(scenario(p, "mpsl", 100, n, "local-steps = 1\n"));
      PipelineControl.Result r = PipelineEmulation.simulate(plan);
      long peak = 0;
      for (PipelinePlan.Stage st : plan.lanes().get(0).hops()) {
        long emulated = r.hopPeakBytes().get(st.name());
        // the planner counts K x sum mu exactly; the hop counts K x round(sum mu)
        assertEquals(st.predictedPeakBytes(), emulated, 100.0, st.name() + " of " + n);
        peak = Math.max(peak, emulated);
      }
      peaks.add(peak);
    }
    for (int n = 1; n < 5; n++) {
      assertTrue(peaks.get(n) < peaks.get(n - 1), "peak per hop " + peaks);
    }
    // VGG-19 with 100 devices on one node: tens of GB (LATENCY-MODEL.md section 6)
    assertTrue(peaks.get(0) > 50e9, "one hop holds " + peaks.get(0));
  }

  @Test
  void fullFidelity_isRefusedWithOneLine() {
    Settings s = scenario(profiles(), "mpsl", 10, 2, "").withScheme("mpsl");
    Settings full =
        Settings.from(ConfigFactory.parseString(s.resolved()), List.of("fidelity=full"), null);
    SettingsException e = assertThrows(SettingsException.class, () -> MpslPlanner.plan(full));
    assertTrue(e.getMessage().startsWith("splitemu.fidelity: mpsl runs in timing"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }
}
