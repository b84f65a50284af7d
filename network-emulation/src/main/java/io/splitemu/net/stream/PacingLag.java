package io.splitemu.net.stream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * How far paced deliveries fell behind their wall-clock schedule; readable from any thread, so a
 * metrics exporter can sample it.
 */
public final class PacingLag {
  private final AtomicLong last = new AtomicLong();
  private final AtomicLong max = new AtomicLong();
  private final LongAdder total = new LongAdder();
  private final LongAdder count = new LongAdder();

  void record(long lagNanos) {
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

  public long maxNanos() {
    return max.get();
  }

  public long count() {
    return count.sum();
  }

  public double meanNanos() {
    long n = count.sum();
    return n == 0 ? 0 : (double) total.sum() / n;
  }
}
