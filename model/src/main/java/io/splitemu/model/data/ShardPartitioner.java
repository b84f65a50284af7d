package io.splitemu.model.data;

import java.util.SplittableRandom;

/**
 * The pathological non-IID split of McMahan et al.: sort samples by label, cut them into
 * {@code devices * k} contiguous shards, and deal {@code k} random shards to each device.
 *
 * <p>Within a label the order is shuffled first, so which samples of a class land in which shard
 * depends on the seed. Shard sizes differ by at most one. A shard spans one class when class
 * sizes are multiples of the shard size, so a device then holds at most {@code k} classes;
 * otherwise a shard can straddle a class boundary and a device holds at most {@code 2k} classes
 * as long as every class is at least one shard long.
 */
public final class ShardPartitioner implements Partitioner {
  /** Registry name. */
  public static final String NAME = "shards";

  /** Default number of shards per device. */
  public static final int DEFAULT_SHARDS_PER_DEVICE = 2;

  private final int shardsPerDevice;

  /** A partitioner dealing {@code shardsPerDevice} (>= 1) shards to each device. */
  public ShardPartitioner(int shardsPerDevice) {
    if (shardsPerDevice < 1) {
      throw new IllegalArgumentException(NAME
          + " partitioner: expected shards-per-device >= 1, found " + shardsPerDevice);
    }
    this.shardsPerDevice = shardsPerDevice;
  }

  /** Shards dealt to each device. */
  public int shardsPerDevice() {
    return shardsPerDevice;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Partition partition(Dataset dataset, int devices, long seed) {
    Partitioner.checkArguments(NAME, dataset, devices);
    int n = dataset.size();
    long shards = (long) devices * shardsPerDevice;
    if (shards > n) {
      throw new IllegalArgumentException(NAME + " partitioner: expected at least " + shards
          + " samples for " + devices + " devices x " + shardsPerDevice + " shards, found " + n
          + " in " + dataset.name());
    }
    SplittableRandom rng = new SplittableRandom(seed);
    // Shuffle, then a stable counting sort by label keeps the shuffled order within each class.
    int[] shuffled = Sampling.permutation(n, rng);
    int[] start = new int[dataset.numClasses() + 1];
    for (int i = 0; i < n; i++) {
      start[dataset.label(i) + 1]++;
    }
    for (int c = 0; c < dataset.numClasses(); c++) {
      start[c + 1] += start[c];
    }
    int[] sorted = new int[n];
    for (int i : shuffled) {
      sorted[start[dataset.label(i)]++] = i;
    }
    int s = (int) shards;
    int[] shardOrder = Sampling.permutation(s, rng);
    int[][] out = new int[devices][];
    for (int d = 0; d < devices; d++) {
      int size = 0;
      for (int j = 0; j < shardsPerDevice; j++) {
        int shard = shardOrder[d * shardsPerDevice + j];
        size += shardEnd(n, s, shard) - shardStart(n, s, shard);
      }
      int[] idx = new int[size];
      int at = 0;
      for (int j = 0; j < shardsPerDevice; j++) {
        int shard = shardOrder[d * shardsPerDevice + j];
        int from = shardStart(n, s, shard);
        int len = shardEnd(n, s, shard) - from;
        System.arraycopy(sorted, from, idx, at, len);
        at += len;
      }
      out[d] = idx;
    }
    return new Partition(n, out);
  }

  private static int shardStart(int n, int shards, int shard) {
    return (int) ((long) n * shard / shards);
  }

  private static int shardEnd(int n, int shards, int shard) {
    return (int) ((long) n * (shard + 1) / shards);
  }

  @Override
  public String toString() {
    return NAME + "(k=" + shardsPerDevice + ")";
  }
}
