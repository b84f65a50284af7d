package io.splitemu.net;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An instant of emulated time in whole nanoseconds since the start of a run.
 *
 * <p>Integer nanoseconds keep long runs free of floating-point drift: adding a million transfer
 * times gives the same instant on any host.
 */
public record EmulatedInstant(long nanos) implements Comparable<EmulatedInstant> {

  /** The start of every run. */
  public static final EmulatedInstant ZERO = new EmulatedInstant(0);

  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  public EmulatedInstant {
    if (nanos < 0) {
      throw new IllegalArgumentException("an emulated instant must be >= 0 ns, got " + nanos);
    }
  }

  public static EmulatedInstant ofNanos(long nanos) {
    return new EmulatedInstant(nanos);
  }

  public static EmulatedInstant ofMillis(long millis) {
    return new EmulatedInstant(Math.multiplyExact(millis, 1_000_000L));
  }

  /** Seconds given as decimal text or number, rounded half-up to the nearest nanosecond. */
  public static EmulatedInstant ofSeconds(BigDecimal seconds) {
    return new EmulatedInstant(
        seconds.multiply(NANOS_PER_SECOND).setScale(0, RoundingMode.HALF_UP).longValueExact());
  }

  public static EmulatedInstant ofSeconds(double seconds) {
    return ofSeconds(new BigDecimal(seconds));
  }

  public EmulatedInstant plusNanos(long delta) {
    return new EmulatedInstant(Math.addExact(nanos, delta));
  }

  /** Nanoseconds from {@code earlier} to this instant (negative if this one is earlier). */
  public long nanosSince(EmulatedInstant earlier) {
    return Math.subtractExact(nanos, earlier.nanos);
  }

  public boolean isBefore(EmulatedInstant other) {
    return nanos < other.nanos;
  }

  public boolean isAfter(EmulatedInstant other) {
    return nanos > other.nanos;
  }

  public static EmulatedInstant max(EmulatedInstant a, EmulatedInstant b) {
    return a.nanos >= b.nanos ? a : b;
  }

  /** Seconds as a double, for reports only; never feed it back into the clock. */
  public double toSeconds() {
    return nanos / 1e9;
  }

  @Override
  public int compareTo(EmulatedInstant other) {
    return Long.compare(nanos, other.nanos);
  }

  @Override
  public String toString() {
    return BigDecimal.valueOf(nanos, 9).toPlainString() + "s";
  }
}
