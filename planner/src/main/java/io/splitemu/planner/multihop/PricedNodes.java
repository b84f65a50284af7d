package io.splitemu.planner.multihop;

import io.splitemu.model.profile.MeasuredProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * MP-SL against horizontal scaling on a pool of priced, memory-limited compute nodes of measured
 * types: the best multihop chain over every distinct order of the nodes (each hop timed by its own
 * column of the measured table and capped by its own memory) and the horizontal helpers' min-max
 * assignment under the same caps, each with its epoch estimate (LATENCY-MODEL.md section 5) and its
 * cost per epoch, the epoch time times the pool's price per hour.
 */
public final class PricedNodes {

  private PricedNodes() {}

  /**
   * One compute node.
   *
   * @param type the measured table's device column ({@code VM}, {@code laptop}, {@code jetson-gpu},
   *     ...)
   * @param memoryBytes the memory the node can give to model instances
   * @param pricePerHour what one hour of the node costs, in any currency unit
   */
  public record Node(String type, double memoryBytes, double pricePerHour) {

    public Node {
      if (!(memoryBytes > 0) || !(pricePerHour >= 0)) {
        throw new IllegalArgumentException("node " + type + ": memory must be > 0 and price >= 0");
      }
    }
  }

  /**
   * One scheme's plan on a pool.
   *
   * @param scheme {@code mpsl} or {@code horizontal}
   * @param nodes the nodes in chain order (mpsl) or helper order (horizontal)
   * @param epochSeconds T_tot of the epoch
   * @param costPerEpoch epochSeconds / 3600 times the sum of the nodes' prices per hour
   * @param memoryBytes each node's model memory (K instances of its range, or its devices'
   *     instances of the whole middle block)
   * @param detail the cuts s_1, then each hop's last unit (mpsl), or devices per helper
   */
  public record Plan(
      String scheme,
      List<Node> nodes,
      double epochSeconds,
      double costPerEpoch,
      double[] memoryBytes,
      int[] detail) {

    /** The largest per-node memory. */
    public double peakMemoryBytes() {
      return Arrays.stream(memoryBytes).max().orElse(0);
    }
  }

  /** The setting both schemes share. */
  public record Setting(
      MeasuredProfile profile,
      DeviceSide device,
      double[] mu,
      int s1,
      int sLast,
      int devices,
      int batchesPerDevice,
      int batch) {}

  /**
   * The fastest multihop chain through all the nodes, over every distinct order, or empty if no
   * order places the middle units within the nodes' memory or there are more nodes than middle
   * units (each hop needs one).
   */
  public static Optional<Plan> multihop(Setting s, List<Node> nodes) {
    if (nodes.size() > s.sLast() - s.s1()) {
      return Optional.empty(); // every chain would have a hop without a unit
    }
    Plan best = null;
    for (List<Node> order : distinctOrders(nodes)) {
      List<String> types = order.stream().map(Node::type).toList();
      HopCosts costs = HopCosts.fromMeasuredTypes(s.profile(), types, s.batch());
      double[] limit = order.stream().mapToDouble(Node::memoryBytes).toArray();
      Optional<Placement> p =
          MultihopPlacer.place(
              costs,
              s.s1(),
              s.sLast(),
              s.mu(),
              s.devices(),
              limit,
              MultihopObjective.SUM_OF_MAXIMA);
      if (p.isEmpty()) {
        continue;
      }
      MpslEpoch e =
          MpslEpoch.estimate(p.get(), s.device(), s.devices(), s.batchesPerDevice(), 1, false);
      if (best == null || e.total() < best.epochSeconds()) {
        best =
            new Plan(
                "mpsl",
                order,
                e.total(),
                cost(order, e.total()),
                p.get().memoryBytes(),
                p.get().cuts());
      }
    }
    return Optional.ofNullable(best);
  }

  /** The horizontal helpers on the same nodes, or empty if the devices fit in no assignment. */
  public static Optional<Plan> horizontal(Setting s, List<Node> nodes) {
    List<String> types = nodes.stream().map(Node::type).toList();
    HopCosts costs = HopCosts.fromMeasuredTypes(s.profile(), types, s.batch());
    double[] limit = nodes.stream().mapToDouble(Node::memoryBytes).toArray();
    try {
      HorizontalScaling h =
          HorizontalScaling.plan(
              costs,
              s.s1(),
              s.sLast(),
              s.device(),
              s.mu(),
              limit,
              s.devices(),
              s.batchesPerDevice(),
              1);
      return Optional.of(
          new Plan(
              "horizontal",
              nodes,
              h.makespanSeconds(),
              cost(nodes, h.makespanSeconds()),
              h.memoryBytes(),
              h.devicesPerHelper()));
    } catch (IllegalArgumentException full) {
      return Optional.empty();
    }
  }

  /**
   * The cheapest plan per epoch of one scheme over every non-empty sub-multiset of the pool (nodes
   * of equal type, memory and price are interchangeable).
   */
  public static Optional<Plan> cheapest(Setting s, List<Node> pool, boolean multihop) {
    Plan best = null;
    for (List<Node> subset : subMultisets(pool)) {
      Optional<Plan> p = multihop ? multihop(s, subset) : horizontal(s, subset);
      if (p.isPresent() && (best == null || p.get().costPerEpoch() < best.costPerEpoch())) {
        best = p.get();
      }
    }
    return Optional.ofNullable(best);
  }

  static double cost(List<Node> nodes, double seconds) {
    return seconds / 3600 * nodes.stream().mapToDouble(Node::pricePerHour).sum();
  }

  /** Every order of the list, each distinct sequence once. */
  static List<List<Node>> distinctOrders(List<Node> nodes) {
    List<List<Node>> out = new ArrayList<>();
    permute(new ArrayList<>(nodes), 0, out, new HashSet<>());
    return out;
  }

  private static void permute(List<Node> a, int k, List<List<Node>> out, Set<List<Node>> seen) {
    if (k == a.size()) {
      if (seen.add(List.copyOf(a))) {
        out.add(List.copyOf(a));
      }
      return;
    }
    Set<Node> tried = new HashSet<>();
    for (int i = k; i < a.size(); i++) {
      if (!tried.add(a.get(i))) {
        continue;
      }
      java.util.Collections.swap(a, k, i);
      permute(a, k + 1, out, seen);
      java.util.Collections.swap(a, k, i);
    }
  }

  /** Every non-empty sub-multiset, each once. */
  static List<List<Node>> subMultisets(List<Node> pool) {
    Set<List<Node>> seen = new HashSet<>();
    List<List<Node>> out = new ArrayList<>();
    int n = pool.size();
    if (n > 16) {
      throw new IllegalArgumentException("pool of " + n + " nodes: at most 16");
    }
    for (int mask = 1; mask < (1 << n); mask++) {
      List<Node> sub = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if ((mask & (1 << i)) != 0) {
          sub.add(pool.get(i));
        }
      }
      List<Node> key =
          sub.stream()
              .sorted(
                  java.util.Comparator.comparing(Node::type)
                      .thenComparingDouble(Node::memoryBytes)
                      .thenComparingDouble(Node::pricePerHour))
              .toList();
      if (seen.add(key)) {
        out.add(key);
      }
    }
    return out;
  }
}
