package io.splitemu.actors.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.runtime.Device;
import io.splitemu.actors.runtime.EdgeServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Messages in parts: a tensor message above the frame is split into parts no larger than a frame
 * holds, a reassembling actor acts on the whole message where its last part arrives (before what
 * the sender sent after it), a reply for a message adapter reaches the adapter, and parts that do
 * not fit their transfer are refused with one line without allocating what they announce. The test
 * system serializes every message (application-test.conf), so parts cross Kryo as between JVMs.
 */
class ChunksTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  private static Chunks chunks() {
    return Chunks.get(testKit.system());
  }

  /** A behavior that tells {@code seen} every command it gets. */
  private static Behavior<Device.Command> echo(TestProbe<Device.Command> seen) {
    return Behaviors.receive(Device.Command.class)
        .onMessage(
            Device.Command.class,
            m -> {
              seen.ref().tell(m);
              return Behaviors.same();
            })
        .build();
  }

  /** {@code ref} as a reference that takes parts (what a sender tells a remote recipient). */
  @SuppressWarnings("unchecked")
  private static ActorRef<Object> untyped(ActorRef<?> ref) {
    return (ActorRef<Object>) ref;
  }

  /** A float tensor of {@code n} elements with distinct values. */
  private static INDArray tensor(int n) {
    return Nd4j.linspace(DataType.FLOAT, 0, n, 1).reshape(1, n);
  }

  @Test
  void aMessageAboveOnePart_isSplitIntoPartsThatAFrameHolds() {
    // Pekko's default frame (256 KiB) in the test system: a 1.2 MB gradient is 5 parts.
    int part = chunks().partBytes();
    assertEquals(256 * 1024 - Chunks.ENVELOPE_ROOM, part);
    List<Chunks.Chunk> parts =
        chunks().split(new Device.LocalGradient(3, tensor(300_000), 7L), null);
    assertTrue(parts.size() >= 5, "parts: " + parts.size());
    long total = 0;
    for (int i = 0; i < parts.size(); i++) {
      Chunks.Chunk c = parts.get(i);
      assertEquals(i, c.index());
      assertEquals(parts.size(), c.count());
      assertTrue(c.bytes().length <= part);
      total += c.bytes().length;
    }
    assertEquals(parts.get(0).total(), total);
    // One that a frame holds is not split.
    assertNull(chunks().split(new Device.LocalGradient(3, tensor(1000), 7L), null));
  }

  @Test
  void aReassemblingActor_actsOnTheWholeMessage_beforeWhatCameAfterIt() {
    TestProbe<Device.Command> seen = testKit.createTestProbe();
    ActorRef<Device.Command> actor =
        testKit.spawn(Chunks.reassembling(Device.Command.class, echo(seen)));
    INDArray a = tensor(300_000);
    INDArray b = tensor(200_000).mul(2);
    List<Chunks.Chunk> first = chunks().split(new Device.LocalGradient(1, a, 10L), actor);
    List<Chunks.Chunk> second = chunks().split(new Device.LocalGradient(2, b, 20L), actor);
    ActorRef<Object> any = untyped(actor);
    // Two transfers interleaved (two senders), then a small message after the first.
    for (int i = 0; i < Math.max(first.size(), second.size()); i++) {
      if (i < first.size()) {
        any.tell(first.get(i));
      }
      if (i < second.size()) {
        any.tell(second.get(i));
      }
    }
    actor.tell(Device.Retire.INSTANCE);
    Device.LocalGradient g1 = (Device.LocalGradient) seen.receiveMessage();
    Device.LocalGradient g2 = (Device.LocalGradient) seen.receiveMessage();
    if (g1.step() == 2) {
      Device.LocalGradient t = g1;
      g1 = g2;
      g2 = t;
    }
    assertEquals(10L, g1.sendNs());
    assertEquals(a, g1.gradient());
    assertEquals(b, g2.gradient());
    assertEquals(Device.Retire.INSTANCE, seen.receiveMessage());
  }

  /** What the adapter test's actor takes: its adapter's command. */
  private interface Cmd {}

  private record Moved(EdgeServer.CutMoved moved) implements Cmd {}

  /** A reply for a message adapter, in parts, is adapted as if it came whole. */
  @Test
  void aReplyInParts_reachesTheMessageAdapterItWasFor() {
    TestProbe<EdgeServer.CutMoved> seen = testKit.createTestProbe();
    TestProbe<ActorRef<EdgeServer.CutMoved>> adapters = testKit.createTestProbe();
    Behavior<Cmd> owner =
        Behaviors.setup(
            ctx -> {
              Chunks.acceptOnAdapters(ctx);
              adapters.ref().tell(ctx.messageAdapter(EdgeServer.CutMoved.class, Moved::new));
              return Behaviors.receive(Cmd.class)
                  .onMessage(
                      Moved.class,
                      m -> {
                        seen.ref().tell(m.moved());
                        return Behaviors.same();
                      })
                  .build();
            });
    testKit.spawn(Chunks.reassembling(Cmd.class, owner));
    ActorRef<EdgeServer.CutMoved> adapter = adapters.receiveMessage();
    INDArray params = tensor(250_000);
    List<Chunks.Chunk> parts = chunks().split(new EdgeServer.CutMoved(params), adapter);
    assertTrue(parts.size() > 1);
    ActorRef<Object> any = untyped(adapter);
    parts.forEach(any::tell);
    assertEquals(params, seen.receiveMessage(Duration.ofSeconds(10)).deviceParams());
  }

  @Test
  void partsThatDoNotFitTheirTransfer_areRefusedWithOneLine() {
    Chunks.Gathered g = new Chunks.Gathered(1000);
    byte[] ten = new byte[10];
    // Announcing more than the maximum message size: refused before anything is kept.
    String above =
        assertThrows(
                IllegalArgumentException.class,
                () -> g.take(new Chunks.Chunk(1, 1, 0, 2, 1L << 31, 7401, "", null, ten)))
            .getMessage();
    assertTrue(above.contains("splitemu.cluster.maximum-message-size"), above);
    assertEquals(0, g.open());
    // A part of a transfer never opened.
    assertThrows(
        IllegalArgumentException.class,
        () -> g.take(new Chunks.Chunk(1, 2, 1, 2, 20, 7401, "", null, ten)));
    // Out of order.
    assertNull(g.take(new Chunks.Chunk(1, 3, 0, 3, 30, 7401, "", null, ten)));
    String order =
        assertThrows(
                IllegalArgumentException.class,
                () -> g.take(new Chunks.Chunk(1, 3, 2, 3, 30, 7401, "", null, ten)))
            .getMessage();
    assertTrue(order.contains("out of order (part 1 of 3 due)"), order);
    // Beyond the size announced.
    assertNull(g.take(new Chunks.Chunk(1, 4, 0, 2, 15, 7401, "", null, ten)));
    assertThrows(
        IllegalArgumentException.class,
        () -> g.take(new Chunks.Chunk(1, 4, 1, 2, 15, 7401, "", null, ten)));
    // Short of it at the last part.
    assertNull(g.take(new Chunks.Chunk(1, 5, 0, 2, 25, 7401, "", null, ten)));
    assertThrows(
        IllegalArgumentException.class,
        () -> g.take(new Chunks.Chunk(1, 5, 1, 2, 25, 7401, "", null, ten)));
    // A part without bytes, a transfer opened twice.
    assertThrows(
        IllegalArgumentException.class,
        () -> g.take(new Chunks.Chunk(1, 6, 0, 2, 20, 7401, "", null, new byte[0])));
    assertThrows(
        IllegalArgumentException.class,
        () -> g.take(new Chunks.Chunk(1, 3, 0, 3, 30, 7401, "", null, ten)));
    // The same transfer number from two senders is two transfers, joined in order.
    byte[] x = new byte[10];
    byte[] y = new byte[10];
    java.util.Arrays.fill(x, (byte) 1);
    java.util.Arrays.fill(y, (byte) 2);
    assertNull(g.take(new Chunks.Chunk(8, 9, 0, 2, 20, 7401, "", null, x)));
    assertNull(g.take(new Chunks.Chunk(9, 9, 0, 2, 20, 7401, "", null, y)));
    byte[] whole = g.take(new Chunks.Chunk(8, 9, 1, 2, 20, 7401, "", null, y));
    List<Byte> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add(i < 10 ? (byte) 1 : (byte) 2);
    }
    byte[] want = new byte[20];
    for (int i = 0; i < 20; i++) {
      want[i] = expected.get(i);
    }
    assertArrayEquals(want, whole);
  }

  /**
   * With a callback (a sharded entity, the supervisor), a refused part is handed to it as one line
   * and the actor goes on; a whole message for neither the actor nor one of its adapters is
   * refused, never relayed.
   */
  @Test
  void aRefusedPart_goesToTheCallback_andTheActorGoesOn() {
    TestProbe<Device.Command> seen = testKit.createTestProbe();
    TestProbe<String> lines = testKit.createTestProbe();
    TestProbe<EdgeServer.CutMoved> elsewhere = testKit.createTestProbe();
    ActorRef<Device.Command> actor =
        testKit.spawn(Chunks.reassembling(Device.Command.class, echo(seen), lines.ref()::tell));
    ActorRef<Object> any = untyped(actor);
    any.tell(new Chunks.Chunk(1, 1, 1, 2, 20, 7401, "", null, new byte[10]));
    String line = lines.receiveMessage();
    assertTrue(line.contains("whose first part never came"), line);
    // A reply addressed to another actor (not one of this actor's adapters) is not relayed.
    List<Chunks.Chunk> parts =
        chunks().split(new EdgeServer.CutMoved(tensor(250_000)), elsewhere.ref());
    parts.forEach(any::tell);
    String relay = lines.receiveMessage();
    assertTrue(relay.contains("neither this actor nor one of its adapters"), relay);
    elsewhere.expectNoMessage(Duration.ofMillis(200));
    actor.tell(Device.Retire.INSTANCE);
    assertEquals(Device.Retire.INSTANCE, seen.receiveMessage());
  }

  /** A part that is refused fails the actor, which its parent hears of (the run's one line). */
  @Test
  void aRefusedPart_failsTheRecipient() {
    TestProbe<Device.Command> seen = testKit.createTestProbe();
    ActorRef<Device.Command> actor =
        testKit.spawn(Chunks.reassembling(Device.Command.class, echo(seen)));
    seen.expectNoMessage(Duration.ofMillis(50));
    ActorRef<Object> any = untyped(actor);
    any.tell(new Chunks.Chunk(1, 1, 1, 2, 20, 7401, "", null, new byte[10]));
    seen.expectTerminated(actor, Duration.ofSeconds(5));
  }
}
