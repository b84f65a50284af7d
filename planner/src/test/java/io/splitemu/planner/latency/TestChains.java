package io.splitemu.planner.latency;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded generators of chain profiles and device states for the planner tests. */
public final class TestChains {

  private TestChains() {}

  /**
   * A CNN-like chain of {@code units} units: activations shrink and parameters grow with depth,
   * FLOPs vary randomly around a falling trend.
   */
  public static ChainProfile cnn(long seed, int units) {
    SplittableRandom r = new SplittableRandom(seed);
    List<UnitProfile> list = new ArrayList<>();
    double act = 3072 * 16 * (0.8 + 0.4 * r.nextDouble());
    double params = 2000 * (0.5 + r.nextDouble());
    for (int j = 1; j <= units; j++) {
      double f = 2e6 * (units + 1 - j) * (0.5 + r.nextDouble());
      long a = Math.max(40, (long) act);
      long p = (long) params;
      list.add(new UnitProfile("u" + j, f, 2 * f, a, p, 4 * p));
      act *= 0.55 + 0.2 * r.nextDouble();
      params *= 1.6 + 0.8 * r.nextDouble();
    }
    return new ChainProfile("cnn" + seed, 3072 * 4, list);
  }

  /** Heterogeneous devices with linear links: compute and rates spread over a factor ~10. */
  public static List<DeviceState> linearDevices(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    List<DeviceState> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double phi = 1e9 * Math.pow(10, r.nextDouble());
      double up = 5e6 * Math.pow(10, r.nextDouble());
      double down = 2 * up * (0.5 + r.nextDouble());
      long samples = 200 + r.nextInt(800);
      out.add(
          new DeviceState(
              "d" + i, phi, samples, RateFunction.linear(up), RateFunction.linear(down)));
    }
    return out;
  }

  /** Heterogeneous devices on a 10 MHz Shannon uplink and downlink at 50..500 m. */
  public static List<DeviceState> shannonDevices(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    List<DeviceState> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double phi = 1e9 * Math.pow(10, r.nextDouble());
      double dist = 0.05 + 0.45 * r.nextDouble();
      double fadeU = -Math.log1p(-r.nextDouble());
      double fadeD = -Math.log1p(-r.nextDouble());
      RateFunction up = ShannonRate.withPathLoss(10e6, 23, dist, fadeU, -174);
      RateFunction down = ShannonRate.withPathLoss(10e6, 30, dist, fadeD, -174);
      out.add(new DeviceState("s" + i, phi, 200 + r.nextInt(800), up, down));
    }
    return out;
  }
}
