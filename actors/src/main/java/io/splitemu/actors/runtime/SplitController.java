package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.nn.SplitModel;
import io.splitemu.model.wire.ClusterMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
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
 */
final class SplitController extends AbstractBehavior<SplitController.Command> {

  /** What the controller accepts. */
  interface Command extends ClusterMessage {}

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

  private final Settings s;
  private final SplitPolicy policy;
  private final List<Emulation.LinkPair> probes;
  private final List<ActorRef<SplitDevice.Command>> devices;
  private final ResultsWriter writer;
  private final RunListener listener;
  private final long wallStart;
  private final ActorRef<SplitRun.Ended> done;
  private boolean ended;
  private final ActorRef<SplitServer.Command> server;
  private final SplitTraining training;
  // This round's device-side weights per device (null in timing fidelity).
  private final INDArray[] deviceParams;
  private final TreeMap<Integer, Trained> trained = new TreeMap<>();
  private final String[] labels;
  private final TreeMap<Integer, SplitRun.DeviceRound> replies = new TreeMap<>();
  private final TreeMap<Integer, ModelMoved> uploads = new TreeMap<>();
  private final TreeMap<Integer, ModelMoved> downloads = new TreeMap<>();
  private final java.util.Map<Integer, Achieved> achieved = new java.util.HashMap<>();
  private List<SplitPolicy.DevicePlan> plans;
  private int round;
  private long startNs;

  static Behavior<Command> create(
      Settings s,
      SplitPolicy policy,
      List<Emulation.LinkPair> probes,
      List<ActorRef<SplitDevice.Command>> devices,
      ResultsWriter writer,
      RunListener listener,
      long wallStart,
      ActorRef<SplitRun.Ended> done,
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
      ActorRef<SplitRun.Ended> done,
      ActorRef<SplitServer.Command> server,
      SplitTraining training) {
    super(ctx);
    this.server = server;
    this.training = training;
    this.deviceParams = new INDArray[devices.size()];
    this.s = s;
    this.policy = policy;
    this.probes = probes;
    this.devices = devices;
    this.writer = writer;
    this.listener = listener;
    this.wallStart = wallStart;
    this.done = done;
    this.labels = new String[devices.size()];
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
        .build();
  }

