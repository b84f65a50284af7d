package io.splitemu.actors.runtime;

import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.wire.Chunks;
import io.splitemu.model.data.Batch;
import io.splitemu.model.data.ClassLabels;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.wire.ClusterMessage;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One emulated device: its data shard, its device-side slice, its compute resource and its uplink
 * and downlink; every reply carries the emulated instant at which it reaches the server.
 *
 * <p>Its transfers pass through its edge server's link channels ({@link EdgeBands}): it hands every
 * upload (activations with their labels, models) to the uplink band, which stamps the reply with
 * its arrival and tells the device a receipt ({@link Carried}) first, and every download (model
 * broadcast, gradient, aggregated model) to the downlink band as the server's request reaches it
 * (it alone knows the sizes at its cut), going on when it arrives ({@link Arrived}).
 *
 * <p>In timing fidelity the slice is absent and payloads are sizes only; the instants are computed
 * by exactly the same code, so both fidelities give the same emulated times.
 */
public final class Device extends ExtensibleBehavior<Device.Command> {

  /** What a device accepts. */
  public sealed interface Command extends ClusterMessage {}

  /**
   * The device leaves a cluster's run: at the run's end its sharded entity stops ({@link
   * ClusterMember}), and when its member is lost the supervisor's reference to it answers for it as
   * a crashed device ({@link ClusterRun}); a device in one JVM never gets it.
   */
  public enum Retire implements Command {
    INSTANCE
  }

  /**
   * Sharding's stop message to a device entity whose shard it hands over to another member (its
   * member leaves the cluster gracefully): the entity of a running device tells the run's owner
   * that the device is gone ({@link ClusterRun.DeviceHandedOff}), since a request it was answering,
   * or one sharding dropped during the hand-over, is lost with it; then it stops. A device never
   * gets it.
   */
  public enum HandOff implements Command {
    INSTANCE
  }

  /**
   * Build this device's sharded entity now: a cluster's run places every device before its first
   * round ({@link ClusterRun}), so that starting thousands of entities is not inside a phase's
   * wall-clock watchdog; the entity never passes it to the device, and one that runs ignores it.
   */
  public enum Place implements Command {
    INSTANCE
  }

  /**
   * To a sharded entity whose run is not ready on its member yet ({@link ClusterMember}): {@code
   * INSTANCE}, the run was loaded, wired or ended there, so it looks again; {@code EXPIRED}, its
   * wait is over. A device never gets it.
   */
  public enum AwaitRun implements Command {
    INSTANCE,
    EXPIRED
  }

  /**
   * Command {@code seq} (from 0) of a cluster's run to a sharded device entity: an entity that
   * starts on a later one was re-created by sharding after its member went away, without its state
   * ({@link ClusterMember}); a device in one JVM never gets it. {@code epoch} is that of the last
   * restore sent to the device before it ({@link Restore}; 0: none): what an entity reports of
   * itself carries it, so that the run drops a report about an incarnation older than the device's
   * last restore (one that came after that restore's answer).
   */
  public record Sequenced(long seq, Command command, int epoch) implements Command {}

  /** A phase's request; a hung device answers it by telling the barrier it missed the phase. */
  public sealed interface Request extends Command {
    /** The phase's barrier. */
    ActorRef<Barrier.Command> replyTo();
  }

  /**
   * Start of a cluster visit: receive the device-side model (charged on the downlink at the full
   * band when {@code broadcast}, and without it, sfl-v1's start, when the device missed a reply
   * since it last received an aggregate: it holds no current model, docs/faults.md), take this
   * round's compute factor and link shares. A {@code cut} other than the device's (a CPSL re-cut;
   * -1: the cut never moves) moves the device there first: it rebuilds its slice at the cut from
   * {@code params} and takes that cut's costs, so the cut and the weights arrive in the one message
   * the visit starts with.
   */
  public record BeginVisit(
      int round,
      long sendNs,
      INDArray params,
      int cut,
      boolean broadcast,
      double computeFactor,
      double upShare,
      double downShare,
      ActorRef<Barrier.Command> replyTo)
      implements Request {}

  /** One barrier step: forward a batch and send the activations and labels up. */
  public record Step(int step, long startNs, ActorRef<Barrier.Command> replyTo)
      implements Request {}

  /** The gradient at the cut for a barrier step. */
  public record Gradient(
      int step, INDArray gradient, long sendNs, ActorRef<Barrier.Command> replyTo)
      implements Request {}

  /**
   * Run {@code steps} steps against this device's own server copy, one after another; 0 means one
   * pass over the device's own shard.
   */
  public record RunLocal(
      int steps,
      long startNs,
      ActorRef<EdgeServer.Command> server,
      ActorRef<Barrier.Command> replyTo)
      implements Request {}

  /**
   * Run a round of this device's own split (split schemes): rebuild the device slice at {@code cut}
   * from {@code params} (null in timing fidelity), then run the plan's steps at this round's
   * compute factor against the device's server copy at the plan's costs, shares and server rate;
   * without the plan's aggregation barrier the device-side model goes up right after the steps.
   */
  public record RunSplit(
      int round,
      long startNs,
      double computeFactor,
      SplitPolicy.DevicePlan plan,
      int cut,
      INDArray params,
      ActorRef<EdgeServer.Command> server,
      ActorRef<Barrier.Command> replyTo)
      implements Request {}

  /** The gradient at the cut of a step against the device's own server copy. */
  public record LocalGradient(int step, INDArray gradient, long sendNs) implements Command {}

  /** Send the device-side model up for aggregation. */
  public record Upload(long sendNs, ActorRef<Barrier.Command> replyTo) implements Request {}

  /**
   * Receive the aggregated device-side model (SplitFed v1's download at the end of a round), a
   * broadcast charged at the full band.
   */
  public record Download(long sendNs, INDArray params, ActorRef<Barrier.Command> replyTo)
      implements Request {}

  /**
   * Fault: the device stops answering from now on. It stays alive and tells each barrier that asks
   * {@link Barrier.Missed}: the emulation knows the reply will never come, and the server records
   * the device missing at its emulated deadline.
   */
  public enum Hang implements Command {
    INSTANCE
  }

