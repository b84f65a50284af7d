package io.splitemu.planner.sfl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.TestChains;
import java.util.List;
import java.util.SplittableRandom;
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

  /**
   * fittedCut evaluates the fitted curves on its grid once per planner rather than per device and
   * iteration, and exactCut prices each cut once: the cuts they pick equal those of the former
   * per-device evaluation (kept below) on random chains, devices and server rates, with polynomial
   * and exponential fits of several degrees and cut ranges up to the whole model on the device.
   */
  @Test
  void cutChoices_equalThoseOfTheFormerPerDeviceEvaluation() {
    int exponential = 0;
    int compared = 0;
    int distinctFitted = 0;
    for (long seed = 0; seed < 40; seed++) {
      int units = 6 + (int) (seed % 20);
      CutCosts c = CutCosts.of(TestChains.cnn(seed, units));
      int batch = 8 << (seed % 3);
      int degree = 1 + (int) (seed % 4);
      int minCut = seed % 2 == 0 ? 1 : 0;
      int maxCut = seed % 3 == 0 ? units : units - 1;
      SflPlanner p = new SflPlanner(c, batch, minCut, maxCut, degree, 50);
      List<DeviceState> devices = TestChains.linearDevices(seed, 60);
      SflPlan fits = p.uniformBaseline(devices, new ServerState(1e11));
      for (CurveFit f : List.of(fits.fdFit(), fits.activationFit(), fits.weightFit())) {
        exponential += f.kind().equals("exponential") ? 1 : 0;
      }
      SplittableRandom r = new SplittableRandom(seed);
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      for (DeviceState d : devices) {
        double f = 1e8 * Math.pow(10, 4 * r.nextDouble());
        int fitted = p.fittedCut(d, f);
        assertEquals(formerFittedCut(c, batch, minCut, maxCut, fits, d, f), fitted);
        assertEquals(formerExactCut(c, batch, minCut, maxCut, d, f), p.exactCut(d, f));
        seen.add(fitted);
        compared++;
      }
      distinctFitted += seen.size();
    }
    // The comparison is not vacuous: both kinds of fit occur and the picked cuts vary.
    assertTrue(exponential > 0, "no exponential fit among the chains");
    assertTrue(exponential < 3 * 40, "no polynomial fit among the chains");
    assertTrue(distinctFitted > 2 * 40, "fitted cuts hardly vary: " + distinctFitted);
    assertEquals(40 * 60, compared);
  }

  // SflPlanner.fittedCut before its grid was precomputed: the fits evaluated at every grid point
  // for every device.
  private static int formerFittedCut(
      CutCosts costs, int batch, int minCut, int maxCut, SflPlan fits, DeviceState d, double f) {
    int grid = 512;
    double total = costs.deviceFlops(costs.units());
    double rU = d.uplink().bitsPerSecond(1);
    double rD = d.downlink().bitsPerSecond(1);
    double steps = d.stepsPerEpoch(batch);
    double bestX = minCut;
    double best = Double.POSITIVE_INFINITY;
    for (int g = 0; g <= grid; g++) {
      double x = minCut + (maxCut - minCut) * (g / (double) grid);
      double fd = fits.fdFit().value(x);
      double fs = Math.max(0, total - fd);
      double t =
          steps
                  * (batch * fd / d.flopsPerSecond()
                      + 8.0 * batch * fits.activationFit().value(x) * (1 / rU + 1 / rD)
                      + (fs == 0 ? 0 : batch * fs / f))
              + 8.0 * fits.weightFit().value(x) / rU;
      if (t < best) {
        best = t;
        bestX = x;
      }
    }
    int lo = (int) Math.floor(bestX);
    int hi = Math.min(maxCut, lo + 1);
    return time(costs, batch, d, lo, f) <= time(costs, batch, d, hi, f) ? lo : hi;
  }

  // SflPlanner.exactCut before: the best cut's time recomputed at every comparison.
  private static int formerExactCut(
      CutCosts costs, int batch, int minCut, int maxCut, DeviceState d, double f) {
    int best = minCut;
    for (int p = minCut + 1; p <= maxCut; p++) {
      if (time(costs, batch, d, p, f) < time(costs, batch, d, best, f)) {
        best = p;
      }
    }
    return best;
  }

  private static double time(CutCosts costs, int batch, DeviceState d, int cut, double f) {
    return SchemeLatency.sflDevice(costs, cut, batch, d, f).total();
  }
}
