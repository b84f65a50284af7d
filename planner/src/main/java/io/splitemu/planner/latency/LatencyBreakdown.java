package io.splitemu.planner.latency;

/**
 * A latency split into device compute, server compute, communication and aggregation seconds.
 *
 * <p>Where a formula takes a maximum over devices, the parts are those of the critical device
 * (the arg-max, lowest index on ties), so the parts always add up to the total. Communication is
 * the activation/gradient traffic; aggregation is the model traffic (broadcast of the device-side
 * model, upload for FedAvg, download of the aggregate).
 */
public record LatencyBreakdown(
    double deviceCompute, double serverCompute, double communication, double aggregation) {

  /** All zero. */
  public static final LatencyBreakdown ZERO = new LatencyBreakdown(0, 0, 0, 0);

  /** The sum of the four parts. */
  public double total() {
    return deviceCompute + serverCompute + communication + aggregation;
  }

  /** Part-wise sum. */
  public LatencyBreakdown plus(LatencyBreakdown o) {
    return new LatencyBreakdown(
        deviceCompute + o.deviceCompute,
        serverCompute + o.serverCompute,
        communication + o.communication,
        aggregation + o.aggregation);
  }

  /** Every part times {@code k}. */
  public LatencyBreakdown times(double k) {
    return new LatencyBreakdown(
        deviceCompute * k, serverCompute * k, communication * k, aggregation * k);
  }
}
