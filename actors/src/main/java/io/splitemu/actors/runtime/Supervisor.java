package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.results.DevicePlanRecord;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.MemoryRecord;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.wire.Chunks;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import io.splitemu.planner.cpsl.CutPlan;
import io.splitemu.planner.cpsl.RoundPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The root of a run: spawns the devices and the edge server, plans each round's cluster visits for
 * the scheme, runs them one after another, evaluates, and records every round, device and event;
 * answers {@link Finished} when the run ends.
 *
 * <p>A split scheme's round (a depth per device) is one visit of every running device: at the
 * round's start the supervisor estimates each running device's link rates (what its transfers
 * achieved last round, or a probe of its idle link), the scheme's {@link SplitPolicy} plans every
 * running device's cut, costs and shares from them (a {@code replan} event when a device's decision
 * changes; a device out of the run takes no share), and the server runs each device on its own copy
 * at its own cut.
 *
 * <p>MP-SL's epochs are its rounds ({@link PipelineControl}): the supervisor spawns the compute
 * hops in place of the edge server and the devices in their pipeline role, opens the link channels
 * their transfers pass through, and runs the FedAvg barrier that ends each epoch.
 */
public final class Supervisor extends AbstractBehavior<Supervisor.Command> {

  /** What the supervisor accepts. */
  public sealed interface Command extends ClusterMessage {}

  /**
   * Start the run; with {@code speedup > 0} (paced mode) the server releases its barriers against
   * the wall clock from now on, emulated seconds at {@code speedup} per wall-clock second.
   */
  public record Start(ActorRef<Finished> replyTo, double speedup) implements Command {}

  private record WrappedVisit(EdgeServer.VisitDone done) implements Command {}

  private record WrappedEvaluation(EdgeServer.Evaluation evaluation) implements Command {}

  private record WrappedCut(EdgeServer.CutMoved moved) implements Command {}

  /** The recorder has every row published before the run ended ({@code error} as in Finished). */
  private record RecorderFlushed(String error) implements Command {}

  /**
   * The run ended; {@code error} is null when it ended normally. {@code pipeline} is what an MP-SL
   * run measured (its epochs, and per hop the peak memory and jobs), null for the other schemes.
   */
  public record Finished(int rounds, long emulatedNs, String error, PipelineControl.Result pipeline)
      implements ClusterMessage {
    /** The end of a run of a scheme other than MP-SL. */
    public Finished(int rounds, long emulatedNs, String error) {
      this(rounds, emulatedNs, error, null);
    }
  }

  /**
   * An MP-SL lane's link channel failed; {@code reason} is one line naming the device, the band and
   * the cause; {@code droppedEpoch}: the failed transfer was a download of that epoch's aggregate,
   * so the downloads after it on its band are lost with it (0: it was none).
   */
  record ChannelFailed(String reason, int droppedEpoch) implements Command {}

  /** The wall-clock watchdog of the wait for the aggregated epochs' rows after a channel failed. */
  private record FailureWatchdog() implements Command {}

  /**
   * MP-SL's wall-clock watchdog of the run's progress looks again ({@link #onPipelineWatchdog}).
   */
  private record PipelineWatchdog() implements Command {}

  /**
   * An actor of the run on another cluster member failed or a member was lost; {@code reason} is
   * the one line the run ends with ({@link ClusterPlacement}).
   */
  public record RemoteFailed(String reason) implements Command {}

  /** The edge server a cluster member spawned for this run ({@link Placement#server}). */
  public record ServerPlaced(ActorRef<EdgeServer.Command> server) implements Command {}

  /**
   * The cluster member at {@code member} (host:port), which held {@code devices}, is gone: those
   * devices are crashed devices for the rest of the round, re-created on a surviving member from
   * their kept state at the next round boundary (docs/cluster.md "Losing a member"). {@code
   * leaving}, when not null, is a member (host:port) not yet removed from the cluster whose shard
   * region may still hold these devices' shards (a member that leaves, or one downed): their
   * re-creation waits for its removal ({@link MemberRemoved}), or sharding would start them there
   * again, to be handed over (or lost) a moment later. {@code epoch}, when not -1, is that of the
   * incarnation an entity reported of itself ({@link Device.Sequenced}): a report about one older
   * than the device's last re-creation (it came after that restore's answer) is dropped.
   */
  public record MemberLost(String member, List<Integer> devices, String leaving, int epoch)
      implements Command {

    /** A member's devices, with no epoch: lost whatever their re-creations so far. */
    public MemberLost(String member, List<Integer> devices, String leaving) {
      this(member, devices, leaving, -1);
    }
  }

  /**
   * The cluster member at {@code member} (host:port) is removed from the cluster: sharding holds no
   * shard there any more, so the devices it held can be re-created elsewhere ({@link MemberLost}'s
   * {@code leaving}).
   */
  public record MemberRemoved(String member) implements Command {}

  /**
   * The entities of {@code devices} (ascending) started on the cluster member at {@code member}
   * (host:port): an {@code events.csv} row, one per member for the devices placed at the run's
   * start ({@code atStart}: before round 1, or MP-SL's as epoch 1 reached them), at the start's
   * instant and round 0 whenever it comes; else (a device re-created during the run) at the current
   * instant and round.
   */
  public record DevicesPlaced(String member, List<Integer> devices, boolean atStart)
      implements Command {
    public DevicesPlaced {
      devices = List.copyOf(devices);
    }
  }

  /**
   * MP-SL on a cluster, at the run's end ({@link Placement#settlePlacement}): the {@code placement}
   * rows not told before ({@link DevicesPlaced}, one per member), recorded before the recorder's
   * last flush.
   */
  public record PlacementSettled(List<DevicesPlaced> rows) implements Command {
    public PlacementSettled {
      rows = List.copyOf(rows);
    }
  }

  /**
   * A cluster's hops member spawned an MP-SL run's hops ({@link Placement#placeHops}): every lane's
   * chain in plan order, wired to the devices.
   */
  public record HopsPlaced(List<ActorRef<ComputeHop.Command>> hops) implements Command {}

  /** Every devices member holds an MP-SL run's chains ({@link Placement#wirePipeline}). */
  public enum PipelineWired implements Command {
    INSTANCE
  }

  /** What an MP-SL run's devices and hops report ({@link PipelineControl}). */
  sealed interface PipelineReport extends Command {}

  /**
   * A pipeline device ended its last batch of the epoch at {@code finishNs}; its head and tail
   * reach the FedAvg barrier at {@code uploadedNs}.
   */
  public record EpochFinished(int device, int epoch, long finishNs, long uploadedNs)
      implements PipelineReport {}

  /**
   * A hung pipeline device misses epoch {@code epoch}'s FedAvg barrier; silent since {@code
   * sinceNs} (its hang instant, or -1 if hung from the epoch's start).
   */
  public record EpochMissed(int device, int epoch, long sinceNs) implements PipelineReport {}

  /**
   * A pipeline device holds the aggregated model at {@code atNs}; the epoch's totals of the device.
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
      implements PipelineReport {}

  /**
   * A rejoining pipeline device answers at its start of epoch {@code epoch} and asks for the
   * aggregate ready at {@code readyNs} (survival.absent = drop-for-round): it is sent over the
   * device's downlink ({@link Device.AggregateFetched}). On a cluster {@code roundStarts} are its
   * downlink's ({@link LinkTiming#keptRoundStarts}), for its lane of the downlink channel on the
   * hops' member ({@link ComputeHop.Download}); else none.
   */
  public record AggregateWanted(int device, int epoch, long readyNs, long[] roundStarts)
      implements PipelineReport {}

  /** A compute hop's epoch timing or totals. */
  record HopReported(ComputeHop.Reply reply) implements PipelineReport {}

  /**
   * A pipeline device's links at a checkpoint on a cluster ({@link Device.SaveLinks}): its uplink's
   * state ({@link LinkTiming#saveState}) and the round starts told to its downlink ({@link
   * LinkTiming#keptRoundStarts}), which its lane's downlink channel on the hops' member may not
   * have been told yet (a device silent at its epoch's start sent no job that carries them).
   */
  public record LinksSaved(int device, long[] uplink, long[] downlinkRoundStarts)
      implements PipelineReport {}

  private static final double NS = 1e9;

  // An MP-SL lane's failed link channel (its line) and the epoch recorded before the run ends.
  private String channelFailure;
  private int failureKeeps;
  private org.apache.pekko.actor.Cancellable failureWatchdog;
  // MP-SL's progress watchdog's next look, and whether a crash's flush is under way (its own wait).
  private org.apache.pekko.actor.Cancellable pipelineWatchdog;
  private boolean crashFlushing;

  private final SupervisorSetup setup;
  // By device id (0..N-1), arrays rather than boxed trees (issue 16: a million devices).
  private final Map<Integer, ActorRef<Device.Command>> devices = new IdMap<>();
  private ActorRef<EdgeServer.Command> server;
  private final ActorRef<Recorder.Command> recorder;
  private boolean recorderFailed;
  // MP-SL: whether every devices member holds the chains (each device then got epoch 1's start),
  // and the devices that reported to the run (each had started on its member).
  private boolean pipelineWired;
  private final Set<Integer> pipelineReported = new TreeSet<>();
  // Where paced barrier releases record their lag (a spawn-time object of this JVM).
  private final PacingLag lag;
  private double speedup;
  private long clockStartNanoTime;
  // Paced: the due instant of the next visit's start (at nowNs), held in the lag from when the
  // supervisor knows it until it hands the visit to the server, so that its own work in between
  // (planning, evaluation, checkpoints, restores) shows as lag once overdue; MIN_VALUE: none.
  private long visitDue = Long.MIN_VALUE;
  // Rebuilds the device slices at a re-cut (CPSL in full fidelity only).
  private final SliceMaker slices;
  private final ActorRef<EdgeServer.VisitDone> visitAdapter;
  private final ActorRef<EdgeServer.Evaluation> evalAdapter;
  private final IdSet alive = new IdSet();
  private final long wallStart = System.nanoTime();
  private ActorRef<Finished> replyTo;
  private Start pendingStart;
  private String earlyFailure;
  private INDArray deviceParams;
  private int round;
  private long nowNs;
  private long roundStartNs;
  private RoundPlanner.Clusters clusters;
  private int visitIndex;
  // The link share the current visit's members were given (what devices.csv reports).
  private double visitShare;
  private EdgeServer.Breakdown breakdown;
  private double lossSum;
  private int lossCount;
  private int participants;
  private int failed;
  private final Map<Integer, Integer> shardSize = new IdMap<>();
  private final List<DeviceRecord> deviceRows = new ArrayList<>();
  // CPSL only (cpsl is null otherwise): the controller, the cut in force, how often the slices
  // were re-cut, the setups the devices and the server were last built with, and the shares
  // {up, down} this round's plan gave each device.
  private final CpslControl cpsl;
  private int cut;
  private boolean awaitingCut;
  private final ActorRef<EdgeServer.CutMoved> cutAdapter;
  // The devices' answers to every restore: a crash's rewind's (or a resume's) and a lost device's
  // re-creation's (onRestored tells them apart).
  private final ActorRef<Device.Restored> restoreAdapter;
  // What goes to the edge server or a device's forwarder in another JVM above the frame.
  private final Chunks chunks;
  private final Map<Integer, DeviceSetup> deviceSetups = new IdMap<>();
  private final Map<Integer, double[]> plannedShares = new HashMap<>();
  private final Map<Integer, Double> deviceShare = new IdMap<>();
  // The fault and recovery rows written so far ("index/subject/fault" or ".../recovery"), the
  // faults whose device hang or crash has ended, and when each round-started slowdown began.
  private final java.util.Set<String> faultsRecorded = new java.util.HashSet<>();
  private final java.util.Set<Integer> faultsEnded = new java.util.HashSet<>();
  private final Map<Integer, Long> faultStartNs = new HashMap<>();
  // Per device, the indexes of its hangs and crashes among the faults, ascending
  // (FaultPlan.silencesByDevice): an ending silence looks at its device's only.
  private final Map<Integer, int[]> silencesOf;
  // A split scheme only: this round's plan per device, the decision each device last had, each
  // device's latest report of its spending, and the paths of the devices that completed the round.
  private List<SplitPolicy.DevicePlan> plans;
  private final Map<Integer, String> labels = new HashMap<>();
  private final Map<Integer, Device.RoundStats> reported = new IdMap<>();
  private final Map<Integer, EdgeServer.DevicePath> paths = new IdMap<>();
  // MP-SL only (null otherwise): its epochs as the rounds, with compute hops as the server.
  private final PipelineControl pipeline;
  // Where the devices and the server (MP-SL: the hops) live.
  private final Placement placement;

  /** A supervisor for one run whose paced barrier releases record their lag into {@code lag}. */
  public static Behavior<Command> create(SupervisorSetup setup, PacingLag lag) {
    return create(setup, lag, Placement.LOCAL);
  }

  /** A supervisor whose devices and edge server live where {@code placement} puts them. */
  public static Behavior<Command> create(
      SupervisorSetup setup, PacingLag lag, Placement placement) {
    // Replies above the frame (a visit's model, a kept state) come in parts from another JVM. A
    // refused one ends the run with its line (a singleton's failure names no cause).
    return Behaviors.setup(
        ctx -> {
          Chunks.acceptOnAdapters(ctx);
          return Chunks.reassembling(
              Command.class,
              new Supervisor(ctx, setup, lag, placement),
              line -> ctx.getSelf().tell(new RemoteFailed(line)));
        });
  }

  /**
   * Tells {@code to} {@code m}, in parts if it is on another JVM and larger than a frame; a message
   * above {@code splitemu.cluster.maximum-message-size} ends the run with that line.
   */
  private <T> void send(ActorRef<T> to, T m) {
    try {
      chunks.tell(to, m);
    } catch (IllegalArgumentException e) {
      getContext().getSelf().tell(new RemoteFailed(RunGuardian.oneLine(e)));
    }
  }

  /**
   * What rebuilds device slices at a cut from weights in a message, shared by a run's devices in
   * one JVM: the CPSL model in full fidelity, else the server's global model (a split scheme), else
   * none.
   */
  static SliceMaker sliceMaker(SupervisorSetup setup) {
    if (setup.cpsl() != null && setup.cpsl().model() != null && setup.server().full()) {
      return new SliceMaker(setup.cpsl().model());
    }
    return setup.server() == null || setup.server().global() == null
        ? null
        : new SliceMaker(setup.server().global());
  }

  /** The behavior of device {@code d} of {@code setup}, at the run's initial cut. */
  static Behavior<Device.Command> device(SupervisorSetup setup, SliceMaker slices, DeviceSetup d) {
    ChainProfile profile = setup.cpsl() == null ? null : setup.cpsl().profile();
    int at = setup.cpsl() == null ? -1 : setup.cpsl().initialCut();
    return Device.create(d, profile, slices, at);
  }

