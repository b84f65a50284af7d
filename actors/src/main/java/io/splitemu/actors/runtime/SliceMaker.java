package io.splitemu.actors.runtime;

import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.Slice;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Builds a fresh slice of a zoo model at any cut from a parameter snapshot, so that an actor told
 * to change its cut (a CPSL re-cut, a per-device split round) rebuilds its slice from a message of
 * plain data instead of being handed a live slice.
 *
 * <p>A spawn-time object shared by the actors of one JVM: its template model never trains, so
 * every slice starts with fresh optimizer state (zero moments, step 0), exactly like a slice cut
 * from an untrained model and loaded with the same weights.
 */
public final class SliceMaker {

  private final String model;
  private final ModelOptions options;
  private ChainModel template;

  /** A maker of slices of {@code like}'s architecture and options. */
  public SliceMaker(ChainModel like) {
    this.model = like.name();
    this.options = like.options();
  }

  /**
   * Slice {@code index} (0 = device side, 1 = server side) of the model cut at {@code cut}, with
   * {@code params} as its weights.
   */
  public synchronized Slice slice(int cut, int index, INDArray params) {
    if (template == null) {
      template = ModelZoo.create(model, options);
    }
    Slice s = template.split(cut).slice(index);
    s.setParams(params);
    return s;
  }
}
