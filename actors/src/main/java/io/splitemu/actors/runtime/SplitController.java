package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.SplitModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The supervisor of a per-device split run: at each round start it probes every device's links (on
 * copies of the links, so probes never delay training traffic), asks the policy for the round's
 * plans, runs the devices in parallel, runs the aggregation barrier when the plan has one, and
 * records the round.
 *
 * <p>In {@code full} fidelity it also owns the global model ({@link SplitTraining}): at each round
 * start it cuts the global model at every device's cut, installs the server slices as the
 * per-device server copies before any device starts, and hands each device its slice; at the round
 * end it collects the copies, averages device slice plus copy per device by FedAvg into the next
 * global model, and evaluates it every {@code eval-every} rounds.
 *
 * <p>Faults: a hung device answers {@link DeviceMissed}; the controller records it missing at the
 * emulated deadline (the request's instant plus {@code barrier.deadline}), goes on without it (the
 * round ends no earlier than that deadline), leaves it out of FedAvg and runs no later round on it.
 */
final class SplitController extends AbstractBehavior<SplitController.Command> {

  /** What the controller accepts. */
  interface Command {}

  /**
   * A device finished its steps (and its own model upload, if not at a barrier); {@code trained} is
   * null in timing fidelity.
   */
  record DeviceDone(SplitRun.DeviceRound round, Trained trained) implements Command {}

  /**
   * What a device's training left in a full-fidelity round.
   *
   * @param deviceTable the device slice's weights by name
   * @param lossSum the sum of the server copy's batch losses over its steps
   * @param steps steps taken
   * @param samples samples trained on (the FedAvg weight)
   */
  record Trained(Map<String, INDArray> deviceTable, double lossSum, int steps, long samples) {}

  /** A tensor step failed (a NaN loss, a refused tensor): the run stops with {@code message}. */
  record Failed(String message) implements Command {}

  /** The recorder has every row published before the run ended ({@code error} null if none). */
  private record Ended(String error) implements Command {}

  /** The server holds this round's copies: the devices may start. */
  record CopiesInstalled(int round) implements Command {}

  /** The weights of every server copy at the round's end, by device. */
  record CopiesCollected(Map<Integer, Map<String, INDArray>> tables) implements Command {}

  /**
   * What a device's transfers achieved so far this round: bytes and link nanoseconds weighted by
   * share, per direction (the latest report of a round counts).
   */
  record Achieved(int device, long bytesUp, double upShareNs, long bytesDown, double downShareNs)
      implements Command {}

  /** A device's model reached the server (upload) or the device (download) at {@code endNs}. */
  record ModelMoved(int device, long endNs, long linkNs, long bytes) implements Command {}

  /**
   * A hung device will not answer the controller's request of round {@code round} (an emulated
   * fault); {@code requestNs} is the later of the request and the instant the device went silent.
   */
  record DeviceMissed(int device, int round, long requestNs) implements Command {}

  private enum Phase {
    STEPS,
    UPLOAD,
    DOWNLOAD
  }

  private final Settings s;
  private final SplitPolicy policy;
  private final List<Emulation.LinkPair> probes;
  private final List<ActorRef<SplitDevice.Command>> devices;
  private final ActorRef<Recorder.Command> recorder;
  private final long wallStart;
  private final CompletableFuture<String> done;
  private final ActorRef<SplitServer.Command> server;
  private final SplitTraining training;
  private final Slice[] deviceSlices;
  private final TreeMap<Integer, Trained> trained = new TreeMap<>();
  private final String[] labels;
  private final TreeMap<Integer, SplitRun.DeviceRound> replies = new TreeMap<>();
  private final TreeMap<Integer, ModelMoved> uploads = new TreeMap<>();
  private final TreeMap<Integer, ModelMoved> downloads = new TreeMap<>();
  private final java.util.Map<Integer, Achieved> achieved = new java.util.HashMap<>();
  private List<SplitPolicy.DevicePlan> plans;
  private int round;
  private long startNs;
  // Devices still in the run, those the current phase waits for, and those given up this round
  // with their emulated deadlines; faults at an instant already recorded.
  private final java.util.TreeSet<Integer> alive = new java.util.TreeSet<>();
  private final java.util.TreeSet<Integer> pending = new java.util.TreeSet<>();
  private final TreeMap<Integer, Long> missedAt = new TreeMap<>();
  private final java.util.Set<Settings.Fault> faultsRecorded = new java.util.HashSet<>();
  private Phase phase;
  private long phaseGiveUpNs;
  private long barrierNs;