  /**
   * The one line a run ends with when {@code who} failed with {@code cause}: its message, with a
   * hint when the model diverged.
   */
  static String failureLine(String who, Throwable cause) {
    String why = cause.getMessage();
    return who
        + " failed: "
        + (why == null ? cause.getClass().getSimpleName() : why.replace('\n', ' '))
        + (why != null && (why.contains("NaN") || why.contains("infinity"))
            ? " (the model diverged; try a smaller splitemu.model.learning-rate)"
            : "");
  }

  // Devices of a member lost before a cluster's edge server was placed (ClusterPlacement).
  private final List<ActorRef<Device.Command>> retireWhenPlaced = new ArrayList<>();

  private Supervisor(
      ActorContext<Command> ctx, SupervisorSetup setup, PacingLag lag, Placement placement) {
    super(ctx);
    this.setup = setup;
    this.placement = placement;
    this.silencesOf = FaultPlan.silencesByDevice(setup.faultPlan().faults());
    List<RecordObserver> subscribers = new ArrayList<>();
    subscribers.add(setup.listener());
    if (setup.writer() != null) { // a run measured for its figures only writes no files
      subscribers.add(0, setup.writer());
    }
    this.recorder = watched(ctx, quietOnWriteFailure(Recorder.create(subscribers)), "recorder");
    this.lag = lag;
    this.slices = sliceMaker(setup);
    for (DeviceSetup d : setup.devices()) {
      devices.put(d.id(), placement.device(ctx, d.id(), device(setup, slices, d)));
      alive.add(d.id());
      shardSize.put(d.id(), d.shard() == null ? 0 : d.shard().length);
      deviceSetups.put(d.id(), d);
    }
    // MP-SL's compute hops are its server (PipelineControl).
    this.server =
        setup.server() == null
            ? null
            : placement.server(ctx, EdgeServer.create(setup.server(), lag, recorder), recorder);
    this.chunks = Chunks.get(ctx.getSystem());
    this.visitAdapter = ctx.messageAdapter(EdgeServer.VisitDone.class, WrappedVisit::new);
    this.evalAdapter = ctx.messageAdapter(EdgeServer.Evaluation.class, WrappedEvaluation::new);
    this.cutAdapter = ctx.messageAdapter(EdgeServer.CutMoved.class, WrappedCut::new);
    // One adapter per reply class and actor (another of the same class would replace it): both
    // kinds of restore answer through this one.
    this.restoreAdapter = ctx.messageAdapter(Device.Restored.class, WrappedRestored::new);
    this.deviceParams = setup.initialDeviceParams();
    this.cpsl =
        setup.cpsl() == null
            ? null
            : new CpslControl(
                setup.cpsl(),
                setup.batchSize(),
                setup.localSteps(),
                setup.server().flopsPerSecond());
    this.cut = setup.cpsl() == null ? -1 : setup.cpsl().initialCut();
    this.pipeline =
        setup.pipeline() == null
            ? null
            : new PipelineControl(
                setup.pipeline(),
                setup.hangs(),
                recorder,
                this::checkpointDueAfter,
                setup.checkpointing().resumeFrom() == null
                    ? null
                    : setup.checkpointing().resumeFrom().pipeline(),
                setup.checkpointing().crashes(),
                struck::contains);
    if (pipeline != null && pipeline.initial() != null) {
      if (startRestorable(setup.checkpointing().resumeFrom())) {
        getContext().getLog().debug(KEPT);
      } else {
        pipeline.releaseInitial(); // no crash can strike before the first scheduled checkpoint
      }
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(WrappedVisit.class, this::onVisitDone)
        .onMessage(WrappedEvaluation.class, w -> record(w.evaluation().accuracy()))
        .onMessage(WrappedCut.class, this::onCutMoved)
        .onMessage(CpslPlanned.class, this::onCpslPlanned)
        .onMessage(PipelineReport.class, this::onPipeline)
        .onMessage(
            HopsPlaced.class,
            m -> {
              pipeline.onHopsPlaced(getContext(), m.hops());
              return this;
            })
        .onMessageEquals(
            PipelineWired.INSTANCE,
            () -> {
              pipelineWired = true;
              pipeline.onWired();
              return this;
            })
        .onMessage(ChannelFailed.class, this::onChannelFailed)
        .onMessage(FailureWatchdog.class, g -> onFailureWatchdog())
        .onMessage(PipelineWatchdog.class, g -> onPipelineWatchdog())
        .onMessage(RemoteFailed.class, this::onRemoteFailed)
        .onMessage(ServerPlaced.class, this::onServerPlaced)
        .onMessage(MemberLost.class, this::onMemberLost)
        .onMessage(DevicesPlaced.class, this::onDevicesPlaced)
        .onMessage(CheckpointReply.class, this::onCheckpointReply)
        .onMessage(CheckpointTick.class, this::onCheckpointTick)
        .onMessage(StateKept.class, this::onStateKept)
        .onMessage(WrappedRestored.class, this::onRestored)
        .onMessage(RejoinTick.class, this::onRejoinTick)
        .onMessage(MemberRemoved.class, this::onMemberRemoved)
        .onMessage(RemovalTick.class, this::onRemovalTick)
        .onMessage(StatesTick.class, this::onStatesTick)
        .onMessage(CrashFlushed.class, this::onCrashFlushed)
        .onSignal(ChildFailed.class, this::onChildFailed)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  /**
   * A child the supervisor watches. A refused tensor (a NaN or infinite value, a wrong shape: the
   * slices throw {@link IllegalArgumentException}) stops the child without a logged stack trace,
   * and {@link #onChildFailed} ends the run with its one-line reason; any other failure is a bug,
   * logged with its trace by the default strategy, and ends the run the same way (but the
   * recorder's failed writes, {@link #quietOnWriteFailure}).
   */
  static <T> ActorRef<T> watched(ActorContext<?> ctx, Behavior<T> behavior, String name) {
    // The watchdog's own message is the one line to show, so it stops the child quietly too.
    return spawnWatched(
        ctx,
        quietStop(quietStop(behavior, IllegalArgumentException.class), WatchdogExpired.class),
        name);
  }

  /** {@code behavior}, stopped without a logged stack trace when it throws a {@code failure}. */
  static <T> Behavior<T> quietStop(Behavior<T> behavior, Class<? extends Throwable> failure) {
    return Behaviors.supervise(behavior)
        .onFailure(failure, SupervisorStrategy.stop().withLoggingEnabled(false));
  }

  private static <T> ActorRef<T> spawnWatched(
      ActorContext<?> ctx, Behavior<T> behavior, String name) {
    ActorRef<T> ref = ctx.spawn(behavior, name);
    ctx.watch(ref);
    return ref;
  }

  /**
   * {@code recorder}, stopped without a logged stack trace when a write fails ({@link
   * java.io.UncheckedIOException}: a full disk, a folder made unwritable, a file replaced by a
   * folder): that is no bug, and {@link #onChildFailed} ends the run with its one line, which names
   * the file. The rows written until then stay on disk, each whole.
   */
  static Behavior<Recorder.Command> quietOnWriteFailure(Behavior<Recorder.Command> recorder) {
    return quietStop(recorder, java.io.UncheckedIOException.class);
  }

  /**
   * A device the supervisor (or a cluster member) watches, or the aggregator an edge server
   * watches, as {@link #watched} but with one interceptor: only the edge server throws {@link
   * WatchdogExpired}, so a device needs only the quiet stop on a refused tensor (each interceptor
   * is ~250 bytes of a million devices, issue 16).
   */
  static <T> ActorRef<T> watchedDevice(ActorContext<?> ctx, Behavior<T> behavior, String name) {
    return spawnWatched(ctx, quietStop(behavior, IllegalArgumentException.class), name);
  }

  private Behavior<Command> onChildFailed(ChildFailed f) {
    String who = f.getRef().path().name();
    for (Map.Entry<Integer, ActorRef<Device.Command>> e : devices.entrySet()) {
      if (e.getValue().equals(f.getRef())) {
        who = "device-" + e.getKey();
      }
    }
    if (f.getRef().equals(server)) {
      who = "edge server";
    }
    if (f.getRef().equals(recorder)) {
      who = "recorder";
      recorderFailed = true;
    }
    return finish(failureLine(who, f.getCause()));
  }

  /**
   * A child that stopped without failing changes nothing; an edge server on another cluster member
   * that stopped (its member was lost) ends the run.
   */
  private Behavior<Command> onTerminated(Terminated t) {
    if (t.getRef().equals(server) && !t.getRef().path().address().hasLocalScope()) {
      return onRemoteFailed(
          new RemoteFailed(
              "edge server stopped: cluster member " + t.getRef().path().address() + " lost"));
    }
    return this;
  }

  /**
   * An actor on another member failed or a member was lost: an {@code events.csv} row, then the run
   * ends with the reason and every row recorded so far.
   */
  private Behavior<Command> onRemoteFailed(RemoteFailed m) {
    if (replyTo == null && pendingStart == null) {
      earlyFailure = m.reason(); // before the start: the run ends as soon as it is asked to start
      return this;
    }
    if (replyTo == null) {
      replyTo = pendingStart.replyTo();
    }
    event("cluster-failure", "cluster", m.reason());
    return finish(m.reason());
  }

  /**
   * A devices member is lost: its devices are crashed devices for the rest of the round. Each one's
   * reference here is told {@link Device.Retire}, after which it answers every phase request (the
   * one in flight too) as a crashed device does, with {@link Barrier.Missed}: the round goes on
   * without it at the phase's deadline. Where the placement re-creates lost devices (a cluster), it
   * comes back at the next round boundary from its kept state ({@link #rejoinLost}); an {@code
   * events.csv} row names the member and its devices.
   */
  private Behavior<Command> onMemberLost(MemberLost m) {
    if (m.epoch() >= 0
        && m.devices().size() == 1
        && m.epoch() < restoreEpochs.getOrDefault(m.devices().get(0), 0)) {
      // About the device before its last re-creation, which answered already: it runs anew.
      getContext()
          .getLog()
          .debug("dropped a stale loss of device {} (epoch {})", m.devices(), m.epoch());
      return this;
    }
    List<Integer> gone = new ArrayList<>();
    // Devices already out of the run (dropped at a deadline) are lost too: no checkpoint asks them.
    List<Integer> out = new ArrayList<>();
    for (int d : m.devices()) {
      if (devices.containsKey(d) && !alive.contains(d) && !rejoining.contains(d) && lost.add(d)) {
        out.add(d);
      }
    }
    for (int d : m.devices()) {
      ActorRef<Device.Command> ref = devices.get(d);
      if (ref != null && alive.remove(d)) {
        if (server == null && setup.server() != null) {
          // A cluster's forwarders are spawned with the edge server: told once it is placed.
          retireWhenPlaced.add(ref);
        } else {
          ref.tell(Device.Retire.INSTANCE);
        }
        gone.add(d);
      }
    }
    if (gone.isEmpty()) {
      // They had left already; a checkpoint under way no longer waits for them.
      return awaitedDevices.removeAll(out) ? checkpointAnswered() : this;
    }
    lost.addAll(gone);
    lostThisRound.addAll(gone);
    boolean rejoin = placement.rejoinsLostDevices();
    if (rejoin) {
      List<Integer> now = new ArrayList<>();
      for (int d : gone) {
        if (kept.containsKey(d)) { // lost before its state was first kept: gone for good
          rejoining.add(d);
          // It misses this round's aggregate: re-created (or resumed) stale, whatever it was.
          kept.put(d, kept.get(d).recreated());
          if (m.leaving() != null) {
            awaitingRemoval.put(d, m.leaving()); // re-created once its member is removed
          } else {
            now.add(d);
          }
        }
      }
      if (!awaitedRejoins.isEmpty()) {
        // Lost while others are being restored (this boundary): restored with them, from now.
        now.forEach(d -> restoreEpochs.merge(d, 1, Integer::sum));
        awaitedRejoins.addAll(now);
        sendRestores(now);
      }
    }
    event(
        "member-lost",
        "cluster",
        "member "
            + m.member()
            + " is gone (downed or left); its devices "
            + gone
            + (rejoin
                ? " miss the rest of round "
                    + round
                    + " (crashed) and are re-created on the surviving devices members from their"
                    + " state at its start, to take part again from round "
                    + (round + 1)
                    + "; "
                : " leave the run (crashed, no rejoin); ")
            + alive.size()
            + " devices go on this round");
    if (alive.isEmpty() && rejoining.isEmpty()) {
      return finish("every device was on lost cluster members");
    }
    if (awaitedServer || !awaitedDevices.isEmpty()) {
      // Lost while a checkpoint is taken or restored: one to rejoin is in the checkpoint with the
      // state it will be re-created from (even if it had answered), one lost for good is not.
      awaitedDevices.removeAll(out);
      for (int d : gone) {
        awaitedDevices.remove(d);
        if (restoring) {
          continue;
        }
        if (rejoining.contains(d)) {
          snapshots.put(d, kept.get(d));
        } else {
          snapshots.remove(d);
        }
      }
      return checkpointAnswered();
    }
    // Lost while their states were being kept at this round's start: they will not answer (they
    // come back from the state kept at the previous round's start).
    if (!awaitedStates.isEmpty() && awaitedStates.removeAll(gone) && awaitedStates.isEmpty()) {
      return planRound();
    }
    return this;
  }

  /** A cluster's edge server is up: a start that came before it goes on now. */
  private Behavior<Command> onServerPlaced(ServerPlaced m) {
    server = m.server();
    getContext().watch(server);
    retireWhenPlaced.forEach(r -> r.tell(Device.Retire.INSTANCE));
    retireWhenPlaced.clear();
    return pendingStart == null ? this : onStart(pendingStart);
  }

  private Behavior<Command> onDevicesPlaced(DevicesPlaced m) {
    // The devices placed at the start stand at 0 s and round 0 even when the run went on before
    // this came (MP-SL's start as epoch 1 reaches them; round 1 may start before this arrives).
    // A resumed run places its devices before it restores them: their rows stand at the
    // checkpoint's instant and round, beside the resume row, not among the first run's at 0.
    Checkpoint from = setup.checkpointing().resumeFrom();
    boolean atStart = m.atStart();
    if (!atStart) {
      placedInRun.add(new Placed(round, m.member(), List.copyOf(m.devices())));
    }
    recorder.tell(
        new Recorder.EventRecorded(
            new EventRecord(
                (!atStart ? nowNs : from == null ? 0 : from.nowNs()) / NS,
                !atStart ? round : from == null ? 0 : from.round(),
                "placement",
                "member " + m.member(),
                placedDetail(m.devices()))));
    return this;
  }

  /** A {@code placement} row's detail: how many devices started, and which. */
  private static String placedDetail(List<Integer> devices) {
    return devices.size()
        + (devices.size() == 1 ? " device" : " devices")
        + " started: "
        + ranges(devices);
  }

  /** A placement row of a device re-created on a survivor during the run, and its round. */
  private record Placed(int round, String member, List<Integer> devices) {}

  // The placement rows of the devices re-created during the run: a crash's rewind cuts those of the
  // rounds it discards, and writes them again (the devices still live there).
  private final List<Placed> placedInRun = new ArrayList<>();

  /** Ascending ids as ranges: {@code 0-3 5 7-9}. */
  static String ranges(List<Integer> ids) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < ids.size(); ) {
      int j = i;
      while (j + 1 < ids.size() && ids.get(j + 1) == ids.get(j) + 1) {
        j++;
      }
      out.append(out.length() == 0 ? "" : " ").append(ids.get(i));
      if (j > i) {
        out.append('-').append(ids.get(j));
      }
      i = j + 1;
    }
    return out.toString();
  }

