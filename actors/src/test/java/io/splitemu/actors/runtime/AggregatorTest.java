package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The aggregator names a model it refuses by its device, not by its place in the list. */
class AggregatorTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  /** Spawns an aggregator, sends it {@code m}'s average and reports why it failed. */
  private static void failureOf(Aggregator.Average m, ActorRef<String> report) {
    failureOf(m, report, false);
  }

  /**
   * As above; {@code asTheServerSaysIt} reports the edge server's line for the failure ({@link
   * EdgeServer#aggregatorFailure}) instead of the cause's message.
   */
  private static void failureOf(
      Aggregator.Average m, ActorRef<String> report, boolean asTheServerSaysIt) {
    Behavior<Void> parent =
        Behaviors.setup(
            ctx -> {
              ActorRef<Aggregator.Command> agg = ctx.spawn(Aggregator.create(), "aggregator");
              ctx.watch(agg);
              agg.tell(m);
              return Behaviors.receive(Void.class)
                  .onSignal(
                      ChildFailed.class,
                      f -> {
                        report.tell(
                            asTheServerSaysIt
                                ? EdgeServer.aggregatorFailure(f.getCause())
                                : f.getCause().getMessage());
                        return Behaviors.stopped();
                      })
                  .build();
            });
    testKit.spawn(parent);
  }

  @Test
  void nanDeviceModel_isNamedByItsDevice() {
    INDArray good = Nd4j.createFromArray(1.0, 2.0);
    INDArray nan = Nd4j.createFromArray(Double.NaN, 2.0);
    TestProbe<Aggregator.Averaged> replies = testKit.createTestProbe();
    TestProbe<String> why = testKit.createTestProbe();
    failureOf(
        new Aggregator.Average(
            List.of(3, 7, 9), List.of(good, good, nan), List.of(1L, 1L, 1L), replies.getRef()),
        why.getRef());
    assertEquals("device 9's model contains NaN; refusing it", why.receiveMessage());
  }

  @Test
  void refusals_areSaidByTheEdgeServerWithFedAvgOnce() {
    TestProbe<Aggregator.Averaged> replies = testKit.createTestProbe();
    TestProbe<String> why = testKit.createTestProbe();
    failureOf(
        new Aggregator.Average(
            List.of(3, 7),
            List.of(Nd4j.createFromArray(1.0, 2.0), Nd4j.createFromArray(1.0, 2.0, 3.0)),
            List.of(1L, 1L),
            replies.getRef()),
        why.getRef(),
        true);
    assertEquals("FedAvg: device 7's model expected shape [2] but got [3]", why.receiveMessage());
    failureOf(
        new Aggregator.Average(
            List.of(3, 9),
            List.of(Nd4j.createFromArray(1.0, 2.0), Nd4j.createFromArray(Double.NaN, 2.0)),
            List.of(1L, 1L),
            replies.getRef()),
        why.getRef(),
        true);
    assertEquals("FedAvg: device 9's model contains NaN; refusing it", why.receiveMessage());
  }

  @Test
  void nanServerCopy_isNamedByItsDevice() {
    INDArray good = Nd4j.createFromArray(1.0, 2.0);
    INDArray inf = Nd4j.createFromArray(1.0, Double.POSITIVE_INFINITY);
    TestProbe<Aggregator.Averaged> replies = testKit.createTestProbe();
    TestProbe<String> why = testKit.createTestProbe();
    failureOf(
        new Aggregator.Average(
            List.of(4, 7),
            List.of(good, good),
            List.of(1L, 1L),
            List.of(4, 7),
            List.of(good, inf),
            List.of(good, good),
            List.of(1L, 1L),
            replies.getRef()),
        why.getRef());
    assertEquals("device 7's server copy contains infinity; refusing it", why.receiveMessage());
  }

  @Test
  void serverStates_areAveragedWithTheCopiesWeights() {
    INDArray a = Nd4j.createFromArray(1.0, 2.0);
    INDArray b = Nd4j.createFromArray(5.0, -2.0);
    TestProbe<Aggregator.Averaged> replies = testKit.createTestProbe();
    ActorRef<Aggregator.Command> agg = testKit.spawn(Aggregator.create());
    agg.tell(
        new Aggregator.Average(
            List.of(0, 1),
            List.of(a, b),
            List.of(1L, 3L),
            List.of(0, 1),
            List.of(a, b),
            List.of(b, a),
            List.of(1L, 3L),
            replies.getRef()));
    Aggregator.Averaged r = replies.receiveMessage(Duration.ofSeconds(10));
    assertEquals(Nd4j.createFromArray(4.0, -1.0), r.server());
    assertEquals(Nd4j.createFromArray(2.0, 1.0), r.serverState());
  }
}