  static Behavior<Command> create(
      Settings s,
      SplitPolicy policy,
      List<Emulation.LinkPair> probes,
      List<ActorRef<SplitDevice.Command>> devices,
      ResultsWriter writer,
      RunListener listener,
      long wallStart,
      CompletableFuture<String> done,
      ActorRef<SplitServer.Command> server,
      SplitTraining training) {
    return Behaviors.setup(
        ctx ->
            new SplitController(
                ctx, s, policy, probes, devices, writer, listener, wallStart, done, server,
                training));
  }

  private SplitController(
      ActorContext<Command> ctx,
      Settings s,
      SplitPolicy policy,
      List<Emulation.LinkPair> probes,
      List<ActorRef<SplitDevice.Command>> devices,
      ResultsWriter writer,
      RunListener listener,
      long wallStart,
      CompletableFuture<String> done,
      ActorRef<SplitServer.Command> server,
      SplitTraining training) {
    super(ctx);
    this.server = server;
    this.training = training;
    this.deviceSlices = new Slice[devices.size()];
    this.s = s;
    this.policy = policy;
    this.probes = probes;
    this.devices = devices;
    this.recorder = ctx.spawn(Recorder.create(List.of(writer, listener)), "recorder");
    ctx.watch(recorder);
    this.wallStart = wallStart;
    this.done = done;
    this.labels = new String[devices.size()];
    for (int d = 0; d < devices.size(); d++) {
      alive.add(d);
    }
    for (Settings.Fault f : s.faults()) {
      if (!f.start().atRoundStart()) {
        devices.get(f.device()).tell(new SplitDevice.HangAt(f.start().atNs()));
      }
    }
    startRound();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(DeviceDone.class, this::onDeviceDone)
        .onMessage(ModelMoved.class, this::onModelMoved)
        .onMessage(Achieved.class, this::onAchieved)
        .onMessage(Failed.class, this::onFailed)
        .onMessage(CopiesInstalled.class, this::onCopiesInstalled)
        .onMessage(CopiesCollected.class, this::onCopiesCollected)
        .onMessage(DeviceMissed.class, this::onDeviceMissed)
        .onSignal(ChildFailed.class, this::onRecorderFailed)
        .build();
  }

  private void startRound() {
    round++;
    replies.clear();
    trained.clear();
    uploads.clear();
    downloads.clear();
    missedAt.clear();
    for (Settings.Fault f : s.faults()) {
      if (f.start().round() == round && alive.contains(f.device())) {
        // Hung from the round's start: nothing it sends this round reaches the server.
        devices.get(f.device()).tell(new SplitDevice.HangAt(startNs));
        event(
            startNs,
            "fault",
            "device-" + f.device(),
            "device-hang: device stops answering (scenario fault)");
      }
    }
    if (alive.isEmpty()) {
      getContext().getSelf().tell(new Failed("round " + round + ": no device is left to train"));
      return;
    }
    int n = devices.size();
    double[] upBps = new double[n];
    double[] downBps = new double[n];
    for (int d = 0; d < n; d++) {
      Emulation.LinkPair probe = probes.get(d);
      probe.up().round(round);
      probe.down().round(round);
      // The rates the device's own transfers achieved last round (the state it reports); a probe
      // of the idle link where it sent nothing (the first round, or an all-on-device split).
      Achieved a = achieved.get(d);
      upBps[d] =
          a != null && a.upShareNs() > 0
              ? 8.0 * a.bytesUp() / (a.upShareNs() / 1e9)
              : measure(probe.up());
      downBps[d] =
          a != null && a.downShareNs() > 0
              ? 8.0 * a.bytesDown() / (a.downShareNs() / 1e9)
              : measure(probe.down());
    }
    achieved.clear();
    try {
      plans = policy.plan(round, upBps, downBps);
    } catch (IllegalArgumentException e) {
      getContext().getSelf().tell(new Failed("round " + round + ": " + e.getMessage()));
      return;
    }
    for (int d = 0; d < n; d++) {
      SplitPolicy.DevicePlan p = plans.get(d);
      if (!p.label().equals(labels[d])) {
        labels[d] = p.label();
        recorder.tell(
            new Recorder.EventRecorded(
                SplitRun.event(
                    startNs,
                    round,
                    "replan",
                    "device-" + d,
                    p.label()
                        + "; "
                        + p.detail()
                        + "; link estimate up "
                        + SplitRun.fmt(upBps[d])
                        + " bit/s, down "
                        + SplitRun.fmt(downBps[d])
                        + " bit/s")));
      }
    }
    if (training == null) {
      runDevices();
      return;
    }
    // Every device gets the global model's device slice at its cut, and the server a copy of the
    // server slice at that cut per device; the devices start once the copies are in place, so no
    // job can reach the server before its copy.
    Map<Integer, Slice> copies = new HashMap<>();
    for (int d = 0; d < n; d++) {
      SplitModel split = training.split(Integer.parseInt(plans.get(d).cut()));
      deviceSlices[d] = split.slice(0);
      copies.put(d, split.slice(1));
    }
    server.tell(new SplitServer.Install(round, copies, getContext().getSelf()));
  }

