package io.splitemu.planner.multihop;

/**
 * The horizontal-scaling baseline: H one-hop helpers, each holding the whole middle block for the
 * devices assigned to it, devices spread over helpers to minimise the largest epoch time.
 *
 * <p>A helper with n devices runs the one-hop MP-SL estimate with {@code r·B·n} batches. Devices
 * are identical and a helper's time grows with its device count, so handing the next device to the
 * helper whose time after the addition is smallest is optimal for the min-max objective.
 *
 * @param devicesPerHelper devices assigned to each helper
 * @param helperSeconds each helper's epoch time (T_all of its devices; 0 when it has none)
 * @param makespanSeconds the largest helper time plus aggregation
 * @param memoryBytes each helper's memory: its device count times the middle block's mu
 */
public record HorizontalScaling(
    int[] devicesPerHelper, double[] helperSeconds, double makespanSeconds, double[] memoryBytes) {

  /**
   * Plans the baseline.
   *
   * @param costs one row per helper (its speed); the middle block is units s1+1..sLast
   * @param mu per-unit memory of one instance (index j-1)
   * @param helperMemoryBytes memory limit per helper
   * @throws IllegalArgumentException if the devices do not fit in the helpers' memory
   */
  public static HorizontalScaling plan(
      HopCosts costs,
      int s1,
      int sLast,
      DeviceSide d,
      double[] mu,
      double[] helperMemoryBytes,
      int devices,
      int batchesPerDevice,
      int localEpochs) {
    MultihopPlacer.checkHeadAndTail(s1, sLast, costs.units());
    int h = costs.hops();
    double[] f = new double[h];
    double[] b = new double[h];
    double block = 0;
    for (int j = s1 + 1; j <= sLast; j++) {
      block += mu[j - 1];
      for (int i = 0; i < h; i++) {
        f[i] += costs.forward()[i][j - 1];
        b[i] += costs.backward()[i][j - 1];
      }
    }
    int[] count = new int[h];
    double[] time = new double[h];
    double aggregation = 0;
    for (int k = 0; k < devices; k++) {
      int pick = -1;
      double pickTime = Double.POSITIVE_INFINITY;
      for (int i = 0; i < h; i++) {
        if ((count[i] + 1) * block > helperMemoryBytes[i]) {
          continue;
        }
        MpslEpoch e = oneHop(f[i], b[i], s1, sLast, d, count[i] + 1, batchesPerDevice, localEpochs);
        aggregation = e.aggregation();
        if (e.all() < pickTime) {
          pickTime = e.all();
          pick = i;
        }
      }
      if (pick < 0) {
        throw new IllegalArgumentException(
            "device " + (k + 1) + " of " + devices + " fits in no helper's memory");
      }
      count[pick]++;
      time[pick] = pickTime;
    }
    double[] mem = new double[h];
    double max = 0;
    for (int i = 0; i < h; i++) {
      mem[i] = count[i] * block;
      max = Math.max(max, time[i]);
    }
    return new HorizontalScaling(count, time, max + aggregation, mem);
  }

  private static MpslEpoch oneHop(
      double f, double b, int s1, int sLast, DeviceSide d, int n, int batches, int epochs) {
    Placement p =
        new Placement(
            new int[] {s1, sLast},
            new double[] {f},
            new double[] {b},
            new double[] {0},
            MultihopObjective.SUM_OF_MAXIMA,
            f + b);
    return MpslEpoch.estimate(p, d, n, batches, epochs, false);
  }
}
