package io.splitemu.planner.cpsl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The clustering strategies by the names scenario files use. */
public final class Clusterings {

  private static final Map<String, Supplier<Clustering>> KNOWN = new LinkedHashMap<>();

  static {
    KNOWN.put("gibbs", GibbsClustering::new);
    KNOWN.put("sorted", SortedClustering::new);
    KNOWN.put("random", RandomClustering::new);
    KNOWN.put("exhaustive", ExhaustiveClustering::new);
  }

  private Clusterings() {}

  /** A new instance of the named strategy; an unknown name fails and lists the known ones. */
  public static Clustering byName(String name) {
    Supplier<Clustering> s = KNOWN.get(name);
    if (s == null) {
      throw new IllegalArgumentException(
          "unknown clustering '" + name + "', known: " + String.join(", ", KNOWN.keySet()));
    }
    return s.get();
  }
}
