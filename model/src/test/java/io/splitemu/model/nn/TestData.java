package io.splitemu.model.nn;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded synthetic batches: features in [0, 1) as flat 784-vectors, one-hot labels. */
final class TestData {

  private TestData() {}

  /** {features [batch, 784], labels [batch, 10]}. */
  static INDArray[] batch(long seed, int batch, DataType type) {
    Random r = new Random(seed);
    double[][] x = new double[batch][784];
    double[][] y = new double[batch][10];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < 784; j++) {
        x[i][j] = r.nextDouble();
      }
      y[i][r.nextInt(10)] = 1;
    }
    return new INDArray[] {Nd4j.create(x).castTo(type), Nd4j.create(y).castTo(type)};
  }
}
