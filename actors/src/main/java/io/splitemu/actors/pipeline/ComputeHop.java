package io.splitemu.actors.pipeline;

import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.runtime.Device;
import io.splitemu.actors.runtime.EmulatedCpu;
import io.splitemu.actors.wire.Chunks;
import io.splitemu.model.wire.ClusterMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One MP-SL pipeline stage: it holds one instance of its slice per device, serves the forward and
 * backward jobs of all its devices first come, first served by (emulated arrival, device id,
 * direction) on its own processor, and accounts the memory of the instances it holds.
 *
 * <p>Conservative synchronisation: a job starts only when no earlier job can still arrive. Each
 * input has a lower bound on its next message: a neighbouring hop's channel is bounded by the
 * promises (null messages) the neighbour sends and by the last job it sent (a hop emits in
 * completion order, so its outputs are ordered in emulated time); a device that this hop has just
 * answered owes its next message, which cannot arrive before the answer was sent, and answers at
 * once (its work is local); a device whose batch is elsewhere in the pipeline cannot send here
 * before this hop answers it, which is after the job about to start. Every hop job takes a positive
 * time, so promises grow by at least F + B per exchange and the pipeline never deadlocks. Jobs of
 * the next epoch come only after the FedAvg barrier, so a hop runs epoch by epoch and keeps early
 * messages of the next epoch until it gets there.
 *
 * <p>What it sends a device (the last hop's activations, the first hop's gradient at the cut) goes
 * through the device's lane of the downlink channel ({@link LinkChannel}), which stamps the
 * arrival; the hop still counts the device as owing its next message from the instant it sent.
 */
public final class ComputeHop extends AbstractBehavior<ComputeHop.Command> {

  /** What a hop accepts. */
  public sealed interface Command extends ClusterMessage {}

  /**
   * A batch's forward (activations) or backward (gradients) job for this hop.
   *
   * @param arrivalNs emulated instant at which its input is available here
   * @param roundStarts on a cluster, with a device's first job of an epoch: the round starts its
   *     downlink keeps ({@link io.splitemu.actors.runtime.LinkTiming#keptRoundStarts}), which the
   *     hop tells the device's lane of the downlink channel before anything of the epoch goes down
   *     it; else empty ({@link #NO_ROUND_STARTS}: the wire takes no null array)
   */
  public record Job(
      int epoch, int device, boolean forward, int batch, long arrivalNs, long[] roundStarts)
      implements Command {

    /** A job without round starts (a hop's, or in one JVM). */
    public Job(int epoch, int device, boolean forward, int batch, long arrivalNs) {
      this(epoch, device, forward, batch, arrivalNs, NO_ROUND_STARTS);
    }
  }

  /** No round starts to tell (never changed: an array shared by the messages without). */
  public static final long[] NO_ROUND_STARTS =
      io.splitemu.actors.runtime.LinkTiming.NO_ROUND_STARTS;

  /**
   * A neighbour's null message: no message of this epoch on the channel that carries {@code
   * forward} jobs to this hop will be available before {@code boundNs}.
   */
  public record Promise(int epoch, boolean forward, long boundNs) implements Command {}

  /** The chain neighbours, the devices and where the hop reports, once every actor exists. */
  public record Wire(
      ActorRef<Command> prev,
      ActorRef<Command> next,
      Map<Integer, ActorRef<Device.Command>> devices,
      ActorRef<Reply> run)
      implements Command {

    public Wire {
      devices = Map.copyOf(devices); // the lane's map is handed to each of its hops
    }
  }

  /**
   * A hung device sends nothing more after its {@code forwardJobs} forward and {@code backwardJobs}
   * backward jobs of epoch {@code epoch}: the hop stops expecting the rest, for the run if {@code
   * forGood} (survival.absent = drop-for-run), else for that epoch only (drop-for-round: the device
   * is asked again at its next epoch start, where it sends its jobs or withdraws again).
   */
  public record Withdraw(int epoch, int device, int forwardJobs, int backwardJobs, boolean forGood)
      implements Command {}

