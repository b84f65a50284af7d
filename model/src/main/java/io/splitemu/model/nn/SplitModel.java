package io.splitemu.model.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A chain model cut into slices, in forward order; convenience methods run them all in one place.
 *
 * <p>The runtime normally drives the slices itself (one per actor); {@link #trainStep} is the same
 * sequence in one thread and is what the exactness tests compare with unsplit training.
 */
public final class SplitModel {

  private final ChainModel model;
  private final int[] cuts;
  private final List<Slice> slices;

  SplitModel(ChainModel model, int[] cuts, List<Slice> slices) {
    this.model = model;
    this.cuts = cuts;
    this.slices = List.copyOf(slices);
  }

  /** The model this split was cut from. */
  public ChainModel model() {
    return model;
  }

  /** The cuts, strictly increasing (unit counts before each boundary). */
  public int[] cuts() {
    return cuts.clone();
  }

  /** Slices in forward order. */
  public List<Slice> slices() {
    return slices;
  }

  /** Slice {@code i}, 0-based. */
  public Slice slice(int i) {
    return slices.get(i);
  }

  /** Number of slices. */
  public int numSlices() {
    return slices.size();
  }

  /** Inference through all slices: class probabilities {@code [batch, classes]}. */
  public INDArray output(INDArray features) {
    INDArray x = features;
    for (Slice s : slices) {
      x = s.output(x);
    }
    return x;
  }

  /** Fraction of samples whose most probable class is the labelled one. */
  public double evaluate(INDArray features, INDArray labels) {
    INDArray out = output(features);
    Tensors.checkShape("labels", labels, new long[] {out.size(1)}, out.size(0));
    INDArray predicted = out.argMax(1);
    INDArray actual = labels.argMax(1);
    long correct = 0;
    for (long i = 0; i < out.size(0); i++) {
      if (predicted.getLong(i) == actual.getLong(i)) {
        correct++;
      }
    }
    return (double) correct / out.size(0);
  }

  /**
   * One training step through all slices: forwards, the last slice's step, backwards (each slice
   * applies its own update). Returns the mean batch loss before the update.
   */
  public double trainStep(INDArray features, INDArray labels) {
    INDArray x = features;
    for (int i = 0; i + 1 < slices.size(); i++) {
      x = slices.get(i).forward(x);
    }
    LossStep step = slices.get(slices.size() - 1).trainStep(x, labels);
    INDArray g = step.inputGradient();
    for (int i = slices.size() - 2; i >= 0; i--) {
      g = slices.get(i).backward(g);
    }
    return step.loss();
  }

  /** Copies of all weights by name, in the order of {@link ChainModel#paramTable()}. */
  public Map<String, INDArray> paramTable() {
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (Slice s : slices) {
      out.putAll(s.paramTable());
    }
    return out;
  }

  /** All weights as one vector laid out as {@link ChainModel#fullParams()}. */
  public INDArray fullParams() {
    return ChainModel.flatten(paramTable());
  }

  /**
   * Folds this split's weights and optimizer state into its model and cuts it again (see {@link
   * ChainModel#loadFrom}); training continues as if the cut had not moved.
   */
  public SplitModel resplit(int... newCuts) {
    model.loadFrom(this);
    return model.split(newCuts);
  }

  /** Independent copies of every slice (weights and optimizer state). */
  public SplitModel copy() {
    List<Slice> copies = new ArrayList<>();
    for (Slice s : slices) {
      copies.add(s.copy());
    }
    return new SplitModel(model, cuts, copies);
  }
}
