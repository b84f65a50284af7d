package io.splitemu.net.trace;

import io.splitemu.net.RateFunction;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.LinkModel;
import java.math.BigDecimal;

/**
 * A trace of rate samples: sample i's rate holds from its time to sample i+1's; the last sample
 * only closes the pass (its rate is what {@link EndPolicy#HOLD_LAST} keeps).
 *
 * <p>Immutable: the samples are copied once, here, and their exact prefix sums computed once; the
 * rate function of each end policy is built once and shared by every link on this trace (a link
 * holds only its propagation and faults), so a million devices on one trace file hold its samples
 * once.
 */
public final class RateTrace implements Trace {

  private final String name;
  private final long[] timesNanos;
  private final BigDecimal[] bitsPerSecond;
  private final TraceRate[] rates; // by EndPolicy ordinal

  /**
   * A trace of the given samples (copied).
   *
   * @param timesNanos sample times rebased to 0, non-decreasing, at least two, the last one > 0
   * @param bitsPerSecond exact rate of each sample, none negative
   */
  public RateTrace(String name, long[] timesNanos, BigDecimal[] bitsPerSecond) {
    this.name = name;
    this.timesNanos = timesNanos.clone();
    this.bitsPerSecond = bitsPerSecond.clone();
    long[] t = this.timesNanos;
    BigDecimal[] r = this.bitsPerSecond;
    if (t.length < 2 || t.length != r.length) {
      throw new MalformedTraceException(name, "expected at least two samples");
    }
    if (t[0] != 0 || t[t.length - 1] <= 0) {
      throw new MalformedTraceException(name, "expected samples spanning more than 0 s from 0");
    }
    for (int i = 0; i < t.length; i++) {
      if (i > 0 && t[i] < t[i - 1]) {
        throw new MalformedTraceException(
            name, "expected non-decreasing sample times, got " + t[i] + " ns after " + t[i - 1]);
      }
      if (r[i] == null || r[i].signum() < 0) {
        throw new MalformedTraceException(name, "expected rates >= 0, got " + r[i]);
      }
    }
    BigDecimal[] cum = TraceRate.prefixSums(t, r);
    EndPolicy[] ends = EndPolicy.values();
    this.rates = new TraceRate[ends.length];
    for (EndPolicy e : ends) {
      rates[e.ordinal()] = new TraceRate(t, r, cum, e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** Samples in one pass, the closing one included. */
  public int samples() {
    return timesNanos.length;
  }

  /** The time of sample {@code i} (from 0), in nanoseconds from the start of the pass. */
  public long timeNanos(int i) {
    return timesNanos[i];
  }

  /** The exact rate of sample {@code i} (from 0), in bits per second. */
  public BigDecimal bitsPerSecond(int i) {
    return bitsPerSecond[i];
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

  /** The rate over time under {@code end}: one instance per policy, shared by every caller. */
  public RateFunction rate(EndPolicy end) {
    return rates[end.ordinal()];
  }

  /** A link on this trace's shared rate function. */
  @Override
  public LinkModel link(EndPolicy end, long propagationNanos) {
    return new FluidLink(rate(end), propagationNanos);
  }

  /** The sample times themselves, for tests that check links share them (never written). */
  long[] sharedTimes() {
    return timesNanos;
  }

  @Override
  public String toString() {
    return "RateTrace[" + name + ", " + timesNanos.length + " samples]";
  }
}