  /**
   * Fault at an emulated instant: nothing the device sends reaches the server at {@code atNs} or
   * later; the first reply that would is not sent and the device is hung from then on.
   */
  public record HangAt(long atNs) implements Command {}

  /**
   * Fault: the device crashes at the emulated instant {@code atNs} (as {@link HangAt}), or now with
   * {@code atNs < 0} (as {@link Hang}); it is silent as if hung, and what it held in memory (its
   * slice's optimizer state, the batches drawn since its last saved state) is lost: a {@link
   * Resume} brings back its last saved state (docs/faults.md).
   */
  public record Crash(long atNs) implements Command {}

  /**
   * A crash is scheduled for this device: it saves its state now (a round's start, or the run's),
   * unless it is silent: the model it holds (the one it held at the last round's end) and its batch
   * cursor, what a crash resumes from.
   */
  public enum SaveState implements Command {
    INSTANCE
  }

  /**
   * The device's hang or crash ended at {@code atNs} (a round's start): it answers again from now
   * on; after a crash, one it met or one that struck while it was silent already (at or before
   * {@code atNs}), it first takes its last saved state back.
   */
  public record Resume(long atNs) implements Command {}

  /**
   * The instants at which the device's silences not met yet start: {@code hangAtNs} of its hangs
   * and crashes, {@code crashAtNs} of its crashes ({@link Long#MAX_VALUE}: none). A window found
   * empty (docs/faults.md) is taken back with it; a device silent already stays so.
   */
  public record Rearm(long hangAtNs, long crashAtNs) implements Command {}

  /**
   * Fault: from {@code fromNs} until {@code untilNs} (exclusive; {@link Long#MAX_VALUE} when not
   * yet known) the device's compute runs {@code factor} times slower; window {@code key} is
   * replaced by this one (a round's start or end becomes known as the run reaches it).
   */
  public record Slowdown(int key, long fromNs, long untilNs, double factor) implements Command {}

  /**
   * On a cluster: round {@code round} started at emulated {@code startNs}, told to the device's own
   * links before any transfer of the round (in one JVM the supervisor tells the links itself), so
   * that link faults given at a round's start take this instant.
   */
  public record RoundStarted(int round, long startNs) implements Command {}

  /** A message of a device's MP-SL pipeline role ({@link PipelineRole}). */
  public sealed interface Pipelined extends Command {}

  /**
   * Start an MP-SL epoch with the model available at {@code startNs}; {@code rejoin}: the device
   * was given up in the epoch before (survival.absent = drop-for-round) and holds no current model,
   * so it is asked again at {@code startNs}, the aggregate's readiness, and downloads it first
   * ({@link AggregateFetched}).
   */
  public record StartEpoch(int epoch, long startNs, boolean rejoin) implements Pipelined {

    /** The start of a device that holds the aggregate. */
    public StartEpoch(int epoch, long startNs) {
      this(epoch, startNs, false);
    }
  }

  /**
   * A download of a device's pipeline role, stamped by the device's lane of its lane's downlink
   * channel: it arrived at {@code arrivalNs}, and the lane's link was then down for good since
   * {@code downForGoodNs} ({@link LinkTiming#NEVER}: it was not) with {@code lostBytes} lost so far
   * (message loss). On a cluster the channel is on the hops' member, and the device's own copy of
   * its downlink takes these ({@link LinkTiming#follow}), as it would read them off the one link in
   * one JVM.
   */
  public sealed interface PipelineDownload extends Pipelined {
    long arrivalNs();

    long downForGoodNs();

    long lostBytes();
  }

  /** Makes a {@link PipelineDownload} from its arrival and its link's state after it. */
  @FunctionalInterface
  public interface DownloadStamp {
    PipelineDownload at(long arrivalNs, long downForGoodNs, long lostBytes);
  }

  /**
   * The stamp of a download to device {@code device} through {@code channel}: {@code make} given
   * the arrival and the device's lane's link state after the transfer, read when the channel stamps
   * it (a device has one download in flight, so nothing else of its lane is carried meanwhile).
   */
  public static LinkChannel.Stamp<PipelineDownload> download(
      LinkChannel channel, int device, DownloadStamp make) {
    return ns -> {
      LinkTiming link = channel.link(device);
      return make.at(ns, link.downForGoodNs(), link.lostBytes());
    };
  }

  /**
   * A rejoining device's download of the aggregate (docs/faults.md "Device faults on mpsl"), ready
   * for it at {@code readyNs}, arrived at {@code arrivalNs}: its epoch {@code epoch}'s first batch
   * follows.
   */
  public record AggregateFetched(
      int epoch, long readyNs, long arrivalNs, long downForGoodNs, long lostBytes)
      implements PipelineDownload {}

  /**
   * The last hop's activations of a batch, sent at {@code emittedNs}, arrived at {@code arrivalNs}.
   */
  public record ForwardDone(
      int epoch, int batch, long emittedNs, long arrivalNs, long downForGoodNs, long lostBytes)
      implements PipelineDownload {

    /** Off a link that is not down for good and lost nothing. */
    public ForwardDone(int epoch, int batch, long emittedNs, long arrivalNs) {
      this(epoch, batch, emittedNs, arrivalNs, LinkTiming.NEVER, 0);
    }
  }

  /** The first hop's gradient at the head's cut, sent at {@code emittedNs}, arrived then. */
  public record BackwardDone(
      int epoch, int batch, long emittedNs, long arrivalNs, long downForGoodNs, long lostBytes)
      implements PipelineDownload {}

  /** The aggregated head and tail, ready for download at {@code atNs}, arrived at arrivalNs. */
  public record Aggregated(int epoch, long atNs, long arrivalNs, long downForGoodNs, long lostBytes)
      implements PipelineDownload {}

  /**
   * A hop crash placed the units again (docs/faults.md, "hop-crash"): from the next epoch on the
   * device's jobs go through {@code lane}, and it first uploads its instance of the crashed hop's
   * units ({@code moveBytes}) over its uplink; its epoch starts when they have arrived. An epoch
   * redone from its start state also sets the device's processor free at {@code cpuFreeAtNs} (< 0:
   * unchanged).
   */
  public record Rechain(List<ActorRef<ComputeHop.Command>> lane, long moveBytes, long cpuFreeAtNs)
      implements Pipelined {
    public Rechain {
      lane = List.copyOf(lane);
    }
  }

