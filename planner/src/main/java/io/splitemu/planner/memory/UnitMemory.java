package io.splitemu.planner.memory;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.MeasuredProfile;

/**
 * Per-unit memory figures of a chain model: activation bytes per sample and weight bytes.
 *
 * @param model model name
 * @param inputBytesPerSample raw input bytes per sample (0 when unknown, as for measured tables)
 * @param activationBytesPerSample output activation bytes per sample of units 1..L (index j-1)
 * @param weightBytes trainable weight bytes of units 1..L (index j-1)
 */
public record UnitMemory(
    String model, double inputBytesPerSample, double[] activationBytesPerSample,
    long[] weightBytes) {

  public UnitMemory {
    if (activationBytesPerSample.length != weightBytes.length) {
      throw new IllegalArgumentException("activation and weight arrays differ in length");
    }
    activationBytesPerSample = activationBytesPerSample.clone();
    weightBytes = weightBytes.clone();
  }

  /** From a measured table; its batch-128 activations are divided by 128 per sample. */
  public static UnitMemory of(MeasuredProfile p) {
    int l = p.unitCount();
    double[] a = new double[l];
    long[] w = new long[l];
    for (int j = 1; j <= l; j++) {
      a[j - 1] = p.activationBytes(j) / (double) p.batchSize();
      w[j - 1] = p.weightBytes(j);
    }
    return new UnitMemory(p.model(), 0, a, w);
  }

  /** From an analytical chain profile. */
  public static UnitMemory of(ChainProfile p) {
    int l = p.size();
    double[] a = new double[l];
    long[] w = new long[l];
    for (int j = 1; j <= l; j++) {
      a[j - 1] = p.unit(j).outputBytes();
      w[j - 1] = p.unit(j).paramBytes();
    }
    return new UnitMemory(p.model(), p.inputBytes(), a, w);
  }

  /** Number of units L. */
  public int units() {
    return weightBytes.length;
  }
}
