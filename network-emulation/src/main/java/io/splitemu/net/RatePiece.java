package io.splitemu.net;

import java.math.BigDecimal;

/**
 * A stretch [startNanos, endNanos) of emulated time over which a rate is constant.
 *
 * @param endNanos exclusive end; {@link Long#MAX_VALUE} when the rate holds forever
 * @param perSecond units (bits, FLOPs) per second, exact
 */
public record RatePiece(long startNanos, long endNanos, BigDecimal perSecond) {
  public RatePiece {
    if (endNanos <= startNanos) {
      throw new IllegalArgumentException("empty rate piece [" + startNanos + ", " + endNanos + ")");
    }
    if (perSecond.signum() < 0) {
      throw new IllegalArgumentException("negative rate " + perSecond);
    }
  }
}
