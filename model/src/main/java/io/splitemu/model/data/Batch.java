package io.splitemu.model.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One mini-batch as ND4J tensors: flat features {@code [batch, rows*cols]} in [0,1] and one-hot
 * labels {@code [batch, numClasses]}.
 *
 * @param features flat pixel intensities scaled to [0,1], row-major per sample
 * @param labels one-hot labels
 */
public record Batch(INDArray features, INDArray labels) {

  /** Number of samples in this batch. */
  public int size() {
    return (int) features.size(0);
  }
}
