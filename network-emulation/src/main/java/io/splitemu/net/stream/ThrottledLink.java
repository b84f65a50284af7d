package io.splitemu.net.stream;

import io.splitemu.net.UndeliverableException;
import io.splitemu.net.link.Link;
import java.util.PriorityQueue;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * The throttled link stage: carries {@link Transfer}s over a {@link Link} and emits each payload
 * with its emulated arrival instant.
 *
 * <p>Arrival instants are computed from the link model alone, in stream order (the link is a FIFO:
 * each transfer queues behind the earlier ones), so they are identical in virtual and paced mode;
 * pacing only decides when on the wall clock an element is emitted. Because the instant already
 * integrates r(t) (or counts packet opportunities) over the whole transfer, a rate change or an
 * outage in the middle of a transfer is honoured in both modes.
 *
 * <p>Virtual mode emits in stream order at once. Paced mode emits each element once {@link
 * System#nanoTime()} reaches {@link Pacing#dueNanoTime}, never earlier, in order of arrival instant
 * (ties in stream order); on a plain FIFO link that is stream order too, but an extra-delay fault
 * window can let a later transfer arrive first, and then it is emitted first. Paced mode records
 * every element's lag behind its due time in {@link Pacing#lag()}. Once the run releases at once
 * ({@link PacingLag#releaseAtOnce}), paced mode emits every element without waiting for its due
 * time, still in that order; the instants are the same.
 *
 * <p>A transfer the link can never deliver (an endless outage, a stopped trace) fails the stream
 * with an {@link UndeliverableException} naming the transfer; in paced mode the elements sent
 * before it are still emitted at their due times first, as in virtual mode.
 */
public final class ThrottledLink<T> extends GraphStage<FlowShape<Transfer<T>, Delivered<T>>> {

  /** Paced elements waiting for their wall-clock due time; bounds how far the stage reads ahead. */
  private static final int MAX_PENDING = 1024;

  // Serves each transfer on its link: one link for a plain link, a lane's own link for a shared
  // channel.
  private final Carrier<T> route;
  private final Pacing pacing;
  private final Inlet<Transfer<T>> in = Inlet.create("ThrottledLink.in");
  private final Outlet<Delivered<T>> out = Outlet.create("ThrottledLink.out");
  private final FlowShape<Transfer<T>, Delivered<T>> shape = FlowShape.of(in, out);

  /**
   * Serves one transfer on the link it belongs to and says when it arrives; called in stream order
   * on the stage's thread, so a lane's transfers reach its link in the order they were sent.
   */
  @FunctionalInterface
  public interface Carrier<T> {
    /**
     * The transfer's delivery; the lane's FIFO state advances past it.
     *
     * @throws UndeliverableException if the transfer can never arrive
     */
    Link.Delivery send(Transfer<T> transfer);
  }

  private ThrottledLink(Carrier<T> route, Pacing pacing) {
    this.route = route;
    this.pacing = pacing;
  }

  /**
   * A flow that sends every transfer over {@code link} in stream order; the link must not be used
   * by anyone else while the flow runs, or the FIFO order would mix.
   */
  public static <T> Flow<Transfer<T>, Delivered<T>, NotUsed> flow(Link link, Pacing pacing) {
    return Flow.fromGraph(new ThrottledLink<T>(t -> link.send(t.sendInstant(), t.bytes()), pacing));
  }

  /**
   * One stream for a shared channel (an edge server's uplink or downlink band, a hop-to-hop link)
   * whose senders are its substreams: each transfer is served on the link of its lane ({@code
   * laneOf} of the payload, {@code links} of the lane), each lane a FIFO of its own, so the arrival
   * instants are those of one {@link #flow} per lane. A lane costs only its link: nothing per lane
   * is materialised. Virtual mode emits in stream order; paced mode emits each element at its due
   * time, the ones waiting in the stage in order of arrival instant across all lanes.
   */
  public static <T> Flow<Transfer<T>, Delivered<T>, NotUsed> channel(
      ToIntFunction<T> laneOf, IntFunction<Link> links, Pacing pacing) {
    return Flow.fromGraph(
        new ThrottledLink<T>(
            t -> links.apply(laneOf.applyAsInt(t.payload())).send(t.sendInstant(), t.bytes()),
            pacing));
  }

  /**
   * One stream for a shared channel whose lanes are not plain {@link Link}s: {@code carrier} serves
   * each transfer on its lane (for instance a device's link model at its current round and share of
   * the band) and must keep each lane a FIFO of its own, as {@link #channel} does. Pacing and
   * failure are those of {@link #channel}.
   */
  public static <T> Flow<Transfer<T>, Delivered<T>, NotUsed> carried(
      Carrier<T> carrier, Pacing pacing) {
    return Flow.fromGraph(new ThrottledLink<T>(carrier, pacing));
  }

  @Override
  public FlowShape<Transfer<T>, Delivered<T>> shape() {
    return shape;
  }

  private record Pending<T>(long due, long seq, Delivered<T> delivered) {}

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return pacing.paced() ? new PacedLogic() : new VirtualLogic();
  }

  private Delivered<T> carry(Transfer<T> t) {
    Link.Delivery d;
    try {
      d = route.send(t);
    } catch (UndeliverableException e) {
      throw new UndeliverableException(
          "transfer of "
              + t.bytes()
              + " bytes sent at "
              + t.sendInstant()
              + " can never arrive: "
              + e.getMessage());
    }
    return new Delivered<>(t.payload(), d.arrival(), d);
  }

  private final class VirtualLogic extends GraphStageLogic {
    VirtualLogic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              // Failed here rather than thrown: a thrown exception is also logged with its stack
              // trace, and the owner already reports the failure in one line.
              Delivered<T> d;
              try {
                d = carry(grab(in));
              } catch (RuntimeException e) {
                failStage(e);
                return;
              }
              push(out, d);
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              pull(in);
            }
          });
    }
  }

  private final class PacedLogic extends GraphStageLogic {
    private final PriorityQueue<Pending<T>> pending =
        new PriorityQueue<>(
            (a, b) -> {
              // Due times are arrivals scaled and rounded up, so two arrivals can share one: the
              // earlier arrival still leaves first, as the class says; then stream order.
              if (a.due != b.due) {
                return Long.compare(a.due, b.due);
              }
              int byArrival = a.delivered.arrival().compareTo(b.delivered.arrival());
              return byArrival != 0 ? byArrival : Long.compare(a.seq, b.seq);
            });
    private final AsyncCallback<Long> wake = createAsyncCallback(this::onWake);
    private long seq;

    /** The one outstanding wake-up and the due time it is for; null when none is set. */
    private Pacer.Task timer;

    private long timerDue;

    /** The link's refusal of a transfer, raised once the elements before it are out. */
    private RuntimeException failure;

    PacedLogic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              Transfer<T> t = grab(in);
              try {
                Delivered<T> d = carry(t);
                long due = pacing.dueNanoTime(d.arrival());
                pending.add(new Pending<>(due, seq++, d));
                pacing.lag().pending(due);
              } catch (RuntimeException e) { // an undeliverable transfer, or a link that throws
                failure = e;
                cancel(in);
              }
              pullIfRoom();
              emitDue();
            }

            @Override
            public void onUpstreamFinish() {
              emitDue(); // completes at once when nothing is pending
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              emitDue();
            }
          });
    }

    @Override
    public void preStart() {
      pull(in);
    }

    @Override
    public void postStop() {
      if (timer != null) {
        timer.cancel();
      }
      // What a cancelled or failed stage still holds will never leave: it is not overdue.
      for (Pending<T> p : pending) {
        pacing.lag().dropped(p.due);
      }
      pending.clear();
    }

    private void onWake(long due) {
      if (timer != null && due == timerDue) {
        timer = null;
      }
      emitDue();
    }

    private void pullIfRoom() {
      if (failure == null && pending.size() < MAX_PENDING && !isClosed(in) && !hasBeenPulled(in)) {
        pull(in);
      }
    }

    /** Emits the head if it is due and wanted; otherwise makes sure a wake-up is set for it. */
    private void emitDue() {
      Pending<T> head = pending.peek();
      if (head == null) {
        finishIfDrained();
        return;
      }
      long now = System.nanoTime();
      if (head.due <= now || pacing.lag().releasingAtOnce()) {
        if (isAvailable(out)) { // otherwise the next onPull emits it
          pending.poll();
          pacing.lag().released(head.due, now);
          push(out, head.delivered);
          pullIfRoom();
          if (pending.isEmpty()) {
            finishIfDrained();
          }
        }
        return;
      }
      if (timer == null || head.due < timerDue) {
        if (timer != null) {
          timer.cancel();
        }
        long due = head.due;
        timerDue = due;
        timer = Pacer.at(due, pacing.lag(), () -> wake.invoke(due));
      }
    }

    private void finishIfDrained() {
      if (failure != null) {
        failStage(failure);
      } else if (isClosed(in)) {
        completeStage();
      }
    }
  }
}
