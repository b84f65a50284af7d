package io.splitemu.net.stream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * How far paced deliveries fell behind their wall-clock schedule; written by the pacing code and
 * readable from any thread, so a metrics exporter or an actor can sample it at any time.
 *
 * <p>Lag is the wall-clock time from an element's due instant to its emission; an element is never
 * emitted early, so a lag is never negative.
 */
public final class PacingLag {
  private final AtomicLong last = new AtomicLong();
  private final AtomicLong max = new AtomicLong();
  private final LongAdder total = new LongAdder();
  private final LongAdder count = new LongAdder();

  /** A consistent-enough reading of all figures at once, wall-clock nanoseconds. */
  public record Snapshot(long count, double meanNanos, long lastNanos, long maxNanos) {
    @Override
    public String toString() {
      return String.format(
          "%d deliveries, lag mean %.3f ms, last %.3f ms, max %.3f ms",
          count, meanNanos / 1e6, lastNanos / 1e6, maxNanos / 1e6);
    }
  }

  /**
   * Records one emission {@code lagNanos} after its due time (negative values count as 0); for
   * callers that pace with their own timer instead of {@link Pacing#runAt}.
   */
  public void record(long lagNanos) {
    long lag = Math.max(0, lagNanos);
    last.set(lag);
    max.accumulateAndGet(lag, Math::max);
    total.add(lag);
    count.increment();
  }

  /** Lag of the latest delivery, wall-clock nanoseconds. */
  public long lastNanos() {
    return last.get();
  }

  /** Largest lag so far, wall-clock nanoseconds. */
  public long maxNanos() {
    return max.get();
  }

  /** Deliveries recorded so far. */
  public long count() {
    return count.sum();
  }

  /** Mean lag over all deliveries so far, wall-clock nanoseconds (0 before the first). */
  public double meanNanos() {
    long n = count.sum();
    return n == 0 ? 0 : (double) total.sum() / n;
  }

  public Snapshot snapshot() {
    return new Snapshot(count(), meanNanos(), lastNanos(), maxNanos());
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }
}
