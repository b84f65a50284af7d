package io.splitemu.actors.runtime;

import io.splitemu.model.data.Batch;
import io.splitemu.model.nn.LossStep;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.wire.ClusterMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A device of a per-device split run (DAG splits, EdgeSplit, SFL with compute allocation): runs the
 * iterations of a round with its own split, compute rate, link shares and server rate, handing the
 * server part of each iteration to the {@link SplitServer}; then, as the plan says, uploads its
 * model at once or waits for the controller's aggregation barrier.
 *
 * <p>In {@code full} fidelity each iteration also draws the device's next batch (its {@link
 * BatchCursor}, which continues across rounds), forwards it through the round's device slice, sends
 * the activations and labels with the job, and backpropagates the cut gradient the server returns;
 * the tensor math never changes the emulated times.
 */
final class SplitDevice extends AbstractBehavior<SplitDevice.Command> {

  /** What a device accepts. */
  interface Command extends ClusterMessage {}

  /**
   * Run a round from {@code startNs} with the plan {@code plan}; {@code params} are the weights of
   * the device slice to train this round at the plan's cut (null in timing fidelity).
   */
  record RunRound(
      int round,
      long startNs,
      SplitPolicy.DevicePlan plan,
      int batch,
      INDArray params,
      ActorRef<SplitController.Command> replyTo)
      implements Command {}

  /**
   * The server finished its part of the current iteration at {@code endNs}; in full fidelity with
   * the server copy's loss and cut gradient ({@code step}), or why it could not train ({@code
   * failure}).
   */
  record ServerDone(long endNs, long serverNs, LossStep step, String failure) implements Command {}

  /** Upload the device model from {@code startNs} for the aggregation barrier. */
  record Aggregate(long startNs, ActorRef<SplitController.Command> replyTo) implements Command {}

  /** Download the aggregated model from {@code startNs}. */
  record Download(long startNs, ActorRef<SplitController.Command> replyTo) implements Command {}

  /**
   * Fault: nothing the device sends reaches the server at {@code atNs} or later. From the first
   * message that would, the device answers every request of the controller with {@link
   * SplitController.DeviceMissed} (the emulation knows the reply will never come).
   */
  record HangAt(long atNs) implements Command {}

  private final int id;
  private final double flops;
  private final LinkTiming up;
  private final LinkTiming down;
  private final ActorRef<SplitServer.Command> server;
  private final SplitTraining.DeviceData data;
  private final SliceMaker slices;
  private final BatchCursor cursor;
  // This round's device slice, rebuilt from RunRound's cut and weights (null in timing).
  private Slice slice;

  private RunRound current;
  private double lossSum;
  private int step;
  private long now;
  private long computeNs;
  private long upNs;
  private long downNs;
  private long serverNs;
  private long bytesUp;
  private long bytesDown;
  // Serialisation time (without propagation) weighted by the share it was sent at:
  // bits / this = the full-band rate the transfers achieved.
  private double upShareNs;
  private double downShareNs;
  private long hangAtNs = Long.MAX_VALUE;
  private boolean hung;

  /**
   * A device; {@code data} is what it trains on in full fidelity and {@code slices} builds its
   * slice each round (both null in timing fidelity).
   */
  static Behavior<Command> create(
      int id,
      double flops,
      LinkTiming up,
      LinkTiming down,
      ActorRef<SplitServer.Command> server,
      SplitTraining.DeviceData data,
      SliceMaker slices) {
    return Behaviors.setup(
        ctx -> new SplitDevice(ctx, id, flops, up, down, server, data, slices));
  }

