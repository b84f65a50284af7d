package io.splitemu.model.profile;

import java.util.List;

/**
 * One layer of a DAG model profile, per sample, as in the {@code *.dag.json} format of FORMATS.md.
 *
 * @param name layer name, unique in the model and not {@code "input"}
 * @param inputs names of the layers (or {@code "input"}) whose outputs this layer reads
 * @param forwardFlops forward FLOPs per sample
 * @param backwardFlops backward FLOPs per sample
 * @param outputBytes bytes of the layer's output per sample
 * @param paramBytes bytes of the layer's trainable parameters
 */
public record DagLayer(
    String name,
    List<String> inputs,
    double forwardFlops,
    double backwardFlops,
    long outputBytes,
    long paramBytes) {

  public DagLayer {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a layer has an empty name");
    }
    if (DagProfile.INPUT.equals(name)) {
      throw new IllegalArgumentException("layer name \"input\" is reserved for the raw input");
    }
    if (inputs == null || inputs.isEmpty()) {
      throw new IllegalArgumentException("layer " + name + ": no inputs");
    }
    if (!Double.isFinite(forwardFlops) || forwardFlops < 0) {
      throw new IllegalArgumentException(
          "layer " + name + ": forwardFlops must be a finite number >= 0, got " + forwardFlops);
    }
    if (!Double.isFinite(backwardFlops) || backwardFlops < 0) {
      throw new IllegalArgumentException(
          "layer " + name + ": backwardFlops must be a finite number >= 0, got " + backwardFlops);
    }
    if (outputBytes < 0) {
      throw new IllegalArgumentException("layer " + name + ": outputBytes must be >= 0");
    }
    if (paramBytes < 0) {
      throw new IllegalArgumentException("layer " + name + ": paramBytes must be >= 0");
    }
    inputs = List.copyOf(inputs);
  }
}