  private void startRound() {
    round++;
    replies.clear();
    trained.clear();
    uploads.clear();
    downloads.clear();
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
      end("round " + round + ": " + e.getMessage());
      return;
    }
    for (int d = 0; d < n; d++) {
      SplitPolicy.DevicePlan p = plans.get(d);
      if (!p.label().equals(labels[d])) {
        labels[d] = p.label();
        writer.event(
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
                    + " bit/s"));
      }
    }
    if (training == null) {
      runDevices();
      return;
    }
    // Every device gets the global model's device-side weights at its cut, and the server the
    // server-side weights at that cut per device, each to rebuild its slice from; the devices
    // start once the copies are in place, so no job can reach the server before its copy.
    Map<Integer, Integer> cuts = new HashMap<>();
    Map<Integer, INDArray> copies = new HashMap<>();
    for (int d = 0; d < n; d++) {
      int cut = Integer.parseInt(plans.get(d).cut());
      SplitModel split = training.split(cut);
      deviceParams[d] = split.slice(0).params();
      cuts.put(d, cut);
      copies.put(d, split.slice(1).params());
    }
    server.tell(new SplitServer.Install(round, cuts, copies, getContext().getSelf()));
  }

  private Behavior<Command> onCopiesInstalled(CopiesInstalled m) {
    if (m.round() == round && !ended) {
      runDevices();
    }
    return this;
  }

  private void runDevices() {
    for (int d = 0; d < devices.size(); d++) {
      devices
          .get(d)
          .tell(
              new SplitDevice.RunRound(
                  round,
                  startNs,
                  plans.get(d),
                  s.batchSize(),
                  deviceParams[d],
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
    long bytes = SplitRun.PROBE_BYTES;
    long ns;
    while (true) {
      ns = Math.max(1, link.probe(startNs, bytes) - startNs);
      if (ns >= SplitRun.PROBE_WINDOW_NS || bytes >= SplitRun.PROBE_MAX_BYTES) {
        break;
      }
      bytes *= 2;
    }
    return 8.0 * bytes / (ns / 1e9);
  }

  private Behavior<Command> onAchieved(Achieved m) {
    achieved.put(m.device(), m);
    return this;
  }

  private Behavior<Command> onFailed(Failed m) {
    end(m.message());
    return Behaviors.stopped();
  }

  /** Tells the run's owner that it ended ({@code error} null when normally); only once. */
  private void end(String error) {
    if (!ended) {
      ended = true;
      done.tell(new SplitRun.Ended(error));
    }
  }

  private Behavior<Command> onDeviceDone(DeviceDone m) {
    replies.put(m.round().device(), m.round());
    if (m.trained() != null) {
      trained.put(m.round().device(), m.trained());
    }
    if (replies.size() < devices.size()) {
      return this;
    }
    if (!plans.get(0).aggregateAtBarrier()) {
      return endRound();
    }
    long barrier = startNs;
    for (SplitRun.DeviceRound r : replies.values()) {
      barrier = Math.max(barrier, r.endNs());
    }
    for (ActorRef<SplitDevice.Command> d : devices) {
      d.tell(new SplitDevice.Aggregate(barrier, getContext().getSelf()));
    }
    return this;
  }

  private Behavior<Command> onModelMoved(ModelMoved m) {
    if (uploads.size() < devices.size()) {
      uploads.put(m.device(), m);
      if (uploads.size() == devices.size()) {
        long all = startNs;
        for (ModelMoved u : uploads.values()) {
          all = Math.max(all, u.endNs());
        }
        for (ActorRef<SplitDevice.Command> d : devices) {
          d.tell(new SplitDevice.Download(all, getContext().getSelf()));
        }
      }
      return this;
    }
    downloads.put(m.device(), m);
    return downloads.size() == devices.size() ? endRound() : this;
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
      end("round " + round + ": aggregation failed: " + e.getMessage());
      return Behaviors.stopped();
    }
    boolean evaluate = round % s.evalEvery() == 0 || round >= s.rounds();
    double accuracy = evaluate ? training.evaluate() : Double.NaN;
    return record(accuracy, steps == 0 ? Double.NaN : lossSum / steps);
  }

  private Behavior<Command> record(double accuracy, double trainLoss) {
    List<SplitRun.DeviceRound> rows = new ArrayList<>(replies.values());
    StringBuilder cut = new StringBuilder();
    for (int d = 0; d < plans.size(); d++) {
      cut.append(d == 0 ? "" : ";").append(plans.get(d).cut());
    }
    long end = startNs;
    for (SplitRun.DeviceRound r : rows) {
      ModelMoved u = uploads.get(r.device());
      ModelMoved w = downloads.get(r.device());
      SplitRun.DeviceRound full =
          u == null ? r : r.withAggregation(u.linkNs(), u.bytes(), w.linkNs(), w.bytes());
      writer.device(SplitRun.deviceRow(round, full, plans.get(r.device()).cut()));
      end = Math.max(end, w != null ? w.endNs() : r.endNs());
    }
    RoundRecord row =
        SplitRun.roundRow(
            s,
            round,
            startNs,
            end,
            rows,
            cut.toString(),
            accuracy,
            trainLoss,
            (System.nanoTime() - wallStart) / 1e9);
    writer.round(row);
    listener.onRound(row);
    startNs = end;
    boolean reached = !Double.isNaN(accuracy) && accuracy >= s.targetAccuracy();
    if (round >= s.rounds() || (s.stopAtTarget() && reached)) {
      end(null);
      return Behaviors.stopped();
    }
    startRound();
    return ended ? Behaviors.stopped() : this;
  }
}
