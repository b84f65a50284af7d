package io.splitemu.actors.pipeline;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.runtime.EmulatedLink;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.actors.runtime.Recorder;
import io.splitemu.actors.runtime.RunGuardian;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.stream.Pacing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;

/**
 * Runs an MP-SL pipeline plan on a fresh actor system: spawns the hops of every lane and the
 * devices, starts each epoch, runs the FedAvg barrier of the device-held slices at its end, and
 * collects per-epoch timings and per-hop memory.
 *
 * <p>The epoch barrier: every device uploads its head and tail when its last batch ends; the
 * aggregate is ready when the last upload arrives; each device starts the next epoch when its
 * download of the aggregate arrives. Hop instances are averaged on the hop (no transfer) when
 * {@link PipelinePlan#aggregateHops()} is set.
 *
 * <p>Faults: a hung device stops its jobs, withdraws from its lane's hops and answers {@link
 * PipelineDevice.Missed}; the barrier gives up on it at the epoch's start plus the deadline, the
 * aggregate is ready no earlier than that, its model is left out of FedAvg and it sits out later
 * epochs.
 *
 * <p>Links as streams: the coordinator materialises one {@link LinkChannel} per shared channel, the
 * uplink band and the downlink band of each lane of hops, with that lane's devices as the channel's
 * lanes (each device's own link, a FIFO). Every device transfer passes through them: uploads
 * (activations, the tail's gradient, head and tail for FedAvg), the hops' downloads to the devices
 * and the aggregate's download; the channels stamp emulated arrival instants, in virtual mode at
 * once and in paced mode at their wall-clock due time. A channel that fails (a link that can never
 * deliver) ends the run with one line naming the device; the channels stop with the run. Hops of a
 * lane pass their jobs to each other directly: the plan has no hop-to-hop link.
 *
 * <p>Rows: the coordinator publishes the plan event first, then each epoch's rows as soon as the
 * epoch is complete, to a watched {@link Recorder} child; before it answers {@link Ended} it asks
 * the recorder to flush, so every row of the epochs completed is recorded, on a failure too.
 */
public final class PipelineRun extends AbstractBehavior<PipelineRun.Command> {

  /** What the run's coordinator accepts (replies of hops and devices, and of its recorder). */
  public sealed interface Command extends ClusterMessage
      permits PipelineDevice.EpochFinished,
          PipelineDevice.ModelReceived,
          PipelineDevice.Missed,
          ComputeHop.EpochStats,
          ComputeHop.Totals,
          RecorderFlushed,
          ChannelFailed {}

  /** A link channel's stream failed; {@code reason} is one line naming the device and cause. */
  private record ChannelFailed(String reason) implements Command {}

  /** The recorder has every row published before the run ended ({@code error} as in Ended). */
  private record RecorderFlushed(String error) implements Command {}

  /**
   * Where the run's rows go: the recorder's {@code subscribers} (the results writer, the progress
   * display), and the scenario's {@code faults}, each reported as a row in the epoch it hits.
   */
  public record Recording(List<RecordObserver> subscribers, List<Settings.Fault> faults) {

    /** No subscriber: the rows are built and dropped (a run measured for its figures only). */
    public static final Recording NONE = new Recording(List.of(), List.of());

    /** Immutable copies. */
    public Recording {
      subscribers = List.copyOf(subscribers);
      faults = List.copyOf(faults);
    }
  }

  /**
   * One device's epoch.
   *
   * @param finishNs end of its last batch
   * @param receivedNs arrival of the aggregated model
   */
  public record DeviceEpoch(
      int device,
      int lane,
      long finishNs,
      long receivedNs,
      long computeNs,
      long uplinkNs,
      long downlinkNs,
      long bytesUp,
      long bytesDown) {}