  private Behavior<Command> onCopiesInstalled(CopiesInstalled m) {
    if (m.round() == round) {
      runDevices();
    }
    return this;
  }

  private void runDevices() {
    phase = Phase.STEPS;
    phaseGiveUpNs = Long.MIN_VALUE;
    pending.clear();
    pending.addAll(alive);
    for (int d : alive) {
      devices
          .get(d)
          .tell(
              new SplitDevice.RunRound(
                  round,
                  startNs,
                  plans.get(d),
                  s.batchSize(),
                  deviceSlices[d],
                  getContext().getSelf()));
    }
  }

  /**
   * The mean rate over the next {@link SplitRun#PROBE_WINDOW_NS} or so from the round start: a
   * probe of {@link SplitRun#PROBE_BYTES}, doubled until it lasts the window (packet traces deliver
   * in bursts, so a short probe would overestimate the rate a round's transfers see). Probes
   * measure an idle link and change nothing, so they never delay training traffic.
   */
  private double measure(LinkTiming link) {
    return SplitRun.probeRate(link, startNs);
  }

  private Behavior<Command> onAchieved(Achieved m) {
    achieved.put(m.device(), m);
    return this;
  }

  private void event(long ns, String kind, String subject, String detail) {
    recorder.tell(new Recorder.EventRecorded(SplitRun.event(ns, round, kind, subject, detail)));
  }

  private Behavior<Command> onFailed(Failed m) {
    return end(m.message());
  }

  private Behavior<Command> onRecorderFailed(ChildFailed f) {
    return end("recorder failed: " + f.getCause().getMessage());
  }

