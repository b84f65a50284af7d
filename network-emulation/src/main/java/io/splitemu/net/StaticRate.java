package io.splitemu.net;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** A rate that holds from time 0 forever. */
public record StaticRate(BigDecimal perSecond) implements RateFunction {
  public StaticRate {
    if (perSecond.signum() < 0) {
      throw new IllegalArgumentException("rate must be >= 0, got " + perSecond);
    }
  }

  @Override
  public RatePiece pieceAt(long tNanos) {
    return new RatePiece(0, Long.MAX_VALUE, perSecond);
  }

  @Override
  public long finish(long t0, BigDecimal amount) {
    if (amount.signum() <= 0) {
      return t0;
    }
    if (perSecond.signum() == 0) {
      throw new UndeliverableException("the rate is 0 forever");
    }
    BigDecimal dt = amount.multiply(NANOS_PER_SECOND).divide(perSecond, 0, RoundingMode.CEILING);
    return RateFunction.endAt(t0, dt);
  }

  @Override
  public BigDecimal integral(long from, long to) {
    return perSecond.multiply(BigDecimal.valueOf(to - from)).divide(NANOS_PER_SECOND);
  }
}
