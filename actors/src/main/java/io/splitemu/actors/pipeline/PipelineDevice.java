package io.splitemu.actors.pipeline;

import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.runtime.EmulatedCpu;
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
 * labels) and its processor, and keeps one batch in flight through the hops of its lane. All its
 * work is local, so it answers every hop message as soon as it has it; the hops rely on that for
 * their conservative synchronisation.
 *
 * <p>Its transfers pass through the link streams ({@link LinkChannel}): it sends every upload
 * (activations to the first hop, the tail's gradient to the last, head and tail to the aggregator)
 * into its lane of the uplink channel, stamped there with the emulated arrival instant, and gets
 * each download (the last hop's activations, the first hop's gradient, the aggregate) from the
 * downlink channel with its send and arrival instants. The uplink's receipt ({@link Uploaded})
 * tells it its upload times and, when it hangs, that the upload was withheld.
 */
public final class PipelineDevice extends AbstractBehavior<PipelineDevice.Command> {

  /** What a device accepts. */
  public sealed interface Command extends ClusterMessage {}

  /** Start an epoch with the model available at {@code startNs}. */
  public record StartEpoch(int epoch, long startNs) implements Command {}

  /**
   * The last hop's activations of a batch, sent at {@code emittedNs}, arrived at {@code arrivalNs}.
   */
  public record ForwardDone(int epoch, int batch, long emittedNs, long arrivalNs)
      implements Command {}

  /** The first hop's gradient at the head's cut, sent at {@code emittedNs}, arrived then. */
  public record BackwardDone(int epoch, int batch, long emittedNs, long arrivalNs)
      implements Command {}

  /** The aggregated head and tail, ready for download at {@code atNs}, arrived at arrivalNs. */
  public record Aggregated(int epoch, long atNs, long arrivalNs) implements Command {}

  /** What a device uploads. */
  public enum Upload {
    ACTIVATIONS,
    TAIL_GRADIENT,
    MODEL
  }

  /**
   * The uplink channel's receipt of an upload: sent at {@code sendNs}, arrived at {@code
   * arrivalNs}, and delivered, or withheld because the device hangs by then.
   */
  public record Uploaded(Upload what, long bytes, long sendNs, long arrivalNs, boolean delivered)
      implements Command {}

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
  private final LinkChannel uplinks;

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

  /**
   * A device serving {@code batches} batches per epoch through the chain {@code lane}, uploading
   * into its lane ({@code id}) of {@code uplinks}.
   */
  public static Behavior<Command> create(
      int id,
      int batches,
      PipelinePlan.DeviceCosts costs,
      List<ActorRef<ComputeHop.Command>> lane,
      ActorRef<PipelineRun.Command> run,
      LinkChannel uplinks) {
    return Behaviors.setup(ctx -> new PipelineDevice(ctx, id, batches, costs, lane, run, uplinks));
  }

  private PipelineDevice(
      ActorContext<Command> ctx,
      int id,
      int batches,
      PipelinePlan.DeviceCosts costs,
      List<ActorRef<ComputeHop.Command>> lane,
      ActorRef<PipelineRun.Command> run,
      LinkChannel uplinks) {
    super(ctx);
    this.id = id;
    this.batches = batches;
    this.costs = costs;
    this.lane = List.copyOf(lane);
    this.first = lane.get(0);
    this.last = lane.get(lane.size() - 1);
    this.run = run;
    this.cpu = new EmulatedCpu("device-" + id);
    this.uplinks = uplinks;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StartEpoch.class, this::onStartEpoch)
        .onMessage(ForwardDone.class, this::onForwardDone)
        .onMessage(BackwardDone.class, this::onBackwardDone)
        .onMessage(Aggregated.class, this::onAggregated)
        .onMessage(Uploaded.class, this::onUploaded)
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
    long arrived = downloaded(f.emittedNs(), f.arrivalNs(), costs.tailCutBytes());
    long tailEnd = compute(arrived, costs.tailS());
    int e = epoch;
    int me = id;
    int b = f.batch();
    upload(
        Upload.TAIL_GRADIENT,
        tailEnd,
        costs.tailCutBytes(),
        last,
        ns -> new ComputeHop.Job(e, me, false, b, ns));
    return this;
  }

  private Behavior<Command> onBackwardDone(BackwardDone b) {
    if (hung) {
      return this;
    }
    long arrived = downloaded(b.emittedNs(), b.arrivalNs(), costs.cutBytes());
    long headEnd = compute(arrived, costs.headBackwardS());
    batch++;
    if (batch < batches) {
      sendForward(headEnd);
    } else {
      int e = epoch;
      int me = id;
      upload(
          Upload.MODEL,
          headEnd,
          costs.modelBytes(),
          run,
          ns -> new EpochFinished(me, e, headEnd, ns));
    }
    return this;
  }

  private Behavior<Command> onAggregated(Aggregated a) {
    long at = downloaded(a.atNs(), a.arrivalNs(), costs.modelBytes());
    run.tell(new ModelReceived(id, epoch, at, computeNs, uplinkNs, downlinkNs, bytesUp, bytesDown));
    return this;
  }

  /**
   * An upload's receipt: the upload's time counts whether or not it was delivered (as the link
   * carried it); one withheld means the device hangs, after every earlier upload was delivered.
   */
  private Behavior<Command> onUploaded(Uploaded u) {
    uplinkNs += u.arrivalNs() - u.sendNs();
    bytesUp += u.bytes();
    if (!u.delivered()) {
      hangsBy(u.arrivalNs());
      return this;
    }
    if (u.what() == Upload.ACTIVATIONS) {
      forwardSent++;
    } else if (u.what() == Upload.TAIL_GRADIENT) {
      backwardSent++;
    }
    return this;
  }

  private void sendForward(long readyNs) {
    long headEnd = compute(readyNs, costs.headForwardS());
    int e = epoch;
    int me = id;
    int b = batch;
    upload(
        Upload.ACTIVATIONS,
        headEnd,
        costs.cutBytes(),
        first,
        ns -> new ComputeHop.Job(e, me, true, b, ns));
  }

  private long compute(long readyNs, double seconds) {
    long end = cpu.end(readyNs, seconds, 1.0);
    computeNs += end - readyNs;
    return end;
  }

  /**
   * Hands an upload to the uplink channel: {@code to} gets {@code message} stamped with its
   * arrival, unless it arrives at or after the device's hang instant; this device gets the receipt.
   */
  private <M> void upload(
      Upload what, long sendNs, long bytes, ActorRef<M> to, LinkChannel.Stamp<M> message) {
    uplinks.send(
        LinkChannel.Send.of(id, bytes, sendNs, 1.0, to, message)
            .withReceipt(
                getContext().getSelf(),
                (sent, arrived, delivered) -> new Uploaded(what, bytes, sent, arrived, delivered),
                hangAtNs));
  }

  /** A download's time, from its send and arrival instants; returns the arrival. */
  private long downloaded(long sendNs, long arrivalNs, long bytes) {
    downlinkNs += arrivalNs - sendNs;
    bytesDown += bytes;
    return arrivalNs;
  }
}
