package io.splitemu.planner.sfl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.profile.BuiltinProfiles;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sample average approximation over the observed rate history for SFL. */
class RobustSflPlannerTest {

  private static final CutCosts COSTS =
      CutCosts.of(BuiltinProfiles.get(BuiltinProfiles.EFFICIENTNETV2_S_MNIST).toChain());
  private static final double[] FLOPS = {2e9, 4e9, 6e9, 1e10, 2e10, 3e10, 5e10, 8e10};

  private static List<DeviceState> devices(double[][] rates) {
    List<DeviceState> out = new ArrayList<>();
    for (int d = 0; d < FLOPS.length; d++) {
      out.add(
          new DeviceState(
              "d" + d,
              FLOPS[d],
              1600,
              RateFunction.linear(rates[d][0]),
              RateFunction.linear(rates[d][1]),
              Long.MAX_VALUE,
              0.02));
    }
    return out;
  }

  private static double[][] rates(SplittableRandom r, double spread) {
    double[] up = {2e7, 1e7, 5e6, 2e6, 1e6};
    double[][] out = new double[FLOPS.length][2];
    for (int d = 0; d < FLOPS.length; d++) {
      double f = Math.exp(spread * (2 * r.nextDouble() - 1));
      out[d][0] = up[d % 5] * f;
      out[d][1] = 2 * up[d % 5] * f;
    }
    return out;
  }

  @Test
  void staticHistory_keepsAPlanAsGoodAsTheAlternation() {
    double[][] r = rates(new SplittableRandom(1), 0);
    List<double[][]> history = List.of(r, r, r);
    ServerState server = new ServerState(1e11);
    RobustSflPlanner robust = new RobustSflPlanner(COSTS, 16, new double[] {0.1, 0.5}, 10);
    RobustSflPlanner.Choice c = robust.plan(devices(r), history, server);
    SflPlan plain = new SflPlanner(COSTS, 16).plan(devices(r), server);
    assertEquals(plain.makespan(), c.scenarioMeanSeconds(), 1e-9 * plain.makespan());
    assertTrue(
        plain.makespan()
            < new SflPlanner(COSTS, 16).uniformBaseline(devices(r), server).makespan());
  }

  @Test
  void noisyHistory_choiceHasTheLowestScenarioMeanOfAllCandidates() {
    SplittableRandom rnd = new SplittableRandom(7);
    List<double[][]> history = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      history.add(rates(rnd, 1.5));
    }
    ServerState server = new ServerState(1e11);
    List<DeviceState> last = devices(history.get(history.size() - 1));
    RobustSflPlanner robust = new RobustSflPlanner(COSTS, 16, new double[] {0.1, 0.25}, 10);
    RobustSflPlanner.Choice c = robust.plan(last, history, server);
    List<double[][]> window = history.subList(2, 12);
    SflPlanner sfl = new SflPlanner(COSTS, 16);
    for (SflPlan p : List.of(sfl.plan(last, server), sfl.uniformBaseline(last, server))) {
      assertTrue(c.scenarioMeanSeconds() <= robust.meanMakespan(p, last, window) + 1e-9);
    }
    assertEquals(c.scenarioMeanSeconds(), robust.meanMakespan(c.plan(), last, window), 1e-9);
  }

  @Test
  void quantileRates_interpolateLinearly_andBadSettingsAreRefused() {
    List<double[][]> h = new ArrayList<>();
    for (double v : new double[] {4, 1, 3, 2}) {
      h.add(new double[][] {{v, 10 * v}});
    }
    assertArrayEquals(new double[] {1.75, 17.5}, RobustSflPlanner.quantileRates(h, 0.25)[0], 1e-12);
    assertThrows(
        IllegalArgumentException.class,
        () -> new RobustSflPlanner(COSTS, 16, new double[] {1.0}, 10));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RobustSflPlanner(COSTS, 16, new double[] {0.5}, 0));
  }
}
