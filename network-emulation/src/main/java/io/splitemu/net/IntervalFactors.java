package io.splitemu.net;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * A rate factor per fixed-length interval of emulated time, from a list (looping) or drawn from a
 * named seeded stream per interval.
 *
 * <p>A drawn factor depends only on (seed, name, interval index), so it does not matter in which
 * order intervals are asked for.
 */
public final class IntervalFactors implements RateModulation {

  private final long intervalNanos;
  private final java.util.function.LongFunction<BigDecimal> factorOf;

  private IntervalFactors(long intervalNanos, java.util.function.LongFunction<BigDecimal> f) {
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("factor interval must be > 0 ns, got " + intervalNanos);
    }
    this.intervalNanos = intervalNanos;
    this.factorOf = f;
  }

  /** Factors taken in turn from {@code factors}, looping at the end (a factor trace). */
  public static IntervalFactors looping(long intervalNanos, double... factors) {
    if (factors.length == 0) {
      throw new IllegalArgumentException("a factor trace needs at least one factor");
    }
    BigDecimal[] exact = new BigDecimal[factors.length];
    for (int i = 0; i < factors.length; i++) {
      exact[i] = checked(factors[i]);
    }
    return new IntervalFactors(intervalNanos, k -> exact[(int) (k % exact.length)]);
  }

  /** Factors drawn per interval from the stream "{@code name}/{@code k}" under {@code seed}. */
  public static IntervalFactors drawn(
      long intervalNanos, long seed, String name, ToDoubleFunction<SplittableRandom> dist) {
    return new IntervalFactors(
        intervalNanos,
        k -> checked(dist.applyAsDouble(SeededStreams.stream(seed, name + "/" + k))));
  }

  public BigDecimal factor(long interval) {
    return factorOf.apply(interval);
  }

  @Override
  public RatePiece factorAt(long tNanos) {
    long k = tNanos / intervalNanos;
    long start = k * intervalNanos;
    long end = start > Long.MAX_VALUE - intervalNanos ? Long.MAX_VALUE : start + intervalNanos;
    return new RatePiece(start, end, factorOf.apply(k));
  }

  @Override
  public long horizonNanos() {
    return Long.MAX_VALUE;
  }

  private static BigDecimal checked(double f) {
    if (!(f >= 0) || !Double.isFinite(f)) {
      throw new IllegalArgumentException("rate factor must be finite and >= 0, got " + f);
    }
    return new BigDecimal(f);
  }
}