  /** The upload of a device's moved units (epoch {@code epoch}) arrived at {@code arrivalNs}. */
  public record UnitsMoved(int epoch, long arrivalNs) implements Pipelined {}

  /**
   * MP-SL on a cluster, at a checkpoint: the device tells its supervisor its links as they stand
   * ({@link Supervisor.LinksSaved}), which live on its member (docs/cluster.md, "Checkpoints and
   * resume on a cluster").
   */
  public enum SaveLinks implements Pipelined {
    INSTANCE
  }

  /** What a pipeline device uploads. */
  public enum Payload {
    ACTIVATIONS,
    TAIL_GRADIENT,
    MODEL,
    UNITS
  }

  /**
   * The uplink channel's receipt of a pipeline upload: sent at {@code sendNs}, arrived at {@code
   * arrivalNs}, and delivered, or withheld because the device hangs by then.
   */
  public record Receipt(Payload what, long bytes, long sendNs, long arrivalNs, boolean delivered)
      implements Pipelined {}

  /**
   * The uplink band's receipt of an upload sent at {@code sendNs}: it arrived at {@code arrivalNs},
   * or was withheld ({@code delivered} false) because that falls at or after the device's hang, and
   * then {@code barrier} learns that the device missed the phase.
   */
  public record Carried(
      long sendNs,
      long arrivalNs,
      boolean delivered,
      long bytes,
      double share,
      ActorRef<Barrier.Command> barrier)
      implements Command {}

  /** A download this device handed to the downlink band: {@code request} is on the device. */
  public record Arrived(Command request, long sendNs, long arrivalNs, long bytes, double share)
      implements Command {}

  /**
   * What a device answers a phase of a visit, each phase with its own type; {@link #instantNs} is
   * the emulated instant at which the answer reaches the server (what a paced server waits for).
   */
  public sealed interface Reply extends ClusterMessage
      permits Ready, Downloaded, Activations, StepDone, LocalDone, Uploaded {
    /** When the answer reaches the server (emulated ns). */
    long instantNs();
  }

  /** Reply to {@link BeginVisit}: the model is on the device. */
  public record Ready(long arrivalNs) implements Reply {
    @Override
    public long instantNs() {
      return arrivalNs;
    }
  }

  /**
   * Reply to {@link Download}: the aggregated model is on the device at {@code arrivalNs}; {@code
   * stats} is what the device spent this round, the download included.
   */
  public record Downloaded(long arrivalNs, RoundStats stats) implements Reply {
    @Override
    public long instantNs() {
      return arrivalNs;
    }
  }

  /**
   * Reply to {@link Step} and the message to the server in local steps: the batch's activations at
   * the cut and its labels as int32 class indices {@code [batch]} ({@code null} in timing).
   */
  public record Activations(
      int device,
      int step,
      INDArray activations,
      INDArray labels,
      int batchSize,
      long computeStartNs,
      long computeEndNs,
      long arrivalNs)
      implements Reply {
    @Override
    public long instantNs() {
      return arrivalNs;
    }

    /** These activations as they reach the server at {@code arrivalNs}. */
    Activations at(long arrivalNs) {
      return new Activations(
          device, step, activations, labels, batchSize, computeStartNs, computeEndNs, arrivalNs);
    }
  }

  /** Reply to {@link Gradient}: the backward pass is done. */
  public record StepDone(int step, long sendNs, long gradientArrivalNs, long endNs)
      implements Reply {
    @Override
    public long instantNs() {
      return endNs;
    }
  }

  /**
   * Reply to {@link RunLocal} and {@link RunSplit}: the steps ended at {@code stepsEndNs} and (with
   * a split's own model upload) the device is done at {@code endNs}; a split round also sends its
   * slice's weights by name ({@code table}, null in timing) and its shard's size (its FedAvg
   * weight; 0 in timing).
   */
  public record LocalDone(
      long endNs, long stepsEndNs, RoundStats stats, Map<String, INDArray> table, long samples)
      implements Reply {
    @Override
    public long instantNs() {
      return endNs;
    }
  }

  /** Reply to {@link Upload}, with what the device spent this round. */
  public record Uploaded(INDArray params, long samples, long arrivalNs, RoundStats stats)
      implements Reply {
    @Override
    public long instantNs() {
      return arrivalNs;
    }
  }

  /**
   * What a device spent in one round (emulated ns and bytes); in a split round also the link time
   * without propagation weighted by the share it was sent at ({@code bits / upShareNs} is the
   * full-band rate the transfers achieved, what the split policies plan the next round from).
   */
  public record RoundStats(
      long computeNs,
      long uplinkNs,
      long downlinkNs,
      long bytesUp,
      long bytesDown,
      double upShareNs,
      double downShareNs) {}

  private final ActorContext<Command> context;
  // Replaced by a re-cut (BeginVisit's cut); the cursor is not, so the batch order survives it.
  private DeviceSetup setup;
  // The cut the device is at (-1 where it never moves).
  private int cut;
  // What a re-cut rebuilds the slice and costs from (null where the cut never moves).
  private final ChainProfile profile;
  private final SliceMaker slices;
  private BatchCursor cursor;
  private double rate;
  private double upShare = 1;
  private double downShare = 1;
  // What the device spends this round, and its split's step timing.
  private final DeviceClock clock = new DeviceClock();
  // Its server's link channels, in which its links are lanes.
  private final EdgeBands bands;
  // This round's plan and slice when the device runs its own split (null otherwise).
  private SplitPolicy.DevicePlan plan;
  private Slice splitSlice;
  private RunLocal local;
  private int localStep;
  private boolean hung;
  // The device missed a reply since it last received a model from the server, so it holds no
  // current one (sfl-v1 sends none at a visit's start, so such a device downloads it then). Saved
  // in its snapshot: it is not the hang at a round's end. A device resumed at a round's start is
  // no longer hung but still stale, and a cluster device re-created from the state kept at the
  // start of the round it was lost in (hung or not then) missed that round's aggregate
  // (Snapshot#recreated).
  private boolean stale;
  private long hangAtNs = Long.MAX_VALUE;
  // From when the device has been silent: its hang instant, or the earliest if hung at a round.
  private long silentSinceNs = Long.MIN_VALUE;
  // Whether the silence is a crash (its state is lost), and the crash instant, as hangAtNs.
  private boolean crashed;
  private long crashAtNs = Long.MAX_VALUE;
  // Silent only because a link was cut off (an outage whose end was not known yet): the hang
  // instant it had before (NOT_CUT: the silence, if any, is its own), taken back once neither
  // link is cut off any more.
  private static final long NOT_CUT = Long.MIN_VALUE;
  private long hangBeforeCutNs = NOT_CUT;
  // A device with a crash scheduled saves, at each round's start, the model it holds and its
  // batch cursor (null where there is none).
  private INDArray savedParams;
  private int savedCut;
  private BatchCursor.State savedCursor;
  // Its processor slowed in the windows of device-slowdown faults (null: never slowed).
  private SlowedCpu slowed;
  // An MP-SL device's whole behaviour (null for the other schemes).
  private final PipelineRole pipeline;

