package io.splitemu.actors.runtime;

import java.util.SplittableRandom;

/**
 * The batch order of one device: seeded permutations of its shard, taken b indices at a time.
 *
 * <p>Every batch has exactly b samples, so that a step's cost is the b of the latency model: a
 * batch that would run past the end of a pass is completed from the next pass's permutation. Public
 * so that benchmarks draw exactly the runtime's batches.
 */
public final class BatchCursor {

  private final int[] shard;
  private final SplittableRandom rng;
  private int[] order;
  private int next;

  /** A cursor over {@code shard} whose permutations come from {@code seed}. */
  public BatchCursor(int[] shard, long seed) {
    if (shard.length == 0) {
      throw new IllegalArgumentException("a device with an empty data shard cannot train");
    }
    this.shard = shard.clone();
    this.rng = new SplittableRandom(seed);
    this.order = permutation();
  }

  /** The next {@code b} sample indices. */
  public int[] nextBatch(int b) {
    int[] batch = new int[b];
    for (int i = 0; i < b; i++) {
      if (next == order.length) {
        order = permutation();
        next = 0;
      }
      batch[i] = order[next++];
    }
    return batch;
  }

  private int[] permutation() {
    int[] p = shard.clone();
    for (int i = p.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
