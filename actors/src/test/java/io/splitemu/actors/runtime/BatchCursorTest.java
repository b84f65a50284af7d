package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The batch cursor's position is plain data and its batches are the seeded permutations. */
class BatchCursorTest {

  private static int[] shard(int n) {
    int[] s = new int[n];
    for (int i = 0; i < n; i++) {
      s[i] = 3 * i + 1;
    }
    return s;
  }

  @Test
  void restoredFromItsSnapshot_continuesIdentically_acrossPasses() {
    BatchCursor a = new BatchCursor(shard(37), 42);
    for (int i = 0; i < 5; i++) {
      a.nextBatch(8); // 40 indices: into the second pass
    }
    BatchCursor.State saved = a.snapshot();
    BatchCursor b = BatchCursor.restore(saved);
    for (int i = 0; i < 30; i++) {
      assertArrayEquals(a.nextBatch(8), b.nextBatch(8), "batch " + i);
    }
    // The snapshot is a copy: drawing on did not change it.
    BatchCursor c = BatchCursor.restore(saved);
    BatchCursor d = BatchCursor.restore(saved);
    assertArrayEquals(c.nextBatch(100), d.nextBatch(100));
  }

  @Test
  void permutations_areThoseOfSplittableRandomWithTheSameSeed() {
    for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE, 0x5eedL}) {
      for (int n : new int[] {1, 2, 7, 64, 1000}) {
        int[] s = shard(n);
        BatchCursor cursor = new BatchCursor(s, seed);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int pass = 0; pass < 3; pass++) {
          int[] p = s.clone();
          for (int i = p.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
          }
          assertArrayEquals(p, cursor.nextBatch(n), "seed " + seed + ", n " + n);
        }
      }
    }
  }

  @Test
  void skipping_leavesTheCursorWhereDrawingWould_andItsSnapshotTheSame() {
    for (int n : new int[] {1, 5, 20, 37}) {
      for (int b : new int[] {1, 3, 8, 50}) {
        BatchCursor drawn = new BatchCursor(shard(n), 42);
        BatchCursor skipped = new BatchCursor(shard(n), 42);
        for (int i = 0; i < 7; i++) {
          drawn.nextBatch(b);
          skipped.skip(b);
          BatchCursor.State d = drawn.snapshot();
          BatchCursor.State s = skipped.snapshot();
          String at = "n " + n + ", b " + b + ", step " + i;
          assertEquals(d.rngState(), s.rngState(), at);
          assertEquals(d.next(), s.next(), at);
          assertArrayEquals(d.order(), s.order(), at);
          assertArrayEquals(d.shard(), s.shard(), at);
        }
        // Drawing after skips hands out what the cursor that drew all along hands out.
        assertArrayEquals(drawn.nextBatch(b + 2), skipped.nextBatch(b + 2), "n " + n);
        skipped.skip(1);
        drawn.nextBatch(1);
        assertArrayEquals(drawn.nextBatch(3 * n), skipped.nextBatch(3 * n), "n " + n);
      }
    }
  }

  @Test
  void aStateWithAPositionOutsideItsOrder_isRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> BatchCursor.restore(new BatchCursor.State(shard(3), 1, shard(3), 4)));
  }
}