  /**
   * A device actor at {@code cut} that can be re-cut: {@code profile} gives every cut's costs and
   * {@code slices} rebuilds its slice (null in timing fidelity); a split scheme's device (no
   * profile, cut -1) rebuilds its slice with {@code slices} every round.
   */
  public static Behavior<Command> create(
      DeviceSetup setup, ChainProfile profile, SliceMaker slices, int cut) {
    // A gradient or model above the frame comes in parts from another JVM (only there).
    return Chunks.reassemblingIfRemote(
        Command.class, Behaviors.setup(ctx -> new Device(ctx, setup, profile, slices, cut)));
  }

  /** A device in an MP-SL pipeline: it takes only {@link Pipelined} messages. */
  static Behavior<Command> create(PipelineRole.Setup role) {
    return Chunks.reassemblingIfRemote(
        Command.class, Behaviors.setup(ctx -> new Device(ctx, role)));
  }

  private Device(ActorContext<Command> ctx, PipelineRole.Setup role) {
    this.context = ctx;
    this.profile = null;
    this.slices = null;
    this.cursor = null;
    this.bands = null;
    this.pipeline = new PipelineRole(role, ctx.getSelf());
  }

  private Device(
      ActorContext<Command> ctx,
      DeviceSetup setup,
      ChainProfile profile,
      SliceMaker slices,
      int cut) {
    this.context = ctx;
    this.setup = setup;
    this.cut = cut;
    this.profile = profile;
    this.slices = slices;
    // A split scheme in timing fidelity draws no data: no shard, no batch order.
    this.cursor = setup.shard() == null ? null : new BatchCursor(setup.shard(), setup.batchSeed());
    this.rate = setup.flopsPerSecond();
    this.pipeline = null;
    this.bands = setup.bands();
    bands.lane(setup.id(), setup.uplink(), setup.downlink());
  }

  // The behavior itself dispatches in code: a builder case per message type was ~21 objects per
  // device (about 700 bytes, issue 16's million devices), and even one case's built receive (its
  // case, the two case arrays and the lambda) ~110 bytes; same order, same unhandled messages.
  @Override
  public Behavior<Command> receive(TypedActorContext<Command> ctx, Command c) {
    return receive(c);
  }

  /** No signal is handled (as a receive built without signal cases). */
  @Override
  public Behavior<Command> receiveSignal(TypedActorContext<Command> ctx, Signal s) {
    return Behaviors.unhandled();
  }

  private Behavior<Command> receive(Command c) {
    if (c instanceof Request r && silent()) {
      return missed(r.replyTo());
    }
    if (c instanceof BeginVisit m) {
      return onBeginVisit(m);
    } else if (c instanceof Step m) {
      return onStep(m);
    } else if (c instanceof Gradient m) {
      return download(m, m.sendNs(), gradientBytes(), downShare);
    } else if (c instanceof RunLocal m) {
      return onRunLocal(m);
    } else if (c instanceof RunSplit m) {
      return onRunSplit(m);
    } else if (c instanceof LocalGradient m) {
      return onLocalGradient(m);
    } else if (c instanceof Upload m) {
      return onUpload(m);
    } else if (c instanceof Download m) {
      return onDownload(m);
    } else if (c instanceof Carried m) {
      return onCarried(m);
    } else if (c instanceof Arrived m) {
      return onArrived(m);
    } else if (Hang.INSTANCE.equals(c)) {
      return silenced("stops answering");
    } else if (c instanceof HangAt m) {
      return hangAt(m.atNs());
    } else if (c instanceof Crash m) {
      return onCrash(m);
    } else if (c instanceof Rearm m) {
      return onRearm(m);
    } else if (SaveState.INSTANCE.equals(c)) {
      return onSaveState();
    } else if (c instanceof Resume m) {
      return onResume(m);
    } else if (c instanceof Slowdown m) {
      return onSlowdown(m);
    } else if (c instanceof RoundStarted m) {
      setup.uplink().roundStarted(m.round(), m.startNs());
      setup.downlink().roundStarted(m.round(), m.startNs());
      return this;
    } else if (c instanceof Pipelined m) {
      pipeline.on(m);
      return this;
    } else if (c instanceof TakeSnapshot m) {
      return onTakeSnapshot(m);
    } else if (c instanceof Restore m) {
      return onRestore(m);
    }
    return Behaviors.unhandled();
  }

  /** Tells {@code to} {@code m}, in parts if it is on another JVM and larger than a frame. */
  private <T> void send(ActorRef<T> to, T m) {
    Chunks.get(context.getSystem()).tell(to, m);
  }

  private Behavior<Command> onBeginVisit(BeginVisit m) {
    if (m.cut() >= 0 && m.cut() != cut) {
      recut(m.cut(), m.params());
    }
    newRound(m.round(), null);
    rate = setup.flopsPerSecond() * m.computeFactor();
    upShare = m.upShare();
    downShare = m.downShare();
    if (m.broadcast() || stale) {
      return download(m, m.sendNs(), setup.paramBytes(), 1.0);
    }
    return ready(m, m.sendNs());
  }

