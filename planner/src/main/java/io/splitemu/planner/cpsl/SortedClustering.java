package io.splitemu.planner.cpsl;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Devices sorted by solo step time (fastest first, index on ties) and chunked in order. */
public final class SortedClustering implements Clustering {

  @Override
  public String name() {
    return "sorted";
  }

  @Override
  public int[][] cluster(ClusterCostModel model, int clusters, SplittableRandom rng) {
    return Clustering.chunk(order(model), clusters);
  }

  /** Device indexes by increasing solo step time. */
  static int[] order(ClusterCostModel model) {
    return IntStream.range(0, model.size())
        .boxed()
        .sorted(Comparator.comparingDouble(model::soloStep).thenComparingInt(i -> i))
        .mapToInt(Integer::intValue)
        .toArray();
  }
}
