package io.splitemu.planner.latency;

/**
 * A wireless link with the Shannon rate {@code r(x) = x W log2(1 + p h / (x W N0))} for a share
 * {@code x} of the bandwidth {@code W} (LATENCY-MODEL.md section 2).
 *
 * <p>The rate is increasing and concave in {@code x}, so {@link #minShare} is a safeguarded Newton
 * iteration inside the bracket (0, 1].
 *
 * <p>Its logarithms and powers are {@link StrictMath}'s, so the plans and times it sets are the
 * same on every host (docs/runtime.md, "Fidelity and determinism").
 *
 * @param bandwidthHz total bandwidth W of the pool
 * @param transmitPowerWatts transmit power p (the device on the uplink, the AP on the downlink)
 * @param channelGain h, path loss times the fading power
 * @param noiseWattsPerHz noise power spectral density N0
 */
public record ShannonRate(
    double bandwidthHz, double transmitPowerWatts, double channelGain, double noiseWattsPerHz)
    implements RateFunction {

  private static final double LN2 = StrictMath.log(2);

  /** Thermal noise density -174 dBm/Hz in W/Hz, the default of LATENCY-MODEL.md. */
  public static final double DEFAULT_NOISE_WATTS_PER_HZ = dbmToWatts(-174);

  public ShannonRate {
    requirePositive("bandwidthHz", bandwidthHz);
    requirePositive("transmitPowerWatts", transmitPowerWatts);
    requirePositive("channelGain", channelGain);
    requirePositive("noiseWattsPerHz", noiseWattsPerHz);
  }

  /** A link with the path loss {@code PL = 128.1 + 37.6 log10(d_km)} dB times the fading power. */
  public static ShannonRate withPathLoss(
      double bandwidthHz,
      double powerDbm,
      double distanceKm,
      double fadingPower,
      double noiseDbmHz) {
    if (!(distanceKm > 0)) {
      throw new IllegalArgumentException("distance must be > 0 km, got " + distanceKm);
    }
    double pathLossDb = 128.1 + 37.6 * StrictMath.log10(distanceKm);
    double gain = StrictMath.pow(10, -pathLossDb / 10) * fadingPower;
    return new ShannonRate(bandwidthHz, dbmToWatts(powerDbm), gain, dbmToWatts(noiseDbmHz));
  }

  /** Converts dBm to watts. */
  public static double dbmToWatts(double dbm) {
    return StrictMath.pow(10, (dbm - 30) / 10);
  }

  /** Signal-to-noise ratio over the full band, {@code p h / (W N0)}. */
  public double fullBandSnr() {
    return transmitPowerWatts * channelGain / (bandwidthHz * noiseWattsPerHz);
  }

  @Override
  public double bitsPerSecond(double share) {
    if (share <= 0) {
      return 0;
    }
    // x W log2(1 + s/x) with s the full-band SNR; log1p keeps precision for large shares.
    return share * bandwidthHz * StrictMath.log1p(fullBandSnr() / share) / LN2;
  }

  private double derivative(double share, double snr) {
    double q = snr / share;
    return bandwidthHz / LN2 * (StrictMath.log1p(q) - q / (1 + q));
  }

  @Override
  public double slope(double share) {
    return derivative(share, fullBandSnr());
  }

  @Override
  public double minShare(double requiredBitsPerSecond) {
    if (requiredBitsPerSecond <= 0) {
      return 0;
    }
    double full = bitsPerSecond(1);
    if (full < requiredBitsPerSecond) {
      return Double.POSITIVE_INFINITY;
    }
    if (full == requiredBitsPerSecond) {
      return 1;
    }
    double snr = fullBandSnr();
    double lo = 0;
    double hi = 1;
    // Concavity: r(x) >= x r(1), so the linear guess is at or right of the root.
    double x = requiredBitsPerSecond / full;
    for (int i = 0; i < 200; i++) {
      double g = bitsPerSecond(x) - requiredBitsPerSecond;
      if (g >= 0) {
        hi = x;
      } else {
        lo = x;
      }
      if (g == 0) {
        return x;
      }
      double next = x - g / derivative(x, snr);
      if (!(next > lo && next < hi)) {
        next = 0.5 * (lo + hi);
      }
      if (Math.abs(next - x) <= 1e-15 * x || hi - lo <= 2 * Math.ulp(hi)) {
        // Converged: step up by a few ulps at most so that the returned share meets the need.
        for (int k = 0; k < 16 && next < hi; k++) {
          if (bitsPerSecond(next) >= requiredBitsPerSecond) {
            return next;
          }
          next = Math.nextUp(next);
        }
        return hi;
      }
      x = next;
    }
    return hi;
  }

  @Override
  public RateFunction withGain(double factor) {
    return new ShannonRate(bandwidthHz, transmitPowerWatts, channelGain * factor, noiseWattsPerHz);
  }

  private static void requirePositive(String field, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(
          "Shannon link: " + field + " must be finite and > 0, got " + v);
    }
  }
}
