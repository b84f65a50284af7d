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
 * makespan) are handed out in proportion, which can only shorten finish times; when no item has
 * bits to send, every item gets 1/n.
 */
public final class MinMaxAllocator {

  private MinMaxAllocator() {}

  /** Allocates over items with fixed times {@code fixed}, payloads {@code bits} and rates. */
  public static Allocation allocate(double[] fixed, double[] bits, RateFunction[] rates) {
    int n = fixed.length;
    if (bits.length != n || rates.length != n) {
      throw new IllegalArgumentException(
          "min-max allocation: "
              + n
              + " fixed times but "
              + bits.length
              + " payloads and "
              + rates.length
              + " rates");
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

  private static final double LN2 = StrictMath.log(2);

  /**
   * Wireless case on raw arrays (the hot path of clustering on Shannon links): finish time {@code
   * A_n + B_n / r_n(x_n)} with {@code r_n(x) = x w_n log2(1 + s_n / x)} when {@code s_n > 0} (a
   * {@code ShannonRate} with bandwidth w_n and full-band SNR s_n) and {@code r_n(x) = x w_n} when
   * {@code s_n == 0} (a linear link of full rate w_n). Writes the shares into {@code out[0..n)} and
   * each item's rate at its share into {@code work[0..n)}, and returns the makespan; returns {@code
   * NaN} when it cannot certify the result (some {@code B_n = 0}, or no convergence), and callers
   * then use {@link #allocate(double[], double[], RateFunction[])}.
   *
   * <p>Method: Newton's method on the whole optimality system {@code r_n(x_n) = B_n / (T - A_n)}
   * for all n and {@code sum x_n = 1}, in x and T at once: one logarithm per item and step. It
   * starts from the linear closed form with each rate replaced by its chord through share 1/n (or
   * through a warm-start point) and stops after a step below 1e-8 (relative), where quadratic
   * convergence leaves an error near 1e-16. If it leaves its basin (a share outside (0, 1]), a
   * nested iteration takes over: Newton on {@code S(T) = sum_n x_n(T) - 1} with exact inner
   * inversions {@code x_n(T) = r_n^-1(B_n / (T - A_n))}. Each x_n(T) is convex and decreasing (a
   * convex increasing inverse of a concave rate composed with a convex decreasing demand), so S is
   * convex and Newton steps from either side land left of the root and then climb to it; a bracket
   * guards against rounding.
   *
   * <p>Certificate: the shares are normalised to sum to 1, the rates recomputed at them, and the
   * result is accepted only when every finish time lies within {@code 1e-9} (relative) of the
   * makespan. That makes it optimal to the same tolerance: if the optimum T* were below the
   * smallest finish time, every item would need a larger share than it has to finish by T*, so the
   * optimal shares would sum to more than 1; hence {@code min finish <= T* <= makespan}. In
   * practice the spread is a few ulps. Logarithms use {@code log(u) q / (u - 1)} with {@code u = 1
   * + q} for {@code log1p(q)} (Kahan's form, accurate to a few ulps), so rates agree with {@code
   * ShannonRate} to a few ulps.
   *
   * @param work scratch of length at least {@code 4n}
   */
  public static double solveWireless(
      double[] a, double[] bits, double[] w, double[] snr, int n, double[] out, double[] work) {
    double[] full = new double[n];
    for (int i = 0; i < n; i++) {
      full[i] = rate(w[i], snr[i], 1);
    }
    return solveWireless(a, bits, w, snr, full, null, n, out, work);
  }

  /**
   * {@link #solveWireless(double[], double[], double[], double[], int, double[], double[])} with
   * each item's rate at share 1 given ({@code full}) and optional warm starts: {@code chord[i] > 0}
   * is {@code r_i(x) / x} at some earlier share x of item i (bit/s per unit share, e.g. {@code
   * work[i] / out[i]} after a previous solve); 0 or a null array means the chord through 1/n. A
   * warm start only changes the number of iterations, not the optimum.
   */
  public static double solveWireless(
      double[] a,
      double[] bits,
      double[] w,
      double[] snr,
      double[] full,
      double[] chord,
      int n,
      double[] out,
      double[] work) {
    double lo = 0;
    double maxA = 0;
    for (int i = 0; i < n; i++) {
      if (!(bits[i] > 0)) {
        return Double.NaN;
      }
      lo = Math.max(lo, a[i] + bits[i] / full[i]);
      maxA = Math.max(maxA, a[i]);
    }
    if (n == 1) {
      out[0] = 1;
      work[0] = full[0];
      return lo;
    }
    // Start: the linear problem with chords, K_n = B_n / (r_n(x) / x).
    double[] k = work;
    for (int i = 0; i < n; i++) {
      double slope = chord != null && chord[i] > 0 ? chord[i] : chordSlope(w[i], snr[i], n);
      k[i] = bits[i] / slope;
    }
    double t = solveLinear(a, k, n, out);
    // T may fall below lo (chords overrate a concave rate left of their point); the joint
    // iteration copes as long as every item has time left, T > A_n.
    if (!(t > maxA) || !Double.isFinite(t)) {
      t = 2 * lo;
      for (int i = 0; i < n; i++) {
        out[i] = 1.0 / n;
      }
    }
    if (Double.isNaN(jointNewton(a, bits, w, snr, n, t, out, work))
        && !nested(a, bits, w, snr, n, lo, Math.max(t, lo), out, work)) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += out[i];
    }
    double max = 0;
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      out[i] /= sum;
      work[i] = rate(w[i], snr[i], out[i]);
      double f = a[i] + bits[i] / work[i];
      max = Math.max(max, f);
      min = Math.min(min, f);
    }
    return max - min <= 1e-9 * max ? max : Double.NaN;
  }

