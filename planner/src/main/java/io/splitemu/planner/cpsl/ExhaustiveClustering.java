package io.splitemu.planner.cpsl;

import io.splitemu.planner.cpsl.ClusterCostModel.SharePolicy;
import java.util.SplittableRandom;

/**
 * The exact optimum over every partition into clusters of the allowed sizes; for small instances
 * and for checking the heuristics (refuses more than 16 devices).
 */
public final class ExhaustiveClustering implements Clustering {

  /** The most devices it partitions: the search grows like the Bell numbers. */
  public static final int MAX_DEVICES = 16;

  @Override
  public String name() {
    return "exhaustive";
  }

  @Override
  public int[][] cluster(ClusterCostModel model, int clusters, SplittableRandom rng) {
    return cluster(model, clusters, rng, SharePolicy.OPTIMAL);
  }

  @Override
  public int[][] cluster(
      ClusterCostModel model, int clusters, SplittableRandom rng, SharePolicy policy) {
    int n = model.size();
    if (n > MAX_DEVICES) {
      throw new IllegalArgumentException(
          "exhaustive clustering is limited to " + MAX_DEVICES + " devices, got " + n);
    }
    int[] sizes = Clustering.sizes(n, clusters);
    Search s = new Search(model, sizes, policy);
    s.place(0);
    return s.best;
  }

  private static final class Search {
    final ClusterCostModel model;
    final int[] sizes;
    final int[][] groups;
    final int[] fill;
    int[][] best;
    double bestCost = Double.POSITIVE_INFINITY;

    final SharePolicy policy;

    Search(ClusterCostModel model, int[] sizes, SharePolicy policy) {
      this.model = model;
      this.policy = policy;
      this.sizes = sizes;
      groups = new int[sizes.length][];
      for (int i = 0; i < sizes.length; i++) {
        groups[i] = new int[sizes[i]];
      }
      fill = new int[sizes.length];
    }

    void place(int device) {
      if (device == model.size()) {
        double c = Clustering.roundLatency(model, groups, policy);
        if (c < bestCost) {
          bestCost = c;
          best = new int[groups.length][];
          for (int i = 0; i < groups.length; i++) {
            best[i] = groups[i].clone();
          }
        }
        return;
      }
      for (int m = 0; m < sizes.length; m++) {
        if (fill[m] == sizes[m]) {
          continue;
        }
        // Clusters are interchangeable when empty and of equal size: open only the first such.
        if (fill[m] == 0 && earlierEmptyOfSameSize(m)) {
          continue;
        }
        groups[m][fill[m]++] = device;
        place(device + 1);
        fill[m]--;
      }
    }

    boolean earlierEmptyOfSameSize(int m) {
      for (int k = 0; k < m; k++) {
        if (fill[k] == 0 && sizes[k] == sizes[m]) {
          return true;
        }
      }
      return false;
    }
  }
}
