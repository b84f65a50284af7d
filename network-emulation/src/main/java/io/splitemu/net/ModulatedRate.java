package io.splitemu.net;

import java.math.BigDecimal;

/**
 * A rate multiplied by a modulation; past the modulation's horizon the base rate's fast path runs.
 */
public record ModulatedRate(RateFunction base, RateModulation modulation) implements RateFunction {

  @Override
  public RatePiece pieceAt(long tNanos) {
    RatePiece m = modulation.factorAt(tNanos);
    if (m.perSecond().signum() == 0) {
      // An outage is one zero piece whatever the base does under it: a walk crosses it in one step
      // and sees at once an outage that never ends (a trace's pieces would hide it until the walk's
      // piece limit).
      return m;
    }
    RatePiece b = base.pieceAt(tNanos);
    return new RatePiece(
        Math.max(b.startNanos(), m.startNanos()),
        Math.min(b.endNanos(), m.endNanos()),
        b.perSecond().multiply(m.perSecond()));
  }

  @Override
  public long finishWhole(long t0, long amount) {
    return t0 >= modulation.horizonNanos()
        ? base.finishWhole(t0, amount)
        : finish(t0, BigDecimal.valueOf(amount));
  }

  @Override
  public long finish(long t0, BigDecimal amount) {
    long horizon = modulation.horizonNanos();
    if (t0 >= horizon) {
      return base.finish(t0, amount);
    }
    BigDecimal[] left = {amount.multiply(NANOS_PER_SECOND)};
    long t = RateFunction.walk(this, t0, left, horizon);
    if (left[0].signum() == 0) {
      return t;
    }
    return base.finish(t, left[0].divide(NANOS_PER_SECOND));
  }
}
