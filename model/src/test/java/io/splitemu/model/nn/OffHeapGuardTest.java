package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class OffHeapGuardTest {

  /** Resident sizes handed out in order; a collection records the reading it came after. */
  private static final class Readings {
    final Deque<Long> values = new ArrayDeque<>();
    long last;

    Readings(Long... v) {
      values.addAll(List.of(v));
    }

    long next() {
      last = values.isEmpty() ? last : values.poll();
      return last;
    }
  }

  @Test
  void collectsOnlyAfterTheResidentSizeGrewByAStep_thenTakesTheNewSizeAsBaseline() {
    // First reading 100 is the baseline; 150 and 199 stay below 100 + 100; 200 collects and the
    // reading after the collection, 120, is the new baseline; 219 stays below; 220 collects.
    Readings r = new Readings(100L, 150L, 199L, 200L, 120L, 219L, 220L, 130L);
    int[] collected = new int[1];
    OffHeapGuard g = new OffHeapGuard(100, r::next, () -> collected[0]++);
    int[] expected = {0, 0, 0, 1, 1, 2};
    for (int i = 0; i < expected.length; i++) {
      g.afterStep();
      assertEquals(expected[i], collected[0], "collections after step " + (i + 1));
    }
    assertEquals(2, g.collections());
    assertTrue(r.values.isEmpty(), "every reading was taken");
  }

  @Test
  void memoryGivenBack_lowersTheBaseline() {
    // 500, then down to 300 (buffers freed and returned): the next collection comes at 400, not
    // 600.
    Readings r = new Readings(500L, 300L, 399L, 400L, 310L);
    int[] collected = new int[1];
    OffHeapGuard g = new OffHeapGuard(100, r::next, () -> collected[0]++);
    g.afterStep();
    g.afterStep();
    g.afterStep();
    assertEquals(0, collected[0]);
    g.afterStep();
    assertEquals(1, collected[0]);
  }

  @Test
  void liveGrowth_doesNotCollectOverAndOver() {
    // Each collection frees nothing (the growth is live data): one collection per step of growth.
    Readings r = new Readings(0L, 100L, 100L, 150L, 199L, 200L, 200L);
    int[] collected = new int[1];
    OffHeapGuard g = new OffHeapGuard(100, r::next, () -> collected[0]++);
    for (int i = 0; i < 5; i++) {
      g.afterStep();
    }
    assertEquals(2, collected[0]);
  }

  @Test
  void aStepOfZeroIsRefusedWithThePropertyNamed() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new OffHeapGuard(0, () -> 0, () -> {}));
    assertTrue(e.getMessage().contains("splitemu.offheap.collect-every"), e.getMessage());
  }

  @Test
  void theSharedGuard_readsTheProcesssResidentSize() {
    assertTrue(org.bytedeco.javacpp.Pointer.physicalBytes() > 0);
    assertTrue(OffHeapGuard.shared().stepBytes() > 0);
  }
}
