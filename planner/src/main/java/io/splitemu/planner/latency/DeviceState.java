package io.splitemu.planner.latency;

/**
 * The state of one device for one round, as the supervisor passes it to the planner.
 *
 * @param id device id
 * @param flopsPerSecond compute rate phi_n already multiplied by this round's factor
 * @param samples local data size |D_n|
 * @param uplink uplink rate as a function of the spectrum/bandwidth share
 * @param downlink downlink rate as a function of the share
 * @param memoryBytes memory available for the device-side model ({@link Long#MAX_VALUE}: no limit)
 * @param propagationSeconds one-way propagation delay added to every transfer on either link
 *     (LATENCY-MODEL.md section 2: a transfer ends when its bits are through, plus this delay)
 */
public record DeviceState(
    String id,
    double flopsPerSecond,
    long samples,
    RateFunction uplink,
    RateFunction downlink,
    long memoryBytes,
    double propagationSeconds) {

  public DeviceState {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("device id is empty");
    }
    if (!(flopsPerSecond > 0) || Double.isInfinite(flopsPerSecond)) {
      throw new IllegalArgumentException(
          "device " + id + ": flopsPerSecond must be finite and > 0, got " + flopsPerSecond);
    }
    if (samples < 0 || memoryBytes < 0) {
      throw new IllegalArgumentException("device " + id + ": samples and memoryBytes must be >= 0");
    }
    if (uplink == null || downlink == null) {
      throw new IllegalArgumentException("device " + id + ": uplink and downlink are required");
    }
    if (!(propagationSeconds >= 0) || Double.isInfinite(propagationSeconds)) {
      throw new IllegalArgumentException(
          "device "
              + id
              + ": propagation delay must be finite and >= 0 s, got "
              + propagationSeconds);
    }
  }

  /** A device with a memory limit and no propagation delay. */
  public DeviceState(
      String id,
      double flopsPerSecond,
      long samples,
      RateFunction uplink,
      RateFunction downlink,
      long memoryBytes) {
    this(id, flopsPerSecond, samples, uplink, downlink, memoryBytes, 0);
  }

  /** A device without a memory limit or propagation delay. */
  public DeviceState(
      String id, double flopsPerSecond, long samples, RateFunction uplink, RateFunction downlink) {
    this(id, flopsPerSecond, samples, uplink, downlink, Long.MAX_VALUE);
  }

  /** This device under a network state: compute scaled, channel gains scaled. */
  public DeviceState under(double computeFactor, double uplinkGain, double downlinkGain) {
    return new DeviceState(
        id,
        flopsPerSecond * computeFactor,
        samples,
        uplink.withGain(uplinkGain),
        downlink.withGain(downlinkGain),
        memoryBytes,
        propagationSeconds);
  }

  /** This device with a one-way propagation delay of {@code seconds} on both links. */
  public DeviceState withPropagation(double seconds) {
    return new DeviceState(id, flopsPerSecond, samples, uplink, downlink, memoryBytes, seconds);
  }

  /** I_n = ceil(|D_n| / b), the steps of one local epoch. */
  public long stepsPerEpoch(int batch) {
    if (batch <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batch);
    }
    return (samples + batch - 1) / batch;
  }
}
