package io.splitemu.planner.alloc;

import io.splitemu.planner.latency.RateFunction;

/**
 * Min-max share allocation of LATENCY-MODEL.md section 5: minimise {@code max_n (A_n + B_n /
 * rate_n(x_n))} subject to {@code sum x_n <= 1}.
 *
 * <p>The optimum equalises finish times. With linear rates the shares are {@code x_n = K_n / (T -
 * A_n)}, {@code K_n = B_n / rate_n(1)}, and T solves {@code sum_n K_n / (T - A_n) = 1}; that sum is
 * convex and decreasing in T, so Newton's method started left of the root climbs to it
 * monotonically and stops at machine precision. Otherwise T is found by bisection, each x_n(T)
 * through {@link RateFunction#minShare}. Shares left over (when an item with B_n = 0 sets the
 * makespan) are handed out in proportion, which can only shorten finish times.
 */
public final class MinMaxAllocator {

  private MinMaxAllocator() {}

  /** Allocates over items with fixed times {@code fixed}, payloads {@code bits} and rates. */
  public static Allocation allocate(double[] fixed, double[] bits, RateFunction[] rates) {
    int n = fixed.length;
    if (bits.length != n || rates.length != n) {
      throw new IllegalArgumentException(
          "min-max allocation: " + n + " fixed times but " + bits.length + " payloads and "
              + rates.length + " rates");
    }
    if (n == 0) {
      throw new IllegalArgumentException("min-max allocation needs at least one item");
    }
    double[] out = new double[n];
    boolean linear = true;
    for (int i = 0; i < n; i++) {
      if (!(fixed[i] >= 0) || !(bits[i] >= 0) || Double.isInfinite(fixed[i] + bits[i])) {
        throw new IllegalArgumentException(
            "min-max allocation: item " + i + " needs finite A >= 0 and B >= 0");
      }
      linear &= rates[i].isLinear();
    }
    double t;
    if (linear) {
      double[] k = new double[n];
      for (int i = 0; i < n; i++) {
        k[i] = bits[i] / rates[i].bitsPerSecond(1);
      }
      t = solveLinear(fixed, k, n, out);
    } else {
      t = solveGeneral(fixed, bits, rates, n, out);
    }
    return new Allocation(out, t);
  }

  /**
   * Linear case on raw arrays (the hot path of clustering): finish time {@code A_n + K_n / x_n}.
   * Writes the shares into {@code out[0..n)} and returns the makespan.
   */
  public static double solveLinear(double[] a, double[] k, int n, double[] out) {
    double t = 0;
    for (int i = 0; i < n; i++) {
      t = Math.max(t, a[i] + k[i]);
    }
    // t is a lower bound: each item reaches at best A + K with the whole band.
    for (int it = 0; it < 100; it++) {
      double f = -1;
      double df = 0;
      for (int i = 0; i < n; i++) {
        if (k[i] > 0) {
          double inv = 1 / (t - a[i]);
          f += k[i] * inv;
          df += k[i] * inv * inv;
        }
      }
      if (f <= 0 || df == 0) {
        break;
      }
      double next = t + f / df;
      if (!(next > t)) {
        break;
      }
      t = next;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      out[i] = k[i] > 0 ? k[i] / (t - a[i]) : 0;
      sum += out[i];
    }
    return spreadAndMakespan(a, k, null, null, n, out, sum);
  }

  // Safeguarded Newton on S(T) = sum_n x_n(T) - 1 inside the bracket [lo, hi], with
  // dx_n/dT = -(B_n / (T - A_n)^2) / rate_n'(x_n); falls back to bisection when a step leaves the
  // bracket. About 5-10 outer steps instead of ~50 halvings, which matters for Shannon links.
  private static double solveGeneral(
      double[] a, double[] bits, RateFunction[] rates, int n, double[] out) {
    double lo = 0;
    double hi = 0;
    for (int i = 0; i < n; i++) {
      lo = Math.max(lo, finish(a[i], bits[i], rates[i], 1));
      hi = Math.max(hi, finish(a[i], bits[i], rates[i], 1.0 / n));
    }
    if (!feasible(a, bits, rates, n, lo, out)) {
      double t = hi;
      double[] slope = new double[1];
      double[] trial = new double[n];
      boolean done = false;
      for (int it = 0; it < 200 && !done; it++) {
        double s = shareSum(a, bits, rates, n, t, trial, slope) - 1;
        if (s <= 0) {
          hi = t;
        } else {
          lo = t;
        }
        double next = Double.isFinite(s) && slope[0] < 0 ? t - s / slope[0] : Double.NaN;
        if (!(next > lo && next < hi)) {
          next = 0.5 * (lo + hi);
        }
        if (Math.abs(next - t) <= 1e-15 * t || hi - lo <= 1e-15 * hi) {
          // Converged: t's shares sum to 1 up to rounding; the spread below renormalises them.
          if (Double.isFinite(s) && s <= 1e-12) {
            System.arraycopy(trial, 0, out, 0, n);
            done = true;
          }
          break;
        }
        t = next;
      }
      if (!done && !feasible(a, bits, rates, n, hi, out)) {
        // hi is the equal-share makespan: rounding may make its exact inverse miss by an ulp.
        java.util.Arrays.fill(out, 1.0 / n);
      }
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += out[i];
    }
    return spreadAndMakespan(a, null, bits, rates, n, out, sum);
  }

