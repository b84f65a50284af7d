package io.splitemu.net.stream;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one wall-clock timer thread shared by every paced stage and {@link Pacing#runAt} call.
 *
 * <p>Pekko's scheduler ticks every 10 ms by default, twice the 5 ms delay budget of paced mode; a
 * {@link ScheduledThreadPoolExecutor} parks on {@link System#nanoTime()} with sub-millisecond
 * precision and runs tasks due at the same nanosecond in submission order.
 */
final class Pacer {
  private static final ScheduledThreadPoolExecutor TIMER = create();

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
    // stages cancel their wake-up when they stop; do not keep the cancelled tasks queued
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  /** Runs {@code task} on the pacer thread once {@link System#nanoTime()} reaches {@code due}. */
  static ScheduledFuture<?> at(long dueNanoTime, Runnable task) {
    long delay = dueNanoTime - System.nanoTime();
    return TIMER.schedule(task, Math.max(0, delay), TimeUnit.NANOSECONDS);
  }
}