  /**
   * One epoch of the run.
   *
   * @param startNs when the epoch began (the previous epoch's end; 0 for the first)
   * @param lastFinishNs the last device's end of its last batch
   * @param aggregatedNs when the last upload reached the aggregator
   * @param endNs when the last device held the aggregated model
   * @param hopBusyNs per hop (by node name) the processor time of the epoch
   * @param devices the devices that completed the epoch
   * @param missedNs the devices given up this epoch, with the emulated instant they were
   */
  public record EpochResult(
      int epoch,
      long startNs,
      long lastFinishNs,
      long aggregatedNs,
      long endNs,
      Map<String, Long> hopBusyNs,
      List<DeviceEpoch> devices,
      Map<Integer, Long> missedNs) {

    /** The epoch's length in seconds. */
    public double seconds() {
      return (endNs - startNs) / 1e9;
    }
  }

  /**
   * The whole run.
   *
   * @param hopPeakBytes per hop (node name) the peak model memory of its slice instances
   * @param hopJobs per hop the jobs it served
   */
  public record Result(
      List<EpochResult> epochs, Map<String, Long> hopPeakBytes, Map<String, Long> hopJobs) {}

  /**
   * A device that stops answering from the start of epoch {@code epoch}, or (with {@code epoch =
   * -1}) from the emulated instant {@code atNs}.
   */
  public record Hang(int device, int epoch, long atNs) {}

  /**
   * The run ended: normally ({@code error} null), or when a hop or device failed, with the epochs
   * completed before and a one-line reason naming the actor.
   */
  public record Ended(Result result, String error) implements ClusterMessage {}

  private final PipelinePlan plan;
  private final ActorRef<Ended> replyTo;
  private final ActorRef<Recorder.Command> recorder;
  private final List<Settings.Fault> faults;
  private final long wallStartNs = System.nanoTime();
  private boolean recorderFailed;
  private final long deadlineNs;
  // Devices that take part in the next epochs (a device given up leaves for good), and each
  // epoch's end, from which the next epoch's deadline counts.
  private final java.util.TreeSet<Integer> participants = new java.util.TreeSet<>();
  private final Map<Integer, Long> epochEnds = new HashMap<>();
  private final List<ActorRef<PipelineDevice.Command>> devices = new ArrayList<>();
  private final List<ActorRef<ComputeHop.Command>> hops = new ArrayList<>();
  private final int[] laneOf;
  private final Map<Integer, EpochState> states = new HashMap<>();
  private final List<EpochResult> results = new ArrayList<>();
  private final Map<String, Long> peaks = new TreeMap<>();
  private final Map<String, Long> jobs = new TreeMap<>();
  private final int hopCount;
  private final List<LinkChannel> channels = new ArrayList<>();
  private final List<LinkChannel> downlinkOf = new ArrayList<>();
  private long previousEnd;

  /** Per-epoch collection; devices may reach the next epoch before slow replies of this one. */
  private static final class EpochState {
    final long[] finish;
    final long[] uploaded;
    final PipelineDevice.ModelReceived[] received;
    final Map<String, Long> busy = new TreeMap<>();
    final java.util.Set<Integer> expected;
    final Map<Integer, Long> missed = new TreeMap<>();
    int finished;
    int receivedCount;
    long aggregatedNs;
    boolean aggregated;

    EpochState(int n, java.util.Set<Integer> expected) {
      this.expected = expected;
      finish = new long[n];
      uploaded = new long[n];
      received = new PipelineDevice.ModelReceived[n];
    }
  }

  /** Runs {@code plan} to its end and returns what it measured; a failure throws its reason. */
  public static Result simulate(PipelinePlan plan) {
    return simulate(plan, List.of(), 0);
  }

  /**
   * Runs {@code plan} with the devices of {@code hangs} hung, each given up {@code deadlineNs}
   * after the start of the epoch it misses; a failed actor throws with its one-line reason.
   */
  public static Result simulate(PipelinePlan plan, List<Hang> hangs, long deadlineNs) {
    Ended e = run(plan, hangs, deadlineNs);
    if (e.error() != null) {
      throw new IllegalStateException(e.error());
    }
    return e.result();
  }

  /** Runs {@code plan} until it ends or one of its actors fails. */
  public static Ended run(PipelinePlan plan) {
    return run(plan, List.of(), 0);
  }

