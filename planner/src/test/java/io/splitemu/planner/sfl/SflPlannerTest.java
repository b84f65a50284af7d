package io.splitemu.planner.sfl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.TestChains;
import java.util.List;
import org.junit.jupiter.api.Test;

class SflPlannerTest {

  @Test
  void alternation_isMonotoneBeatsBaselineAndUsesTheWholeServer() {
    int trials = 20;
    int better = 0;
    double agreement = 0;
    for (long seed = 0; seed < trials; seed++) {
      CutCosts c = CutCosts.of(TestChains.cnn(seed, 11));
      List<DeviceState> devices = TestChains.linearDevices(seed, 10);
      ServerState s = new ServerState(1e11);
      SflPlanner p = new SflPlanner(c, 16);
      SflPlan plan = p.plan(devices, s);
      List<Double> h = plan.history();
      for (int i = 1; i < h.size(); i++) {
        assertTrue(h.get(i) <= h.get(i - 1), "seed " + seed + ": objective rose: " + h);
      }
      double sum = 0;
      for (double f : plan.serverFlops()) {
        sum += f;
      }
      assertTrue(sum <= s.flopsPerSecond() * (1 + 1e-12));
      SflPlan base = p.uniformBaseline(devices, s);
      assertTrue(plan.makespan() <= base.makespan());
      if (plan.makespan() < 0.99 * base.makespan()) {
        better++;
      }
      double direct =
          SchemeLatency.sflRound(c, plan.cuts(), 16, devices, plan.serverFlops()).total();
      assertEquals(direct, plan.makespan(), 1e-12 * direct);
      assertTrue(plan.fdFit().rSquared() > 0.9, "FD fit R^2 " + plan.fdFit().rSquared());
      agreement += plan.fitAgreement();
      for (int i = 0; i < devices.size(); i++) {
        // The chosen cut is the exact argmin for the final shares, or no worse than it.
        double mine =
            SchemeLatency.sflDevice(c, plan.cuts()[i], 16, devices.get(i), plan.serverFlops()[i])
                .total();
        assertTrue(mine <= plan.makespan() * (1 + 1e-12));
      }
    }
    System.out.printf(
        "SFL: beat uniform baseline by > 1%% in %d of %d; fitted cut = exact argmin in %.3f of"
            + " choices%n",
        better, trials, agreement / trials);
    assertTrue(better >= trials * 0.9);
  }

  @Test
  void fits_reportRSquaredOfEachCurve() {
    SflPlanner p = new SflPlanner(CutCosts.of(TestChains.cnn(4, 12)), 16);
    SflPlan plan = p.plan(TestChains.linearDevices(4, 5), new ServerState(1e11));
    System.out.printf(
        "SFL fits on cnn4: FD %s R^2=%.5f, a %s R^2=%.5f, W %s R^2=%.5f%n",
        plan.fdFit().kind(),
        plan.fdFit().rSquared(),
        plan.activationFit().kind(),
        plan.activationFit().rSquared(),
        plan.weightFit().kind(),
        plan.weightFit().rSquared());
    assertTrue(plan.activationFit().rSquared() <= 1 + 1e-12);
    assertTrue(plan.weightFit().rSquared() > 0.5);
  }
}
