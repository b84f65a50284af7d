package io.splitemu.planner.multihop;

/**
 * The MP-SL epoch estimate of LATENCY-MODEL.md section 5 (EdgeSys 2025) for K identical devices.
 *
 * <p>{@code T_all = startT_first + sum_p (F_p + B_p) + (r·B·K - 1)·(L_fwd + L_back) + endT_last},
 * {@code T_tot = T_all + T_aggr}, where:
 *
 * <ul>
 *   <li>{@code startFirst} (startT_first): the device's forward of units 1..s_1 plus the upload of
 *       the s_1 activation for one batch at the device uplink rate and the propagation delay;
 *   <li>{@code hopSum} (sum_p (F_p + B_p)): one batch's forward and backward on every hop;
 *   <li>{@code endLast} (endT_last): the tail turnaround (download of the s_{N+1} activation,
 *       device forward, loss and backward of units s_{N+1}+1..L, upload of its gradient), then the
 *       download of the s_1 gradient and the device's backward and update of units 1..s_1; its
 *       three transfers each take the propagation delay too;
 *   <li>{@code period} (L_fwd + L_back): the steady-state time between two batches leaving the
 *       pipeline, {@code max F + max B} or the tighter {@code max (F + B)};
 *   <li>{@code batches} (r·B·K): r local epochs times B batches per device times K devices;
 *   <li>{@code aggregation} (T_aggr): upload and download of the device-side weights (head and
 *       tail) for FedAvg at the device link rates, all devices in parallel, each transfer with the
 *       propagation delay.
 * </ul>
 *
 * Hop-to-hop transfers are not charged (hops are taken to sit on a fast interconnect) and the
 * device's own steps are assumed to overlap with the hops in steady state.
 *
 * @param startFirst startT_first in seconds
 * @param hopSum sum of F_p + B_p over hops
 * @param period L_fwd + L_back
 * @param batches r·B·K
 * @param endLast endT_last in seconds
 * @param all T_all
 * @param aggregation T_aggr
 * @param total T_tot
 */
public record MpslEpoch(
    double startFirst,
    double hopSum,
    double period,
    long batches,
    double endLast,
    double all,
    double aggregation,
    double total) {

  /**
   * Estimates one epoch.
   *
   * @param tighter use {@code max (F + B)} as the period instead of {@code max F + max B}
   */
  public static MpslEpoch estimate(
      Placement p,
      DeviceSide d,
      int devices,
      int batchesPerDevice,
      int localEpochs,
      boolean tighter) {
    int s1 = p.cuts()[0];
    int sLast = p.cuts()[p.hops()];
    int l = d.forwardSeconds().length;
    double headF = 0;
    double headB = 0;
    long w = 0;
    for (int j = 1; j <= s1; j++) {
      headF += d.forwardSeconds()[j - 1];
      headB += d.backwardSeconds()[j - 1];
      w += d.weightBytes()[j - 1];
    }
    double tail = 0;
    for (int j = sLast + 1; j <= l; j++) {
      tail += d.forwardSeconds()[j - 1] + d.backwardSeconds()[j - 1];
      w += d.weightBytes()[j - 1];
    }
    double cutBits = s1 == 0 ? 0 : 8 * d.activationBytesPerBatch()[s1 - 1];
    double tailBits = 8 * d.activationBytesPerBatch()[sLast - 1];
    // Every transfer takes the link's propagation delay after its last bit (LATENCY-MODEL.md
    // section 2), as the emulator's links charge it.
    double prop = d.propagationSeconds();
    double start = headF + cutBits / d.uplinkBps() + prop;
    double end =
        tailBits / d.downlinkBps()
            + prop
            + tail
            + tailBits / d.uplinkBps()
            + prop
            + cutBits / d.downlinkBps()
            + prop
            + headB;
    double hopSum = 0;
    for (int i = 0; i < p.hops(); i++) {
      hopSum += p.forwardSeconds()[i] + p.backwardSeconds()[i];
    }
    double period = tighter ? p.maxForwardPlusBackward() : p.maxForward() + p.maxBackward();
    long batches = (long) localEpochs * batchesPerDevice * devices;
    double all = start + hopSum + (batches - 1) * period + end;
    double aggr = 8.0 * w / d.uplinkBps() + prop + 8.0 * w / d.downlinkBps() + prop;
    return new MpslEpoch(start, hopSum, period, batches, end, all, aggr, all + aggr);
  }
}
