package io.splitemu.actors.scheme;

import io.splitemu.actors.runtime.Emulation;
import io.splitemu.planner.latency.LatencyBreakdown;
import java.util.List;

/**
 * A scheme's decisions for round 1 and their predicted latency, as {@code splitemu plan} prints
 * them.
 *
 * @param model the model profile the scheme plans with (the zoo model, a DAG scheme's {@code
 *     dag.profile}, MP-SL's measured model)
 * @param cut the cut as {@code rounds.csv} shows it (one per device, ";"-separated, where they
 *     differ)
 * @param visits the cluster visits (barrier), the devices with their shares (split), or the lanes
 *     (pipeline), in order
 * @param decisions what the planner decided, in words (one line each)
 * @param devices the devices as the planner sees them at the round's start
 * @param predictedSeconds the predicted latency of round 1 (an epoch for a pipeline)
 * @param breakdown its parts, which add up to it; null where the parts overlap (pipeline)
 * @param basis how the prediction was made
 * @param faultsTimed which of the scenario's faults the prediction times; {@code plan} names every
 *     other fault that strikes in round 1 (docs/faults.md "Plan")
 */
public record SchemePlan(
    String scheme,
    Scheme.Family family,
    String model,
    String cut,
    List<Visit> visits,
    List<String> decisions,
    List<DeviceView> devices,
    double predictedSeconds,
    LatencyBreakdown breakdown,
    String basis,
    FaultsTimed faultsTimed) {

  /**
   * The faults a round-1 prediction takes into account: only what the links it walks over carry.
   */
  public enum FaultsTimed {
    /** None: LATENCY-MODEL.md's closed forms, MP-SL's epoch estimate. */
    NONE,
    /**
     * The link faults ({@link Emulation#isLinkFault}): the prediction walks round 1 over the run's
     * own links ({@link Emulation#links}), which carry exactly these; no device fault, crash or hop
     * crash.
     */
    LINK;

    /** Whether a fault of {@code kind} is in a prediction of this kind. */
    public boolean times(String kind) {
      return this == LINK && Emulation.isLinkFault(kind);
    }
  }

  /**
   * One visit, or the devices of a round that runs them side by side.
   *
   * @param members device indexes
   * @param steps iterations per member
   * @param uplinkShares per member; 1 on a device's own link
   * @param downlinkShares per member
   * @param serverShares per member share of the server where it is divided, else null
   */
  public record Visit(
      int[] members,
      long[] steps,
      double[] uplinkShares,
      double[] downlinkShares,
      double[] serverShares) {}

  /**
   * A device as a planner sees it.
   *
   * @param samples the shard size (barrier) or the samples of a round (split, pipeline)
   * @param uplinkBps the full-band uplink rate the planner uses
   */
  public record DeviceView(
      int id,
      double flopsPerSecond,
      long samples,
      double uplinkBps,
      double downlinkBps,
      double propagationSeconds) {}
}
