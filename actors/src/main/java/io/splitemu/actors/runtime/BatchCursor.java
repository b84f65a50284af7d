package io.splitemu.actors.runtime;

/**
 * The batch order of one device: seeded permutations of its shard, taken b indices at a time.
 *
 * <p>Every batch has exactly b samples, so that a step's cost is the b of the latency model: a
 * batch that would run past the end of a pass is completed from the next pass's permutation. Public
 * so that benchmarks draw exactly the runtime's batches.
 *
 * <p>The position is plain data ({@link #snapshot()}, {@link #restore(State)}), so that a device
 * can be saved and rebuilt elsewhere and go on with the same batches. For that the permutations
 * come from the SplitMix64 generator of {@link java.util.SplittableRandom} (same seed, same
 * numbers), written out here because the JDK class keeps its state private.
 */
public final class BatchCursor {

  /**
   * A cursor's position as plain data.
   *
   * @param shard the device's sample indices
   * @param rngState the generator's state (SplitMix64's seed after the draws so far)
   * @param order the permutation of the current pass
   * @param next the position in {@code order} of the next index to hand out
   */
  public record State(int[] shard, long rngState, int[] order, int next) {}

  // SplittableRandom's increment for a generator made from one seed.
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  // The shard, not copied: the caller keeps it unchanged (a device's setup holds it).
  private final int[] shard;
  // The generator's state after the current pass's permutation was drawn.
  private long rngState;
  // The generator's state before it (what the permutation is drawn from).
  private long orderState;
  // The current pass's permutation, drawn only when its indices are wanted ({@link #nextBatch},
  // {@link #snapshot}): a timing run only counts samples ({@link #skip}), and a million devices'
  // orders were ~100 bytes each (issue 16). Null until then.
  private int[] order;
  private int next;

  /**
   * A cursor over {@code shard} whose permutations come from {@code seed}. The cursor keeps {@code
   * shard} itself, which must not change afterwards.
   */
  public BatchCursor(int[] shard, long seed) {
    if (shard.length == 0) {
      throw new IllegalArgumentException("a device with an empty data shard cannot train");
    }
    this.shard = shard;
    this.rngState = seed;
    nextPass();
  }

  private BatchCursor(State s) {
    if (s.shard().length == 0
        || s.order().length != s.shard().length
        || s.next() < 0
        || s.next() > s.order().length) {
      throw new IllegalArgumentException(
          "a batch cursor state needs a non-empty shard, an order of its length and a position"
              + " within it");
    }
    this.shard = s.shard().clone();
    this.rngState = s.rngState();
    this.order = s.order().clone();
    this.next = s.next();
  }

  // Starts a pass: the generator moves past its permutation, which is drawn when wanted.
  private void nextPass() {
    orderState = rngState;
    order = null;
    next = 0;
    for (int i = shard.length - 1; i > 0; i--) {
      nextInt(i + 1);
    }
  }

  // The current pass's permutation, drawn from the state before it (same draws as nextPass).
  private int[] order() {
    if (order == null) {
      order = drawOrder();
    }
    return order;
  }

  private int[] drawOrder() {
    long after = rngState;
    rngState = orderState;
    int[] o = permutation();
    rngState = after;
    return o;
  }

  /** The cursor at {@code state}: it hands out exactly what the saved cursor would have. */
  public static BatchCursor restore(State state) {
    return new BatchCursor(state);
  }

  /** This cursor's position; later draws do not change it. */
  public State snapshot() {
    // Drawn for the state without keeping it: a timing run's cursor goes on holding no order
    // after a checkpoint.
    return new State(shard.clone(), rngState, order == null ? drawOrder() : order.clone(), next);
  }

  /** The next {@code b} sample indices. */
  public int[] nextBatch(int b) {
    int[] batch = new int[b];
    for (int i = 0; i < b; i++) {
      if (next == shard.length) {
        nextPass();
      }
      batch[i] = order()[next++];
    }
    return batch;
  }

  /**
   * Moves past the next {@code b} sample indices without drawing them: the cursor is then where
   * {@link #nextBatch} would have left it.
   */
  public void skip(int b) {
    for (int left = b; left > 0; ) {
      if (next == shard.length) {
        nextPass();
      }
      int k = Math.min(left, shard.length - next);
      next += k;
      left -= k;
    }
  }

  private int[] permutation() {
    int[] p = shard.clone();
    for (int i = p.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  // SplittableRandom.nextInt(bound): a SplitMix64 draw, over-represented candidates rejected.
  private int nextInt(int bound) {
    int r = nextInt();
    int m = bound - 1;
    if ((bound & m) == 0) {
      return r & m;
    }
    for (int u = r >>> 1; u + m - (r = u % bound) < 0; u = nextInt() >>> 1) {
      // draw again
    }
    return r;
  }

  private int nextInt() {
    rngState += GOLDEN_GAMMA;
    long z = rngState;
    z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
    return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
  }
}
