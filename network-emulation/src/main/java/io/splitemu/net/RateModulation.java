package io.splitemu.net;

/** A piecewise-constant factor on a rate: fault windows, per-interval compute factors, shares. */
public interface RateModulation {

  /** The factor piece containing {@code tNanos}; {@code perSecond} holds the factor. */
  RatePiece factorAt(long tNanos);

  /** From this instant on the factor is 1 forever; {@link Long#MAX_VALUE} if never. */
  long horizonNanos();

  /** The product of two modulations: constant wherever both are, 1 past both horizons. */
  static RateModulation product(RateModulation a, RateModulation b) {
    return new RateModulation() {
      @Override
      public RatePiece factorAt(long tNanos) {
        RatePiece x = a.factorAt(tNanos);
        RatePiece y = b.factorAt(tNanos);
        return new RatePiece(
            Math.max(x.startNanos(), y.startNanos()),
            Math.min(x.endNanos(), y.endNanos()),
            x.perSecond().multiply(y.perSecond()));
      }

      @Override
      public long horizonNanos() {
        return Math.max(a.horizonNanos(), b.horizonNanos());
      }
    };
  }
}