  private Behavior<Command> onStart(Start m) {
    if (earlyFailure != null) {
      replyTo = m.replyTo();
      return onRemoteFailed(new RemoteFailed(earlyFailure));
    }
    if (server == null && setup.server() != null) {
      pendingStart = m; // the cluster member has not spawned the edge server yet
      return this;
    }
    pendingStart = null;
    replyTo = m.replyTo();
    speedup = m.speedup();
    clockStartNanoTime = System.nanoTime() - resumedPacingNs();
    // The live metrics' speed ratio counts from where the rows' wall time does, and their paced
    // emulated time from the pacing origin.
    recorder.tell(new Recorder.Started(wallStart, clockStartNanoTime, speedup));
    if (pipeline != null) {
      // MP-SL paces every transfer in its link channels rather than barrier releases.
      round = pipeline.round();
      nowNs = pipeline.nowNs();
      Checkpoint from = setup.checkpointing().resumeFrom();
      if (from != null) {
        strikePassed(from); // before the start: a crash at the next epoch's start may strike
      }
      pipeline.start(
          getContext(),
          speedup > 0 ? Pacing.paced(speedup, clockStartNanoTime, lag) : Pacing.virtual(),
          placement);
      armPipelineWatchdog();
      if (from != null) {
        resumed(from.round());
      }
      PipelineControl.Restart crashed = pipeline.restart();
      return crashed == null ? this : crash(crashed.crash(), crashed.atNs(), crashed.reached());
    }
    if (speedup > 0) {
      server.tell(new EdgeServer.UsePacing(speedup, clockStartNanoTime));
    }
    round = 0;
    nowNs = 0;
    Checkpoint from = setup.checkpointing().resumeFrom();
    // A resumed device's state has what these set (its restore overwrites them in one JVM). On a
    // cluster they would go through the edge server and could overtake the restore, which goes
    // straight to the device: a resumed cluster run does not send them.
    if (from == null || !placement.rejoinsLostDevices()) {
      armFaults();
    }
    if (from == null) {
      holdVisit();
    }
    if (startRestorable(from)) {
      // The initial state first, in memory: a crash before the first scheduled checkpoint
      // restores it (a resumed process builds it as the first run did, before its restore).
      takingInitial = true;
      return takeCheckpoint();
    }
    return afterInitial();
  }

  /** Goes on from the start, or restores the checkpoint the process resumes from. */
  private Behavior<Command> afterInitial() {
    Checkpoint from = setup.checkpointing().resumeFrom();
    return from == null ? roundBoundary() : restore(strikePassed(from), true);
  }

  /** Paced: holds the next visit's start, due at {@code nowNs}, instead of any held before. */
  private void holdVisit() {
    releaseVisit();
    if (speedup > 0) {
      visitDue = Pacing.paced(speedup, clockStartNanoTime, lag).dueNanoTime(nowNs);
      lag.pending(visitDue);
    }
  }

  private void releaseVisit() {
    if (visitDue != Long.MIN_VALUE) {
      lag.dropped(visitDue);
      visitDue = Long.MIN_VALUE;
    }
  }

  /**
   * A lane's link channel failed: the run ends with its line, once the epochs whose aggregate went
   * out are recorded. Their reports still come: the aggregate downloads of epoch e all enter their
   * bands when it is aggregated, before any device can send in epoch e + 1 (it starts once it holds
   * the aggregate), and a band carries its transfers in the order they entered; so a failed band
   * delivered every download of epoch e unless the failed transfer was one of them ({@code
   * droppedEpoch}), epoch e's uploads are in, and the hops' reports travel no band. Waiting for
   * them makes the rows kept the same from one run to the next. A second failure can only keep
   * fewer. A wall-clock watchdog ({@link SupervisorSetup#barrierTimeout}) bounds the wait, against
   * a real hang of the host.
   */
  private Behavior<Command> onChannelFailed(ChannelFailed f) {
    if (pipeline == null) {
      return finish(f.reason());
    }
    int keep = pipeline.aggregatedNotRecorded();
    if (f.droppedEpoch() > 0) {
      keep = Math.min(keep, f.droppedEpoch() - 1);
    }
    if (channelFailure != null) {
      failureKeeps = Math.min(failureKeeps, keep); // the first failure is the run's line
      return pipeline.recordedThrough(failureKeeps) ? finish(channelFailure) : this;
    }
    channelFailure = f.reason();
    failureKeeps = keep;
    if (pipeline.recordedThrough(keep)) {
      return finish(channelFailure);
    }
    failureWatchdog = later(setup.barrierTimeout(), new FailureWatchdog());
    return this;
  }

  /**
   * The wait for the aggregated epochs' rows outlasted the watchdog: a hung host ends the run; a
   * paced run whose downloads are still held by the schedule (none overdue) waits again.
   */
  private Behavior<Command> onFailureWatchdog() {
    java.time.Duration after = setup.barrierTimeout();
    if (lag.waitingOnSchedule(after.toNanos())) {
      failureWatchdog = later(after, new FailureWatchdog());
      return this;
    }
    return finish(channelFailure);
  }

  /** Tells this supervisor {@code m} {@code after} (wall-clock time). */
  private org.apache.pekko.actor.Cancellable later(java.time.Duration after, Command m) {
    return getContext().scheduleOnce(after, getContext().getSelf(), m);
  }

  /** MP-SL's progress watchdog looks again in a quarter of barrier.timeout. */
  private void armPipelineWatchdog() {
    java.time.Duration every = setup.barrierTimeout().dividedBy(4);
    if (every.toMillis() < 1) {
      every = java.time.Duration.ofMillis(1);
    }
    pipelineWatchdog = later(every, new PipelineWatchdog());
  }

  /**
   * MP-SL's wall-clock watchdog (docs/runtime.md, "barrier.timeout"): nothing from any hop or
   * device for barrier.timeout ends the run with one line naming the epoch and the hops still
   * waiting, the rows recorded so far kept. Not a hang: paced deliveries held by their schedule
   * (none overdue by the timeout), a crash's flush, or the wait after a failed channel (which has
   * its own watchdog).
   */
  private Behavior<Command> onPipelineWatchdog() {
    java.time.Duration timeout = setup.barrierTimeout();
    if (channelFailure != null || crashFlushing || lag.waitingOnSchedule(timeout.toNanos())) {
      if (!crashFlushing && channelFailure == null) {
        pipeline.heard(); // waiting on the schedule: the watchdog starts again, as a barrier's
      }
    } else {
      String stuck = pipeline.stalled(System.nanoTime());
      if (stuck != null) {
        return finish(stuck);
      }
    }
    armPipelineWatchdog();
    return this;
  }

  /** An MP-SL device's or hop's report: the epoch's barrier, its rows, or the run's end. */
  private Behavior<Command> onPipeline(PipelineReport m) {
    if (m instanceof EpochFinished f) {
      pipelineReported.add(f.device());
    } else if (m instanceof EpochMissed f) {
      pipelineReported.add(f.device());
    } else if (m instanceof AggregateWanted f) {
      pipelineReported.add(f.device());
    }
    String error = pipeline.on(m);
    round = pipeline.round();
    nowNs = pipeline.nowNs();
    if (channelFailure != null) {
      // Only the aggregated epochs' rows are awaited; nothing is released or checkpointed now,
      // and a line or a crash restart (the epoch's work is then not kept) ends the wait.
      pipeline.checkpointReady();
      boolean over =
          error != null || pipeline.restart() != null || pipeline.recordedThrough(failureKeeps);
      return over ? finish(channelFailure) : this;
    }
    if (error != null || pipeline.done()) {
      return finish(error);
    }
    PipelineControl.State taken = pipeline.checkpointReady();
    if (taken != null) {
      // The epoch's rows are published; the checkpoint row follows them, at the epoch's end.
      round = taken.epoch();
      if (recordCheckpoint(pipelineCheckpoint(taken))) {
        return finish(null);
      }
      String failed = pipeline.release();
      if (failed != null) {
        return finish(failed);
      }
      round = pipeline.round();
    }
    PipelineControl.Restart crashed = pipeline.restart();
    if (crashed != null) {
      return crash(crashed.crash(), crashed.atNs(), crashed.reached());
    }
    return this;
  }

  private Behavior<Command> startRound() {
    SupervisorSetup.Crash crashed =
        SupervisorSetup.Crash.atStartOf(
            setup.checkpointing().crashes(), struck::contains, round + 1);
    if (crashed != null) {
      return crash(crashed, nowNs, round);
    }
    round++;
    roundStartNs = nowNs;
    lostThisRound.clear();
    linksAtRoundStart();
    roundStartFaults();
    // A cluster keeps every device's state now, with this round's fault commands in it.
    return placement.rejoinsLostDevices() ? keepStates() : planRound();
  }

  /** Plans the round that just started and starts its first visit. */
  private Behavior<Command> planRound() {
    breakdown = EdgeServer.Breakdown.ZERO;
    lossSum = 0;
    lossCount = 0;
    participants = 0;
    failed = 0;
    deviceRows.clear();
    paths.clear();
    if (alive.isEmpty()) {
      return finish("no device is left to train");
    }
    if (setup.split() != null) {
      String refused = splitRound();
      if (refused != null) {
        return finish(refused);
      }
      clusters =
          new RoundPlanner.Clusters(List.of(List.copyOf(alive)), VisitPlan.Mode.DEPTH_PER_DEVICE);
      SplitPolicy.heldMemory(plans, alive)
          .forEach(
              (n, b) -> {
                memoryHeld(round, n, b);
                recorder.tell(new Recorder.MemoryReported(new MemoryRecord(round, n, b)));
              });
    } else if (cpsl != null) {
      startCpslPlan();
      return this;
    } else {
      clusters = RoundPlanner.plan(setup.scheme(), List.copyOf(alive));
    }
    return roundPlanned();
  }

  /** Starts the round's first visit once its clusters are planned. */
  private Behavior<Command> roundPlanned() {
    publishPlans();
    visitIndex = 0;
    // A re-cut goes on once the server has moved its slice.
    return awaitingCut ? this : nextVisit();
  }

  /**
   * Tells every device's links (and a split scheme's probes) this round's start, before any
   * transfer of the round: link faults given at a round's start take this instant.
   */
  private void linksAtRoundStart() {
    for (DeviceSetup d : setup.devices()) {
      d.uplink().roundStarted(round, nowNs);
      d.downlink().roundStarted(round, nowNs);
    }
    keepRoundStart(round, nowNs);
    if (clusterLinkFaults()) {
      // A cluster's devices use their own members' links: each is told, before the round's
      // requests (through the edge server, as the fault commands).
      devices.forEach((d, ref) -> toDevice(ref, new Device.RoundStarted(round, nowNs)));
    }
    if (split() != null) {
      // The probes in use: a crash's restore may have swapped in a restarted process's.
      for (Emulation.LinkPair p : split().probes()) {
        p.up().roundStarted(round, nowNs);
        p.down().roundStarted(round, nowNs);
      }
    }
  }

  /** Each running device's plan for this round (split schemes, CPSL), for the live metrics. */
  private void publishPlans() {
    if (!setup.livePlans()) {
      return;
    }
    for (int d : alive) {
      DevicePlanRecord row = null;
      if (plans != null) {
        SplitPolicy.DevicePlan p = plans.get(d);
        row = new DevicePlanRecord(round, d, p.cut(), p.upShare(), p.downShare());
      } else if (cpsl != null && plannedShares.containsKey(d)) {
        double[] share = plannedShares.get(d);
        row = new DevicePlanRecord(round, d, Integer.toString(cut), share[0], share[1]);
      }
      if (row != null) {
        recorder.tell(new Recorder.PlanReported(row));
      }
    }
  }

  private Behavior<Command> nextVisit() {
    if (visitIndex >= clusters.clusters().size()) {
      return endRound();
    }
    List<Integer> members = new ArrayList<>(clusters.clusters().get(visitIndex));
    // A device lost with its member this round is still asked in the round's later visits: its
    // retired reference answers as a crashed device does, so the visit goes on at the phase's
    // deadline and records it (docs/cluster.md, "Losing a member"); dropped earlier, it is not.
    members.removeIf(d -> !alive.contains(d) && !lostThisRound.contains(d));
    if (members.isEmpty()) {
      visitIndex++; // nobody left to visit (an sl device dropped before): the next visit
      return nextVisit();
    }
    Map<Integer, ActorRef<Device.Command>> refs = new TreeMap<>();
    Map<Integer, Double> factor = new TreeMap<>();
    Map<Integer, Double> up = new TreeMap<>();
    Map<Integer, Double> down = new TreeMap<>();
    Map<Integer, Double> serverShare = new TreeMap<>();
    Map<Integer, SplitPolicy.DevicePlan> own = new TreeMap<>();
    double linkShare = setup.sharedSpectrum() ? 1.0 / members.size() : 1.0;
    visitShare = setup.sharedSpectrum() ? linkShare : Double.NaN;
    int steps = setup.localSteps();
    // One boxed id per member for every map, and one box per value shared by all members: the
    // plan's maps live for the whole visit (a million devices' visit, issue 16).
    Double sharedLink = linkShare;
    Double sharedVisit = visitShare;
    Double sharedServer = 1.0 / members.size();
    Map<Double, Double> boxes = new HashMap<>();
    for (Integer d : members) {
      refs.put(d, devices.get(d));
      Double f = setup.factors().of(d, round);
      factor.put(d, boxes.size() < 256 ? boxes.computeIfAbsent(f, k -> k) : f);
      double[] planned = plannedShares.get(d);
      // (Double.valueOf: a conditional of a Double and a double would unbox and box again.)
      up.put(d, planned == null ? sharedLink : Double.valueOf(planned[0]));
      down.put(d, planned == null ? sharedLink : Double.valueOf(planned[1]));
      deviceShare.put(d, planned == null ? sharedVisit : Double.valueOf(planned[0]));
      serverShare.put(d, sharedServer);
      if (plans != null) {
        own.put(d, plans.get(d));
      }
      // One epoch: a barrier visit runs the largest shard's I_n; per-device copies get 0, which a
      // device reads as its own I_n (SplitFed v1 in LATENCY-MODEL.md).
      if (setup.localSteps() == 0 && clusters.mode() == VisitPlan.Mode.SHARED_CONCATENATED
          || setup.localSteps() == 0 && clusters.mode() == VisitPlan.Mode.SHARED_SEQUENTIAL) {
        steps = Math.max(steps, epochSteps(d));
      }
    }
    VisitPlan plan =
        new VisitPlan(
            round,
            visitIndex,
            clusters.clusters().size(),
            members,
            refs,
            steps,
            nowNs,
            deviceParams,
            cpsl == null ? -1 : cut,
            clusters.mode(),
            factor,
            up,
            down,
            serverShare,
            own,
            setup.faultPlan().survival().equalWeights());
    releaseVisit();
    send(server, new EdgeServer.RunVisit(plan, visitAdapter));
    return this;
  }