  /** The model of a visit is on the device at {@code arrival}. */
  private Behavior<Command> ready(BeginVisit m, long arrival) {
    if (hangsBy(arrival)) {
      return missed(m.replyTo());
    }
    load(m.params());
    stale = false;
    m.replyTo().tell(new Barrier.Reply<>(setup.id(), new Ready(arrival)));
    return this;
  }

  private Behavior<Command> onStep(Step m) {
    Activations a = forward(m.step(), m.startNs());
    int id = setup.id();
    return upload(
        a.computeEndNs(),
        activationBytes(),
        upShare,
        m.replyTo(),
        at -> new Barrier.Reply<>(id, a.at(at)),
        m.replyTo());
  }

  /** A barrier step's gradient is on the device at {@code arrival}: the backward pass. */
  private Behavior<Command> stepDone(Gradient m, long arrival) {
    long end = backward(m.gradient(), arrival);
    // The backward pass's end is when the server learns the step is done.
    if (hangsBy(end)) {
      return missed(m.replyTo());
    }
    m.replyTo()
        .tell(new Barrier.Reply<>(setup.id(), new StepDone(m.step(), m.sendNs(), arrival, end)));
    return this;
  }

  /** Zeroes the round's spending and takes the round's link draws; {@code split} as the plan. */
  private void newRound(int round, SplitPolicy.DevicePlan split) {
    clock.reset(split != null);
    plan = split;
    setup.uplink().round(round);
    setup.downlink().round(round);
  }

  /**
   * Whether the device is silent. One silent only because a link was cut off answers again once
   * neither link is (the outage's end became known when its until-round started; the supervisor
   * tells the links a round's start before any request of the round).
   */
  private boolean silent() {
    if (hung
        && hangBeforeCutNs != NOT_CUT
        && setup.uplink().downForGoodNs() == LinkTiming.NEVER
        && setup.downlink().downForGoodNs() == LinkTiming.NEVER) {
      context.getLog().info("device {} answers again (link no longer cut off)", setup.id());
      hung = false;
      hangAtNs = hangBeforeCutNs;
      silentSinceNs = Long.MIN_VALUE;
      hangBeforeCutNs = NOT_CUT;
    }
    return hung;
  }

  private Behavior<Command> onRunLocal(RunLocal m) {
    // 0 steps means one local epoch: this device's own I_n = ceil(|D_n| / b), as SplitFed v1's
    // round max_n (I_n step_n + ...) of LATENCY-MODEL.md has it.
    int b = setup.batchSize();
    int steps = m.steps() > 0 ? m.steps() : (setup.shard().length + b - 1) / b;
    local = new RunLocal(steps, m.startNs(), m.server(), m.replyTo());
    localStep = 0;
    return nextLocal(m.startNs());
  }

  private Behavior<Command> onRunSplit(RunSplit m) {
    newRound(m.round(), m.plan());
    rate = setup.flopsPerSecond() * m.computeFactor();
    upShare = plan.upShare();
    downShare = plan.downShare();
    if (hangsBy(m.startNs())) {
      return missed(m.replyTo());
    }
    splitSlice = setup.full() ? slices.slice(m.cut(), 0, m.params()) : null;
    local = new RunLocal(plan.steps(), m.startNs(), m.server(), m.replyTo());
    localStep = 0;
    return nextLocal(m.startNs());
  }

  private Behavior<Command> onLocalGradient(LocalGradient m) {
    if (hung) {
      return missed(local.replyTo());
    }
    // With nothing crossing the split down, the gradient is there at once.
    return plan != null && gradientBytes() == 0
        ? localBackward(m, m.sendNs())
        : download(m, m.sendNs(), gradientBytes(), downShare);
  }

  private Behavior<Command> localBackward(LocalGradient m, long arrival) {
    localStep++;
    return nextLocal(backward(m.gradient(), arrival));
  }

  /**
   * The next local step from {@code readyNs}: its activations go to the server copy; a split step
   * with no server part and no tensors needs no server, its gradient (if any) is sent at once.
   */
  private Behavior<Command> nextLocal(long readyNs) {
    long t = readyNs;
    ActorRef<Command> self = context.getSelf();
    while (localStep < local.steps()) {
      Activations a = forward(localStep, t);
      if (plan == null || activationBytes() > 0) {
        return upload(
            a.computeEndNs(),
            activationBytes(),
            upShare,
            local.server(),
            at -> new EdgeServer.ServerStep(a.at(at), self),
            local.replyTo());
      }
      // Nothing crosses the split up: the activations are "there" when the forward pass ends.
      if (hangsBy(a.computeEndNs())) {
        return missed(local.replyTo());
      }
      if (plan.serverFlops() > 0 || a.activations() != null || gradientBytes() > 0) {
        send(local.server(), new EdgeServer.ServerStep(a, self));
        return this;
      }
      t = backward(null, a.computeEndNs());
      localStep++;
    }
    Map<String, INDArray> table = splitSlice == null ? null : splitSlice.paramTable();
    // FedAvg weighs a device by its shard, as a barrier round's upload does (not by the samples
    // its steps drew, which are the same for every device at a fixed local-steps).
    long samples = table == null ? 0 : setup.shard().length;
    long stepsEnd = t;
    // The device-side model goes up right after the steps, unless the plan uploads it at the
    // aggregation barrier (or has none).
    if (plan != null && plan.modelBytes() > 0 && !plan.aggregateAtBarrier()) {
      return uploadReply(
          t,
          plan.modelBytes(),
          plan.modelUpShare(),
          local.replyTo(),
          (at, spent) -> new LocalDone(at, stepsEnd, spent, table, samples));
    }
    if (hangsBy(t)) {
      return missed(local.replyTo());
    }
    // With the device-side model (table) when the plan uploads none of its own.
    send(
        local.replyTo(),
        new Barrier.Reply<>(setup.id(), new LocalDone(t, t, clock.stats(), table, samples)));
    return this;
  }

  private Behavior<Command> onUpload(Upload m) {
    // A split round's weights went with its LocalDone; its upload is the plan's model transfer.
    INDArray params = setup.full() && plan == null ? setup.slice().params() : null;
    long samples = plan == null ? setup.shard().length : 0;
    return uploadReply(
        m.sendNs(),
        plan == null ? setup.paramBytes() : plan.modelBytes(),
        plan == null ? upShare : plan.modelUpShare(),
        m.replyTo(),
        (at, spent) -> new Uploaded(params, samples, at, spent));
  }

