package io.splitemu.planner.cpsl;

import java.util.SplittableRandom;

/** Draws network states for the large-timescale sample average approximation. */
public interface NetworkStateSampler {

  /** One state for {@code devices} devices from the seeded source {@code rng}. */
  NetworkState sample(int devices, SplittableRandom rng);

  /** A seeded scalar distribution. */
  interface Distribution {
    /** One draw. */
    double draw(SplittableRandom rng);

    /** Always {@code v}. */
    static Distribution constant(double v) {
      return rng -> v;
    }

    /** Uniform on [lo, hi). */
    static Distribution uniform(double lo, double hi) {
      if (!(hi >= lo)) {
        throw new IllegalArgumentException("uniform needs lo <= hi, got " + lo + ", " + hi);
      }
      return rng -> lo + (hi - lo) * rng.nextDouble();
    }

    /** Exponential with the given mean; Exp(1) is the Rayleigh fading power |g|^2. */
    static Distribution exponential(double mean) {
      if (!(mean > 0)) {
        throw new IllegalArgumentException("exponential mean must be > 0, got " + mean);
      }
      return rng -> -mean * StrictMath.log1p(-rng.nextDouble());
    }
  }

  /**
   * Independent draws per device: compute factor, uplink fading and downlink fading (drawn
   * independently, in that order per device).
   */
  static NetworkStateSampler iid(Distribution compute, Distribution fading) {
    return (n, rng) -> {
      double[] c = new double[n];
      double[] u = new double[n];
      double[] d = new double[n];
      for (int i = 0; i < n; i++) {
        c[i] = compute.draw(rng);
        u[i] = fading.draw(rng);
        d[i] = fading.draw(rng);
      }
      return new NetworkState(c, u, d);
    };
  }
}
