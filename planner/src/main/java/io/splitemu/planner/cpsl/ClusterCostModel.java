package io.splitemu.planner.cpsl;

import io.splitemu.planner.alloc.MinMaxAllocator;
import io.splitemu.planner.latency.ClusterAssignment;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.ShannonRate;
import java.util.List;

/**
 * The cost of one CPSL cluster visit for a fixed cut and round state, with the per-phase spectrum
 * either allocated min-max (optimal) or split equally.
 *
 * <p>The uplink phase allocates over {@code tF_n + 8 b (a_l + 4) / rU_n(x)}, the downlink phase
 * over {@code 8 b a_l / rD_n(y) + tB_n}; the two phases do not overlap, so each has its own shares.
 * The value equals {@code SchemeLatency.clusterVisit} with the same shares up to rounding.
 */
public final class ClusterCostModel {

  /** How the spectrum of a cluster is split among its members. */
  public enum SharePolicy {
    /** Min-max allocation per phase. */
    OPTIMAL,
    /** 1/|C| each. */
    EQUAL
  }

  private final List<DeviceState> devices;
  private final int cut;
  private final int batch;
  private final int localSteps;
  private final ServerState server;
  private final CutCosts costs;
  private final double[] tF;
  // Each device's propagation delay (s), in its phases' fixed times and its model transfers.
  private final double[] prop;
  private final double[] tB;
  private final RateFunction[] up;
  private final RateFunction[] down;
  // Each device's epoch I_n = ceil(|D_n| / b): a visit's E with local steps 0 is its members' max.
  private final int[] epochs;
  private final double[] upK;
  private final double[] downK;
  private final double[] downFull;
  // Per-device link constants for MinMaxAllocator.solveWireless: bandwidth and full-band SNR of a
  // Shannon link, or the full rate and SNR 0 of a linear one.
  private final double[] upW;
  private final double[] upSnr;
  private final double[] downW;
  private final double[] downSnr;
  private final double[] upFull;
  // Scratch for the wireless solve. It takes no warm starts from earlier visits, so a visit's cost
  // is a pure function of its members (Gibbs keeps the best partition it saw, and evaluating that
  // partition again must give the same value to the last bit).
  private double[] sfull;
  // Rates at the shares of the latest wireless uplink solve, for the FedAvg upload (no logarithms).
  private double[] srate;
  private boolean ratesKnown;
  // Warm starts of the wireless solve per device for the two pool sizes a Gibbs run visits (N/M
  // rounded down and up; a swap keeps the sizes), filled on first use with exactly what the solve
  // would compute itself (MinMaxAllocator.chordSlope): one logarithm per device and size instead of
  // one per member and visit. Index 0 of each pair is the uplink, 1 the downlink; 0 means unknown.
  private final int[] chordSize = {-1, -1};
  private final double[][][] chords = new double[2][][];
  private double[] schord;
  private final boolean linear;
  private final double bitsUp;
  private final double bitsDown;
  private final double modelBits;
  private final double serverPerDevice;
  private double[] sa;
  private double[] sb;
  private double[] sx;
  private double[] sbits;
  private double[] work;
  private double[] snrs;

  /** Precomputes the per-device times for {@code devices} at cut {@code cut}. */
  public ClusterCostModel(
      CutCosts costs,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      ServerState server) {
    if (batch <= 0 || localSteps < 0) {
      throw new IllegalArgumentException(
          "batch must be > 0 and local steps >= 0, got " + batch + " and " + localSteps);
    }
    this.costs = costs;
    this.devices = List.copyOf(devices);
    this.cut = cut;
    this.batch = batch;
    this.localSteps = localSteps;
    this.server = server;
    int n = devices.size();
    tF = new double[n];
    tB = new double[n];
    prop = new double[n];
    up = new RateFunction[n];
    down = new RateFunction[n];
    upK = new double[n];
    downK = new double[n];
    downFull = new double[n];
    upW = new double[n];
    upSnr = new double[n];
    downW = new double[n];
    downSnr = new double[n];
    upFull = new double[n];
    epochs = new int[n];
    double a = costs.cutBytes(cut);
    bitsUp = 8.0 * (batch * a + batch * 4.0);
    bitsDown = 8.0 * batch * a;
    modelBits = 8.0 * costs.deviceParamBytes(cut);
    serverPerDevice = batch * costs.serverFlops(cut) / server.flopsPerSecond();
    boolean lin = true;
    for (int i = 0; i < n; i++) {
      DeviceState d = devices.get(i);
      // A transfer ends its propagation delay after its last bit (LATENCY-MODEL.md section 2): in
      // the uplink phase after the forward pass and the activations, in the downlink phase before
      // the backward pass, so it joins each phase's fixed time.
      prop[i] = d.propagationSeconds();
      epochs[i] = Math.toIntExact(d.stepsPerEpoch(batch));
      tF[i] = batch * costs.deviceForwardFlops(cut) / d.flopsPerSecond() + prop[i];
      tB[i] = batch * costs.deviceBackwardFlops(cut) / d.flopsPerSecond() + prop[i];
      up[i] = d.uplink();
      down[i] = d.downlink();
      upK[i] = bitsUp / up[i].bitsPerSecond(1);
      downK[i] = bitsDown / down[i].bitsPerSecond(1);
      downFull[i] = down[i].bitsPerSecond(1);
      upFull[i] = up[i].bitsPerSecond(1);
      lin &= up[i].isLinear() && down[i].isLinear();
      linkConstants(up[i], upW, upSnr, i);
      linkConstants(down[i], downW, downSnr, i);
    }
    linear = lin;
    grow(16);
  }

