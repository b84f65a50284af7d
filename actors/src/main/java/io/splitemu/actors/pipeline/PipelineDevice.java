package io.splitemu.actors.pipeline;

import io.splitemu.actors.runtime.EmulatedCpu;
import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.model.wire.ClusterMessage;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * An MP-SL device: it holds the head (first units) and the tail (last units, the loss and the
 * labels), its processor and its uplink and downlink, and keeps one batch in flight through the
 * hops of its lane. All its work is local, so it answers every hop message at once with the
 * emulated instant at which its next message is available; the hops rely on that for their
 * conservative synchronisation.
 */
public final class PipelineDevice extends AbstractBehavior<PipelineDevice.Command> {

  /** What a device accepts. */
  public sealed interface Command extends ClusterMessage {}

  /** Start an epoch with the model available at {@code startNs}. */
  public record StartEpoch(int epoch, long startNs) implements Command {}

  /** The last hop sent the batch's activations at {@code emittedNs}. */
  public record ForwardDone(int epoch, int batch, long emittedNs) implements Command {}

  /** The first hop sent the gradient at the head's cut at {@code emittedNs}. */
  public record BackwardDone(int epoch, int batch, long emittedNs) implements Command {}

  /** The aggregated head and tail are ready for download at {@code atNs}. */
  public record Aggregated(int epoch, long atNs) implements Command {}

  /**
   * Fault: the device stops answering from the start of epoch {@code epoch} (or -1), or from the
   * emulated instant {@code atNs} (or -1): nothing it sends arrives at or after it. It then tells
   * every hop of its lane ({@link ComputeHop.Withdraw}) and the run ({@link Missed}) that no more
   * will come, which the emulation knows, so nobody waits on the wall clock.
   */
  public record HangAt(int epoch, long atNs) implements Command {}

  /**
   * A hung device misses epoch {@code epoch}'s FedAvg barrier; silent since {@code sinceNs} (its
   * hang instant, or -1 if hung from the epoch's start).
   */
  public record Missed(int device, int epoch, long sinceNs) implements PipelineRun.Command {}

  /**
   * A device ended its last batch of the epoch at {@code finishNs}; its head and tail reach the
   * aggregator at {@code uploadedNs}.
   */
  public record EpochFinished(int device, int epoch, long finishNs, long uploadedNs)
      implements PipelineRun.Command {}

  /**
   * A device holds the aggregated model at {@code atNs}; the epoch's totals of the device.
   *
   * @param computeNs processor time of the head and tail
   * @param uplinkNs time from hand-over to arrival of every upload (queueing included)
   * @param downlinkNs the same for downloads
   */
  public record ModelReceived(
      int device,
      int epoch,
      long atNs,
      long computeNs,
      long uplinkNs,
      long downlinkNs,
      long bytesUp,
      long bytesDown)
      implements PipelineRun.Command {}

  private final int id;
  private final int batches;
  private final PipelinePlan.DeviceCosts costs;
  private final ActorRef<ComputeHop.Command> first;
  private final ActorRef<ComputeHop.Command> last;
  private final ActorRef<PipelineRun.Command> run;
  private final List<ActorRef<ComputeHop.Command>> lane;
  private final EmulatedCpu cpu;
  private final LinkTiming up;
  private final LinkTiming down;

  private int epoch;
  private int batch;
  private long computeNs;
  private long uplinkNs;
  private long downlinkNs;
  private long bytesUp;
  private long bytesDown;
  private int hangEpoch = Integer.MAX_VALUE;
  private long hangAtNs = Long.MAX_VALUE;
  private boolean hung;
  private int forwardSent;
  private int backwardSent;

  /** A device serving {@code batches} batches per epoch through the chain {@code lane}. */
  public static Behavior<Command> create(
      int id,
      int batches,
      PipelinePlan.DeviceCosts costs,
      List<ActorRef<ComputeHop.Command>> lane,
      ActorRef<PipelineRun.Command> run,
      LinkTiming up,
      LinkTiming down) {
    return Behaviors.setup(ctx -> new PipelineDevice(ctx, id, batches, costs, lane, run, up, down));
  }

