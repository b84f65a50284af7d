package io.splitemu.model.profile;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DAG model profile: layers with per-sample costs and the edges given by their inputs.
 *
 * <p>The constructor validates the graph (unique names, known inputs, no cycle) and stores the
 * layers in a topological order, so consumers can iterate them forward. The raw input is named
 * {@link #INPUT} and is always on the device.
 */
public record DagProfile(String name, long inputBytes, List<DagLayer> layers) {

  /** The name layers use to read the raw input. */
  public static final String INPUT = "input";

  public DagProfile {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("model name is empty");
    }
    if (inputBytes < 0) {
      throw new IllegalArgumentException("model " + name + ": inputBytes must be >= 0");
    }
    if (layers == null || layers.isEmpty()) {
      throw new IllegalArgumentException("model " + name + " has no layers");
    }
    layers = topologicalOrder(name, layers);
    sumParamBytes(name, layers);
  }

  /**
   * The sum of the layers' parameter bytes, refused when it exceeds a long: every total a consumer
   * takes ({@link #totalParamBytes}, {@link #toChain}, a split's device and server shares) is then
   * exact. The importers keep each layer at most 2^42 bytes ({@code DagJson.MAX_BYTES}).
   */
  private static long sumParamBytes(String name, List<DagLayer> layers) {
    long sum = 0;
    for (DagLayer l : layers) {
      try {
        sum = Math.addExact(sum, l.paramBytes());
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(
            "model "
                + name
                + ": parameter bytes summed up to layer "
                + l.name()
                + " exceed a 64-bit count");
      }
    }
    return sum;
  }

  /** Number of layers. */
  public int size() {
    return layers.size();
  }

  /** Index of each layer name in {@link #layers()}. */
  public Map<String, Integer> indexByName() {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      index.put(layers.get(i).name(), i);
    }
    return index;
  }

  /** For each layer index, the indices of the layers that read its output. */
  public List<List<Integer>> successors() {
    Map<String, Integer> index = indexByName();
    List<List<Integer>> succ = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      succ.add(new ArrayList<>());
    }
    for (int i = 0; i < layers.size(); i++) {
      for (String in : layers.get(i).inputs()) {
        if (!INPUT.equals(in)) {
          succ.get(index.get(in)).add(i);
        }
      }
    }
    return succ;
  }

  /** Sum of parameter bytes over all layers. */
  public long totalParamBytes() {
    return sumParamBytes(name, layers);
  }

  /** Sum of forward FLOPs per sample over all layers. */
  public double totalForwardFlops() {
    return layers.stream().mapToDouble(DagLayer::forwardFlops).sum();
  }

  private static List<DagLayer> topologicalOrder(String model, List<DagLayer> layers) {
    Map<String, DagLayer> byName = new LinkedHashMap<>();
    for (DagLayer l : layers) {
      if (byName.put(l.name(), l) != null) {
        throw new IllegalArgumentException("model " + model + ": duplicate layer " + l.name());
      }
    }
    Map<String, Integer> pending = new HashMap<>();
    Map<String, List<String>> consumers = new HashMap<>();
    Deque<String> ready = new ArrayDeque<>();
    for (DagLayer l : layers) {
      int count = 0;
      for (String in : l.inputs()) {
        if (INPUT.equals(in)) {
          continue;
        }
        if (!byName.containsKey(in)) {
          throw new IllegalArgumentException(
              "model " + model + ": layer " + l.name() + " reads unknown layer " + in);
        }
        count++;
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(l.name());
      }
      pending.put(l.name(), count);
      if (count == 0) {
        ready.add(l.name());
      }
    }
    List<DagLayer> order = new ArrayList<>(layers.size());
    while (!ready.isEmpty()) {
      String n = ready.poll();
      order.add(byName.get(n));
      for (String c : consumers.getOrDefault(n, List.of())) {
        if (pending.merge(c, -1, Integer::sum) == 0) {
          ready.add(c);
        }
      }
    }
    if (order.size() != layers.size()) {
      String stuck =
          pending.entrySet().stream()
              .filter(e -> e.getValue() > 0)
              .map(Map.Entry::getKey)
              .sorted()
              .findFirst()
              .orElse("?");
      throw new IllegalArgumentException(
          "model " + model + ": the layers form a cycle (through layer " + stuck + ")");
    }
    return Collections.unmodifiableList(order);
  }

  /**
   * This DAG as a chain of blocks: a chain cut is allowed after a prefix of the stored topological
   * order only where exactly one tensor crosses it (a single-entry, single-exit boundary), and each
   * unit sums the layers between two such boundaries (its output is the crossing tensor). Lets
   * chain planners (EdgeSplit, SFL) cut residual and branching networks at block boundaries.
   */
  public ChainProfile toChain() {
    int n = layers.size();
    Map<String, Integer> index = indexByName();
    // last[i] = the position of the last layer that reads layer i's output
    int[] last = new int[n];
    for (int i = 0; i < n; i++) {
      last[i] = i;
    }
    int inputLast = -1;
    for (int j = 0; j < n; j++) {
      for (String in : layers.get(j).inputs()) {
        if (INPUT.equals(in)) {
          inputLast = Math.max(inputLast, j);
        } else {
          int i = index.get(in);
          last[i] = Math.max(last[i], j);
        }
      }
    }
    List<UnitProfile> units = new ArrayList<>();
    double f = 0;
    double g = 0;
    long params = 0;
    long paramBytes = 0;
    int first = 0;
    for (int k = 0; k < n; k++) {
      DagLayer l = layers.get(k);
      f += l.forwardFlops();
      g += l.backwardFlops();
      // exact: the constructor checked that the whole model's sum fits
      paramBytes = Math.addExact(paramBytes, l.paramBytes());
      params += l.paramBytes() / 4;
      // boundary after k: only layer k's output is read beyond k (and not the raw input)
      // the previous unit's output (a skip edge may read it later) must not cross either
      boolean single = k == n - 1 || (inputLast <= k && (first == 0 || last[first - 1] <= k));
      for (int i = first; i <= k && single; i++) {
        single = i == k || last[i] <= k;
      }
      if (single) {
        String name = first == k ? l.name() : layers.get(first).name() + ".." + l.name();
        units.add(new UnitProfile(name, f, g, l.outputBytes(), params, paramBytes));
        f = 0;
        g = 0;
        params = 0;
        paramBytes = 0;
        first = k + 1;
      }
    }
    return new ChainProfile(name, inputBytes, units);
  }
}
