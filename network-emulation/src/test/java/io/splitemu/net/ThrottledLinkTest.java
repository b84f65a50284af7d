package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.net.link.FaultSchedule;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.Link;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.MessageLoss;
import io.splitemu.net.link.PacketLink;
import io.splitemu.net.stream.Delivered;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import io.splitemu.net.stream.ThrottledLink;
import io.splitemu.net.stream.Transfer;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.PacketTrace;
import io.splitemu.net.trace.TraceFormats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.event.Logging;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The throttled link stage on a real Pekko materializer: virtual and paced mode agree on every
 * arrival instant, paced elements never leave early, completion and failures propagate.
 *
 * <p>Paced runs use speedup 100-1000, so a few emulated seconds take tens of wall milliseconds;
 * nothing here asserts how late an element may be (that is the benchmark's job).
 */
class ThrottledLinkTest {
  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  /** Safety net against a hung stream only; no assertion depends on it. */
  private static final long GIVE_UP_SECONDS = 60;

  private static ActorSystem system;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            "throttled-link-test",
            ConfigFactory.parseString("pekko.test.single-expect-default = 60s")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(GIVE_UP_SECONDS, TimeUnit.SECONDS);
  }

  /** One delivery as seen downstream, with the wall clock at which it got there. */
  private record Seen(Delivered<Integer> delivered, long wallNanos) {}

  private static List<Seen> run(Link link, Pacing pacing, List<Transfer<Integer>> transfers)
      throws Exception {
    return Source.from(transfers)
        .via(ThrottledLink.<Integer>flow(link, pacing))
        .map(d -> new Seen(d, System.nanoTime()))
        .runWith(Sink.seq(), system)
        .toCompletableFuture()
        .get(GIVE_UP_SECONDS, TimeUnit.SECONDS);
  }

  private static Transfer<Integer> transfer(int id, long bytes, long sendNanos) {
    return new Transfer<>(bytes, EmulatedInstant.ofNanos(sendNanos), id);
  }

  private static List<Long> arrivals(List<Seen> seen) {
    List<Long> out = new ArrayList<>();
    for (Seen s : seen) {
      out.add(s.delivered().arrival().nanos());
    }
    return out;
  }

  private static List<Integer> payloads(List<Seen> seen) {
    List<Integer> out = new ArrayList<>();
    for (Seen s : seen) {
      out.add(s.delivered().payload());
    }
    return out;
  }

  /**
   * Runs the transfers through fresh links in both modes and checks: same payload order, same
   * arrival instants, equal to sending on the link directly; paced elements not before due time.
   */
  private static List<Long> bothModesAgree(
      Supplier<Link> link, List<Transfer<Integer>> transfers, double speedup) throws Exception {
    List<Seen> virtual = run(link.get(), Pacing.virtual(), transfers);
    Pacing pacing = Pacing.pacedFromNow(speedup);
    List<Seen> paced = run(link.get(), pacing, transfers);

    Link direct = link.get();
    List<Long> expected = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    for (Transfer<Integer> t : transfers) {
      expected.add(direct.send(t.sendInstant(), t.bytes()).arrival().nanos());
      ids.add(t.payload());
    }
    assertEquals(expected, arrivals(virtual));
    assertEquals(expected, arrivals(paced));
    assertEquals(ids, payloads(virtual));
    assertEquals(ids, payloads(paced));
    for (Seen s : paced) {
      long due = pacing.dueNanoTime(s.delivered().arrival());
      assertTrue(
          s.wallNanos() >= due,
          "payload " + s.delivered().payload() + " left " + (due - s.wallNanos()) + " ns early");
    }
    PacingLag.Snapshot lag = pacing.lag().snapshot();
    assertEquals(transfers.size(), lag.count());
    assertTrue(lag.maxNanos() >= lag.lastNanos() && lag.lastNanos() >= 0, lag.toString());
    assertTrue(lag.meanNanos() >= 0 && lag.meanNanos() <= lag.maxNanos(), lag.toString());
    return expected;
  }

  @Test
  void staticLink_bothModesAgree_fifoBehindEarlierTransfers() throws Exception {
    // 8 Mbit/s, 10 ms: 100 kB takes 100 ms; five sent at 0 queue, one sent at 2 s finds it idle
    List<Transfer<Integer>> ts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ts.add(transfer(i, 100_000, 0));
    }
    ts.add(transfer(5, 100_000, 2 * S));
    ts.add(transfer(6, 50_000, 2 * S));
    List<Long> at =
        bothModesAgree(() -> new Link("static", FluidLink.constant(8e6, 10 * MS)), ts, 100);
    assertEquals(
        List.of(
            110 * MS, 210 * MS, 310 * MS, 410 * MS, 510 * MS, 2 * S + 110 * MS, 2 * S + 160 * MS),
        at);
  }

  @Test
  void traceWithRateChangesMidTransfer_bothModesAgree() throws Exception {
    // [0,1) s 8 Mbit/s, [1,2) s outage, [2,3) s 16 Mbit/s, looping
    Path f = dir.resolve("synthetic");
    Files.writeString(f, "0.0\t8\n1.0\t0\n2.0 16\n3.0\t4\n");
    LinkModel model = TraceFormats.byName("pensieve").read(f).link(EndPolicy.LOOP, 0);
    List<Transfer<Integer>> ts =
        List.of(
            transfer(0, 500_000, 0), // 0.5 s at 8 Mbit/s
            transfer(1, 1_000_000, 0), // 4 Mbit to 1 s, outage, 4 Mbit at 16 Mbit/s: 2.25 s
            transfer(2, 1_500_000, 2_500_000_000L), // 8 Mbit at 16 to 3 s, 4 at 8 (looped): 3.5 s
            transfer(3, 1, 3_600_000_000L)); // 8 bits at 8 Mbit/s
    List<Long> at = bothModesAgree(() -> new Link("trace", model), ts, 200);
    assertEquals(List.of(500 * MS, 2_250 * MS, 3_500 * MS, 3_600 * MS + 1_000), at);
  }

  @Test
  void outageWindow_bothModesAgree() throws Exception {
    FaultSchedule outage = FaultSchedule.builder().outage(S / 2, S).build();
    List<Transfer<Integer>> ts =
        List.of(transfer(0, 1_000_000, 0), transfer(1, 250_000, 0), transfer(2, 1_000, 3 * S));
    List<Long> at =
        bothModesAgree(
            () -> new Link("out", FluidLink.constant(8e6, 0), outage, MessageLoss.NONE), ts, 100);
    // 0.5 s, outage to 1 s, 0.5 s more; then 0.25 s; then 1 ms on the idle link
    assertEquals(List.of(1_500 * MS, 1_750 * MS, 3 * S + MS), at);
  }

  @Test
  void packetLinkWithDegradation_bothModesAgree() throws Exception {
    long[] opportunities = new long[100];
    for (int i = 0; i < opportunities.length; i++) {
      opportunities[i] = i + 1; // one per millisecond: 12 Mbit/s
    }
    FaultSchedule half = FaultSchedule.builder().degradation(0, 50 * MS, 0.5).build();
    List<Transfer<Integer>> ts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ts.add(transfer(i, 4_500, i * 5 * MS));
    }
    bothModesAgree(
        () ->
            new Link(
                "mm",
                new PacketLink(
                    new PacketTrace("one-per-ms", opportunities), EndPolicy.LOOP, 5 * MS),
                half,
                MessageLoss.NONE),
        ts,
        20);
  }

  @Test
  void extraDelayReordersArrivals_pacedEmitsByArrival_instantsStillAgree() throws Exception {
    // the first transfer ends at 1 ms inside a +1.5 s window, the second at 2 ms just after it.
    // At speedup 1 the second falls due 1.5 s before the first, so unless the stream needs that
    // long to start, both wait in the stage together and the second leaves first.
    FaultSchedule delay = FaultSchedule.builder().extraDelay(0, 2 * MS, 1_500 * MS).build();
    Supplier<Link> link = () -> new Link("d", FluidLink.constant(8e6, 0), delay, MessageLoss.NONE);
    List<Transfer<Integer>> ts = List.of(transfer(0, 1_000, 0), transfer(1, 1_000, 0));
    List<Seen> virtual = run(link.get(), Pacing.virtual(), ts);
    List<Seen> paced = run(link.get(), Pacing.pacedFromNow(1), ts);
    assertEquals(List.of(0, 1), payloads(virtual));
    assertEquals(List.of(1_501 * MS, 2 * MS), arrivals(virtual));
    assertEquals(List.of(1, 0), payloads(paced));
    assertEquals(List.of(2 * MS, 1_501 * MS), arrivals(paced));
  }

  @Test
  void paced_completesAfterPendingElements_whenUpstreamFinishesFirst() throws Exception {
    // the source completes at once; the last element falls due 1 s / 50 = 20 ms later
    Pacing pacing = Pacing.pacedFromNow(50);
    List<Transfer<Integer>> ts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ts.add(transfer(i, 12_500, 0)); // 12.5 kB = 12.5 ms at 8 Mbit/s
    }
    List<Seen> seen = run(new Link("c", FluidLink.constant(8e6, 875 * MS)), pacing, ts);
    assertEquals(10, seen.size());
    Seen last = seen.get(9);
    assertEquals(S, last.delivered().arrival().nanos());
    assertTrue(last.wallNanos() >= pacing.dueNanoTime(EmulatedInstant.ofNanos(S)));
  }

  @Test
  void paced_underOneByOneDemand_emitsEverythingInOrder() {
    Pacing pacing = Pacing.pacedFromNow(1000);
    List<Transfer<Integer>> ts = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ts.add(transfer(i, 1_000, 0)); // 1 ms apart
    }
    TestSubscriber.Probe<Delivered<Integer>> probe =
        Source.from(ts)
            .via(ThrottledLink.<Integer>flow(new Link("p", FluidLink.constant(8e6, 0)), pacing))
            .runWith(TestSink.create(system), system);
    for (int i = 0; i < 30; i++) {
      probe.request(1);
      Delivered<Integer> d = probe.expectNext();
      assertEquals(i, d.payload());
      assertEquals((i + 1) * MS, d.arrival().nanos());
    }
    probe.request(1);
    probe.expectComplete();
    assertEquals(30, pacing.lag().count());
  }

  @Test
  void emptyStream_completes() throws Exception {
    assertEquals(
        List.of(),
        run(new Link("e", FluidLink.constant(8e6, 0)), Pacing.pacedFromNow(10), List.of()));
    assertEquals(
        List.of(), run(new Link("e", FluidLink.constant(8e6, 0)), Pacing.virtual(), List.of()));
  }

  /** Transfers 0 and 1 fit before an endless outage from 1 s; transfer 2 never arrives. */
  private static void failsAfterEarlierElements(Pacing pacing) throws Exception {
    FaultSchedule cut = FaultSchedule.builder().outage(S, Long.MAX_VALUE).build();
    Link link = new Link("dead", FluidLink.constant(8e6, 0), cut, MessageLoss.NONE);
    List<Transfer<Integer>> ts =
        List.of(
            transfer(0, 100_000, 0),
            transfer(1, 100_000, 0),
            transfer(2, 1_000_000, 0),
            transfer(3, 1, 0));
    List<Integer> got = Collections.synchronizedList(new ArrayList<>());
    ErrorLog log = new ErrorLog();
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                Source.from(ts)
                    .via(ThrottledLink.<Integer>flow(link, pacing))
                    .runWith(Sink.foreach(d -> got.add(d.payload())), system)
                    .toCompletableFuture()
                    .get(GIVE_UP_SECONDS, TimeUnit.SECONDS));
    UndeliverableException cause = assertInstanceOf(UndeliverableException.class, e.getCause());
    String msg = cause.getMessage();
    assertTrue(msg.startsWith("transfer of 1000000 bytes sent at 0.000000000s"), msg);
    assertTrue(msg.contains("dead: ") && msg.contains("never recovers"), msg);
    assertEquals(List.of(0, 1), got);
    // The stream's owner reports the failure in one line; the stage must not log it again with
    // its stack trace.
    assertEquals(List.of(), log.errorsSoFar());
  }

  /** Collects the error events the actor system publishes from now on. */
  private static final class ErrorLog {
    // A string: the test system checks that every message serializes.
    private static final String MARK = "error-log-mark";
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch marked = new CountDownLatch(1);
    private final ActorRef listener =
        system.actorOf(
            Props.create(
                AbstractActor.class,
                () ->
                    new AbstractActor() {
                      @Override
                      public Receive createReceive() {
                        return receiveBuilder()
                            .match(Logging.Error.class, ev -> errors.add(String.valueOf(ev)))
                            .matchEquals(MARK, m -> marked.countDown())
                            .build();
                      }
                    }));

    ErrorLog() {
      system.getEventStream().subscribe(listener, Logging.Error.class);
    }

    /**
     * The errors published before this call: an error logged before the caller saw the stream fail
     * reached the listener's mailbox before the mark sent now.
     */
    List<String> errorsSoFar() throws InterruptedException {
      listener.tell(MARK, ActorRef.noSender());
      assertTrue(marked.await(GIVE_UP_SECONDS, TimeUnit.SECONDS));
      system.getEventStream().unsubscribe(listener);
      system.stop(listener);
      return List.copyOf(errors);
    }
  }

  @Test
  void undeliverableTransfer_failsTheStream_virtual() throws Exception {
    failsAfterEarlierElements(Pacing.virtual());
  }

  @Test
  void undeliverableTransfer_failsTheStream_pacedAfterEarlierElementsLeft() throws Exception {
    failsAfterEarlierElements(Pacing.pacedFromNow(100));
  }

  @Test
  void upstreamFailure_propagates_paced() {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                Source.<Transfer<Integer>>failed(new IllegalStateException("upstream broke"))
                    .via(
                        ThrottledLink.<Integer>flow(
                            new Link("u", FluidLink.constant(8e6, 0)), Pacing.pacedFromNow(10)))
                    .runWith(Sink.seq(), system)
                    .toCompletableFuture()
                    .get(GIVE_UP_SECONDS, TimeUnit.SECONDS));
    assertEquals("upstream broke", e.getCause().getMessage());
  }

  @Test
  void pacing_dueTimes_matchHand() {
    Pacing p = Pacing.paced(10, 1_000, new PacingLag());
    assertEquals(1_000, p.dueNanoTime(EmulatedInstant.ZERO));
    assertEquals(1_003, p.dueNanoTime(EmulatedInstant.ofNanos(25))); // 2.5 ns rounded up
    assertEquals(1_000 + S / 10, p.dueNanoTime(EmulatedInstant.ofNanos(S)));
    assertThrows(IllegalArgumentException.class, () -> Pacing.paced(0, 0, new PacingLag()));
    assertThrows(
        IllegalArgumentException.class,
        () -> Pacing.paced(Double.POSITIVE_INFINITY, 0, new PacingLag()));
  }

  @Test
  void pacing_instantBeyondTheClocksRange_isDueNever_notEarly() {
    Pacing p = Pacing.paced(0.5, 1_000, new PacingLag());
    // 2^62 ns at half speed is 2^63 ns of wall time: past Long.MAX_VALUE, once wrapped to a
    // negative nanoTime that was already due.
    assertEquals(Long.MAX_VALUE, p.dueNanoTime(EmulatedInstant.ofNanos(1L << 62)));
    assertEquals(Long.MAX_VALUE, p.dueNanoTime(EmulatedInstant.ofNanos(Long.MAX_VALUE)));
  }

  @Test
  void paced_arrivalsThatShareADueTime_leaveInArrivalOrder() throws Exception {
    // At speedup 1000, arrivals at 999 ns and 1,000 ns both fall due 1 ns after the clock's start.
    // The later one comes first in the stream; the clock starts a second ahead, so both wait in
    // the stage and the order is the stage's alone.
    Link[] lanes = {
      new Link("a", FluidLink.constant(8e9, 999)), new Link("b", FluidLink.constant(8e9, 998))
    };
    Pacing pacing = Pacing.paced(1000, System.nanoTime() + S, new PacingLag());
    assertEquals(
        pacing.dueNanoTime(EmulatedInstant.ofNanos(999)),
        pacing.dueNanoTime(EmulatedInstant.ofNanos(1_000)));
    List<Delivered<Integer>> out =
        Source.from(List.of(transfer(0, 1, 0), transfer(100, 1, 0)))
            .via(ThrottledLink.<Integer>channel(p -> p / 100, i -> lanes[i], pacing))
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get(GIVE_UP_SECONDS, TimeUnit.SECONDS);
    List<Long> arrivals = new ArrayList<>();
    for (Delivered<Integer> d : out) {
      arrivals.add(d.arrival().nanos());
    }
    assertEquals(List.of(999L, 1_000L), arrivals);
  }

  @Test
  void pacing_runAt_runsNotBeforeDue_andRecordsLag() throws Exception {
    Pacing p = Pacing.pacedFromNow(100);
    int n = 5;
    CountDownLatch done = new CountDownLatch(n);
    AtomicLong early = new AtomicLong(Long.MIN_VALUE);
    for (int i = 0; i < n; i++) {
      int id = i;
      EmulatedInstant at = EmulatedInstant.ofNanos(id * 100 * MS); // 1 ms apart in wall time
      long due = p.dueNanoTime(at);
      p.runAt(
          at,
          () -> {
            early.accumulateAndGet(due - System.nanoTime(), Math::max);
            done.countDown();
          });
    }
    assertTrue(done.await(GIVE_UP_SECONDS, TimeUnit.SECONDS));
    assertTrue(early.get() <= 0, "an action ran " + early.get() + " ns before its due time");
    assertEquals(n, p.lag().count());

    List<Integer> virtual = new ArrayList<>();
    Pacing.virtual().runAt(EmulatedInstant.ofNanos(S), () -> virtual.add(1));
    assertEquals(List.of(1), virtual); // at once, on this thread
  }

  @Test
  void pacing_runAt_actionsDueAtTheSameInstant_runInTheOrderHandedIn() throws Exception {
    // The timer executor alone orders tasks of one due instant by when each delay was computed,
    // nanoseconds apart: 50 tasks of one instant ran out of order in nearly every trial.
    for (int trial = 0; trial < 20; trial++) {
      Pacing p = Pacing.paced(1, System.nanoTime() + 20 * MS, new PacingLag());
      int n = 50;
      List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch done = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        int id = i;
        p.runAt(
            EmulatedInstant.ofNanos(0),
            () -> {
              ran.add(id);
              done.countDown();
            });
      }
      assertTrue(done.await(GIVE_UP_SECONDS, TimeUnit.SECONDS));
      List<Integer> inOrder = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        inOrder.add(i);
      }
      assertEquals(inOrder, ran, "trial " + trial);
    }
  }

  @Test
  void releaseAtOnce_runsHeldAndLaterActionsWithoutWaiting_inDueOrder() throws Exception {
    // Due an hour and more away on the wall clock: only the release lets them run in this test.
    Pacing p = Pacing.pacedFromNow(1);
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch held = new CountDownLatch(3);
    long[] at = {7_200 * S, 3_600 * S, 7_200 * S};
    for (int i = 0; i < at.length; i++) {
      int id = i;
      p.runAt(
          EmulatedInstant.ofNanos(at[i]),
          () -> {
            ran.add(id);
            held.countDown();
          });
    }
    assertEquals(3, p.lag().heldCount());
    assertTrue(p.lag().waitingOnSchedule(S));
    p.lag().releaseAtOnce();
    assertTrue(held.await(10, TimeUnit.SECONDS), "released actions did not run");
    assertEquals(List.of(1, 0, 2), ran, "by due instant, then as handed in");
    CountDownLatch later = new CountDownLatch(1);
    p.runAt(EmulatedInstant.ofNanos(10_800 * S), later::countDown);
    assertTrue(later.await(10, TimeUnit.SECONDS), "an action handed in after the release waited");
    assertEquals(0, p.lag().heldCount());
    assertEquals(java.time.Duration.ZERO, p.delayUntil(EmulatedInstant.ofNanos(10_800 * S)));
    assertEquals(0, p.lag().maxNanos(), "released early: no lag");
  }

  @Test
  void releaseAtOnce_pacedStageEmitsWhatItHoldsAndWhatComes_sameInstants() throws Exception {
    // Speedup 1 with the clock's start an hour ahead: nothing falls due within the test.
    List<Transfer<Integer>> ts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ts.add(transfer(i, 1_000_000, i * S));
    }
    List<Seen> virtual = run(new Link("v", FluidLink.constant(8e6, 5 * MS)), Pacing.virtual(), ts);
    Pacing pacing = Pacing.paced(1, System.nanoTime() + 3_600 * S, new PacingLag());
    var done =
        Source.from(ts)
            .via(
                ThrottledLink.<Integer>flow(new Link("p", FluidLink.constant(8e6, 5 * MS)), pacing))
            .runWith(Sink.seq(), system)
            .toCompletableFuture();
    Thread.sleep(200);
    assertTrue(!done.isDone(), "paced elements left before their due time");
    pacing.lag().releaseAtOnce();
    List<Delivered<Integer>> out = done.get(10, TimeUnit.SECONDS);
    List<Long> got = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    for (Delivered<Integer> d : out) {
      got.add(d.arrival().nanos());
      ids.add(d.payload());
    }
    assertEquals(arrivals(virtual), got);
    assertEquals(payloads(virtual), ids);
    assertEquals(0, pacing.lag().heldCount());
  }

  @Test
  void channel_eachLaneIsItsOwnFifo_inBothModes() throws Exception {
    // Three devices on one uplink band: lane = payload / 100. Lane 0 is slow (1 Mbit/s), lanes 1
    // and 2 fast; their transfers interleave in the stream.
    double[] bps = {1e6, 8e6, 16e6};
    Supplier<Link[]> lanes =
        () -> {
          Link[] l = new Link[bps.length];
          for (int i = 0; i < l.length; i++) {
            l[i] = new Link("up-" + i, FluidLink.constant(bps[i], 5 * MS));
          }
          return l;
        };
    List<Transfer<Integer>> transfers = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      for (int lane = 0; lane < bps.length; lane++) {
        transfers.add(transfer(lane * 100 + k, 125_000, k * 100 * MS));
      }
    }
    // Expected: each lane's transfers sent on a link of its own, in order.
    Link[] direct = lanes.get();
    List<Long> expected = new ArrayList<>();
    for (Transfer<Integer> t : transfers) {
      expected.add(direct[t.payload() / 100].send(t.sendInstant(), t.bytes()).arrival().nanos());
    }
    Link[] virtualLanes = lanes.get();
    List<Delivered<Integer>> virtual =
        Source.from(transfers)
            .via(
                ThrottledLink.<Integer>channel(
                    p -> p / 100, i -> virtualLanes[i], Pacing.virtual()))
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get(GIVE_UP_SECONDS, TimeUnit.SECONDS);
    List<Long> got = new ArrayList<>();
    for (Delivered<Integer> d : virtual) {
      got.add(d.arrival().nanos());
    }
    assertEquals(expected, got, "virtual mode keeps stream order and per-lane FIFO instants");
    // Lane 0 queues: its 4th transfer of 1 Mbit waits for the three before it (4 s on the wire).
    assertEquals(4 * S + 5 * MS, got.get(9));

    Link[] pacedLanes = lanes.get();
    Pacing pacing = Pacing.pacedFromNow(200);
    List<Seen> paced =
        Source.from(transfers)
            .via(ThrottledLink.<Integer>channel(p -> p / 100, i -> pacedLanes[i], pacing))
            .map(d -> new Seen(d, System.nanoTime()))
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get(GIVE_UP_SECONDS, TimeUnit.SECONDS);
    // Paced mode: the same instants, none emitted before its due time. (Elements that wait in the
    // stage leave in arrival order; one that is already overdue when it is read leaves at once, so
    // on a loaded host the order across lanes may differ from the arrival order.)
    List<Long> pacedArrivals = new ArrayList<>();
    for (Seen seen : paced) {
      pacedArrivals.add(seen.delivered().arrival().nanos());
      assertTrue(
          seen.wallNanos() >= pacing.dueNanoTime(seen.delivered().arrival()),
          "emitted before its due time");
    }
    List<Long> sortedExpected = new ArrayList<>(expected);
    Collections.sort(sortedExpected);
    Collections.sort(pacedArrivals);
    assertEquals(sortedExpected, pacedArrivals, "paced mode delivers the same instants");
  }
}
