package io.splitemu.actors.runtime;

import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.results.DevicePlanRecord;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import io.splitemu.planner.cpsl.CutPlan;
import io.splitemu.planner.cpsl.RoundPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
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

/**
 * The root of a run: spawns the devices and the edge server, plans each round's cluster visits for
 * the scheme, runs them one after another, evaluates, and records every round, device and event;
 * answers {@link Finished} when the run ends.
 *
 * <p>A split scheme's round (a depth per device) is one visit of every running device: at the
 * round's start the supervisor estimates each device's link rates (what its transfers achieved last
 * round, or a probe of its idle link), the scheme's {@link SplitPolicy} plans every device's cut,
 * costs and shares from them (a {@code replan} event when a device's decision changes), and the
 * server runs each device on its own copy at its own cut.
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
  public record Start(ActorRef<Finished> replyTo, double speedup) implements Command {
    /** Start a virtual-mode run. */
    public Start(ActorRef<Finished> replyTo) {
      this(replyTo, 0);
    }
  }

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

  /** A link channel's stream failed; {@code reason} is one line naming the device and cause. */
  record ChannelFailed(String reason) implements Command {}

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

  /** A compute hop's epoch timing or totals. */
  record HopReported(ComputeHop.Reply reply) implements PipelineReport {}

  private static final double NS = 1e9;

  private final SupervisorSetup setup;
  private final Map<Integer, ActorRef<Device.Command>> devices = new TreeMap<>();
  private ActorRef<EdgeServer.Command> server;
  private final ActorRef<Recorder.Command> recorder;
  private boolean recorderFailed;
  // Where paced barrier releases record their lag (a spawn-time object of this JVM).
  private final PacingLag lag;
  private double speedup;
  private long clockStartNanoTime;
  // Rebuilds the device slices at a re-cut (CPSL in full fidelity only).
  private final SliceMaker slices;
  private final ActorRef<EdgeServer.VisitDone> visitAdapter;
  private final ActorRef<EdgeServer.Evaluation> evalAdapter;
  private final TreeSet<Integer> alive = new TreeSet<>();
  private final long wallStart = System.nanoTime();
  private ActorRef<Finished> replyTo;
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
  private final Map<Integer, Integer> shardSize = new HashMap<>();
  private final List<DeviceRecord> deviceRows = new ArrayList<>();
  // CPSL only (cpsl is null otherwise): the controller, the cut in force, how often the slices
  // were re-cut, the setups the devices and the server were last built with, and the shares
  // {up, down} this round's plan gave each device.
  private final CpslControl cpsl;
  private int cut;
  private boolean awaitingCut;
  private final ActorRef<EdgeServer.CutMoved> cutAdapter;
  private final Map<Integer, DeviceSetup> deviceSetups = new TreeMap<>();
  private final Map<Integer, double[]> plannedShares = new HashMap<>();
  private final Map<Integer, Double> deviceShare = new HashMap<>();
  private final java.util.Set<SupervisorSetup.Hang> faultsRecorded = new java.util.HashSet<>();
  // A split scheme only: this round's plan per device, the decision each device last had, each
  // device's latest report of its spending, and the paths of the devices that completed the round.
  private List<SplitPolicy.DevicePlan> plans;
  private final Map<Integer, String> labels = new HashMap<>();
  private Map<Integer, Device.RoundStats> reported = Map.of();
  private final Map<Integer, EdgeServer.DevicePath> paths = new TreeMap<>();
  // MP-SL only (null otherwise): its epochs as the rounds, with compute hops as the server.
  private final PipelineControl pipeline;

  /** A supervisor for one run. */
  public static Behavior<Command> create(SupervisorSetup setup) {
    return create(setup, new PacingLag());
  }

  /** A supervisor for one run whose paced barrier releases record their lag into {@code lag}. */
  public static Behavior<Command> create(SupervisorSetup setup, PacingLag lag) {
    return Behaviors.setup(ctx -> new Supervisor(ctx, setup, lag));
  }

  private Supervisor(ActorContext<Command> ctx, SupervisorSetup setup, PacingLag lag) {
    super(ctx);
    this.setup = setup;
    List<RecordObserver> subscribers = new ArrayList<>();
    subscribers.add(setup.listener());
    if (setup.writer() != null) { // a run measured for its figures only writes no files
      subscribers.add(0, setup.writer());
    }
    this.recorder = watched(ctx, Recorder.create(subscribers), "recorder");
    this.lag = lag;
    if (setup.cpsl() != null && setup.cpsl().model() != null && setup.server().full()) {
      this.slices = new SliceMaker(setup.cpsl().model());
    } else {
      this.slices =
          setup.server() == null || setup.server().global() == null
              ? null
              : new SliceMaker(setup.server().global());
    }
    ChainProfile profile = setup.cpsl() == null ? null : setup.cpsl().profile();
    for (DeviceSetup d : setup.devices()) {
      int at = setup.cpsl() == null ? -1 : setup.cpsl().initialCut();
      devices.put(d.id(), watched(ctx, Device.create(d, profile, slices, at), "device-" + d.id()));
      alive.add(d.id());
      shardSize.put(d.id(), d.shard() == null ? 0 : d.shard().length);
      deviceSetups.put(d.id(), d);
    }
    // MP-SL's compute hops are its server (PipelineControl).
    this.server =
        setup.server() == null
            ? null
            : watched(ctx, EdgeServer.create(setup.server(), lag, recorder), "edge-server");
    this.visitAdapter = ctx.messageAdapter(EdgeServer.VisitDone.class, WrappedVisit::new);
    this.evalAdapter = ctx.messageAdapter(EdgeServer.Evaluation.class, WrappedEvaluation::new);
    this.cutAdapter = ctx.messageAdapter(EdgeServer.CutMoved.class, WrappedCut::new);
    this.deviceParams = setup.initialDeviceParams();
    this.cpsl =
        setup.cpsl() == null
            ? null
            : new CpslControl(
                setup.cpsl(), setup.batchSize(), plannerSteps(), setup.server().flopsPerSecond());
    this.cut = setup.cpsl() == null ? -1 : setup.cpsl().initialCut();
    this.pipeline =
        setup.pipeline() == null
            ? null
            : new PipelineControl(setup.pipeline(), setup.hangs(), recorder);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(WrappedVisit.class, this::onVisitDone)
        .onMessage(WrappedEvaluation.class, this::onEvaluation)
        .onMessage(WrappedCut.class, this::onCutMoved)
        .onMessage(PipelineReport.class, this::onPipeline)
        .onMessage(ChannelFailed.class, f -> finish(f.reason()))
        .onSignal(ChildFailed.class, this::onChildFailed)
        .onSignal(Terminated.class, t -> this) // a child that stopped without failing
        .build();
  }

  /**
   * A child the supervisor watches. A refused tensor (a NaN or infinite value, a wrong shape: the
   * slices throw {@link IllegalArgumentException}) stops the child without a logged stack trace,
   * and {@link #onChildFailed} ends the run with its one-line reason; any other failure is a bug,
   * logged with its trace by the default strategy, and ends the run the same way.
   */
  static <T> ActorRef<T> watched(ActorContext<?> ctx, Behavior<T> behavior, String name) {
    // The watchdog's own message is the one line to show, so it stops the child quietly too.
    ActorRef<T> ref =
        ctx.spawn(
            Behaviors.supervise(
                    Behaviors.supervise(behavior)
                        .onFailure(
                            IllegalArgumentException.class,
                            SupervisorStrategy.stop().withLoggingEnabled(false)))
                .onFailure(
                    WatchdogExpired.class, SupervisorStrategy.stop().withLoggingEnabled(false)),
            name);
    ctx.watch(ref);
    return ref;
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
    String why = f.getCause().getMessage();
    return finish(
        who
            + " failed: "
            + (why == null ? f.getCause().getClass().getSimpleName() : why.replace('\n', ' '))
            + (why != null && why.contains("NaN")
                ? " (the model diverged; try a smaller splitemu.model.learning-rate)"
                : ""));
  }

  private Behavior<Command> onStart(Start m) {
    replyTo = m.replyTo();
    speedup = m.speedup();
    clockStartNanoTime = System.nanoTime();
    if (pipeline != null) {
      // MP-SL paces every transfer in its link channels rather than barrier releases.
      round = 1;
      pipeline.start(
          getContext(),
          speedup > 0 ? Pacing.paced(speedup, clockStartNanoTime, lag) : Pacing.virtual());
      return this;
    }
    if (speedup > 0) {
      server.tell(new EdgeServer.UsePacing(speedup, clockStartNanoTime));
    }
    round = 0;
    nowNs = 0;
    for (SupervisorSetup.Hang h : setup.hangs()) {
      if (h.round() < 0 && devices.containsKey(h.device())) {
        devices.get(h.device()).tell(new Device.HangAt(h.atNs()));
      }
    }
    return startRound();
  }

  /** An MP-SL device's or hop's report: the epoch's barrier, its rows, or the run's end. */
  private Behavior<Command> onPipeline(PipelineReport m) {
    String error = pipeline.on(m);
    round = pipeline.round();
    nowNs = pipeline.nowNs();
    if (error != null || pipeline.done()) {
      return finish(error);
    }
    return this;
  }

  private Behavior<Command> startRound() {
    round++;
    roundStartNs = nowNs;
    linksAtRoundStart();
    for (SupervisorSetup.Hang h : setup.hangs()) {
      if (h.round() == round && devices.containsKey(h.device())) {
        devices.get(h.device()).tell(Device.Hang.INSTANCE);
        event(
            "fault",
            "device-" + h.device(),
            "device-hang: device stops answering (scenario fault)");
      }
    }
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
    } else {
      clusters = cpsl == null ? RoundPlanner.plan(setup.scheme(), List.copyOf(alive)) : cpslRound();
    }
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
    if (setup.split() != null) {
      for (Emulation.LinkPair p : setup.split().probes()) {
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
    members.retainAll(alive);
    Map<Integer, ActorRef<Device.Command>> refs = new TreeMap<>();
    Map<Integer, Double> factor = new TreeMap<>();
    Map<Integer, Double> up = new TreeMap<>();
    Map<Integer, Double> down = new TreeMap<>();
    Map<Integer, Double> serverShare = new TreeMap<>();
    Map<Integer, SplitPolicy.DevicePlan> own = new TreeMap<>();
    double linkShare = setup.sharedSpectrum() ? 1.0 / members.size() : 1.0;
    visitShare = setup.sharedSpectrum() ? linkShare : Double.NaN;
    int steps = setup.localSteps();
    for (int d : members) {
      refs.put(d, devices.get(d));
      factor.put(d, setup.factors().of(d, round));
      double[] planned = plannedShares.get(d);
      up.put(d, planned == null ? linkShare : planned[0]);
      down.put(d, planned == null ? linkShare : planned[1]);
      deviceShare.put(d, planned == null ? visitShare : planned[0]);
      serverShare.put(d, 1.0 / members.size());
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
            own);
    server.tell(new EdgeServer.RunVisit(plan, visitAdapter));
    return this;
  }

  private int epochSteps(int device) {
    int samples = shardSize.get(device);
    return (samples + setup.batchSize() - 1) / setup.batchSize();
  }

  private Behavior<Command> onVisitDone(WrappedVisit w) {
    EdgeServer.VisitDone v = w.done();
    nowNs = v.endNs();
    deviceParams = v.deviceParams();
    breakdown = breakdown.plus(v.breakdown());
    lossSum += v.lossSum();
    lossCount += v.lossCount();
    participants += v.participants();
    reported = v.reported();
    paths.putAll(v.paths());
    // Faults at an emulated instant are recorded once the run has passed it, at that instant.
    for (SupervisorSetup.Hang h : setup.hangs()) {
      if (h.round() < 0 && h.atNs() < v.endNs() && faultsRecorded.add(h)) {
        eventAt(
            h.atNs(),
            "fault",
            "device-" + h.device(),
            "device-hang: device stops answering (scenario fault at " + h.atNs() / NS + " s)");
      }
    }
    for (Map.Entry<Integer, String> e : v.missing().entrySet()) {
      failed++;
      alive.remove(e.getKey());
      eventAt(
          v.missedAtNs().get(e.getKey()),
          "deadline",
          "device-" + e.getKey(),
          "no answer by barrier.deadline ("
              + e.getValue()
              + "); dropped from the step, FedAvg and later rounds");
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
              plans != null ? Double.NaN : deviceShare.getOrDefault(e.getKey(), visitShare),
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
    if (evaluateThisRound()) {
      server.tell(new EdgeServer.Evaluate(deviceParams, evalAdapter));
      return this;
    }
    return record(Double.NaN);
  }

  private Behavior<Command> onEvaluation(WrappedEvaluation w) {
    return record(w.evaluation().accuracy());
  }

  private Behavior<Command> record(double accuracy) {
    double latency = (nowNs - roundStartNs) / NS;
    double wallS = (System.nanoTime() - wallStart) / NS;
    double trainLoss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
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
                wallS)
            : new RoundRecord(
                round,
                setup.scheme(),
                nowNs / NS,
                latency,
                breakdown.deviceNs() / NS,
                breakdown.serverNs() / NS,
                breakdown.communicationNs() / NS,
                breakdown.aggregationNs() / NS,
                participants,
                failed,
                cutLabel(),
                clusters.clusters().size(),
                accuracy,
                trainLoss,
                wallS);
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
    return startRound();
  }

  private String cutLabel() {
    if (plans != null) {
      StringBuilder all = new StringBuilder();
      for (SplitPolicy.DevicePlan p : plans) {
        all.append(all.length() == 0 ? "" : ";").append(p.cut());
      }
      return all.toString();
    }
    return cpsl == null ? setup.cut() : Integer.toString(cut);
  }

  /** What {@code devices.csv} shows as device {@code d}'s cut. */
  private String cutOf(int d) {
    return plans != null ? plans.get(d).cut() : cutLabel();
  }

  /**
   * A split scheme's decisions for this round from the rates each device's own transfers achieved
   * last round (bytes over share-weighted link time), or, where it sent nothing that way (the first
   * round, a split wholly on the device, a device given up), a probe of its idle link; a {@code
   * replan} event for every device whose decision changed. Returns the policy's refusal, or null.
   */
  private String splitRound() {
    int n = setup.devices().size();
    double[] upBps = new double[n];
    double[] downBps = new double[n];
    for (int d = 0; d < n; d++) {
      Emulation.LinkPair probe = setup.split().probes().get(d);
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
    }
    try {
      plans = setup.split().policy().plan(round, upBps, downBps);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    for (int d = 0; d < n; d++) {
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
      double wallS) {
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
        wallS);
  }

  // E of the latency model for CPSL: local-steps, or the largest epoch of any device.
  private int plannerSteps() {
    if (setup.localSteps() > 0) {
      return setup.localSteps();
    }
    int steps = 1;
    for (int d : shardSize.keySet()) {
      steps = Math.max(steps, epochSteps(d));
    }
    return steps;
  }

  /** Both CPSL timescales at the start of a round: the cut if due, then clusters and shares. */
  private RoundPlanner.Clusters cpslRound() {
    List<CpslControl.Device> running = new ArrayList<>();
    for (int d : alive) {
      DeviceSetup s = deviceSetups.get(d);
      running.add(new CpslControl.Device(d, s.flopsPerSecond(), s.shard().length));
    }
    if (cpsl.saa() && (round == 1 || cpsl.pendingReplan() != null)) {
      String why = round == 1 ? "start of the run" : cpsl.pendingReplan();
      CutPlan p = cpsl.planCut(running);
      String kind = round == 1 ? "cut-plan" : "cut-replan";
      event(kind, "supervisor", why + ": " + CpslControl.describe(p));
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
    RoundPlan plan = cpsl.planRound(round, cut, running, setup.factors());
    plannedShares.clear();
    deviceShare.clear();
    List<List<Integer>> groups = CpslControl.clusters(plan, plannedShares);
    event(
        "clustering",
        "supervisor",
        CpslControl.describe(
            plan, setup.cpsl().settings().clustering(), setup.cpsl().settings().spectrum()));
    return new RoundPlanner.Clusters(groups, VisitPlan.Mode.SHARED_CONCATENATED);
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
    server.tell(
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

  private void event(String kind, String subject, String detail) {
    eventAt(nowNs, kind, subject, detail);
  }

  private void eventAt(long ns, String kind, String subject, String detail) {
    recorder.tell(
        new Recorder.EventRecorded(new EventRecord(ns / NS, round, kind, subject, detail)));
  }

  /**
   * Ends the run: once the recorder has written every row this actor published (or has failed, or
   * does not answer within {@link Recorder#FLUSH_TIMEOUT}), answers {@link Finished} and stops.
   */
  private Behavior<Command> finish(String error) {
    if (pipeline != null) {
      pipeline.close();
    }
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
}
