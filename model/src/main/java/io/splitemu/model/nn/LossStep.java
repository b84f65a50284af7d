package io.splitemu.model.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Result of one training step of the last slice.
 *
 * @param loss mean loss over the batch, before the update
 * @param inputGradient gradient of the summed loss at the slice input (the cut gradient), a copy
 */
public record LossStep(double loss, INDArray inputGradient) {}
