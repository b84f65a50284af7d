package io.splitemu.planner.cpsl;

import java.util.SplittableRandom;

/** A strategy that partitions a round's devices into clusters whose sizes differ by at most one. */
public interface Clustering {

  /** The name scenario files use. */
  String name();

  /** How this strategy splits each cluster's spectrum. */
  default ClusterCostModel.SharePolicy sharePolicy() {
    return ClusterCostModel.SharePolicy.OPTIMAL;
  }

  /**
   * Returns {@code clusters} groups of device indexes covering every device once. SAA calls it from
   * several threads at once (each call with its own model and random stream), so an implementation
   * keeps no state between calls.
   */
  int[][] cluster(ClusterCostModel model, int clusters, SplittableRandom rng);

  /**
   * {@link #cluster(ClusterCostModel, int, SplittableRandom)} for clusters whose spectrum is split
   * by {@code policy}: a strategy that compares partitions by their cost compares them at the
   * shares the round will run with. One that does not (sorted, random) ignores it.
   */
  default int[][] cluster(
      ClusterCostModel model,
      int clusters,
      SplittableRandom rng,
      ClusterCostModel.SharePolicy policy) {
    return cluster(model, clusters, rng);
  }

  /** Cluster sizes for n devices in m clusters: the first n mod m clusters get one more. */
  static int[] sizes(int n, int m) {
    if (m < 1 || m > n) {
      throw new IllegalArgumentException(
          "cluster count must be in 1.." + n + " for " + n + " devices, got " + m);
    }
    int[] s = new int[m];
    for (int i = 0; i < m; i++) {
      s[i] = n / m + (i < n % m ? 1 : 0);
    }
    return s;
  }

  /** Chunks {@code order} into groups of {@link #sizes}. */
  static int[][] chunk(int[] order, int m) {
    int[] s = sizes(order.length, m);
    int[][] g = new int[m][];
    int p = 0;
    for (int i = 0; i < m; i++) {
      g[i] = java.util.Arrays.copyOfRange(order, p, p + s[i]);
      p += s[i];
    }
    return g;
  }

  /** Round latency of a partition: the sum of its cluster visits. */
  static double roundLatency(
      ClusterCostModel model, int[][] groups, ClusterCostModel.SharePolicy p) {
    double t = 0;
    for (int[] g : groups) {
      t += model.visit(g, p);
    }
    return t;
  }
}