  private Behavior<Command> onDownload(Download m) {
    // The aggregated model is the same for every device: a broadcast on the full band, like the
    // model at a visit's start (SchemeLatency's SplitFed v1 download).
    return plan == null
        ? download(m, m.sendNs(), setup.paramBytes(), 1.0)
        : download(m, m.sendNs(), plan.modelBytes(), plan.modelDownShare());
  }

  /** The aggregated model is on the device at {@code arrival}. */
  private Behavior<Command> downloaded(Download m, long arrival) {
    if (hangsBy(arrival)) {
      return missed(m.replyTo());
    }
    load(m.params());
    stale = false;
    m.replyTo().tell(new Barrier.Reply<>(setup.id(), new Downloaded(arrival, clock.stats())));
    return this;
  }

  /**
   * Moves the device to {@code newCut}: rebuilds its slice there with {@code params} (null in
   * timing fidelity) and takes that cut's costs (FLOPs, cut and parameter bytes) from the model
   * profile. The shard, batch order, links and processor (with their queues) go on as they were, so
   * a re-cut moves layers without disturbing what the device trains on next.
   */
  private void recut(int newCut, INDArray params) {
    if (profile == null || (setup.full() && (slices == null || params == null))) {
      throw new IllegalArgumentException(
          "device "
              + setup.id()
              + ": a re-cut needs the model profile and, in full fidelity,"
              + " the weights");
    }
    Slice slice = setup.full() ? slices.slice(newCut, 0, params) : null;
    setup = setup.atCut(slice, profile, newCut);
    cut = newCut;
  }

  /** The device goes silent now ({@code how} it does, for the log). */
  private Behavior<Command> silenced(String how) {
    context.getLog().info("device {} {} (fault)", setup.id(), how);
    hung = true;
    hangBeforeCutNs = NOT_CUT; // silent by its own fault now
    return this;
  }

  /** The device goes silent at {@code atNs} (a hang's or crash's instant). */
  private Behavior<Command> hangAt(long atNs) {
    hangAtNs = Math.min(hangAtNs, atNs);
    if (hangBeforeCutNs != NOT_CUT) {
      hangBeforeCutNs = Math.min(hangBeforeCutNs, atNs);
    }
    return this;
  }

  private Behavior<Command> onCrash(Crash m) {
    if (m.atNs() < 0) {
      crashed = true;
      return silenced("crashes");
    }
    crashAtNs = Math.min(crashAtNs, m.atNs());
    return hangAt(m.atNs());
  }

  private Behavior<Command> onRearm(Rearm m) {
    crashAtNs = m.crashAtNs();
    if (!hung) {
      hangAtNs = m.hangAtNs();
    } else if (hangBeforeCutNs != NOT_CUT) {
      hangBeforeCutNs = m.hangAtNs(); // taken back when its link is no longer cut off
    }
    return this;
  }

  private Behavior<Command> onSaveState() {
    if (hung) {
      return this;
    }
    if (cursor != null) {
      savedCursor = cursor.snapshot();
    }
    if (setup.full() && setup.slice() != null) {
      savedParams = setup.slice().params().dup();
      savedCut = cut;
    }
    return this;
  }

  /**
   * The hang or crash is over: the device answers again. After a crash its slice takes the last
   * saved model with its optimizer state restarted, and its batch cursor goes back to where it was
   * saved, so the batches drawn in the round it crashed in are drawn again.
   */
  private Behavior<Command> onResume(Resume m) {
    // A crash that struck while the device was silent already lost its state as well, though no
    // transfer of the device met it.
    if (crashed || crashStruckSilent(m.atNs())) {
      if (setup.full() && setup.slice() != null) {
        // A CPSL re-cut since the save moved the slice: the next visit brings its weights.
        if (savedParams != null && savedCut == cut) {
          setup.slice().setParams(savedParams);
        }
        // State and update count together: Adam's bias correction reads the count.
        setup.slice().restartOptimizer();
      }
      if (savedCursor != null) {
        cursor = BatchCursor.restore(savedCursor);
      }
    }
    context.getLog().info("device {} answers again (fault ended)", setup.id());
    hung = false;
    crashed = false;
    hangAtNs = Long.MAX_VALUE;
    crashAtNs = Long.MAX_VALUE;
    silentSinceNs = Long.MIN_VALUE;
    hangBeforeCutNs = NOT_CUT;
    return this;
  }

  private Behavior<Command> onSlowdown(Slowdown m) {
    if (slowed == null) {
      slowed = new SlowedCpu(setup.cpu());
    }
    slowed.window(m.key(), m.fromNs(), m.untilNs(), m.factor());
    return this;
  }

  /** The processor the device computes on: its own, slowed where a slowdown fault says so. */
  private ComputeTiming cpu() {
    return slowed != null ? slowed : setup.cpu();
  }

  /**
   * Whether a reply reaching the server at {@code instantNs} falls after the device's hang; if so
   * the device is hung from now on.
   */
  private boolean hangsBy(long instantNs) {
    if (instantNs >= hangAtNs && !hung) {
      context
          .getLog()
          .info("device {} stops answering at emulated {} ns (fault)", setup.id(), hangAtNs);
      hung = true;
      crashed = crashAtNs == hangAtNs;
      silentSinceNs = hangAtNs;
    }
    // A transfer that never arrives reaches no crash.
    if (instantNs != LinkTiming.NEVER && crashStruckSilent(instantNs)) {
      crashed = true;
    }
    return hung;
  }

  /**
   * Whether a crash at or before {@code ns} strikes the device while it is silent already (hung by
   * another fault): its state is lost as well.
   */
  private boolean crashStruckSilent(long ns) {
    return hung && crashAtNs <= ns;
  }

  /**
   * A transfer on {@code link} never arrives (an outage or partition with no end in sight): the
   * device is silent from the instant the link went down for good, as if hung then, and {@code
   * barrier} learns at once that it misses the phase.
   */
  private Behavior<Command> cutOff(LinkTiming link, ActorRef<Barrier.Command> barrier) {
    if (!hung && link.downForGoodNs() < hangAtNs) {
      hangBeforeCutNs = hangAtNs;
    }
    hangAtNs = Math.min(hangAtNs, link.downForGoodNs());
    hangsBy(LinkTiming.NEVER);
    return missed(barrier);
  }

