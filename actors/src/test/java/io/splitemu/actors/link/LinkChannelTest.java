package io.splitemu.actors.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.runtime.Device;
import io.splitemu.actors.runtime.EmulatedLink;
import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.net.SeededStreams;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.stream.Pacing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A shared link channel on a real stream with real actors: many lanes, each a FIFO with the
 * instants of its own {@link EmulatedLink}; receipts, withheld transfers, failure and pacing.
 */
class LinkChannelTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A device-like lane: its own constant rate and propagation, its share as given. */
  private static EmulatedLink lane(double bps, long propNs) {
    return new EmulatedLink((round, share) -> FluidLink.constant(bps * share, propNs));
  }

  private static Materializer materializer() {
    return Materializer.matFromSystem(testKit.system());
  }

  private record Planned(int lane, int seq, long sendNs, long bytes, double share) {}

  @Test
  void manyLanes_virtual_deliverFifoPerLane_withTheInstantsOfSeparateLinks() {
    int lanes = 300;
    int perLane = 6;
    SplittableRandom rnd = SeededStreams.stream(11, "link-channel-test");
    List<LinkTiming> channelLinks = new ArrayList<>();
    List<LinkTiming> referenceLinks = new ArrayList<>();
    for (int l = 0; l < lanes; l++) {
      double bps = 1e6 + rnd.nextInt(50) * 1e6;
      long prop = rnd.nextInt(5_000_000);
      channelLinks.add(lane(bps, prop));
      referenceLinks.add(lane(bps, prop));
    }
    // Per lane, sends that overlap (so transfers queue behind each other) at varying shares;
    // lanes interleaved in the stream in a shuffled order, each lane's own order kept.
    List<List<Planned>> byLane = new ArrayList<>();
    for (int l = 0; l < lanes; l++) {
      List<Planned> p = new ArrayList<>();
      long t = rnd.nextInt(1_000_000_000);
      for (int k = 0; k < perLane; k++) {
        t += rnd.nextInt(20_000_000);
        p.add(new Planned(l, k, t, 1 + rnd.nextInt(200_000), k % 3 == 0 ? 0.5 : 1.0));
      }
      byLane.add(p);
    }
    List<Planned> order = new ArrayList<>();
    int[] next = new int[lanes];
    for (int left = lanes * perLane; left > 0; left--) {
      int l = rnd.nextInt(lanes);
      while (next[l] == perLane) {
        l = (l + 1) % lanes;
      }
      order.add(byLane.get(l).get(next[l]++));
    }
    Map<Long, Long> expected = new HashMap<>();
    for (List<Planned> p : byLane) {
      for (Planned x : p) {
        expected.put(
            key(x.lane(), x.seq()),
            referenceLinks.get(x.lane()).arrival(x.sendNs(), x.bytes(), x.share()));
      }
    }

    TestProbe<Device.Command> to = testKit.createTestProbe();
    TestProbe<Device.Command> receipts = testKit.createTestProbe();
    List<String> failures = new ArrayList<>();
    LinkChannel channel =
        LinkChannel.open(
            "test band",
            channelLinks::get,
            d -> "device-" + d,
            lanes * perLane,
            Pacing.virtual(),
            materializer(),
            failures::add);
    for (Planned x : order) {
      channel.send(
          LinkChannel.Send.of(
                  x.lane(),
                  x.bytes(),
                  x.sendNs(),
                  x.share(),
                  to.getRef(),
                  ns -> new Device.ForwardDone(x.lane(), x.seq(), x.sendNs(), ns))
              .withReceipt(
                  receipts.getRef(),
                  (s, a, ok) -> new Device.Receipt(Device.Payload.ACTIVATIONS, x.bytes(), s, a, ok),
                  Long.MAX_VALUE));
    }
    int[] seen = new int[lanes];
    for (int i = 0; i < lanes * perLane; i++) {
      Device.ForwardDone d =
          to.expectMessageClass(Device.ForwardDone.class, Duration.ofSeconds(10));
      int l = d.epoch();
      assertEquals(seen[l]++, d.batch(), "lane " + l + " out of order");
      assertEquals(expected.get(key(l, d.batch())), d.arrivalNs(), "lane " + l + " #" + d.batch());
      Device.Receipt u = receipts.expectMessageClass(Device.Receipt.class, Duration.ofSeconds(10));
      assertTrue(u.delivered());
      assertTrue(u.arrivalNs() > u.sendNs());
    }
    to.expectNoMessage(Duration.ofMillis(100));
    channel.close();
    assertTrue(failures.isEmpty(), failures.toString());
  }

  @Test
  void aTransferArrivingAtTheHang_isWithheld_andOnlyTheReceiptSaysSo() {
    EmulatedLink link = lane(8e6, 0); // 1 MB/s: 1,000 bytes take 1 ms
    TestProbe<Device.Command> to = testKit.createTestProbe();
    TestProbe<Device.Command> sender = testKit.createTestProbe();
    LinkChannel channel =
        LinkChannel.open(
            "hang band",
            d -> link,
            d -> "device-" + d,
            16,
            Pacing.virtual(),
            materializer(),
            w -> {});
    long hang = 2_000_000;
    for (int k = 0; k < 3; k++) {
      int seq = k;
      channel.send(
          LinkChannel.Send.of(0, 1_000, 0, 1.0, to.getRef(), ns -> done(seq, ns))
              .withReceipt(
                  sender.getRef(),
                  (s, a, ok) -> new Device.Receipt(Device.Payload.MODEL, 1_000, s, a, ok),
                  hang));
    }
    // FIFO: arrivals at 1, 2 and 3 ms; the hang at 2 ms withholds the second and the third.
    assertEquals(1_000_000, to.expectMessageClass(Device.ForwardDone.class).arrivalNs());
    to.expectNoMessage(Duration.ofMillis(200));
    long[] arrivals = new long[3];
    boolean[] delivered = new boolean[3];
    for (int k = 0; k < 3; k++) {
      Device.Receipt u = sender.expectMessageClass(Device.Receipt.class);
      arrivals[k] = u.arrivalNs();
      delivered[k] = u.delivered();
    }
    assertEquals(
        List.of(1_000_000L, 2_000_000L, 3_000_000L),
        List.of(arrivals[0], arrivals[1], arrivals[2]));
    assertTrue(delivered[0]);
    assertFalse(delivered[1]);
    assertFalse(delivered[2]);
    channel.close();
  }

  @Test
  void anEndlessOutage_failsTheChannel_withOneLineNamingTheLane() throws InterruptedException {
    EmulatedLink fine = lane(8e6, 0);
    EmulatedLink dead = lane(0, 0); // rate 0 forever: no transfer can ever arrive
    BlockingQueue<String> failed = new ArrayBlockingQueue<>(4);
    TestProbe<Device.Command> to = testKit.createTestProbe();
    LinkChannel channel =
        LinkChannel.open(
            "uplink band",
            d -> d == 3 ? dead : fine,
            d -> "device-" + d,
            16,
            Pacing.virtual(),
            materializer(),
            failed::add);
    channel.send(LinkChannel.Send.of(1, 1_000, 0, 1.0, to.getRef(), ns -> done(0, ns)));
    channel.send(LinkChannel.Send.of(3, 1_000, 0, 1.0, to.getRef(), ns -> done(1, ns)));
    assertEquals(1_000_000, to.expectMessageClass(Device.ForwardDone.class).arrivalNs());
    String why = failed.poll(10, TimeUnit.SECONDS);
    assertTrue(why != null && why.startsWith("device-3 failed: uplink band: "), why);
    assertTrue(why.contains("the rate is 0 forever"), why);
    assertFalse(why.contains("\n"), why);
    // Later sends are dropped quietly: the failure already ends the run.
    channel.send(LinkChannel.Send.of(1, 1_000, 0, 1.0, to.getRef(), ns -> done(2, ns)));
    to.expectNoMessage(Duration.ofMillis(200));
    assertEquals(null, failed.poll(100, TimeUnit.MILLISECONDS));
    channel.close();
  }

  @Test
  void paced_waitsForTheWallClock_withTheSameInstants() {
    EmulatedLink link = lane(8e6, 50_000_000); // 1 MB/s and 50 ms propagation
    EmulatedLink reference = lane(8e6, 50_000_000);
    Pacing pacing = Pacing.pacedFromNow(1.0);
    TestProbe<Device.Command> to = testKit.createTestProbe();
    LinkChannel channel =
        LinkChannel.open(
            "paced band", d -> link, d -> "device-" + d, 16, pacing, materializer(), w -> {});
    // 250 kB each: arrivals at 300 ms and 550 ms emulated, due then on the wall clock at speedup 1.
    channel.send(LinkChannel.Send.of(0, 250_000, 0, 1.0, to.getRef(), ns -> done(0, ns)));
    channel.send(LinkChannel.Send.of(0, 250_000, 0, 1.0, to.getRef(), ns -> done(1, ns)));
    to.expectNoMessage(Duration.ofMillis(200));
    Device.ForwardDone first =
        to.expectMessageClass(Device.ForwardDone.class, Duration.ofSeconds(5));
    long firstWall = System.nanoTime() - pacing.clockStartNanoTime();
    Device.ForwardDone second =
        to.expectMessageClass(Device.ForwardDone.class, Duration.ofSeconds(5));
    long secondWall = System.nanoTime() - pacing.clockStartNanoTime();
    assertEquals(reference.arrival(0, 250_000, 1.0), first.arrivalNs());
    assertEquals(reference.arrival(0, 250_000, 1.0), second.arrivalNs());
    assertEquals(300_000_000, first.arrivalNs());
    assertTrue(firstWall >= first.arrivalNs(), "delivered early: " + firstWall);
    assertTrue(secondWall >= second.arrivalNs(), "delivered early: " + secondWall);
    assertEquals(2, pacing.lag().count());
    channel.close();
  }

  private static Device.ForwardDone done(int seq, long arrivalNs) {
    return new Device.ForwardDone(0, seq, 0, arrivalNs);
  }

  private static long key(int lane, int seq) {
    return (long) lane << 32 | seq;
  }
}