  private SplitDevice(
      ActorContext<Command> ctx,
      int id,
      double flops,
      LinkTiming up,
      LinkTiming down,
      ActorRef<SplitServer.Command> server,
      SplitTraining.DeviceData data,
      SliceMaker slices) {
    super(ctx);
    this.slices = slices;
    this.id = id;
    this.flops = flops;
    this.up = up;
    this.down = down;
    this.server = server;
    this.data = data;
    this.cursor = data == null ? null : new BatchCursor(data.shard(), data.batchSeed());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunRound.class, this::onRunRound)
        .onMessage(ServerDone.class, this::onServerDone)
        .onMessage(Aggregate.class, this::onAggregate)
        .onMessage(Download.class, this::onDownload)
        .onMessage(HangAt.class, this::onHangAt)
        .build();
  }

  private Behavior<Command> onHangAt(HangAt m) {
    hangAtNs = Math.min(hangAtNs, m.atNs());
    return this;
  }

  /**
   * Whether a message reaching the server at {@code instantNs} falls after the hang; if so, the
   * device is hung from now on and the controller learns that it misses the request it sent at
   * {@code requestNs}.
   */
  private boolean missed(long instantNs, long requestNs, ActorRef<SplitController.Command> to) {
    if (instantNs >= hangAtNs) {
      hung = true;
    }
    if (hung) {
      // Noticed no earlier than the device went silent (a hang within a long round).
      long since = hangAtNs == Long.MAX_VALUE ? requestNs : Math.max(requestNs, hangAtNs);
      to.tell(new SplitController.DeviceMissed(id, current.round(), since));
    }
    return hung;
  }

  private Behavior<Command> onRunRound(RunRound m) {
    current = m;
    if (missed(m.startNs(), m.startNs(), m.replyTo())) {
      return this;
    }
    up.round(m.round());
    down.round(m.round());
    step = 0;
    lossSum = 0;
    now = m.startNs();
    computeNs = 0;
    upNs = 0;
    downNs = 0;
    serverNs = 0;
    bytesUp = 0;
    bytesDown = 0;
    upShareNs = 0;
    downShareNs = 0;
    slice =
        m.params() == null ? null : slices.slice(Integer.parseInt(m.plan().cut()), 0, m.params());
    return startIteration();
  }

  private Behavior<Command> startIteration() {
    SplitPolicy.DevicePlan p = current.plan();
    if (step == p.steps()) {
      return endOfSteps();
    }
    int b = current.batch();
    INDArray activations = null;
    INDArray labels = null;
    if (slice != null) {
      Batch batch = data.train().batch(cursor.nextBatch(b), data.dataType());
      try {
        activations = slice.forward(batch.features());
      } catch (IllegalArgumentException | IllegalStateException e) {
        return fail("device slice: " + e.getMessage());
      }
      labels = batch.labels();
    }
    now += compute(b * p.deviceForwardFlops());
    if (p.upBytes() > 0) {
      now = send(up, (long) b * p.upBytes(), p.upShare(), true);
    }
    if (missed(now, current.startNs(), current.replyTo())) {
      return this;
    }
    // With real tensors the server copy always trains; a zero-FLOP job ends at its arrival (the
    // device's previous job ended before it went on), so the emulated time is the same.
    if (p.serverFlops() > 0 || activations != null) {
      server.tell(
          new SplitServer.Job(
              id,
              b * p.serverFlops(),
              p.serverFlopsPerSecond(),
              now,
              activations,
              labels,
              getContext().getSelf()));
      return this;
    }
    return finishIteration(null);
  }

  private Behavior<Command> onServerDone(ServerDone m) {
    serverNs += m.serverNs();
    now = m.endNs();
    if (m.failure() != null) {
      return fail(m.failure());
    }
    if (m.step() != null && !Double.isFinite(m.step().loss())) {
      return fail(
          "the training loss is "
              + m.step().loss()
              + " (the model diverged; try a smaller splitemu.model.learning-rate)");
    }
    return finishIteration(m.step());
  }

  private Behavior<Command> finishIteration(LossStep serverStep) {
    SplitPolicy.DevicePlan p = current.plan();
    if (serverStep != null) {
      lossSum += serverStep.loss();
      try {
        slice.backward(serverStep.inputGradient());
      } catch (IllegalArgumentException | IllegalStateException e) {
        return fail("device slice: " + e.getMessage());
      }
    }
    if (p.downBytes() > 0) {
      now = send(down, (long) current.batch() * p.downBytes(), p.downShare(), false);
    }
    now += compute(current.batch() * p.deviceBackwardFlops());
    step++;
    return startIteration();
  }

  private Behavior<Command> endOfSteps() {
    SplitPolicy.DevicePlan p = current.plan();
    long stepsEnd = now;
    long modelUpNs = 0;
    if (p.modelBytes() > 0 && !p.aggregateAtBarrier()) {
      long before = upNs;
      now = send(up, p.modelBytes(), p.modelUpShare(), true);
      modelUpNs = upNs - before;
    }
    if (missed(now, current.startNs(), current.replyTo())) {
      return this;
    }
    current
        .replyTo()
        .tell(new SplitController.Achieved(id, bytesUp, upShareNs, bytesDown, downShareNs));
    // The device slice does not change after its steps, so its weights go with the report even
    // when the emulated upload comes later, at the aggregation barrier.
    SplitController.Trained trained =
        slice == null
            ? null
            : new SplitController.Trained(
                slice.paramTable(),
                lossSum,
                p.steps(),
                (long) p.steps() * current.batch());
    current.replyTo().tell(new SplitController.DeviceDone(round(stepsEnd, modelUpNs, 0), trained));
    return this;
  }

  /** Reports a failed tensor step to the controller, which stops the run, and stops. */
  private Behavior<Command> fail(String why) {
    current
        .replyTo()
        .tell(
            new SplitController.Failed("device-" + id + ", round " + current.round() + ": " + why));
    return Behaviors.stopped();
  }

  private Behavior<Command> onAggregate(Aggregate m) {
    return moveModel(m.startNs(), true, m.replyTo());
  }

  private Behavior<Command> onDownload(Download m) {
    return moveModel(m.startNs(), false, m.replyTo());
  }

  /** The model up (to the aggregation barrier) or the aggregate down, from {@code startNs}. */
  private Behavior<Command> moveModel(
      long startNs, boolean uplink, ActorRef<SplitController.Command> replyTo) {
    SplitPolicy.DevicePlan p = current.plan();
    if (missed(startNs, startNs, replyTo)) {
      return this;
    }
    now = startNs;
    long before = uplink ? upNs : downNs;
    long end =
        uplink
            ? send(up, p.modelBytes(), p.modelUpShare(), true)
            : send(down, p.modelBytes(), p.modelDownShare(), false);
    if (missed(end, startNs, replyTo)) {
      return this;
    }
    long linkNs = (uplink ? upNs : downNs) - before;
    now = end;
    // The rates before the transfer's report: the controller may start the next round (and plan
    // it from these rates) as soon as the last transfer is reported, so a report after it would
    // count or not depending on message timing.
    replyTo.tell(new SplitController.Achieved(id, bytesUp, upShareNs, bytesDown, downShareNs));
    replyTo.tell(new SplitController.ModelMoved(id, end, linkNs, p.modelBytes()));
    return this;
  }

  private SplitRun.DeviceRound round(long stepsEnd, long modelUpNs, long modelDownNs) {
    return new SplitRun.DeviceRound(
        id,
        stepsEnd,
        now,
        computeNs,
        upNs,
        downNs,
        serverNs,
        bytesUp,
        bytesDown,
        modelUpNs,
        modelDownNs);
  }

  /** Sends {@code bytes} from {@code now} and returns the arrival instant. */
  private long send(LinkTiming link, long bytes, double share, boolean uplink) {
    long arrival = link.arrival(now, bytes, share);
    if (uplink) {
      upNs += arrival - now;
      upShareNs += Math.max(0, arrival - now - link.propagationNanos()) * share;
      bytesUp += bytes;
    } else {
      downNs += arrival - now;
      downShareNs += Math.max(0, arrival - now - link.propagationNanos()) * share;
      bytesDown += bytes;
    }
    return arrival;
  }

  private long compute(double work) {
    long ns = (long) Math.ceil(work / flops * 1e9);
    computeNs += ns;
    return ns;
  }
}