  /**
   * Newton's method on {@code r_n(x_n) = B_n / (T - A_n)}, {@code sum x_n = 1} in x and T at once
   * from (t0, out). Returns T with the shares in {@code out}, or NaN with {@code out} untouched
   * when a share would leave (0, 1] or it does not converge.
   */
  private static double jointNewton(
      double[] a,
      double[] bits,
      double[] w,
      double[] snr,
      int n,
      double t0,
      double[] out,
      double[] work) {
    double t = t0;
    for (int i = 0; i < n; i++) {
      work[n + i] = Math.min(out[i], 1);
    }
    for (int it = 0; it < 30; it++) {
      double num = 0;
      double den = 0;
      double sumX = 0;
      for (int i = 0; i < n; i++) {
        double x = work[n + i];
        double r;
        double rp;
        if (snr[i] > 0) {
          double q = snr[i] / x;
          double l = log1p(q);
          r = x * w[i] * l / LN2;
          rp = w[i] / LN2 * (l - q / (1 + q));
        } else {
          r = x * w[i];
          rp = w[i];
        }
        double d = t - a[i];
        if (!(d > 0)) {
          return Double.NaN;
        }
        double need = bits[i] / d;
        // linearised: r + rp dx_n = need - need / d dT, so dx_n = c_n - e_n dT
        work[2 * n + i] = (need - r) / rp;
        work[3 * n + i] = need / d / rp;
        num += work[2 * n + i];
        den += work[3 * n + i];
        sumX += x;
      }
      double dT = (num - (1 - sumX)) / den;
      double stepMax = Math.abs(dT) / t;
      for (int i = 0; i < n; i++) {
        double dx = work[2 * n + i] - work[3 * n + i] * dT;
        double x = work[n + i] + dx;
        if (!(x > 0 && x <= 1)) {
          return Double.NaN;
        }
        stepMax = Math.max(stepMax, Math.abs(dx) / x);
        work[n + i] = x;
      }
      t += dT;
      if (!Double.isFinite(t)) {
        return Double.NaN;
      }
      // Quadratic convergence: after a step this small the error is near rounding level (the
      // certificate in solveWireless checks it).
      if (stepMax <= 1e-8) {
        System.arraycopy(work, n, out, 0, n);
        return t;
      }
    }
    return Double.NaN;
  }

