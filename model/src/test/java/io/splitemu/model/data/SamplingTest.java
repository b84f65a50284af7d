package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
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
  void permutation_isAPermutation() {
    int[] p = Sampling.permutation(1000, new SplittableRandom(5));
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 1000; i++) {
      assertEquals(i, sorted[i]);
    }
  }
}
