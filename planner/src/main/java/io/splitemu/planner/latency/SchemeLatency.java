package io.splitemu.planner.latency;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The step and round latency formulas of LATENCY-MODEL.md sections 3 and 4, each returning a {@link
 * LatencyBreakdown}; the emulator's accounting must agree with these.
 *
 * <p>Choices where the model text is silent, applied consistently:
 *
 * <ul>
 *   <li>The FedAvg upload at the end of a cluster visit, SplitFed v1 and EdgeSplit uses the same
 *       uplink share as the device's activations (the devices of a cluster upload at once).
 *   <li>The download of the aggregated model (SplitFed v1) is a broadcast at the weakest device's
 *       full-band downlink rate, like the cluster-visit broadcast.
 *   <li>SplitFed v2 is the barrier step of one cluster of all devices: the server runs the N device
 *       batches one after another on its one model, b FS(l) / phi_S each, in device-index order,
 *       and releases all cut gradients when the last is done. Its latency therefore equals PSL's;
 *       they differ in training semantics only (sequential updates vs one concatenated batch).
 *   <li>EdgeSplit aggregation is every device uploading its device part W(p_n) at once, then
 *       downloading the aggregate's, each phase with the band shared min-max over these transfers
 *       ({@link #edgeSplitAggregationShares}, not the training shares beta_n): for linear rates
 *       {@code sum_n 8 W(p_n)/RU_n + max_n prop_n + sum_n 8 W(p_n)/RD_n + max_n prop_n}, as the
 *       runtime moves them.
 *   <li>SFL links are dedicated per device: the rates are the rate functions at share 1.
 *   <li>Every transfer ends {@link DeviceState#propagationSeconds} after its last bit is through
 *       (section 2); a broadcast ends when the last member has it, {@code max_n (8 W / rD_n +
 *       prop_n)}, which is the weakest-rate form when the delays are equal.
 *   <li>Round functions take {@code localSteps} as the scenario key {@code local-steps} means it: E
 *       when positive; 0 means one local epoch, which for a barrier cluster is one pass over its
 *       largest shard, {@code E_C = max_{n in C} I_n} ({@link #visitSteps}), and for SplitFed v1 is
 *       each device's own {@code I_n}. {@link #clusterVisit} takes E literally.
 *   <li>Static and trace links are each device's own: the overloads without share arrays run every
 *       device at share 1 of its own link, where the pooled forms require the shares of a phase to
 *       sum to at most 1.
 * </ul>
 */
public final class SchemeLatency {

  private SchemeLatency() {}

  /** tF, tU, tD, tB of device {@code d} at cut {@code cut} with the given link shares. */
  public static StepTimes step(
      CutCosts c, int cut, int batch, DeviceState d, double uplinkShare, double downlinkShare) {
    checkBatch(batch);
    double a = c.cutBytes(cut);
    double prop = d.propagationSeconds();
    double tF = batch * c.deviceForwardFlops(cut) / d.flopsPerSecond();
    double tU = transfer(8.0 * (batch * a + batch * 4.0), d.uplink(), uplinkShare, d);
    double tD = transfer(8.0 * batch * a, d.downlink(), downlinkShare, d);
    double tB = batch * c.deviceBackwardFlops(cut) / d.flopsPerSecond();
    return new StepTimes(tF, tU, tD, tB);
  }

  /**
   * E of one cluster visit for the scenario key {@code local-steps}: {@code localSteps} when
   * positive, otherwise one pass over the largest shard of the cluster, {@code max_{n in C} I_n}.
   */
  public static int visitSteps(int localSteps, List<DeviceState> cluster, int batch) {
    if (localSteps < 0) {
      throw new IllegalArgumentException("local steps must be >= 0, got " + localSteps);
    }
    if (localSteps > 0) {
      return localSteps;
    }
    long e = 0;
    for (DeviceState d : cluster) {
      e = Math.max(e, d.stepsPerEpoch(batch));
    }
    return Math.toIntExact(e);
  }

  /**
   * Barrier step of a cluster: {@code max(tF + tU) + b |C| FS(l) / phi_S + max(tD + tB)}.
   *
   * @param cluster the members; {@code up[i]}, {@code down[i]} are member i's shares
   */
  public static LatencyBreakdown barrierStep(
      CutCosts c,
      int cut,
      int batch,
      List<DeviceState> cluster,
      double[] up,
      double[] down,
      ServerState server) {
    checkShares(cluster.size(), up, "uplink");
    checkShares(cluster.size(), down, "downlink");
    return barrier(c, cut, batch, cluster, up, down, server);
  }

  private static LatencyBreakdown barrier(
      CutCosts c,
      int cut,
      int batch,
      List<DeviceState> cluster,
      double[] up,
      double[] down,
      ServerState server) {
    double bestUp = -1;
    double upCompute = 0;
    double upComm = 0;
    double bestDown = -1;
    double downCompute = 0;
    double downComm = 0;
    for (int i = 0; i < cluster.size(); i++) {
      StepTimes s = step(c, cut, batch, cluster.get(i), up[i], down[i]);
      if (s.forward() + s.uplink() > bestUp) {
        bestUp = s.forward() + s.uplink();
        upCompute = s.forward();
        upComm = s.uplink();
      }
      if (s.downlink() + s.backward() > bestDown) {
        bestDown = s.downlink() + s.backward();
        downCompute = s.backward();
        downComm = s.downlink();
      }
    }
    double tS = batch * (double) cluster.size() * c.serverFlops(cut) / server.flopsPerSecond();
    return new LatencyBreakdown(upCompute + downCompute, tS, upComm + downComm, 0);
  }

  /**
   * Cluster visit: broadcast of W(l) at the weakest member's full-band downlink rate, E barrier
   * steps ({@code localSteps} taken literally), then the FedAvg upload {@code max 8 W(l) / rU_n}.
   */
  public static LatencyBreakdown clusterVisit(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> cluster,
      double[] up,
      double[] down,
      ServerState server) {
    checkShares(cluster.size(), up, "uplink");
    checkShares(cluster.size(), down, "downlink");
    return visit(c, cut, batch, localSteps, cluster, up, down, server);
  }

  private static LatencyBreakdown visit(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> cluster,
      double[] up,
      double[] down,
      ServerState server) {
    if (localSteps < 0) {
      throw new IllegalArgumentException("local steps must be >= 0, got " + localSteps);
    }
    double bits = 8.0 * c.deviceParamBytes(cut);
    double upload = 0;
    for (int i = 0; i < cluster.size(); i++) {
      DeviceState d = cluster.get(i);
      upload = Math.max(upload, transfer(bits, d.uplink(), up[i], d));
    }
    LatencyBreakdown tau = barrier(c, cut, batch, cluster, up, down, server);
    return tau.times(localSteps)
        .plus(new LatencyBreakdown(0, 0, 0, broadcast(bits, cluster) + upload));
  }

  /** CPSL round: the sum of the cluster visits, clusters run one after another. */
  public static LatencyBreakdown cpslRound(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      List<ClusterAssignment> clusters,
      ServerState server) {
    LatencyBreakdown sum = LatencyBreakdown.ZERO;
    for (ClusterAssignment a : clusters) {
      List<DeviceState> members = new ArrayList<>(a.members().length);
      for (int m : a.members()) {
        members.add(devices.get(m));
      }
      int e = visitSteps(localSteps, members, batch);
      sum =
          sum.plus(
              clusterVisit(
                  c, cut, batch, e, members, a.uplinkShares(), a.downlinkShares(), server));
    }
    return sum;
  }

  /** Vanilla SL round: N clusters of one, in list order, each with the whole band. */
  public static LatencyBreakdown vanillaSlRound(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      ServerState server) {
    LatencyBreakdown sum = LatencyBreakdown.ZERO;
    double[] one = {1.0};
    for (DeviceState d : devices) {
      List<DeviceState> solo = List.of(d);
      int e = visitSteps(localSteps, solo, batch);
      sum = sum.plus(visit(c, cut, batch, e, solo, one, one, server));
    }
    return sum;
  }

  /** PSL round: one cluster of all devices with the given shares of a common band. */
  public static LatencyBreakdown pslRound(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      double[] up,
      double[] down,
      ServerState server) {
    int e = visitSteps(localSteps, devices, batch);
    return clusterVisit(c, cut, batch, e, devices, up, down, server);
  }

  /** PSL round with every device on its own link at share 1 (static or trace links). */
  public static LatencyBreakdown pslRound(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      ServerState server) {
    double[] one = ones(devices.size());
    return visit(c, cut, batch, visitSteps(localSteps, devices, batch), devices, one, one, server);
  }

  /** SplitFed v2 round; by the choice in the class comment it equals {@link #pslRound}. */
  public static LatencyBreakdown splitFedV2Round(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      double[] up,
      double[] down,
      ServerState server) {
    return pslRound(c, cut, batch, localSteps, devices, up, down, server);
  }

  /** SplitFed v2 round with every device on its own link at share 1 (equals PSL's). */
  public static LatencyBreakdown splitFedV2Round(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      ServerState server) {
    return pslRound(c, cut, batch, localSteps, devices, server);
  }

  /**
   * SplitFed v1 round of one local epoch per device: {@code max_n (I_n step_n + 8 W(l) / rU_n)}
   * with {@code tS_n = b FS(l) / (s_n phi_S)}, plus the broadcast of the aggregated model.
   */
  public static LatencyBreakdown splitFedV1Round(
      CutCosts c,
      int cut,
      int batch,
      List<DeviceState> devices,
      double[] up,
      double[] down,
      double[] serverShares,
      ServerState server) {
    return splitFedV1Round(c, cut, batch, 0, devices, up, down, serverShares, server);
  }

  /**
   * SplitFed v1 round: {@code max_n (E_n step_n + 8 W(l) / rU_n)} plus the broadcast of the
   * aggregated model, with {@code E_n = localSteps} when positive and {@code I_n} when 0.
   */
  public static LatencyBreakdown splitFedV1Round(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      double[] up,
      double[] down,
      double[] serverShares,
      ServerState server) {
    int n = devices.size();
    checkShares(n, up, "uplink");
    checkShares(n, down, "downlink");
    return splitFedV1(c, cut, batch, localSteps, devices, up, down, serverShares, server);
  }

  /** SplitFed v1 round with every device on its own link at share 1 (static or trace links). */
  public static LatencyBreakdown splitFedV1Round(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      double[] serverShares,
      ServerState server) {
    double[] one = ones(devices.size());
    return splitFedV1(c, cut, batch, localSteps, devices, one, one, serverShares, server);
  }

  private static LatencyBreakdown splitFedV1(
      CutCosts c,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      double[] up,
      double[] down,
      double[] serverShares,
      ServerState server) {
    int n = devices.size();
    requireDevices(n, "SplitFed v1");
    checkShares(n, serverShares, "server");
    if (up.length != n || down.length != n) {
      throw new IllegalArgumentException("need one uplink and one downlink share per device");
    }
    if (localSteps < 0) {
      throw new IllegalArgumentException("local steps must be >= 0, got " + localSteps);
    }
    double bits = 8.0 * c.deviceParamBytes(cut);
    LatencyBreakdown worst = null;
    double worstTotal = -1;
    for (int i = 0; i < n; i++) {
      DeviceState d = devices.get(i);
      long steps = localSteps > 0 ? localSteps : d.stepsPerEpoch(batch);
      LatencyBreakdown t =
          perDevice(c, cut, batch, steps, d, up[i], down[i], serverShares[i], server)
              .plus(new LatencyBreakdown(0, 0, 0, transfer(bits, d.uplink(), up[i], d)));
      if (t.total() > worstTotal) {
        worstTotal = t.total();
        worst = t;
      }
    }
    return worst.plus(new LatencyBreakdown(0, 0, 0, broadcast(bits, devices)));
  }

  /**
   * The EdgeSplit epoch time of one device: {@code I_n (tF + tU + tS_n + tD + tB)} at cut {@code
   * cut} with bandwidth share {@code beta} on both links and server share {@code serverShare}. A
   * device with no samples ({@code I_n = 0}) takes 0 at any shares in [0, 1]: it sends nothing and
   * needs no band.
   */
  public static double edgeSplitDeviceEpoch(
      CutCosts c,
      int cut,
      int batch,
      DeviceState d,
      double beta,
      double serverShare,
      ServerState server) {
    long steps = d.stepsPerEpoch(batch);
    if (steps == 0) {
      checkIdleShare(d, beta);
      checkIdleShare(d, serverShare);
      return 0;
    }
    StepTimes s = step(c, cut, batch, d, beta, beta);
    double tS = serverStep(c, cut, batch, d, serverShare, server);
    return steps * (s.forward() + s.uplink() + tS + s.downlink() + s.backward());
  }

  /**
   * EdgeSplit round: epoch makespan {@code max_n I_n step_n(p_n, beta_n)} plus aggregation, every
   * device-side model up and the aggregate down at the shares of {@link
   * #edgeSplitAggregationShares}.
   */
  public static LatencyBreakdown edgeSplitRound(
      CutCosts c,
      int[] cuts,
      int batch,
      List<DeviceState> devices,
      double[] bandwidthShares,
      double[] serverShares,
      ServerState server) {
    int n = devices.size();
    requireDevices(n, "EdgeSplit");
    checkShares(n, bandwidthShares, "bandwidth");
    checkShares(n, serverShares, "server");
    if (cuts.length != n) {
      throw new IllegalArgumentException(
          "need one cut per device, got " + cuts.length + " for " + n);
    }
    LatencyBreakdown epoch = null;
    double worstTotal = -1;
    for (int i = 0; i < n; i++) {
      DeviceState d = devices.get(i);
      LatencyBreakdown t =
          perDevice(
              c,
              cuts[i],
              batch,
              d.stepsPerEpoch(batch),
              d,
              bandwidthShares[i],
              bandwidthShares[i],
              serverShares[i],
              server);
      if (t.total() > worstTotal) {
        worstTotal = t.total();
        epoch = t;
      }
    }
    double[] upFull = new double[n];
    double[] downFull = new double[n];
    for (int i = 0; i < n; i++) {
      upFull[i] = devices.get(i).uplink().bitsPerSecond(1);
      downFull[i] = devices.get(i).downlink().bitsPerSecond(1);
    }
    double[] upShares = edgeSplitAggregationShares(c, cuts, upFull);
    double[] downShares = edgeSplitAggregationShares(c, cuts, downFull);
    double up = 0;
    double down = 0;
    for (int i = 0; i < n; i++) {
      DeviceState d = devices.get(i);
      double bits = 8.0 * c.deviceParamBytes(cuts[i]);
      up = Math.max(up, transfer(bits, d.uplink(), upShares[i], d));
      down = Math.max(down, transfer(bits, d.downlink(), downShares[i], d));
    }
    return epoch.plus(new LatencyBreakdown(0, 0, 0, up + down));
  }

  /**
   * Shares of the band for EdgeSplit's aggregation phase, where every device moves its device-side
   * model at once (all up, then the aggregate down): min-max over the model transfers, which for
   * rates linear in the share gives x_n proportional to W(p_n) / R_n, and every transfer ends at
   * {@code sum_n 8 W(p_n) / R_n} (plus its propagation delay). The training shares beta_n balance
   * the epoch, not this phase (a device with a tiny beta_n would otherwise take long to send its
   * model). The runtime moves the models at these shares ({@code ShareSplitPolicies}).
   *
   * @param fullRateBps each device's rate at the whole band (bit/s) in the phase's direction
   */
  public static double[] edgeSplitAggregationShares(CutCosts c, int[] cuts, double[] fullRateBps) {
    int n = cuts.length;
    if (fullRateBps.length != n) {
      throw new IllegalArgumentException(
          "aggregation shares: " + n + " cuts but " + fullRateBps.length + " rates");
    }
    double[] t = new double[n];
    double total = 0;
    for (int d = 0; d < n; d++) {
      t[d] = 8.0 * c.deviceParamBytes(cuts[d]) / fullRateBps[d];
      total += t[d];
    }
    double[] x = new double[n];
    for (int d = 0; d < n; d++) {
      // A device with no model to move (W(p) = 0) needs no band: share 0, which its 0-bit
      // transfer takes at its propagation delay; when none has a model, the band is spread.
      x[d] = total > 0 ? t[d] / total : 1.0 / n;
    }
    return x;
  }

  /**
   * SFL round: {@code max_n T_n}, {@code T_n = I_n (b FD/phi_n + 8 b a (1/rU + 1/rD) + b FS / f_n)
   * + 8 W / rU} with dedicated links (rates at share 1) and server FLOP/s {@code f_n}.
   */
  public static LatencyBreakdown sflRound(
      CutCosts c, int[] cuts, int batch, List<DeviceState> devices, double[] serverFlops) {
    checkBatch(batch);
    int n = devices.size();
    requireDevices(n, "SFL");
    if (cuts.length != n || serverFlops.length != n) {
      throw new IllegalArgumentException("need one cut and one server rate per device (" + n + ")");
    }
    LatencyBreakdown worst = null;
    double worstTotal = -1;
    for (int i = 0; i < n; i++) {
      LatencyBreakdown t = sflDevice(c, cuts[i], batch, devices.get(i), serverFlops[i]);
      double total = t.total();
      if (total > worstTotal) {
        worstTotal = total;
        worst = t;
      }
    }
    return worst;
  }

  /** T_n of SFL for one device, as a breakdown. */
  public static LatencyBreakdown sflDevice(
      CutCosts c, int cut, int batch, DeviceState d, double serverFlopsPerSecond) {
    double rU = d.uplink().bitsPerSecond(1);
    double rD = d.downlink().bitsPerSecond(1);
    double prop = d.propagationSeconds();
    double steps = d.stepsPerEpoch(batch);
    double dev = steps * (batch * c.deviceFlops(cut) / d.flopsPerSecond());
    double comm = steps * (8.0 * batch * c.cutBytes(cut) * (1 / rU + 1 / rD) + 2 * prop);
    double fs = c.serverFlops(cut);
    double srv;
    if (fs == 0) {
      srv = 0;
    } else if (!(serverFlopsPerSecond > 0)) {
      srv = Double.POSITIVE_INFINITY;
    } else {
      srv = steps * (batch * fs / serverFlopsPerSecond);
    }
    return new LatencyBreakdown(dev, srv, comm, 8.0 * c.deviceParamBytes(cut) / rU + prop);
  }

  /** The end of a model broadcast: the last member to hold it, each at its full-band rate. */
  private static double broadcast(double bits, List<DeviceState> members) {
    double end = 0;
    for (DeviceState d : members) {
      end = Math.max(end, bits / d.downlink().bitsPerSecond(1) + d.propagationSeconds());
    }
    return end;
  }

  private static LatencyBreakdown perDevice(
      CutCosts c,
      int cut,
      int batch,
      long steps,
      DeviceState d,
      double up,
      double down,
      double serverShare,
      ServerState server) {
    if (steps == 0) {
      checkIdleShare(d, up);
      checkIdleShare(d, down);
      checkIdleShare(d, serverShare);
      return LatencyBreakdown.ZERO;
    }
    StepTimes s = step(c, cut, batch, d, up, down);
    double tS = serverStep(c, cut, batch, d, serverShare, server);
    return new LatencyBreakdown(
        steps * (s.forward() + s.backward()), steps * tS, steps * (s.uplink() + s.downlink()), 0);
  }

  private static double[] ones(int n) {
    double[] one = new double[n];
    Arrays.fill(one, 1.0);
    return one;
  }

  /**
   * The time of a transfer of {@code bits} at {@code share} of link {@code f}, propagation delay
   * included. A 0-bit transfer takes the delay only, at any share in [0, 1] (the runtime's links
   * time it so, and an allocation gives a payload of 0 bits no band); any other needs a share in
   * (0, 1].
   */
  private static double transfer(double bits, RateFunction f, double share, DeviceState d) {
    if (bits == 0 && share >= 0 && share <= 1 + 1e-12) {
      return d.propagationSeconds();
    }
    return bits / rate(f, share, d) + d.propagationSeconds();
  }

  /**
   * The server time of one step of device {@code d} at cut {@code cut} on its own server copy with
   * {@code share} of the server, {@code b FS(l) / (s_n phi_S)}: 0 at a cut that leaves the server
   * no work (any share in [0, 1]), otherwise the share must be in (0, 1].
   */
  private static double serverStep(
      CutCosts c, int cut, int batch, DeviceState d, double share, ServerState server) {
    double fs = c.serverFlops(cut);
    if (fs == 0) {
      checkIdleShare(d, share);
      return 0;
    }
    if (!(share > 0) || share > 1 + 1e-12) {
      throw new IllegalArgumentException(
          "device "
              + d.id()
              + ": server share must be in (0, 1] at cut "
              + cut
              + ", which leaves the server work, got "
              + share);
    }
    return batch * fs / (share * server.flopsPerSecond());
  }

  private static void requireDevices(int n, String scheme) {
    if (n == 0) {
      throw new IllegalArgumentException(scheme + " round needs at least one device");
    }
  }

  // A share of a device that moves nothing: any value in [0, 1].
  private static void checkIdleShare(DeviceState d, double share) {
    if (!(share >= 0) || share > 1 + 1e-12) {
      throw new IllegalArgumentException(
          "device " + d.id() + ": share must be in [0, 1], got " + share);
    }
  }

  private static double rate(RateFunction f, double share, DeviceState d) {
    if (!(share > 0) || share > 1 + 1e-12) {
      throw new IllegalArgumentException(
          "device " + d.id() + ": share must be in (0, 1], got " + share);
    }
    return f.bitsPerSecond(share);
  }

  private static void checkShares(int n, double[] shares, String what) {
    if (shares.length != n) {
      throw new IllegalArgumentException(
          what + " shares: need " + n + " values, got " + shares.length);
    }
    double sum = 0;
    for (int i = 0; i < shares.length; i++) {
      double s = shares[i];
      if (!(s >= 0) || s > 1 + 1e-12) {
        throw new IllegalArgumentException(
            what + " shares: share " + i + " must be in [0, 1], got " + s);
      }
      sum += s;
    }
    if (sum > 1 + 1e-9) {
      throw new IllegalArgumentException(what + " shares sum to " + sum + " > 1");
    }
  }

  private static void checkBatch(int batch) {
    if (batch <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batch);
    }
  }
}