  private static double shareSum(
      double[] a, double[] bits, RateFunction[] rates, int n, double t, double[] out,
      double[] slope) {
    double sum = 0;
    double ds = 0;
    for (int i = 0; i < n; i++) {
      double x = 0;
      if (bits[i] > 0) {
        if (t <= a[i]) {
          slope[0] = 0;
          return Double.POSITIVE_INFINITY;
        }
        double need = bits[i] / (t - a[i]);
        x = rates[i].minShare(need);
        if (Double.isFinite(x) && x > 0) {
          ds -= need / (t - a[i]) / rates[i].slope(x);
        }
      }
      out[i] = x;
      sum += x;
    }
    slope[0] = ds;
    return sum;
  }

  private static boolean feasible(
      double[] a, double[] bits, RateFunction[] rates, int n, double t, double[] out) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double x;
      if (bits[i] == 0) {
        x = 0;
      } else if (t <= a[i]) {
        return false;
      } else {
        x = rates[i].minShare(bits[i] / (t - a[i]));
      }
      out[i] = x;
      sum += x;
      if (sum > 1) {
        return false;
      }
    }
    return true;
  }

  private static double spreadAndMakespan(
      double[] a, double[] k, double[] bits, RateFunction[] rates, int n, double[] out, double sum) {
    if (sum > 0) {
      double scale = 1 / sum;
      for (int i = 0; i < n; i++) {
        out[i] *= scale;
      }
    }
    double t = 0;
    for (int i = 0; i < n; i++) {
      double f;
      if (k != null) {
        f = k[i] > 0 ? a[i] + k[i] / out[i] : a[i];
      } else {
        f = finish(a[i], bits[i], rates[i], out[i]);
      }
      t = Math.max(t, f);
    }
    return t;
  }

  /**
   * General min-max over decreasing finish-time functions: bisection on the target between the
   * best single finish time (every item with share 1) and the equal-share makespan.
   */
  public static Allocation allocate(java.util.List<? extends ShareDemand> demands) {
    int n = demands.size();
    if (n == 0) {
      throw new IllegalArgumentException("min-max allocation needs at least one item");
    }
    double lo = 0;
    double hi = 0;
    for (ShareDemand d : demands) {
      lo = Math.max(lo, d.finish(1));
      hi = Math.max(hi, d.finish(1.0 / n));
    }
    double[] out = new double[n];
    if (!feasible(demands, lo, out)) {
      for (int it = 0; it < 300 && hi - lo > 1e-15 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) {
          break;
        }
        if (feasible(demands, mid, out)) {
          hi = mid;
        } else {
          lo = mid;
        }
      }
      if (!feasible(demands, hi, out)) {
        java.util.Arrays.fill(out, 1.0 / n);
      }
    }
    double sum = 0;
    for (double x : out) {
      sum += x;
    }
    double t = 0;
    for (int i = 0; i < n; i++) {
      if (sum > 0) {
        out[i] /= sum;
      }
      ShareDemand d = demands.get(i);
      t = Math.max(t, d.needsNoShare() ? d.finish(1) : d.finish(out[i]));
    }
    return new Allocation(out, t);
  }

  private static boolean feasible(java.util.List<? extends ShareDemand> demands, double t, double[] out) {
    double sum = 0;
    for (int i = 0; i < out.length; i++) {
      out[i] = demands.get(i).minShare(t);
      sum += out[i];
      if (!(sum <= 1)) {
        return false;
      }
    }
    return true;
  }

  /** {@code A + B / rate(x)}, with 0 payload costing nothing. */
  public static double finish(double a, double bits, RateFunction rate, double share) {
    return bits == 0 ? a : a + bits / rate.bitsPerSecond(share);
  }
}
