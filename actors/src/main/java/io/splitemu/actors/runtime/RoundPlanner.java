package io.splitemu.actors.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * How a scheme turns the devices that take part in a round into cluster visits: the "first
 * parallel, then sequential" engine of DESIGN.md.
 */
public final class RoundPlanner {

  /** The visits of one round, in order, with the server mode of each. */
  public record Clusters(List<List<Integer>> clusters, VisitPlan.Mode mode) {}

  private RoundPlanner() {}

  /** The clusters of {@code scheme} over {@code devices} (ascending ids). */
  public static Clusters plan(String scheme, List<Integer> devices) {
    switch (scheme) {
      case "sl":
        {
          List<List<Integer>> one = new ArrayList<>();
          for (int d : devices) {
            one.add(List.of(d));
          }
          return new Clusters(one, VisitPlan.Mode.SHARED_CONCATENATED);
        }
      case "psl":
        return new Clusters(List.of(List.copyOf(devices)), VisitPlan.Mode.SHARED_CONCATENATED);
      case "sfl-v2":
        return new Clusters(List.of(List.copyOf(devices)), VisitPlan.Mode.SHARED_SEQUENTIAL);
      case "sfl-v1":
        return new Clusters(List.of(List.copyOf(devices)), VisitPlan.Mode.PER_DEVICE_COPIES);
      default:
        throw new IllegalArgumentException(
            "unknown scheme \"" + scheme + "\"; known: psl, sfl-v1, sfl-v2, sl");
    }
  }
}
