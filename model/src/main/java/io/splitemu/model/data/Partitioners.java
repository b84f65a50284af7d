package io.splitemu.model.data;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The registry of partitioners by the names scenario files use ({@code iid}, {@code dirichlet},
 * {@code shards}, {@code quantity}), each with its named numeric parameters.
 *
 * <p>Parameters: {@code dirichlet} takes {@code alpha} (default 0.5), {@code shards} takes {@code
 * shards-per-device} (default 2), {@code quantity} takes {@code sigma} (default 1.0); {@code iid}
 * takes none. An unknown name or parameter fails with a message listing the known ones.
 */
public final class Partitioners {
  private record Entry(Set<String> parameters, Function<Params, Partitioner> factory) {}

  private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

  static {
    REGISTRY.put(IidPartitioner.NAME, new Entry(Set.of(), p -> new IidPartitioner()));
    REGISTRY.put(DirichletPartitioner.NAME, new Entry(Set.of("alpha"),
        p -> new DirichletPartitioner(p.number("alpha", DirichletPartitioner.DEFAULT_ALPHA))));
    REGISTRY.put(ShardPartitioner.NAME, new Entry(Set.of("shards-per-device"),
        p -> new ShardPartitioner(p.integer("shards-per-device",
            ShardPartitioner.DEFAULT_SHARDS_PER_DEVICE))));
    REGISTRY.put(QuantitySkewPartitioner.NAME, new Entry(Set.of("sigma"),
        p -> new QuantitySkewPartitioner(p.number("sigma",
            QuantitySkewPartitioner.DEFAULT_SIGMA))));
  }

  private Partitioners() {}

  /** The registered names, in registration order. */
  public static Set<String> names() {
    return REGISTRY.keySet();
  }

  /** The partitioner {@code name} with default parameters. */
  public static Partitioner create(String name) {
    return create(name, Map.of());
  }

  /**
   * The partitioner {@code name} with the given parameters (missing ones take their defaults).
   *
   * @throws IllegalArgumentException for an unknown name, an unknown parameter or a bad value
   */
  public static Partitioner create(String name, Map<String, ? extends Number> parameters) {
    Entry entry = REGISTRY.get(name);
    if (entry == null) {
      throw new IllegalArgumentException("unknown partitioner '" + name + "', known: "
          + String.join(", ", REGISTRY.keySet()));
    }
    for (String key : parameters.keySet()) {
      if (!entry.parameters().contains(key)) {
        throw new IllegalArgumentException("partitioner '" + name + "' has no parameter '" + key
            + "', known: " + (entry.parameters().isEmpty() ? "none"
                : String.join(", ", new TreeSet<>(entry.parameters()))));
      }
    }
    return entry.factory().apply(new Params(name, parameters));
  }

  /** Typed access to one partitioner's parameters. */
  private record Params(String partitioner, Map<String, ? extends Number> values) {
    double number(String key, double fallback) {
      Number v = values.get(key);
      return v == null ? fallback : v.doubleValue();
    }

    int integer(String key, int fallback) {
      Number v = values.get(key);
      if (v == null) {
        return fallback;
      }
      double d = v.doubleValue();
      if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("partitioner '" + partitioner + "': expected "
            + key + " to be a whole number, found " + v);
      }
      return (int) d;
    }
  }
}
