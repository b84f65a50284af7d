package io.splitemu.planner.cpsl;

import java.util.SplittableRandom;

/** The random baseline: a seeded shuffle chunked into clusters, spectrum split equally. */
public final class RandomClustering implements Clustering {

  @Override
  public String name() {
    return "random";
  }

  @Override
  public ClusterCostModel.SharePolicy sharePolicy() {
    return ClusterCostModel.SharePolicy.EQUAL;
  }

  @Override
  public int[][] cluster(ClusterCostModel model, int clusters, SplittableRandom rng) {
    int n = model.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return Clustering.chunk(order, clusters);
  }
}
