package io.splitemu.model.nn;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Federated averaging of parameter vectors, weighted by the number of samples behind each. */
public final class FedAvg {

  private FedAvg() {}

  /**
   * The weighted mean {@code sum_i n_i p_i / sum_i n_i}, in the precision of the first vector
   * (accumulated in double).
   *
   * @param params parameter vectors of equal shape, e.g. {@link Slice#params()} of copies
   * @param sampleCounts samples each vector was trained on, >= 0, with a positive sum
   */
  public static INDArray average(List<INDArray> params, List<Long> sampleCounts) {
    return average(params, sampleCounts, null);
  }

  /**
   * As {@link #average(List, List)}, with {@code names} naming each vector in messages (e.g. {@code
   * "device 7's model"}); null names them {@code "vector i"}.
   */
  public static INDArray average(
      List<INDArray> params, List<Long> sampleCounts, List<String> names) {
    if (params == null || sampleCounts == null || params.isEmpty()) {
      throw new IllegalArgumentException("FedAvg needs at least one parameter vector");
    }
    if (params.size() != sampleCounts.size()) {
      throw new IllegalArgumentException(
          "FedAvg got "
              + params.size()
              + " parameter vectors but "
              + sampleCounts.size()
              + " sample counts");
    }
    if (names != null && names.size() != params.size()) {
      throw new IllegalArgumentException(
          "FedAvg got " + params.size() + " parameter vectors but " + names.size() + " names");
    }
    long[] shape = params.get(0).shape();
    long total = 0;
    for (int i = 0; i < params.size(); i++) {
      INDArray p = params.get(i);
      Long n = sampleCounts.get(i);
      String name = names == null ? "vector " + i : names.get(i);
      if (p == null || !Arrays.equals(p.shape(), shape)) {
        throw new IllegalArgumentException(
            "FedAvg: "
                + name
                + " expected shape "
                + Arrays.toString(shape)
                + " but got "
                + (p == null ? "null" : Arrays.toString(p.shape())));
      }
      if (n == null || n < 0) {
        throw new IllegalArgumentException(
            "FedAvg: sample count of " + name + " must be >= 0, got " + n);
      }
      Tensors.checkFinite(name, p);
      total = Math.addExact(total, n);
    }
    if (total == 0) {
      throw new IllegalArgumentException("FedAvg: the sample counts sum to zero");
    }
    INDArray sum = params.get(0).castTo(DataType.DOUBLE).mul((double) sampleCounts.get(0));
    for (int i = 1; i < params.size(); i++) {
      sum.addi(params.get(i).castTo(DataType.DOUBLE).mul((double) sampleCounts.get(i)));
    }
    return sum.divi((double) total).castTo(params.get(0).dataType());
  }
}
