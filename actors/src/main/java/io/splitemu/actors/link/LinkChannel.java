package io.splitemu.actors.link;

import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.actors.runtime.RunGuardian;
import io.splitemu.actors.wire.Chunks;
import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.UndeliverableException;
import io.splitemu.net.link.Link;
import io.splitemu.net.stream.Delivered;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.ThrottledLink;
import io.splitemu.net.stream.Transfer;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.AbruptTerminationException;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * One shared channel of the emulated network (an edge server's uplink or downlink band, a
 * hop-to-hop link) as one Pekko stream through the network-emulation throttled link stage, with the
 * senders (devices) as its lanes.
 *
 * <p>A sender hands the channel a {@link Send}: its lane, the bytes, the emulated send instant and
 * share of the band, the recipient and the message to stamp with the arrival instant. The stage
 * serves each transfer on its lane's {@link LinkTiming} (the device's link model at its current
 * round and share, a FIFO of its own), so the arrival instants are exactly those of calling {@link
 * LinkTiming#arrival} in the same order per lane; lanes are independent, so how transfers of
 * different lanes interleave in the stream changes nothing. The sink then tells the recipient the
 * stamped message. Virtual mode delivers at once; paced mode ({@link Pacing}) when the wall clock
 * reaches the arrival instant / speedup.
 *
 * <p>What the sender learns: the receiver computes link durations from the send and arrival
 * instants in its message. A sender that needs the arrival itself (a device totalling its uplink
 * time, or one that hangs) asks for a receipt, which the sink tells it <em>before</em> it delivers
 * the message, so the receipt is in the sender's mailbox before anything the delivery causes. A
 * sender that hangs at an emulated instant puts it in the send ({@code hangNs}): a transfer that
 * would arrive at or after it is withheld, and its receipt says so; the sender then tells its
 * partners what it tells them today when it hangs (the "missed" notices), and since a lane is a
 * FIFO every earlier transfer of the sender has been delivered before that.
 *
 * <p>A transfer its link says never arrives ({@link LinkTiming#NEVER}: a link fault with no end in
 * sight) is released at its send instant and withheld: its receipt says so, and without a receipt
 * the recipient is told the message stamped {@code NEVER}, the only news it gets.
 *
 * <p>Failure: a lane whose link can never deliver a transfer (an endless outage: {@link
 * UndeliverableException}, in paced mode after the transfers before it are out) or that throws
 * fails the stream; the channel then hands {@code failed} one line naming the lane, the channel and
 * the cause, and the owner ends the run with it. Stopping: {@link #close} completes the stream; a
 * materializer bound to the owner's context ({@code Materializer.createMaterializer(ctx)}) also
 * stops it with the owner, without a failure line, and whatever is still queued is dropped with the
 * run.
 *
 * <p>Cost per lane: nothing is materialised per lane; the channel keeps a function from lane to
 * link, so a device costs its {@link LinkTiming} and its transfers in flight.
 */
public final class LinkChannel {

  /**
   * The message a recipient gets, given the transfer's emulated arrival instant (ns); {@link
   * LinkTiming#NEVER} for a transfer without a receipt that never arrives (an endless link fault).
   */
  @FunctionalInterface
  public interface Stamp<M> {
    M at(long arrivalNs);
  }

  /** The receipt a sender gets: when its transfer arrived, and whether it was delivered. */
  @FunctionalInterface
  public interface Receipt<R> {
    R of(long sendNs, long arrivalNs, boolean delivered);
  }

  /**
   * One transfer handed to a channel; a local object (it holds functions), never an actor message.
   *
   * @param lane the sender's lane (a device id)
   * @param bytes bytes on the wire
   * @param sendNs emulated instant the first byte is handed to the link
   * @param share the sender's share (0, 1] of the band
   * @param to the recipient
   * @param message the recipient's message, stamped with the arrival instant
   * @param hangNs the sender hangs at this emulated instant: a transfer arriving at or after it is
   *     withheld ({@link Long#MAX_VALUE}: never)
   * @param sender where the receipt goes, or null for none
   * @param receipt the sender's receipt, or null for none
   */
  public record Send<M, R>(
      int lane,
      long bytes,
      long sendNs,
      double share,
      ActorRef<M> to,
      Stamp<? extends M> message,
      long hangNs,
      ActorRef<R> sender,
      Receipt<? extends R> receipt) {

    /** A transfer whose sender needs nothing back and never hangs. */
    public static <M> Send<M, Void> of(
        int lane, long bytes, long sendNs, double share, ActorRef<M> to, Stamp<? extends M> m) {
      return new Send<>(lane, bytes, sendNs, share, to, m, Long.MAX_VALUE, null, null);
    }

    /** The same transfer, with a receipt to {@code sender} and withheld from {@code hangNs} on. */
    public <Q> Send<M, Q> withReceipt(ActorRef<Q> sender, Receipt<? extends Q> r, long hangNs) {
      return new Send<>(lane, bytes, sendNs, share, to, message, hangNs, sender, r);
    }
  }

  private final String name;
  private final IntFunction<LinkTiming> lanes;
  private final IntFunction<String> laneNames;
  private final int capacity;
  private final BoundedSourceQueue<Transfer<Send<?, ?>>> queue;
  // A stamped message for another JVM above the frame crosses in parts.
  private final Chunks chunks;
  private volatile boolean closed;
  // The lane whose link failed, for the failure line, and the transfer; written on the stream's
  // thread.
  private volatile String failedLane;
  private volatile Send<?, ?> failedSend;

  private LinkChannel(
      String name,
      IntFunction<LinkTiming> lanes,
      IntFunction<String> laneNames,
      int capacity,
      Pacing pacing,
      Materializer materializer,
      Consumer<String> failed) {
    this.name = name;
    this.lanes = lanes;
    this.laneNames = laneNames;
    this.capacity = capacity;
    this.chunks = Chunks.get(materializer.system());
    var running =
        Source.<Transfer<Send<?, ?>>>queue(capacity)
            .via(ThrottledLink.carried(this::carry, pacing))
            .toMat(Sink.foreach(this::deliver), Keep.both())
            .run(materializer);
    this.queue = running.first();
    running
        .second()
        .whenComplete(
            (done, error) -> {
              // After close the owner is gone or going; an abrupt stop then is the run's end, and
              // so is one of the owner's materializer: the owner stopped, there is no one to tell.
              if (error != null && !closed && !ownerStopped(error)) {
                String lane = failedLane;
                failed.accept(
                    (lane == null ? "" : lane + " failed: ")
                        + name
                        + ": "
                        + RunGuardian.oneLine(error));
              }
            });
  }

  /**
   * Materialises one channel named {@code name} (for failure lines) on {@code materializer}.
   *
   * @param lanes each lane's link (a device's link model at its current round); the owner advances
   *     a link's round only when none of that lane's transfers is in the stream (at a barrier)
   * @param laneNames each lane's name for failure lines ({@code device-3})
   * @param capacity transfers that may wait in the channel at once; the senders bound what they
   *     have in flight (a device one transfer per direction), so more is a bug and fails the sender
   * @param failed told once, with one line, if the stream fails
   */
  public static LinkChannel open(
      String name,
      IntFunction<LinkTiming> lanes,
      IntFunction<String> laneNames,
      int capacity,
      Pacing pacing,
      Materializer materializer,
      Consumer<String> failed) {
    return new LinkChannel(name, lanes, laneNames, capacity, pacing, materializer, failed);
  }

  /**
   * The transfer whose link failed the channel (read it in {@code failed}), or null: none did yet,
   * or the stream failed otherwise.
   */
  public Send<?, ?> failedSend() {
    return failedSend;
  }

  /**
   * Lane {@code lane}'s link. Read it only where none of the lane's transfers is in the stream, or
   * in a stamp (after its transfer, before the next of its lane), as the owner advances its round.
   */
  public LinkTiming link(int lane) {
    return lanes.apply(lane);
  }

  /** The channel's name. */
  public String name() {
    return name;
  }

  /**
   * Hands a transfer to the channel; returns at once. After the channel failed or was closed the
   * transfer is dropped: the failure already ends the run, and a closed channel's run is over.
   *
   * @throws IllegalStateException if {@code capacity} transfers are already waiting
   */
  public void send(Send<?, ?> s) {
    QueueOfferResult r =
        queue.offer(new Transfer<>(s.bytes(), EmulatedInstant.ofNanos(s.sendNs()), s));
    if (r == QueueOfferResult.dropped()) {
      throw new IllegalStateException(
          name + ": more than " + capacity + " transfers waiting at once (lane " + s.lane() + ")");
    }
  }

  /**
   * Completes the stream: transfers already handed in are still delivered (paced: on time); a
   * channel that failed or stopped already is left as it is.
   */
  public void close() {
    closed = true;
    if (!queue.isCompleted()) {
      try {
        queue.complete();
      } catch (IllegalStateException alreadyDone) {
        // the stream failed or stopped meanwhile: there is nothing left to complete
      }
    }
  }

  private static boolean ownerStopped(Throwable error) {
    return error instanceof AbruptStageTerminationException
        || error instanceof AbruptTerminationException;
  }

  // On the stage's thread, in stream order: one call per transfer on the lane's FIFO link.
  private Link.Delivery carry(Transfer<Send<?, ?>> t) {
    Send<?, ?> s = t.payload();
    long arrival;
    try {
      arrival = lanes.apply(s.lane()).arrival(s.sendNs(), s.bytes(), s.share());
    } catch (RuntimeException e) {
      failedLane = laneNames.apply(s.lane());
      failedSend = s;
      throw e;
    }
    if (arrival == LinkTiming.NEVER) {
      // Never arrives (an endless link fault): nothing to wait for, so released at its send
      // instant, its last byte marked never.
      return new Link.Delivery(
          t.sendInstant(), EmulatedInstant.ofNanos(LinkTiming.NEVER), t.sendInstant(), 1);
    }
    // A LinkTiming tells only the arrival; the last byte is not known apart from it here.
    EmulatedInstant at = EmulatedInstant.ofNanos(arrival);
    return new Link.Delivery(t.sendInstant(), at, at, 1);
  }

  private void deliver(Delivered<Send<?, ?>> d) {
    boolean never = d.delivery().lastByte().nanos() == LinkTiming.NEVER;
    deliver(d.payload(), never ? LinkTiming.NEVER : d.arrival().nanos());
  }

  private <M, R> void deliver(Send<M, R> s, long arrivalNs) {
    boolean delivered = arrivalNs < s.hangNs();
    // The receipt first: it reaches the sender before anything the delivery causes.
    if (s.sender() != null) {
      s.sender().tell(s.receipt().of(s.sendNs(), arrivalNs, delivered));
    }
    if (delivered) {
      chunks.tell(s.to(), s.message().at(arrivalNs));
    } else if (arrivalNs == LinkTiming.NEVER && s.sender() == null) {
      // Without a receipt the stamp is the only news: the recipient learns it never arrives.
      chunks.tell(s.to(), s.message().at(LinkTiming.NEVER));
    }
  }
}
