package io.splitemu.model.nn;

import io.splitemu.model.data.Batch;
import io.splitemu.model.data.Dataset;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test accuracy as every engine reports it: the first {@code samples} test samples (all when 0 or
 * fewer), in chunks of {@link #CHUNK} so that a large test set never becomes one huge batch.
 */
public final class TestAccuracy {

  /** Test samples per inference batch. */
  public static final int CHUNK = 1000;

  private TestAccuracy() {}

  /**
   * The fraction of the first {@code samples} samples of {@code test} whose most probable class
   * under {@code output} (features to class probabilities) is the labelled one; {@code NaN} for an
   * empty test set.
   *
   * @throws DivergedException when the output holds NaN or infinity (a diverged model)
   */
  public static double of(
      UnaryOperator<INDArray> output, Dataset test, int samples, DataType dataType) {
    int n = samples <= 0 ? test.size() : Math.min(samples, test.size());
    if (n == 0) {
      return Double.NaN;
    }
    int correct = 0;
    for (int from = 0; from < n; from += CHUNK) {
      int to = Math.min(n, from + CHUNK);
      int[] idx = new int[to - from];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = from + i;
      }
      Batch batch = test.batch(idx, dataType);
      INDArray out = output.apply(batch.features());
      // A diverged model's NaN output would count as class 0 everywhere (an accuracy of about
      // 1/classes, reported as if trained): refused instead, O(output).
      String bad = Tensors.nonFinite(out);
      if (bad != null) {
        throw new DivergedException("model", "output " + bad);
      }
      INDArray predicted = out.argMax(1);
      INDArray truth = batch.labels().argMax(1);
      for (int i = 0; i < idx.length; i++) {
        if (predicted.getLong(i) == truth.getLong(i)) {
          correct++;
        }
      }
    }
    return correct / (double) n;
  }
}
