package io.splitemu.net.stream;

import io.splitemu.net.link.Link;
import java.util.PriorityQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * <p>Arrival instants are computed from the link model alone, so they are identical in virtual and
 * paced mode; pacing only decides when on the wall clock an element is emitted. Because the
 * instant already integrates r(t) over the transfer, a rate change mid-transfer is honoured.
 */
public final class ThrottledLink<T> extends GraphStage<FlowShape<Transfer<T>, Delivered<T>>> {

  /** Paced elements waiting for their wall-clock due time; bounds how far we read ahead. */
  private static final int MAX_PENDING = 1024;

  // A plain scheduled executor parks with sub-millisecond precision, unlike a coarse tick wheel.
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "splitemu-pacer");
            t.setDaemon(true);
            return t;
          });

  private final Link link;
  private final Pacing pacing;
  private final Inlet<Transfer<T>> in = Inlet.create("ThrottledLink.in");
  private final Outlet<Delivered<T>> out = Outlet.create("ThrottledLink.out");
  private final FlowShape<Transfer<T>, Delivered<T>> shape = FlowShape.of(in, out);

  private ThrottledLink(Link link, Pacing pacing) {
    this.link = link;
    this.pacing = pacing;
  }

  /** A flow that sends every transfer over {@code link} in arrival order of the stream. */
  public static <T> Flow<Transfer<T>, Delivered<T>, NotUsed> flow(Link link, Pacing pacing) {
    return Flow.fromGraph(new ThrottledLink<T>(link, pacing));
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
    Link.Delivery d = link.send(t.sendInstant(), t.bytes());
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
              push(out, carry(grab(in)));
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
            (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private final AsyncCallback<Long> wake = createAsyncCallback(due -> emitDue());
    private long seq;
    private long timerFor = Long.MAX_VALUE;

    PacedLogic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              Delivered<T> d = carry(grab(in));
              pending.add(
                  new Pending<>(pacing.dueNanoTime(d.arrival().nanos()), seq++, d));
              pullIfRoom();
              emitDue();
            }

            @Override
            public void onUpstreamFinish() {
              if (pending.isEmpty()) {
                completeStage();
              }
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

    private void pullIfRoom() {
      if (pending.size() < MAX_PENDING && !hasBeenPulled(in) && !isClosed(in)) {
        pull(in);
      }
    }

    private void emitDue() {
      Pending<T> head = pending.peek();
      if (head == null) {
        if (isClosed(in)) {
          completeStage();
        }
        return;
      }
      long now = System.nanoTime();
      if (head.due <= now) {
        if (isAvailable(out)) {
          pending.poll();
          pacing.lag().record(now - head.due);
          push(out, head.delivered);
          pullIfRoom();
          if (pending.isEmpty() && isClosed(in)) {
            completeStage();
          }
        }
        return;
      }
      if (timerFor != head.due || timerFor <= now) {
        timerFor = head.due;
        long due = head.due;
        TIMER.schedule(() -> wake.invoke(due), due - now, TimeUnit.NANOSECONDS);
      }
    }
  }
}
