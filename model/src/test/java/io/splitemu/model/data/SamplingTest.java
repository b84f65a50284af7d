package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SamplingTest {
  @ParameterizedTest
  @ValueSource(doubles = {0.1, 0.5, 1.0, 2.5, 20.0})
  void gamma_matchesMeanAndVarianceOfItsShape(double shape) {
    // Gamma(a, 1) has mean a and variance a.
    SplittableRandom rng = new SplittableRandom(7);
    int n = 200_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double g = Sampling.gamma(rng, shape);
      assertTrue(g >= 0);
      sum += g;
      sumSq += g * g;
    }
    double mean = sum / n;
    double var = sumSq / n - mean * mean;
    // Five standard errors of the mean; the variance estimate is looser for small shapes.
    assertEquals(shape, mean, 5 * Math.sqrt(shape / n), "mean");
    assertEquals(shape, var, 0.05 * shape + 0.01, "variance");
  }

  @Test
  void normal_fromAnyGenerator_isStandardNormal_andRepeatsForItsSeed() {
    // ValueSource hands it the scenario's generators as RandomGenerator, not SplittableRandom.
    RandomGenerator rng = RandomGenerator.of("L64X128MixRandom");
    int n = 200_000;
    double sum = 0;
    double sumSq = 0;
    double tail = 0;
    SplittableRandom seeded = new SplittableRandom(3);
    for (int i = 0; i < n; i++) {
      double z = Sampling.normal(i % 2 == 0 ? rng : seeded);
      sum += z;
      sumSq += z * z;
      tail += Math.abs(z) > 1.96 ? 1 : 0;
    }
    assertEquals(0, sum / n, 0.01);
    assertEquals(1, sumSq / n, 0.01);
    assertEquals(0.05, tail / n, 0.003);
    RandomGenerator a = new SplittableRandom(9);
    RandomGenerator b = new SplittableRandom(9);
    for (int i = 0; i < 100; i++) {
      assertEquals(Sampling.normal(a), Sampling.normal(b));
    }
  }

  @Test
  void gamma_sameSeed_sameValues() {
    double[] a = new double[50];
    double[] b = new double[50];
    SplittableRandom r1 = new SplittableRandom(3);
    SplittableRandom r2 = new SplittableRandom(3);
    for (int i = 0; i < 50; i++) {
      a[i] = Sampling.gamma(r1, 0.3);
      b[i] = Sampling.gamma(r2, 0.3);
    }
    assertArrayEquals(a, b, 0.0);
  }

  @Test
  void gamma_badShape_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> Sampling.gamma(new SplittableRandom(1), 0));
  }

  @Test
  void dirichlet_sumsToOneEvenForTinyAlpha() {
    SplittableRandom rng = new SplittableRandom(11);
    for (double alpha : new double[] {1e-4, 0.1, 1, 100}) {
      double[] p = Sampling.dirichlet(rng, alpha, 17);
      assertEquals(1.0, Arrays.stream(p).sum(), 1e-9, "alpha " + alpha);
      assertTrue(Arrays.stream(p).allMatch(v -> v >= 0));
    }
  }

  @Test
  void apportion_sumsExactlyAndFollowsWeights() {
    int[] parts = Sampling.apportion(new double[] {1, 1, 1}, 10);
    assertEquals(10, Arrays.stream(parts).sum());
    assertArrayEquals(new int[] {4, 3, 3}, parts);
    assertArrayEquals(new int[] {0, 7, 3}, Sampling.apportion(new double[] {0, 0.7, 0.3}, 10));
  }

  @Test
  void apportion_matchesTheScanByLargestRemainder_tiesToTheLowerIndex() {
    SplittableRandom rng = new SplittableRandom(16);
    for (int trial = 0; trial < 300; trial++) {
      int k = 1 + rng.nextInt(60);
      double[] w = new double[k];
      for (int i = 0; i < k; i++) {
        // Few distinct weights, so many remainders tie.
        w[i] = trial % 2 == 0 ? rng.nextInt(4) : rng.nextDouble();
      }
      w[rng.nextInt(k)] += 1;
      int total = rng.nextInt(5 * k + 1);
      assertArrayEquals(scanApportion(w, total), Sampling.apportion(w, total), "trial " + trial);
    }
  }

  /** The former O(k^2) apportion: one scan of all remainders per unit left. */
  private static int[] scanApportion(double[] weights, int total) {
    double sum = 0;
    for (double w : weights) {
      sum += w;
    }
    int k = weights.length;
    int[] parts = new int[k];
    if (total == 0) {
      return parts;
    }
    double[] rem = new double[k];
    int given = 0;
    for (int i = 0; i < k; i++) {
      double exact = weights[i] / sum * total;
      parts[i] = (int) Math.floor(exact);
      rem[i] = exact - parts[i];
      given += parts[i];
    }
    for (int left = total - given; left > 0; left--) {
      int best = 0;
      for (int i = 1; i < k; i++) {
        if (rem[i] > rem[best]) {
          best = i;
        }
      }
      parts[best]++;
      rem[best] = -1;
    }
    return parts;
  }

  @Test
  void permutation_isAPermutation() {
    int[] p = Sampling.permutation(1000, new SplittableRandom(5));
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 1000; i++) {
      assertEquals(i, sorted[i]);
    }
  }
}
