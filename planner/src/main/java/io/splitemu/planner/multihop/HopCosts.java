package io.splitemu.planner.multihop;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.MeasuredProfile;
import java.util.List;

/**
 * Forward and backward seconds per batch of every unit on every compute hop.
 *
 * @param forward {@code forward[i][j-1]}: seconds hop i (0-based) needs for unit j's forward pass
 * @param backward {@code backward[i][j-1]}: seconds for unit j's backward pass and update
 */
public record HopCosts(double[][] forward, double[][] backward) {

  public HopCosts {
    if (forward.length == 0 || forward.length != backward.length) {
      throw new IllegalArgumentException("need the same number (>= 1) of hops for both passes");
    }
    for (int i = 0; i < forward.length; i++) {
      if (forward[i].length != forward[0].length || backward[i].length != forward[0].length) {
        throw new IllegalArgumentException("hop " + (i + 1) + " has a different unit count");
      }
    }
  }

  /** Number of hops N. */
  public int hops() {
    return forward.length;
  }

  /** Number of units L. */
  public int units() {
    return forward[0].length;
  }

  /** From analytical FLOPs: b·f_j / rate_i and b·g_j / rate_i (heterogeneous hop speeds). */
  public static HopCosts fromFlops(ChainProfile p, double[] hopFlops, int batch) {
    int l = p.size();
    double[][] f = new double[hopFlops.length][l];
    double[][] b = new double[hopFlops.length][l];
    for (int i = 0; i < hopFlops.length; i++) {
      if (!(hopFlops[i] > 0) || !Double.isFinite(hopFlops[i])) {
        throw new IllegalArgumentException("hop " + (i + 1) + " FLOP/s must be > 0");
      }
      for (int j = 1; j <= l; j++) {
        f[i][j - 1] = batch * p.unit(j).forwardFlops() / hopFlops[i];
        b[i][j - 1] = batch * p.unit(j).backwardFlops() / hopFlops[i];
      }
    }
    return new HopCosts(f, b);
  }

  /**
   * From a measured table: the device type's entry times hop i's slowdown factor, scaled linearly
   * from the table's batch (128) to {@code batch}; backward includes the update.
   */
  public static HopCosts fromMeasured(
      MeasuredProfile p, String device, double[] hopSlowdown, int batch) {
    int l = p.unitCount();
    double scale = batch / (double) p.batchSize() / 1000.0;
    double[][] f = new double[hopSlowdown.length][l];
    double[][] b = new double[hopSlowdown.length][l];
    for (int i = 0; i < hopSlowdown.length; i++) {
      if (!(hopSlowdown[i] > 0) || !Double.isFinite(hopSlowdown[i])) {
        throw new IllegalArgumentException("hop " + (i + 1) + " slowdown must be > 0");
      }
      for (int j = 1; j <= l; j++) {
        f[i][j - 1] = hopSlowdown[i] * scale * p.forwardMs(device, j);
        b[i][j - 1] = hopSlowdown[i] * scale * (p.backwardMs(device, j) + p.updateMs(device, j));
      }
    }
    return new HopCosts(f, b);
  }

  /**
   * Heterogeneous hops: hop i runs at the measured column {@code types[i]}, scaled linearly from
   * the table's batch to {@code batch}; backward includes the update.
   */
  public static HopCosts fromMeasuredTypes(MeasuredProfile p, List<String> types, int batch) {
    int l = p.unitCount();
    double scale = batch / (double) p.batchSize() / 1000.0;
    double[][] f = new double[types.size()][l];
    double[][] b = new double[types.size()][l];
    for (int i = 0; i < types.size(); i++) {
      for (int j = 1; j <= l; j++) {
        f[i][j - 1] = scale * p.forwardMs(types.get(i), j);
        b[i][j - 1] = scale * (p.backwardMs(types.get(i), j) + p.updateMs(types.get(i), j));
      }
    }
    return new HopCosts(f, b);
  }

  /** Identical hops: {@code hops} copies of a measured device type. */
  public static HopCosts fromMeasured(MeasuredProfile p, String device, int hops, int batch) {
    double[] ones = new double[hops];
    java.util.Arrays.fill(ones, 1.0);
    return fromMeasured(p, device, ones, batch);
  }
}
