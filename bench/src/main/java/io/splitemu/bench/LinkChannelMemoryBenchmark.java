package io.splitemu.bench;

import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.runtime.EmulatedLink;
import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.Materializer;

/**
 * Heap cost per lane of one shared link channel ({@link LinkChannel}): N device links as lanes of
 * one stream, one transfer per lane delivered, heap after full GCs compared with before.
 *
 * <p>Figures per lane: the device link alone ({@link EmulatedLink} with its model, before it
 * carried anything); the link once it carried a transfer (its model cache and FIFO state) with the
 * channel after every lane has sent (what the stream keeps per lane once the transfers are out);
 * and one transfer per lane in flight (waiting in a paced channel whose clock starts in an hour). A
 * plain {@code main} rather than JMH: it measures retained heap, not time.
 *
 * <pre>
 * java -Xmx4g -cp bench/target/benchmarks.jar io.splitemu.bench.LinkChannelMemoryBenchmark [lanes]
 * </pre>
 */
public final class LinkChannelMemoryBenchmark {
  private LinkChannelMemoryBenchmark() {}

  /** What the recipient gets; a plain record (serialize-messages is off outside the tests). */
  private record Arrived(int lane, long arrivalNs) {}

  public static void main(String[] args) throws Exception {
    int lanes = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int warmUpLanes = 1000;
    // The recipient counts the warm-up's deliveries too.
    CountDownLatch delivered = new CountDownLatch(warmUpLanes + lanes);
    ActorSystem<Arrived> system =
        ActorSystem.create(
            Behaviors.receive(Arrived.class)
                .onAnyMessage(
                    m -> {
                      delivered.countDown();
                      return Behaviors.same();
                    })
                .build(),
            "link-channel-memory");
    try {
      Materializer materializer = Materializer.matFromSystem(system);
      // Warm up the stream classes and the materializer on a small channel first.
      LinkTiming[] warmUp = new LinkTiming[warmUpLanes];
      for (int d = 0; d < warmUp.length; d++) {
        warmUp[d] = new EmulatedLink((round, share) -> FluidLink.constant(1e7 * share, 0));
      }
      send(system, materializer, warmUp).close();

      long base = usedAfterGc();
      LinkTiming[] links = new LinkTiming[lanes];
      for (int d = 0; d < lanes; d++) {
        double bps = 10e6 + d % 97 * 1e6; // a distinct rate per device, as drawn per device
        links[d] = new EmulatedLink((round, share) -> FluidLink.constant(bps * share, 5_000_000));
      }
      long linksOnly = usedAfterGc();
      long start = System.nanoTime();
      LinkChannel channel = send(system, materializer, links);
      if (!delivered.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException("not every transfer was delivered");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long afterDelivery = usedAfterGc();
      channel.close();
      // One more transfer per lane, paced against a clock that starts in an hour: every transfer
      // stays in flight (waiting in the channel's queue or the stage) while the heap is measured.
      Pacing later = Pacing.paced(1.0, System.nanoTime() + 3_600_000_000_000L, new PacingLag());
      LinkChannel waiting =
          LinkChannel.open(
              "waiting band",
              d -> links[d],
              d -> "device-" + d,
              lanes + 1,
              later,
              materializer,
              why -> System.err.println("channel failed: " + why));
      for (int d = 0; d < lanes; d++) {
        int lane = d;
        waiting.send(LinkChannel.Send.of(d, 100_000, 0, 1.0, system, ns -> new Arrived(lane, ns)));
      }
      long inFlight = usedAfterGc();
      double perLink = (double) (linksOnly - base) / lanes;
      double perLane = (double) (afterDelivery - base) / lanes;
      double perTransfer = (double) (inFlight - afterDelivery) / lanes;
      System.out.printf(
          Locale.ROOT,
          "lanes %d: device link alone %.0f B/lane; link + one transfer carried + channel %.0f"
              + " B/lane (%.2f KiB); one transfer in flight per lane %.0f B/lane;"
              + " %d transfers through one channel in %.2f s (%.0f/s)%n",
          lanes,
          perLink,
          perLane,
          perLane / 1024,
          perTransfer,
          lanes,
          seconds,
          lanes / seconds);
      // Keep the links reachable until measured.
      System.out.println("(checksum " + links.length + ")");
      // Its transfers are due in an hour: closed, the shutdown below is the end, not a failure.
      waiting.close();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Opens a virtual channel over {@code links} and sends one transfer on every lane. */
  private static LinkChannel send(
      ActorSystem<Arrived> system, Materializer materializer, LinkTiming[] links) {
    LinkChannel channel =
        LinkChannel.open(
            "memory band",
            d -> links[d],
            d -> "device-" + d,
            links.length + 1,
            Pacing.virtual(),
            materializer,
            why -> System.err.println("channel failed: " + why));
    for (int d = 0; d < links.length; d++) {
      int lane = d;
      channel.send(LinkChannel.Send.of(d, 100_000, 0, 1.0, system, ns -> new Arrived(lane, ns)));
    }
    return channel;
  }

  /** The retained heap in bytes: the lowest reading over several collections. */
  static long usedAfterGc() throws InterruptedException {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    // Several collections: the lowest reading is the retained heap.
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