  /** Runs {@code plan} with {@code hangs} until it ends or one of its actors fails. */
  public static Ended run(PipelinePlan plan, List<Hang> hangs, long deadlineNs) {
    return run(
        plan, links(plan, plan.uplinkBps()), links(plan, plan.downlinkBps()), hangs, deadlineNs);
  }

  /** Runs {@code plan} over the given device links until it ends or one of its actors fails. */
  public static Ended run(PipelinePlan plan, List<LinkTiming> uplinks, List<LinkTiming> downlinks) {
    return run(plan, uplinks, downlinks, List.of(), 0);
  }

  /** Runs {@code plan} over the given links with {@code hangs}, as {@link #simulate} does. */
  public static Ended run(
      PipelinePlan plan,
      List<LinkTiming> uplinks,
      List<LinkTiming> downlinks,
      List<Hang> hangs,
      long deadlineNs) {
    return run(plan, uplinks, downlinks, hangs, deadlineNs, Recording.NONE);
  }

  /** Runs {@code plan} with {@code hangs}, publishing its rows to {@code recording}. */
  public static Ended run(
      PipelinePlan plan, List<Hang> hangs, long deadlineNs, Recording recording) {
    return run(
        plan,
        links(plan, plan.uplinkBps()),
        links(plan, plan.downlinkBps()),
        hangs,
        deadlineNs,
        recording);
  }

  /**
   * Runs {@code plan} over the given links with {@code hangs}, publishing its rows to {@code
   * recording}, until it ends or one of its actors fails.
   */
  public static Ended run(
      PipelinePlan plan,
      List<LinkTiming> uplinks,
      List<LinkTiming> downlinks,
      List<Hang> hangs,
      long deadlineNs,
      Recording recording) {
    return run(plan, uplinks, downlinks, hangs, deadlineNs, recording, Pacing.virtual());
  }

  /**
   * Runs {@code plan} as above with its link channels paced by {@code pacing} (virtual: at once;
   * paced: each delivery when the wall clock reaches its emulated instant / speedup).
   */
  public static Ended run(
      PipelinePlan plan,
      List<LinkTiming> uplinks,
      List<LinkTiming> downlinks,
      List<Hang> hangs,
      long deadlineNs,
      Recording recording,
      Pacing pacing) {
    return Emulation.ask(
        "splitemu-mpsl",
        Ended.class,
        (ctx, done) ->
            ctx.spawn(
                create(plan, uplinks, downlinks, hangs, deadlineNs, recording, pacing, done),
                "pipeline"),
        error -> new Ended(new Result(List.of(), Map.of(), Map.of()), error));
  }

  /** Each device's link at the plan's constant rate, with the plan's propagation delay. */
  static List<LinkTiming> links(PipelinePlan plan, double[] bps) {
    List<LinkTiming> out = new ArrayList<>();
    long prop = plan.propagationNs();
    for (double rate : bps) {
      out.add(new EmulatedLink((r, x) -> FluidLink.constant(rate * x, prop)));
    }
    return out;
  }

  /** The coordinator of a run of {@code plan}, which tells {@code replyTo} how it ended. */
  public static Behavior<Command> create(
      PipelinePlan plan,
      List<LinkTiming> uplinks,
      List<LinkTiming> downlinks,
      List<Hang> hangs,
      long deadlineNs,
      Recording recording,
      Pacing pacing,
      ActorRef<Ended> replyTo) {
    return Behaviors.setup(
        ctx ->
            new PipelineRun(
                ctx, plan, uplinks, downlinks, hangs, deadlineNs, recording, pacing, replyTo));
  }

