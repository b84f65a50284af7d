package io.splitemu.net.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.EmulatedInstant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The shared pacer keeps one wake-up scheduled on its timer however many threads hand tasks in, and
 * loses none: the real timer thread, real threads, generous wall-clock margins.
 */
class PacerTest {
  private static final long S = 1_000_000_000L;
  private static final long US = 1_000L;
  private static final long MS = 1_000_000L;

  @Test
  void tasksHandedInFromSeveralThreadsWhileADrainRuns_leaveAtMostOneWakeUpScheduled()
      throws Exception {
    // A task a minute away keeps the queue from emptying, as a paced round's next event does;
    // four chains each hand in a task 200 us out from a pool thread once the previous one ran, so
    // tasks arrive while the timer thread drains. A wake-up armed meanwhile used to be forgotten by
    // the drain, which armed another: 3,000 and more stayed scheduled after one second.
    PacingLag lag = new PacingLag();
    Pacer.Task far = Pacer.at(System.nanoTime() + 60 * S, lag, () -> {});
    int chains = 4;
    ExecutorService pool = Executors.newFixedThreadPool(chains);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong[] ran = new AtomicLong[chains];
    CountDownLatch stopped = new CountDownLatch(chains);
    int maxPending = 0;
    long totalRan = 0;
    try {
      for (int c = 0; c < chains; c++) {
        AtomicLong count = ran[c] = new AtomicLong();
        Runnable[] step = new Runnable[1];
        step[0] =
            () -> {
              if (stop.get()) {
                stopped.countDown();
                return;
              }
              Pacer.at(
                  System.nanoTime() + 200 * US,
                  lag,
                  () -> {
                    count.incrementAndGet();
                    pool.execute(step[0]);
                  });
            };
        pool.execute(step[0]);
      }
      long end = System.nanoTime() + S;
      while (System.nanoTime() < end) {
        maxPending = Math.max(maxPending, Pacer.pendingWakeUps());
        Thread.sleep(1);
      }
      stop.set(true);
      assertTrue(stopped.await(30, TimeUnit.SECONDS), "the chains stopped handing tasks in");
      maxPending = Math.max(maxPending, Pacer.pendingWakeUps());
      for (AtomicLong count : ran) {
        totalRan += count.get();
        assertTrue(count.get() > 0, "a chain's task never ran: a wake-up was lost");
      }
    } finally {
      far.cancel();
      pool.shutdownNow();
    }
    assertTrue(
        maxPending <= 1,
        "wake-ups scheduled at once: up to " + maxPending + " (" + totalRan + " tasks ran)");
  }

  @Test
  void aTaskHandedInDuringADrainForEarlierThanTheNextWakeUp_runsOnTime() throws Exception {
    // A task run by the pacer hands in one due 20 ms later while an hour-away task is queued: the
    // drain, not the hand-in, arms the wake-up for it, and must arm it for the earlier due time.
    PacingLag lag = new PacingLag();
    Pacer.Task far = Pacer.at(System.nanoTime() + 3_600 * S, lag, () -> {});
    try {
      CountDownLatch second = new CountDownLatch(1);
      AtomicLong early = new AtomicLong(Long.MIN_VALUE);
      Pacer.at(
          System.nanoTime() + MS,
          lag,
          () -> {
            long due = System.nanoTime() + 20 * MS;
            Pacer.at(
                due,
                lag,
                () -> {
                  early.set(due - System.nanoTime());
                  second.countDown();
                });
          });
      assertTrue(second.await(30, TimeUnit.SECONDS), "the task handed in during a drain waited");
      assertTrue(early.get() <= 0, "it ran " + early.get() + " ns early");
      assertTrue(Pacer.pendingWakeUps() <= 1, "wake-ups: " + Pacer.pendingWakeUps());
    } finally {
      far.cancel();
    }
  }

  @Test
  void cancelledAndReleasedTasks_keepTheirOrderAndOneWakeUp() throws Exception {
    // Tasks of one run an hour out, four due instants interleaved; one is cancelled, then the run
    // releases at once: the others run at once, by due instant and then as handed in.
    PacingLag lag = new PacingLag();
    long base = System.nanoTime() + 3_600 * S;
    List<Integer> ranIds = Collections.synchronizedList(new ArrayList<>());
    int n = 40;
    Pacer.Task[] tasks = new Pacer.Task[n];
    for (int i = 0; i < n; i++) {
      int id = i;
      tasks[i] = Pacer.at(base + (i % 4) * MS, lag, () -> ranIds.add(id));
    }
    assertTrue(Pacer.pendingWakeUps() <= 1, "wake-ups: " + Pacer.pendingWakeUps());
    tasks[5].cancel();
    CountDownLatch all = new CountDownLatch(1);
    lag.releaseAtOnce();
    Pacer.at(base + 10 * MS, lag, all::countDown);
    assertTrue(all.await(30, TimeUnit.SECONDS), "released tasks did not run");
    List<Integer> expected = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      for (int i = r; i < n; i += 4) {
        if (i != 5) {
          expected.add(i);
        }
      }
    }
    assertEquals(expected, ranIds);
    assertTrue(Pacer.pendingWakeUps() <= 1, "wake-ups: " + Pacer.pendingWakeUps());
  }

  @Test
  void aFinishedRunsWaitingActionsAreDropped_anotherRunsRunAsDue() throws Exception {
    // Two runs with an action each due at the same instant 50 ms out, the finished run's handed in
    // first: dropped, it never runs, though the other run's, due with it and after it, does.
    PacingLag finished = new PacingLag();
    PacingLag next = new PacingLag();
    long start = System.nanoTime();
    Pacing a = Pacing.paced(1, start, finished);
    Pacing b = Pacing.paced(1, start, next);
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch nextRan = new CountDownLatch(1);
    a.runAt(EmulatedInstant.ofNanos(50 * MS), () -> ran.add("finished"));
    a.runAt(EmulatedInstant.ofNanos(3_600 * S), () -> ran.add("finished, later"));
    b.runAt(
        EmulatedInstant.ofNanos(50 * MS),
        () -> {
          ran.add("next");
          nextRan.countDown();
        });
    assertEquals(2, finished.heldCount());
    assertEquals(2, finished.dropWaiting());
    assertEquals(0, finished.heldCount(), "dropped actions are no longer held");
    assertTrue(nextRan.await(30, TimeUnit.SECONDS), "the other run's action did not run");
    assertEquals(List.of("next"), ran);
    assertEquals(0, finished.count(), "a dropped action is no release");
    assertEquals(1, next.count());
    assertEquals(0, finished.dropWaiting());
    assertTrue(Pacer.pendingWakeUps() <= 1, "wake-ups: " + Pacer.pendingWakeUps());
  }
}
