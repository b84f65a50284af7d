package io.splitemu.planner.latency;

import io.splitemu.model.profile.ChainProfile;

/**
 * The cut-indexed sums of a {@link ChainProfile} precomputed once for cuts 0..L, so that the
 * planners' inner loops do not re-sum the units.
 */
public final class CutCosts {
  private final String model;
  private final double[] fwd;
  private final double[] bwd;
  private final double[] srv;
  private final long[] cut;
  private final long[] params;
  private final long[] retained;

  private CutCosts(ChainProfile p) {
    int n = p.size();
    model = p.model();
    fwd = new double[n + 1];
    bwd = new double[n + 1];
    srv = new double[n + 1];
    cut = new long[n + 1];
    params = new long[n + 1];
    retained = new long[n + 1];
    for (int l = 0; l <= n; l++) {
      // Same summation order as ChainProfile, so the values agree bit for bit with it.
      fwd[l] = p.deviceForwardFlops(l);
      bwd[l] = p.deviceBackwardFlops(l);
      srv[l] = p.serverFlops(l);
      cut[l] = p.cutBytes(l);
      params[l] = p.deviceParamBytes(l);
      retained[l] = l == 0 ? 0 : retained[l - 1] + p.unit(l).outputBytes();
    }
  }

  /** Precomputes the sums of {@code profile}. */
  public static CutCosts of(ChainProfile profile) {
    return new CutCosts(profile);
  }

  /** Model name. */
  public String model() {
    return model;
  }

  /** Number of units L; cuts run 0..L. */
  public int units() {
    return fwd.length - 1;
  }

  /** Device forward FLOPs per sample, sum of f_j for j <= l. */
  public double deviceForwardFlops(int l) {
    return fwd[check(l)];
  }

  /** Device backward FLOPs per sample, sum of g_j for j <= l. */
  public double deviceBackwardFlops(int l) {
    return bwd[check(l)];
  }

  /** FD(l). */
  public double deviceFlops(int l) {
    return fwd[check(l)] + bwd[l];
  }

  /** FS(l). */
  public double serverFlops(int l) {
    return srv[check(l)];
  }

  /** A(l) = a_l, the bytes per sample crossing the cut. */
  public long cutBytes(int l) {
    return cut[check(l)];
  }

  /** W(l), the device-side parameter bytes. */
  public long deviceParamBytes(int l) {
    return params[check(l)];
  }

  /** Sum of a_j for 1 <= j <= l: the activation bytes per sample retained for backward. */
  public long retainedActivationBytes(int l) {
    return retained[check(l)];
  }

  private int check(int l) {
    if (l < 0 || l >= fwd.length) {
      throw new IllegalArgumentException(
          "cut " + l + " outside 0.." + (fwd.length - 1) + " for model " + model);
    }
    return l;
  }

  /**
   * L - 1, the deepest cut that leaves both sides a unit, or a refusal in words for a model of one
   * unit (which has no such cut).
   */
  public int lastInteriorCut(String planner) {
    if (units() < 2) {
      throw new IllegalArgumentException(
          planner
              + ": model "
              + model
              + " has "
              + units()
              + " unit, so no interior cut (one that leaves the device and the server a unit"
              + " each)");
    }
    return units() - 1;
  }
}
