package io.splitemu.actors.pipeline;

import java.util.List;

/**
 * Everything an MP-SL pipeline run needs, in emulated units: the device-held head and tail, the
 * lanes of compute hops with the devices each serves, the devices' link rates and batch counts, and
 * the planner's prediction to compare against.
 *
 * <p>{@code mpsl} has one lane of N hops serving every device; {@code mpsl-horizontal} has H lanes
 * of one hop (a helper with the whole middle block), each serving the devices assigned to it.
 *
 * @param scheme {@code mpsl} or {@code mpsl-horizontal}
 * @param epochs epochs (rounds) to run; each ends with FedAvg of the device-held slices
 * @param batchesPerDevice batches of each device per epoch (one in flight at a time)
 * @param device the device-side costs, the same for every device
 * @param uplinkBps each device's uplink rate
 * @param downlinkBps each device's downlink rate
 * @param propagationNs one-way propagation delay of every device link
 * @param lanes the hop chains
 * @param aggregateHops also FedAvg each hop's slice instances at the end of an epoch
 * @param cut the cuts as text for {@code rounds.csv} (e.g. {@code 3-9-17-24})
 * @param predictedEpochS the planner's epoch time (MP-SL estimate or horizontal makespan), NaN if
 *     none
 * @param planDetail one line on the plan for {@code events.csv}
 */
public record PipelinePlan(
    String scheme,
    int epochs,
    int[] batchesPerDevice,
    DeviceCosts device,
    double[] uplinkBps,
    double[] downlinkBps,
    long propagationNs,
    List<Lane> lanes,
    boolean aggregateHops,
    String cut,
    double predictedEpochS,
    String planDetail) {

  /**
   * The device's share of one batch: its head (units 1..s_1) and tail (s_{N+1}+1..L).
   *
   * @param headForwardS forward of the head per batch
   * @param headBackwardS backward and update of the head per batch
   * @param tailS forward, loss, backward and update of the tail per batch
   * @param cutBytes activation bytes at s_1 per batch (its gradient is as large)
   * @param tailCutBytes activation bytes at s_{N+1} per batch (its gradient is as large)
   * @param modelBytes weight bytes of head and tail (uploaded and downloaded for FedAvg)
   * @param memoryBytes model memory of the head and tail on the device
   */
  public record DeviceCosts(
      double headForwardS,
      double headBackwardS,
      double tailS,
      long cutBytes,
      long tailCutBytes,
      long modelBytes,
      long memoryBytes) {}

  /**
   * One compute hop: its per-batch times and the memory of one slice instance.
   *
   * @param name node name in results ({@code hop-1}, {@code helper-2})
   * @param forwardS F_i per batch
   * @param backwardS B_i per batch (backward and update)
   * @param instanceBytes memory of one device's instance of the hop's slice
   * @param predictedPeakBytes the planner's memory for this hop (K instances), NaN if none
   */
  public record Stage(
      String name,
      double forwardS,
      double backwardS,
      long instanceBytes,
      double predictedPeakBytes) {

    public Stage {
      if (!(forwardS > 0) || !(backwardS > 0)) {
        // A conservative pipeline needs a positive lookahead on every hop.
        throw new IllegalArgumentException(
            name + ": forward and backward times per batch must be > 0");
      }
    }
  }

  /**
   * A chain of hops and the devices it serves.
   *
   * @param hops hop 1..N of the chain
   * @param devices ids of the devices it serves
   */
  public record Lane(List<Stage> hops, int[] devices) {
    public Lane {
      hops = List.copyOf(hops);
      devices = devices.clone();
    }
  }

  public PipelinePlan {
    lanes = List.copyOf(lanes);
    int n = batchesPerDevice.length;
    if (uplinkBps.length != n || downlinkBps.length != n) {
      throw new IllegalArgumentException("need one uplink and downlink rate per device");
    }
    boolean[] seen = new boolean[n];
    for (Lane l : lanes) {
      for (int d : l.devices()) {
        if (d < 0 || d >= n || seen[d]) {
          throw new IllegalArgumentException("device " + d + " is in no lane or in two");
        }
        seen[d] = true;
      }
    }
    for (int d = 0; d < n; d++) {
      if (!seen[d]) {
        throw new IllegalArgumentException("device " + d + " is in no lane");
      }
      if (batchesPerDevice[d] < 1) {
        throw new IllegalArgumentException("device " + d + " needs at least one batch");
      }
    }
  }

  /** Number of devices K. */
  public int devices() {
    return batchesPerDevice.length;
  }
}
