package io.splitemu.model.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Splits a dataset uniformly at random into device shares whose sizes differ by at most one.
 */
public final class IidPartitioner implements Partitioner {
  /** Registry name. */
  public static final String NAME = "iid";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Partition partition(Dataset dataset, int devices, long seed) {
    Partitioner.checkArguments(NAME, dataset, devices);
    int[] order = Sampling.permutation(dataset.size(), new SplittableRandom(seed));
    int[][] out = new int[devices][];
    int n = dataset.size();
    for (int d = 0; d < devices; d++) {
      int from = (int) ((long) n * d / devices);
      int to = (int) ((long) n * (d + 1) / devices);
      out[d] = Arrays.copyOfRange(order, from, to);
    }
    return new Partition(n, out);
  }

  @Override
  public String toString() {
    return NAME;
  }
}
