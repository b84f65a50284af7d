package io.splitemu.net;

/** A piecewise-constant factor on a rate: fault windows, per-interval compute factors, shares. */
public interface RateModulation {

  /** The factor piece containing {@code tNanos}; {@code perSecond} holds the factor. */
  RatePiece factorAt(long tNanos);

  /** From this instant on the factor is 1 forever; {@link Long#MAX_VALUE} if never. */
  long horizonNanos();
}
