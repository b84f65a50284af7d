package io.splitemu.net.stream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one wall-clock timer thread shared by every paced stage and {@link Pacing#runAt} call.
 *
 * <p>Pekko's scheduler ticks every 10 ms by default, twice the 5 ms delay budget of paced mode; a
 * {@link ScheduledThreadPoolExecutor} parks on {@link System#nanoTime()} with sub-millisecond
 * precision. The executor itself orders tasks due at one instant by when their delay was computed
 * (a few nanoseconds of jitter apart), not by submission: so the tasks wait here in one queue keyed
 * by (due, submission), drained on the timer thread by one scheduled wake-up at the head's due
 * instant, and tasks due at the same instant run in submission order.
 *
 * <p>A run that stops pacing ({@link PacingLag#releaseAtOnce}) has its waiting tasks run at once,
 * in the same (due, submission) order, and its later ones as soon as they are handed in.
 */
final class Pacer {
  private static final ScheduledThreadPoolExecutor TIMER = create();

  /** Tasks of a run that released at once come first; then by due instant, then submission. */
  private static final Comparator<Task> ORDER =
      Comparator.<Task>comparingLong(t -> t.wake)
          .thenComparingLong(t -> t.due)
          .thenComparingLong(t -> t.seq);

  private static final Object LOCK = new Object();
  // Guarded by LOCK: the waiting tasks, the submission counter and the one scheduled wake-up.
  private static final PriorityQueue<Task> QUEUE = new PriorityQueue<>(ORDER);
  private static long seq;
  private static ScheduledFuture<?> wakeUp;
  private static long wakeUpAt;
  // Which wake-up is the current one: a wake-up moved earlier may have started already, too late
  // for its cancel; it then finds its number outdated and leaves the queue to the current one.
  private static long wakeUpNumber;
  // A drain is under way on the timer thread: it re-arms once it stops, so no one else arms.
  private static boolean draining;

  private Pacer() {}

  private static ScheduledThreadPoolExecutor create() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "splitemu-pacer");
              t.setDaemon(true);
              return t;
            });
    // a wake-up moved earlier is cancelled: do not keep the cancelled ones queued
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  /** A task waiting for its due instant; {@link #cancel} keeps it from running. */
  static final class Task {
    private final long due;
    private final long seq;
    private final PacingLag run;
    // Declared pending to run's lag (Pacing.runAt): a drop tells the lag it will not leave.
    private final boolean held;
    private final Runnable action;
    // Guarded by LOCK: the nanoTime the task may run from (due, or MIN_VALUE once released).
    private long wake;
    private boolean cancelled;

    private Task(long due, long seq, PacingLag run, boolean held, Runnable action) {
      this.due = due;
      this.seq = seq;
      this.run = run;
      this.held = held;
      this.action = action;
      this.wake = due;
    }

    /** Keeps the task from running if it has not started yet. */
    void cancel() {
      synchronized (LOCK) {
        if (!cancelled) {
          cancelled = true;
          QUEUE.remove(this);
        }
      }
    }
  }

  /**
   * Runs {@code task} on the pacer thread once {@link System#nanoTime()} reaches {@code due}, or at
   * once if {@code run} releases at once; tasks due at the same instant run in the order handed in.
   */
  static Task at(long dueNanoTime, PacingLag run, Runnable task) {
    return at(dueNanoTime, run, false, task);
  }

  /**
   * {@link #at(long, PacingLag, Runnable)} for a task whose due instant the caller declared {@link
   * PacingLag#pending} ({@code held}): {@link #dropWaiting} then declares it {@link
   * PacingLag#dropped}.
   */
  static Task at(long dueNanoTime, PacingLag run, boolean held, Runnable task) {
    synchronized (LOCK) {
      Task t = new Task(dueNanoTime, seq++, run, held, task);
      if (run.releasingAtOnce()) {
        t.wake = Long.MIN_VALUE;
      }
      QUEUE.add(t);
      armLocked();
      return t;
    }
  }

  /**
   * {@code run} stopped pacing: its waiting tasks are due now, in their (due, submission) order.
   */
  static void releaseAtOnce(PacingLag run) {
    synchronized (LOCK) {
      List<Task> theirs = new ArrayList<>();
      for (Task t : QUEUE) {
        if (t.run == run) {
          theirs.add(t);
        }
      }
      if (theirs.isEmpty()) {
        return;
      }
      QUEUE.removeAll(theirs);
      for (Task t : theirs) {
        t.wake = Long.MIN_VALUE;
        QUEUE.add(t);
      }
      armLocked();
    }
  }

  /**
   * {@code run} ended: its held tasks still waiting ({@link Pacing#runAt}) will not run, and its
   * lag no longer holds them; other runs' tasks and the run's stage timers (which their stages
   * cancel) stay. Returns how many were dropped.
   */
  static int dropWaiting(PacingLag run) {
    List<Task> theirs = new ArrayList<>();
    synchronized (LOCK) {
      QUEUE.removeIf(
          t -> {
            if (t.run != run || !t.held) {
              return false;
            }
            t.cancelled = true;
            theirs.add(t);
            return true;
          });
      // The wake-up stays: it finds the next head, or nothing, and arms for what is left.
    }
    for (Task t : theirs) {
      run.dropped(t.due);
    }
    return theirs.size();
  }

  /**
   * Makes sure one wake-up is scheduled for the head of the queue (none when it is empty); while a
   * drain is under way, the drain arms when it stops.
   */
  private static void armLocked() {
    if (draining) {
      return;
    }
    Task head = QUEUE.peek();
    if (head == null) {
      return; // a wake-up still scheduled finds nothing and schedules nothing
    }
    if (wakeUp != null && wakeUpAt <= head.wake) {
      return;
    }
    if (wakeUp != null) {
      wakeUp.cancel(false);
    }
    long delay = head.wake == Long.MIN_VALUE ? 0 : head.wake - System.nanoTime();
    long number = ++wakeUpNumber;
    wakeUpAt = head.wake;
    wakeUp = TIMER.schedule(() -> drain(number), Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  /**
   * On the timer thread: runs every task due now, in queue order, then arms the next wake-up. A
   * wake-up that is no longer the current one does nothing: the current one is scheduled.
   */
  private static void drain(long number) {
    synchronized (LOCK) {
      if (number != wakeUpNumber || draining) {
        return;
      }
      wakeUp = null;
      draining = true;
    }
    try {
      while (true) {
        Task next;
        synchronized (LOCK) {
          next = QUEUE.peek();
          if (next == null || next.wake > System.nanoTime()) {
            return;
          }
          QUEUE.poll();
          next.cancelled = true; // started: a cancel now has nothing to stop
        }
        try {
          next.action.run();
        } catch (RuntimeException e) {
          // Ignored, as the executor ignored a task's failure; Pacing.runAt logs its action's own.
        }
      }
    } finally {
      synchronized (LOCK) {
        draining = false;
        armLocked();
      }
    }
  }

  /** Wake-ups scheduled on the timer and not yet started (for tests: at most one). */
  static int pendingWakeUps() {
    return TIMER.getQueue().size();
  }
}
