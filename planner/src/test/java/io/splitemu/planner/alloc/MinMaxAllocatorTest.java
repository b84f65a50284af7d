package io.splitemu.planner.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ShannonRate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MinMaxAllocatorTest {

  private static RateFunction[] rates(SplittableRandom r, int n, boolean shannon) {
    RateFunction[] out = new RateFunction[n];
    for (int i = 0; i < n; i++) {
      out[i] =
          shannon
              ? ShannonRate.withPathLoss(10e6, 23, 0.05 + 0.45 * r.nextDouble(), 0.1 + 2 * r.nextDouble(), -174)
              : RateFunction.linear(1e6 * (1 + 20 * r.nextDouble()));
    }
    return out;
  }

  private static void checkOptimality(double[] a, double[] b, RateFunction[] rates, double tol) {
    Allocation al = MinMaxAllocator.allocate(a, b, rates);
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += al.shares()[i];
      double f = MinMaxAllocator.finish(a[i], b[i], rates[i], al.shares()[i]);
      assertTrue(f <= al.makespan() * (1 + 1e-12), "finish " + f + " above makespan " + al.makespan());
      // Equal finish times: every item with a payload ends at the makespan.
      assertEquals(al.makespan(), f, tol * al.makespan(), "item " + i);
    }
    assertEquals(1.0, sum, 1e-12);
  }

  @Test
  void linear_equalFinishTimesAndSharesSumToOne() {
    SplittableRandom r = new SplittableRandom(1);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + r.nextInt(30);
      double[] a = new double[n];
      double[] b = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = r.nextDouble();
        b[i] = 1e6 * (0.1 + r.nextDouble());
      }
      checkOptimality(a, b, rates(r, n, false), 1e-12);
    }
  }

  @Test
  void shannon_equalFinishTimesAndSharesSumToOne() {
    SplittableRandom r = new SplittableRandom(2);
    for (int trial = 0; trial < 100; trial++) {
      int n = 1 + r.nextInt(12);
      double[] a = new double[n];
      double[] b = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = 0.2 * r.nextDouble();
        b[i] = 1e6 * (0.1 + r.nextDouble());
      }
      checkOptimality(a, b, rates(r, n, true), 1e-9);
    }
  }

  @Test
  void neverBeatenByFineGridSearch() {
    SplittableRandom r = new SplittableRandom(3);
    int grid = 400;
    for (int trial = 0; trial < 60; trial++) {
      boolean shannon = trial % 2 == 1;
      int n = 2 + r.nextInt(2);
      double[] a = new double[n];
      double[] b = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = r.nextDouble();
        b[i] = 1e6 * (0.1 + r.nextDouble());
      }
      RateFunction[] rates = rates(r, n, shannon);
      double opt = MinMaxAllocator.allocate(a, b, rates).makespan();
      double bestGrid = Double.POSITIVE_INFINITY;
      for (int i = 1; i < grid; i++) {
        for (int j = 1; j < grid; j++) {
          double x0 = i / (double) grid;
          double x1 = j / (double) grid;
          double x2 = 1 - x0 - x1;
          if (n == 2 && j > 1) {
            break;
          }
          double[] x = n == 2 ? new double[] {x0, 1 - x0} : new double[] {x0, x1, x2};
          if (n == 3 && x2 <= 0) {
            continue;
          }
          double m = 0;
          for (int k = 0; k < n; k++) {
            m = Math.max(m, MinMaxAllocator.finish(a[k], b[k], rates[k], x[k]));
          }
          bestGrid = Math.min(bestGrid, m);
        }
      }
      assertTrue(opt <= bestGrid * (1 + 1e-12), "grid " + bestGrid + " beat " + opt);
      assertTrue(bestGrid <= opt * 1.05, "grid far from optimum: check the test itself");
    }
  }

  @Test
  void serverCompute_tauSolvesTheBalanceEquation() {
    // SFL form: sum_n B_n / (tau - A_n) = phi_S with B_n in FLOP.
    SplittableRandom r = new SplittableRandom(4);
    double phi = 5e10;
    int n = 12;
    double[] a = new double[n];
    double[] flop = new double[n];
    double[] k = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = 10 * r.nextDouble();
      flop[i] = 1e11 * r.nextDouble();
      k[i] = flop[i] / phi;
    }
    double[] x = new double[n];
    double tau = MinMaxAllocator.solveLinear(a, k, n, x);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += flop[i] / (tau - a[i]);
    }
    assertEquals(phi, sum, 1e-10 * phi);
  }

  @Test
  void generalDemands_agreeWithLinearClosedForm() {
    SplittableRandom r = new SplittableRandom(5);
    int n = 9;
    double[] a = new double[n];
    double[] b = new double[n];
    RateFunction[] rates = rates(r, n, false);
    List<ShareDemand> demands = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      a[i] = r.nextDouble();
      b[i] = 1e6 * r.nextDouble();
      int k = i;
      demands.add(x -> MinMaxAllocator.finish(a[k], b[k], rates[k], x));
    }
    double closed = MinMaxAllocator.allocate(a, b, rates).makespan();
    double general = MinMaxAllocator.allocate(demands).makespan();
    assertEquals(closed, general, 1e-12 * closed);
  }
}
