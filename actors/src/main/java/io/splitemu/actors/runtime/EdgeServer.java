package io.splitemu.actors.runtime;

import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.wire.Chunks;
import io.splitemu.model.nn.DivergedException;
import io.splitemu.model.nn.LossStep;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.SplitModel;
import io.splitemu.model.nn.TestAccuracy;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.stream.Pacing;
import io.splitemu.net.stream.PacingLag;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The edge server: the server-side slice (shared, or one copy per device), its compute resource,
 * and the barrier of each cluster visit, which it runs as a chain of phases: model to the devices,
 * E steps (activations up, server step, gradients down), models up, FedAvg.
 *
 * <p>A device that misses a phase (a hung device answers {@link Barrier.Missed}) is given up at the
 * emulated deadline, the instant the server sent it the request plus {@code barrier.deadline}; the
 * phase goes on without it and ends no earlier than that deadline. sfl-v1 differs twice: a give-up
 * at a visit's start (no model goes down) holds its FedAvg, not the others' steps, and a device
 * that misses only the aggregate's download is no missing device (its model is in the aggregate). A
 * barrier that times out on the wall clock is a real hang of the host and ends the run ({@link
 * WatchdogExpired}).
 *
 * <p>It owns its uplink and downlink band ({@link EdgeBands}): it opens both link channels at its
 * first visit, on a materializer bound to itself (they stop with it at the run's end), paced as the
 * run is; its devices send every transfer through them. A channel that fails (a link that can never
 * deliver) fails the server with the channel's one line naming the device.
 */
public final class EdgeServer extends AbstractBehavior<EdgeServer.Command> {

  /** What the edge server accepts. */
  public sealed interface Command extends ClusterMessage {}

  /** Run one cluster visit and answer {@link VisitDone}. */
  public record RunVisit(VisitPlan plan, ActorRef<VisitDone> replyTo) implements Command {}

  /** A step of a device against its own server copy (SplitFed v1). */
  public record ServerStep(Device.Activations activations, ActorRef<Device.Command> device)
      implements Command {}

  /**
   * Move the server slice to {@code cut} between rounds (a CPSL re-cut): in full fidelity fold
   * {@code deviceParams} and the server slice into the whole model and cut it again there; the
   * server's costs become {@code flopsPerSample}. Answers the new device-side weights.
   */
  public record MoveCut(
      int cut, double flopsPerSample, INDArray deviceParams, ActorRef<CutMoved> replyTo)
      implements Command {}

  /** Reply to {@link MoveCut}: the device side at the new cut ({@code null} in timing). */
  public record CutMoved(INDArray deviceParams) implements ClusterMessage {}

  /**
   * Evaluate the current model with the given device-side parameters on the test set, at the end of
   * {@code round} (named when the model diverged).
   */
  public record Evaluate(int round, INDArray deviceParams, ActorRef<Evaluation> replyTo)
      implements Command {}

  /**
   * A cluster run's fault command for a device, from the supervisor: told to {@code device} (its
   * forwarder, in this JVM) in the order the supervisor sent it, before the next visit's requests.
   */
  public record ToDevice(ActorRef<Device.Command> device, Device.Command command)
      implements Command {}

  /** Reply to {@link Evaluate}. */
  public record Evaluation(double accuracy) implements ClusterMessage {}

  private record WrappedOutcome(Barrier.Outcome<? extends Device.Reply> outcome)
      implements Command {}

  private record WrappedAveraged(Aggregator.Averaged averaged) implements Command {}

  /**
   * Release barriers against the wall clock from now on ({@code paced} mode): emulated instant 0 is
   * {@code clockStartNanoTime} on this JVM's {@link System#nanoTime()}, and emulated seconds pass
   * at {@code speedup} per wall-clock second.
   */
  public record UsePacing(double speedup, long clockStartNanoTime) implements Command {}

  // A barrier outcome whose latest reply instant has fallen due on the wall clock.
  private record PacedOutcome(WrappedOutcome outcome) implements Command {}

  /** A band's stream failed; {@code reason} is one line naming the device and the cause. */
  private record ChannelFailed(String reason) implements Command {}

  /**
   * A member's path through a split round: when its steps ended, its compute and the server time of
   * its copy (what the round's breakdown follows for the member whose steps end last).
   */
  public record DevicePath(long stepsEndNs, long computeNs, long serverNs) {}

  /**
   * The result of a visit: the aggregated device-side model, when it ended, the latency breakdown
   * along the critical path, the members' spending, and who went missing; a split round adds each
   * completed member's path ({@code paths}) and each member's latest report of its spending, given
   * up or not ({@code reported}: the rates the policy plans the next round from).
   */
  public record VisitDone(
      int round,
      int cluster,
      INDArray deviceParams,
      long endNs,
      Breakdown breakdown,
      double lossSum,
      int lossCount,
      Map<Integer, Device.RoundStats> stats,
      Map<Integer, String> missing,
      int participants,
      Map<Integer, Long> missedAtNs,
      Map<Integer, DevicePath> paths,
      Map<Integer, Device.RoundStats> reported,
      Set<Integer> lost)
      implements ClusterMessage {}

  /** Emulated nanoseconds of a visit by kind, along its critical path. */
  public record Breakdown(long deviceNs, long serverNs, long communicationNs, long aggregationNs) {
    public static final Breakdown ZERO = new Breakdown(0, 0, 0, 0);

    /** The sum of both. */
    public Breakdown plus(Breakdown o) {
      return new Breakdown(
          deviceNs + o.deviceNs,
          serverNs + o.serverNs,
          communicationNs + o.communicationNs,
          aggregationNs + o.aggregationNs);
    }
  }

  /** The phases of a visit, each with the one reply type its barrier accepts. */
  private enum Phase {
    IDLE(Device.Reply.class),
    READY(Device.Ready.class),
    ACTIVATIONS(Device.Activations.class),
    STEP_DONE(Device.StepDone.class),
    LOCAL(Device.LocalDone.class),
    UPLOAD(Device.Uploaded.class),
    DOWNLOAD(Device.Downloaded.class);

    private final Class<? extends Device.Reply> reply;

    Phase(Class<? extends Device.Reply> reply) {
      this.reply = reply;
    }
  }

  // Replaced by a re-cut (MoveCut); the processors, with their queues, are kept.
  private ServerSetup setup;
  private final PacingLag lag;
  // Where each step's progress goes (the progress display and the live metrics); never read back,
  // so it changes no emulated instant.
  private final ActorRef<Recorder.Command> recorder;
  // Per-device copies: the server steps served this visit, the step last reported, and the latest
  // emulated instant reported in the run.
  private int servedSteps;
  private int reportedStep;
  private long reportedNs;
  // The current visit's steps (its members' mean for a split plan), counted once per visit.
  private int visitSteps;
  private Pacing pacing = Pacing.virtual();
  private Phase phase = Phase.IDLE;
  private long barrierId;
  private RunVisit visit;
  private List<Integer> active;
  private Map<Integer, String> missing;
  private Breakdown breakdown;
  private long phaseStartNs;
  // When the server sent each device the current phase's request, and when it gave up on the
  // devices that missed the visit so far (their emulated deadlines).
  private Map<Integer, Long> requestNs = new IdMap<>();
  private Map<Integer, Long> missedAtNs;
  // Of the missing, those that answered as re-created without their state (Barrier.Missed.lost).
  private Set<Integer> lost;
  // The latest deadline of a device given up in the current phase (Long.MIN_VALUE: none), and of
  // one given up in sfl-v1's local phase, which the upload phase must still wait out.
  private long phaseGiveUpNs = Long.MIN_VALUE;
  private long localGiveUpNs = Long.MIN_VALUE;
  private long gradientSendNs;
  private int step;
  private double lossSum;
  private int lossCount;
  private Map<Integer, Long> localEnds;
  private Map<Integer, Device.RoundStats> stats;
  private INDArray aggregated;
  // By device id, arrays rather than boxed trees (issue 16: a million devices).
  private final Map<Integer, Slice> copies = new IdMap<>();
  private final Map<Integer, Long> copyServerNs = new IdMap<>();
  // Per-device loss sums of the copies, added up in device order so that the round's loss does
  // not depend on the wall-clock order in which devices' steps arrived.
  private final Map<Integer, double[]> copyLoss = new IdMap<>();
  // A split round: each member's latest report and its device-side weights; the end of the round
  // while the aggregator averages the whole models.
  private final Map<Integer, Device.RoundStats> reported = new IdMap<>();
  private final Map<Integer, Device.LocalDone> splitDone = new IdMap<>();
  private long splitEndNs;
  private List<String> paramNames;
  private final SliceMaker slices;
  private final ActorRef<Barrier.Outcome<Device.Reply>> outcomeAdapter;
  private final ActorRef<Aggregator.Command> aggregator;
  private final ActorRef<Aggregator.Averaged> averagedAdapter;
  // The upload phase's outcome while the aggregator averages the models.
  private long uploadEnd;
  private long uploadArrival;
  // sfl-v1: the largest update count among the server copies averaged at this visit's end.
  private int copiesIterations;
  private int uploadCritical;

  /**
   * An edge server actor whose paced transfers and barrier releases record their lag in {@code
   * lag}, and which reports each step's progress to {@code recorder}.
   */
  public static Behavior<Command> create(
      ServerSetup setup, PacingLag lag, ActorRef<Recorder.Command> recorder) {
    // Activations and models above the frame come in parts from another JVM.
    return Chunks.reassembling(
        Command.class, Behaviors.setup(ctx -> new EdgeServer(ctx, setup, lag, recorder)));
  }

  // What goes to the supervisor or a device in another JVM above the frame goes in parts.
  private final Chunks chunks;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private EdgeServer(
      ActorContext<Command> ctx,
      ServerSetup setup,
      PacingLag lag,
      ActorRef<Recorder.Command> recorder) {
    super(ctx);
    this.setup = setup;
    this.lag = lag;
    this.recorder = recorder;
    this.slices = setup.global() == null ? null : new SliceMaker(setup.global());
    this.outcomeAdapter =
        (ActorRef) ctx.messageAdapter(Barrier.Outcome.class, o -> new WrappedOutcome(o));
    // A refused model (NaN weights) stops the aggregator quietly; onAggregatorFailed passes the
    // reason up, so the run ends with it instead of waiting for an average that never comes.
    this.aggregator = Supervisor.watchedDevice(ctx, Aggregator.create(), "aggregator");
    this.averagedAdapter = ctx.messageAdapter(Aggregator.Averaged.class, WrappedAveraged::new);
    this.chunks = Chunks.get(ctx.getSystem());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunVisit.class, this::onRunVisit)
        .onMessage(ServerStep.class, this::onServerStep)
        .onMessage(WrappedOutcome.class, this::onOutcome)
        .onMessage(PacedOutcome.class, p -> handleOutcome(p.outcome()))
        .onMessage(UsePacing.class, this::onUsePacing)
        .onMessage(WrappedAveraged.class, this::onAveraged)
        .onMessage(Evaluate.class, this::onEvaluate)
        .onMessage(
            ToDevice.class,
            m -> {
              m.device().tell(m.command());
              return this;
            })
        .onMessage(MoveCut.class, this::onMoveCut)
        .onMessage(TakeSnapshot.class, this::onTakeSnapshot)
        .onMessage(Restore.class, this::onRestore)
        .onMessage(
            ChannelFailed.class,
            f -> {
              // Stopped quietly, like a refused tensor: the one line says it all.
              throw new IllegalArgumentException(f.reason());
            })
        .onSignal(ChildFailed.class, this::onChildFailed)
        .onSignal(Terminated.class, t -> this) // a barrier that answered
        .build();
  }

  /**
   * A failed child fails the server, so the supervisor ends the run with the reason instead of
   * waiting for an answer that never comes: the aggregator (a refused model) or a barrier.
   */
  private Behavior<Command> onChildFailed(ChildFailed f) {
    if (f.getRef().equals(aggregator)) {
      throw new IllegalArgumentException(aggregatorFailure(f.getCause()));
    }
    throw new IllegalStateException(
        "barrier " + f.getRef().path().name() + " failed: " + RunGuardian.oneLine(f.getCause()));
  }

  /**
   * The edge server's line for its aggregator's failure: {@code FedAvg: } and the cause, once
   * (FedAvg's own refusals of a shape or a sample count already start with its name).
   */
  static String aggregatorFailure(Throwable cause) {
    String reason = RunGuardian.oneLine(cause);
    return reason.startsWith("FedAvg") ? reason : "FedAvg: " + reason;
  }

  private Behavior<Command> onRunVisit(RunVisit m) {
    if (phase != Phase.IDLE) {
      throw new IllegalStateException("visit requested while another one runs");
    }
    visit = m;
    VisitPlan p = m.plan();
    visitSteps = visitSteps(p);
    if (!setup.bands().isOpen()) {
      ActorRef<Command> self = getContext().getSelf();
      setup
          .bands()
          .open(
              "",
              pacing,
              Materializer.createMaterializer(getContext()),
              why -> self.tell(new ChannelFailed(why)));
    }
    active = new ArrayList<>(p.members());
    missing = new TreeMap<>();
    missedAtNs = new TreeMap<>();
    lost = new TreeSet<>();
    localGiveUpNs = Long.MIN_VALUE;
    breakdown = Breakdown.ZERO;
    lossSum = 0;
    lossCount = 0;
    step = 0;
    servedSteps = 0;
    reportedStep = 0;
    stats = new TreeMap<>();
    phaseStartNs = p.startNs();
    progress(0, p.startNs());
    boolean depth = p.mode() == VisitPlan.Mode.DEPTH_PER_DEVICE;
    boolean copiesMode = p.mode() == VisitPlan.Mode.PER_DEVICE_COPIES || depth;
    // What this visit's devices report, for the next round's split plan (split schemes) and a
    // checkpoint; cleared every visit, so a visit hands on its own devices' only (a whole round of
    // sl's one-device visits copying everything reported so far was O(N^2) per round).
    reported.clear();
    if (copiesMode) {
      copies.clear();
      copyServerNs.clear();
      copyLoss.clear();
      splitDone.clear();
      for (int d : active) {
        copies.put(d, depth || !setup.full() ? null : setup.slice().copy());
        copyServerNs.put(d, 0L);
      }
    }
    if (depth) {
      return runSplits(p);
    }
    return request(
        Phase.READY,
        p.startNs(),
        (d, b) ->
            new Device.BeginVisit(
                p.round(),
                p.startNs(),
                p.deviceParams(),
                p.cut(),
                !copiesMode,
                p.computeFactor().get(d),
                p.upShare().get(d),
                p.downShare().get(d),
                b));
  }

  /**
   * A split round: every member gets the device side of the whole model at its own cut and the
   * server a copy of the server side per member (full fidelity), then every member runs its steps
   * against its copy; there is no broadcast, so no member waits for another.
   */
  private Behavior<Command> runSplits(VisitPlan p) {
    return request(
        Phase.LOCAL,
        p.startNs(),
        (d, b) -> {
          SplitPolicy.DevicePlan plan = p.plans().get(d);
          int cut = -1;
          INDArray params = null;
          if (setup.full()) {
            cut = Integer.parseInt(plan.cut());
            SplitModel split = setup.global().split(cut);
            params = split.slice(0).params();
            copies.put(d, slices.slice(cut, 1, split.slice(1).params()));
          }
          return new Device.RunSplit(
              p.round(),
              p.startNs(),
              p.computeFactor().get(d),
              plan,
              cut,
              params,
              getContext().getSelf(),
              b);
        });
  }

  /**
   * The steps of visit plan {@code p}: the plan's local steps (0 when each member runs its own
   * epoch), or for split plans the members' mean.
   */
  private static int visitSteps(VisitPlan p) {
    if (p.mode() != VisitPlan.Mode.DEPTH_PER_DEVICE || p.members().isEmpty()) {
      return p.steps();
    }
    int sum = 0;
    for (int d : p.members()) {
      sum += p.plans().get(d).steps();
    }
    return sum / p.members().size();
  }

  /**
   * Reports that the current visit has done {@code done} steps by emulated instant {@code atNs}, as
   * the round's progress (the visits of a round run one after another).
   */
  private void progress(int done, long atNs) {
    VisitPlan p = visit.plan();
    int steps = visitSteps;
    reportedStep = done;
    reportedNs = Math.max(reportedNs, atNs);
    recorder.tell(
        new Recorder.ProgressReported(
            new ProgressRecord(
                p.round(), p.cluster() * steps + done, p.visits() * steps, reportedNs / 1e9)));
  }

  /**
   * Starts the phase {@code next}: a barrier for its replies, then each active device's {@code
   * request} (given the device and the barrier), sent at {@code sendNs}.
   */
  private Behavior<Command> request(
      Phase next,
      long sendNs,
      BiFunction<Integer, ActorRef<Barrier.Command>, Device.Command> request) {
    phase = next;
    barrierId++;
    Map<Integer, ActorRef<Device.Command>> who = new LinkedHashMap<>();
    requestNs.clear();
    for (int d : active) {
      who.put(d, visit.plan().refs().get(d));
      requestNs.put(d, sendNs);
    }
    ActorRef<Barrier.Command> b =
        getContext()
            .spawnAnonymous(
                Barrier.<Device.Reply>create(
                    barrierId,
                    next.reply,
                    who,
                    setup.barrierTimeout(),
                    pacing.paced() ? lag : null,
                    outcomeAdapter));
    getContext().watch(b);
    for (int d : active) {
      chunks.tell(visit.plan().refs().get(d), request.apply(d, b));
    }
    return this;
  }

  /** Adds device, server, communication and aggregation time to the visit's path. */
  private void spend(long deviceNs, long serverNs, long communicationNs, long aggregationNs) {
    breakdown = breakdown.plus(new Breakdown(deviceNs, serverNs, communicationNs, aggregationNs));
  }

  private Behavior<Command> onUsePacing(UsePacing m) {
    pacing = Pacing.paced(m.speedup(), m.clockStartNanoTime(), lag);
    return this;
  }

  /**
   * In paced mode a barrier's replies are acted on only when the wall clock reaches the latest of
   * their emulated instants / speedup; the emulated instants themselves never change.
   */
  private Behavior<Command> onOutcome(WrappedOutcome w) {
    if (!pacing.paced()) {
      return handleOutcome(w);
    }
    long due = 0;
    for (Device.Reply r : w.outcome().replies().values()) {
      due = Math.max(due, r.instantNs());
    }
    if (w.outcome() instanceof Barrier.Failed<?> f) {
      for (int d : f.missing()) {
        if (holdsNextPhase(f, d)) {
          due = Math.max(due, giveUpNs(f, d));
        }
      }
    }
    ActorRef<Command> self = getContext().getSelf();
    pacing.runAt(EmulatedInstant.ofNanos(due), () -> self.tell(new PacedOutcome(w)));
    return this;
  }

  /**
   * Whether the server gives up on {@code d}, which missed the current phase: not so for an sfl-v1
   * device that misses the download of the aggregate, whose model is in that aggregate already (it
   * took part in the round; one re-created without its state, a cluster's loss, is given up as
   * before).
   */
  private boolean givesUp(Barrier.Failed<?> f, int d) {
    return phase != Phase.DOWNLOAD
        || visit.plan().mode() != VisitPlan.Mode.PER_DEVICE_COPIES
        || f.lost().contains(d);
  }

  /**
   * Whether the phase after the current one waits for the server to give up on {@code d}: not in
   * sfl-v1's start of a visit, where no model goes down and each device starts its steps when it is
   * ready (a give-up there holds the aggregation instead, as one in the local phase does), nor for
   * a device the server does not give up on ({@link #givesUp}).
   */
  private boolean holdsNextPhase(Barrier.Failed<?> f, int d) {
    return givesUp(f, d)
        && !(phase == Phase.READY && visit.plan().mode() == VisitPlan.Mode.PER_DEVICE_COPIES);
  }

  /**
   * When the server gives up on {@code d}: the deadline after its request, or after the device went
   * silent if that was later (a hang within a long phase is noticed no earlier than it happens).
   */
  private long giveUpNs(Barrier.Failed<?> f, int d) {
    long since = f.silentSinceNs().getOrDefault(d, Long.MIN_VALUE);
    return Math.max(requestNs.getOrDefault(d, phaseStartNs), since) + setup.deadlineNs();
  }

  /**
   * {@code ns}, or the current phase's deadline if later; the difference is time spent waiting for
   * a device that never answered, charged to communication.
   */
  private long waitedForMissing(long ns) {
    if (phaseGiveUpNs <= ns) {
      return ns;
    }
    spend(0, 0, phaseGiveUpNs - ns, 0);
    return phaseGiveUpNs;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Behavior<Command> handleOutcome(WrappedOutcome w) {
    Barrier.Outcome<? extends Device.Reply> o = w.outcome();
    if (o.id() != barrierId) {
      return this;
    }
    if (o instanceof Barrier.TimedOut<?> t) {
      throw new WatchdogExpired(
          "round "
              + visit.plan().round()
              + ", phase "
              + phase.name().toLowerCase()
              + ": devices "
              + t.pending()
              + " sent nothing within barrier.timeout ("
              + setup.barrierTimeout().toSeconds()
              + " s of wall-clock time); the host is stuck or overloaded (an emulated fault"
              + " would have been recorded at its deadline)");
    }
    phaseGiveUpNs = Long.MIN_VALUE;
    if (o instanceof Barrier.Failed<?> f) {
      if (!f.silentSinceNs().keySet().containsAll(f.missing())) {
        // A participant stopped (an exception, a refused message): a failure, not a missed
        // deadline; the supervisor, which watches every device, ends the run naming it.
        return this;
      }
      for (int d : f.missing()) {
        active.remove(Integer.valueOf(d));
        if (!givesUp(f, d)) {
          // sfl-v1: its model is in this round's FedAvg, so it took part in the round, which does
          // not wait for its download; it holds no current model, and its next visit charges it
          // the download first (Device.BeginVisit), or gives it up then if it is still silent.
          continue;
        }
        phaseGiveUpNs = Math.max(phaseGiveUpNs, giveUpNs(f, d));
        missing.put(d, phase.name().toLowerCase() + ": " + f.reason());
        missedAtNs.put(d, giveUpNs(f, d));
      }
      lost.addAll(f.lost());
    }
    // Of the phase's reply type: its barrier let no other through.
    Map replies = new TreeMap<>(o.replies());
    // A set to test against: retainAll over the list costs O(devices) per reply.
    replies.keySet().retainAll(new HashSet<>(active));
    return switch (phase) {
      case READY -> onReady(replies);
      case ACTIVATIONS -> onActivations(replies);
      case STEP_DONE -> onStepDone(replies);
      case LOCAL -> onLocalDone(replies);
      case UPLOAD -> onUploaded(replies);
      case DOWNLOAD -> onDownloaded(replies);
      case IDLE -> this;
    };
  }

  private Behavior<Command> onReady(Map<Integer, Device.Ready> replies) {
    VisitPlan p = visit.plan();
    if (p.mode() == VisitPlan.Mode.PER_DEVICE_COPIES && !active.isEmpty()) {
      // SplitFed v1 sends no model at a visit's start: each device starts its steps when it is
      // ready, at once or, one that missed the last aggregate, once it has downloaded it; a device
      // given up here holds the aggregation (localGiveUpNs), as one given up in the local phase
      // does, not the others' start.
      localGiveUpNs = phaseGiveUpNs;
      Map<Integer, Long> ready = new IdMap<>();
      replies.forEach((d, r) -> ready.put(d, r.arrivalNs()));
      ActorRef<Command> self = getContext().getSelf();
      return request(
          Phase.LOCAL,
          phaseStartNs,
          (d, b) -> {
            long t = ready.get(d);
            requestNs.put(d, t);
            return new Device.RunLocal(p.steps(), t, self, b);
          });
    }
    long start = phaseStartNs;
    for (Device.Ready r : replies.values()) {
      start = Math.max(start, r.arrivalNs());
    }
    start = Math.max(start, phaseGiveUpNs);
    spend(0, 0, 0, start - phaseStartNs);
    phaseStartNs = start;
    if (active.isEmpty()) {
      return finish(phaseStartNs);
    }
    return nextStepOrUpload();
  }

  private Behavior<Command> nextStepOrUpload() {
    VisitPlan p = visit.plan();
    if (step < p.steps() && !active.isEmpty()) {
      return request(
          Phase.ACTIVATIONS, phaseStartNs, (d, b) -> new Device.Step(step, phaseStartNs, b));
    }
    return upload(phaseStartNs, null);
  }

  private Behavior<Command> onActivations(Map<Integer, Device.Activations> replies) {
    if (active.isEmpty()) {
      return upload(waitedForMissing(phaseStartNs), null);
    }
    long ready = phaseStartNs;
    Device.Activations critical = null;
    long samples = 0;
    for (Map.Entry<Integer, Device.Activations> e : replies.entrySet()) {
      Device.Activations a = e.getValue();
      samples += a.batchSize();
      if (critical == null || a.arrivalNs() > critical.arrivalNs()) {
        critical = a;
      }
      ready = Math.max(ready, a.arrivalNs());
    }
    ready = waitedForMissing(ready);
    Map<Integer, INDArray> grads = serverStep(replies);
    long serverEnd =
        setup.cpu().end(ready, samples * setup.flopsPerSample(), setup.flopsPerSecond());
    spend(
        critical.computeEndNs() - critical.computeStartNs(),
        serverEnd - ready,
        critical.arrivalNs() - critical.computeEndNs(),
        0);
    gradientSendNs = serverEnd;
    return request(
        Phase.STEP_DONE,
        serverEnd,
        (d, b) -> new Device.Gradient(step, grads.get(d), serverEnd, b));
  }

  private Map<Integer, INDArray> serverStep(Map<Integer, Device.Activations> acts) {
    Map<Integer, INDArray> grads = new HashMap<>();
    if (!setup.full()) {
      acts.keySet().forEach(d -> grads.put(d, null));
      return grads;
    }
    if (visit.plan().mode() == VisitPlan.Mode.SHARED_SEQUENTIAL) {
      for (Map.Entry<Integer, Device.Activations> e : acts.entrySet()) {
        LossStep s =
            train(setup.slice(), e.getValue().activations(), e.getValue().labels(), step, -1);
        lossSum += s.loss();
        lossCount++;
        grads.put(e.getKey(), s.inputGradient().dup());
      }
      return grads;
    }
    List<INDArray> xs = new ArrayList<>();
    List<INDArray> ys = new ArrayList<>();
    for (Device.Activations a : acts.values()) {
      xs.add(a.activations());
      ys.add(a.labels());
    }
    INDArray x = xs.size() == 1 ? xs.get(0) : Nd4j.concat(0, xs.toArray(new INDArray[0]));
    INDArray y = ys.size() == 1 ? ys.get(0) : Nd4j.concat(0, ys.toArray(new INDArray[0]));
    LossStep s = train(setup.slice(), x, y, step, -1);
    lossSum += s.loss();
    lossCount++;
    // Slice gradients are of the summed loss (the updater divides by the batch), so device n's
    // rows of the input gradient are the gradient of its own batch's loss: its update is the one it
    // would make in sl. batch-mean scales them by b_n / B, as if the device's update came from the
    // mean loss over the whole concatenated batch of B samples.
    long total = x.size(0);
    long row = 0;
    for (Map.Entry<Integer, Device.Activations> e : acts.entrySet()) {
      int b = e.getValue().batchSize();
      INDArray g = rows(s.inputGradient(), row, row + b);
      if (setup.batchMeanCutGradient() && b != total) {
        g.muli((double) b / total);
      }
      grads.put(e.getKey(), g);
      row += b;
    }
    return grads;
  }

  /**
   * One server step of {@code slice} (the shared slice, or device {@code copyOf}'s copy when >= 0)
   * at local step {@code localStep} (0-based) of this visit; a diverged model (a non-finite loss or
   * input gradient, checked by the slice before its update) ends the run naming the edge server,
   * the slice and the round, not a device that would refuse the gradient.
   */
  private LossStep train(Slice slice, INDArray x, INDArray y, int localStep, int copyOf) {
    try {
      return slice.trainStepOnClasses(x, y);
    } catch (DivergedException e) {
      // The supervisor's line names the edge server: "edge server failed: " + this. A refused
      // value, as a slice's own refusals are: the actor stops without a logged stack trace.
      throw new IllegalArgumentException(
          e.where()
              + (copyOf >= 0 ? " (the server copy for device-" + copyOf + ")" : "")
              + ": "
              + e.what()
              + " at round "
              + visit.plan().round()
              + ", step "
              + (localStep + 1),
          e);
    }
  }

  private static INDArray rows(INDArray a, long from, long to) {
    INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
    idx[0] = NDArrayIndex.interval(from, to);
    for (int i = 1; i < idx.length; i++) {
      idx[i] = NDArrayIndex.all();
    }
    return a.get(idx).dup();
  }

  private Behavior<Command> onStepDone(Map<Integer, Device.StepDone> replies) {
    long end = phaseStartNs;
    Device.StepDone critical = null;
    for (Device.StepDone s : replies.values()) {
      if (critical == null || s.endNs() > critical.endNs()) {
        critical = s;
      }
      end = Math.max(end, s.endNs());
    }
    if (critical != null) {
      spend(
          critical.endNs() - critical.gradientArrivalNs(),
          0,
          critical.gradientArrivalNs() - critical.sendNs(),
          0);
    } else {
      // nobody answered: the path so far ends with the server step
      end = gradientSendNs;
    }
    end = waitedForMissing(end);
    phaseStartNs = end;
    step++;
    progress(step, end);
    return nextStepOrUpload();
  }

  private Behavior<Command> onServerStep(ServerStep m) {
    Device.Activations a = m.activations();
    int d = a.device();
    if (visit == null || phase != Phase.LOCAL || !copies.containsKey(d)) {
      return this;
    }
    INDArray grad = null;
    if (setup.full()) {
      LossStep s = train(copies.get(d), a.activations(), a.labels(), a.step(), d);
      double[] acc = copyLoss.computeIfAbsent(d, k -> new double[2]);
      acc[0] += s.loss();
      acc[1]++;
      grad = s.inputGradient().dup();
    }
    SplitPolicy.DevicePlan plan = visit.plan().plans().get(d);
    ComputeTiming copy = setup.copyCpu().apply(d);
    long end =
        plan == null
            ? copy.end(
                a.arrivalNs(),
                a.batchSize() * setup.flopsPerSample(),
                visit.plan().serverShare().get(d) * setup.flopsPerSecond())
            : DeviceClock.serve(copy, plan, a.batchSize(), a.arrivalNs());
    copyServerNs.merge(d, end - a.arrivalNs(), Long::sum);
    // The device (a sharded entity's child) may be on another JVM.
    chunks.tell(m.device(), new Device.LocalGradient(a.step(), grad, end));
    // The members' mean step count: at most one report per step, as a barrier step would have.
    servedSteps++;
    if (servedSteps / copies.size() > reportedStep) {
      progress(servedSteps / copies.size(), end);
    }
    return this;
  }

  private Behavior<Command> onLocalDone(Map<Integer, Device.LocalDone> replies) {
    // With sfl-v1's give-up at the visit's start (onReady), if any.
    localGiveUpNs = Math.max(localGiveUpNs, phaseGiveUpNs);
    long done = phaseStartNs;
    for (Device.LocalDone l : replies.values()) {
      done = Math.max(done, l.endNs());
    }
    progress(Math.max(reportedStep, visitSteps), done);
    if (visit.plan().mode() == VisitPlan.Mode.DEPTH_PER_DEVICE) {
      return onSplitsDone(replies);
    }
    localEnds = new TreeMap<>();
    replies.forEach((d, l) -> localEnds.put(d, l.endNs()));
    return upload(phaseStartNs, localEnds);
  }

  /**
   * Every member of a split round finished its steps (and, without the plan's aggregation barrier,
   * its model upload) or was given up: the round ends, or the barrier's uploads start once every
   * member's steps are done.
   */
  private Behavior<Command> onSplitsDone(Map<Integer, Device.LocalDone> replies) {
    long end = phaseStartNs;
    for (Map.Entry<Integer, Device.LocalDone> e : replies.entrySet()) {
      Device.LocalDone l = e.getValue();
      splitDone.put(e.getKey(), l);
      stats.put(e.getKey(), l.stats());
      reported.put(e.getKey(), l.stats());
      end = Math.max(end, l.endNs());
    }
    end = Math.max(end, phaseGiveUpNs);
    VisitPlan p = visit.plan();
    if (p.plans().get(p.members().get(0)).aggregateAtBarrier()) {
      return upload(end, null);
    }
    return average(end);
  }

  /**
   * The end of a split round at {@code endNs}: in full fidelity each completed member's device
   * slice and server copy are folded into a whole model, and the whole models averaged (FedAvg by
   * samples, device order) into the next round's whole model.
   */
  private Behavior<Command> average(long endNs) {
    List<INDArray> wholes = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    List<Long> samples = new ArrayList<>();
    if (setup.full()) {
      if (paramNames == null) {
        paramNames = new ArrayList<>(setup.global().paramTable().keySet());
      }
      for (int d : active) {
        Map<String, INDArray> whole = new LinkedHashMap<>(splitDone.get(d).table());
        whole.putAll(copies.get(d).paramTable());
        List<INDArray> parts = new ArrayList<>();
        for (String name : paramNames) {
          INDArray v = whole.get(name);
          if (v == null) {
            throw new IllegalStateException("device-" + d + " returned no value for " + name);
          }
          parts.add(v);
        }
        wholes.add(Nd4j.toFlattened('c', parts));
        ids.add(d);
        samples.add(splitDone.get(d).samples());
      }
    }
    if (wholes.isEmpty()) {
      return finish(endNs);
    }
    splitEndNs = endNs;
    aggregator.tell(new Aggregator.Average(ids, wholes, weights(samples), averagedAdapter));
    return this;
  }

  private Behavior<Command> upload(long sendNs, Map<Integer, Long> perDeviceSend) {
    if (active.isEmpty()) {
      // nobody left: the visit ends when the server gives up on the last of them
      long end = Math.max(sendNs, Math.max(phaseGiveUpNs, localGiveUpNs));
      spend(0, 0, 0, end - sendNs);
      return finish(end);
    }
    phaseStartNs = sendNs;
    return request(
        Phase.UPLOAD,
        sendNs,
        (d, b) -> {
          long t = perDeviceSend == null ? sendNs : perDeviceSend.get(d);
          requestNs.put(d, t);
          return new Device.Upload(t, b);
        });
  }

  private Behavior<Command> onUploaded(Map<Integer, Device.Uploaded> replies) {
    uploadCritical = -1;
    long latest = Long.MIN_VALUE;
    boolean serverCopies = setup.full() && visit.plan().mode() == VisitPlan.Mode.PER_DEVICE_COPIES;
    List<Integer> ids = new ArrayList<>();
    List<INDArray> params = new ArrayList<>();
    List<Long> samples = new ArrayList<>();
    List<Integer> serverIds = new ArrayList<>();
    List<INDArray> serverParams = new ArrayList<>();
    List<INDArray> serverStates = new ArrayList<>();
    List<Long> serverSamples = new ArrayList<>();
    copiesIterations = 0;
    for (Map.Entry<Integer, Device.Uploaded> e : replies.entrySet()) {
      Device.Uploaded u = e.getValue();
      stats.put(e.getKey(), u.stats());
      reported.put(e.getKey(), u.stats());
      // The device whose model arrives last is the critical one; ties go to the lowest id.
      if (u.arrivalNs() > latest) {
        latest = u.arrivalNs();
        uploadCritical = e.getKey();
      }
      if (u.params() != null) {
        ids.add(e.getKey());
        params.add(u.params());
        samples.add(u.samples());
      }
      if (serverCopies) {
        Slice copy = copies.get(e.getKey());
        serverIds.add(e.getKey());
        serverParams.add(copy.params());
        serverStates.add(copy.updaterState());
        serverSamples.add(u.samples());
        copiesIterations = Math.max(copiesIterations, copy.iterationCount());
      }
    }
    uploadArrival = Math.max(phaseStartNs, latest);
    // A device given up in this phase or in sfl-v1's local phase holds FedAvg until its deadline.
    uploadEnd = Math.max(uploadArrival, Math.max(phaseGiveUpNs, localGiveUpNs));
    if (params.isEmpty()) {
      // timing fidelity (or nobody uploaded): nothing to average
      return afterAggregation(new Aggregator.Averaged(visit.plan().deviceParams()));
    }
    aggregator.tell(
        new Aggregator.Average(
            ids,
            params,
            weights(samples),
            serverIds,
            serverParams,
            serverStates,
            weights(serverSamples),
            averagedAdapter));
    return this;
  }

  /** FedAvg's weights: the samples, or 1 each under {@code survival.weighting = equal}. */
  private List<Long> weights(List<Long> samples) {
    if (!visit.plan().equalWeights()) {
      return samples;
    }
    List<Long> equal = new ArrayList<>();
    samples.forEach(x -> equal.add(1L));
    return equal;
  }

  private Behavior<Command> onAveraged(WrappedAveraged w) {
    if (visit.plan().mode() == VisitPlan.Mode.DEPTH_PER_DEVICE) {
      setup.global().setFullParams(w.averaged().device());
      return finish(splitEndNs);
    }
    return afterAggregation(w.averaged());
  }

  private Behavior<Command> afterAggregation(Aggregator.Averaged a) {
    aggregated = a.device();
    VisitPlan.Mode mode = visit.plan().mode();
    if (mode == VisitPlan.Mode.SHARED_CONCATENATED || mode == VisitPlan.Mode.SHARED_SEQUENTIAL) {
      spend(0, 0, 0, uploadEnd - phaseStartNs);
      return finish(uploadEnd);
    }
    if (mode == VisitPlan.Mode.DEPTH_PER_DEVICE) {
      // The barrier's download of the aggregate (a split round's row follows its own path).
      return download(uploadEnd);
    }
    // SplitFed v1: the critical device's own path, then the server copies are averaged and the
    // aggregated device model goes down to every device.
    if (uploadCritical >= 0) {
      Device.RoundStats s = stats.get(uploadCritical);
      long upload = uploadArrival - localEnds.get(uploadCritical);
      long serverNs = copyServerNs.getOrDefault(uploadCritical, 0L);
      spend(s.computeNs(), serverNs, s.uplinkNs() + s.downlinkNs() - upload, upload);
    }
    // Waiting for a model that never came, after the last that did (or, if none came, after the
    // upload phase's start: uploadArrival), is aggregation time.
    long waited = uploadEnd - uploadArrival;
    if (waited > 0) {
      spend(0, 0, 0, waited);
    }
    if (a.server() != null) {
      // The shared slice, which the next round's copies start from, takes the copies' FedAvg:
      // weights and optimizer state with the same weights, and the copies' update count, so the
      // server side keeps its optimizer state across rounds as the devices do (docs/runtime.md).
      setup.slice().setParams(a.server());
      if (a.serverState() != null) {
        setup.slice().setUpdaterState(a.serverState());
      }
      setup.slice().setIterationCount(copiesIterations);
    }
    return download(uploadEnd);
  }

  private Behavior<Command> download(long end) {
    phaseStartNs = end;
    if (active.isEmpty()) {
      return visit.plan().mode() == VisitPlan.Mode.DEPTH_PER_DEVICE ? average(end) : finish(end);
    }
    return request(Phase.DOWNLOAD, end, (d, b) -> new Device.Download(end, aggregated, b));
  }

  private Behavior<Command> onDownloaded(Map<Integer, Device.Downloaded> replies) {
    long end = phaseStartNs;
    for (Map.Entry<Integer, Device.Downloaded> e : replies.entrySet()) {
      Device.Downloaded d = e.getValue();
      end = Math.max(end, d.arrivalNs());
      // devices.csv counts the aggregated model's download in the device's round
      stats.put(e.getKey(), d.stats());
      reported.put(e.getKey(), d.stats());
    }
    end = Math.max(end, phaseGiveUpNs);
    spend(0, 0, 0, end - phaseStartNs);
    if (visit.plan().mode() == VisitPlan.Mode.DEPTH_PER_DEVICE) {
      return average(end);
    }
    return finish(end);
  }

  private Behavior<Command> finish(long endNs) {
    VisitPlan p = visit.plan();
    INDArray params = aggregated != null ? aggregated : p.deviceParams();
    // A device that missed any phase is reported as not completed, with no spending.
    stats.keySet().removeAll(missing.keySet());
    Map<Integer, DevicePath> paths = new TreeMap<>();
    if (p.mode() == VisitPlan.Mode.PER_DEVICE_COPIES
        || p.mode() == VisitPlan.Mode.DEPTH_PER_DEVICE) {
      // The loss of the copies of the members that completed, in device order (not the partial
      // steps of one given up).
      for (int d : stats.keySet()) {
        double[] acc = copyLoss.get(d);
        if (acc != null) {
          lossSum += acc[0];
          lossCount += (int) acc[1];
        }
        if (p.mode() != VisitPlan.Mode.DEPTH_PER_DEVICE) {
          continue;
        }
        Device.LocalDone l = splitDone.get(d);
        paths.put(d, new DevicePath(l.stepsEndNs(), l.stats().computeNs(), copyServerNs.get(d)));
      }
    }
    chunks.tell(
        visit.replyTo(),
        new VisitDone(
            p.round(),
            p.cluster(),
            params,
            endNs,
            breakdown,
            lossSum,
            lossCount,
            stats,
            missing,
            new TreeSet<>(p.members()).size() - missing.size(),
            missedAtNs,
            paths,
            new TreeMap<>(reported),
            lost));
    phase = Phase.IDLE;
    visit = null;
    aggregated = null;
    return this;
  }

  private Behavior<Command> onMoveCut(MoveCut m) {
    if (phase != Phase.IDLE) {
      throw new IllegalStateException("re-cut requested while a visit runs");
    }
    chunks.tell(m.replyTo(), new CutMoved(moveCut(m.cut(), m.flopsPerSample(), m.deviceParams())));
    return this;
  }

  /** Moves the server slice to {@code cut} (see {@link MoveCut}); the new device side, or null. */
  private INDArray moveCut(int cut, double flopsPerSample, INDArray deviceParams) {
    ServerSetup o = setup;
    SplitModel next = null;
    INDArray device = null;
    if (o.full()) {
      SplitModel eval = o.evalModel();
      eval.slice(0).setParams(deviceParams);
      eval.slice(1).setParams(o.slice().params());
      next = eval.resplit(cut);
      device = next.slice(0).params().dup();
    }
    setup =
        new ServerSetup(
            next == null ? null : next.slice(1),
            next == null ? null : next.model().split(cut),
            o.test(),
            o.evalSamples(),
            o.dataType(),
            flopsPerSample,
            o.flopsPerSecond(),
            o.cpu(),
            o.copyCpu(),
            o.barrierTimeout(),
            o.deadlineNs(),
            o.batchMeanCutGradient(),
            null,
            o.bands());
    return device;
  }

  private Behavior<Command> onEvaluate(Evaluate m) {
    double accuracy = Double.NaN;
    if (setup.full()) {
      SplitModel eval = setup.global() == null ? setup.evalModel() : null;
      try {
        if (eval != null) {
          // Refused when not finite (the last update diverged the weights).
          eval.slice(0).setParams(m.deviceParams());
          eval.slice(1).setParams(setup.slice().params());
        }
        UnaryOperator<INDArray> output =
            eval != null ? eval::output : setup.global().whole()::output;
        accuracy = TestAccuracy.of(output, setup.test(), setup.evalSamples(), setup.dataType());
      } catch (IllegalArgumentException e) { // a DivergedException among them
        // The slice that first gave a non-finite output (each checks its own), or the model's;
        // the supervisor's line names the edge server: "edge server failed: " + this.
        String what =
            e instanceof DivergedException d
                ? d.where()
                    + (eval != null && d.where().equals(eval.slice(0).label())
                        ? " (the aggregated device side)"
                        : "")
                    + ": "
                    + d.what()
                : e.getMessage();
        throw new IllegalArgumentException(what + " at evaluation of round " + m.round(), e);
      }
    }
    m.replyTo().tell(new Evaluation(accuracy));
    return this;
  }

  // Checkpoints: taken and restored between visits, when no barrier is open.

  /** Answer {@link Snapshot} for a run of {@code devices} (the ids of the per-device copies). */
  public record TakeSnapshot(List<Integer> devices, ActorRef<Snapshot> replyTo) implements Command {

    /** Copies the devices in. */
    public TakeSnapshot {
      devices = List.copyOf(devices);
    }
  }

  /**
   * The server's state between rounds: the shared slice's weights, optimizer state and update count
   * (null in timing fidelity and for a split scheme), a split scheme's whole model ({@code global},
   * null otherwise), and when its processor and each device's copy processor are free.
   */
  public record Snapshot(
      INDArray params,
      INDArray updater,
      int iterations,
      INDArray global,
      long cpuFreeAtNs,
      Map<Integer, Long> copyFreeAtNs)
      implements ClusterMessage {

    /** Copies the copies' queues in, in device order: a snapshot is a message, immutable. */
    public Snapshot {
      copyFreeAtNs = Collections.unmodifiableMap(new TreeMap<>(copyFreeAtNs));
    }
  }

  /**
   * Take {@code snapshot}'s state; a {@code cut} >= 0 first moves the slice there (a CPSL run
   * checkpointed after a re-cut), with {@code flopsPerSample} its costs.
   */
  public record Restore(
      Snapshot snapshot, int cut, double flopsPerSample, ActorRef<Restored> replyTo)
      implements Command {}

  /** Reply to {@link Restore}. */
  public enum Restored implements ClusterMessage {
    INSTANCE
  }

  private Behavior<Command> onTakeSnapshot(TakeSnapshot m) {
    if (phase != Phase.IDLE) {
      throw new IllegalStateException("snapshot requested while a visit runs");
    }
    Slice slice = setup.slice();
    Map<Integer, Long> copyFree = new TreeMap<>();
    for (int d : m.devices()) {
      copyFree.put(d, setup.copyCpu().apply(d).freeAtNs());
    }
    // In parts to a supervisor on another JVM when above the frame (a cluster's checkpoint).
    chunks.tell(
        m.replyTo(),
        new Snapshot(
            // Copies: the slice goes on training after the snapshot is sent.
            slice == null ? null : slice.params().dup(),
            slice == null ? null : slice.updaterState().dup(),
            slice == null ? 0 : slice.iterationCount(),
            setup.global() == null ? null : setup.global().fullParams().dup(),
            setup.cpu().freeAtNs(),
            copyFree));
    return this;
  }

  private Behavior<Command> onRestore(Restore m) {
    Snapshot s = m.snapshot();
    if (m.cut() >= 0) {
      // Only the slices' shapes move here; the snapshot's weights replace whatever they held.
      moveCut(
          m.cut(), m.flopsPerSample(), setup.full() ? setup.evalModel().slice(0).params() : null);
    }
    Slice slice = setup.slice();
    if (slice != null && s.params() != null) {
      slice.setParams(s.params());
      slice.setUpdaterState(s.updater());
      slice.setIterationCount(s.iterations());
    }
    if (setup.global() != null && s.global() != null) {
      setup.global().setFullParams(s.global());
    }
    setup.cpu().restoreFreeAt(s.cpuFreeAtNs());
    s.copyFreeAtNs().forEach((d, ns) -> setup.copyCpu().apply(d).restoreFreeAt(ns));
    // A crash's restore sends the run back to the checkpoint: the progress of the redone rounds is
    // reported from their own instants, not held at the discarded round's latest.
    reportedNs = 0;
    m.replyTo().tell(Restored.INSTANCE);
    return this;
  }
}
