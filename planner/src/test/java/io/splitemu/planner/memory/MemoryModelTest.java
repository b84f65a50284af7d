package io.splitemu.planner.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MemoryModelTest {

  private static final UnitMemory M =
      new UnitMemory("toy", 3, new double[] {10, 20, 30}, new long[] {100, 200, 300});

  @Test
  void paper_isActivationAtBatchPlusWeights() {
    assertEquals(4 * 20 + 200, MemoryModel.unitBytes(M, 2, 4, MemoryAccounting.PAPER, 0));
    assertEquals(
        5 * ((4 * 20 + 200) + (4 * 30 + 300)),
        MemoryModel.rangeBytes(M, 2, 3, 5, 4, MemoryAccounting.PAPER, 0));
  }

  @Test
  void full_addsGradientsOptimizerAndRetainedInput() {
    // weights + grads + 2 Adam slots, own output, retained input (unit 1's output) at batch 4
    assertEquals(
        200 * 4 + 4 * 20 + 4 * 10, MemoryModel.unitBytes(M, 2, 4, MemoryAccounting.FULL, 2));
    // unit 1 retains the raw input
    assertEquals(100 * 2 + 4 * 10 + 4 * 3, MemoryModel.unitBytes(M, 1, 4, MemoryAccounting.FULL, 0));
  }

  @Test
  void unitOutsideModel_isRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> MemoryModel.unitBytes(M, 4, 1, MemoryAccounting.PAPER, 0));
  }
}
