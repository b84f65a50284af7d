package io.splitemu.net.stream;

import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * How far paced deliveries fell behind their wall-clock schedule; written by the pacing code and
 * readable from any thread, so a metrics exporter or an actor can sample it at any time.
 *
 * <p>Lag is the wall-clock time from an element's due instant to its emission; an element is never
 * emitted early, so a lag is never negative. The pacing code also declares each emission it holds
 * ({@link #pending}) until it is {@link #released} or {@link #dropped}, so that {@link
 * #currentNanos} keeps growing while an emission is overdue (a stalled consumer, a starved timer)
 * rather than showing the lag of the last release.
 */
public final class PacingLag {
  private final AtomicLong last = new AtomicLong();
  private final AtomicLong max = new AtomicLong();
  private final LongAdder total = new LongAdder();
  private final LongAdder count = new LongAdder();
  // The due instants (System.nanoTime) of the emissions held now, each with how many share it.
  private final TreeMap<Long, Integer> held = new TreeMap<>();
  private volatile boolean atOnce;

  /**
   * The run stops pacing: every emission of the {@link Pacing}s that share this lag, held now or
   * handed in later, is released at once, in the order it would have left (due instant, then order
   * of handing in). The emulated instants do not change: the rest of the run goes on at virtual
   * speed, as a stop on SIGTERM wants it (the round under way ends at once, and its checkpoint and
   * a resume from it are those of the paced run). It cannot be undone.
   */
  public void releaseAtOnce() {
    atOnce = true;
    Pacer.releaseAtOnce(this);
  }

  /**
   * The run ended: the {@link Pacing#runAt} actions of the {@link Pacing}s that share this lag and
   * still wait for their due instant never run, and are no longer held ({@link #heldCount}); until
   * then the shared pacer would keep them, and what they refer to (a finished run's actors), for as
   * long as their paced schedule says, possibly hours. Actions of other runs (another lag) are
   * untouched; one handed in afterwards waits as usual. Returns how many were dropped.
   */
  public int dropWaiting() {
    return Pacer.dropWaiting(this);
  }

  /** Whether {@link #releaseAtOnce} was called. */
  public boolean releasingAtOnce() {
    return atOnce;
  }

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

  /**
   * An emission due at {@link System#nanoTime()} {@code dueNanoTime} is held until {@link
   * #released} or {@link #dropped} with the same due instant.
   */
  public void pending(long dueNanoTime) {
    synchronized (held) {
      held.merge(dueNanoTime, 1, Integer::sum);
    }
  }

  /**
   * An emission declared {@link #pending} at {@code dueNanoTime} left at {@code nowNanoTime}:
   * records its lag, as {@link #record} does, and stops holding it.
   */
  public void released(long dueNanoTime, long nowNanoTime) {
    record(nowNanoTime - dueNanoTime);
    dropped(dueNanoTime);
  }

  /**
   * An emission declared {@link #pending} at {@code dueNanoTime} will not leave (its stage ended).
   */
  public void dropped(long dueNanoTime) {
    synchronized (held) {
      held.computeIfPresent(dueNanoTime, (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** Emissions held now (declared pending and neither released nor dropped). */
  public int heldCount() {
    synchronized (held) {
      int n = 0;
      for (int c : held.values()) {
        n += c;
      }
      return n;
    }
  }

  /**
   * The due instant ({@link System#nanoTime()}) of the oldest emission held now, or {@link
   * Long#MAX_VALUE} when none is: the next instant of the paced schedule the run has not reached.
   */
  public long nextDueNanoTime() {
    synchronized (held) {
      return held.isEmpty() ? Long.MAX_VALUE : held.firstKey();
    }
  }

  /**
   * How late the oldest held emission is at {@code nowNanoTime} (0 when none is overdue),
   * wall-clock nanoseconds.
   */
  public long overdueNanos(long nowNanoTime) {
    Long oldest;
    synchronized (held) {
      oldest = held.isEmpty() ? null : held.firstKey();
    }
    return oldest == null ? 0 : Math.max(0, nowNanoTime - oldest);
  }

  /**
   * Whether the run waits on its schedule rather than a hung host: emissions are held and none is
   * overdue by {@code withinNanos} (a wall-clock watchdog that expires then starts again).
   */
  public boolean waitingOnSchedule(long withinNanos) {
    return heldCount() > 0 && overdueNanos(System.nanoTime()) < withinNanos;
  }

  /**
   * The lag to show now: the larger of the latest release's lag and how overdue the oldest held
   * emission is, so that it grows for as long as a release is overdue and drops back once it left.
   */
  public long currentNanos() {
    return Math.max(lastNanos(), overdueNanos(System.nanoTime()));
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