  /** Number of devices. */
  public int size() {
    return devices.size();
  }

  /** The devices, in index order. */
  public List<DeviceState> devices() {
    return devices;
  }

  /** The cut. */
  public int cut() {
    return cut;
  }

  /** Model sums used. */
  public CutCosts costs() {
    return costs;
  }

  /** Batch size. */
  public int batch() {
    return batch;
  }

  /**
   * Local steps per cluster visit, as the scenario key {@code local-steps}: 0 means one pass over
   * the largest shard of each cluster ({@link #visitSteps}).
   */
  public int localSteps() {
    return localSteps;
  }

  /** Device {@code i}'s epoch, I_n = ceil(|D_n| / b) steps. */
  public int epochSteps(int i) {
    return epochs[i];
  }

  /**
   * E of a visit of {@code members}: the local steps, or with local steps 0 the largest member's
   * epoch, {@code max_{n in C} I_n} (as the runtime runs a visit and {@code
   * SchemeLatency.visitSteps} predicts it).
   */
  public int visitSteps(int[] members) {
    if (localSteps > 0) {
      return localSteps;
    }
    int e = 0;
    for (int m : members) {
      e = Math.max(e, epochs[m]);
    }
    return e;
  }

  /** Server state. */
  public ServerState server() {
    return server;
  }

  /** Speed score: the device's solo step time with the whole band (smaller is faster). */
  public double soloStep(int i) {
    return tF[i] + upK[i] + downK[i] + tB[i];
  }

  /** Visit time of the cluster {@code members} under {@code policy}. */
  public double visit(int[] members, SharePolicy policy) {
    return visit(members, policy, null, null);
  }

  /** The cluster with its shares under {@code policy}, as the runtime takes it. */
  public ClusterAssignment assignment(int[] members, SharePolicy policy) {
    double[] u = new double[members.length];
    double[] d = new double[members.length];
    visit(members, policy, u, d);
    return new ClusterAssignment(members.clone(), u, d);
  }

  private double visit(int[] members, SharePolicy policy, double[] upOut, double[] downOut) {
    int n = members.length;
    grow(n);
    ratesKnown = false;
    double upPhase = phase(members, policy, true, upOut);
    double maxUpload = 0;
    double broadcast = 0;
    for (int i = 0; i < n; i++) {
      int m = members[i];
      double rate = ratesKnown ? srate[i] : up[m].bitsPerSecond(sx[i]);
      maxUpload = Math.max(maxUpload, modelBits / rate + prop[m]);
      broadcast = Math.max(broadcast, modelBits / downFull[m] + prop[m]);
    }
    double downPhase = phase(members, policy, false, downOut);
    double tau = upPhase + serverPerDevice * n + downPhase;
    return broadcast + visitSteps(members) * tau + maxUpload;
  }

  // What IncrementalGibbs reads: the per-device constants of each phase (isUp: the uplink phase,
  // else the downlink one) and the OPTIMAL makespan of one phase.

  double fixed(int i, boolean isUp) {
    return isUp ? tF[i] : tB[i];
  }

  double phaseBits(boolean isUp) {
    return isUp ? bitsUp : bitsDown;
  }

  // Bandwidth of a Shannon link, else the full rate (then snr is 0 and the rate is linear).
  double bandwidth(int i, boolean isUp) {
    return isUp ? upW[i] : downW[i];
  }

  double snr(int i, boolean isUp) {
    return isUp ? upSnr[i] : downSnr[i];
  }

  double fullRate(int i, boolean isUp) {
    return isUp ? upFull[i] : downFull[i];
  }

