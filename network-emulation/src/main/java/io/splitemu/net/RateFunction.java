package io.splitemu.net;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A piecewise-constant rate r(t) over emulated time, integrated exactly.
 *
 * <p>Amounts (bits, FLOPs) are held as exact decimals; an end instant is the first whole nanosecond
 * at which the integral reaches the amount, i.e. the exact end rounded up.
 */
public interface RateFunction {

  /** Most pieces a generic walk visits before it reports the work as undeliverable. */
  long MAX_WALK = 20_000_000L;

  BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  /** The constant piece that contains {@code tNanos >= 0}. */
  RatePiece pieceAt(long tNanos);

  /** The first nanosecond t1 >= t0 with the integral of r over [t0, t1] >= amount. */
  default long finish(long t0, BigDecimal amount) {
    BigDecimal[] left = {amount.multiply(NANOS_PER_SECOND)};
    return walk(this, t0, left, Long.MAX_VALUE);
  }

  /**
   * {@link #finish(long, BigDecimal)} for a whole amount {@code >= 0} (a transfer's bits): the same
   * instant, which an implementation may find without big numbers where they are not needed.
   */
  default long finishWhole(long t0, long amount) {
    return finish(t0, BigDecimal.valueOf(amount));
  }

  /** The exact integral of r over [from, to). */
  default BigDecimal integral(long from, long to) {
    BigDecimal sum = BigDecimal.ZERO;
    long t = from;
    long steps = 0;
    while (t < to) {
      RatePiece p = pieceAt(t);
      long end = Math.min(p.endNanos(), to);
      sum = sum.add(p.perSecond().multiply(BigDecimal.valueOf(end - t)));
      t = end;
      if (++steps > MAX_WALK) {
        throw new UndeliverableException("integral over too many rate pieces");
      }
    }
    return sum.divide(NANOS_PER_SECOND);
  }

  /** Why work or a transfer cannot be emulated: its end is past the clock's last instant. */
  String BEYOND_CLOCK = "would end beyond the emulated clock's 292 years (2^63 ns)";

  /**
   * {@code t0 + dt} nanoseconds, or an {@link UndeliverableException} saying that it lies beyond
   * the emulated clock (not an {@code ArithmeticException} naming nothing).
   */
  static long endAt(long t0, BigDecimal dt) {
    if (dt.compareTo(BigDecimal.valueOf(Long.MAX_VALUE - t0)) > 0) {
      throw new UndeliverableException("the transfer " + BEYOND_CLOCK);
    }
    return t0 + dt.longValueExact();
  }

  /**
   * Consumes {@code left[0]} (amount x 1e9, i.e. unit-nanoseconds per second) piece by piece from
   * t; returns the finish instant with left[0] = 0, or {@code horizon} with the rest in left[0].
   */
  static long walk(RateFunction f, long t, BigDecimal[] left, long horizon) {
    if (left[0].signum() <= 0) {
      left[0] = BigDecimal.ZERO;
      return t;
    }
    long steps = 0;
    while (t < horizon) {
      RatePiece p = f.pieceAt(t);
      long end = Math.min(p.endNanos(), horizon);
      BigDecimal rate = p.perSecond();
      if (rate.signum() == 0) {
        if (end == Long.MAX_VALUE) {
          throw new UndeliverableException(
              "the rate is 0 from " + EmulatedInstant.ofNanos(t) + " on and never recovers");
        }
      } else {
        BigDecimal cap = end == Long.MAX_VALUE ? null : rate.multiply(BigDecimal.valueOf(end - t));
        if (cap == null || cap.compareTo(left[0]) >= 0) {
          BigDecimal dt = left[0].divide(rate, 0, RoundingMode.CEILING);
          left[0] = BigDecimal.ZERO;
          return endAt(t, dt);
        }
        left[0] = left[0].subtract(cap);
      }
      t = end;
      if (++steps > MAX_WALK) {
        throw new UndeliverableException(
            "work not finished after " + MAX_WALK + " rate pieces (rate too low?)");
      }
    }
    return horizon;
  }

  /** A rate that never changes. */
  static RateFunction constant(BigDecimal perSecond) {
    return new StaticRate(perSecond);
  }

  static RateFunction constant(double perSecond) {
    if (!Double.isFinite(perSecond) || perSecond < 0) {
      throw new IllegalArgumentException("rate must be finite and >= 0, got " + perSecond);
    }
    return new StaticRate(new BigDecimal(perSecond));
  }
}