  /**
   * The detail of a device's {@code deadline} row: why it missed the phase, and what the run does
   * with it: under {@code survival.absent} ({@code dropForRun}), unless its cluster member was lost
   * in round {@code round} ({@code memberLost}): then it is out until it is re-created from its
   * kept state ({@code rejoins}, as the {@code member-lost} row says; before 2026-12-07 the row
   * said it was dropped from later rounds, and a {@code rejoin} row brought it back), or for the
   * rest of the run.
   */
  static String deadlineDetail(
      String why, boolean dropForRun, boolean memberLost, boolean rejoins, int round) {
    String then;
    if (memberLost) {
      then =
          rejoins
              ? "; its cluster member is lost: out of the step and FedAvg of this round,"
                  + " re-created on a surviving devices member to take part again from round "
                  + (round + 1)
                  + " (member-lost, rejoin rows)"
              : "; its cluster member is lost: out for the rest of the run (member-lost row)";
    } else {
      then =
          dropForRun
              ? "; dropped from the step, FedAvg and later rounds"
              : "; dropped from the step and FedAvg of this round, asked again next round"
                  + " (survival.absent = drop-for-round)";
    }
    return "no answer by barrier.deadline (" + why + ")" + then;
  }

  private int epochSteps(int device) {
    int samples = shardSize.get(device);
    return (samples + setup.batchSize() - 1) / setup.batchSize();
  }

  private Behavior<Command> onVisitDone(WrappedVisit w) {
    EdgeServer.VisitDone v = w.done();
    nowNs = v.endNs();
    if (visitIndex + 1 < clusters.clusters().size() || round < setup.rounds()) {
      holdVisit(); // the next visit starts at nowNs, once this round's end (evaluation) is done
    }
    deviceParams = v.deviceParams();
    breakdown = breakdown.plus(v.breakdown());
    lossSum += v.lossSum();
    lossCount += v.lossCount();
    participants += v.participants();
    reported.clear(); // what the visit reported, kept without its message's map
    reported.putAll(v.reported());
    paths.putAll(v.paths());
    recordPassedFaults(v.endNs());
    boolean dropForRun = setup.faultPlan().survival().dropForRun();
    for (Map.Entry<Integer, String> e : v.missing().entrySet()) {
      failed++;
      if (v.lost().contains(e.getKey())) {
        // Re-created on another member without its state (its member left or was lost): no
        // deadline miss but a loss, of which its report (or its member's loss) tells, and that
        // takes it out and re-creates it (onMemberLost). Until then it stays in the run: dropped
        // here for good (drop-for-run), it would never come back.
        getContext()
            .getLog()
            .debug("device {} was re-created without its state in round {}", e.getKey(), round);
        continue;
      }
      if (dropForRun) {
        alive.remove(e.getKey());
      }
      eventAt(
          v.missedAtNs().get(e.getKey()),
          "deadline",
          "device-" + e.getKey(),
          deadlineDetail(
              e.getValue(),
              dropForRun,
              lostThisRound.contains(e.getKey()),
              rejoining.contains(e.getKey()),
              round));
    }
    for (Map.Entry<Integer, Device.RoundStats> e : v.stats().entrySet()) {
      Device.RoundStats s = e.getValue();
      deviceRows.add(
          new DeviceRecord(
              round,
              e.getKey(),
              v.cluster(),
              cutOf(e.getKey()),
              s.computeNs() / NS,
              s.uplinkNs() / NS,
              s.downlinkNs() / NS,
              s.bytesUp(),
              s.bytesDown(),
              plans != null
                  ? plans.get(e.getKey()).upShare()
                  : deviceShare.getOrDefault(e.getKey(), visitShare),
              true));
    }
    for (int d : v.missing().keySet()) {
      deviceRows.add(
          new DeviceRecord(round, d, v.cluster(), cutOf(d), 0, 0, 0, 0, 0, Double.NaN, false));
    }
    visitIndex++;
    return nextVisit();
  }

  private boolean evaluateThisRound() {
    return setup.server().full() && (round % setup.evalEvery() == 0 || round == setup.rounds());
  }

  private Behavior<Command> endRound() {
    SupervisorSetup.Crash crashed =
        SupervisorSetup.Crash.firstBy(setup.checkpointing().crashes(), struck::contains, nowNs);
    // A crash within this round (or inside an earlier crash's restart delay) loses its work.
    if (crashed != null) {
      return crash(crashed, Math.max(crashed.atNs(), roundStartNs), round);
    }
    if (evaluateThisRound()) {
      send(server, new EdgeServer.Evaluate(round, deviceParams, evalAdapter));
      return this;
    }
    return record(Double.NaN);
  }

  private Behavior<Command> record(double accuracy) {
    double latency = (nowNs - roundStartNs) / NS;
    double wallS = (System.nanoTime() - wallStart) / NS;
    // Read here, where the engine ends the round, not where the recorder writes the row: the
    // recorder lags by its backlog of device rows and events.
    double cpuS = RoundRecord.processCpuS();
    double trainLoss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
    // A round no device took part in records no device's work, as devices.csv does: its whole
    // latency is the wait for the deadlines of the devices given up (aggregation), as in a split
    // round (splitRow) and a barrier round whose devices were all silent from its start. The
    // visits' critical path would still show the forward passes, transfers and server steps made
    // before the devices went silent.
    EdgeServer.Breakdown parts =
        participants == 0 ? new EdgeServer.Breakdown(0, 0, 0, nowNs - roundStartNs) : breakdown;
    RoundRecord r =
        plans != null
            ? splitRow(
                setup.scheme(),
                round,
                roundStartNs,
                nowNs,
                paths.values(),
                failed,
                cutLabel(),
                accuracy,
                trainLoss,
                wallS,
                cpuS)
            : new RoundRecord(
                round,
                setup.scheme(),
                nowNs / NS,
                latency,
                parts.deviceNs() / NS,
                parts.serverNs() / NS,
                parts.communicationNs() / NS,
                parts.aggregationNs() / NS,
                participants,
                failed,
                cutLabel(),
                clusters.clusters().size(),
                accuracy,
                trainLoss,
                wallS,
                cpuS);
    for (DeviceRecord d : deviceRows) {
      recorder.tell(new Recorder.DeviceRecorded(d));
    }
    recorder.tell(new Recorder.RoundCompleted(r));
    if (cpsl != null) {
      cpsl.observe(latency);
    }
    boolean reached = !Double.isNaN(accuracy) && accuracy >= setup.targetAccuracy();
    if (round >= setup.rounds() || (setup.stopAtTarget() && reached)) {
      return finish(null);
    }
    return checkpointDue() ? takeCheckpoint() : roundBoundary();
  }

  private String cutLabel() {
    if (plans != null) {
      return splitCuts(plans);
    }
    return cpsl == null ? setup.cut() : Integer.toString(cut);
  }

  /** A split round's cut label: every device's cut, in device order, joined by {@code ;}. */
  static String splitCuts(List<SplitPolicy.DevicePlan> plans) {
    return plans.stream().map(SplitPolicy.DevicePlan::cut).collect(Collectors.joining(";"));
  }

  /** What {@code devices.csv} shows as device {@code d}'s cut. */
  private String cutOf(int d) {
    return plans != null ? plans.get(d).cut() : cutLabel();
  }

