package io.splitemu.actors.runtime;

import java.util.List;

/**
 * How a per-device split run decides each round: from the link rates probed at the round's start,
 * one plan per device (its split, link and server shares, model transfer) and the events that
 * explain the decision.
 */
public interface SplitPolicy {

  /**
   * One device's plan for a round. Costs are per sample, except {@code modelBytes}.
   *
   * @param steps iterations this round
   * @param deviceForwardFlops forward FLOPs of the device part per sample
   * @param deviceBackwardFlops backward FLOPs of the device part per sample
   * @param serverFlops forward and backward FLOPs of the server part per sample
   * @param upBytes bytes up per sample and iteration
   * @param downBytes bytes down per sample and iteration
   * @param upShare uplink share (0, 1]
   * @param downShare downlink share (0, 1]
   * @param serverFlopsPerSecond the server rate this device gets
   * @param modelBytes device-side model bytes moved for aggregation (0: none)
   * @param modelUpShare uplink share of the model upload
   * @param modelDownShare downlink share of the aggregate's download (barrier form only)
   * @param aggregateAtBarrier upload after every device's steps and download the aggregate
   *     (EdgeSplit), rather than upload right after the device's own steps (SFL)
   * @param cut what {@code rounds.csv} and {@code devices.csv} show as the device's cut
   * @param label the decision in words; a {@code replan} event is written when it changes
   * @param detail what the event adds to the label (for instance the predicted latency)
   */
  public record DevicePlan(
      int steps,
      double deviceForwardFlops,
      double deviceBackwardFlops,
      double serverFlops,
      long upBytes,
      long downBytes,
      double upShare,
      double downShare,
      double serverFlopsPerSecond,
      long modelBytes,
      double modelUpShare,
      double modelDownShare,
      boolean aggregateAtBarrier,
      String cut,
      String label,
      String detail) {}

  /** The plans of round {@code round} from the probed full-band rates (bit/s) per device. */
  List<DevicePlan> plan(int round, double[] uplinkBps, double[] downlinkBps);
}
