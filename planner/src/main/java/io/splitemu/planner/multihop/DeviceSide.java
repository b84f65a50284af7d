package io.splitemu.planner.multihop;

import io.splitemu.model.profile.MeasuredProfile;

/**
 * The device's share of an MP-SL pipeline: its per-unit times per batch, the per-batch activation
 * sizes that cross its link, its weights and its link rates.
 *
 * @param forwardSeconds device forward seconds per batch of unit j (index j-1)
 * @param backwardSeconds device backward plus update seconds per batch of unit j
 * @param activationBytesPerBatch unit j's output bytes for one batch (its gradient is as large)
 * @param weightBytes unit j's weight bytes
 * @param uplinkBps device uplink in bit/s (e.g. 8 Mbit/s)
 * @param downlinkBps device downlink in bit/s
 * @param propagationSeconds one-way propagation delay of the device's links, added to every
 *     transfer (LATENCY-MODEL.md section 2)
 */
public record DeviceSide(
    double[] forwardSeconds,
    double[] backwardSeconds,
    double[] activationBytesPerBatch,
    long[] weightBytes,
    double uplinkBps,
    double downlinkBps,
    double propagationSeconds) {

  public DeviceSide {
    if (!(uplinkBps > 0) || !(downlinkBps > 0)) {
      throw new IllegalArgumentException("device link rates must be > 0");
    }
    if (!(propagationSeconds >= 0)) {
      throw new IllegalArgumentException("propagation delay must be >= 0");
    }
  }

  /** Links without propagation delay. */
  public DeviceSide(
      double[] forwardSeconds,
      double[] backwardSeconds,
      double[] activationBytesPerBatch,
      long[] weightBytes,
      double uplinkBps,
      double downlinkBps) {
    this(
        forwardSeconds,
        backwardSeconds,
        activationBytesPerBatch,
        weightBytes,
        uplinkBps,
        downlinkBps,
        0);
  }

  /** This device side with links of one-way propagation delay {@code seconds}. */
  public DeviceSide withPropagation(double seconds) {
    return new DeviceSide(
        forwardSeconds,
        backwardSeconds,
        activationBytesPerBatch,
        weightBytes,
        uplinkBps,
        downlinkBps,
        seconds);
  }

  /** From a measured table for one device type, scaled from batch 128 to {@code batch}. */
  public static DeviceSide fromMeasured(
      MeasuredProfile p, String device, int batch, double uplinkBps, double downlinkBps) {
    int l = p.unitCount();
    double scale = batch / (double) p.batchSize();
    double[] f = new double[l];
    double[] b = new double[l];
    double[] a = new double[l];
    long[] w = new long[l];
    for (int j = 1; j <= l; j++) {
      f[j - 1] = scale * p.forwardMs(device, j) / 1000;
      b[j - 1] = scale * (p.backwardMs(device, j) + p.updateMs(device, j)) / 1000;
      a[j - 1] = scale * p.activationBytes(j);
      w[j - 1] = p.weightBytes(j);
    }
    return new DeviceSide(f, b, a, w, uplinkBps, downlinkBps);
  }
}
