package io.splitemu.model.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labels as they travel from a device to the slice with the loss: one int32 class index per sample,
 * the 4 bytes per sample that LATENCY-MODEL.md section 3 charges, rather than the one-hot rows a
 * {@link Batch} holds (10 floats per sample for MNIST). The last slice builds the one-hot rows
 * again, the same zeros and ones, so training is unchanged.
 */
public final class ClassLabels {

  private ClassLabels() {}

  /** The class index of each one-hot row of {@code oneHot} ({@code [batch, classes]}), as int32. */
  public static INDArray indices(INDArray oneHot) {
    if (oneHot.rank() != 2) {
      throw new IllegalArgumentException(
          "labels must be one-hot [batch, classes], got rank " + oneHot.rank());
    }
    return Nd4j.argMax(oneHot, 1).castTo(DataType.INT).reshape(oneHot.size(0));
  }

  /**
   * One-hot rows {@code [batch, classes]} of data type {@code type} for the int32 class indices
   * {@code indices} ({@code [batch]}); {@code what} names them in the one-line refusal of a wrong
   * shape, a non-integer type or an index outside {@code [0, classes)}.
   */
  public static INDArray oneHot(String what, INDArray indices, int classes, DataType type) {
    if (indices == null) {
      throw new IllegalArgumentException(what + " are missing");
    }
    if (indices.rank() != 1 || indices.length() < 1) {
      throw new IllegalArgumentException(
          what
              + " must be a vector of class indices [batch], got shape "
              + java.util.Arrays.toString(indices.shape()));
    }
    if (!indices.dataType().isIntType()) {
      throw new IllegalArgumentException(
          what + " must be integer class indices, got " + indices.dataType());
    }
    long n = indices.length();
    INDArray out = Nd4j.zeros(type, n, classes);
    for (long i = 0; i < n; i++) {
      long c = indices.getLong(i);
      if (c < 0 || c >= classes) {
        throw new IllegalArgumentException(
            what + ": class " + c + " of sample " + i + " is outside [0, " + classes + ")");
      }
      out.putScalar(i, c, 1.0);
    }
    return out;
  }
}
