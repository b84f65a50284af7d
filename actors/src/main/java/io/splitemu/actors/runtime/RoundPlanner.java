package io.splitemu.actors.runtime;

import java.util.List;

/**
 * How a barrier scheme turns the devices that take part in a round into cluster visits: the "first
 * parallel, then sequential" engine of DESIGN.md.
 */
public final class RoundPlanner {

  /** The visits of one round, in order, with the server mode of each. */
  public record Clusters(List<List<Integer>> clusters, VisitPlan.Mode mode) {}

  private RoundPlanner() {}

  /**
   * The clusters of {@code scheme} over {@code devices} (ascending ids): the scheme's strategy
   * decides ({@link io.splitemu.actors.scheme.BarrierScheme#visits}).
   */
  public static Clusters plan(String scheme, List<Integer> devices) {
    return io.splitemu.actors.scheme.Schemes.barrier(scheme).visits(devices);
  }
}
