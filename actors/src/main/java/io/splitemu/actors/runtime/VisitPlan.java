package io.splitemu.actors.runtime;

import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One cluster visit as the supervisor plans it: which devices, how many steps, their shares, and
 * how the server serves them.
 *
 * @param visits the round's cluster visits in all (this one is {@code cluster}, 0-based)
 * @param members device ids in the order the server concatenates or serves them
 * @param steps local steps E of every member
 * @param startNs emulated instant at which the visit starts
 * @param deviceParams the device-side model the members start from ({@code null} in timing)
 * @param cut the cut the members train at (CPSL, whose cut moves; -1 for the other schemes)
 * @param mode how the server serves the members
 * @param computeFactor per-device compute factor of this round
 * @param upShare per-device uplink share
 * @param downShare per-device downlink share
 * @param serverShare per-device server compute share (per-device copies only)
 * @param plans per-device plans of a split scheme (a depth per device only; empty otherwise)
 * @param equalWeights whether FedAvg weights the members present equally ({@code survival.weighting
 *     = equal}) rather than by their samples
 */
public record VisitPlan(
    int round,
    int cluster,
    int visits,
    List<Integer> members,
    Map<Integer, ActorRef<Device.Command>> refs,
    int steps,
    long startNs,
    INDArray deviceParams,
    int cut,
    Mode mode,
    Map<Integer, Double> computeFactor,
    Map<Integer, Double> upShare,
    Map<Integer, Double> downShare,
    Map<Integer, Double> serverShare,
    Map<Integer, SplitPolicy.DevicePlan> plans,
    boolean equalWeights) {

  /** How the server serves the members of a visit. */
  public enum Mode {
    /**
     * Barrier steps; one shared server model trained on the members' batches concatenated in member
     * order (vanilla SL, PSL); the device model is broadcast at the start.
     */
    SHARED_CONCATENATED,
    /**
     * Barrier steps; one shared server model trained on the members' batches one after another in
     * member order (SplitFed v2); timing as the concatenated form.
     */
    SHARED_SEQUENTIAL,
    /**
     * Each member runs its steps on its own server copy with its compute share, without barriers;
     * the aggregated model is downloaded at the end (SplitFed v1).
     */
    PER_DEVICE_COPIES,
    /**
     * A depth per device (split schemes): as per-device copies, but each member's copy is the
     * server side of the member's own cut, served at the member's own server rate, with the
     * member's own costs and link shares ({@link SplitPolicy.DevicePlan}); no model broadcast at
     * the start, and with the plan's aggregation barrier every model goes up and the aggregate down
     * after everyone's steps.
     */
    DEPTH_PER_DEVICE
  }
}
