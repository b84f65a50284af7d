package io.splitemu.model.data;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Seeded random variates used by the generators and partitioners, implemented here on StrictMath so
 * results depend only on the seed and this code, not on a library or the host's math intrinsics.
 */
public final class Sampling {
  private Sampling() {}

  /**
   * A standard normal variate (Marsaglia's polar method, one value per call). The JDK's own {@code
   * nextGaussian} is not used: its ziggurat compares a uniform draw with {@code Math.exp}, an
   * intrinsic that may round by the CPU.
   */
  public static double normal(RandomGenerator rng) {
    while (true) {
      double u = 2 * rng.nextDouble() - 1;
      double v = 2 * rng.nextDouble() - 1;
      double s = u * u + v * v;
      if (s > 0 && s < 1) {
        return u * Math.sqrt(-2 * StrictMath.log(s) / s);
      }
    }
  }

  /**
   * A Gamma(shape, 1) variate by Marsaglia and Tsang's squeeze method; shapes below one use the
   * boost {@code Gamma(a) = Gamma(a + 1) * U^(1/a)}.
   */
  public static double gamma(SplittableRandom rng, double shape) {
    if (!(shape > 0) || Double.isInfinite(shape)) {
      throw new IllegalArgumentException("gamma shape must be a finite number > 0, got " + shape);
    }
    if (shape < 1) {
      double u = uniformOpen(rng);
      return gamma(rng, shape + 1) * StrictMath.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3.0;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = normal(rng);
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = uniformOpen(rng);
      if (u < 1 - 0.0331 * x * x * x * x) {
        return d * v;
      }
      if (StrictMath.log(u) < 0.5 * x * x + d * (1 - v + StrictMath.log(v))) {
        return d * v;
      }
    }
  }

  /**
   * A symmetric Dirichlet(alpha, ..., alpha) vector of length {@code k}, from normalised Gamma
   * variates.
   *
   * <p>For tiny alpha every Gamma draw can underflow to zero; then all mass goes to one uniformly
   * chosen component, which is the limit of the distribution as alpha tends to zero.
   */
  public static double[] dirichlet(SplittableRandom rng, double alpha, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("dirichlet needs at least one component, got " + k);
    }
    double[] p = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      p[i] = gamma(rng, alpha);
      sum += p[i];
    }
    if (!(sum > 0) || Double.isInfinite(sum)) {
      Arrays.fill(p, 0);
      p[rng.nextInt(k)] = 1;
      return p;
    }
    for (int i = 0; i < k; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** Shuffles {@code a} in place (Fisher-Yates). */
  public static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** The identity permutation {@code 0..n-1}, shuffled. */
  public static int[] permutation(int n, SplittableRandom rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    shuffle(a, rng);
    return a;
  }

  /**
   * Splits {@code total} into integer parts proportional to {@code weights} (largest remainder,
   * ties to the lower index), so the parts sum to exactly {@code total}.
   */
  public static int[] apportion(double[] weights, int total) {
    double sum = 0;
    for (double w : weights) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("weights must be finite and >= 0, got " + w);
      }
      sum += w;
    }
    int k = weights.length;
    int[] parts = new int[k];
    if (total == 0) {
      return parts;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("weights must not all be zero");
    }
    double[] rem = new double[k];
    int given = 0;
    for (int i = 0; i < k; i++) {
      double exact = weights[i] / sum * total;
      parts[i] = (int) Math.floor(exact);
      rem[i] = exact - parts[i];
      given += parts[i];
    }
    // Rounding leaves fewer than k units; hand them out by largest remainder, ties to the lower
    // index: the order of a stable sort by descending remainder (O(k log k); a scan of all k per
    // unit was O(k^2), hours at 10^6 devices). Units beyond k (not expected) go to index 0, as the
    // scan gave them.
    int left = total - given;
    if (left > 0) {
      Integer[] order = new Integer[k];
      for (int i = 0; i < k; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(rem[b], rem[a]));
      for (int j = 0; j < Math.min(left, k); j++) {
        parts[order[j]]++;
      }
      parts[0] += Math.max(0, left - k);
    }
    return parts;
  }

  private static double uniformOpen(SplittableRandom rng) {
    double u;
    do {
      u = rng.nextDouble();
    } while (u == 0);
    return u;
  }
}
