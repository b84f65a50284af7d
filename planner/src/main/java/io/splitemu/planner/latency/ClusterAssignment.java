package io.splitemu.planner.latency;

/**
 * One cluster of a round: device indexes into the round's device list and their uplink and
 * downlink shares within the cluster (each phase's shares sum to at most 1).
 *
 * @param members device indexes
 * @param uplinkShares share of the uplink spectrum per member
 * @param downlinkShares share of the downlink spectrum per member
 */
public record ClusterAssignment(int[] members, double[] uplinkShares, double[] downlinkShares) {

  public ClusterAssignment {
    if (members.length == 0) {
      throw new IllegalArgumentException("a cluster needs at least one device");
    }
    if (uplinkShares.length != members.length || downlinkShares.length != members.length) {
      throw new IllegalArgumentException(
          "cluster of " + members.length + " devices needs one uplink and one downlink share each");
    }
  }
}
