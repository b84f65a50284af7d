package io.splitemu.planner.latency;

/**
 * A link's rate in bit/s as a function of the share {@code x} in (0, 1] of its spectrum or
 * bandwidth pool (LATENCY-MODEL.md section 2).
 *
 * <p>Every implementation is increasing in {@code x}; {@link #minShare} inverts it, which is what
 * the min-max allocators need.
 */
public sealed interface RateFunction permits LinearRate, ShannonRate {

  /** Rate in bit/s at share {@code share}; 0 at share 0. */
  double bitsPerSecond(double share);

  /**
   * The smallest share whose rate reaches {@code requiredBitsPerSecond}: 0 when nothing is
   * required, {@link Double#POSITIVE_INFINITY} when even the full band is too slow.
   */
  double minShare(double requiredBitsPerSecond);

  /** d rate / d share at {@code share} > 0 (positive: rates increase with the share). */
  double slope(double share);

  /**
   * This link under a per-round channel factor: a linear rate is multiplied by it, a Shannon
   * link's channel gain is (so the factor plays the role of the fading power |g|^2).
   */
  RateFunction withGain(double factor);

  /** True when {@code bitsPerSecond(x) == x * bitsPerSecond(1)}, which allows closed forms. */
  default boolean isLinear() {
    return false;
  }

  /** A rate proportional to the share: {@code x * fullRate}. */
  static RateFunction linear(double fullRateBitsPerSecond) {
    return new LinearRate(fullRateBitsPerSecond);
  }

  /** A Shannon link {@code x W log2(1 + p h / (x W N0))}; see {@link ShannonRate}. */
  static RateFunction shannon(
      double bandwidthHz, double transmitPowerWatts, double channelGain, double noiseWattsPerHz) {
    return new ShannonRate(bandwidthHz, transmitPowerWatts, channelGain, noiseWattsPerHz);
  }
}
