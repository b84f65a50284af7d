package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.pipeline.MpslPlanner;
import io.splitemu.actors.pipeline.PipelineEmulation;
import io.splitemu.actors.pipeline.PipelinePlan;
import io.splitemu.actors.results.HopRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.net.stream.Pacing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.stream.Materializer;

/**
 * MP-SL's epochs as the supervisor runs them, without an actor of its own: it spawns the compute
 * hops of every lane and the devices in their pipeline role (or, on a cluster, has the members
 * build them: {@link Placement#placeHops}, {@link PipelineMember}), opens the link channels, starts
 * each device's epoch, runs the FedAvg barrier of the device-held slices at its end, collects
 * per-epoch hop timings and per-hop totals, and publishes each epoch's rows to the supervisor's
 * recorder as soon as the epoch is complete.
 *
 * <p>The barrier: every device uploads its head and tail when its last batch ends; the aggregate is
 * ready at the last upload or the last deadline; each device starts the next epoch when its
 * download of the aggregate arrives. Hop instances are averaged on the hop (no transfer) when
 * {@link PipelinePlan#aggregateHops()} is set. A hung device withdraws from its lane's hops and
 * answers {@link Supervisor.EpochMissed}; the barrier gives up on it at the epoch's start plus the
 * deadline, leaves its model out of FedAvg and it sits out later epochs (survival.absent =
 * drop-for-run), or, under drop-for-round, is asked again at the aggregate's readiness, where it
 * downloads the aggregate ({@link Supervisor.AggregateWanted}) if its silences are over, or
 * withdraws from that epoch too.
 *
 * <p>A hop crash ({@link HopCrash}, docs/faults.md "Hop crash on mpsl") drains the pipeline at an
 * epoch boundary, places the units again over the hops left ({@link Replanner}), spawns the hops
 * anew and tells each device its new chain and what it uploads first; a crash at an instant redoes
 * its epoch from the state kept at the epoch's start.
 *
 * <p>A server or supervisor crash ({@link Restart}, docs/runtime.md "Crashes on MP-SL") strikes at
 * a drained epoch boundary; the supervisor reads the newest checkpoint back and {@link #restore}
 * goes back to it, every hop spawned again from its state there, the boundary moved to the restart.
 *
 * <p>Links as streams: one {@link LinkChannel} per shared channel, the uplink and the downlink band
 * of each lane of hops, with that lane's devices as its lanes; every device transfer passes through
 * them. Hops of a lane pass jobs to each other directly: the plan has no hop-to-hop link.
 */
public final class PipelineControl {

  /**
   * What an MP-SL run is built from.
   *
   * @param uplinks each device's uplink, by device id (downlinks alike)
   * @param deadlineNs how long after an epoch's start a hung device is given up
   * @param faults the scenario's faults, each reported as rows in the epoch it hits
   * @param dropForRound survival.absent = drop-for-round: a device given up is left out of that
   *     epoch only and asked again at its next epoch start, where it first downloads the aggregate
   *     (else, drop-for-run, it is out for the run)
   * @param keepEpochs whether {@link Result#epochs} holds every epoch with its per-device records
   *     ({@link PipelineEmulation#simulate} asks for them); a run from a scenario does not: its
   *     rows go to the recorder as each epoch completes, and it keeps only the per-hop peaks and
   *     jobs, so that what it holds does not grow with devices x epochs
   * @param barrierTimeout the run's {@code barrier.timeout}: the wall-clock watchdog of the run's
   *     progress (nothing from a hop or device for that long ends the run) and of the wait for the
   *     rows after a link channel failed
   */
  public record Setup(
      PipelinePlan plan,
      List<LinkTiming> uplinks,
      List<LinkTiming> downlinks,
      long deadlineNs,
      List<Settings.Fault> faults,
      List<HopCrash> crashes,
      Replanner replanner,
      boolean dropForRound,
      boolean keepEpochs,
      java.time.Duration barrierTimeout) {

    /** barrier.timeout's default. */
    public static final java.time.Duration DEFAULT_BARRIER_TIMEOUT =
        java.time.Duration.ofSeconds(60);

    public Setup {
      crashes = List.copyOf(crashes);
      if (barrierTimeout.isNegative() || barrierTimeout.isZero()) {
        throw new IllegalArgumentException("barrier.timeout must be > 0");
      }
    }
  }

  /**
   * Places the units again after a hop crash: the plan without the first plan's hops {@code gone}
   * and {@code hop} ({@link MpslPlanner#afterCrash}); throws a {@code SettingsException} saying why
   * when they fit in no placement.
   */
  @FunctionalInterface
  public interface Replanner {
    MpslPlanner.Replaced replace(Set<Integer> gone, int hop);
  }

  /**
   * A hop crash of the scenario ({@code hop-crash}, docs/faults.md): fault {@code index} of the
   * list stops hop {@code hop} (of the run's first plan) of every lane at the start of epoch {@code
   * round}, or at the emulated instant {@code atNs} (the other one is -1).
   */
  public record HopCrash(int index, int hop, int round, long atNs) {