  /** The device will not answer this request: the barrier learns it at once (emulated fault). */
  private Behavior<Command> missed(ActorRef<Barrier.Command> barrier) {
    stale = true;
    barrier.tell(new Barrier.Missed(setup.id(), silentSinceNs));
    return this;
  }

  private Activations forward(int step, long startNs) {
    int b = setup.batchSize();
    INDArray acts = null;
    INDArray labels = null;
    if (setup.full()) {
      Batch batch = setup.train().batch(cursor.nextBatch(b), setup.dataType());
      acts = slice().forward(batch.features()).dup();
      labels = ClassLabels.indices(batch.labels()); // int32 up, as charged
    } else if (cursor != null) {
      cursor.skip(b); // a timing run counts the samples only
    }
    long end =
        plan == null
            ? compute(startNs, b * setup.forwardFlops())
            : clock.forward(plan, b, cpu(), rate, startNs);
    // The arrival is the forward pass's end until the uplink band stamps it (Activations.at).
    return new Activations(setup.id(), step, acts, labels, b, startNs, end, end);
  }

  /** Bytes of a step's activations and labels up (a split's: 0 when nothing crosses it). */
  private long activationBytes() {
    int b = setup.batchSize();
    return plan == null
        ? (long) b * setup.cutBytes() + (long) b * DeviceSetup.LABEL_BYTES
        : (long) b * plan.upBytes();
  }

  /** The backward pass of {@code gradient}, ready at {@code arrival}; returns its end. */
  private long backward(INDArray gradient, long arrival) {
    int b = setup.batchSize();
    if (setup.full() && gradient != null) {
      // A device's slice starts at the data, whose gradient nothing reads.
      slice().backwardToData(gradient);
    }
    return plan == null
        ? compute(arrival, b * setup.backwardFlops())
        : clock.backward(plan, b, cpu(), rate, arrival);
  }

  /** The slice trained this round: the split round's own, or the device's. */
  private Slice slice() {
    return plan != null ? splitSlice : setup.slice();
  }

  private void load(INDArray params) {
    if (params != null && setup.full()) {
      setup.slice().setParams(params);
    }
  }

  /** Bytes of a step's gradient down (a split's: 0 when nothing crosses it). */
  private long gradientBytes() {
    return (long) setup.batchSize() * (plan == null ? setup.cutBytes() : plan.downBytes());
  }

  private long compute(long readyNs, double flops) {
    return clock.compute(cpu(), readyNs, flops, rate);
  }

  /**
   * Hands {@code bytes} sent at {@code sendNs} at {@code share} to the uplink band for {@code to},
   * stamped with their arrival; withheld from the device's hang on. The receipt ({@link Carried})
   * comes first: it charges the device's link time, or tells {@code barrier} that the device missed
   * the phase.
   */
  private <M> Behavior<Command> upload(
      long sendNs,
      long bytes,
      double share,
      ActorRef<M> to,
      LinkChannel.Stamp<? extends M> message,
      ActorRef<Barrier.Command> barrier) {
    bands
        .uplink()
        .send(
            LinkChannel.Send.of(setup.id(), bytes, sendNs, share, to, message)
                .withReceipt(
                    context.getSelf(),
                    (sent, at, delivered) ->
                        new Carried(sent, at, delivered, bytes, share, barrier),
                    hangAtNs));
    return this;
  }

  /** A reply that carries what the device spent this round, given its arrival. */
  private interface Spent {
    Reply at(long arrivalNs, RoundStats spent);
  }

  /** An upload to {@code barrier} whose reply carries the round's spending, this upload's too. */
  private Behavior<Command> uploadReply(
      long sendNs, long bytes, double share, ActorRef<Barrier.Command> barrier, Spent reply) {
    // The stamp runs on the channel's thread, on its own copy of the clock.
    DeviceClock after = clock.copy();
    LinkTiming link = setup.uplink();
    int id = setup.id();
    return upload(
        sendNs,
        bytes,
        share,
        barrier,
        at -> {
          after.carried(true, link, sendNs, at, bytes, share);
          return new Barrier.Reply<>(id, reply.at(at, after.stats()));
        },
        barrier);
  }

  private Behavior<Command> onCarried(Carried m) {
    if (m.arrivalNs() == LinkTiming.NEVER) {
      return cutOff(setup.uplink(), m.barrier());
    }
    clock.carried(true, setup.uplink(), m.sendNs(), m.arrivalNs(), m.bytes(), m.share());
    if (!m.delivered() && hangsBy(m.arrivalNs())) {
      return missed(m.barrier());
    }
    return this;
  }

  /** Hands {@code request}'s {@code bytes} sent at {@code sendNs} to the downlink band. */
  private Behavior<Command> download(Command request, long sendNs, long bytes, double share) {
    ActorRef<Command> self = context.getSelf();
    bands
        .downlink()
        .send(
            LinkChannel.Send.of(
                setup.id(),
                bytes,
                sendNs,
                share,
                self,
                at -> new Arrived(request, sendNs, at, bytes, share)));
    return this;
  }

  private Behavior<Command> onArrived(Arrived m) {
    Command r = m.request();
    if (m.arrivalNs() == LinkTiming.NEVER) {
      return cutOff(setup.downlink(), r instanceof Request q ? q.replyTo() : local.replyTo());
    }
    clock.carried(false, setup.downlink(), m.sendNs(), m.arrivalNs(), m.bytes(), m.share());
    if (r instanceof BeginVisit b) {
      return ready(b, m.arrivalNs());
    } else if (r instanceof Gradient g) {
      return stepDone(g, m.arrivalNs());
    } else if (r instanceof LocalGradient g) {
      return localBackward(g, m.arrivalNs());
    }
    return downloaded((Download) r, m.arrivalNs());
  }

  // Checkpoints: taken and restored at a round boundary, where no request or transfer of the device
  // is under way (docs/runtime.md, "Checkpoints and resume").