  /** Device {@code i}'s propagation delay (s), which each of its transfers ends with. */
  double propagation(int i) {
    return prop[i];
  }

  double modelBits() {
    return modelBits;
  }

  double serverPerDevice() {
    return serverPerDevice;
  }

  /** The OPTIMAL makespan of one phase of {@code members}, with the shares in {@code shares}. */
  double phaseMakespan(int[] members, boolean isUp, double[] shares) {
    grow(members.length);
    ratesKnown = false;
    return phase(members, SharePolicy.OPTIMAL, isUp, shares);
  }

  // Leaves the uplink shares in sx when up is true (the FedAvg upload uses them).
  private double phase(int[] members, SharePolicy policy, boolean isUp, double[] out) {
    int n = members.length;
    double bits = isUp ? bitsUp : bitsDown;
    double t;
    if (policy == SharePolicy.EQUAL) {
      t = 0;
      double x = 1.0 / n;
      for (int i = 0; i < n; i++) {
        int m = members[i];
        sx[i] = x;
        RateFunction r = isUp ? up[m] : down[m];
        t = Math.max(t, (isUp ? tF[m] : tB[m]) + bits / r.bitsPerSecond(x));
      }
    } else if (linear) {
      for (int i = 0; i < n; i++) {
        int m = members[i];
        sa[i] = isUp ? tF[m] : tB[m];
        sb[i] = isUp ? upK[m] : downK[m];
      }
      t = MinMaxAllocator.solveLinear(sa, sb, n, sx);
    } else {
      t = wireless(members, isUp);
    }
    if (out != null) {
      System.arraycopy(sx, 0, out, 0, n);
    }
    return t;
  }

  private static void linkConstants(RateFunction r, double[] w, double[] snr, int i) {
    if (r instanceof ShannonRate s) {
      w[i] = s.bandwidthHz();
      snr[i] = s.fullBandSnr();
    } else {
      w[i] = r.bitsPerSecond(1);
      snr[i] = 0;
    }
  }

  // Min-max over Shannon (or mixed) links into sx: the certified solve of solveWireless (about 5
  // logarithms per member instead of hundreds), else the general allocator as a safety net.
  private double wireless(int[] members, boolean isUp) {
    int n = members.length;
    double bits = isUp ? bitsUp : bitsDown;
    double[] cache = chordCache(n, isUp);
    for (int i = 0; i < n; i++) {
      int m = members[i];
      sa[i] = isUp ? tF[m] : tB[m];
      sbits[i] = bits;
      sb[i] = isUp ? upW[m] : downW[m];
      snrs[i] = isUp ? upSnr[m] : downSnr[m];
      sfull[i] = isUp ? upFull[m] : downFull[m];
      if (cache != null) {
        double c = cache[m];
        if (c == 0) {
          c = MinMaxAllocator.chordSlope(sb[i], snrs[i], n);
          cache[m] = c;
        }
        schord[i] = c;
      }
    }
    double t =
        MinMaxAllocator.solveWireless(
            sa, sbits, sb, snrs, sfull, cache != null ? schord : null, n, sx, work);
    if (!Double.isNaN(t)) {
      if (isUp) {
        System.arraycopy(work, 0, srate, 0, n);
        ratesKnown = true;
      }
      return t;
    }
    double[] a = new double[n];
    double[] b = new double[n];
    RateFunction[] r = new RateFunction[n];
    for (int i = 0; i < n; i++) {
      int m = members[i];
      a[i] = isUp ? tF[m] : tB[m];
      b[i] = bits;
      r[i] = isUp ? up[m] : down[m];
    }
    var alloc = MinMaxAllocator.allocate(a, b, r);
    System.arraycopy(alloc.shares(), 0, sx, 0, n);
    return alloc.makespan();
  }

  // The chord cache of pools of n members in one direction, or null once two other sizes hold the
  // slots (the solve then computes its chords itself, with the same result).
  private double[] chordCache(int n, boolean isUp) {
    for (int k = 0; k < 2; k++) {
      if (chordSize[k] == -1) {
        chordSize[k] = n;
        chords[k] = new double[][] {new double[tF.length], new double[tF.length]};
      }
      if (chordSize[k] == n) {
        return chords[k][isUp ? 0 : 1];
      }
    }
    return null;
  }

  private void grow(int n) {
    if (sa == null || sa.length < n) {
      sa = new double[n];
      sb = new double[n];
      sx = new double[n];
      sbits = new double[n];
      snrs = new double[n];
      work = new double[4 * n];
      sfull = new double[n];
      srate = new double[n];
      schord = new double[n];
    }
  }
}