  // The nested iteration (see solveWireless) from (t, out) with lower bracket lo; shares in out.
  private static boolean nested(
      double[] a,
      double[] bits,
      double[] w,
      double[] snr,
      int n,
      double lo,
      double t,
      double[] out,
      double[] work) {
    // S is convex: Newton from the right lands left of the root and from the left stays there, so
    // the upper end of the bracket only matters once a right point has been seen.
    double hi = Double.POSITIVE_INFINITY;
    double[] slope = work;
    for (int it = 0; it < 100; it++) {
      double sum = 0;
      double ds = 0;
      for (int i = 0; i < n; i++) {
        double d = t - a[i];
        double need = bits[i] / d;
        double x = invert(w[i], snr[i], need, Math.min(out[i], 1), slope, i);
        out[i] = x;
        sum += x;
        ds -= need / d / slope[i];
      }
      double s = sum - 1;
      if (s > 0) {
        lo = t;
      } else {
        hi = t;
      }
      if (s == 0) {
        return true;
      }
      // Newton on 1/sum - 1 rather than sum - 1: exact in one step for linear links with equal
      // fixed times, and it climbs faster from the left where sum_n K_n / (T - A_n) is steep.
      double step = -s * sum / ds;
      if (Math.abs(step) <= 1e-15 * t || (hi < Double.POSITIVE_INFINITY && hi - lo <= 1e-15 * hi)) {
        // Checked before the bracket: a step below one ulp would otherwise read as leaving it.
        return true;
      }
      double next = t + step;
      if (!(next > lo && next < hi)) {
        next = hi < Double.POSITIVE_INFINITY ? 0.5 * (lo + hi) : 2 * lo;
      }
      t = next;
    }
    return false;
  }

  // The share with rate(x) = need, by Newton from x0 inside the bracket (0, 1]; the rate is
  // concave, so after at most one step the iterates climb to the root from the left. Leaves
  // rate'(x) in slope[i] for the outer step; returns +infinity when even share 1 is too slow.
  private static double invert(
      double w, double snr, double need, double x0, double[] slope, int i) {
    if (snr == 0) {
      slope[i] = w;
      double x = need / w;
      return x > 1 ? Double.POSITIVE_INFINITY : x;
    }
    double lo = 0;
    double hi = 1;
    double x = x0 > 0 ? x0 : 1;
    for (int it = 0; it < 200; it++) {
      double q = snr / x;
      double l = log1p(q);
      double g = x * w * l / LN2 - need;
      double rp = w / LN2 * (l - q / (1 + q));
      slope[i] = rp;
      if (g >= 0) {
        hi = x;
      } else {
        lo = x;
        if (x == 1) {
          return Double.POSITIVE_INFINITY;
        }
      }
      double step = -g / rp;
      if (Math.abs(step) <= 1e-15 * x) {
        return x + step;
      }
      double next = x + step;
      if (!(next > lo && next < hi)) {
        next = 0.5 * (lo + hi);
      }
      x = next;
    }
    return x;
  }

  /**
   * The default warm start of {@link #solveWireless} for an item in a pool of {@code n}: {@code
   * r(1/n) / (1/n)}, bit for bit. Callers that solve many pools of the same size over the same
   * items may pass it as {@code chord} from a cache and skip its logarithm.
   */
  public static double chordSlope(double w, double snr, int n) {
    return n * rate(w, snr, 1.0 / n);
  }

  private static double rate(double w, double snr, double x) {
    return snr > 0 ? x * w * log1p(snr / x) / LN2 : x * w;
  }

  /**
   * log1p(q) for q > -1 through StrictMath.log: with u = 1 + q rounded, log(u) q / (u - 1) cancels
   * the rounding of u to first order (Kahan). The clustering's share inversions use it too. It was
   * Math.log, a HotSpot intrinsic, for speed; StrictMath's result is the same on every host (docs/
   * runtime.md, "Fidelity and determinism") and the form is kept so the figures stay the same.
   */
  public static double log1p(double q) {
    double u = 1 + q;
    return u == 1 ? q : StrictMath.log(u) * q / (u - 1);
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
      double[] a,
      double[] bits,
      RateFunction[] rates,
      int n,
      double t,
      double[] out,
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
      double[] a,
      double[] k,
      double[] bits,
      RateFunction[] rates,
      int n,
      double[] out,
      double sum) {
    if (sum > 0) {
      double scale = 1 / sum;
      for (int i = 0; i < n; i++) {
        out[i] *= scale;
      }
    } else {
      // No item needs the band (every payload is 0 bits): spread it equally, so that every share
      // stays a valid one for the links, which time a 0-bit transfer at its propagation delay.
      for (int i = 0; i < n; i++) {
        out[i] = 1.0 / n;
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
   * General min-max over decreasing finish-time functions: bisection on the target between the best
   * single finish time (every item with share 1) and the equal-share makespan.
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
      } else {
        out[i] = 1.0 / n; // no item needs the band: spread it, as spreadAndMakespan does
      }
      ShareDemand d = demands.get(i);
      t = Math.max(t, d.needsNoShare() ? d.finish(1) : d.finish(out[i]));
    }
    return new Allocation(out, t);
  }

  private static boolean feasible(
      java.util.List<? extends ShareDemand> demands, double t, double[] out) {
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
