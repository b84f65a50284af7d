package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.Link;
import io.splitemu.net.stream.Delivered;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import io.splitemu.net.stream.ThrottledLink;
import io.splitemu.net.stream.Transfer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pacing lag a dashboard reads keeps growing while a paced emission is overdue and drops back
 * once it left, on a real Pekko stream and the real pacer timer. Margins are generous: only the
 * direction of a change and lower bounds that the wall clock guarantees are asserted.
 */
class PacingLagTest {
  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  private static ActorSystem system;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            "pacing-lag-test",
            ConfigFactory.parseString("pekko.test.single-expect-default = 60s")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long giveUp = System.nanoTime() + 60 * S;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > giveUp) {
        throw new AssertionError("gave up waiting: " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void heldEmission_lagGrowsWhileOverdue_andDropsBackAfterAPromptRelease() throws Exception {
    PacingLag lag = new PacingLag();
    Pacing pacing = Pacing.paced(1.0, System.nanoTime(), lag);
    Link link = new Link("static", FluidLink.constant(8e9, 0));
    // A is due at once; B 5 s later (emulated = wall at speedup 1).
    List<Transfer<String>> ts =
        List.of(
            new Transfer<>(1, EmulatedInstant.ofNanos(0), "a"),
            new Transfer<>(1, EmulatedInstant.ofNanos(5 * S), "b"));
    TestSubscriber.Probe<Delivered<String>> consumer =
        Source.from(ts)
            .via(ThrottledLink.<String>flow(link, pacing))
            .runWith(TestSink.probe(system), system);
    consumer.ensureSubscription();
    // No demand: A is due but cannot leave.
    await(() -> lag.heldCount() == 2 && lag.currentNanos() > 0, "A held and overdue");
    long first = lag.currentNanos();
    Thread.sleep(1_000);
    long second = lag.currentNanos();
    assertTrue(second >= first + 900 * MS, "lag " + first + " ns, 1 s later " + second + " ns");
    assertEquals(0, lag.count(), "nothing released yet");

    consumer.request(1);
    assertEquals("a", consumer.expectNext().payload());
    // A left at least `second` late; that is now the latest release's lag.
    assertTrue(lag.lastNanos() >= second, lag.lastNanos() + " < " + second);
    assertEquals(1, lag.heldCount(), "B is still held");

    consumer.request(1);
    assertEquals("b", consumer.expectNext().payload());
    consumer.expectComplete();
    assertEquals(0, lag.heldCount());
    // B was wanted before its due time, so it left about on time: the figure dropped back.
    assertTrue(lag.currentNanos() < second, lag.currentNanos() + " >= " + second);
    assertEquals(lag.lastNanos(), lag.currentNanos());
  }

  @Test
  void cancelledStage_dropsWhatItHeld_soNothingStaysOverdue() throws Exception {
    PacingLag lag = new PacingLag();
    Pacing pacing = Pacing.paced(1.0, System.nanoTime(), lag);
    Link link = new Link("static", FluidLink.constant(8e9, 0));
    TestSubscriber.Probe<Delivered<String>> consumer =
        Source.single(new Transfer<>(1, EmulatedInstant.ofNanos(0), "a"))
            .concat(Source.never())
            .via(ThrottledLink.<String>flow(link, pacing))
            .runWith(TestSink.probe(system), system);
    consumer.ensureSubscription();
    await(() -> lag.currentNanos() > 0, "the element held and overdue");
    consumer.cancel();
    await(() -> lag.heldCount() == 0, "the cancelled stage to drop its element");
    assertEquals(0, lag.currentNanos());
    assertEquals(0, lag.count(), "a dropped element is no release");
  }

  @Test
  void runAt_holdsItsReleaseUntilItRuns() throws Exception {
    PacingLag lag = new PacingLag();
    Pacing pacing = Pacing.paced(1.0, System.nanoTime(), lag);
    CountDownLatch ran = new CountDownLatch(1);
    pacing.runAt(EmulatedInstant.ofNanos(3_600 * S), () -> {});
    pacing.runAt(EmulatedInstant.ofNanos(50 * MS), ran::countDown);
    assertEquals(2, lag.heldCount());
    assertTrue(ran.await(60, TimeUnit.SECONDS));
    await(() -> lag.heldCount() == 1, "the release to be recorded");
    assertEquals(1, lag.count());
    // The hour-away release is held but not overdue.
    assertEquals(lag.lastNanos(), lag.currentNanos());
  }

  @Test
  void nextDue_isTheOldestHeldDueInstant_orNoneWhenNothingIsHeld() {
    PacingLag lag = new PacingLag();
    assertEquals(Long.MAX_VALUE, lag.nextDueNanoTime(), "nothing held");
    lag.pending(500);
    lag.pending(200);
    lag.pending(200);
    assertEquals(200, lag.nextDueNanoTime());
    lag.released(200, 300);
    assertEquals(200, lag.nextDueNanoTime(), "the other emission due at 200 is still held");
    lag.dropped(200);
    assertEquals(500, lag.nextDueNanoTime());
    lag.released(500, 500);
    assertEquals(Long.MAX_VALUE, lag.nextDueNanoTime());
  }

  @Test
  void overdue_isMeasuredFromTheOldestHeldDueInstant() {
    PacingLag lag = new PacingLag();
    assertEquals(0, lag.overdueNanos(1_000));
    lag.pending(500);
    lag.pending(200);
    lag.pending(200);
    assertEquals(800, lag.overdueNanos(1_000));
    assertEquals(0, lag.overdueNanos(100), "not due yet");
    lag.released(200, 1_000);
    assertEquals(800, lag.lastNanos());
    assertEquals(800, lag.overdueNanos(1_000), "the other emission due at 200 is still held");
    lag.dropped(200);
    assertEquals(500, lag.overdueNanos(1_000));
    lag.released(500, 600);
    assertEquals(0, lag.overdueNanos(1_000));
    assertEquals(100, lag.lastNanos());
    assertEquals(0, lag.heldCount());
    lag.dropped(42); // never declared: nothing to drop
    assertEquals(0, lag.heldCount());
  }
}
