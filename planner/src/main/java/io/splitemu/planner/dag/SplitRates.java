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
    positive("device FLOP/s", deviceFlops);
    positive("server FLOP/s", serverFlops);
    positive("uplink bit/s", uplinkBps);
    positive("downlink bit/s", downlinkBps);
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }
  }

  private static void positive(String what, double v) {
    if (!Double.isFinite(v) || v <= 0) {
      throw new IllegalArgumentException(what + " must be a finite number > 0, got " + v);
    }
  }
}