  /** Answer {@link Snapshot}: what the device holds that a later round depends on. */
  public record TakeSnapshot(ActorRef<Snapshot> replyTo) implements Command {}

  /**
   * A device's state at a round boundary: its cut, its slice's weights, optimizer state and update
   * count (null in timing fidelity and for a split scheme, whose slice is rebuilt every round), its
   * batch position, its processor's and links' queues ({@link LinkTiming#saveState}), its hang, and
   * whether it missed a reply since its last model download ({@code stale}: sfl-v1 then has it
   * download the model at its next visit's start).
   */
  public record Snapshot(
      int device,
      int cut,
      INDArray params,
      INDArray updater,
      int iterations,
      BatchCursor.State cursor,
      long cpuFreeAtNs,
      long[] uplink,
      long[] downlink,
      boolean hung,
      boolean stale,
      long hangAtNs,
      long silentSinceNs,
      boolean crashed,
      long crashAtNs,
      long hangBeforeCutNs,
      INDArray savedParams,
      int savedCut,
      BatchCursor.State savedCursor,
      List<SlowWindow> slowdowns)
      implements ClusterMessage {

    /** Copies the links' states and the windows in: a snapshot is a message, immutable. */
    public Snapshot {
      uplink = uplink.clone();
      downlink = downlink.clone();
      slowdowns = List.copyOf(slowdowns);
    }

    /**
     * The state a device re-created from this kept state starts from (a cluster's lost device, and
     * its checkpoint entry while it waits to rejoin): stale, as it missed the rest of the round it
     * was lost in, that round's aggregate too, and what it received since the state was kept is
     * lost with its member; so under sfl-v1 it downloads the model at its next visit's start.
     */
    public Snapshot recreated() {
      return new Snapshot(
          device,
          cut,
          params,
          updater,
          iterations,
          cursor,
          cpuFreeAtNs,
          uplink,
          downlink,
          hung,
          true,
          hangAtNs,
          silentSinceNs,
          crashed,
          crashAtNs,
          hangBeforeCutNs,
          savedParams,
          savedCut,
          savedCursor,
          slowdowns);
    }

    @Override
    public long[] uplink() {
      return uplink.clone();
    }

    @Override
    public long[] downlink() {
      return downlink.clone();
    }
  }

  /** A {@code device-slowdown} window the device holds: [{@code fromNs}, {@code untilNs}). */
  public record SlowWindow(int key, long fromNs, long untilNs, double factor) {}

  /**
   * Take {@code snapshot}'s state (a resumed run, before its first round; a crash's rewind; or, on
   * a cluster, a device re-created on a surviving member from its kept state); answers Restored.
   * {@code epoch} counts the device's re-creations and crash rewinds on a cluster (1 for the first;
   * 0 for a resumed run's restore), the same when a restore is sent again ({@link Sequenced}).
   */
  public record Restore(Snapshot snapshot, ActorRef<Restored> replyTo, int epoch)
      implements Command {

    /** A restore that is no re-creation (a resumed run's, from its checkpoint): epoch 0. */
    public Restore(Snapshot snapshot, ActorRef<Restored> replyTo) {
      this(snapshot, replyTo, 0);
    }
  }

  /**
   * Reply to {@link Restore}, with that restore's {@code epoch}: a lost device's re-creation and a
   * crash's rewind answer on one route (the supervisor's one adapter for this class), and an answer
   * to an earlier restore than the device's last one must not count for that one.
   */
  public record Restored(int device, int epoch) implements ClusterMessage {}

  private Behavior<Command> onTakeSnapshot(TakeSnapshot m) {
    Slice slice = setup.slice();
    boolean tensors = setup.full() && slice != null;
    send(
        m.replyTo(),
        new Snapshot(
            setup.id(),
            cut,
            // Copies: the slice goes on training after the snapshot is sent.
            tensors ? slice.params().dup() : null,
            tensors ? slice.updaterState().dup() : null,
            tensors ? slice.iterationCount() : 0,
            cursor == null ? null : cursor.snapshot(),
            cpu().freeAtNs(),
            setup.uplink().saveState(),
            setup.downlink().saveState(),
            hung,
            stale,
            hangAtNs,
            silentSinceNs,
            crashed,
            crashAtNs,
            hangBeforeCutNs,
            savedParams == null ? null : savedParams.dup(),
            savedCut,
            savedCursor,
            slowed == null
                ? List.of()
                : slowed.windows().stream()
                    .map(w -> new SlowWindow(w.key(), w.fromNs(), w.untilNs(), w.factor()))
                    .toList()));
    return this;
  }

  private Behavior<Command> onRestore(Restore m) {
    Snapshot s = m.snapshot();
    if (s.cut() >= 0 && s.cut() != cut) {
      recut(s.cut(), s.params());
    }
    Slice slice = setup.slice();
    if (setup.full() && slice != null && s.params() != null) {
      slice.setParams(s.params());
      slice.setUpdaterState(s.updater());
      slice.setIterationCount(s.iterations());
    }
    if (s.cursor() != null) {
      cursor = BatchCursor.restore(s.cursor());
    }
    setup.uplink().restoreState(s.uplink());
    setup.downlink().restoreState(s.downlink());
    // The links come back with the bytes they lost before the checkpoint, which were charged then.
    clock.lostSeen(setup.uplink().lostBytes(), setup.downlink().lostBytes());
    hung = s.hung();
    stale = s.stale();
    hangAtNs = s.hangAtNs();
    silentSinceNs = s.silentSinceNs();
    crashed = s.crashed();
    crashAtNs = s.crashAtNs();
    hangBeforeCutNs = s.hangBeforeCutNs();
    savedParams = s.savedParams();
    savedCut = s.savedCut();
    savedCursor = s.savedCursor();
    for (SlowWindow w : s.slowdowns()) {
      onSlowdown(new Slowdown(w.key(), w.fromNs(), w.untilNs(), w.factor()));
    }
    // After the windows: a slowed processor keeps a busy-until of its own, which the crashed
    // timeline may have moved past the checkpoint (the redone round then waited for it).
    cpu().restoreFreeAt(s.cpuFreeAtNs());
    m.replyTo().tell(new Restored(setup.id(), m.epoch()));
    return this;
  }
}
