package io.splitemu.planner.edgesplit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.TestChains;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EdgeSplitPlannerTest {

  private static List<DeviceState> withMemory(List<DeviceState> d, CutCosts c, int b, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    EdgeSplitPlanner probe = new EdgeSplitPlanner(c, b);
    List<DeviceState> out = new ArrayList<>();
    for (DeviceState x : d) {
      // Memory somewhere between what cut 1 and the deepest cut need.
      int room = 1 + r.nextInt(c.units() - 1);
      long mem = probe.memoryBytes(room);
      out.add(
          new DeviceState(x.id(), x.flopsPerSecond(), x.samples(), x.uplink(), x.downlink(), mem));
    }
    return out;
  }

  @Test
  void alternation_isMonotoneAndBeatsUniformBaseline() {
    int strictlyBetter = 0;
    int trials = 20;
    for (long seed = 0; seed < trials; seed++) {
      CutCosts c = CutCosts.of(TestChains.cnn(seed, 10));
      List<DeviceState> base =
          seed % 2 == 0 ? TestChains.linearDevices(seed, 12) : TestChains.shannonDevices(seed, 8);
      List<DeviceState> devices = withMemory(base, c, 16, seed);
      ServerState s = new ServerState(2e11);
      EdgeSplitPlanner p = new EdgeSplitPlanner(c, 16);
      EdgeSplitPlan plan = p.plan(devices, s);
      List<Double> h = plan.history();
      for (int i = 1; i < h.size(); i++) {
        assertTrue(
            h.get(i) <= h.get(i - 1), "seed " + seed + ": objective rose at " + i + ": " + h);
      }
      for (int i = 0; i < devices.size(); i++) {
        assertTrue(p.memoryBytes(plan.cuts()[i]) <= devices.get(i).memoryBytes(), "memory limit");
      }
      double sum = 0;
      for (double x : plan.bandwidthShares()) {
        sum += x;
      }
      assertTrue(sum <= 1 + 1e-9);
      EdgeSplitPlan baseline = p.uniformBaseline(devices, s);
      assertTrue(plan.makespan() <= baseline.makespan(), "seed " + seed);
      if (plan.makespan() < 0.99 * baseline.makespan()) {
        strictlyBetter++;
      }
      double round =
          SchemeLatency.edgeSplitRound(
                  c, plan.cuts(), 16, devices, plan.bandwidthShares(), plan.serverShares(), s)
              .total();
      assertEquals(round, plan.round().total(), 1e-12 * round);
      assertEquals(plan.makespan(), h.get(h.size() - 1));
    }
    System.out.printf(
        "EdgeSplit beat the uniform baseline by > 1%% in %d of %d instances%n",
        strictlyBetter, trials);
    assertTrue(strictlyBetter >= trials * 0.9);
  }

  @Test
  void deviceWithoutRoomForAnyCut_isRefused() {
    CutCosts c = CutCosts.of(TestChains.cnn(1, 8));
    DeviceState d = TestChains.linearDevices(1, 1).get(0);
    DeviceState tiny = new DeviceState("tiny", d.flopsPerSecond(), 10, d.uplink(), d.downlink(), 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new EdgeSplitPlanner(c, 16).plan(List.of(tiny), new ServerState(1e11)));
    assertTrue(e.getMessage().contains("device tiny"), e.getMessage());
  }
}