    /** When, as the scenario writes it. */
    String when() {
      return round > 0 ? "round " + round : "at " + FaultPlan.fmt(atNs / 1e9) + " s";
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
   * @param aggregatedNs when the aggregate was ready (the last upload or deadline)
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
   * The epochs recorded (only where the setup asked for them, {@link Setup#keepEpochs}; else empty)
   * and, once the run ended well, per hop (node name) the peak model memory of its slice instances
   * and the jobs it served.
   */
  public record Result(
      List<EpochResult> epochs, Map<String, Long> hopPeakBytes, Map<String, Long> hopJobs) {}

  /**
   * What an MP-SL run carries across epoch {@code epoch}'s end, taken at that boundary with the
   * pipeline drained (docs/runtime.md, "Checkpoints and resume"): the epoch's end, the devices
   * still taking part, each device's start of the next epoch (the arrival of its aggregate), every
   * device's state, every hop's in plan order (lane by lane), and the windows {@code at = T,
   * until-round = R} decided by the rows recorded so far ({@code emptyWindows}: fault index ->
   * device -> the device's start of epoch R if the window is empty for it, else -1), so that a
   * resumed or restored run's rows agree with those written before the boundary, and per device the
   * hangs and crashes (fault indexes) that ended while another silence held it, whose recovery rows
   * wait until it answers again ({@code heldRecoveries}).
   */
  public record State(
      int epoch,
      long endNs,
      List<Integer> participants,
      Map<Integer, Long> startNs,
      List<DeviceState> devices,
      List<ComputeHop.State> hops,
      Map<Integer, Map<Integer, Long>> emptyWindows,
      Map<Integer, List<Integer>> heldRecoveries)
      implements io.splitemu.model.wire.ClusterMessage {

    /** Copies every part in: the state is a message, immutable. */
    public State {
      participants = List.copyOf(participants);
      startNs = java.util.Collections.unmodifiableMap(new TreeMap<>(startNs));
      devices = List.copyOf(devices);
      hops = List.copyOf(hops);
      Map<Integer, Map<Integer, Long>> w = new TreeMap<>();
      emptyWindows.forEach(
          (f, byDevice) ->
              w.put(f, java.util.Collections.unmodifiableMap(new TreeMap<>(byDevice))));
      emptyWindows = java.util.Collections.unmodifiableMap(w);
      Map<Integer, List<Integer>> h = new TreeMap<>();
      heldRecoveries.forEach((d, faults) -> h.put(d, List.copyOf(faults)));
      heldRecoveries = java.util.Collections.unmodifiableMap(h);
    }
  }

  /**
   * A pipeline device's state at an epoch boundary: whether it is hung (given up for good), when
   * its processor is free (its last batch's end), and its uplink's and downlink's queues ({@link
   * LinkTiming#saveState}).
   */
  public record DeviceState(
      int device, boolean hung, long cpuFreeAtNs, long[] uplink, long[] downlink)
      implements io.splitemu.model.wire.ClusterMessage {

    /** Copies the links' states in. */
    public DeviceState {
      uplink = uplink.clone();
      downlink = downlink.clone();
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

  /** Per-epoch collection; devices may reach the next epoch before slow replies of this one. */
  private static final class EpochState {
    final long[] finish;
    final long[] uploaded;
    final Supervisor.ModelReceived[] received;
    final Map<String, Long> busy = new TreeMap<>();
    // The devices of the epoch, fixed by its first device message (null before).
    Set<Integer> expected;
    final Map<Integer, Long> missed = new TreeMap<>();
    int finished;
    int receivedCount;
    long aggregatedNs;
    boolean aggregated;
    // Whether the pipeline is drained after this epoch (decided at its first aggregate received),
    // for a checkpoint or a hop crash at the next epoch's start: the devices' starts of the next
    // epoch are then held until the hops' states are in.
    Boolean checkpoint;
    boolean checkpointDue;
    final Map<Integer, Long> held = new TreeMap<>();

    EpochState(int n) {
      finish = new long[n];
      uploaded = new long[n];
      received = new Supervisor.ModelReceived[n];
    }
  }

  private final Setup setup;
  // The plan in force: the run's, or the one a hop crash left.
  private PipelinePlan plan;
  private ActorContext<Supervisor.Command> ctx;
  // Hops stopped by a crash: their peaks and jobs, for the run's summary.
  private final Map<String, Long> crashedPeaks = new TreeMap<>();
  private final Map<String, Long> crashedJobs = new TreeMap<>();
  // How many times the hops were placed again (their actors' names differ each time).
  private int generation;
  // The state taken at the boundary being drained.
  private State drained;
  // Hop crashes: the first plan's hops gone, the faults struck, whether the pipeline is drained at
  // every epoch boundary (a crash at an instant redoes its epoch from the epoch's start), and for
  // the epoch in progress its start's state, the plan its hops' states are of, and the bytes each
  // device uploads at its start (the units a crash at that start moved).
  private final Set<Integer> gone = new TreeSet<>();
  private final Set<Integer> struck = new TreeSet<>();
  private final boolean drainEvery;
  // The state before epoch 1, which a crash before the first checkpoint restores (null without).
  private State initial;
  private State epochStart;
  private PipelinePlan epochStartPlan;
  private long epochMove;
  // The units moved this epoch (unit -> one instance's weight bytes): each is uploaded once.
  private final TreeMap<Integer, Long> epochMoved = new TreeMap<>();
  private final List<SupervisorSetup.Hang> hangs;
  private final ActorRef<Recorder.Command> recorder;
  private final long wallStartNs = System.nanoTime();
  // Devices that take part in the next epochs (a device given up leaves for good under
  // drop-for-run; under drop-for-round every device is asked each epoch), and the ends of the
  // epochs from the one before the last recorded on, from which the next epoch's deadline counts.
  private final TreeSet<Integer> participants = new TreeSet<>();
  // Batches an epoch runs in all: every participating device's (kept with the participants).
  private int epochBatches;
  private final Map<Integer, Long> epochEnds = new HashMap<>(Map.of(0, 0L));
  // Link faults' rows: per epoch not yet recorded, each device's start of it (where its aggregate
  // arrived; a device cut off before it has none).
  private final Map<Integer, Map<Integer, Long>> deviceStarts = new HashMap<>();
  // The windows at = T, until-round = R and round = R, until = T decided, by fault index and
  // device: the device's start of
  // epoch R if the window is empty for it (FaultPlan.emptyWindow), else -1; decided at the first
  // rows that asked (epoch R - 1's, before a drain holds the starts back), at epoch R's rows at the
  // latest, so that every row of the window agrees. In checkpoints (State.emptyWindows): a resumed
  // run takes the decisions of the rows before its checkpoint, and a crash's restore goes back to
  // them, forgetting those of the epochs it discards (their starts are timed again).
  private final Map<Integer, Map<Integer, Long>> emptyWindows = new TreeMap<>();
  // Per device, the hangs and crashes (fault indexes) that ended while another silence held it:
  // their recovery rows wait until it answers again (PipelineEmulation.epochRows). Checkpointed
  // with the empty windows.
  private final Map<Integer, java.util.SortedSet<Integer>> heldRecoveries = new TreeMap<>();
  // The silences a recovery row waits behind: the faults, then the run's hangs the list does not
  // hold (silenceFaults); per device, the indexes in it of its hangs and crashes
  // (FaultPlan.silencesByDevice), for the recovery rows (PipelineEmulation.epochRows).
  private final List<Settings.Fault> silenceFaults;
  private final Map<Integer, int[]> silencesByDevice;
  // After a restore: the end of the checkpoint's epoch, from which the next epoch's rows take the
  // instants of faults (-1: its start, as every other epoch).
  private long rowsFromNs = -1;
  // The epoch whose every device was given up (0: none): the run ends once the one before is in.
  private int noneLeft;
  private static final String NONE_LEFT = "no device is left to train";
  private final List<ActorRef<Device.Command>> devices = new ArrayList<>();
  private final List<ActorRef<ComputeHop.Command>> hops = new ArrayList<>();
  private final List<List<ActorRef<ComputeHop.Command>>> chains = new ArrayList<>();
  private Placement placement;
  private final int[] laneOf;
  private final Map<Integer, EpochState> states = new HashMap<>();
  // The wall-clock watchdog (barrier.timeout): when the run last heard from a hop or device (a
  // report, a hop's progress or state), its start, a restore or the cluster's wiring.
  private long heardNanoTime = System.nanoTime();
  // The epochs recorded by this process, and their results where the setup keeps them
  // (Setup.keepEpochs): a scenario's run keeps none, its rows are in the recorder.
  private int recordedHere;
  private final List<EpochResult> results = new ArrayList<>();
  private final Map<String, Long> peaks = new TreeMap<>();
  // Each hop's peak at the latest checkpoint, by name: a run stopped there (SIGTERM) has no
  // end-of-run reports, and its summary takes these.
  private final Map<String, Long> checkpointPeaks = new TreeMap<>();
  private final Map<String, Long> jobs = new TreeMap<>();
  private final List<LinkChannel> channels = new ArrayList<>();
  private final List<LinkChannel> downlinkOf = new ArrayList<>();
  private long previousEnd;
  private ActorRef<ComputeHop.Reply> hopReplies;
  // Live progress: per epoch each lane's batches done (its first hop's backward jobs), the latest
  // emulated instant reported, and the newest epoch reported.
  private final Map<Integer, int[]> batchesDone = new HashMap<>();
  private long progressNs;
  private int progressEpoch;
  // Checkpoints: after which epochs one is due, the state a resumed run starts from (null: the
  // run's start), the epochs recorded before it, each device's processor free instant (its last
  // batch's end), and a checkpoint being taken: its epoch's held starts and the hops' states.
  private final java.util.function.IntPredicate checkpointAfter;
  private final State resumed;
  private int epochsBefore; // less on a restore of an older checkpoint (restore)
  private final long[] cpuFreeAt;
  private EpochState taking;
  private int takingEpoch;
  private final Map<Integer, ComputeHop.State> hopStates = new TreeMap<>();
  private State ready;
  // On a cluster (the hops placed on a member) the devices' links live on their members and the
  // downlink channels on the hops' member: a checkpoint asks the devices for their links and the
  // lanes' first hops for their downlinks ({@link #linksAsked}), and takes them once all are in.
  private boolean hopsPlaced;
  private boolean linksAsked;
  private int linksAwaited;
  // A resumed run's devices as its checkpoint holds them, by id (empty: not resumed).
  private final Map<Integer, DeviceState> resumedDevices;
  private final Map<Integer, Supervisor.LinksSaved> deviceLinks = new TreeMap<>();
  private final Map<Integer, long[]> hopDownlinks = new TreeMap<>();
  // Server and supervisor crashes (docs/runtime.md, "Crashes"): with any in the scenario the
  // pipeline is drained at every epoch boundary, so the run can go back to a checkpoint there.
  // Which have struck is the supervisor's to say; the one that just struck waits for it here.
  private final List<SupervisorSetup.Crash> restarts;
  private final java.util.function.Predicate<SupervisorSetup.Crash> restartStruck;
  private Restart restart;

  /**
   * {@code faults}, then each of {@code hangs} they do not hold already as a device-hang without an
   * end (a scenario's hangs are its endless device-hangs; a run built by hand, {@link
   * PipelineEmulation.Options#withHangs}, may give others), as a device-hang from the hang's round
   * or instant: the silences that hold a device, behind which a recovery row waits (docs/faults.md
   * "Recording"), as the supervisor families count a setup's hangs among its faults ({@link
   * FaultPlan#ofHangs}). The faults keep their indexes.
   */
  static List<Settings.Fault> silenceFaults(
      List<Settings.Fault> faults, List<SupervisorSetup.Hang> hangs) {
    Set<SupervisorSetup.Hang> listed = new HashSet<>(Emulation.hangs(faults, true));
    List<SupervisorSetup.Hang> more = hangs.stream().filter(h -> !listed.contains(h)).toList();
    if (more.isEmpty()) {
      return faults;
    }
    List<Settings.Fault> out = new ArrayList<>(faults);
    out.addAll(FaultPlan.ofHangs(more).faults());
    return List.copyOf(out);
  }

  /**
   * A server or supervisor crash that struck at emulated {@code atNs}, epoch {@code reached} the
   * last whose work it loses: the pipeline is drained and waits for {@link #restore}.
   */
  record Restart(SupervisorSetup.Crash crash, long atNs, int reached) {}

  /**
   * The run of {@code setup}, whose plan is the first row it publishes to {@code recorder}, taking
   * a checkpoint after every epoch {@code checkpointAfter} names (but the last), resumed from
   * {@code resumed} if not null: the plan row, already in a resumed run's tables, is published only
   * by a run from the start. {@code crashes} are the scenario's server and supervisor crashes, of
   * which {@code struck} tells those that struck already.
   */
  PipelineControl(
      Setup setup,
      List<SupervisorSetup.Hang> hangs,
      ActorRef<Recorder.Command> recorder,
      java.util.function.IntPredicate checkpointAfter,
      State resumed,
      List<SupervisorSetup.Crash> crashes,
      java.util.function.Predicate<SupervisorSetup.Crash> struck) {
    this.restarts = List.copyOf(crashes);
    this.restartStruck = struck;
    this.setup = setup;
    this.plan = setup.plan();
    this.hangs = hangs;
    this.recorder = recorder;
    this.checkpointAfter = checkpointAfter;
    this.resumed = resumed;
    this.epochsBefore = resumed == null ? 0 : resumed.epoch();
    this.drainEvery = setup.crashes().stream().anyMatch(c -> c.atNs() >= 0);
    this.laneOf = new int[plan.devices()];
    this.cpuFreeAt = new long[plan.devices()];
    this.silenceFaults = silenceFaults(setup.faults(), hangs);
    this.silencesByDevice = FaultPlan.silencesByDevice(silenceFaults);
    if (resumed != null) {
      takeRowDecisions(resumed);
    }
    Map<Integer, DeviceState> byId = new HashMap<>();
    if (resumed != null) {
      for (DeviceState d : resumed.devices()) {
        byId.putIfAbsent(d.device(), d); // the first, as rejoining reads them
      }
    }
    this.resumedDevices = byId;
    // A set: the list's contains per device was O(N^2) at a resume (issue 16).
    Set<Integer> kept = resumed == null ? null : new HashSet<>(resumed.participants());
    for (int d = 0; d < plan.devices(); d++) {
      if (kept == null || kept.contains(d)) {
        participants.add(d);
        epochBatches += plan.batchesPerDevice()[d];
      }
    }
    Map<Integer, Long> firstStarts = new TreeMap<>();
    if (resumed == null) {
      for (int d = 0; d < plan.devices(); d++) {
        firstStarts.put(d, 0L);
      }
    } else {
      resumed.startNs().forEach((d, at) -> startedAt(firstStarts, d, at));
    }
    deviceStarts.put(epochsBefore + 1, firstStarts);
    if (resumed != null) {
      epochEnds.put(resumed.epoch(), resumed.endNs());
      previousEnd = resumed.endNs();
      for (DeviceState d : resumed.devices()) {
        cpuFreeAt[d.device()] = d.cpuFreeAtNs();
      }
    }
    for (int l = 0; l < plan.lanes().size(); l++) {
      for (int d : plan.lanes().get(l).devices()) {
        laneOf[d] = l;
      }
    }
    if (resumed == null) {
      recorder.tell(new Recorder.EventRecorded(PipelineEmulation.planRow(plan)));
    }
    // Before any link is restored or used (a resumed process builds them as the first run did).
    this.initial = crashes.isEmpty() ? null : initialState();
    // Every hop's live series and the run's progress exist from the start. A resumed hop reports
    // its restored idle total first: the base its later totals grow from (metrics count what this
    // process adds).
    int first = epochsBefore + 1;
    int placed = 0;
    for (PipelinePlan.Lane lane : plan.lanes()) {
      for (PipelinePlan.Stage st : lane.hops()) {
        double idleS = resumed == null ? 0 : resumed.hops().get(placed).idleNs() / 1e9;
        placed++;
        recorder.tell(new Recorder.HopReported(new HopRecord(first, st.name(), 0, idleS, 0, 0)));
      }
    }
    recorder.tell(
        new Recorder.ProgressReported(
            new ProgressRecord(first, 0, epochBatches, previousEnd / 1e9)));
  }

  /**
   * A hop's progress, for the live metrics and the progress display only: its state as a hop row,
   * and from a lane's first hop (whose backward jobs end the batches) the epoch's batches done.
   */
  private void onHopProgress(ComputeHop.Progress p) {
    // A hop stopped by a crash's restore or re-placement stops asynchronously: what it sent before
    // its stop took effect may come after its successor's restored total, and would count idle
    // twice (a total above the restored one) and then take the successor's first report for a
    // restart. Only the hops of the placement in force report.
    if (p.generation() != generation) {
      return;
    }
    progressNs = Math.max(progressNs, p.lastEndNs());
    recorder.tell(
        new Recorder.HopReported(
            new HopRecord(
                p.epoch(),
                p.name(),
                p.queue(),
                p.idleNs() / 1e9,
                p.peakBytes(),
                p.lastEndNs() / 1e9)));
    // A lane still finishing an older epoch must not move the step back under the newer one.
    if (p.hop() != 0 || p.epoch() < progressEpoch) {
      return;
    }
    progressEpoch = p.epoch();
    int[] lanes = batchesDone.computeIfAbsent(p.epoch(), e -> new int[plan.lanes().size()]);
    lanes[p.lane()] = p.backwardDone();
    int done = 0;
    for (int n : lanes) {
      done += n;
    }
    batchesDone.keySet().removeIf(e -> e < p.epoch());
    recorder.tell(
        new Recorder.ProgressReported(
            new ProgressRecord(p.epoch(), done, epochBatches, progressNs / 1e9)));
  }

  /**
   * Starts the run where {@code placement} puts it. In one JVM ({@link Placement#LOCAL}) it spawns
   * the hops and devices as watched children of the supervisor ({@code ctx}), opens the channels
   * paced by {@code pacing} on a materializer bound to the supervisor (they stop with it), and
   * starts epoch 1 on every device. On a cluster a hops member spawns the hops with their lanes'
   * downlink channels ({@link #onHopsPlaced}), the devices members get the chains ({@link
   * #onWired}), and only then does epoch 1 start.
   */
  void start(ActorContext<Supervisor.Command> ctx, Pacing pacing, Placement placement) {
    heard();
    this.placement = placement;
    this.ctx = ctx;
    hopReplies = ctx.messageAdapter(ComputeHop.Reply.class, Supervisor.HopReported::new);
    if (placement.placeHops(ctx, hopReplies)) {
      // The hops member answers Supervisor.HopsPlaced; a resumed run's hops, devices and links
      // are built there from the checkpoint's state, as below in one JVM (PipelineMember).
      hopsPlaced = true;
      return;
    }
    if (resumed != null) {
      // Before any transfer: the channels' lanes time the devices' links.
      for (DeviceState d : resumed.devices()) {
        setup.uplinks().get(d.device()).restoreState(d.uplink());
        setup.downlinks().get(d.device()).restoreState(d.downlink());
      }
    }
    if (drainEvery) {
      epochStart = runStart(new ArrayList<>(participants), Map.of());
      epochStartPlan = plan;
    }
    Materializer materializer = Materializer.createMaterializer(ctx);
    ActorRef<Supervisor.Command> self = ctx.getSelf();
    List<LinkChannel> uplinkOf = new ArrayList<>();
    int placed = 0;
    for (int l = 0; l < plan.lanes().size(); l++) {
      PipelinePlan.Lane lane = plan.lanes().get(l);
      EdgeBands bands = bands(setup, l);
      bands.open(
          lane.hops().get(0).name() + " ",
          pacing,
          materializer,
          why -> self.tell(new Supervisor.ChannelFailed(why, 0)),
          why -> self.tell(new Supervisor.ChannelFailed(why, aggregateEpoch(bands.downlink()))));
      uplinkOf.add(bands.uplink());
      downlinkOf.add(bands.downlink());
      List<ActorRef<ComputeHop.Command>> chain = new ArrayList<>();
      for (int h = 0; h < lane.hops().size(); h++) {
        ComputeHop.State restored = resumed == null ? null : resumed.hops().get(placed);
        placed++;
        chain.add(
            Supervisor.watched(
                ctx,
                hop(plan, l, h, downlinkOf.get(l), restored, generation),
                lane.hops().get(h).name()));
      }
      chains.add(chain);
      hops.addAll(chain);
    }
    channels.addAll(uplinkOf);
    channels.addAll(downlinkOf);
    FaultsByDevice faults = new FaultsByDevice(setup.faults(), hangs);
    for (int d = 0; d < plan.devices(); d++) {
      PipelineRole.Setup role =
          role(
              setup,
              faults,
              d,
              chains.get(laneOf[d]),
              self,
              uplinkOf.get(laneOf[d]),
              cpuFreeAt[d],
              resumed != null && !participants.contains(d),
              false);
      devices.add(placement.device(ctx, d, Device.create(role)));
    }
    wire(plan, chains, devices::get, hopReplies);
    startDevices();
  }

  /**
   * Starts epoch 1 on every device, or a resumed run's next epoch on each device that takes part,
   * where its aggregate arrived, as it would have.
   */
  private void startDevices() {
    if (resumed == null) {
      for (ActorRef<Device.Command> d : devices) {
        d.tell(new Device.StartEpoch(1, 0));
      }
      return;
    }
    int next = resumed.epoch() + 1;
    SupervisorSetup.Crash due = SupervisorSetup.Crash.atStartOf(restarts, restartStruck, next);
    if (due != null) {
      // A crash at that epoch's start strikes first, as at any epoch boundary ({@link #release}).
      restart = new Restart(due, resumed.endNs(), resumed.epoch());
      return;
    }
    Set<Integer> rejoining = rejoining(resumed);
    resumed
        .startNs()
        .forEach(
            (d, at) -> devices.get(d).tell(new Device.StartEpoch(next, at, rejoining.contains(d))));
  }

  /**
   * A cluster's hops are up ({@code placed}: every lane's chain in plan order, wired to the
   * devices): the supervisor addresses the devices through {@code placement} and hands the devices
   * members the chains.
   */
  void onHopsPlaced(
      ActorContext<Supervisor.Command> ctx, List<ActorRef<ComputeHop.Command>> placed) {
    heard();
    chains.addAll(chains(plan, placed));
    hops.addAll(placed);
    for (int d = 0; d < plan.devices(); d++) {
      devices.add(placement.device(ctx, d, null)); // built on its member from the chains
    }
    placement.wirePipeline(ctx, List.copyOf(placed));
  }

  /**
   * Every devices member holds the chains: epoch 1 starts on every device (a resumed run's next
   * epoch on each device that takes part).
   */
  void onWired() {
    heard();
    startDevices();
  }

  /** Lane {@code l}'s bands (not open), with the lane's devices' links as their lanes. */
  static EdgeBands bands(Setup setup, int l) {
    PipelinePlan plan = setup.plan();
    EdgeBands bands = new EdgeBands(plan.devices());
    for (int d : plan.lanes().get(l).devices()) {
      bands.lane(d, setup.uplinks().get(d), setup.downlinks().get(d));
    }
    return bands;
  }

  /**
   * Hop {@code h} of lane {@code l}, which sends to its devices through {@code downlink}, starting
   * from {@code restored} (null: the run's start), spawned in placement {@code generation} (its
   * progress reports carry it).
   */
  static Behavior<ComputeHop.Command> hop(
      PipelinePlan plan,
      int l,
      int h,
      LinkChannel downlink,
      ComputeHop.State restored,
      int generation) {
    PipelinePlan.Lane lane = plan.lanes().get(l);
    Map<Integer, Integer> batches = new TreeMap<>();
    for (int d : lane.devices()) {
      batches.put(d, plan.batchesPerDevice()[d]);
    }
    return ComputeHop.create(
        l,
        h,
        lane.hops().size(),
        lane.hops().get(h),
        plan.epochs(),
        batches,
        downlink,
        plan.device(),
        restored,
        generation);
  }

  /** Every lane's chain, cut from {@code placed}, the hops of every lane in plan order. */
  static List<List<ActorRef<ComputeHop.Command>>> chains(
      PipelinePlan plan, List<ActorRef<ComputeHop.Command>> placed) {
    List<List<ActorRef<ComputeHop.Command>>> out = new ArrayList<>();
    int i = 0;
    for (PipelinePlan.Lane lane : plan.lanes()) {
      out.add(List.copyOf(placed.subList(i, i + lane.hops().size())));
      i += lane.hops().size();
    }
    return out;
  }

  /**
   * Tells every hop of {@code chains} its neighbours, its lane's devices (from {@code devices}) and
   * where it reports.
   */
  static void wire(
      PipelinePlan plan,
      List<List<ActorRef<ComputeHop.Command>>> chains,
      IntFunction<ActorRef<Device.Command>> devices,
      ActorRef<ComputeHop.Reply> replies) {
    for (int l = 0; l < chains.size(); l++) {
      List<ActorRef<ComputeHop.Command>> chain = chains.get(l);
      Map<Integer, ActorRef<Device.Command>> refs = new TreeMap<>();
      for (int d : plan.lanes().get(l).devices()) {
        refs.put(d, devices.apply(d));
      }
      for (int h = 0; h < chain.size(); h++) {
        ActorRef<ComputeHop.Command> prev = h == 0 ? null : chain.get(h - 1);
        ActorRef<ComputeHop.Command> next = h == chain.size() - 1 ? null : chain.get(h + 1);
        chain.get(h).tell(new ComputeHop.Wire(prev, next, refs, replies));
      }
    }
  }

  /**
   * Device {@code d}'s pipeline role: its lane's {@code chain}, the {@code supervisor} it reports
   * to, its lane's {@code uplink} channel, and its faults as {@code faults} indexes them; a resumed
   * device's processor is free at {@code cpuFreeAtNs} (else 0), and it is {@code hung} if given up
   * before. {@code downlinkElsewhere}: its lane's downlink channel is on another member (a
   * cluster's hops member), which its own copy of its downlink follows ({@link
   * PipelineRole.Setup}).
   */
  static PipelineRole.Setup role(
      Setup setup,
      FaultsByDevice faults,
      int d,
      List<ActorRef<ComputeHop.Command>> chain,
      ActorRef<Supervisor.Command> supervisor,
      LinkChannel uplink,
      long cpuFreeAtNs,
      boolean hung,
      boolean downlinkElsewhere) {
    PipelinePlan plan = setup.plan();
    return new PipelineRole.Setup(
        d,
        plan.batchesPerDevice()[d],
        plan.device(),
        chain,
        supervisor,
        uplink,
        faults.silences(d),
        faults.slowdowns(d),
        cpuFreeAtNs,
        hung,
        setup.uplinks().get(d),
        setup.downlinks().get(d),
        setup.dropForRound(),
        downlinkElsewhere);
  }

  /**
   * Where a window is empty for a device (docs/faults.md "Recording"): {@code at = T, until-round =
   * R} where the device's start of epoch R (where its aggregate arrived) is at or before T, {@code
   * round = R, until = T} where it is at or after T.
   */
  @FunctionalInterface
  public interface EmptyWindows {
    /**
     * The device's start of epoch R if the window of the scenario's fault {@code faultIndex} (its
     * index in the list: a fault listed twice is two faults) is empty for {@code device}, else -1.
     */
    long until(int faultIndex, int device);
  }

  /**
   * {@link EmptyWindows#until} as epoch {@code e}'s rows see it: {@code own} each device's start of
   * e, {@code next} of e + 1 (null: none known); a device with none starts when the epoch does. R
   * ({@link Settings.Fault#mixedRound}) is e + 1 or e (every window is decided by its epoch R's
   * rows at the latest, and the decisions are in checkpoints); an earlier R is not met, and would
   * take the epoch's start, after R's. {@code at = T, until-round = R} is empty where the device's
   * start of R is at or before T, {@code round = R, until = T} where it is at or after T
   * (PipelineRole, a silence's {@code overAt} there; a slowdown's bounds then make no window).
   */
  private static long emptyUntil(
      Settings.Fault f, int d, EpochResult e, Map<Integer, Long> own, Map<Integer, Long> next) {
    int r = f.mixedRound();
    if (r <= 0) {
      return -1;
    }
    long start;
    if (r == e.epoch() + 1) {
      start = next == null ? e.endNs() : next.getOrDefault(d, e.endNs());
    } else if (r == e.epoch()) {
      start = own == null ? e.startNs() : own.getOrDefault(d, e.startNs());
    } else if (r < e.epoch()) {
      start = e.startNs();
    } else {
      return -1;
    }
    return f.emptyAt(start) ? start : -1;
  }

  /**
   * Every device's silences and slowdowns, indexed by device once per run: the hangs of {@code
   * hangs} and the scenario's device faults (docs/faults.md, "Kinds per family"). A crash silences
   * the device as a hang does (a device given up is out for the run, or under drop-for-round takes
   * the aggregate again before it rejoins, so the state a crash loses is never asked for), a hang
   * with an end comes from the faults, a slowdown slows it. A device's silences are its hangs in
   * list order, then its faults' windows in fault order; a fault listed twice is two faults (two
   * slowdowns multiply, as on the other families), and a device listed twice in one fault has it
   * once. Scanning every hang and fault for each device was O(N x faults' devices) at set-up (issue
   * 16).
   */
  static final class FaultsByDevice {
    private final Map<Integer, List<PipelineRole.Window>> silences = new HashMap<>();
    private final Map<Integer, List<PipelineRole.Slow>> slowdowns = new HashMap<>();

    FaultsByDevice(List<Settings.Fault> faults, List<SupervisorSetup.Hang> hangs) {
      for (SupervisorSetup.Hang h : hangs) {
        silences
            .computeIfAbsent(h.device(), k -> new ArrayList<>())
            .add(new PipelineRole.Window(h.round(), h.atNs(), -1, -1));
      }
      for (int i = 0; i < faults.size(); i++) {
        Settings.Fault f = faults.get(i);
        boolean silence =
            f.kind().equals("device-crash") || (f.kind().equals("device-hang") && f.end() != null);
        boolean slow = f.kind().equals("device-slowdown");
        if (!silence && !slow) {
          continue;
        }
        PipelineRole.Window w = window(f);
        for (int d : new java.util.LinkedHashSet<>(f.devices())) {
          if (silence) {
            silences.computeIfAbsent(d, k -> new ArrayList<>()).add(w);
          } else {
            slowdowns
                .computeIfAbsent(d, k -> new ArrayList<>())
                .add(new PipelineRole.Slow(i, w, f.factor()));
          }
        }
      }
    }

    /** Device {@code d}'s silences, in the order it meets them in its setup. */
    List<PipelineRole.Window> silences(int d) {
      return silences.getOrDefault(d, List.of());
    }

    /** Device {@code d}'s slowdowns, in fault order. */
    List<PipelineRole.Slow> slowdowns(int d) {
      return slowdowns.getOrDefault(d, List.of());
    }
  }

  /** When fault {@code f} holds, as a device's window. */
  private static PipelineRole.Window window(Settings.Fault f) {
    Settings.FaultTime from = f.start();
    Settings.FaultTime until = f.end();
    return new PipelineRole.Window(
        from.atRoundStart() ? from.round() : -1,
        from.atRoundStart() ? -1 : from.atNs(),
        until != null && until.atRoundStart() ? until.round() : -1,
        until != null && !until.atRoundStart() ? until.atNs() : -1);
  }

  /** Takes a device's or hop's report; returns the line the run fails with, or null. */
  String on(Supervisor.PipelineReport m) {
    heard();
    if (m instanceof Supervisor.EpochFinished f) {
      EpochState s = state(f.epoch());
      s.finish[f.device()] = f.finishNs();
      s.uploaded[f.device()] = f.uploadedNs();
      cpuFreeAt[f.device()] = f.finishNs(); // the device's last computation of the epoch
      s.finished++;
      return aggregateIfAllIn(f.epoch(), s);
    }
    if (m instanceof Supervisor.EpochMissed x) {
      EpochState s = state(x.epoch());
      s.missed.put(x.device(), x.sinceNs()); // the deadline is set when the barrier closes
      // Under drop-for-round every epoch asks the device again: it stays a participant.
      if (!setup.dropForRound() && participants.remove(x.device())) {
        epochBatches -= plan.batchesPerDevice()[x.device()];
      }
      String line = aggregateIfAllIn(x.epoch(), s);
      // An epoch every device missed (drop-for-round) has no download to wait for.
      return line == null && s.aggregated && s.finished == 0 ? complete(x.epoch()) : line;
    }
    if (m instanceof Supervisor.ModelReceived r) {
      return onModelReceived(r);
    } else if (m instanceof Supervisor.AggregateWanted w) {
      return fetch(w);
    } else if (m instanceof Supervisor.HopReported h
        && h.reply() instanceof ComputeHop.EpochStats e) {
      hopState(e.epoch())
          .busy
          .put(plan.lanes().get(e.lane()).hops().get(e.hop()).name(), e.busyNs());
      return complete(e.epoch());
    } else if (m instanceof Supervisor.HopReported h
        && h.reply() instanceof ComputeHop.Progress p) {
      onHopProgress(p);
    } else if (m instanceof Supervisor.HopReported h && h.reply() instanceof ComputeHop.Saved v) {
      return onSaved(v);
    } else if (m instanceof Supervisor.LinksSaved l) {
      if (linksAsked) {
        deviceLinks.put(l.device(), l);
        return drainedIfAllIn();
      }
    } else if (m instanceof Supervisor.HopReported h && h.reply() instanceof ComputeHop.Totals t) {
      peaks.put(t.name(), t.peakBytes());
      jobs.put(t.name(), t.jobs());
    }
    return null;
  }

  /** How many epochs' ends are held (for tests: at most the last recorded's and its previous). */
  int epochEndsHeld() {
    return epochEnds.size();
  }

  /** Whether every epoch is recorded and every hop has sent its totals. */
  boolean done() {
    return peaks.size() == hops.size() && recorded() == plan.epochs();
  }

  /** The first epoch not yet recorded (the last one once all are). */
  int round() {
    return Math.min(recorded() + 1, plan.epochs());
  }

  /**
   * The last epoch whose aggregate went out and whose rows are not recorded yet; 0 if none. Its
   * devices hold or are downloading the aggregate, so only their downloads and the hops' reports
   * are missing.
   */
  int aggregatedNotRecorded() {
    int last = 0;
    for (Map.Entry<Integer, EpochState> e : states.entrySet()) {
      if (e.getValue().aggregated) {
        last = Math.max(last, e.getKey());
      }
    }
    return last;
  }

  /**
   * The epoch whose aggregate the transfer that failed {@code channel} was downloading, or 0 if it
   * was none.
   */
  static int aggregateEpoch(LinkChannel channel) {
    LinkChannel.Send<?, ?> s = channel.failedSend();
    return s != null && s.message().at(s.sendNs()) instanceof Device.Aggregated a ? a.epoch() : 0;
  }

  /** Whether every epoch up to {@code epoch} is recorded. */
  boolean recordedThrough(int epoch) {
    return recorded() >= epoch;
  }

  /** The epochs recorded, a resumed run's before its checkpoint included. */
  private int recorded() {
    return epochsBefore + recordedHere;
  }

  /**
   * The state of a checkpoint just taken, once (null otherwise): the supervisor records it, then
   * either ends the run or {@link #release}s the next epoch.
   */
  State checkpointReady() {
    State r = ready;
    ready = null;
    return r;
  }

  /**
   * The checkpoint is recorded, or none was due: a hop crash at the next epoch's start places the
   * units again, then every device held starts the next epoch. Returns the line the run ends with
   * (no placement left), or null.
   */
  String release() {
    EpochState s = taking;
    taking = null;
    int next = takingEpoch + 1;
    SupervisorSetup.Crash due = SupervisorSetup.Crash.atStartOf(restarts, restartStruck, next);
    if (due != null) {
      // The epoch does not start: the run goes back to its last checkpoint (restore).
      restart = new Restart(due, drained.endNs(), takingEpoch);
      return null;
    }
    epochStart = drained;
    epochStartPlan = plan;
    epochMove = 0;
    epochMoved.clear();
    for (HopCrash c : setup.crashes()) {
      if (c.round() == next) {
        MpslPlanner.Replaced r = replace(c, drained.endNs(), next, drained, plan);
        if (r == null) {
          return noPlacement;
        }
        for (int d : s.held.keySet()) {
          devices.get(d).tell(new Device.Rechain(chains.get(laneOf[d]), epochMove, -1));
        }
      }
    }
    s.held.forEach(
        (d, at) ->
            devices
                .get(d)
                .tell(
                    new Device.StartEpoch(
                        next, at, setup.dropForRound() && s.missed.containsKey(d))));
    s.held.clear();
    return null;
  }

  // The line a run ends with when a hop crash leaves no placement.
  private String noPlacement;

  /**
   * The run's state before epoch 1 (docs/runtime.md, "Crashes", "Before the first checkpoint"):
   * every device takes part and starts epoch 1 at 0, its processor free and its links as built,
   * every hop fresh. Null without a server or supervisor crash.
   */
  State initial() {
    return initial;
  }

  /** Lets the state before epoch 1 go: a scheduled checkpoint was taken (or none is needed). */
  void releaseInitial() {
    initial = null;
  }

  private State initialState() {
    List<Integer> all = new ArrayList<>();
    Map<Integer, Long> starts = new TreeMap<>();
    for (int d = 0; d < plan.devices(); d++) {
      all.add(d);
      starts.put(d, 0L);
    }
    return runStart(all, starts);
  }

  /**
   * The state at the run's start, as a drained boundary before epoch 1 would hold it: every
   * device's processor free at 0 and its links untouched, every hop fresh; {@code who} take part,
   * starting epoch 1 at {@code startNs}.
   */
  private State runStart(List<Integer> who, Map<Integer, Long> startNs) {
    List<DeviceState> ds = new ArrayList<>();
    for (int d = 0; d < plan.devices(); d++) {
      ds.add(
          new DeviceState(
              d,
              false,
              0,
              setup.uplinks().get(d).saveState(),
              setup.downlinks().get(d).saveState()));
    }
    List<ComputeHop.State> hs = new ArrayList<>();
    for (PipelinePlan.Lane lane : plan.lanes()) {
      for (int h = 0; h < lane.hops().size(); h++) {
        hs.add(new ComputeHop.State(1, 0, 0, 0, 0, List.of(), 0, List.of()));
      }
    }
    return new State(0, 0, who, startNs, ds, hs, Map.of(), Map.of());
  }

  /**
   * Hop crash {@code c} at emulated {@code atNs}, epoch {@code epoch} starting afresh from {@code
   * from} (the hops' states at its start, of plan {@code fromPlan}): its fault row, the units
   * placed again, then its re-placement row, and every lane's hops stopped and spawned again on the
   * new plan (each survivor from its state: processor, times, jobs, peak, withdrawn devices; it
   * holds no instance of its new units yet). The units moved are added to the epoch's ({@link
   * #epochMove}: what each device uploads, the row's bytes). Returns the re-placement, or null when
   * no placement is left ({@link #noPlacement} then holds the run's last line).
   */
  private MpslPlanner.Replaced replace(
      HopCrash c, long atNs, int epoch, State from, PipelinePlan fromPlan) {
    struck.add(c.index());
    MpslPlanner.Replaced r;
    String why = null;
    try {
      r = setup.replanner().replace(gone, c.hop());
    } catch (io.splitemu.actors.config.SettingsException e) {
      r = null;
      why = e.getMessage();
    }
    boolean redo = c.atNs() >= 0;
    event(
        atNs,
        epoch,
        "fault",
        c,
        "hop-crash: hop stops ("
            + (r == null ? "" : r.crashedName() + ", ")
            + "hop "
            + c.hop()
            + " of the run's chain; scenario fault, "
            + c.when()
            + ")"
            + (redo ? "; epoch " + epoch + "'s work since its start is lost" : ""));
    if (r == null) {
      noPlacement =
          Settings.NS
              + ".faults["
              + c.index()
              + "]: hop-crash of hop "
              + c.hop()
              + (c.round() > 0 ? " at " : " ")
              + c.when()
              + " leaves no placement: "
              + why;
      return null;
    }
    PipelinePlan next = r.plan();
    // What each device uploads before the epoch's first batch: this crash's units and those an
    // earlier crash of the epoch moved, each unit once (a redone epoch loses the earlier upload).
    boolean earlier = !epochMoved.isEmpty();
    epochMove = moved(r);
    java.util.StringJoiner chain = new java.util.StringJoiner(", ");
    next.lanes().get(0).hops().forEach(h -> chain.add(h.name()));
    event(
        atNs,
        epoch,
        "recovery",
        c,
        "hop-crash: units "
            + r.fromUnit()
            + ".."
            + r.toUnit()
            + " of "
            + r.crashedName()
            + " re-placed; new chain "
            + chain
            + (epochMove == r.moveBytes() && !earlier
                ? "; each device uploads its instance of those units (" + r.moveBytes() + " bytes)"
                : "; each device uploads its instance of those units and of those moved earlier in"
                    + " epoch "
                    + epoch
                    + " ("
                    + epochMove
                    + " bytes, each unit once; "
                    + r.moveBytes()
                    + " of them this hop's)")
            + " over its uplink before epoch "
            + epoch
            + "'s first batch"
            + (redo ? ", the epoch redone from its start state" : "")
            + "; "
            + next.planDetail());
    Map<String, ComputeHop.State> byName = new TreeMap<>();
    int i = 0;
    for (PipelinePlan.Lane lane : fromPlan.lanes()) {
      for (PipelinePlan.Stage st : lane.hops()) {
        byName.put(st.name(), from.hops().get(i++));
      }
    }
    for (String name : byName.keySet()) {
      if (next.lanes().get(0).hops().stream().noneMatch(h -> h.name().equals(name))) {
        crashedPeaks.put(name, byName.get(name).peakBytes());
        crashedJobs.put(name, byName.get(name).jobs());
        // Its live series go: a share or queue of a hop that no longer works would stay on the
        // panels (its memory stays, the summary's peak keeps it).
        recorder.tell(
            new Recorder.HopReported(
                new HopRecord(
                    epoch, name, 0, byName.get(name).idleNs() / 1e9, 0, atNs / 1e9, true)));
      }
    }
    plan = next;
    gone.add(c.hop());
    spawnHops(
        epoch,
        atNs,
        "-placed-",
        (placed, name) -> {
          ComputeHop.State o = byName.get(name);
          return new ComputeHop.State(
              epoch,
              o.busyUntilNs(),
              o.totalBusyNs(),
              o.idleNs(),
              o.jobs(),
              List.of(),
              o.peakBytes(),
              o.gone());
        });
    return r;
  }

  /**
   * Stops the hops and spawns every hop of the plan in force again, in the next placement
   * generation (a hop crash's re-placement, a restore): hop {@code i} in plan order, named {@code
   * name}, from state {@code stateOf.apply(i, name)}, its actor named {@code name}, {@code how} and
   * the generation; then wires them. Each first reports its state's idle total at {@code atNs} as
   * epoch {@code epoch}'s: the base the live metrics count the redone epochs' idle from (what the
   * stopped hops report later is dropped by its generation).
   */
  private void spawnHops(
      int epoch,
      long atNs,
      String how,
      java.util.function.BiFunction<Integer, String, ComputeHop.State> stateOf) {
    hops.forEach(ctx::stop);
    hops.clear();
    chains.clear();
    generation++;
    int placed = 0;
    for (int l = 0; l < plan.lanes().size(); l++) {
      PipelinePlan.Lane lane = plan.lanes().get(l);
      List<ActorRef<ComputeHop.Command>> chain = new ArrayList<>();
      for (int h = 0; h < lane.hops().size(); h++) {
        String name = lane.hops().get(h).name();
        ComputeHop.State state = stateOf.apply(placed++, name);
        recorder.tell(
            new Recorder.HopReported(
                new HopRecord(epoch, name, 0, state.idleNs() / 1e9, 0, atNs / 1e9)));
        chain.add(
            Supervisor.watched(
                ctx,
                hop(plan, l, h, downlinkOf.get(l), state, generation),
                name + how + generation));
      }
      chains.add(chain);
      hops.addAll(chain);
    }
    wire(plan, chains, devices::get, hopReplies);
  }

  private void event(long ns, int epoch, String kind, HopCrash c, String detail) {
    recorder.tell(
        new Recorder.EventRecorded(
            new io.splitemu.actors.results.EventRecord(
                ns / 1e9, epoch, kind, "hop-" + c.hop(), detail)));
  }

  /**
   * The scenario's hop crash at an instant within epoch {@code e}, which ran from {@code startNs}
   * to {@code endNs} (epoch 1 from 0), not struck yet: the earliest, or null.
   */
  private HopCrash crashWithin(long startNs, long endNs) {
    HopCrash first = null;
    for (HopCrash c : setup.crashes()) {
      if (c.atNs() >= startNs
          && c.atNs() < endNs
          && !struck.contains(c.index())
          && (first == null || c.atNs() < first.atNs())) {
        first = c;
      }
    }
    return first;
  }

  /**
   * Hop crash {@code c} at an instant within epoch {@code e}, which the actors have just run to its
   * end on the old chain: that run is discarded (nothing of it is recorded), the devices' links and
   * processors and the participants go back to the epoch's start ({@link #epochStart}), the units
   * are placed again, and every device starts the epoch again at the crash's instant, first
   * uploading the moved units (with those of a crash at the epoch's start, whose upload is lost
   * too). Returns the line the run ends with, or null.
   */
  /** Adds {@code r}'s units to this epoch's moved ones; returns the bytes of them all. */
  private long moved(MpslPlanner.Replaced r) {
    for (int j = 0; j < r.unitBytes().size(); j++) {
      epochMoved.put(r.fromUnit() + j, r.unitBytes().get(j));
    }
    long bytes = 0;
    for (long b : epochMoved.values()) {
      bytes += b;
    }
    return bytes;
  }

  /**
   * Takes the participants, the devices' links and processors back from {@code st}, an epoch
   * boundary's state (an epoch redone after a hop crash, or a crash's restore).
   */
  private void restoreDevices(State st) {
    participants.clear();
    participants.addAll(st.participants());
    epochBatches = 0;
    for (int d : participants) {
      epochBatches += plan.batchesPerDevice()[d];
    }
    for (DeviceState d : st.devices()) {
      setup.uplinks().get(d.device()).restoreState(d.uplink());
      setup.downlinks().get(d.device()).restoreState(d.downlink());
      cpuFreeAt[d.device()] = d.cpuFreeAtNs();
    }
  }

  private String redo(int e, HopCrash c, EpochState s) {
    states.remove(e);
    epochEnds.remove(e);
    s.held.clear();
    restoreDevices(epochStart);
    MpslPlanner.Replaced r = replace(c, c.atNs(), e, epochStart, epochStartPlan);
    if (r == null) {
      return noPlacement;
    }
    Map<Integer, Long> redoStarts = new TreeMap<>();
    participants.forEach(d -> redoStarts.put(d, c.atNs()));
    deviceStarts.put(e, redoStarts);
    deviceStarts.remove(e + 1); // the discarded run's aggregates
    for (int d : participants) {
      devices.get(d).tell(new Device.Rechain(chains.get(laneOf[d]), epochMove, cpuFreeAt[d]));
      devices.get(d).tell(new Device.StartEpoch(e, c.atNs()));
    }
    return null;
  }

  /**
   * Epoch {@code e} is recorded and a checkpoint follows it: every device holds the aggregate and
   * waits for its start of the next epoch, every hop has ended the epoch (its stats are in), so
   * nothing is under way in the pipeline; the hops are asked for their states.
   */
  private void takeCheckpoint(int e, EpochState s) {
    taking = s;
    takingEpoch = e;
    hopStates.clear();
    // On a cluster a checkpoint's links are asked where they live (a drain for another reason
    // keeps no state that a cluster run reads: its crashes are refused there).
    linksAsked = hopsPlaced && s.checkpointDue;
    deviceLinks.clear();
    hopDownlinks.clear();
    for (ActorRef<ComputeHop.Command> h : hops) {
      h.tell(new ComputeHop.TakeState(hopReplies, linksAsked));
    }
    linksAwaited = 0;
    if (linksAsked) {
      for (int d = 0; d < plan.devices(); d++) {
        if (!dormant(d)) {
          devices.get(d).tell(Device.SaveLinks.INSTANCE);
          linksAwaited++;
        }
      }
    }
  }

  /**
   * Whether device {@code d} has not been addressed by this process and never will be: a resumed
   * run's device given up for the run before its checkpoint (it starts no epoch, and the hops it
   * withdrew from send it nothing), whose links are still the checkpoint's. A cluster does not
   * create its entity to ask for them.
   */
  private boolean dormant(int d) {
    return resumed != null && !resumed.startNs().containsKey(d);
  }

  /**
   * The devices this process addresses, ids ascending: every device of the plan, or a resumed run's
   * that start its next epoch (one given up for the run before the checkpoint is never addressed,
   * {@link #dormant}). On a cluster these are the devices whose start is awaited for the placement
   * rows.
   */
  Set<Integer> addressed() {
    Set<Integer> out = new TreeSet<>();
    if (resumed != null) {
      out.addAll(resumed.startNs().keySet());
    } else {
      for (int d = 0; d < plan.devices(); d++) {
        out.add(d);
      }
    }
    return java.util.Collections.unmodifiableSet(out);
  }

  /**
   * How many devices {@link #addressed()} holds in a run of {@code plan} resumed from {@code
   * resumed} (null: the run's start), without building the set: a cluster's coordinator asks at
   * every device's start.
   */
  static int addressedCount(PipelinePlan plan, State resumed) {
    return resumed != null ? resumed.startNs().size() : plan.devices();
  }

  /** Device {@code d}'s state in the checkpoint this process resumed from. */
  private DeviceState resumedDevice(int d) {
    DeviceState x = resumedDevices.get(d);
    if (x == null) {
      throw new IllegalStateException("device-" + d + " is not in the checkpoint resumed from");
    }
    return x;
  }

  private String onSaved(ComputeHop.Saved v) {
    int index = 0;
    for (int l = 0; l < v.lane(); l++) {
      index += plan.lanes().get(l).hops().size();
    }
    // A lane whose devices are all given up runs through its epochs at once: every hop resumes
    // in the epoch after the checkpoint (it has nothing to do in any).
    ComputeHop.State st = v.state();
    checkpointPeaks.put(plan.lanes().get(v.lane()).hops().get(v.hop()).name(), st.peakBytes());
    hopStates.put(
        index + v.hop(),
        new ComputeHop.State(
            takingEpoch + 1,
            st.busyUntilNs(),
            st.totalBusyNs(),
            st.idleNs(),
            st.jobs(),
            st.instances(),
            st.peakBytes(),
            st.gone()));
    hopDownlinks.putAll(v.downlinks());
    return drainedIfAllIn();
  }

  /**
   * Once every hop's state is in (and on a cluster every device's links), the boundary's state: the
   * checkpoint's, or the drain's.
   */
  private String drainedIfAllIn() {
    if (hopStates.size() < hops.size()) {
      return null;
    }
    if (linksAsked && deviceLinks.size() < linksAwaited) {
      return null;
    }
    if (setup.dropForRound() || !taking.missed.isEmpty()) {
      holdUntilTheHopsAreFree();
    }
    List<DeviceState> ds = new ArrayList<>();
    for (int d = 0; d < plan.devices(); d++) {
      // Nothing is in a channel now but what the hops sent a device given up (never used again).
      // Under drop-for-round nothing at all: a device given up there withheld an upload (or was
      // silent at its start) with no job in the pipeline, its one batch in flight answered, and
      // the link faults that would stamp a hop's message NEVER are refused with that policy.
      // Hung: given up for the run, or under drop-for-round given up in this epoch (it holds no
      // current model and downloads the aggregate at its start of the next).
      ds.add(
          new DeviceState(
              d,
              setup.dropForRound() ? taking.missed.containsKey(d) : !participants.contains(d),
              cpuFreeAt[d],
              linksAsked ? uplinkAsked(d) : setup.uplinks().get(d).saveState(),
              linksAsked ? downlinkAsked(d) : setup.downlinks().get(d).saveState()));
    }
    linksAsked = false;
    deviceLinks.clear();
    hopDownlinks.clear();
    drained =
        new State(
            takingEpoch,
            previousEnd,
            new ArrayList<>(participants),
            taking.held,
            ds,
            new ArrayList<>(hopStates.values()),
            emptyWindows,
            heldRecoveries.entrySet().stream()
                .collect(
                    java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, x -> List.copyOf(x.getValue()))));
    if (taking.checkpointDue) {
      ready = drained; // the supervisor records it, then releases the next epoch
      return null;
    }
    return release();
  }

  /** Device {@code d}'s uplink as its member answered it (a dormant one's: the checkpoint's). */
  private long[] uplinkAsked(int d) {
    return dormant(d) ? resumedDevice(d).uplink() : deviceLinks.get(d).uplink();
  }

  /**
   * Device {@code d}'s downlink as the one link of one JVM holds it: its lane's link on the hops'
   * member, told the round starts the device told its own copy (as the hops will be before the next
   * transfer down it: a device silent at an epoch's start sent no job to carry them, and nothing
   * went down its link since). Told on this JVM's copy of the link, which a cluster run does not
   * use otherwise. A dormant device's is the checkpoint's.
   */
  private long[] downlinkAsked(int d) {
    if (dormant(d)) {
      return resumedDevice(d).downlink();
    }
    LinkTiming link = setup.downlinks().get(d);
    link.restoreState(hopDownlinks.get(d));
    long[] starts = deviceLinks.get(d).downlinkRoundStarts();
    for (int i = 0; i + 1 < starts.length; i += 2) {
      link.roundStarted((int) starts[i], starts[i + 1]);
    }
    return link.saveState();
  }

  /** The crash that just struck, once (null otherwise): the supervisor then {@link #restore}s. */
  Restart restart() {
    Restart r = restart;
    restart = null;
    return r;
  }

  /**
   * Goes back to checkpoint {@code from} (docs/runtime.md, "Crashes"), the pipeline drained: the
   * epochs after it are forgotten, the participants, the devices' processors and links come back
   * from it, every hop is stopped and spawned again from its state in it, and each device starts
   * epoch {@code from.epoch() + 1} as long after {@code atNs} (the restart) as it did after its
   * checkpoint's end, the whole boundary moved from {@code from.endNs()} to {@code atNs}.
   */
  void restore(State from, long atNs) {
    heard();
    long shift = atNs - from.endNs();
    states.clear();
    taking = null;
    ready = null;
    drained = null;
    if (from.epoch() < epochsBefore) {
      // A resumed process goes back before the checkpoint it resumed from (that one SIGTERM took,
      // off the schedule): none of the epochs it recorded stands.
      results.clear();
      recordedHere = 0;
      epochsBefore = from.epoch();
    }
    recordedHere = Math.min(recordedHere, from.epoch() - epochsBefore);
    while (results.size() > recordedHere) {
      results.remove(results.size() - 1);
    }
    epochEnds.keySet().removeIf(e -> e > from.epoch());
    epochEnds.put(from.epoch(), atNs);
    previousEnd = atNs;
    // The instants between C's end and the restart fall to epoch C + 1's rows (faults at them act).
    rowsFromNs = from.endNs();
    restoreDevices(from);
    // Each hop's idle total goes back to the checkpoint's.
    spawnHops(from.epoch() + 1, atNs, "-restored-", (placed, name) -> from.hops().get(placed));
    batchesDone.clear();
    progressEpoch = from.epoch() + 1;
    progressNs = atNs;
    int next = from.epoch() + 1;
    for (int d = 0; d < plan.devices(); d++) {
      devices.get(d).tell(new Device.Rechain(chains.get(laneOf[d]), 0, cpuFreeAt[d]));
    }
    // Each device's start of the next epoch, for the rows (PipelineLinkFaults, epochRows).
    deviceStarts.clear();
    // The windows decided by the epochs discarded were decided from their starts: decided again.
    takeRowDecisions(from);
    Map<Integer, Long> restarted = new TreeMap<>();
    from.startNs().forEach((d, at) -> startedAt(restarted, d, at + shift));
    deviceStarts.put(next, restarted);
    Set<Integer> rejoining = rejoining(from);
    from.startNs()
        .forEach(
            (d, at) ->
                devices
                    .get(d)
                    .tell(new Device.StartEpoch(next, at + shift, rejoining.contains(d))));
  }

  /**
   * The empty windows' decisions and the recovery rows waiting are {@code st}'s, those of the rows
   * recorded before it.
   */
  private void takeRowDecisions(State st) {
    emptyWindows.clear();
    st.emptyWindows().forEach((f, byDevice) -> emptyWindows.put(f, new TreeMap<>(byDevice)));
    heldRecoveries.clear();
    st.heldRecoveries().forEach((d, faults) -> heldRecoveries.put(d, new TreeSet<>(faults)));
  }

  /**
   * When the last device held epoch {@code s}'s aggregate: the latest arrival, an aggregate that
   * never arrived (a downlink cut off for good) left out; the aggregate's readiness if none
   * arrived.
   */
  private static long epochEnd(EpochState s) {
    long end = -1;
    for (Supervisor.ModelReceived r : s.received) {
      if (r != null && r.atNs() != LinkTiming.NEVER) {
        end = Math.max(end, r.atNs());
      }
    }
    return end < 0 ? s.aggregatedNs : end;
  }

  /** Device {@code d} starts an epoch at {@code atNs}, unless NEVER (it gives up there). */
  private static void startedAt(Map<Integer, Long> starts, int d, long atNs) {
    if (atNs != LinkTiming.NEVER) {
      starts.put(d, atNs);
    }
  }

  /**
   * The devices that, starting the epoch after {@code st}'s, were given up in {@code st}'s epoch
   * and rejoin (drop-for-round: a device given up for the run has no start): each device as its
   * first state in {@code st} says. One pass (a scan of the states per device was O(N^2); issue
   * 16).
   */
  static Set<Integer> rejoining(State st) {
    Set<Integer> seen = new HashSet<>();
    Set<Integer> hung = new HashSet<>();
    for (DeviceState x : st.devices()) {
      if (seen.add(x.device()) && x.hung()) {
        hung.add(x.device());
      }
    }
    return hung;
  }

  /**
   * Whether the pipeline is drained after epoch {@code epoch} (a checkpoint, a crash at an instant
   * anywhere or a hop crash at the next epoch's start): decided once per epoch, at its first start
   * of the next epoch.
   */
  private boolean drains(EpochState s, int epoch) {
    if (s.checkpoint == null) {
      s.checkpointDue = checkpointAfter.test(epoch);
      int next = epoch + 1;
      s.checkpoint =
          s.checkpointDue
              || drainEvery
              // The hops' ends bound the next epoch's starts where a device was given up.
              || setup.dropForRound()
              || !s.missed.isEmpty()
              || !restarts.isEmpty()
              || setup.crashes().stream().anyMatch(c -> c.round() == next);
    }
    return s.checkpoint;
  }

  /**
   * After an epoch in which a device was given up (either survival policy; under drop-for-round
   * after every epoch): no device starts the next epoch before every hop has served the last job of
   * this one. A hop takes its end of the epoch as the lower bound of the next epoch's jobs
   * (ComputeHop's conservative synchronisation), which holds when every job reaches the FedAvg
   * barrier first; a device given up leaves jobs queued at the hops that may be served after the
   * aggregate is ready (at its deadline), so the held starts move to the hops' last busy instant
   * where they are earlier. Otherwise the next epoch's jobs could arrive below the hops' bound and
   * be served in the order their messages came, not their emulated arrivals. Where no device was
   * given up the hops are idle before the aggregate is ready and nothing moves.
   */
  private void holdUntilTheHopsAreFree() {
    long free = 0;
    for (ComputeHop.State h : hopStates.values()) {
      free = Math.max(free, h.busyUntilNs());
    }
    long hopsFree = free;
    taking.held.replaceAll((d, at) -> at == LinkTiming.NEVER ? at : Math.max(at, hopsFree));
    Map<Integer, Long> starts = deviceStarts.get(takingEpoch + 1);
    if (starts != null) {
      starts.replaceAll((d, at) -> Math.max(at, hopsFree));
    }
  }

  /**
   * Drop-for-round: device {@code d}, given up in epoch {@code epoch}, is asked again at the
   * aggregate's readiness {@code readyNs}, its start of the next epoch (held with the others' if
   * the pipeline is drained after this epoch).
   */
  private void askAgain(EpochState s, int epoch, int d, long readyNs) {
    startedAt(deviceStarts.computeIfAbsent(epoch + 1, k -> new TreeMap<>()), d, readyNs);
    if (drains(s, epoch)) {
      s.held.put(d, readyNs);
    } else {
      devices.get(d).tell(new Device.StartEpoch(epoch + 1, readyNs, true));
    }
  }

  /** A rejoining device's download of the aggregate, over its downlink from its readiness. */
  private String fetch(Supervisor.AggregateWanted w) {
    int e = w.epoch();
    long ready = w.readyNs();
    if (downlinkOf.isEmpty()) {
      // On a cluster the lane's downlink channel lives with its hops: the first hop hands the
      // download in, as it does the aggregate's (aggregateIfAllIn).
      chains
          .get(laneOf[w.device()])
          .get(0)
          .tell(
              new ComputeHop.Download(
                  e, w.device(), plan.device().modelBytes(), ready, true, w.roundStarts()));
      return null;
    }
    LinkChannel down = downlinkOf.get(laneOf[w.device()]);
    down.send(
        LinkChannel.Send.of(
            w.device(),
            plan.device().modelBytes(),
            ready,
            1.0,
            devices.get(w.device()),
            Device.download(
                down,
                w.device(),
                (ns, cut, lost) -> new Device.AggregateFetched(e, ready, ns, cut, lost))));
    return null;
  }

  /** The end of the last epoch recorded. */
  long nowNs() {
    return previousEnd;
  }

  /** The run heard from a hop or device now (the wall-clock watchdog starts again). */
  void heard() {
    heardNanoTime = System.nanoTime();
  }

  /**
   * The wall-clock watchdog ({@link Setup#barrierTimeout}): the line the run ends with when nothing
   * came from any hop or device (a report, a hop's progress, a checkpoint's state) for that long up
   * to {@code nowNanoTime}, naming the first epoch not recorded and the hops that have not ended
   * it; null while the run is heard from. The caller leaves out the waits that are no hang (paced
   * deliveries held by their schedule, a crash's flush, a failed channel's own watchdog).
   */
  String stalled(long nowNanoTime) {
    java.time.Duration timeout = setup.barrierTimeout();
    if (nowNanoTime - heardNanoTime < timeout.toNanos()) {
      return null;
    }
    String within =
        "no hop progress, device report or checkpoint state within barrier.timeout ("
            + (timeout.toMillis() % 1000 == 0
                ? Long.toString(timeout.toSeconds())
                : Double.toString(timeout.toMillis() / 1000.0))
            + " s of wall-clock time)";
    if (taking != null) {
      return stalledTaking(within);
    }
    int e = round();
    EpochState s = states.get(e);
    java.util.StringJoiner waiting = new java.util.StringJoiner(", ");
    for (PipelinePlan.Lane lane : plan.lanes()) {
      for (PipelinePlan.Stage st : lane.hops()) {
        if (s == null || !s.busy.containsKey(st.name())) {
          waiting.add(st.name());
        }
      }
    }
    int expected = s == null || s.expected == null ? participants.size() : s.expected.size();
    int open = s == null ? expected : expected - s.finished - s.missed.size();
    return "epoch "
        + e
        + ": "
        + within
        + "; hops still waiting: "
        + (waiting.length() == 0 ? "none" : waiting.toString())
        + "; "
        + Math.max(open, 0)
        + " of "
        + expected
        + " devices have not ended the epoch; the host is stuck or overloaded (an emulated fault"
        + " would have been recorded at its deadline)";
  }

  /**
   * {@link #stalled}'s line while epoch {@code takingEpoch}'s boundary state is being taken (its
   * checkpoint, or a drain): every device has ended that epoch and the next has not started, so the
   * line names the hops whose state has not come and, on a cluster, the devices whose links have
   * not (at most {@link #NAMED} of them); with all in, the checkpoint is being written.
   */
  private String stalledTaking(String within) {
    java.util.StringJoiner hopsMissing = new java.util.StringJoiner(", ");
    int index = 0;
    for (PipelinePlan.Lane lane : plan.lanes()) {
      for (PipelinePlan.Stage st : lane.hops()) {
        if (!hopStates.containsKey(index)) {
          hopsMissing.add(st.name());
        }
        index++;
      }
    }
    StringBuilder line =
        new StringBuilder("epoch ")
            .append(takingEpoch)
            .append(taking.checkpointDue ? "'s checkpoint: " : "'s boundary state: ")
            .append(within)
            .append("; hops whose state is missing: ")
            .append(hopsMissing.length() == 0 ? "none" : hopsMissing.toString());
    if (linksAsked) {
      List<Integer> missing = new ArrayList<>();
      for (int d = 0; d < plan.devices(); d++) {
        if (!dormant(d) && !deviceLinks.containsKey(d)) {
          missing.add(d);
        }
      }
      java.util.StringJoiner named = new java.util.StringJoiner(", ");
      for (int d : missing.subList(0, Math.min(NAMED, missing.size()))) {
        named.add("device-" + d);
      }
      line.append("; devices whose links are missing: ")
          .append(missing.size())
          .append(" of ")
          .append(linksAwaited)
          .append(
              missing.isEmpty()
                  ? ""
                  : " (" + named + (missing.size() > NAMED ? ", ..." : "") + ")");
    } else if (hopsMissing.length() == 0) {
      line.append(" (every state is in: the checkpoint is being written)");
    }
    return line.append("; the host is stuck or overloaded").toString();
  }

  /** The devices a stalled checkpoint's line names at most. */
  private static final int NAMED = 10;

  /** What the run has measured so far. */
  Result result() {
    Map<String, Long> p = new TreeMap<>(crashedPeaks);
    p.putAll(peaks.isEmpty() ? checkpointPeaks : peaks);
    Map<String, Long> j = new TreeMap<>(crashedJobs);
    j.putAll(jobs);
    return new Result(List.copyOf(results), Map.copyOf(p), Map.copyOf(j));
  }

  /** Completes the channels at the run's end; whatever they still hold stops with the run. */
  void close() {
    channels.forEach(LinkChannel::close);
  }

  // An epoch's participants are fixed when its first device message comes: every device given up
  // in an earlier epoch was given up before any device could start this one (the barrier waits for
  // it). Not by a hop's message: a lane whose devices are all given up runs through its later
  // epochs at once, and its hops' stats of them can come before the last miss of this epoch.
  private EpochState state(int epoch) {
    EpochState s = hopState(epoch);
    if (s.expected == null) {
      s.expected = new TreeSet<>(participants);
    }
    return s;
  }

  /** Epoch {@code epoch}'s collection, its participants not yet fixed if it is new. */
  private EpochState hopState(int epoch) {
    return states.computeIfAbsent(epoch, e -> new EpochState(plan.devices()));
  }

  /** The FedAvg barrier: the aggregate is ready at the last upload or the last deadline. */
  private String aggregateIfAllIn(int epoch, EpochState s) {
    if (s.aggregated || s.finished + s.missed.size() < s.expected.size()) {
      return null;
    }
    if (s.finished == 0 && !setup.dropForRound()) {
      // Every device of the epoch was given up; the run ends, but only once the epochs before it
      // are recorded (their rows wait for the hops' reports), so nothing completed is lost.
      noneLeft = epoch;
      return recorded() >= epoch - 1 ? NONE_LEFT : null;
    }
    // Under drop-for-round an epoch every device missed ends at its last deadline, the aggregate
    // unchanged, and the next epoch asks them all again.
    s.aggregated = true;
    // Given up at the epoch's start (the previous epoch's end) plus the deadline: every device of
    // the epoch downloaded the previous aggregate before it finished or missed this epoch, so that
    // end is known by now. A hang within the epoch is noticed no earlier than it happens.
    long start = epochEnds.get(epoch - 1);
    s.missed.replaceAll((d, since) -> Math.max(start, since) + setup.deadlineNs());
    long at = 0;
    for (long u : s.uploaded) {
      at = Math.max(at, u);
    }
    for (long m : s.missed.values()) {
      at = Math.max(at, m);
    }
    s.aggregatedNs = at;
    if (s.finished == 0) {
      epochEnds.put(epoch, at); // no download to wait for
    }
    long ready = at;
    for (int d : s.expected) {
      if (!s.missed.containsKey(d)) {
        if (downlinkOf.isEmpty()) {
          // On a cluster the lane's downlink channel lives with its hops: the first hop hands the
          // download in (ComputeHop.Download), so one channel still carries all of its lanes.
          chains
              .get(laneOf[d])
              .get(0)
              .tell(
                  new ComputeHop.Download(
                      epoch,
                      d,
                      plan.device().modelBytes(),
                      ready,
                      false,
                      ComputeHop.NO_ROUND_STARTS));
        } else {
          LinkChannel down = downlinkOf.get(laneOf[d]);
          down.send(
              LinkChannel.Send.of(
                  d,
                  plan.device().modelBytes(),
                  ready,
                  1.0,
                  devices.get(d),
                  Device.download(
                      down,
                      d,
                      (ns, cut, lost) -> new Device.Aggregated(epoch, ready, ns, cut, lost))));
        }
      } else if (setup.dropForRound() && epoch < plan.epochs()) {
        askAgain(s, epoch, d, ready);
      }
    }
    return null;
  }

  private String onModelReceived(Supervisor.ModelReceived m) {
    EpochState s = state(m.epoch());
    s.received[m.device()] = m;
    s.receivedCount++;
    if (s.receivedCount == s.finished) {
      epochEnds.put(m.epoch(), epochEnd(s));
    }
    if (m.epoch() < plan.epochs()) {
      startedAt(
          deviceStarts.computeIfAbsent(m.epoch() + 1, k -> new TreeMap<>()), m.device(), m.atNs());
      // An aggregate that never arrived (m.atNs() NEVER: the device's downlink is cut off for
      // good) starts the next epoch at NEVER: the device gives up there, as hung at its start.
      if (drains(s, m.epoch())) {
        s.held.put(m.device(), m.atNs());
      } else {
        devices.get(m.device()).tell(new Device.StartEpoch(m.epoch() + 1, m.atNs()));
      }
    }
    return complete(m.epoch());
  }

  /**
   * Records epoch {@code e} once every device and hop has reported it, in epoch order, unless a hop
   * crash at an instant within it makes it run again. Returns the line the run ends with, or null.
   */
  private String complete(int e) {
    EpochState s = states.get(e);
    if (s == null
        || !s.aggregated
        || s.receivedCount < s.finished
        || s.busy.size() < hops.size()
        || recorded() != e - 1) {
      return null;
    }
    SupervisorSetup.Crash lost =
        SupervisorSetup.Crash.firstBy(restarts, restartStruck, epochEnds.get(e));
    if (lost != null) {
      // A crash within this epoch (or inside an earlier crash's restart delay): the actors ran it
      // to its end, drained; its work is discarded and the run goes back to its last checkpoint.
      restart = new Restart(lost, Math.max(lost.atNs(), previousEnd), e);
      return null;
    }
    if (drainEvery) {
      HopCrash c = crashWithin(previousEnd, epochEnds.get(e));
      if (c != null) {
        return redo(e, c, s);
      }
    }
    // An epoch without a device that completed it (drop-for-round) has its start as its last end.
    long lastFinish = s.finished == 0 ? previousEnd : 0;
    long end = epochEnd(s);
    List<DeviceEpoch> rows = new ArrayList<>();
    for (int d = 0; d < plan.devices(); d++) {
      Supervisor.ModelReceived m = s.received[d];
      if (m == null) {
        continue; // given up, or out since an earlier epoch
      }
      lastFinish = Math.max(lastFinish, s.finish[d]);
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
            // By device id: Map.copyOf's order changes from one JVM to the next, and the rows
            // (deadline events, devices.csv) follow this map's.
            java.util.Collections.unmodifiableMap(new TreeMap<>(s.missed)));
    recordedHere++;
    if (setup.keepEpochs()) {
      results.add(epoch);
    }
    // Epoch e is recorded: only its end and later ones are read from now on (the next epochs'
    // deadlines and completion; a crash's restore puts its checkpoint's end back), so older ends
    // go, e - 1's kept as a margin; every epoch's stayed, a run-long map.
    epochEnds.keySet().removeIf(k -> k < e - 1);
    double wall = (System.nanoTime() - wallStartNs) / 1e9;
    Map<Integer, Long> starts = deviceStarts.remove(e);
    Map<Integer, Long> next = deviceStarts.get(e + 1);
    // Not decided before the rows of epoch R - 1 (R's start unknown): not empty then, not kept. A
    // window of no such R (mixedRound 0) is never empty here, and not kept either: keeping its -1
    // put an entry per fault and device into every State and checkpoint.
    EmptyWindows empty =
        (i, d) -> {
          if (i >= setup.faults().size()) {
            return -1; // a hang given besides the list (silenceFaults): no end, never empty
          }
          Settings.Fault f = setup.faults().get(i);
          int r = f.mixedRound();
          if (r <= 0 || r > e + 1) {
            return -1;
          }
          return emptyWindows
              .computeIfAbsent(i, k -> new TreeMap<>())
              .computeIfAbsent(d, k -> emptyUntil(f, d, epoch, starts, next));
        };
    // Every window ending at this epoch is decided by its rows at the latest, so that a checkpoint
    // after it holds the decision the later rows (its fault row at T) take.
    for (int i = 0; i < setup.faults().size(); i++) {
      Settings.Fault f = setup.faults().get(i);
      if (f.mixedRound() == e) {
        for (int d : f.devices()) {
          empty.until(i, d);
        }
      }
    }
    long rowsFrom = rowsFromNs >= 0 ? rowsFromNs : epoch.startNs();
    rowsFromNs = -1;
    PipelineLinkFaults.rows(setup.faults(), epoch, starts, empty)
        .forEach(r -> recorder.tell(new Recorder.EventRecorded(r)));
    // The hangs given besides the list have their fault rows as listed ones, as the supervisor
    // families record a setup's hangs among its faults (FaultPlan.ofHangs).
    PipelineEmulation.epochRows(
            plan,
            silenceFaults,
            epoch,
            starts,
            rowsFrom,
            wall,
            setup.dropForRound(),
            empty,
            heldRecoveries,
            silenceFaults,
            silencesByDevice)
        .forEach(recorder::tell);
    previousEnd = end;
    states.remove(e);
    if (noneLeft == e + 1) {
      return NONE_LEFT;
    }
    if (e == plan.epochs()) {
      for (ActorRef<ComputeHop.Command> h : hops) {
        h.tell(new ComputeHop.Report(hopReplies));
      }
    } else if (Boolean.TRUE.equals(s.checkpoint)) {
      takeCheckpoint(e, s);
    } else {
      return complete(e + 1);
    }
    return null;
  }
}
