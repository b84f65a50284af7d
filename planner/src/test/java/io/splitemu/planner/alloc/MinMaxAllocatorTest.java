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
              ? ShannonRate.withPathLoss(
                  10e6, 23, 0.05 + 0.45 * r.nextDouble(), 0.1 + 2 * r.nextDouble(), -174)
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
      assertTrue(
          f <= al.makespan() * (1 + 1e-12), "finish " + f + " above makespan " + al.makespan());
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
      double fast = wireless(a, b, rates, null, new double[n], new double[4 * n]);
      assertTrue(fast <= bestGrid * (1 + 1e-12), "grid " + bestGrid + " beat wireless " + fast);
      assertTrue(bestGrid <= opt * 1.05, "grid far from optimum: check the test itself");
    }
  }

  // solveWireless with the link constants read off the rate functions
  private static double wireless(
      double[] a, double[] b, RateFunction[] rates, double[] chord, double[] out, double[] work) {
    int n = a.length;
    double[] w = new double[n];
    double[] snr = new double[n];
    double[] full = new double[n];
    for (int i = 0; i < n; i++) {
      if (rates[i] instanceof ShannonRate s) {
        w[i] = s.bandwidthHz();
        snr[i] = s.fullBandSnr();
      } else {
        w[i] = rates[i].bitsPerSecond(1);
      }
      full[i] = rates[i].bitsPerSecond(1);
    }
    return MinMaxAllocator.solveWireless(a, b, w, snr, full, chord, n, out, work);
  }

  @Test
  void wireless_equalisesFinishTimes_neverWorseThanGeneralSolver_warmStartSameOptimum() {
    SplittableRandom r = new SplittableRandom(6);
    for (int trial = 0; trial < 300; trial++) {
      int n = 1 + r.nextInt(20);
      double[] a = new double[n];
      double[] b = new double[n];
      RateFunction[] rates = rates(r, n, true);
      for (int i = 0; i < n; i++) {
        a[i] = r.nextInt(4) == 0 ? 0 : 0.5 * r.nextDouble();
        b[i] = 8e5 * (0.1 + 10 * r.nextDouble());
        if (r.nextInt(5) == 0) {
          // mixed pools: some members on linear links
          rates[i] = RateFunction.linear(1e6 * (1 + 20 * r.nextDouble()));
        }
      }
      double[] x = new double[n];
      double[] work = new double[4 * n];
      double t = wireless(a, b, rates, null, x, work);
      assertTrue(Double.isFinite(t), "trial " + trial + ": not certified");
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += x[i];
        assertEquals(rates[i].bitsPerSecond(x[i]), work[i], 1e-12 * work[i], "rate out " + i);
        double f = MinMaxAllocator.finish(a[i], b[i], rates[i], x[i]);
        assertEquals(t, f, 1e-9 * t, "trial " + trial + " item " + i);
      }
      assertEquals(1, sum, 1e-12);
      Allocation general = MinMaxAllocator.allocate(a, b, rates);
      assertTrue(t <= general.makespan() * (1 + 1e-9), t + " > general " + general.makespan());
      // a warm start from chords through slightly perturbed shares reaches the same optimum
      double[] chord = new double[n];
      for (int i = 0; i < n; i++) {
        double xi = Math.min(1, x[i] * (0.7 + 0.6 * r.nextDouble()));
        chord[i] = rates[i].bitsPerSecond(xi) / xi;
      }
      double warm = wireless(a, b, rates, chord, new double[n], new double[4 * n]);
      assertEquals(t, warm, 1e-12 * t, "trial " + trial + ": warm start");
    }
  }

  @Test
  void wireless_refusesItemsWithoutPayload() {
    RateFunction[] rates = {RateFunction.linear(1e6), RateFunction.linear(2e6)};
    double t =
        wireless(
            new double[] {0, 1}, new double[] {1e6, 0}, rates, null, new double[2], new double[8]);
    assertTrue(Double.isNaN(t), "B = 0 is left to the general solver");
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

  @Test
  void solveWireless_chordSlopeAsWarmStartEqualsNoWarmStart_toTheBit() {
    SplittableRandom r = new SplittableRandom(5);
    for (int trial = 0; trial < 200; trial++) {
      int n = 2 + r.nextInt(40);
      double[] a = new double[n];
      double[] bits = new double[n];
      double[] w = new double[n];
      double[] snr = new double[n];
      double[] full = new double[n];
      double[] chord = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = 0.05 * r.nextDouble();
        bits[i] = 1e5 + 1e6 * r.nextDouble();
        w[i] = 10e6;
        // Mostly Shannon links, some linear ones (SNR 0).
        snr[i] = r.nextInt(5) == 0 ? 0 : Math.pow(10, 1 + 5 * r.nextDouble());
        full[i] = snr[i] > 0 ? w[i] * Math.log1p(snr[i]) / Math.log(2) : w[i];
        chord[i] = MinMaxAllocator.chordSlope(w[i], snr[i], n);
      }
      double[] out1 = new double[n];
      double[] out2 = new double[n];
      double t1 =
          MinMaxAllocator.solveWireless(a, bits, w, snr, full, null, n, out1, new double[4 * n]);
      double t2 =
          MinMaxAllocator.solveWireless(a, bits, w, snr, full, chord, n, out2, new double[4 * n]);
      assertEquals(Double.doubleToLongBits(t1), Double.doubleToLongBits(t2), "trial " + trial);
      for (int i = 0; i < n; i++) {
        assertEquals(Double.doubleToLongBits(out1[i]), Double.doubleToLongBits(out2[i]));
      }
    }
  }
}
