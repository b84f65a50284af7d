package io.splitemu.model.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.util.Try;

class KryoWireSerializerTest {

  record StepActivations(
      long round, int step, String device, INDArray activations, List<Long> sampleIds)
      implements ClusterMessage {}

  record NotListed(String s) implements ClusterMessage {}

  private static ActorSystem system;

  @BeforeAll
  static void start() {
    Config config =
        ConfigFactory.parseString(
                "pekko.actor.serialize-messages = on\n"
                    + "pekko.loglevel = WARNING\n"
                    + "splitemu.serialization.classes { \""
                    + StepActivations.class.getName()
                    + "\" = 1000 }")
            .withFallback(ConfigFactory.load());
    system = ActorSystem.create("wire-test", config);
  }

  @AfterAll
  static void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static StepActivations message() {
    Nd4j.getRandom().setSeed(42L);
    return new StepActivations(
        4L, 2, "device-7", Nd4j.rand(DataType.FLOAT, 8, 16), List.of(3L, 1L, 4L, 1L, 5L));
  }

  @Test
  void clusterMessage_isBoundToKryoAndRoundTripsThroughSerializationExtension() {
    Serialization serialization = SerializationExtension.get(system);
    StepActivations msg = message();
    Serializer serializer = serialization.findSerializerFor(msg);
    assertInstanceOf(KryoWireSerializer.class, serializer);
    assertEquals(KryoWireSerializer.IDENTIFIER, serializer.identifier());

    byte[] bytes = serialization.serialize(msg).get();
    Object back = serialization.deserialize(bytes, KryoWireSerializer.IDENTIFIER, "").get();
    assertEquals(msg, back);
    assertNotSame(msg, back);
  }

  @Test
  void javaSerialization_isOff() {
    assertFalse(system.settings().AllowJavaSerialization());
  }

  @Test
  void unlistedClusterMessage_failsWithTheRegistrationHint() {
    Try<byte[]> result = SerializationExtension.get(system).serialize(new NotListed("x"));
    assertTrue(result.isFailure());
    String m = result.failed().get().getMessage();
    assertTrue(m.contains(NotListed.class.getName()), m);
    assertTrue(m.contains("splitemu.serialization.classes"), m);
  }

  @Test
  void localTell_withSerializeMessagesOn_deliversADeserializedCopy() throws Exception {
    CompletableFuture<Object> received = new CompletableFuture<>();
    ActorRef capture = system.actorOf(Props.create(Capture.class, () -> new Capture(received)));
    StepActivations msg = message();
    capture.tell(msg, ActorRef.noSender());
    Object got = received.get(30, TimeUnit.SECONDS);
    assertEquals(msg, got);
    // serialize-messages round-trips every tell, so the actor sees a copy, not our instance.
    assertNotSame(msg, got);
    assertNotSame(msg.activations(), ((StepActivations) got).activations());
  }

  /** Completes a future with the first message it receives. */
  static final class Capture extends AbstractActor {
    private final CompletableFuture<Object> received;

    Capture(CompletableFuture<Object> received) {
      this.received = received;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(received::complete).build();
    }
  }
}
