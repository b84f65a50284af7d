package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {
  private static byte[] allPixels(Dataset d) {
    byte[] out = new byte[d.size() * d.featureSize()];
    for (int i = 0; i < d.size(); i++) {
      System.arraycopy(d.samplePixels(i), 0, out, i * d.featureSize(), d.featureSize());
    }
    return out;
  }

  @Test
  void generate_sameSeed_sameBytes() {
    DatasetSplit a = SyntheticDataset.generate(500, 100, 42);
    DatasetSplit b = SyntheticDataset.generate(500, 100, 42);
    assertArrayEquals(allPixels(a.train()), allPixels(b.train()));
    assertArrayEquals(a.train().labels(), b.train().labels());
    assertArrayEquals(allPixels(a.test()), allPixels(b.test()));
    assertArrayEquals(a.test().labels(), b.test().labels());
  }

  @Test
  void generate_differentSeeds_differ() {
    DatasetSplit a = SyntheticDataset.generate(200, 50, 1);
    DatasetSplit b = SyntheticDataset.generate(200, 50, 2);
    assertFalse(Arrays.equals(allPixels(a.train()), allPixels(b.train())));
    assertFalse(Arrays.equals(allPixels(a.test()), allPixels(b.test())));
  }

  @Test
  void generate_testSetDoesNotDependOnTrainSize() {
    DatasetSplit a = SyntheticDataset.generate(100, 80, 9);
    DatasetSplit b = SyntheticDataset.generate(300, 80, 9);
    assertArrayEquals(allPixels(a.test()), allPixels(b.test()));
  }

  @Test
  void generate_shapeAndBalancedClasses() {
    DatasetSplit s = SyntheticDataset.generate(1000, 95, 3);
    assertEquals(28, s.train().rows());
    assertEquals(28, s.train().cols());
    assertEquals(10, s.train().numClasses());
    assertArrayEquals(new int[] {100, 100, 100, 100, 100, 100, 100, 100, 100, 100},
        s.train().labelHistogram());
    for (int c : s.test().labelHistogram()) {
      assertTrue(c == 9 || c == 10, "test class count " + c);
    }
  }

  @Test
  void generate_badSize_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.generate(0, 10, 1));
  }

  /** Pixels of sample {@code i} scaled to [0,1]. */
  private static double[] features(Dataset d, int i) {
    byte[] px = d.samplePixels(i);
    double[] x = new double[px.length];
    for (int p = 0; p < px.length; p++) {
      x[p] = (px[p] & 0xff) / 255.0;
    }
    return x;
  }

  @Test
  void generate_isLearnableBySoftmaxRegression() {
    DatasetSplit s = SyntheticDataset.generate(5000, 1000, 2024);
    Dataset train = s.train();
    Dataset test = s.test();
    int f = train.featureSize();
    int k = train.numClasses();
    double[][] x = new double[train.size()][];
    for (int i = 0; i < train.size(); i++) {
      x[i] = features(train, i);
    }
    // Plain per-sample SGD on multinomial logistic regression, in a fixed order.
    double[][] w = new double[k][f];
    double[] b = new double[k];
    double lr = 0.05;
    double[] z = new double[k];
    for (int epoch = 0; epoch < 8; epoch++) {
      for (int i = 0; i < train.size(); i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
          double v = b[c];
          for (int p = 0; p < f; p++) {
            v += w[c][p] * x[i][p];
          }
          z[c] = v;
          max = Math.max(max, v);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
          z[c] = Math.exp(z[c] - max);
          sum += z[c];
        }
        for (int c = 0; c < k; c++) {
          double g = z[c] / sum - (c == train.label(i) ? 1 : 0);
          b[c] -= lr * g;
          for (int p = 0; p < f; p++) {
            w[c][p] -= lr * g * x[i][p];
          }
        }
      }
    }
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      double[] xi = features(test, i);
      int best = 0;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        double v = b[c];
        for (int p = 0; p < f; p++) {
          v += w[c][p] * xi[p];
        }
        if (v > bestScore) {
          bestScore = v;
          best = c;
        }
      }
      if (best == test.label(i)) {
        correct++;
      }
    }
    double accuracy = (double) correct / test.size();
    System.out.println("synthetic softmax-regression test accuracy: " + accuracy);
    assertTrue(accuracy > 0.8, "softmax-regression accuracy " + accuracy + " should exceed 0.8");
  }

  @Test
  void generate_nearestClassMeanIsFarAboveChance() {
    DatasetSplit s = SyntheticDataset.generate(5000, 1000, 2024);
    Dataset train = s.train();
    Dataset test = s.test();
    int f = train.featureSize();
    int k = train.numClasses();
    double[][] mean = new double[k][f];
    int[] count = train.labelHistogram();
    for (int i = 0; i < train.size(); i++) {
      double[] xi = features(train, i);
      double[] m = mean[train.label(i)];
      for (int p = 0; p < f; p++) {
        m[p] += xi[p] / count[train.label(i)];
      }
    }
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      double[] xi = features(test, i);
      int best = -1;
      double bestDist = Double.MAX_VALUE;
      for (int c = 0; c < k; c++) {
        double dist = 0;
        for (int p = 0; p < f; p++) {
          double diff = xi[p] - mean[c][p];
          dist += diff * diff;
        }
        if (dist < bestDist) {
          bestDist = dist;
          best = c;
        }
      }
      if (best == test.label(i)) {
        correct++;
      }
    }
    double accuracy = (double) correct / test.size();
    System.out.println("synthetic nearest-class-mean test accuracy: " + accuracy);
    // Chance is 0.1; shifts and slant blur the class means, so a template matcher tops out lower.
    assertTrue(accuracy > 0.6, "nearest-class-mean accuracy " + accuracy + " should exceed 0.6");
  }

  @Test
  void trainLabels_areTheGeneratedSetsLabels_withoutImages() {
    for (long seed : new long[] {42, -7, 1L << 40}) {
      Dataset full = SyntheticDataset.generate(1234, 10, seed).train();
      Dataset labels = SyntheticDataset.trainLabels(1234, seed);
      org.junit.jupiter.api.Assertions.assertArrayEquals(full.labels(), labels.labels());
      assertEquals(full.name(), labels.name());
      org.junit.jupiter.api.Assertions.assertFalse(labels.hasPixels());
    }
  }
}
