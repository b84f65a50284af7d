package io.splitemu.net.link;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.RateFunction;
import java.math.BigDecimal;

/** A link whose bits flow at a piecewise-constant rate r(t) in bits per second. */
public record FluidLink(RateFunction bitsPerSecond, long propagationNanos) implements LinkModel {

  public FluidLink {
    if (propagationNanos < 0) {
      throw new IllegalArgumentException("propagation delay must be >= 0, got " + propagationNanos);
    }
  }

  /** A link of constant rate. */
  public static FluidLink constant(double bitsPerSecond, long propagationNanos) {
    return new FluidLink(RateFunction.constant(bitsPerSecond), propagationNanos);
  }

  @Override
  public LinkState serve(LinkState state, EmulatedInstant send, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("transfer size must be >= 0 bytes, got " + bytes);
    }
    EmulatedInstant start = EmulatedInstant.max(send, state.freeAt());
    long end =
        bytes <= Long.MAX_VALUE / 8
            ? bitsPerSecond.finishWhole(start.nanos(), bytes * 8)
            : bitsPerSecond.finish(start.nanos(), BigDecimal.valueOf(bytes).multiply(EIGHT));
    return new LinkState(EmulatedInstant.ofNanos(end), 0);
  }

  @Override
  public BigDecimal capacityBits(EmulatedInstant from, EmulatedInstant to) {
    return bitsPerSecond.integral(from.nanos(), to.nanos());
  }

  private static final BigDecimal EIGHT = BigDecimal.valueOf(8);
}
