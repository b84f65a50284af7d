package io.splitemu.net.trace;

import io.splitemu.net.RateFunction;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.LinkModel;
import java.math.BigDecimal;

/**
 * A trace of rate samples: sample i's rate holds from its time to sample i+1's; the last sample
 * only closes the pass (its rate is what {@link EndPolicy#HOLD_LAST} keeps).
 *
 * @param timesNanos sample times rebased to 0, non-decreasing, at least two, the last one > 0
 * @param bitsPerSecond exact rate of each sample
 */
public record RateTrace(String name, long[] timesNanos, BigDecimal[] bitsPerSecond)
    implements Trace {

  public RateTrace {
    if (timesNanos.length < 2 || timesNanos.length != bitsPerSecond.length) {
      throw new MalformedTraceException(name, "expected at least two samples");
    }
    if (timesNanos[0] != 0 || timesNanos[timesNanos.length - 1] <= 0) {
      throw new MalformedTraceException(name, "expected samples spanning more than 0 s from 0");
    }
  }

  @Override
  public long passNanos() {
    return timesNanos[timesNanos.length - 1];
  }

  @Override
  public BigDecimal passCapacityBits() {
    return rate(EndPolicy.LOOP).integral(0, passNanos());
  }

  /** The rate of segments only (the closing sample does not count unless it is held). */
  @Override
  public double minBitsPerSecond() {
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i + 1 < timesNanos.length; i++) {
      if (timesNanos[i + 1] > timesNanos[i]) {
        min = Math.min(min, bitsPerSecond[i].doubleValue());
      }
    }
    return min;
  }

  @Override
  public double maxBitsPerSecond() {
    double max = 0;
    for (int i = 0; i + 1 < timesNanos.length; i++) {
      if (timesNanos[i + 1] > timesNanos[i]) {
        max = Math.max(max, bitsPerSecond[i].doubleValue());
      }
    }
    return max;
  }

  public RateFunction rate(EndPolicy end) {
    return new TraceRate(timesNanos, bitsPerSecond, end);
  }

  @Override
  public LinkModel link(EndPolicy end, long propagationNanos) {
    return new FluidLink(rate(end), propagationNanos);
  }
}