  private PipelineDevice(
      ActorContext<Command> ctx,
      int id,
      int batches,
      PipelinePlan.DeviceCosts costs,
      List<ActorRef<ComputeHop.Command>> lane,
      ActorRef<PipelineRun.Command> run,
      LinkTiming up,
      LinkTiming down) {
    super(ctx);
    this.id = id;
    this.batches = batches;
    this.costs = costs;
    this.lane = List.copyOf(lane);
    this.first = lane.get(0);
    this.last = lane.get(lane.size() - 1);
    this.run = run;
    this.cpu = new EmulatedCpu("device-" + id);
    this.up = up;
    this.down = down;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StartEpoch.class, this::onStartEpoch)
        .onMessage(ForwardDone.class, this::onForwardDone)
        .onMessage(BackwardDone.class, this::onBackwardDone)
        .onMessage(Aggregated.class, this::onAggregated)
        .onMessage(HangAt.class, this::onHangAt)
        .build();
  }

  private Behavior<Command> onHangAt(HangAt h) {
    if (h.epoch() > 0) {
      hangEpoch = Math.min(hangEpoch, h.epoch());
    }
    if (h.atNs() >= 0) {
      hangAtNs = Math.min(hangAtNs, h.atNs());
    }
    return this;
  }

  /**
   * Whether a message arriving at {@code instantNs} falls after the hang; the first time it does,
   * the device withdraws from its lane's hops and the epoch's barrier.
   */
  private boolean hangsBy(long instantNs) {
    if (!hung && (instantNs >= hangAtNs || epoch >= hangEpoch)) {
      hung = true;
      for (ActorRef<ComputeHop.Command> h : lane) {
        h.tell(new ComputeHop.Withdraw(epoch, id, forwardSent, backwardSent));
      }
      run.tell(new Missed(id, epoch, epoch >= hangEpoch ? -1 : hangAtNs));
    }
    return hung;
  }

  private Behavior<Command> onStartEpoch(StartEpoch s) {
    epoch = s.epoch();
    forwardSent = 0;
    backwardSent = 0;
    if (hangsBy(s.startNs())) {
      return this;
    }
    batch = 0;
    computeNs = 0;
    uplinkNs = 0;
    downlinkNs = 0;
    bytesUp = 0;
    bytesDown = 0;
    sendForward(s.startNs());
    return this;
  }

  private Behavior<Command> onForwardDone(ForwardDone f) {
    if (hung) {
      return this;
    }
    long arrived = download(f.emittedNs(), costs.tailCutBytes());
    long tailEnd = compute(arrived, costs.tailS());
    long sent = upload(tailEnd, costs.tailCutBytes());
    if (hangsBy(sent)) {
      return this;
    }
    backwardSent++;
    last.tell(new ComputeHop.Job(epoch, id, false, f.batch(), sent));
    return this;
  }

  private Behavior<Command> onBackwardDone(BackwardDone b) {
    if (hung) {
      return this;
    }
    long arrived = download(b.emittedNs(), costs.cutBytes());
    long headEnd = compute(arrived, costs.headBackwardS());
    batch++;
    if (batch < batches) {
      sendForward(headEnd);
    } else {
      long uploaded = upload(headEnd, costs.modelBytes());
      if (hangsBy(uploaded)) {
        return this;
      }
      run.tell(new EpochFinished(id, epoch, headEnd, uploaded));
    }
    return this;
  }

  private Behavior<Command> onAggregated(Aggregated a) {
    long at = download(a.atNs(), costs.modelBytes());
    run.tell(new ModelReceived(id, epoch, at, computeNs, uplinkNs, downlinkNs, bytesUp, bytesDown));
    return this;
  }

  private void sendForward(long readyNs) {
    long headEnd = compute(readyNs, costs.headForwardS());
    long sent = upload(headEnd, costs.cutBytes());
    if (hangsBy(sent)) {
      return;
    }
    forwardSent++;
    first.tell(new ComputeHop.Job(epoch, id, true, batch, sent));
  }

  private long compute(long readyNs, double seconds) {
    long end = cpu.end(readyNs, seconds, 1.0);
    computeNs += end - readyNs;
    return end;
  }

  private long upload(long sendNs, long bytes) {
    long at = up.arrival(sendNs, bytes, 1.0);
    uplinkNs += at - sendNs;
    bytesUp += bytes;
    return at;
  }

  private long download(long sendNs, long bytes) {
    long at = down.arrival(sendNs, bytes, 1.0);
    downlinkNs += at - sendNs;
    bytesDown += bytes;
    return at;
  }
}