  /**
   * A split scheme's decisions for this round from the rates each device's own transfers achieved
   * last round (bytes over share-weighted link time), or, where it sent nothing that way (the first
   * round, a split wholly on the device, a device given up), a probe of its idle link; a {@code
   * replan} event for every device whose decision changed. The round is planned over the devices it
   * asks ({@code alive}): a device out of the run (dropped at a deadline under drop-for-run, or
   * lost with its cluster member and not re-created yet) is not probed, has NaN rates and gets
   * {@link SplitPolicy#ABSENT}, no share and no {@code replan} row. Returns the policy's refusal,
   * or null.
   */
  private String splitRound() {
    int n = setup.devices().size();
    double[] upBps = new double[n];
    double[] downBps = new double[n];
    java.util.Arrays.fill(upBps, Double.NaN);
    java.util.Arrays.fill(downBps, Double.NaN);
    for (int d : alive) {
      Emulation.LinkPair probe = split().probes().get(d);
      probe.up().round(round);
      probe.down().round(round);
      Device.RoundStats a = reported.get(d);
      upBps[d] =
          a != null && a.upShareNs() > 0
              ? 8.0 * a.bytesUp() / (a.upShareNs() / 1e9)
              : SplitPolicy.probeRate(probe.up(), nowNs);
      downBps[d] =
          a != null && a.downShareNs() > 0
              ? 8.0 * a.bytesDown() / (a.downShareNs() / 1e9)
              : SplitPolicy.probeRate(probe.down(), nowNs);
      if (upBps[d] == 0 || downBps[d] == 0) {
        // A probe that delivers nothing: the link's trace has ended (end = stop); the run stops
        // here with the device named, as a transfer on it would stop it a step later.
        return SplitPolicy.carriesNothing(
            setup.devices().get(d).id(), upBps[d] == 0 ? "uplink" : "downlink", nowNs, round);
      }
    }
    if (split().policy().roundsRemembered() > 0) { // the copy costs N devices' rates
      keepPlanInput(new Checkpoint.PlanInput(round, upBps, downBps));
    }
    try {
      plans = split().policy().plan(round, upBps, downBps);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    for (int d : alive) {
      SplitPolicy.DevicePlan p = plans.get(d);
      if (!p.label().equals(labels.get(d))) {
        labels.put(d, p.label());
        event(
            "replan",
            "device-" + d,
            p.label()
                + "; "
                + p.detail()
                + "; link estimate up "
                + SplitPolicy.fmt(upBps[d])
                + " bit/s, down "
                + SplitPolicy.fmt(downBps[d])
                + " bit/s");
      }
    }
    return null;
  }

  /**
   * The row of a split round from {@code startNs} to {@code endNs}: the breakdown follows the
   * completed device whose steps end last (the first in device order on a tie): its compute and its
   * copy's server time; aggregation is what the model transfers and the wait for the deadlines of
   * devices given up add after its steps, and communication the rest. {@code completed} are the
   * paths of the devices that completed the round, in device order; the run and {@code plan}'s walk
   * of round 1 both record a split round with it.
   */
  static RoundRecord splitRow(
      String scheme,
      int round,
      long startNs,
      long endNs,
      java.util.Collection<EdgeServer.DevicePath> completed,
      int failed,
      String cut,
      double accuracy,
      double trainLoss,
      double wallS,
      double cpuS) {
    // With every device given up, the round is the wait for their deadlines (aggregation).
    EdgeServer.DevicePath crit = new EdgeServer.DevicePath(startNs, 0, 0);
    boolean first = true;
    for (EdgeServer.DevicePath p : completed) {
      if (first || p.stepsEndNs() > crit.stepsEndNs()) {
        crit = p;
      }
      first = false;
    }
    double latency = (endNs - startNs) / NS;
    double compute = crit.computeNs() / NS;
    double server = crit.serverNs() / NS;
    double aggregation = (endNs - crit.stepsEndNs()) / NS;
    double comm = latency - compute - server - aggregation;
    return new RoundRecord(
        round,
        scheme,
        endNs / NS,
        latency,
        compute,
        server,
        comm,
        aggregation,
        completed.size(),
        failed,
        cut,
        1,
        accuracy,
        trainLoss,
        wallS,
        cpuS);
  }

  /**
   * A round's CPSL plan, computed off this actor's thread ({@link CpslControl#PLANNERS}) for {@link
   * #onCpslPlanned}: at 10,000 devices SAA takes seconds, in which this actor still answers
   * failures and lost members. The plan is a function of the round's states and seeds only, so
   * where it runs changes nothing in it.
   *
   * @param why why SAA plans the cut this round (null: it keeps the cut in force or the scheduled
   *     one)
   * @param error the plan's failure in one line, or null
   */
  private record CpslPlanned(
      int round, String why, CutPlan cutPlan, RoundPlan roundPlan, String error)
      implements Command {}

  private boolean awaitingPlan;
  // Set when the run ends during a plan: the plan stops at its next SAA optimum.
  private final AtomicBoolean planStop = new AtomicBoolean();
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  /** Both CPSL timescales at the start of a round: the cut if due, then clusters and shares. */
  private void startCpslPlan() {
    List<CpslControl.Device> running = new ArrayList<>();
    for (int d : alive) {
      DeviceSetup s = deviceSetups.get(d);
      running.add(new CpslControl.Device(d, s.flopsPerSecond(), s.shard().length));
    }
    boolean saaDue = cpsl.saa() && (round == 1 || cpsl.pendingReplan() != null);
    String why = !saaDue ? null : round == 1 ? "start of the run" : cpsl.pendingReplan();
    int roundCut = !saaDue && cpsl.scheduled() ? cpsl.scheduledCut(round) : cut;
    CpslControl.Work work = cpsl.work(round, roundCut, saaDue, running, setup.factors());
    int planned = round;
    awaitingPlan = true;
    getContext()
        .pipeToSelf(
            CompletableFuture.supplyAsync(
                () -> cpsl.compute(work, planStop::get), CpslControl.PLANNERS),
            (p, e) -> {
              if (e == null) {
                return new CpslPlanned(planned, why, p.cut(), p.round(), null);
              }
              Throwable c = cause(e);
              if (!(c instanceof CancellationException)) {
                // The run ends with one line; the trace is for whoever debugs the planner.
                LOG.error("the cpsl plan of round {} failed", planned, c);
              }
              return new CpslPlanned(planned, why, null, null, RunGuardian.oneLine(c));
            });
  }

  private static Throwable cause(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** The round's CPSL plan is made: the cut's events and re-cut, then the clusters and shares. */
  private Behavior<Command> onCpslPlanned(CpslPlanned m) {
    if (!awaitingPlan || m.round() != round) {
      return this;
    }
    awaitingPlan = false;
    if (m.error() != null) {
      return finish("the cpsl plan of round " + round + " failed: " + m.error());
    }
    if (alive.isEmpty()) {
      // Every device was on cluster members lost during the plan (as at planRound).
      return finish("no device is left to train");
    }
    if (m.cutPlan() != null) {
      CutPlan p = m.cutPlan();
      cpsl.planned(p);
      String kind = round == 1 ? "cut-plan" : "cut-replan";
      event(kind, "supervisor", m.why() + ": " + CpslControl.describe(p));
      if (p.cut() != cut) {
        recut(p.cut());
      }
    } else if (cpsl.scheduled()) {
      int next = cpsl.scheduledCut(round);
      if (round == 1) {
        event(
            "cut-plan",
            "supervisor",
            "cut "
                + next
                + " scheduled for round 1 (cpsl.cut-schedule = "
                + setup.cpsl().settings().cutSchedule()
                + ", the last entry holds after the list ends)");
      } else if (next != cut) {
        event("cut-replan", "supervisor", "cut " + next + " scheduled for round " + round);
      }
      if (next != cut) {
        recut(next);
      }
    } else if (round == 1) {
      event("cut-plan", "supervisor", "cut " + cut + " fixed all run (cpsl.cut = fixed)");
    }
    RoundPlan plan = m.roundPlan();
    plannedShares.clear();
    deviceShare.clear();
    List<List<Integer>> groups = CpslControl.clusters(plan, plannedShares);
    event(
        "clustering",
        "supervisor",
        CpslControl.describe(
            plan, setup.cpsl().settings().clustering(), setup.cpsl().settings().spectrum()));
    clusters = new RoundPlanner.Clusters(groups, VisitPlan.Mode.SHARED_CONCATENATED);
    return roundPlanned();
  }

  /**
   * Moves the cut to {@code newCut} between rounds: the edge server folds the current device-side
   * and its server-side weights into the whole model, cuts it again and answers the new device side
   * ({@link EdgeServer.MoveCut}); every running device moves when the next visit's {@link
   * Device.BeginVisit} brings the cut and those weights (links and processors, with their queues,
   * are kept). Each device keeps its batch cursor, so the batch order goes on where it was: a
   * re-cut before round 1 is exactly a run at that cut, and a mid-run re-cut trains on the batches
   * the old cut would have. The optimizer state restarts (momentum of the moved units has no home
   * in the new slices). A dropped device keeps its silent actor and old slice.
   */
  private void recut(int newCut) {
    int old = cut;
    send(
        server,
        new EdgeServer.MoveCut(
            newCut, setup.cpsl().profile().serverFlops(newCut), deviceParams, cutAdapter));
    awaitingCut = true;
    cut = newCut;
    event(
        "recut",
        "supervisor",
        "cut "
            + old
            + " -> "
            + newCut
            + ": slices moved in the running devices and a new server slice; trained weights"
            + " and batch order kept");
  }

  private Behavior<Command> onCutMoved(WrappedCut w) {
    awaitingCut = false;
    if (w.moved().deviceParams() != null) {
      deviceParams = w.moved().deviceParams();
    }
    return nextVisit();
  }

  /**
   * Tells a device a fault command. On a cluster it goes through the edge server, which forwards it
   * to the device's forwarder in its JVM: the server's own commands to the device come from there,
   * and the round's fault commands must reach the device before the round's first request, which
   * the edge server sends only after this actor's visit (messages from this JVM to the edge server
   * are in order; to the forwarder and to the server they are not).
   */
  private void toDevice(ActorRef<Device.Command> device, Device.Command c) {
    if (placement.rejoinsLostDevices()
        && !(c instanceof Device.TakeSnapshot)
        && !(c instanceof Device.RoundStarted)) {
      // Kept to be given again to a device re-created from a state kept before it (rejoinLost).
      given.computeIfAbsent(device, k -> new ArrayList<>()).add(c);
    }
    deliver(device, c);
  }

  private void deliver(ActorRef<Device.Command> device, Device.Command c) {
    if (placement.rejoinsLostDevices() && server != null) {
      server.tell(new EdgeServer.ToDevice(device, c));
    } else {
      device.tell(c);
    }
  }

  /** Whether this is a cluster run whose faults act on links (which need the rounds' starts). */
  private boolean clusterLinkFaults() {
    return placement.rejoinsLostDevices()
        && server != null
        && setup.faultPlan().faults().stream().anyMatch(f -> Emulation.isLinkFault(f.kind()));
  }

  /** Whether {@code kind} silences a device until its end (a hang or a crash). */
  private static boolean silences(String kind) {
    return kind.equals("device-hang") || kind.equals("device-crash");
  }

  /**
   * At the run's start, tells each device the faults it will meet at emulated instants (it applies
   * them itself, at the first of its transfers that reaches them), and a device that will crash to
   * save its initial state (it saves again at every later round's start).
   */
  private void armFaults() {
    List<Settings.Fault> faults = setup.faultPlan().faults();
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      for (int d : f.devices()) {
        ActorRef<Device.Command> device = devices.get(d);
        if (device == null) {
          continue;
        }
        boolean instant = !f.start().atRoundStart();
        switch (f.kind()) {
          case "device-hang" -> {
            if (instant) {
              toDevice(device, new Device.HangAt(f.start().atNs()));
            }
          }
          case "device-crash" -> {
            toDevice(device, Device.SaveState.INSTANCE);
            if (instant) {
              toDevice(device, new Device.Crash(f.start().atNs()));
            }
          }
          case "device-slowdown" ->
              // A window starting with a round is opened at that round's start (roundStartFaults).
              toDevice(
                  device,
                  new Device.Slowdown(
                      i, instant ? f.start().atNs() : Long.MAX_VALUE, endNs(f), f.factor()));
          default -> {
            // link kinds act on the links, not on the device actor
          }
        }
      }
    }
  }

  /** A fault's end instant if it ends at one, else (a round's start, or none) not known yet. */
  private static long endNs(Settings.Fault f) {
    return f.end() != null && !f.end().atRoundStart() ? f.end().atNs() : Long.MAX_VALUE;
  }

  /**
   * The faults that start with this round (injected now, a {@code fault} row each), then the ends
   * this round's start reaches: a hang or crash whose end has passed ends here, at the first round
   * start at or after it (the device answers again, after a crash from its last saved state; a
   * {@code recovery} row), and every other kind ending with this round gets its {@code recovery}
   * row.
   */
  private void roundStartFaults() {
    List<Settings.Fault> faults = setup.faultPlan().faults();
    // A device that may crash saves its state first: the state of the last round's end.
    java.util.Set<Integer> saving = new java.util.TreeSet<>();
    for (Settings.Fault f : faults) {
      if (f.kind().equals("device-crash")) {
        saving.addAll(f.devices());
      }
    }
    for (int d : saving) {
      if (round > 1 && devices.containsKey(d)) {
        toDevice(devices.get(d), Device.SaveState.INSTANCE);
      }
    }
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (!f.start().atRoundStart() || f.start().round() != round) {
        continue;
      }
      faultStartNs.put(i, nowNs);
      if (f.emptyAt(nowNs)) {
        // round = R, until = T with T at or before round R's start: an empty window, struck at
        // no device; its one row, at R's start, says so (docs/faults.md "Recording").
        faultsEnded.add(i);
        recordFault(i, f, nowNs);
        continue;
      }
      for (int d : f.devices()) {
        ActorRef<Device.Command> device = devices.get(d);
        if (device == null) {
          continue;
        }
        switch (f.kind()) {
          case "device-hang" -> toDevice(device, Device.Hang.INSTANCE);
          case "device-crash" -> toDevice(device, new Device.Crash(-1));
          case "device-slowdown" ->
              toDevice(device, new Device.Slowdown(i, nowNs, endNs(f), f.factor()));
          default -> {
            // link kinds act on the links
          }
        }
      }
      recordFault(i, f, nowNs);
    }
    // at = T, until-round = R with round R starting at or before T: an empty window, taken back
    // before any end is applied (so no other silence counts it as holding its device); its one row
    // at T says so (docs/faults.md "Recording").
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (!f.start().atRoundStart()
          && !faultsEnded.contains(i)
          && f.mixedRound() <= round
          && f.emptyAt(nowNs)) {
        faultsEnded.add(i);
        faultStartNs.put(i, nowNs);
        disarm(i, f);
      }
    }
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (f.end() == null || faultsEnded.contains(i)) {
        continue;
      }
      if (!f.start().reachedBy(round, nowNs) || !f.end().reachedBy(round, nowNs)) {
        continue;
      }
      if (silences(f.kind())) {
        faultsEnded.add(i);
        resume(i, f);
      } else if (f.end().atRoundStart()) {
        faultsEnded.add(i);
        if (f.kind().equals("device-slowdown")) {
          long from = f.start().atRoundStart() ? faultStartNs.get(i) : f.start().atNs();
          for (int d : f.devices()) {
            if (devices.containsKey(d)) {
              toDevice(devices.get(d), new Device.Slowdown(i, from, nowNs, f.factor()));
            }
          }
        }
        recordRecovery(i, f, nowNs);
      }
    }
  }

  /**
   * Whether fault {@code i} is an empty window: {@code at = T, until-round = R} found empty at
   * round R's start, or {@code round = R, until = T} with T at or before round R's start (in both,
   * faultStartNs holds that start; an instant's fault has one only then).
   */
  private boolean empty(int i, Settings.Fault f) {
    Long at = faultStartNs.get(i);
    return at != null && f.emptyAt(at);
  }

  /**
   * Takes back fault {@code i}'s empty window from its devices: a hang's or crash's instant (each
   * device is told the instants of its silences still to come), a slowdown's window.
   */
  private void disarm(int i, Settings.Fault f) {
    List<Settings.Fault> faults = setup.faultPlan().faults();
    for (int d : f.devices()) {
      ActorRef<Device.Command> device = devices.get(d);
      if (device == null) {
        continue;
      }
      if (f.kind().equals("device-slowdown")) {
        toDevice(device, new Device.Slowdown(i, f.start().atNs(), f.start().atNs(), f.factor()));
      } else if (silences(f.kind())) {
        long hangAt = Long.MAX_VALUE;
        long crashAt = Long.MAX_VALUE;
        for (int j : silencesOf(d)) {
          Settings.Fault g = faults.get(j);
          if (!g.start().atRoundStart() && !faultsEnded.contains(j)) {
            hangAt = Math.min(hangAt, g.start().atNs());
            if (g.kind().equals("device-crash")) {
              crashAt = Math.min(crashAt, g.start().atNs());
            }
          }
        }
        toDevice(device, new Device.Rearm(hangAt, crashAt));
      }
    }
  }

  /** Device {@code d}'s hangs and crashes, as fault indexes in list order. */
  private int[] silencesOf(int d) {
    return silencesOf.getOrDefault(d, NO_FAULTS);
  }

  private static final int[] NO_FAULTS = new int[0];

  /**
   * Ends fault {@code i}'s hang or crash at this round's start: each device answers again, the
   * silences of its other faults still going on are told again, and the {@code recovery} row says
   * whether the device takes part again (survival.absent). A device another silence still holds
   * gets no row now: the rows of its silences ended so far are written at the round start at which
   * it answers again.
   */
  private void resume(int i, Settings.Fault f) {
    List<Settings.Fault> faults = setup.faultPlan().faults();
    java.util.Set<Integer> held = new java.util.TreeSet<>();
    for (int d : f.devices()) {
      ActorRef<Device.Command> device = devices.get(d);
      if (device == null) {
        continue;
      }
      toDevice(device, new Device.Resume(nowNs));
      for (int j : silencesOf(d)) {
        if (j == i || faultsEnded.contains(j)) {
          continue;
        }
        Settings.Fault g = faults.get(j);
        boolean crash = g.kind().equals("device-crash");
        if (!g.start().atRoundStart()) {
          toDevice(
              device,
              crash ? new Device.Crash(g.start().atNs()) : new Device.HangAt(g.start().atNs()));
          if (g.start().atNs() <= nowNs) {
            held.add(d);
          }
        } else if (g.start().round() <= round) {
          toDevice(device, crash ? new Device.Crash(-1) : Device.Hang.INSTANCE);
          held.add(d);
        }
      }
    }
    for (int d : f.devices()) {
      if (held.contains(d)) {
        continue;
      }
      String stays =
          alive.contains(d) ? "" : "; it stays out of the run (survival.absent = drop-for-run)";
      // This silence's row and those of the device's silences that ended while this one held it.
      for (int k : silencesOf(d)) {
        Settings.Fault g = faults.get(k);
        if (faultsEnded.contains(k) && !empty(k, g)) {
          String back =
              g.kind().equals("device-crash")
                  ? "device rejoins with its last saved model at round " + round + "'s start"
                  : "device answers again from round " + round + "'s start";
          faultRow(k, g, "recovery", "device-" + d, nowNs, back + stays);
        }
      }
    }
  }

  /**
   * The faults a visit ending at {@code endNs} has passed: a fault starting at an instant is
   * recorded at that instant once the run has passed it, and so is the end at an instant of a kind
   * other than a hang or crash (those end at a round's start, {@link #roundStartFaults}).
   */
  private void recordPassedFaults(long endNs) {
    List<Settings.Fault> faults = setup.faultPlan().faults();
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (!f.start().atRoundStart() && f.start().atNs() < endNs) {
        recordFault(i, f, f.start().atNs());
      }
      if (f.end() != null
          && !f.end().atRoundStart()
          && !silences(f.kind())
          && f.end().atNs() < endNs
          // A window from a round not started yet ends before it starts: empty, no recovery row.
          && !(f.start().atRoundStart() && f.start().round() > round)
          && faultsEnded.add(i)) {
        recordRecovery(i, f, f.end().atNs());
      }
    }
  }

  /** Fault {@code i}'s {@code fault} rows at {@code ns}, one per subject, once. */
  private void recordFault(int i, Settings.Fault f, long ns) {
    if (SupervisorSetup.Crash.ownRows(f.kind())) {
      return; // crashes write their own fault and recovery rows, after the rewind
    }
    String effect =
        empty(i, f) ? FaultPlan.emptyWindow(f, faultStartNs.get(i)) : FaultPlan.effect(f);
    for (String subject : FaultPlan.subjects(f)) {
      faultRow(i, f, "fault", subject, ns, effect);
    }
  }

  private void recordRecovery(int i, Settings.Fault f, long ns) {
    if (SupervisorSetup.Crash.ownRows(f.kind())) {
      return;
    }
    for (String subject : FaultPlan.subjects(f)) {
      faultRow(i, f, "recovery", subject, ns, "fault over");
    }
  }

  /** Fault {@code i}'s {@code kind} row of {@code subject} at {@code ns}, once. */
  private void faultRow(
      int i, Settings.Fault f, String kind, String subject, long ns, String what) {
    if (faultsRecorded.add(i + "/" + subject + "/" + kind)) {
      // The row carries i: a crash's rewind cuts it and the redone rounds write it again, which
      // the live counters, having counted it, do not count twice (Metrics.Run.onEvent).
      eventAt(
          ns,
          kind,
          subject,
          f.kind() + ": " + what + " (scenario fault, " + FaultPlan.when(f) + ")",
          i);
    }
  }

  private void event(String kind, String subject, String detail) {
    eventAt(nowNs, kind, subject, detail);
  }

  private void eventAt(long ns, String kind, String subject, String detail) {
    eventAt(ns, kind, subject, detail, -1);
  }

  /** As above, a row of scenario fault {@code fault} (its index, EventRecord#fault; -1: none). */
  private void eventAt(long ns, String kind, String subject, String detail, int fault) {
    recorder.tell(
        new Recorder.EventRecorded(new EventRecord(ns / NS, round, kind, subject, detail, fault)));
  }

  /**
   * Ends the run: once the recorder has written every row this actor published (or has failed, or
   * does not answer within {@link Recorder#FLUSH_TIMEOUT}), answers {@link Finished} and stops.
   */
  private Behavior<Command> finish(String error) {
    planStop.set(true);
    if (failureWatchdog != null) {
      failureWatchdog.cancel();
    }
    if (pipelineWatchdog != null) {
      pipelineWatchdog.cancel();
    }
    if (replyTo == null) { // a cluster's failure before the run started
      if (pendingStart == null) {
        earlyFailure = error;
        return this;
      }
      replyTo = pendingStart.replyTo();
    }
    releaseVisit();
    if (pipeline != null) {
      pipeline.close();
      if (!recorderFailed) {
        // A cluster's MP-SL devices report where they started on their own way: their placement
        // rows come before the recorder's last flush, however short the run (a run that ended
        // normally waits for every device it addressed, each having had its first epoch's start:
        // not a resumed run's given up for the run before its checkpoint, never created; one cut
        // short for those that reported to it).
        Set<Integer> awaited = new TreeSet<>(pipelineReported);
        if (error == null && pipelineWired) {
          awaited.addAll(pipeline.addressed());
        }
        if (placement.settlePlacement(getContext(), awaited)) {
          return settlingPlacement(error);
        }
      }
    }
    return flushed(error);
  }

  /**
   * Waits for the placement rows not told yet ({@link PlacementSettled}; at most {@link
   * #PLACEMENT_SETTLE} and a little more should the answer never come), records them, then ends as
   * {@link #flushed}.
   */
  private Behavior<Command> settlingPlacement(String error) {
    org.apache.pekko.actor.Cancellable giveUp =
        getContext()
            .scheduleOnce(
                PLACEMENT_SETTLE.plusSeconds(5),
                getContext().getSelf(),
                new PlacementSettled(List.of()));
    return Behaviors.receive(Command.class)
        .onMessage(
            DevicesPlaced.class,
            m -> {
              onDevicesPlaced(m); // told as the last device started, before the answer
              return Behaviors.same();
            })
        .onMessage(
            PlacementSettled.class,
            m -> {
              giveUp.cancel();
              m.rows().forEach(this::onDevicesPlaced);
              return flushed(error);
            })
        .onSignal(
            ChildFailed.class,
            f -> {
              if (!f.getRef().equals(recorder)) {
                return Behaviors.same();
              }
              giveUp.cancel();
              String why = f.getCause().getMessage();
              replyTo.tell(finished(error != null ? error : "recorder failed: " + why));
              return Behaviors.stopped();
            })
        .onSignal(Terminated.class, t -> Behaviors.same())
        .build();
  }

  /**
   * How long an MP-SL cluster run's end waits for its devices' start reports ({@link
   * Placement#settlePlacement}): they left their members as the devices started, so they are late
   * only when a member or the network is loaded.
   */
  static final java.time.Duration PLACEMENT_SETTLE = java.time.Duration.ofSeconds(10);

  /**
   * Once the recorder has written every row this actor published (or has failed, or does not answer
   * within {@link Recorder#FLUSH_TIMEOUT}), answers {@link Finished} and stops.
   */
  private Behavior<Command> flushed(String error) {
    if (recorderFailed) {
      replyTo.tell(finished(error));
      return Behaviors.stopped();
    }
    Recorder.askFlush(getContext(), recorder, error, RecorderFlushed::new);
    return Behaviors.receive(Command.class)
        .onMessage(
            RecorderFlushed.class,
            m -> {
              replyTo.tell(finished(m.error()));
              return Behaviors.stopped();
            })
        .onSignal(
            ChildFailed.class,
            f -> {
              if (!f.getRef().equals(recorder)) {
                return Behaviors.same();
              }
              String why = f.getCause().getMessage();
              replyTo.tell(finished(error != null ? error : "recorder failed: " + why));
              return Behaviors.stopped();
            })
        // Another child stopping now is no reason to fail: the run is over.
        .onSignal(Terminated.class, t -> Behaviors.same())
        .build();
  }

  private Finished finished(String error) {
    return new Finished(round, nowNs, error, pipeline == null ? null : pipeline.result());
  }

  // A cluster's lost devices (docs/cluster.md, "Losing a member"): every device's state is kept at
  // each round's start, and a device whose member was lost is re-created from it on a surviving
  // member at the next round boundary, through its reference (ClusterMember's forwarder).

  /** A device's state at a round's start, kept to re-create it should its member be lost. */
  private record StateKept(Device.Snapshot snapshot) implements Command {}

  /** A device took back a state: a crash's rewind's or a resume's, or its re-creation's. */
  private record WrappedRestored(Device.Restored restored) implements Command {}

  // The timers of a round boundary (StatesTick, RejoinTick, RemovalTick) carry the round and how
  // many crash rewinds the run had when they were set: a rewind redoes the round numbers after its
  // checkpoint, and a timer of the discarded attempt must not act on the redone round of its
  // number.
  private int rewinds;

  /** The watchdog of the states asked for at round {@code round}'s start. */
  private record StatesTick(int round, int rewinds) implements Command {}

  /** Re-sends the restores not yet answered (one could meet its shard's old home). */
  private record RejoinTick(int round, int attempt, int rewinds) implements Command {}

  private static final java.time.Duration REJOIN_RETRY = java.time.Duration.ofSeconds(2);

  /** The watchdog of round {@code round}'s boundary waiting for a lost member's removal. */
  private record RemovalTick(int round, int rewinds) implements Command {}

  // Lost devices (to rejoin) whose member (host:port) is not yet removed from the cluster, and
  // whether the round boundary waits for such a removal.
  private final Map<Integer, String> awaitingRemoval = new TreeMap<>();
  // How many times each device was re-created or restored by a crash's rewind (the epoch of its
  // last restore, Device.Restore).
  private final Map<Integer, Integer> restoreEpochs = new HashMap<>();
  private boolean waitingForRemoval;

  private final Map<Integer, Device.Snapshot> kept = new HashMap<>();
  // The fault commands given to each device (a cluster's run) since the state last kept of it, in
  // order (onStateKept drops those the state has); how many of them the state asked for, and the
  // state kept, has (a device can be lost after its round's fault
  // commands but before its state had them: re-created from the round before's, it is given the
  // rest again).
  private final Map<ActorRef<Device.Command>, List<Device.Command>> given = new HashMap<>();
  private final Map<Integer, Integer> givenWhenAsked = new HashMap<>();
  private final Map<Integer, Integer> givenWhenKept = new HashMap<>();
  private final TreeSet<Integer> rejoining = new TreeSet<>();
  private final TreeSet<Integer> awaitedStates = new TreeSet<>();
  private final TreeSet<Integer> awaitedRejoins = new TreeSet<>();

  /**
   * Between two rounds (and before the first): where lost devices are re-created, first every
   * running device's state is kept, then the lost ones are restored, then the round starts.
   */
  private Behavior<Command> roundBoundary() {
    // A cluster first re-creates the devices of a lost member, from their kept states.
    return placement.rejoinsLostDevices() ? rejoinLost() : startRound();
  }

  /**
   * On a cluster, at a round's start once its fault commands are sent: asks every running device
   * for its state, through the edge server like those commands (so the state has them), and plans
   * the round once every state is kept.
   */
  private Behavior<Command> keepStates() {
    awaitedStates.clear();
    awaitedStates.addAll(alive);
    if (awaitedStates.isEmpty()) {
      return planRound();
    }
    if (getContext().getLog().isDebugEnabled()) {
      Map<Integer, Integer> held = new TreeMap<>();
      devices.forEach((d, ref) -> held.put(d, given.getOrDefault(ref, List.of()).size()));
      getContext()
          .getLog()
          .debug("round {}: fault commands held to give again, per device: {}", round, held);
    }
    // Registered again by each checkpoint with its own function (one adapter per reply class and
    // actor: the later replaces the earlier). The two never overlap, and each handler drops the
    // state of a device it does not await; but a snapshot carries no epoch, so a lost device's
    // answer to a checkpoint that came once its re-creation was asked for its state would count as
    // that state (not seen: a lost member's entity answers before its loss is known, or never).
    ActorRef<Device.Snapshot> replies =
        getContext().messageAdapter(Device.Snapshot.class, StateKept::new);
    for (int d : awaitedStates) {
      givenWhenAsked.put(d, given.getOrDefault(devices.get(d), List.of()).size());
      toDevice(devices.get(d), new Device.TakeSnapshot(replies));
    }
    later(setup.server().barrierTimeout(), new StatesTick(round, rewinds));
    return this;
  }

  /** The states asked for at round {@code round}'s start are overdue. */
  private Behavior<Command> onStatesTick(StatesTick t) {
    if (t.round() != round || t.rewinds() != rewinds || awaitedStates.isEmpty()) {
      return this;
    }
    return finish(
        "devices "
            + awaitedStates
            + " did not send their state within barrier.timeout ("
            + setup.server().barrierTimeout().toSeconds()
            + " s of wall-clock time) at round "
            + round
            + "'s start; a member is stuck or overloaded");
  }

  private Behavior<Command> onStateKept(StateKept m) {
    int d = m.snapshot().device();
    if (awaitedStates.remove(d)) {
      kept.put(d, m.snapshot());
      // The commands the kept state has are never given again (a re-creation from it is given
      // those after them alone): they go, and the indexes into the list move down with it, so it
      // holds a round's commands or so, not every command of the run.
      int had = givenWhenAsked.get(d);
      List<Device.Command> all = given.get(devices.get(d));
      if (all != null && had > 0) {
        all.subList(0, Math.min(had, all.size())).clear();
      }
      givenWhenAsked.put(d, 0);
      givenWhenKept.put(d, 0);
      if (awaitedStates.isEmpty()) {
        return planRound();
      }
    }
    return this;
  }

  /**
   * Re-creates each lost device from the state kept at the start of the round it was lost in. A
   * device whose member is not yet removed from the cluster (it leaves, or was downed) waits for
   * that first: until then sharding may still hold its shard on that member and would start it
   * there again. The round waits too (wall-clock time only), for at most barrier.timeout, after
   * which the devices are re-created all the same.
   */
  private Behavior<Command> rejoinLost() {
    awaitedRejoins.clear();
    if (rejoining.stream().anyMatch(awaitingRemoval::containsKey)) {
      if (!waitingForRemoval) {
        waitingForRemoval = true;
        later(setup.server().barrierTimeout(), new RemovalTick(round, rewinds));
      }
      return this;
    }
    waitingForRemoval = false;
    awaitedRejoins.addAll(rejoining);
    if (awaitedRejoins.isEmpty()) {
      return startRound();
    }
    awaitedRejoins.forEach(d -> restoreEpochs.merge(d, 1, Integer::sum));
    sendRestores(awaitedRejoins);
    later(REJOIN_RETRY, new RejoinTick(round, 1, rewinds));
    return this;
  }

  private void sendRestores(java.util.Collection<Integer> which) {
    for (int d : List.copyOf(which)) {
      send(devices.get(d), new Device.Restore(kept.get(d), restoreAdapter, restoreEpochs.get(d)));
    }
  }

  /**
   * A device's answer to a restore. A re-creation's and a crash's rewind's (or a resume's) answer
   * on one route, the supervisor's one adapter for the class: each restore sent to a device carries
   * its restore epoch ({@link #restoreEpochs}, 0 for all in one JVM or a resume), and its answer
   * that epoch, so that an answer to an earlier restore (a re-sent re-creation's answered late, a
   * lost member's answer to a rewind's) never counts for the one the device was sent since: the run
   * would go on before the device holds the state it is to have. A current answer is the rewind's
   * if a rewind awaits the device, else its re-creation's; a second answer to a re-sent restore is
   * dropped by either.
   */
  private Behavior<Command> onRestored(WrappedRestored m) {
    int d = m.restored().device();
    int epoch = restoreEpochs.getOrDefault(d, 0);
    if (m.restored().epoch() != epoch) {
      getContext()
          .getLog()
          .debug(
              "dropped device {}'s answer to restore epoch {} (its last restore is epoch {})",
              d,
              m.restored().epoch(),
              epoch);
      return this;
    }
    if (restoring && awaitedDevices.contains(d)) {
      return onCheckpointReply(new CheckpointReply(null, null, d));
    }
    return onRejoined(d);
  }

  private Behavior<Command> onRejoinTick(RejoinTick t) {
    if (t.round() != round || t.rewinds() != rewinds || awaitedRejoins.isEmpty()) {
      return this;
    }
    long waited = REJOIN_RETRY.toMillis() * t.attempt();
    if (waited >= setup.server().barrierTimeout().toMillis()) {
      return finish(
          "devices "
              + awaitedRejoins
              + " of a lost cluster member were not re-created on a surviving member within"
              + " barrier.timeout ("
              + setup.server().barrierTimeout().toSeconds()
              + " s)");
    }
    sendRestores(awaitedRejoins);
    later(REJOIN_RETRY, new RejoinTick(round, t.attempt() + 1, rewinds));
    return this;
  }

  /** A member is removed: the devices it held can be re-created elsewhere now. */
  private Behavior<Command> onMemberRemoved(MemberRemoved m) {
    awaitingRemoval.values().removeIf(m.member()::equals);
    return waitingForRemoval ? rejoinLost() : this;
  }

  /** The wait of round {@code round}'s boundary for a lost member's removal is overdue. */
  private Behavior<Command> onRemovalTick(RemovalTick t) {
    if (!waitingForRemoval || t.round() != round || t.rewinds() != rewinds) {
      return this;
    }
    getContext()
        .getLog()
        .warn(
            "devices {} of cluster members {} not removed within barrier.timeout: re-created now",
            awaitingRemoval.keySet(),
            new TreeSet<>(awaitingRemoval.values()));
    awaitingRemoval.clear();
    return rejoinLost();
  }

  private Behavior<Command> onRejoined(int device) {
    if (!awaitedRejoins.remove(device)) {
      return this; // a second answer to a re-sent restore
    }
    if (!awaitedRejoins.isEmpty()) {
      return this;
    }
    // Those lost meanwhile with a member not yet removed come back at the next boundary.
    List<Integer> back = new ArrayList<>(rejoining);
    back.removeIf(awaitingRemoval::containsKey);
    rejoining.removeAll(back);
    lost.removeAll(back);
    alive.addAll(back);
    for (int d : back) {
      // The fault commands given after its kept state (those of the round it was lost at the
      // start of, when lost before its state had them), in order; a lost device got none since.
      List<Device.Command> all = given.getOrDefault(devices.get(d), List.of());
      for (Device.Command c : all.subList(givenWhenKept.getOrDefault(d, 0), all.size())) {
        deliver(devices.get(d), c);
      }
    }
    if (clusterLinkFaults()) {
      // A re-created device's links are new: they learn every round's start so far.
      for (int d : back) {
        roundStarts.forEach((r, at) -> toDevice(devices.get(d), new Device.RoundStarted(r, at)));
      }
    }
    event(
        "rejoin",
        "cluster",
        "devices "
            + back
            + " re-created on the surviving devices members from their state at the start of the"
            + " round their member was lost in; they take part from round "
            + (round + 1));
    return startRound();
  }

  // Checkpoints and resume (docs/runtime.md, "Checkpoints and resume"): taken after a round's row,
  // when every actor is quiescent; taking one charges no emulated time.

  /**
   * A device's snapshot, the server's, or (both null) an acknowledged restore, while a checkpoint
   * is taken or restored.
   */
  private record CheckpointReply(Device.Snapshot device, EdgeServer.Snapshot server, int restored)
      implements Command {

    static final int NONE = -1;
  }

  // The last rounds' rates handed to a split scheme's policy, as many as it remembers (replayed on
  // restore).
  private final java.util.ArrayDeque<Checkpoint.PlanInput> planInputs =
      new java.util.ArrayDeque<>();

  /** Keeps {@code in} for a restore's replay, and only as many rounds as the policy remembers. */
  private void keepPlanInput(Checkpoint.PlanInput in) {
    planInputs.addLast(in);
    while (planInputs.size() > split().policy().roundsRemembered()) {
      planInputs.removeFirst();
    }
  }

  // The starts (ns) of the rounds so far that some fault names at a round's start ({@code round =
  // R}, {@code until-round = R}): probes built anew on a restore, and a cluster's re-created
  // devices' links, learn them again. A link reads no other round's start (EmulatedLink keeps only
  // those LinkFaultWindows.namesRound names), so none other is kept: every round's was, which grew
  // this map, each checkpoint and the last one kept by a round's entry a round, for the whole run.
  private final TreeMap<Integer, Long> roundStarts = new TreeMap<>();
  private java.util.Set<Integer> roundsNamed;
  // Per node, the model memory of its peak round so far and of the last round it was published in
  // (split schemes): a resume publishes both again, in round order, so the summary's peaks cover
  // the rounds before the checkpoint and each node's gauge ends at its last round's value, as when
  // every round's memory was kept (which grew with the rounds, like roundStarts).
  private final TreeMap<String, NodeMemory> memory = new TreeMap<>();
  private final Map<Integer, Device.Snapshot> snapshots = new TreeMap<>();
  private EdgeServer.Snapshot serverSnapshot;
  // The devices whose snapshot (or restore's answer) the checkpoint under way waits for, and
  // whether it waits for the server's.
  private final TreeSet<Integer> awaitedDevices = new TreeSet<>();
  private boolean awaitedServer;
  private boolean restoring;
  // Devices of lost cluster members, retired, until they rejoin: they answer nothing.
  private final TreeSet<Integer> lost = new TreeSet<>();

  /**
   * The lost devices (their cluster member lost) that were in the run at checkpoint {@code c}, in
   * device order: the devices a rewind to it would have to restore without a running entity.
   */
  private List<Integer> lostInRun(Checkpoint c) {
    if (lost.isEmpty()) {
      return List.of();
    }
    Set<Integer> inRun = new HashSet<>(c.alive());
    return lost.stream().filter(inRun::contains).toList();
  }

  // The devices lost with their member in this round: still asked in its later visits.
  private final TreeSet<Integer> lostThisRound = new TreeSet<>();

  /**
   * A paced run resumed at emulated instant T is on schedule at once: its clock origin lies T /
   * speedup in the past (0 for a run from the start or a virtual one).
   */
  private long resumedPacingNs() {
    Checkpoint from = setup.checkpointing().resumeFrom();
    return from == null || speedup <= 0 ? 0 : (long) (from.nowNs() / speedup);
  }

  /** Whether a family other than MP-SL takes a checkpoint after this round. */
  private boolean checkpointDue() {
    return pipeline == null && checkpointDueAfter(round);
  }

  /**
   * Whether a checkpoint is due after round (MP-SL: epoch, but the last) {@code epoch}: every
   * {@code checkpoint.every} rounds, or at the next boundary once SIGTERM asked the run to stop.
   */
  private boolean checkpointDueAfter(int epoch) {
    SupervisorSetup.Checkpointing c = setup.checkpointing();
    return c.stop() != null && c.stop().requestedAtEndOf(epoch)
        || c.every() > 0 && epoch % c.every() == 0;
  }

  /** An MP-SL checkpoint: the pipeline's state, the supervisor's fields of the other families. */
  private Checkpoint pipelineCheckpoint(PipelineControl.State state) {
    return new Checkpoint(
        Checkpoints.VERSION,
        setup.checkpointing().fingerprint(),
        setup.scheme(),
        state.epoch(),
        state.endNs(),
        null,
        state.participants(),
        -1,
        null,
        Map.of(),
        Map.of(),
        List.of(),
        Map.of(),
        List.of(),
        List.of(),
        Map.of(),
        Map.of(),
        List.of(),
        null,
        state,
        scheduledRound(state.epoch()),
        crashesStruck());
  }

  /**
   * The round of the newest checkpoint {@code checkpoint.every} schedules at or before round
   * (MP-SL: epoch) {@code r}: {@code r} itself if one is due after it without a stop, 0 if none is.
   * A SIGTERM checkpoint off that schedule records it, so a crash after it restores the checkpoint
   * the uninterrupted run restores (docs/runtime.md, "Crashes").
   */
  private int scheduledRound(int r) {
    int every = setup.checkpointing().every();
    return every > 0 ? r - r % every : 0;
  }

  /** The crashes that struck so far, as fault indexes, sorted: a checkpoint records them. */
  private List<Integer> crashesStruck() {
    return struck.stream().map(SupervisorSetup.Crash::index).sorted().toList();
  }

  /**
   * Asks every device and the server for its state; the replies build the checkpoint. On a cluster,
   * a device of a lost member that is to rejoin is in it with the state it will be re-created from
   * (kept at the start of the round it was lost in); one lost for good is not.
   */
  private Behavior<Command> takeCheckpoint() {
    snapshots.clear();
    serverSnapshot = null;
    awaitedDevices.clear();
    awaitedServer = true;
    ActorRef<Device.Snapshot> toDevice =
        getContext()
            .messageAdapter(
                Device.Snapshot.class, d -> new CheckpointReply(d, null, CheckpointReply.NONE));
    for (Map.Entry<Integer, ActorRef<Device.Command>> d : devices.entrySet()) {
      if (lost.contains(d.getKey())) {
        if (rejoining.contains(d.getKey())) {
          snapshots.put(d.getKey(), kept.get(d.getKey()));
        }
        continue;
      }
      awaitedDevices.add(d.getKey());
      // On a cluster through the edge server, after the fault commands given so far.
      toDevice(d.getValue(), new Device.TakeSnapshot(toDevice));
    }
    watchCheckpoint();
    send(
        server,
        new EdgeServer.TakeSnapshot(
            new ArrayList<>(devices.keySet()),
            getContext()
                .messageAdapter(
                    EdgeServer.Snapshot.class,
                    e -> new CheckpointReply(null, e, CheckpointReply.NONE))));
    return this;
  }

  private Behavior<Command> onCheckpointReply(CheckpointReply m) {
    boolean awaited;
    if (m.device() != null) {
      awaited = !restoring && awaitedDevices.remove(m.device().device());
      if (awaited) {
        snapshots.put(m.device().device(), m.device());
      }
    } else if (m.restored() >= 0) {
      awaited = restoring && awaitedDevices.remove(m.restored());
    } else {
      awaited = awaitedServer && restoring == (m.server() == null);
      if (awaited) {
        serverSnapshot = m.server() != null ? m.server() : serverSnapshot;
        awaitedServer = false;
      }
    }
    // A late answer of a phase that is over (an adapter serves one reply class per actor) is
    // dropped.
    return awaited ? checkpointAnswered() : this;
  }

  /** The wall-clock watchdog of the checkpoint taken or restored as attempt {@code attempt}. */
  private record CheckpointTick(long attempt) implements Command {}

  private long checkpointAttempts;

  private void watchCheckpoint() {
    later(setup.server().barrierTimeout(), new CheckpointTick(++checkpointAttempts));
  }

  private Behavior<Command> onCheckpointTick(CheckpointTick t) {
    if (t.attempt() != checkpointAttempts || !awaitedServer && awaitedDevices.isEmpty()) {
      return this;
    }
    return finish(
        (awaitedServer ? "the edge server" + (awaitedDevices.isEmpty() ? "" : " and ") : "")
            + (awaitedDevices.isEmpty() ? "" : "devices " + awaitedDevices)
            + (restoring ? " did not take back their state" : " did not send their state")
            + " for the checkpoint of round "
            + round
            + " within barrier.timeout ("
            + setup.server().barrierTimeout().toSeconds()
            + " s of wall-clock time); a member is stuck or overloaded");
  }

  /** Goes on once every device awaited and the server have answered the checkpoint's request. */
  private Behavior<Command> checkpointAnswered() {
    if (awaitedServer || !awaitedDevices.isEmpty()) {
      return this;
    }
    if (restoring) {
      // Every actor has its state back: the resumed run goes on.
      restoring = false;
      return roundBoundary();
    }
    Checkpoint c = checkpoint();
    if (takingInitial) {
      // Round 0's state: no file, no row (a run without a crash writes what it wrote before).
      takingInitial = false;
      initial = c;
      getContext().getLog().debug(KEPT);
      deviceParams = deviceParams == null ? null : deviceParams.dup(); // the kept one stays as is
      return afterInitial();
    }
    return recordCheckpoint(c) ? finish(null) : roundBoundary();
  }

  /**
   * Records checkpoint {@code c}, taken after its round (MP-SL: epoch); whether SIGTERM asked the
   * run to stop there (the switch is then told it stopped).
   */
  private boolean recordCheckpoint(Checkpoint c) {
    // A crash restores the checkpoint the schedule took, never one SIGTERM asked for (the run stops
    // after that one in this process; a resumed process reads the scheduled one from the folder).
    lastCheckpoint = c.scheduled() ? c : lastCheckpoint;
    releaseInitial(c);
    recorder.tell(new Recorder.CheckpointTaken(c));
    StopSwitch stop = setup.checkpointing().stop();
    if (stop != null && stop.requestedAtEndOf(c.round())) {
      stop.stoppedAfter(c.round());
      return true;
    }
    return false;
  }

  private Checkpoint checkpoint() {
    return new Checkpoint(
        Checkpoints.VERSION,
        setup.checkpointing().fingerprint(),
        setup.scheme(),
        round,
        nowNs,
        deviceParams,
        // A lost device that is to rejoin takes part from the next round, as here.
        new ArrayList<>(union(alive, rejoining)),
        cut,
        cpsl == null ? null : cpsl.state(),
        new TreeMap<>(labels),
        new TreeMap<>(reported),
        new ArrayList<>(new TreeSet<>(faultsRecorded)),
        new TreeMap<>(faultStartNs),
        new ArrayList<>(new TreeSet<>(faultsEnded)),
        new ArrayList<>(planInputs),
        new TreeMap<>(roundStarts),
        memoryUpTo(round),
        new ArrayList<>(snapshots.values()),
        serverSnapshot,
        null,
        scheduledRound(round),
        crashesStruck());
  }

  private static TreeSet<Integer> union(java.util.Set<Integer> a, java.util.Set<Integer> b) {
    TreeSet<Integer> u = new TreeSet<>(a);
    u.addAll(b);
    return u;
  }

  /**
   * A node's model memory: the round and bytes of its peak so far (the first round at that peak),
   * and of the last round it was published in.
   */
  private record NodeMemory(int peakRound, long peak, int lastRound, long last) {}

  /** Node {@code node} holds {@code bytes} of model in round {@code r} (its largest counts). */
  private void memoryHeld(int r, String node, long bytes) {
    NodeMemory m = memory.get(node);
    long v = m != null && m.lastRound() == r ? Math.max(m.last(), bytes) : bytes;
    memory.put(
        node,
        m == null || v > m.peak()
            ? new NodeMemory(r, v, r, v)
            : new NodeMemory(m.peakRound(), m.peak(), r, v));
  }

  /**
   * The memory published in rounds up to {@code last}, as a checkpoint holds it (round -> node ->
   * bytes): each node's peak round and last round, at most two entries a node however long the run.
   * A checkpoint of an earlier build holds every round's; both are read the same way ({@link
   * #memoryHeld} in round order).
   */
  private Map<Integer, Map<String, Long>> memoryUpTo(int last) {
    Map<Integer, Map<String, Long>> out = new TreeMap<>();
    memory.forEach(
        (n, m) -> {
          if (m.peakRound() <= last) {
            out.computeIfAbsent(m.peakRound(), r -> new TreeMap<>()).put(n, m.peak());
          }
          if (m.lastRound() <= last) {
            out.computeIfAbsent(m.lastRound(), r -> new TreeMap<>()).put(n, m.last());
          }
        });
    return out;
  }

  /**
   * Keeps round {@code r}'s start if some fault names it at a round's start ({@link #roundStarts}).
   */
  private void keepRoundStart(int r, long startNs) {
    if (roundsNamed == null) {
      roundsNamed = new java.util.HashSet<>();
      for (Settings.Fault f : setup.faultPlan().faults()) {
        for (Settings.FaultTime t : new Settings.FaultTime[] {f.start(), f.end()}) {
          if (t != null && t.atRoundStart()) {
            roundsNamed.add(t.round());
          }
        }
      }
    }
    if (roundsNamed.contains(r)) {
      roundStarts.put(r, startNs);
    }
  }

  /**
   * Takes checkpoint {@code c}'s state here, in every device and in the server, and goes on with
   * round {@code c.round() + 1} at the checkpoint's instant once every one has answered; a {@code
   * resume} row if the process was {@code resumed} (rather than restored after a crash).
   */
  private Behavior<Command> restore(Checkpoint c, boolean resumed) {
    int held = cut; // the cut the server's slice has now
    round = c.round();
    nowNs = c.nowNs();
    holdVisit();
    deviceParams = c.deviceParams() == null ? null : c.deviceParams().dup();
    alive.clear();
    alive.addAll(c.alive());
    cut = c.cut();
    if (cpsl != null) {
      cpsl.restore(c.cpsl());
    }
    labels.clear();
    labels.putAll(c.labels());
    reported.clear();
    reported.putAll(c.reported());
    faultsRecorded.clear();
    faultsRecorded.addAll(c.faultsRecorded());
    faultStartNs.clear();
    faultStartNs.putAll(c.faultStartNs());
    faultsEnded.clear();
    faultsEnded.addAll(c.faultsEnded());
    planInputs.clear();
    if (!resumed && split() != null) {
      split = split().fresh().get(); // the policy and probes a restarted process builds
    }
    // A policy that learns from past rounds learns it again from the same rates, in order.
    for (Checkpoint.PlanInput in : c.planInputs()) {
      keepPlanInput(in); // a checkpoint of an older version kept every round
      split().policy().plan(in.round(), in.up(), in.down());
    }
    // The probes place their fault windows by the round starts, as the links restored do.
    roundStarts.clear();
    // A checkpoint of an earlier build holds every round's start: those no fault names go.
    c.roundStartNs().forEach(this::keepRoundStart);
    memory.clear();
    c.memory().forEach((r, m) -> m.forEach((n, b) -> memoryHeld(r, n, b)));
    Checkpoint resumedFrom = setup.checkpointing().resumeFrom();
    if (resumed || (resumedFrom != null && c.round() < resumedFrom.round())) {
      // The recorder of a resumed process read the tables back, not the memory: it learns it here.
      // A crash of that process back to a checkpoint older than the one it resumed from (a
      // SIGTERM's) cuts the recorder's memory back to that round: what the resume published of
      // the rounds before keeps only each node's peak and last round, so it learns this one's too.
      c.memory()
          .forEach(
              (r, m) ->
                  m.forEach(
                      (n, b) ->
                          recorder.tell(new Recorder.MemoryReported(new MemoryRecord(r, n, b)))));
    }
    if (split() != null) {
      for (Emulation.LinkPair p : split().probes()) {
        roundStarts.forEach(
            (r, t) -> {
              p.up().roundStarted(r, t);
              p.down().roundStarted(r, t);
            });
      }
    }
    restoring = true;
    awaitedDevices.clear();
    awaitedServer = true;
    Set<Integer> lostOut = new HashSet<>(lost);
    lostOut.removeAll(lostInRun(c));
    for (Device.Snapshot d : c.devices()) {
      if (lostOut.contains(d.device())) {
        // Out of the run at the checkpoint, its member lost since (a crash's rewind on a
        // cluster): no entity runs it and none is asked again; its state stays in the checkpoint.
        continue;
      }
      awaitedDevices.add(d.device());
      int epoch = 0; // a resumed run's restore, to new entities
      if (placement.rejoinsLostDevices()) {
        // Lost while restoring, or before the first state is kept: re-created from this state.
        kept.put(d.device(), d);
        givenWhenKept.put(
            d.device(), given.getOrDefault(devices.get(d.device()), List.of()).size());
        if (!resumed) {
          // A crash's rewind restores the running entity: a restore of an epoch no later than
          // the last it took counts there as that one sent again and is answered without being
          // taken (ClusterMember), so a second crash's devices went on from the work it lost.
          epoch = restoreEpochs.merge(d.device(), 1, Integer::sum);
        }
      }
      send(devices.get(d.device()), new Device.Restore(d, restoreAdapter, epoch));
    }
    boolean moved = cpsl != null && cut != held;
    send(
        server,
        new EdgeServer.Restore(
            c.server(),
            moved ? cut : -1,
            moved ? setup.cpsl().profile().serverFlops(cut) : 0,
            getContext()
                .messageAdapter(
                    EdgeServer.Restored.class,
                    r -> new CheckpointReply(null, null, CheckpointReply.NONE))));
    watchCheckpoint();
    if (resumed) {
      resumed(round);
    }
    return this;
  }

  /**
   * The {@code resume} row of a run resumed from the checkpoint of round {@code from}; where the
   * resume's cut dropped the row that said why the process before ended (a {@code cluster-failure}
   * row, {@link io.splitemu.actors.results.ResultsWriter#endedBefore}), its kind and detail follow,
   * so that the cause stays in {@code events.csv}.
   */
  private void resumed(int from) {
    String ended = setup.writer() == null ? null : setup.writer().endedBefore();
    recorder.tell(
        new Recorder.EventRecorded(
            new EventRecord(
                nowNs / NS,
                from,
                "resume",
                "supervisor",
                "resumed from checkpoints/"
                    + Checkpoints.file(Path.of(""), from).getFileName()
                    + "; round "
                    + (from + 1)
                    + " goes on from emulated "
                    + nowNs / NS
                    + " s"
                    + (ended == null ? "" : "; the process before ended: " + ended))));
  }

  // Crashes (docs/runtime.md, "Crashes"): a server-crash or supervisor-crash loses what the run
  // did since its last checkpoint. The round under way ends in the actors (its work is discarded),
  // or a crash at a round's start keeps it from starting; the supervisor then reads the newest
  // checkpoint back from the results folder, as a restarted process would, has the recorder cut
  // the tables back to its round, restores every actor from it and goes on with the next round
  // after the restart delay. A crash records its own fault and recovery rows, after the cut, so
  // they survive it.

  /** The recorder has written every row and checkpoint published before a crash. */
  private record CrashFlushed(String error) implements Command {}

  // The crashes that struck: outside the restored state, so each strikes once; every checkpoint
  // records them, and a resumed process starts from its checkpoint's.
  private final java.util.Set<SupervisorSetup.Crash> struck = new java.util.HashSet<>();
  // The newest scheduled checkpoint this process took (a run that writes no files restores it).
  private Checkpoint lastCheckpoint;
  // The run's state before round 1 (a scenario with a crash, but on MP-SL), kept in memory only:
  // what a crash before the first scheduled checkpoint restores, as checkpoint round 0.
  private Checkpoint initial;
  private boolean takingInitial;
  private SupervisorSetup.Split split;
  private SupervisorSetup.Crash crashing;
  private long crashNs;
  private int crashReached;

  /** The split scheme's policy and probes in use (null for the other schemes). */
  private SupervisorSetup.Split split() {
    return split != null ? split : setup.split();
  }

  /**
   * A resumed run does not strike again the crashes its checkpoint is past, nor those that struck
   * before it was taken: a crash restored an earlier checkpoint, and a SIGTERM stopped the redone
   * rounds before the crash's round or instant came again.
   */
  private Checkpoint strikePassed(Checkpoint from) {
    for (SupervisorSetup.Crash c : setup.checkpointing().crashes()) {
      if (passed(c, from)) {
        struck.add(c);
      }
    }
    return from;
  }

  /** Whether crash {@code c} does not strike in a process resumed from {@code from}. */
  private static boolean passed(SupervisorSetup.Crash c, Checkpoint from) {
    return (c.round() > 0 ? c.round() <= from.round() : c.atNs() < from.nowNs())
        || from.crashesStruck().contains(c.index());
  }

  /**
   * Whether a crash may restore the run's start, so that its initial state is kept: a crash this
   * process (resumed from {@code from}, or null) may strike before the first scheduled checkpoint,
   * round (MP-SL: epoch) {@code checkpoint.every}'s, is taken. One at the start of a later round
   * strikes after it; one at an instant may strike before it (its round is not known up front).
   */
  private boolean startRestorable(Checkpoint from) {
    SupervisorSetup.Checkpointing k = setup.checkpointing();
    if (from != null && from.scheduledRound() > 0) {
      return false; // the folder holds a scheduled checkpoint
    }
    for (SupervisorSetup.Crash c : k.crashes()) {
      boolean afterFirst = k.every() > 0 && c.round() > k.every();
      if (!afterFirst && (from == null || !passed(c, from))) {
        return true;
      }
    }
    return false;
  }

  // Debug lines of the run's initial state (tests read them).
  static final String KEPT = "the run's initial state (round 0) is kept in memory";
  static final String RELEASED = "the run's initial state (round 0) is released";

  /**
   * Scheduled checkpoint {@code c} was taken: a later crash restores it or a newer one (a run that
   * writes no files keeps it as {@link #lastCheckpoint}, another reads it back from its folder),
   * never the run's start, whose state is let go.
   */
  private void releaseInitial(Checkpoint c) {
    if (!c.scheduled()) {
      return;
    }
    boolean held = initial != null || pipeline != null && pipeline.initial() != null;
    initial = null;
    if (pipeline != null) {
      pipeline.releaseInitial();
    }
    if (held) {
      getContext().getLog().debug(RELEASED + " (checkpoint round " + c.round() + ")");
    }
  }

  /**
   * Crash {@code c} strikes at {@code atNs}, with round {@code reached} the last whose work is
   * lost: once the recorder has written everything published before, the run restores.
   */
  private Behavior<Command> crash(SupervisorSetup.Crash c, long atNs, int reached) {
    struck.add(c);
    crashing = c;
    crashNs = atNs;
    crashReached = reached;
    crashFlushing = true;
    Recorder.askFlush(getContext(), recorder, null, CrashFlushed::new);
    return this;
  }

  private Behavior<Command> onCrashFlushed(CrashFlushed m) {
    crashFlushing = false;
    if (m.error() != null) {
      return finish(m.error());
    }
    SupervisorSetup.Crash c = crashing;
    String which = io.splitemu.actors.config.Settings.NS + ".faults[" + c.index() + "]";
    Checkpoint from = lastCheckpoint; // a run that writes no files keeps its last one here
    String unreadable = null;
    if (setup.writer() != null) {
      try {
        // The newest the schedule took: a SIGTERM checkpoint a resumed process started from is
        // none the uninterrupted run had.
        from =
            Checkpoints.newestScheduled(setup.writer().dir(), w -> getContext().getLog().warn(w));
      } catch (IllegalArgumentException none) {
        from = null;
        if (!none.getMessage().contains("holds no checkpoint")) {
          unreadable = none.getMessage();
        }
        if (unreadable != null && initial != null) {
          // Only unreadable ones: the one before them is the run's start.
          getContext().getLog().warn(unreadable + "; restoring the run's start");
        }
      }
    }
    // The head of the run's last line should the rewind not be possible.
    String struck = c.kind() + " (" + which + ") at emulated " + crashNs / NS + " s";
    if (from == null && unreadable != null && initial == null && pipelineStartReleased()) {
      // The run's start was let go once a scheduled checkpoint was taken: none is left to restore.
      return finish(struck + ": " + unreadable);
    }
    if (from == null && initial == null && pipeline != null && pipeline.initial() != null) {
      initial = pipelineCheckpoint(pipeline.initial());
    }
    // None scheduled yet (or checkpoint.every = 0): the run's initial state, round 0.
    from = from != null ? from : initial;
    if (from == null) {
      return finish(
          struck
              + " struck before the first checkpoint (checkpoint.every = "
              + setup.checkpointing().every()
              + "): nothing to restore from");
    }
    if (placement.rejoinsLostDevices()) {
      // On a cluster the rewind restores each device entity where it runs. One of a lost member
      // that is not back in the run (to rejoin, or lost for good after the checkpoint) has no
      // running entity to take it: not done yet, so the run ends with one line (the rows so far
      // kept) rather than going on with rows that differ from the same run in one JVM.
      // A device out of the run at the checkpoint (dropped for the run) is never asked again:
      // its member's loss since stops nothing (restore skips it).
      List<Integer> away = lostInRun(from);
      if (!away.isEmpty()) {
        return finish(
            struck
                + ": devices "
                + away
                + " of lost cluster members are not back in the run; a crash's rewind on a"
                + " cluster restores the devices of running members only for now");
      }
    }
    rewinds++;
    long resumeNs = crashNs + c.restartDelayNs();
    // The live emulated time goes back to the checkpoint's instant (0: the run's start).
    recorder.tell(new Recorder.Rewound(from.round(), from.nowNs() / NS));
    if (pipeline != null && from.round() == 0) {
      // MP-SL's plan row is epoch 1's: the cut to round 0 took it, and the restart plans alike.
      recorder.tell(
          new Recorder.EventRecorded(
              io.splitemu.actors.pipeline.PipelineEmulation.planRow(setup.pipeline().plan())));
    }
    if (pipeline != null) {
      // MP-SL: every hop, device and link and the epochs' control from the checkpoint's pipeline
      // state, the boundary moved to the restart (PipelineControl.restore); the rows first.
      round = from.round();
      nowNs = resumeNs;
    } else {
      restore(from, false);
      nowNs = resumeNs;
      holdVisit();
    }
    // Both rows carry the round gone back to, so a later crash's cut (to a checkpoint no older)
    // keeps them.
    boolean server = c.kind().equals("server-crash");
    eventAt(
        crashNs,
        "fault",
        server ? "edge-server" : "supervisor",
        c.kind()
            + ": the "
            + (server ? "edge server" : "supervisor")
            + " stops (scenario fault "
            + which
            + "); the work since "
            + since(from)
            + " is lost");
    eventAt(
        resumeNs,
        "recovery",
        server ? "edge-server" : "supervisor",
        // The kind first, as every fault and recovery row (the metrics count recoveries by it).
        c.kind()
            + ": restored from "
            + since(from)
            + (server ? " after restart-delay " + c.restartDelayNs() / NS + " s" : "")
            + "; "
            + (crashReached > from.round()
                ? "rounds " + (from.round() + 1) + ".." + crashReached + " redone"
                : "no round redone")
            + " from emulated "
            + resumeNs / NS
            + " s");
    // A device re-created on a survivor in a round the rewind discarded still lives there: its
    // placement row, cut with that round's rows, is written again at the restart (round C, as the
    // crash's rows). Before, the folder no longer said where it ran. Only its last placement: one
    // on a member lost since (its member-lost row cut too) would say it started there.
    Map<Integer, Integer> lastPlaced = new HashMap<>();
    for (int i = 0; i < placedInRun.size(); i++) {
      if (placedInRun.get(i).round() > from.round()) {
        for (int d : placedInRun.get(i).devices()) {
          lastPlaced.put(d, i);
        }
      }
    }
    List<Placed> keptPlaced = new ArrayList<>();
    for (int i = 0; i < placedInRun.size(); i++) {
      Placed p = placedInRun.get(i);
      if (p.round() <= from.round()) {
        keptPlaced.add(p);
        continue;
      }
      int at = i;
      List<Integer> still = p.devices().stream().filter(d -> lastPlaced.get(d) == at).toList();
      if (!still.isEmpty()) {
        eventAt(resumeNs, "placement", "member " + p.member(), placedDetail(still));
        keptPlaced.add(new Placed(from.round(), p.member(), still));
      }
    }
    placedInRun.clear();
    placedInRun.addAll(keptPlaced);
    if (pipeline != null) {
      pipeline.restore(from.pipeline(), resumeNs);
      round = pipeline.round();
      nowNs = pipeline.nowNs();
    }
    return this;
  }

  /** Whether MP-SL's state before epoch 1 is gone (or was never kept); true on the others. */
  private boolean pipelineStartReleased() {
    return pipeline == null || pipeline.initial() == null;
  }

  /** What a crash goes back to: checkpoint round C, or the run's start (its initial state). */
  private String since(Checkpoint from) {
    return from == initial ? "the start (round 0)" : "checkpoint round " + from.round();
  }
}
