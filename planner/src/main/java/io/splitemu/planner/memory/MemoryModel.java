package io.splitemu.planner.memory;

/**
 * Memory of model slices on a node: per unit instance (mu_j) and for K device instances of a
 * contiguous range, as in LATENCY-MODEL.md sections 5 and 6.
 */
public final class MemoryModel {

  private MemoryModel() {}

  /**
   * mu_j: bytes one instance of unit j (1-based) holds at batch b under the given accounting.
   *
   * @param optimizerSlots weight-sized optimizer buffers (FULL only; 0 SGD, 1 momentum, 2 Adam)
   */
  public static double unitBytes(
      UnitMemory m, int unit, int batch, MemoryAccounting accounting, int optimizerSlots) {
    if (unit < 1 || unit > m.units()) {
      throw new IllegalArgumentException("unit " + unit + " outside 1.." + m.units());
    }
    if (batch < 1 || optimizerSlots < 0) {
      throw new IllegalArgumentException("batch must be >= 1 and optimizerSlots >= 0");
    }
    double act = m.activationBytesPerSample()[unit - 1] * batch;
    double w = m.weightBytes()[unit - 1];
    if (accounting == MemoryAccounting.PAPER) {
      return act + w;
    }
    double retained =
        batch
            * (unit == 1 ? m.inputBytesPerSample() : m.activationBytesPerSample()[unit - 2]);
    return w * (2 + optimizerSlots) + act + retained;
  }

  /** Bytes of K instances of units from..to (1-based, inclusive): K·sum mu_j. */
  public static double rangeBytes(
      UnitMemory m,
      int from,
      int to,
      int devices,
      int batch,
      MemoryAccounting accounting,
      int optimizerSlots) {
    double s = 0;
    for (int j = from; j <= to; j++) {
      s += unitBytes(m, j, batch, accounting, optimizerSlots);
    }
    return devices * s;
  }

  /**
   * Section 6: a one-hop parallel-SL server holding units from..to for K devices, one instance
   * each: {@code K·(W_S + grads_S + optimizer_S) + K·retained activations at batch b} under FULL,
   * {@code K·sum (activations at b + weights)} under PAPER.
   */
  public static double oneHopServerBytes(
      UnitMemory m,
      int from,
      int to,
      int devices,
      int batch,
      MemoryAccounting accounting,
      int optimizerSlots) {
    return rangeBytes(m, from, to, devices, batch, accounting, optimizerSlots);
  }
}
