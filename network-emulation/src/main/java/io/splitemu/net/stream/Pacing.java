package io.splitemu.net.stream;

import io.splitemu.net.EmulatedInstant;
import java.time.Duration;
import java.util.Objects;

/**
 * How deliveries are released against the wall clock: at once ({@code virtual}) or when the wall
 * clock reaches the emulated instant / speedup after the run's start ({@code paced}).
 *
 * <p>One {@code Pacing} serves a whole run: create it once when the run starts (for instance with
 * {@link #pacedFromNow}) and hand the same object to every stage and actor, so all of them share
 * the start instant and the {@link PacingLag}.
 *
 * @param paced false for virtual mode
 * @param speedup emulated seconds per wall-clock second (paced mode only)
 * @param clockStartNanoTime the {@link System#nanoTime()} that emulated instant 0 maps to
 * @param lag where paced deliveries record how late they were
 */
public record Pacing(boolean paced, double speedup, long clockStartNanoTime, PacingLag lag) {

  private static final System.Logger LOG = System.getLogger(Pacing.class.getName());

  public Pacing {
    if (paced && !(speedup > 0 && Double.isFinite(speedup))) {
      throw new IllegalArgumentException("speedup must be a positive number, got " + speedup);
    }
    Objects.requireNonNull(lag, "lag");
  }

  /** Releases every delivery at once; emulated time is accounting only. */
  public static Pacing virtual() {
    return new Pacing(false, 1, 0, new PacingLag());
  }

  /**
   * Maps emulated instant 0 to {@code clockStartNanoTime} and emulated t to start + t / speedup.
   */
  public static Pacing paced(double speedup, long clockStartNanoTime, PacingLag lag) {
    return new Pacing(true, speedup, clockStartNanoTime, lag);
  }

  /** Paced from this moment on, with a fresh lag record. */
  public static Pacing pacedFromNow(double speedup) {
    return paced(speedup, System.nanoTime(), new PacingLag());
  }

  /** The {@link System#nanoTime()} at which {@code at} falls due (paced mode). */
  public long dueNanoTime(EmulatedInstant at) {
    return dueNanoTime(at.nanos());
  }

  /** The {@link System#nanoTime()} at which an emulated instant falls due, rounded up. */
  public long dueNanoTime(long emulatedNanos) {
    // ceil: an element may leave late by < 1 ns but never early; an instant beyond the clock's
    // range is due never (Long.MAX_VALUE), not at a wrapped, early nanoTime
    long offset = (long) Math.ceil(emulatedNanos / speedup);
    long due = clockStartNanoTime + offset;
    return offset > 0 && due < clockStartNanoTime ? Long.MAX_VALUE : due;
  }

  /**
   * Wall-clock time left until {@code at} falls due; zero in virtual mode, when already due, or
   * once the run releases at once ({@link PacingLag#releaseAtOnce}).
   */
  public Duration delayUntil(EmulatedInstant at) {
    if (!paced || lag.releasingAtOnce()) {
      return Duration.ZERO;
    }
    return Duration.ofNanos(Math.max(0, dueNanoTime(at) - System.nanoTime()));
  }

  /**
   * Runs {@code action} when {@code at} falls due and records its lag; in virtual mode it runs at
   * once on the caller's thread and records nothing.
   *
   * <p>In paced mode the action runs on the shared pacer thread, so it must be short and must not
   * block: telling an actor ({@code () -> self.tell(msg)}) is the intended use. Actions due at the
   * same instant run in the order they were handed in (of all runs: one timer thread serves them).
   * Once the run releases at once ({@link PacingLag#releaseAtOnce}) its actions run without
   * waiting, still in order of due instant and then of handing in. Once the run ended ({@link
   * PacingLag#dropWaiting}) the actions still waiting never run. An exception from the action is
   * logged.
   */
  public void runAt(EmulatedInstant at, Runnable action) {
    if (!paced) {
      action.run();
      return;
    }
    long due = dueNanoTime(at);
    lag.pending(due);
    Pacer.at(
        due,
        lag,
        true,
        () -> {
          lag.released(due, System.nanoTime());
          try {
            action.run();
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "paced action due at " + at + " failed", e);
          }
        });
  }

  /** The emulated instant the wall clock stands at now (paced mode; for dashboards). */
  public EmulatedInstant emulatedNow() {
    if (!paced) {
      throw new IllegalStateException("virtual mode has no wall-clock position");
    }
    long wall = Math.max(0, System.nanoTime() - clockStartNanoTime);
    return EmulatedInstant.ofNanos((long) Math.floor(wall * speedup));
  }
}
