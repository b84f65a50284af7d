package io.splitemu.model.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** Entry checks shared by slices and FedAvg: shapes and finiteness, with one-line messages. */
final class Tensors {

  private Tensors() {}

  /** Shape as {@code [batch, d1, ...]} with "batch" standing for any leading size. */
  static String describe(long batch, long[] perSample) {
    StringBuilder sb = new StringBuilder("[").append(batch < 0 ? "batch" : Long.toString(batch));
    for (long d : perSample) {
      sb.append(", ").append(d);
    }
    return sb.append(']').toString();
  }

  /**
   * Checks that {@code x} is {@code [batch, perSample...]}; {@code batch < 0} accepts any batch >=
   * 1. Returns the batch size.
   */
  static long checkShape(String what, INDArray x, long[] perSample, long batch) {
    if (x == null) {
      throw new IllegalArgumentException(what + " is null");
    }
    long[] shape = x.shape();
    boolean ok = shape.length == perSample.length + 1 && shape[0] >= 1;
    for (int i = 0; ok && i < perSample.length; i++) {
      ok = shape[i + 1] == perSample[i];
    }
    if (ok && batch >= 0) {
      ok = shape[0] == batch;
    }
    if (!ok) {
      throw new IllegalArgumentException(
          what
              + ": expected shape "
              + describe(batch, perSample)
              + " but got "
              + Arrays.toString(shape));
    }
    return shape[0];
  }

  /** Refuses a tensor holding NaN or infinity: it would silently poison every later step. */
  /** "NaN" or "infinity" when {@code x} holds one (NaN first), null when every value is finite. */
  static String nonFinite(INDArray x) {
    if (x == null || x.isEmpty()) {
      return null;
    }
    if (BooleanIndexing.or(x, Conditions.isNan())) {
      return "NaN";
    }
    if (BooleanIndexing.or(x, Conditions.isInfinite())) {
      return "infinity";
    }
    return null;
  }

  static void checkFinite(String what, INDArray x) {
    if (BooleanIndexing.or(x, Conditions.isNan())) {
      throw new IllegalArgumentException(what + " contains NaN; refusing it");
    }
    if (BooleanIndexing.or(x, Conditions.isInfinite())) {
      throw new IllegalArgumentException(what + " contains infinity; refusing it");
    }
  }
}