  private PipelineRun(
      ActorContext<Command> ctx,
      PipelinePlan plan,
      List<LinkTiming> uplinks,
      List<LinkTiming> downlinks,
      List<Hang> hangs,
      long deadlineNs,
      Recording recording,
      Pacing pacing,
      ActorRef<Ended> replyTo) {
    super(ctx);
    this.plan = plan;
    this.replyTo = replyTo;
    this.deadlineNs = deadlineNs;
    this.faults = recording.faults();
    // A recorder that fails (a full disk) ends the run (onStopped), as a hop or device does.
    this.recorder = ctx.spawn(Recorder.create(recording.subscribers()), "recorder");
    ctx.watch(recorder);
    recorder.tell(new Recorder.EventRecorded(PipelineEmulation.planRow(plan)));
    epochEnds.put(0, 0L);
    for (int d = 0; d < plan.devices(); d++) {
      participants.add(d);
    }
    int n = plan.devices();
    this.laneOf = new int[n];
    // The channels' streams run on a materializer bound to this actor: they stop with the run.
    Materializer materializer = Materializer.createMaterializer(ctx);
    ActorRef<Command> self = ctx.getSelf();
    List<LinkChannel> uplinkOf = new ArrayList<>();
    List<List<ActorRef<ComputeHop.Command>>> chains = new ArrayList<>();
    for (int l = 0; l < plan.lanes().size(); l++) {
      PipelinePlan.Lane lane = plan.lanes().get(l);
      // A device has at most one transfer in flight each way; the rest is headroom.
      int capacity = Math.max(1024, 4 * lane.devices().length);
      String band = lane.hops().get(0).name();
      uplinkOf.add(
          LinkChannel.open(
              band + " uplink band",
              uplinks::get,
              d -> "device-" + d,
              capacity,
              pacing,
              materializer,
              why -> self.tell(new ChannelFailed(why))));
      downlinkOf.add(
          LinkChannel.open(
              band + " downlink band",
              downlinks::get,
              d -> "device-" + d,
              capacity,
              pacing,
              materializer,
              why -> self.tell(new ChannelFailed(why))));
      Map<Integer, Integer> batches = new TreeMap<>();
      for (int d : lane.devices()) {
        batches.put(d, plan.batchesPerDevice()[d]);
        laneOf[d] = l;
      }
      List<ActorRef<ComputeHop.Command>> chain = new ArrayList<>();
      for (int h = 0; h < lane.hops().size(); h++) {
        PipelinePlan.Stage st = lane.hops().get(h);
        chain.add(
            ctx.spawn(
                ComputeHop.create(
                    l,
                    h,
                    lane.hops().size(),
                    st,
                    plan.epochs(),
                    batches,
                    downlinkOf.get(l),
                    plan.device()),
                st.name()));
      }
      chains.add(chain);
      hops.addAll(chain);
    }
    this.hopCount = hops.size();
    channels.addAll(uplinkOf);
    channels.addAll(downlinkOf);
    for (int d = 0; d < n; d++) {
      List<ActorRef<ComputeHop.Command>> chain = chains.get(laneOf[d]);
      devices.add(
          ctx.spawn(
              PipelineDevice.create(
                  d,
                  plan.batchesPerDevice()[d],
                  plan.device(),
                  chain,
                  ctx.getSelf(),
                  uplinkOf.get(laneOf[d])),
              "device-" + d));
    }
    for (int l = 0; l < chains.size(); l++) {
      List<ActorRef<ComputeHop.Command>> chain = chains.get(l);
      Map<Integer, ActorRef<PipelineDevice.Command>> refs = new TreeMap<>();
      for (int d : plan.lanes().get(l).devices()) {
        refs.put(d, devices.get(d));
      }
      for (int h = 0; h < chain.size(); h++) {
        chain
            .get(h)
            .tell(
                new ComputeHop.Wire(
                    h == 0 ? null : chain.get(h - 1),
                    h == chain.size() - 1 ? null : chain.get(h + 1),
                    refs,
                    ctx.getSelf()));
      }
    }
    for (Hang h : hangs) {
      devices.get(h.device()).tell(new PipelineDevice.HangAt(h.epoch(), h.atNs()));
    }
    // A hop or device that fails or stops ends the run (onStopped) instead of stalling it.
    hops.forEach(ctx::watch);
    devices.forEach(ctx::watch);
    for (ActorRef<PipelineDevice.Command> d : devices) {
      d.tell(new PipelineDevice.StartEpoch(1, 0));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(PipelineDevice.EpochFinished.class, this::onEpochFinished)
        .onMessage(PipelineDevice.ModelReceived.class, this::onModelReceived)
        .onMessage(PipelineDevice.Missed.class, this::onMissed)
        .onMessage(ComputeHop.EpochStats.class, this::onHopEpoch)
        .onMessage(ComputeHop.Totals.class, this::onTotals)
        .onMessage(
            ChannelFailed.class, f -> finish("epoch " + (results.size() + 1) + ": " + f.reason()))
        .onSignal(ChildFailed.class, f -> onStopped(f.getRef(), RunGuardian.oneLine(f.getCause())))
        .onSignal(Terminated.class, t -> onStopped(t.getRef(), null))
        .build();
  }

  // An epoch's participants are fixed when its first message comes: every device given up in an
  // earlier epoch was given up before any device could start this one (the barrier waits for it).
  private Behavior<Command> onStopped(ActorRef<Void> who, String cause) {
    String why = who.path().name() + (cause == null ? " stopped" : " failed: " + cause);
    recorderFailed = who.equals(recorder);
    return finish("epoch " + (results.size() + 1) + ": " + why);
  }

  /**
   * Ends the run: once the recorder has written every row this actor published (or has failed, or
   * does not answer within {@link Recorder#FLUSH_TIMEOUT}), answers {@link Ended} with the epochs
   * completed and stops.
   */
  private Behavior<Command> finish(String error) {
    Result done = result();
    // The channels complete; whatever they still hold stops with this actor.
    channels.forEach(LinkChannel::close);
    if (recorderFailed) {
      replyTo.tell(new Ended(done, error));
      return Behaviors.stopped();
    }
    Recorder.askFlush(getContext(), recorder, error, RecorderFlushed::new);
    return Behaviors.receive(Command.class)
        .onMessage(
            RecorderFlushed.class,
            m -> {
              replyTo.tell(new Ended(done, m.error()));
              return Behaviors.stopped();
            })
        // Late replies of hops and devices change nothing now: the run is over.
        .onMessage(Command.class, m -> Behaviors.same())
        .onSignal(
            ChildFailed.class,
            f -> {
              if (!f.getRef().equals(recorder)) {
                return Behaviors.same();
              }
              String why = RunGuardian.oneLine(f.getCause());
              replyTo.tell(new Ended(done, error != null ? error : "recorder failed: " + why));
              return Behaviors.stopped();
            })
        .onSignal(Terminated.class, t -> Behaviors.same())
        .build();
  }

  private Result result() {
    return new Result(List.copyOf(results), Map.copyOf(peaks), Map.copyOf(jobs));
  }

  private EpochState state(int epoch) {
    return states.computeIfAbsent(
        epoch, e -> new EpochState(plan.devices(), new java.util.TreeSet<>(participants)));
  }

  private Behavior<Command> onEpochFinished(PipelineDevice.EpochFinished f) {
    EpochState s = state(f.epoch());
    s.finish[f.device()] = f.finishNs();
    s.uploaded[f.device()] = f.uploadedNs();
    s.finished++;
    return aggregateIfAllIn(f.epoch(), s);
  }

  private Behavior<Command> onMissed(PipelineDevice.Missed m) {
    EpochState s = state(m.epoch());
    s.missed.put(m.device(), m.sinceNs()); // the deadline is set when the barrier closes
    participants.remove(m.device());
    return aggregateIfAllIn(m.epoch(), s);
  }

  /** The FedAvg barrier: the aggregate is ready at the last upload or the last deadline. */
  private Behavior<Command> aggregateIfAllIn(int epoch, EpochState s) {
    if (s.aggregated || s.finished + s.missed.size() < s.expected.size()) {
      return this;
    }
    if (s.finished == 0) {
      return finish("epoch " + epoch + ": no device is left to train");
    }
    s.aggregated = true;
    // Given up at the epoch's start (the previous epoch's end) plus the deadline. Every device of
    // the epoch downloaded the previous aggregate before it finished or missed this epoch, so that
    // end is known by now.
    // A hang within the epoch is noticed no earlier than it happens.
    long start = epochEnds.get(epoch - 1);
    s.missed.replaceAll((d, since) -> Math.max(start, since) + deadlineNs);
    long at = 0;
    for (long u : s.uploaded) {
      at = Math.max(at, u);
    }
    for (long m : s.missed.values()) {
      at = Math.max(at, m);
    }
    s.aggregatedNs = at;
    for (int d : s.expected) {
      if (!s.missed.containsKey(d)) {
        long ready = at;
        downlinkOf
            .get(laneOf[d])
            .send(
                LinkChannel.Send.of(
                    d,
                    plan.device().modelBytes(),
                    ready,
                    1.0,
                    devices.get(d),
                    ns -> new PipelineDevice.Aggregated(epoch, ready, ns)));
      }
    }
    return this;
  }

  private Behavior<Command> onModelReceived(PipelineDevice.ModelReceived m) {
    EpochState s = state(m.epoch());
    s.received[m.device()] = m;
    s.receivedCount++;
    if (s.receivedCount == s.finished) {
      long end = 0;
      for (PipelineDevice.ModelReceived r : s.received) {
        end = r == null ? end : Math.max(end, r.atNs());
      }
      epochEnds.put(m.epoch(), end);
    }
    if (m.epoch() < plan.epochs()) {
      devices.get(m.device()).tell(new PipelineDevice.StartEpoch(m.epoch() + 1, m.atNs()));
    }
    complete(m.epoch());
    return this;
  }

  private Behavior<Command> onHopEpoch(ComputeHop.EpochStats h) {
    EpochState s = state(h.epoch());
    s.busy.put(plan.lanes().get(h.lane()).hops().get(h.hop()).name(), h.busyNs());
    complete(h.epoch());
    return this;
  }

  /** Records epoch {@code e} once every device and hop has reported it, in epoch order. */
  private void complete(int e) {
    EpochState s = states.get(e);
    if (s == null
        || !s.aggregated
        || s.receivedCount < s.finished
        || s.busy.size() < hopCount
        || results.size() != e - 1) {
      return;
    }
    long lastFinish = 0;
    long end = 0;
    List<DeviceEpoch> rows = new ArrayList<>();
    for (int d = 0; d < plan.devices(); d++) {
      PipelineDevice.ModelReceived m = s.received[d];
      if (m == null) {
        continue; // given up, or out since an earlier epoch
      }
      lastFinish = Math.max(lastFinish, s.finish[d]);
      end = Math.max(end, m.atNs());
      rows.add(
          new DeviceEpoch(
              d,
              laneOf[d],
              s.finish[d],
              m.atNs(),
              m.computeNs(),
              m.uplinkNs(),
              m.downlinkNs(),
              m.bytesUp(),
              m.bytesDown()));
    }
    EpochResult epoch =
        new EpochResult(
            e,
            previousEnd,
            lastFinish,
            s.aggregatedNs,
            end,
            Map.copyOf(s.busy),
            List.copyOf(rows),
            Map.copyOf(s.missed));
    results.add(epoch);
    double wall = (System.nanoTime() - wallStartNs) / 1e9;
    PipelineEmulation.epochRows(plan, faults, epoch, wall).forEach(recorder::tell);
    previousEnd = end;
    states.remove(e);
    if (e == plan.epochs()) {
      for (ActorRef<ComputeHop.Command> h : hops) {
        h.tell(new ComputeHop.Report(getContext().getSelf()));
      }
    } else {
      complete(e + 1);
    }
  }

  private Behavior<Command> onTotals(ComputeHop.Totals t) {
    peaks.put(t.name(), t.peakBytes());
    jobs.put(t.name(), t.jobs());
    if (peaks.size() == hopCount) {
      return finish(null);
    }
    return this;
  }
}
