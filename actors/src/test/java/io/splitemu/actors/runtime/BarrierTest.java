package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class BarrierTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  private static ActorRef<String> idle() {
    return testKit.spawn(Behaviors.ignore());
  }

  @Test
  void onStep_allReply_completesWithRepliesInParticipantOrder() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    Map<Integer, ActorRef<String>> who = Map.of(3, idle(), 1, idle(), 2, idle());
    ActorRef<Barrier.Command> b =
        testKit.spawn(
            Barrier.<String>create(
                7, String.class, who, Duration.ofSeconds(5), null, parent.getRef()));
    b.tell(new Barrier.Reply<>(3, "c"));
    b.tell(new Barrier.Reply<>(1, "a"));
    b.tell(new Barrier.Reply<>(2, "b"));
    Barrier.Outcome<String> out = parent.receiveMessage();
    Barrier.Completed<String> done = assertInstanceOf(Barrier.Completed.class, out);
    assertEquals(7, done.id());
    assertEquals(List.of(1, 2, 3), List.copyOf(done.replies().keySet()));
    assertEquals(List.of("a", "b", "c"), List.copyOf(done.replies().values()));
  }

  @Test
  void noParticipants_completesAtOnce_notAtTheWallClockTimeout() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    testKit.spawn(
        Barrier.<String>create(
            5, String.class, Map.of(), Duration.ofMinutes(5), null, parent.getRef()));
    Barrier.Completed<String> done =
        assertInstanceOf(Barrier.Completed.class, parent.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(5, done.id());
    assertEquals(Map.of(), done.replies());
  }

  @Test
  void aReplyOfAnotherType_failsTheBarrier_insteadOfReachingTheParent() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    Map<Integer, ActorRef<String>> who = Map.of(0, idle());
    ActorRef<Barrier.Command> b =
        testKit.spawn(
            Barrier.<String>create(
                3, String.class, who, Duration.ofMinutes(5), null, parent.getRef()));
    b.tell(new Barrier.Reply<>(0, 42));
    parent.expectTerminated(b, Duration.ofSeconds(3));
    parent.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void onStep_actorSendsNothing_timesOutOnTheWallClockNamingIt() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    Map<Integer, ActorRef<String>> who = Map.of(0, idle(), 1, idle());
    ActorRef<Barrier.Command> b =
        testKit.spawn(
            Barrier.<String>create(
                1, String.class, who, Duration.ofMillis(200), null, parent.getRef()));
    b.tell(new Barrier.Reply<>(0, "x"));
    Barrier.TimedOut<String> t =
        assertInstanceOf(Barrier.TimedOut.class, parent.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(Set.of(1), t.pending());
    assertEquals(Map.of(0, "x"), t.replies());
  }

  @Test
  void onStep_participantMisses_failsAtOnceWithoutTheWallClock() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    Map<Integer, ActorRef<String>> who = Map.of(0, idle(), 1, idle(), 2, idle());
    ActorRef<Barrier.Command> b =
        testKit.spawn(
            Barrier.<String>create(
                4, String.class, who, Duration.ofMinutes(5), null, parent.getRef()));
    b.tell(new Barrier.Reply<>(2, "z"));
    b.tell(new Barrier.Missed(1, Long.MIN_VALUE));
    b.tell(new Barrier.Reply<>(0, "x"));
    Barrier.Failed<String> f =
        assertInstanceOf(Barrier.Failed.class, parent.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(Set.of(1), f.missing());
    assertEquals(Map.of(0, "x", 2, "z"), f.replies());
    assertEquals(4, f.id());
  }

  /**
   * A device entity re-created without its state answers as a crashed device, marked lost: the
   * outcome names it apart from a device that missed the deadline, so the run does not drop it for
   * good as one (docs/cluster.md, "Losing a member").
   */
  @Test
  void onStep_aLostParticipantsMiss_isNamedApartFromADeadlineMiss() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    Map<Integer, ActorRef<String>> who = Map.of(0, idle(), 1, idle(), 2, idle());
    ActorRef<Barrier.Command> b =
        testKit.spawn(
            Barrier.<String>create(
                5, String.class, who, Duration.ofMinutes(5), null, parent.getRef()));
    b.tell(new Barrier.Missed(1, Long.MIN_VALUE));
    b.tell(new Barrier.Missed(2, Long.MIN_VALUE, true));
    b.tell(new Barrier.Reply<>(0, "x"));
    Barrier.Failed<String> f =
        assertInstanceOf(Barrier.Failed.class, parent.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(Set.of(1, 2), f.missing());
    assertEquals(Set.of(2), f.lost());
  }

  @Test
  void onStep_deviceStops_failsWithoutWaitingForTheTimeout() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    ActorRef<String> doomed = idle();
    Map<Integer, ActorRef<String>> who = Map.of(0, idle(), 1, doomed);
    ActorRef<Barrier.Command> b =
        testKit.spawn(
            Barrier.<String>create(
                1, String.class, who, Duration.ofMinutes(5), null, parent.getRef()));
    b.tell(new Barrier.Reply<>(0, "x"));
    testKit.stop(doomed);
    Barrier.Failed<String> f =
        assertInstanceOf(Barrier.Failed.class, parent.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(Set.of(1), f.missing());
  }

  @Test
  void duplicateOrUnknownReplies_areIgnored() {
    TestProbe<Barrier.Outcome<String>> parent = testKit.createTestProbe();
    Map<Integer, ActorRef<String>> who = Map.of(0, idle(), 1, idle());
    ActorRef<Barrier.Command> b =
        testKit.spawn(
            Barrier.<String>create(
                2, String.class, who, Duration.ofSeconds(5), null, parent.getRef()));
    b.tell(new Barrier.Reply<>(0, "first"));
    b.tell(new Barrier.Reply<>(0, "again"));
    b.tell(new Barrier.Reply<>(9, "stranger"));
    parent.expectNoMessage(Duration.ofMillis(100));
    b.tell(new Barrier.Reply<>(1, "y"));
    Barrier.Completed<String> done =
        assertInstanceOf(Barrier.Completed.class, parent.receiveMessage());
    assertEquals(Map.of(0, "first", 1, "y"), done.replies());
  }
}
