package io.splitemu.model.nn;

import io.splitemu.model.profile.UnitProfile;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;

/**
 * One unit of a chain model: a layer or a single-entry, single-exit block.
 *
 * <p>Shapes are per sample: {@code {n}} for flat activations, {@code {c, h, w}} for images.
 */
interface Unit {

  /** Unit name, unique in its model; also the name of the vertex that outputs the unit. */
  String name();

  /** Per-sample output shape for the given per-sample input shape. */
  long[] outputShape(long[] in);

  /**
   * Adds this unit's vertices reading {@code input}, built as {@code options} says; returns the
   * name of its output vertex.
   */
  String addTo(GraphBuilder builder, String input, ModelOptions options);

  /** Names of this unit's vertices, in declaration order (the parameter order of the unit). */
  List<String> vertexNames();

  /** Analytical per-sample costs for the given per-sample input shape. */
  UnitProfile profile(long[] in);

  /** Whether this unit ends in the loss layer (only the last unit of a model does). */
  default boolean isOutput() {
    return false;
  }
}
