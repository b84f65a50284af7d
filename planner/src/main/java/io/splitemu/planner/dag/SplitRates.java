package io.splitemu.planner.dag;

/**
 * The resources a DAG split is priced with: compute rates in FLOP/s, link rates in bit/s, batch.
 *
 * @param deviceFlops device compute rate phi_dev in FLOP/s
 * @param serverFlops server compute rate phi_srv in FLOP/s
 * @param uplinkBps uplink rate RU in bit/s
 * @param downlinkBps downlink rate RD in bit/s
 * @param batch batch size b (samples per training iteration)
 */
public record SplitRates(
    double deviceFlops, double serverFlops, double uplinkBps, double downlinkBps, int batch) {

  public SplitRates {
    within("device FLOP/s", deviceFlops, MIN_RATE, MAX_FLOPS);
    within("server FLOP/s", serverFlops, MIN_RATE, MAX_FLOPS);
    within("uplink bit/s", uplinkBps, MIN_RATE, MAX_BPS);
    within("downlink bit/s", downlinkBps, MIN_RATE, MAX_BPS);
    if (batch < 1 || batch > MAX_BATCH) {
      throw new IllegalArgumentException("batch must be in [1, " + MAX_BATCH + "], got " + batch);
    }
  }

  // Physical ranges (docs/input-policy.md): with DAG figures capped at 1e21 FLOPs and 2^42 bytes,
  // every cost stays a finite number of seconds. 1 FLOP/s or 1 bit/s is absurdly slow but exact.
  // Public so that a command can refuse a flag with its own name before building the rates.

  /** The least compute or link rate, 1 FLOP/s or 1 bit/s. */
  public static final double MIN_RATE = 1;

  /** The greatest compute rate, FLOP/s. */
  public static final double MAX_FLOPS = 1e21;

  /** The greatest link rate, bit/s. */
  public static final double MAX_BPS = 1e15;

  /** The greatest batch. */
  public static final int MAX_BATCH = 1 << 24;

  private static void within(String what, double v, double min, double max) {
    if (!(v >= min && v <= max)) {
      throw new IllegalArgumentException(
          what + " must be a number in [" + min + ", " + max + "], got " + v);
    }
  }
}
