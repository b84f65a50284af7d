package io.splitemu.net.link;

import io.splitemu.net.RateFunction;
import io.splitemu.net.RatePiece;
import io.splitemu.net.SeededStreams;
import java.math.BigDecimal;

/**
 * A wireless channel with the Shannon rate x W log2(1 + p h / (x W N0)), path loss 128.1 + 37.6
 * log10(d_km) dB and Rayleigh fading |g|^2 ~ Exp(1) drawn per coherence interval.
 *
 * <p>Interval k's draw comes from the stream "{@code streamName}/k" under the seed, so any interval
 * can be asked for in any order and still repeat exactly.
 *
 * <p>Its logarithms and powers are {@link StrictMath}'s, whose results are fixed by their spec: the
 * emulated times they set are the same on every host. {@code Math.log10} and {@code Math.pow} are
 * HotSpot intrinsics that may round by the CPU (one ulp at 2 km on x86-64).
 *
 * @param bandwidthHz total bandwidth W
 * @param share spectrum share x in (0, 1]
 * @param transmitDbm transmit power p in dBm
 * @param noiseDbmPerHz noise density N0 in dBm/Hz (-174 by default)
 * @param distanceKm distance to the access point
 * @param coherenceNanos length of one coherence interval
 * @param streamName e.g. "fading/device-3/up"
 */
public record ShannonChannel(
    double bandwidthHz,
    double share,
    double transmitDbm,
    double noiseDbmPerHz,
    double distanceKm,
    long coherenceNanos,
    long seed,
    String streamName)
    implements RateFunction {

  public static final double DEFAULT_NOISE_DBM_PER_HZ = -174;

  public ShannonChannel {
    if (!(bandwidthHz > 0) || !(share > 0 && share <= 1) || !(distanceKm > 0)) {
      throw new IllegalArgumentException(
          "Shannon channel needs bandwidth > 0, share in (0, 1] and distance > 0 km, got W="
              + bandwidthHz
              + " x="
              + share
              + " d="
              + distanceKm);
    }
    if (coherenceNanos <= 0) {
      throw new IllegalArgumentException("coherence interval must be > 0 ns");
    }
  }

  /** Path loss in dB at the channel's distance. */
  public double pathLossDb() {
    return 128.1 + 37.6 * StrictMath.log10(distanceKm);
  }

  /** Fading power |g|^2 of coherence interval k, Exp(1). */
  public double fading(long interval) {
    double u = SeededStreams.stream(seed, streamName + "/" + interval).nextDouble();
    return -StrictMath.log1p(-u);
  }

  /** The rate in bit/s for a given fading power. */
  public double rateBitsPerSecond(double fading) {
    double pWatts = StrictMath.pow(10, (transmitDbm - 30) / 10);
    double n0 = StrictMath.pow(10, (noiseDbmPerHz - 30) / 10);
    double gain = StrictMath.pow(10, -pathLossDb() / 10) * fading;
    double xw = share * bandwidthHz;
    return xw * (StrictMath.log1p(pWatts * gain / (xw * n0)) / StrictMath.log(2));
  }

  @Override
  public RatePiece pieceAt(long tNanos) {
    long k = tNanos / coherenceNanos;
    long start = k * coherenceNanos;
    long end = start > Long.MAX_VALUE - coherenceNanos ? Long.MAX_VALUE : start + coherenceNanos;
    return new RatePiece(start, end, new BigDecimal(rateBitsPerSecond(fading(k))));
  }

  public FluidLink link(long propagationNanos) {
    return new FluidLink(this, propagationNanos);
  }
}
