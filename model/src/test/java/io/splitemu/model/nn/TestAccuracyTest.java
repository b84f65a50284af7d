package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.data.Dataset;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TestAccuracyTest {

  /**
   * 2,500 images whose first pixel encodes the label (label * 20); sample i has label i % 10, so a
   * classifier that reads the pixel is always right and one that answers 3 is right on 1 in 10.
   */
  private static Dataset encoded() {
    int n = 2500;
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 10);
      pixels[i * 784] = (byte) (labels[i] * 20);
    }
    return new Dataset("encoded", 28, 28, 10, pixels, labels);
  }

  private static INDArray oneHot(INDArray classes) {
    int n = (int) classes.length();
    INDArray out = Nd4j.zeros(DataType.FLOAT, n, 10);
    for (int i = 0; i < n; i++) {
      out.putScalar(i, classes.getInt(i), 1.0);
    }
    return out;
  }

  // Reads the label back from the first pixel (scaled to [0, 1] by the dataset).
  private static final UnaryOperator<INDArray> ORACLE =
      f -> {
        INDArray first = f.reshape(f.size(0), -1).getColumn(0);
        return oneHot(first.mul(255.0 / 20.0).add(0.5).castTo(DataType.INT32));
      };

  @Test
  void anOracle_isAlwaysRight_overSeveralChunks() {
    assertEquals(1.0, TestAccuracy.of(ORACLE, encoded(), 0, DataType.FLOAT), 0.0);
  }

  @Test
  void aConstantAnswer_isRightOnItsShare_andSamplesLimitTheSet() {
    UnaryOperator<INDArray> three = f -> oneHot(Nd4j.zeros(DataType.INT32, f.size(0)).add(3));
    assertEquals(0.1, TestAccuracy.of(three, encoded(), 0, DataType.FLOAT), 1e-12);
    // The first 4 samples have labels 0..3: one of them is a 3.
    assertEquals(0.25, TestAccuracy.of(three, encoded(), 4, DataType.FLOAT), 1e-12);
    // More samples than the set holds means the whole set.
    assertEquals(0.1, TestAccuracy.of(three, encoded(), 1_000_000, DataType.FLOAT), 1e-12);
  }

  @Test
  void everyChunkIsAtMostChunkSamples() {
    int[] largest = new int[1];
    UnaryOperator<INDArray> spy =
        f -> {
          largest[0] = Math.max(largest[0], (int) f.size(0));
          return ORACLE.apply(f);
        };
    TestAccuracy.of(spy, encoded(), 0, DataType.FLOAT);
    assertEquals(TestAccuracy.CHUNK, largest[0]);
    assertTrue(encoded().size() > TestAccuracy.CHUNK);
  }

  @Test
  void nanOutput_isRefused_notCountedAsClassZero() {
    UnaryOperator<INDArray> diverged =
        f -> Nd4j.valueArrayOf(new long[] {f.size(0), 10}, Float.NaN, DataType.FLOAT);
    DivergedException e =
        assertThrows(
            DivergedException.class, () -> TestAccuracy.of(diverged, encoded(), 0, DataType.FLOAT));
    assertEquals("model: output NaN", e.getMessage());
  }
}