  /**
   * Ends the run: once the recorder has written every row this actor published (or failed, or does
   * not answer within a minute), reports {@code error} (null for a normal end) and stops.
   */
  private Behavior<Command> end(String error) {
    getContext()
        .ask(
            Recorder.Flushed.class,
            recorder,
            Duration.ofSeconds(60),
            Recorder.Flush::new,
            (ok, failure) ->
                new Ended(
                    failure == null || error != null
                        ? error
                        : "the recorder did not write the last rows: " + failure.getMessage()));
    return Behaviors.receive(Command.class)
        .onMessage(
            Ended.class,
            m -> {
              done.complete(m.error());
              return Behaviors.stopped();
            })
        .onSignal(
            ChildFailed.class,
            f -> {
              String why = "recorder failed: " + f.getCause().getMessage();
              done.complete(error != null ? error : why);
              return Behaviors.stopped();
            })
        // Another child stopping now (a server replaced at a re-cut just before the end) is no
        // reason to fail: the run is over.
        .onSignal(Terminated.class, t -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onDeviceDone(DeviceDone m) {
    replies.put(m.round().device(), m.round());
    if (m.trained() != null) {
      trained.put(m.round().device(), m.trained());
    }
    pending.remove(m.round().device());
    return pending.isEmpty() ? phaseDone() : this;
  }

  private Behavior<Command> onModelMoved(ModelMoved m) {
    (phase == Phase.UPLOAD ? uploads : downloads).put(m.device(), m);
    pending.remove(m.device());
    return pending.isEmpty() ? phaseDone() : this;
  }

  private Behavior<Command> onDeviceMissed(DeviceMissed m) {
    if (m.round() != round || !pending.remove(m.device())) {
      return this;
    }
    long at = m.requestNs() + s.barrierDeadline().toNanos();
    missedAt.put(m.device(), at);
    phaseGiveUpNs = Math.max(phaseGiveUpNs, at);
    replies.remove(m.device());
    trained.remove(m.device());
    uploads.remove(m.device());
    return pending.isEmpty() ? phaseDone() : this;
  }

  /**
   * Every device of the phase answered or was given up: on to the aggregation barrier's upload, its
   * download, or the round's end. A phase waits out the deadlines of the devices it gave up.
   */
  private Behavior<Command> phaseDone() {
    List<Integer> next = new ArrayList<>();
    for (int d : alive) {
      if (!missedAt.containsKey(d)) {
        next.add(d);
      }
    }
    if (next.isEmpty() || !plans.get(0).aggregateAtBarrier() || phase == Phase.DOWNLOAD) {
      return endRound();
    }
    long at = Math.max(startNs, phaseGiveUpNs);
    if (phase == Phase.STEPS) {
      for (SplitRun.DeviceRound r : replies.values()) {
        at = Math.max(at, r.endNs());
      }
      barrierNs = at;
    } else {
      at = Math.max(at, barrierNs);
      for (ModelMoved u : uploads.values()) {
        at = Math.max(at, u.endNs());
      }
    }
    phase = phase == Phase.STEPS ? Phase.UPLOAD : Phase.DOWNLOAD;
    phaseGiveUpNs = Long.MIN_VALUE;
    pending.addAll(next);
    for (int d : next) {
      devices
          .get(d)
          .tell(
              phase == Phase.UPLOAD
                  ? new SplitDevice.Aggregate(at, getContext().getSelf())
                  : new SplitDevice.Download(at, getContext().getSelf()));
    }
    return this;
  }

  private Behavior<Command> endRound() {
    if (training == null) {
      return record(Double.NaN, Double.NaN);
    }
    // Every job of the round was answered before its device reported, so the copies are final.
    server.tell(new SplitServer.Collect(getContext().getSelf()));
    return this;
  }

  /** FedAvg of device slice plus server copy per device, in device order; then evaluation. */
  private Behavior<Command> onCopiesCollected(CopiesCollected m) {
    List<Map<String, INDArray>> deviceTables = new ArrayList<>();
    List<Map<String, INDArray>> serverTables = new ArrayList<>();
    List<Long> samples = new ArrayList<>();
    double lossSum = 0;
    int steps = 0;
    for (Map.Entry<Integer, Trained> e : trained.entrySet()) {
      deviceTables.add(e.getValue().deviceTable());
      serverTables.add(m.tables().get(e.getKey()));
      samples.add(e.getValue().samples());
      lossSum += e.getValue().lossSum();
      steps += e.getValue().steps();
    }
    try {
      training.average(deviceTables, serverTables, samples);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return end("round " + round + ": aggregation failed: " + e.getMessage());
    }
    boolean evaluate = round % s.evalEvery() == 0 || round >= s.rounds();
    double accuracy = evaluate ? training.evaluate() : Double.NaN;
    return record(accuracy, steps == 0 ? Double.NaN : lossSum / steps);
  }

  private Behavior<Command> record(double accuracy, double trainLoss) {
    replies.keySet().removeAll(missedAt.keySet());
    List<SplitRun.DeviceRound> rows = new ArrayList<>(replies.values());
    StringBuilder cut = new StringBuilder();
    for (int d = 0; d < plans.size(); d++) {
      cut.append(d == 0 ? "" : ";").append(plans.get(d).cut());
    }
    long end = startNs;
    for (int d : alive) {
      SplitRun.DeviceRound r = replies.get(d);
      if (r == null) {
        recorder.tell(
            new Recorder.DeviceRecorded(SplitRun.missedRow(round, d, plans.get(d).cut())));
        continue;
      }
      ModelMoved u = uploads.get(r.device());
      ModelMoved w = downloads.get(r.device());
      SplitRun.DeviceRound full =
          u == null ? r : r.withAggregation(u.linkNs(), u.bytes(), w.linkNs(), w.bytes());
      recorder.tell(
          new Recorder.DeviceRecorded(
              SplitRun.deviceRow(round, full, plans.get(r.device()).cut())));
      end = Math.max(end, w != null ? w.endNs() : r.endNs());
    }
    // The server gives up on a hung device at its deadline, which may end the round.
    for (Map.Entry<Integer, Long> e : missedAt.entrySet()) {
      end = Math.max(end, e.getValue());
    }
    for (Settings.Fault f : s.faults()) {
      if (!f.start().atRoundStart() && f.start().atNs() < end && faultsRecorded.add(f)) {
        event(
            f.start().atNs(),
            "fault",
            "device-" + f.device(),
            "device-hang: device stops answering (scenario fault at "
                + f.start().atNs() / 1e9
                + " s)");
      }
    }
    for (Map.Entry<Integer, Long> e : missedAt.entrySet()) {
      event(
          e.getValue(),
          "deadline",
          "device-" + e.getKey(),
          "no answer by barrier.deadline; dropped from the round, FedAvg and later rounds");
      alive.remove(e.getKey());
    }
    RoundRecord row =
        SplitRun.roundRow(
            s,
            round,
            startNs,
            end,
            rows,
            missedAt.size(),
            cut.toString(),
            accuracy,
            trainLoss,
            (System.nanoTime() - wallStart) / 1e9);
    recorder.tell(new Recorder.RoundCompleted(row));
    startNs = end;
    boolean reached = !Double.isNaN(accuracy) && accuracy >= s.targetAccuracy();
    if (round >= s.rounds() || (s.stopAtTarget() && reached)) {
      return end(null);
    }
    startRound();
    return this;
  }
}