  /**
   * The supervisor's download of the aggregate ({@code bytes}, ready at {@code readyNs}) to device
   * {@code device} of this hop's lane, handed to the lane's downlink channel here: on a cluster the
   * channel lives with the hops, on their member. Any hop of the lane takes it, whatever its epoch.
   * {@code rejoin}: the download of a device given up and asked again under drop-for-round ({@link
   * Device.AggregateFetched}), else the epoch's aggregate ({@link Device.Aggregated}). A rejoining
   * device's {@code roundStarts} (else empty) are its downlink's, told to its lane first, as a
   * {@link Job}'s.
   */
  public record Download(
      int epoch, int device, long bytes, long readyNs, boolean rejoin, long[] roundStarts)
      implements Command {}

  /** Asks for the hop's totals at the end of the run. */
  public record Report(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Asks for the hop's {@link State} at an epoch boundary (a checkpoint), once it has ended its
   * epoch and no job of the next one has come: answers {@link Saved}. {@code downlinks}: the lane's
   * first hop also answers its lane's devices' downlinks ({@link Saved#downlinks}); on a cluster
   * the lanes' downlink channels are on the hops' member, where the supervisor cannot read them.
   */
  public record TakeState(ActorRef<Reply> replyTo, boolean downlinks) implements Command {

    /** Without the downlinks: in one JVM the supervisor reads the links itself. */
    public TakeState(ActorRef<Reply> replyTo) {
      this(replyTo, false);
    }
  }

  /**
   * What a hop carries from one epoch into the next, taken between epochs (docs/runtime.md,
   * "Checkpoints and resume"): the next epoch, when its processor is free (its last job's end), its
   * busy and idle time and jobs so far, the devices whose instances it holds and its peak memory,
   * and the devices withdrawn for good. Everything else is reset at an epoch's end (the bounds on
   * its inputs start at its processor's free instant, its promises are sent afresh).
   */
  public record State(
      int epoch,
      long busyUntilNs,
      long totalBusyNs,
      long idleNs,
      long jobs,
      List<Integer> instances,
      long peakBytes,
      List<Integer> gone)
      implements ClusterMessage {

    /** Copies the sets in, sorted: the state is a message, immutable. */
    public State {
      instances = List.copyOf(new TreeSet<>(instances));
      gone = List.copyOf(new TreeSet<>(gone));
    }
  }

  /** What a hop reports to the run (the supervisor). */
  public sealed interface Reply extends ClusterMessage {}

  /** A hop finished all jobs of an epoch. */
  public record EpochStats(int lane, int hop, int epoch, long busyNs, long lastEndNs)
      implements Reply {}

  /**
   * How far a hop is within epoch {@code epoch}, sent once per round of batches of its devices (as
   * many backward jobs as it serves devices) and at the epoch's last: its backward jobs done, the
   * mean number of jobs waiting for its processor over the emulated window since its previous
   * report (by Little's law: the emulated waits of the jobs it served in the window, summed, over
   * the window's length; an epoch's first window starts at its first job's arrival), its idle time
   * since the run's start, the peak memory of its instances so far, and the end of its latest job;
   * {@code generation} is the placement the hop was spawned in (0 at the run's start, one more each
   * time a crash placed the hops again), so that the run can drop what a stopped hop sent before
   * its stop took effect. Nothing in the pipeline waits for it.
   */
  public record Progress(
      int lane,
      int hop,
      String name,
      int epoch,
      int backwardDone,
      double queue,
      long idleNs,
      long peakBytes,
      long lastEndNs,
      int generation)
      implements Reply {}

  /** A hop's totals. */
  public record Totals(int lane, int hop, String name, long peakBytes, long busyNs, long jobs)
      implements Reply {}

  /**
   * Reply to {@link TakeState}: hop {@code hop} of lane {@code lane} is in {@code state}; {@code
   * downlinks}, where asked of a lane's first hop, each device of the lane's downlink as its
   * channel holds it ({@link io.splitemu.actors.runtime.LinkTiming#saveState}, by device id), else
   * empty.
   */
  public record Saved(int lane, int hop, State state, Map<Integer, long[]> downlinks)
      implements Reply {

    /** Copies the map in (the arrays are the links' own copies). */
    public Saved {
      downlinks = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(downlinks));
    }
  }

  private static final long NEVER = Long.MAX_VALUE;

  private final int lane;
  private final int hop;
  private final int hops;
  private final PipelinePlan.Stage stage;
  private final int epochs;
  private final Map<Integer, Integer> batches = new HashMap<>();
  // Jobs of each direction this epoch still expected in all, less those of withdrawn devices.
  private int expectedForward;
  private int expectedBackward;
  private final Set<Integer> gone = new HashSet<>();
  // Devices withdrawn from this epoch only (drop-for-round); cleared at each epoch's start.
  private final Set<Integer> out = new HashSet<>();
  private final EmulatedCpu cpu;
  private final long forwardNs;
  private final long backwardNs;
  private final LinkChannel downlinks;
  private final PipelinePlan.DeviceCosts deviceCosts;
  // The placement this hop was spawned in (Progress.generation).
  private final int generation;

  private ActorRef<Command> prev;
  private ActorRef<Command> next;
  private Map<Integer, ActorRef<Device.Command>> devices;
  private ActorRef<Reply> run;

  private int epoch = 1;
  private final JobQueue queue = new JobQueue();
  private final List<Command> early = new ArrayList<>();
  // Lower bounds of the next message on the hop channels of this epoch.
  private long prevBound;
  private long nextBound;
  // Devices this hop answered that owe it a message, with the instant of the answer.
  private final Owed owed = new Owed();
  private final Map<Integer, Integer> forwardIn = new HashMap<>();
  private int forwardDone;
  private int backwardDone;
  private long sentForwardPromise = -1;
  private long sentBackwardPromise = -1;
  private long busyUntil;
  private long epochBusyNs;
  private long totalBusyNs;
  private long idleNs;
  // The reporting window: its emulated start (-1: at its first job's arrival) and the emulated
  // waits of the jobs served in it.
  private long windowStartNs = -1;
  private long windowWaitNs;
  private long jobs;
  private final Set<Integer> instances = new HashSet<>();
  private long peakBytes;

  /**
   * A hop.
   *
   * @param lane the lane (chain) index
   * @param hop the hop's index in its chain, 0-based
   * @param hops the chain's length N
   * @param batchesPerDevice batches per epoch of each device the hop serves
   * @param downlinks the downlink channel of the lane's devices
   * @param deviceCosts the devices' cut sizes, the bytes this hop sends a device
   * @param restored the state a resumed run's hop starts from (null: the run's start)
   * @param generation the placement the hop is spawned in, which its {@link Progress} reports carry
   */
  public static Behavior<Command> create(
      int lane,
      int hop,
      int hops,
      PipelinePlan.Stage stage,
      int epochs,
      Map<Integer, Integer> batchesPerDevice,
      LinkChannel downlinks,
      PipelinePlan.DeviceCosts deviceCosts,
      State restored,
      int generation) {
    // A link channel's delivery from another JVM above the frame would come in parts (none of
    // MP-SL's messages is that large today).
    return Chunks.reassembling(
        Command.class,
        Behaviors.setup(
            ctx -> {
              ComputeHop h =
                  new ComputeHop(
                      ctx,
                      lane,
                      hop,
                      hops,
                      stage,
                      epochs,
                      batchesPerDevice,
                      downlinks,
                      deviceCosts,
                      generation);
              if (restored != null) {
                h.restore(restored);
              }
              return h;
            }));
  }

  private ComputeHop(
      ActorContext<Command> ctx,
      int lane,
      int hop,
      int hops,
      PipelinePlan.Stage stage,
      int epochs,
      Map<Integer, Integer> batchesPerDevice,
      LinkChannel downlinks,
      PipelinePlan.DeviceCosts deviceCosts,
      int generation) {
    super(ctx);
    this.generation = generation;
    this.downlinks = downlinks;
    this.deviceCosts = deviceCosts;
    this.lane = lane;
    this.hop = hop;
    this.hops = hops;
    this.stage = stage;
    this.epochs = epochs;
    this.batches.putAll(batchesPerDevice);
    this.expectedForward = batchesPerDevice.values().stream().mapToInt(Integer::intValue).sum();
    this.expectedBackward = expectedForward;
    this.cpu = new EmulatedCpu(stage.name());
    // The durations as the processor model rounds them, so every job of a kind costs the same.
    this.forwardNs = new EmulatedCpu(stage.name()).end(0, jobSeconds(true), 1.0);
    this.backwardNs = new EmulatedCpu(stage.name()).end(0, jobSeconds(false), 1.0);
    if (hop == 0) {
      // Every device owes the first hop its first job of the run.
      for (int d : batches.keySet()) {
        owed.put(d, 0L);
      }
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Wire.class, this::onWire)
        .onMessage(Job.class, this::onJob)
        .onMessage(Promise.class, this::onPromise)
        .onMessage(Report.class, this::onReport)
        .onMessage(Withdraw.class, this::onWithdraw)
        .onMessage(Download.class, this::onDownload)
        .onMessage(TakeState.class, this::onTakeState)
        .build();
  }

  private Behavior<Command> onTakeState(TakeState m) {
    if (!queue.isEmpty() || !early.isEmpty() || forwardDone + backwardDone > 0) {
      // The supervisor asks only once every hop ended the epoch and no device started the next.
      throw new IllegalStateException(
          stage.name() + ": state asked in the middle of epoch " + epoch + " (not drained)");
    }
    Map<Integer, long[]> links = new java.util.TreeMap<>();
    if (m.downlinks() && hop == 0) {
      for (int d : new TreeSet<>(batches.keySet())) {
        links.put(d, downlinks.link(d).saveState());
      }
    }
    m.replyTo()
        .tell(
            new Saved(
                lane,
                hop,
                new State(
                    epoch,
                    busyUntil,
                    totalBusyNs,
                    idleNs,
                    jobs,
                    List.copyOf(instances),
                    peakBytes,
                    List.copyOf(gone)),
                links));
    return this;
  }

  /** Takes {@code s}, as {@link #endEpoch} leaves a hop at the start of epoch {@code s.epoch()}. */
  private void restore(State s) {
    epoch = s.epoch();
    busyUntil = s.busyUntilNs();
    cpu.restoreFreeAt(s.busyUntilNs());
    totalBusyNs = s.totalBusyNs();
    idleNs = s.idleNs();
    jobs = s.jobs();
    instances.addAll(s.instances());
    peakBytes = s.peakBytes();
    gone.addAll(s.gone());
    startEpoch();
  }

  private Behavior<Command> onWire(Wire w) {
    prev = w.prev();
    next = w.next();
    devices = w.devices();
    run = w.run();
    advance();
    return this;
  }

  private Behavior<Command> onJob(Job j) {
    // Before anything of the job's epoch goes down the device's lane (the device started the epoch
    // after its last download of the one before; a job kept early included).
    roundStarts(j.device(), j.roundStarts());
    if (j.epoch() > epoch) {
      early.add(j);
      return this;
    }
    if (j.epoch() < epoch) {
      throw new IllegalStateException(stage.name() + ": job of a finished epoch " + j);
    }
    accept(j);
    advance();
    return this;
  }

  private Behavior<Command> onPromise(Promise p) {
    if (p.epoch() > epoch) {
      early.add(p);
      return this;
    }
    if (p.epoch() == epoch) {
      bound(p.forward(), p.boundNs());
      advance();
    }
    return this;
  }

  private Behavior<Command> onWithdraw(Withdraw w) {
    if (w.epoch() > epoch) {
      early.add(w);
      return this;
    }
    withdraw(w);
    advance();
    return this;
  }

  private void withdraw(Withdraw w) {
    int d = w.device();
    if (!w.forGood() && w.epoch() < epoch) {
      // A withdrawal from an epoch this hop has ended: every job the device sent was in (it is
      // asked afresh in this one, where it sends its jobs or withdraws again).
      return;
    }
    if (gone.contains(d) || !(w.forGood() ? gone : out).add(d)) {
      return;
    }
    // Of this epoch the device sends what it had sent if it withdrew in it, nothing if earlier.
    boolean now = w.epoch() == epoch;
    expectedForward -= batches.get(d) - (now ? w.forwardJobs() : 0);
    expectedBackward -= batches.get(d) - (now ? w.backwardJobs() : 0);
    owed.remove(d);
  }

  private Behavior<Command> onDownload(Download m) {
    int e = m.epoch();
    long ready = m.readyNs();
    roundStarts(m.device(), m.roundStarts());
    toDevice(
        m.device(),
        m.bytes(),
        ready,
        m.rejoin()
            ? (ns, down, lost) -> new Device.AggregateFetched(e, ready, ns, down, lost)
            : (ns, down, lost) -> new Device.Aggregated(e, ready, ns, down, lost));
    return this;
  }

  /**
   * Tells device {@code d}'s lane of the downlink channel the round starts its device's own copy of
   * the link was told ((round, start) pairs), in round order, as the device tells its links in one
   * JVM: a start known already changes nothing, and between the device's telling and this no
   * transfer of its lane went down (docs/cluster.md "MP-SL's faults on a cluster").
   */
  private void roundStarts(int d, long[] starts) {
    if (starts.length == 0) {
      return;
    }
    io.splitemu.actors.runtime.LinkTiming link = downlinks.link(d);
    for (int i = 0; i + 1 < starts.length; i += 2) {
      link.roundStarted((int) starts[i], starts[i + 1]);
    }
  }

  private Behavior<Command> onReport(Report r) {
    r.replyTo().tell(new Totals(lane, hop, stage.name(), peakBytes, totalBusyNs, jobs));
    return this;
  }

  private void accept(Job j) {
    boolean fromDevice = j.forward() ? hop == 0 : hop == hops - 1;
    if (fromDevice) {
      owed.remove(j.device());
    } else {
      // A neighbour emits in completion order: nothing later on this channel is earlier.
      bound(j.forward(), j.arrivalNs());
    }
    if (j.forward()) {
      forwardIn.merge(j.device(), 1, Integer::sum);
    }
    queue.add(j);
  }

  private void bound(boolean forward, long ns) {
    if (forward) {
      prevBound = Math.max(prevBound, ns);
    } else {
      nextBound = Math.max(nextBound, ns);
    }
  }

  /** Runs every job that is safe, then tells the neighbours how far this hop has got. */
  private void advance() {
    if (devices == null || epoch > epochs) {
      return;
    }
    while (!queue.isEmpty() && queue.first().arrivalNs() < inputBound()) {
      serve(queue.pollFirst());
    }
    promise();
    if (forwardDone == expectedForward && backwardDone == expectedBackward) {
      endEpoch();
    }
  }

  /** The earliest instant at which a message not yet here can be available. */
  private long inputBound() {
    long b = NEVER;
    b = Math.min(b, owed.min());
    if (hop > 0) {
      b = Math.min(b, prevBound);
    }
    if (hop < hops - 1) {
      b = Math.min(b, nextBound);
    }
    return b;
  }

  private void serve(Job j) {
    if (instances.add(j.device())) {
      peakBytes = Math.max(peakBytes, (long) instances.size() * stage.instanceBytes());
    }
    long start = Math.max(busyUntil, j.arrivalNs());
    long end = cpu.end(j.arrivalNs(), jobSeconds(j.forward()), 1.0);
    idleNs += start - busyUntil;
    // Little's law over the reporting window: the mean number of jobs waiting is the sum of the
    // emulated waits of the jobs served in it over its emulated length (O(1) per job, and
    // independent of which messages the actor happens to hold when it serves).
    if (windowStartNs < 0) {
      windowStartNs = j.arrivalNs();
    }
    windowWaitNs += start - j.arrivalNs();
    epochBusyNs += end - start;
    totalBusyNs += end - start;
    busyUntil = end;
    jobs++;
    int d = j.device();
    if (j.forward()) {
      forwardDone++;
      if (hop < hops - 1) {
        next.tell(new Job(epoch, d, true, j.batch(), end));
      } else {
        int e = epoch;
        int b = j.batch();
        toDevice(
            d,
            deviceCosts.tailCutBytes(),
            end,
            (ns, down, lost) -> new Device.ForwardDone(e, b, end, ns, down, lost));
        if (!gone.contains(d) && !out.contains(d)) {
          owed.put(d, end);
        }
      }
    } else {
      backwardDone++;
      if (backwardDone % batches.size() == 0 || backwardDone == expectedBackward) {
        long window = end - windowStartNs;
        double meanQueue = window > 0 ? (double) windowWaitNs / window : 0.0;
        run.tell(
            new Progress(
                lane,
                hop,
                stage.name(),
                epoch,
                backwardDone,
                meanQueue,
                idleNs,
                peakBytes,
                end,
                generation));
        windowStartNs = end;
        windowWaitNs = 0;
      }
      if (hop > 0) {
        prev.tell(new Job(epoch, d, false, j.batch(), end));
      } else {
        int e = epoch;
        int b = j.batch();
        toDevice(
            d,
            deviceCosts.cutBytes(),
            end,
            (ns, down, lost) -> new Device.BackwardDone(e, b, end, ns, down, lost));
        if (forwardIn.getOrDefault(d, 0) < batches.get(d)
            && !gone.contains(d)
            && !out.contains(d)) {
          owed.put(d, end);
        }
      }
    }
  }

  /**
   * Sends device {@code d} {@code bytes} at {@code sendNs} over the lane's downlink, stamped with
   * the arrival and the device's lane's link state after it.
   */
  private void toDevice(int d, long bytes, long sendNs, Device.DownloadStamp reply) {
    downlinks.send(
        LinkChannel.Send.of(
            d, bytes, sendNs, 1.0, devices.get(d), Device.download(downlinks, d, reply)));
  }

  /** Null messages: lower bounds on this hop's next output towards each neighbour. */
  private void promise() {
    long fwdArrival = hop > 0 ? prevBound : NEVER;
    long bwdArrival = hop < hops - 1 ? nextBound : NEVER;
    // Each direction's earliest queued arrival, in O(log queue) (issue 16).
    fwdArrival = Math.min(fwdArrival, queue.firstArrival(true, NEVER));
    bwdArrival = Math.min(bwdArrival, queue.firstArrival(false, NEVER));
    long owedMin = owed.min();
    // Device-side inputs: owed devices, and devices whose batch is elsewhere in the chain, which
    // come back only after this hop served their job in the other direction.
    if (hop == 0) {
      fwdArrival = Math.min(fwdArrival, Math.min(owedMin, after(bwdArrival, backwardNs)));
    }
    if (hop == hops - 1 && hops > 1) {
      bwdArrival = Math.min(bwdArrival, Math.min(owedMin, after(fwdArrival, forwardNs)));
    }
    if (next != null) {
      long p = forwardDone == expectedForward ? NEVER : after(fwdArrival, forwardNs);
      if (p > sentForwardPromise) {
        sentForwardPromise = p;
        next.tell(new Promise(epoch, true, p));
      }
    }
    if (prev != null) {
      long p = backwardDone == expectedBackward ? NEVER : after(bwdArrival, backwardNs);
      if (p > sentBackwardPromise) {
        sentBackwardPromise = p;
        prev.tell(new Promise(epoch, false, p));
      }
    }
  }

  /**
   * The shortest job, in seconds: at least 2 ns, so that {@link #after} promises at least 1 ns
   * beyond a job's input and the neighbours' promises always advance (a job of 0 or 1 ns, from a
   * tiny {@code mpsl.hop-slowdown}, promised no progress and the hops waited on each other
   * forever). Measured jobs last microseconds and more, and are not changed by it.
   */
  private static final double MIN_JOB_S = 2e-9;

  /** How long a forward or backward job of this hop lasts, in seconds (at least 2 ns). */
  private double jobSeconds(boolean forward) {
    return Math.max(MIN_JOB_S, forward ? stage.forwardS() : stage.backwardS());
  }

  /** The earliest end of a job of {@code durationNs} whose input arrives at {@code arrival}. */
  private long after(long arrival, long durationNs) {
    if (arrival == NEVER) {
      return NEVER;
    }
    // One nanosecond less than the job: the processor model rounds each finish instant.
    return Math.max(busyUntil, arrival) + durationNs - 1;
  }

  /** What a hop expects and knows at the start of epoch {@code epoch}, after the barrier. */
  private void startEpoch() {
    forwardIn.clear();
    out.clear();
    expectedForward = 0;
    for (Map.Entry<Integer, Integer> e : batches.entrySet()) {
      if (!gone.contains(e.getKey())) {
        expectedForward += e.getValue();
      }
    }
    expectedBackward = expectedForward;
    // Every job of the next epoch follows the FedAvg barrier, which follows every job of this
    // epoch anywhere in the pipeline: this hop's last end is a lower bound on all its inputs.
    prevBound = busyUntil;
    nextBound = busyUntil;
    sentForwardPromise = -1;
    sentBackwardPromise = -1;
    owed.clear();
    if (hop == 0) {
      for (int d : batches.keySet()) {
        if (!gone.contains(d)) {
          owed.put(d, busyUntil);
        }
      }
    }
  }

  private void endEpoch() {
    run.tell(new EpochStats(lane, hop, epoch, epochBusyNs, busyUntil));
    if (epoch == epochs) {
      epoch++;
      return;
    }
    epoch++;
    epochBusyNs = 0;
    windowStartNs = -1; // the barrier between epochs is no queueing time
    windowWaitNs = 0;
    forwardDone = 0;
    backwardDone = 0;
    startEpoch();
    List<Command> replay = new ArrayList<>(early);
    early.clear();
    for (Command c : replay) {
      if (c instanceof Job j && j.epoch() == epoch) {
        accept(j);
      } else if (c instanceof Promise p && p.epoch() == epoch) {
        bound(p.forward(), p.boundNs());
      } else if (c instanceof Withdraw w && w.epoch() == epoch) {
        withdraw(w);
      } else {
        early.add(c);
      }
    }
    advance();
  }

  /**
   * The devices this hop answered that owe it a message, each with the instant of the answer, and
   * their earliest instant in O(log N) (a scan of all owed devices per event was O(N); issue 16).
   */
  static final class Owed {
    private final Map<Integer, Long> byDevice = new HashMap<>();
    private final java.util.TreeMap<Long, Integer> counts = new java.util.TreeMap<>();

    void put(int device, long ns) {
      remove(device);
      byDevice.put(device, ns);
      counts.merge(ns, 1, Integer::sum);
    }

    void remove(int device) {
      Long ns = byDevice.remove(device);
      if (ns != null) {
        counts.computeIfPresent(ns, (k, c) -> c == 1 ? null : c - 1);
      }
    }

    void clear() {
      byDevice.clear();
      counts.clear();
    }

    /** The earliest instant owed, {@code NEVER} if none. */
    long min() {
      return counts.isEmpty() ? NEVER : counts.firstKey();
    }
  }
}
