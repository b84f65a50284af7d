package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.planner.dag.DagSplit;
import io.splitemu.planner.dag.SplitRates;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The supervisor of a DAG-split run: at each round start it measures every device's links with a
 * small probe (on copies of the links, so the probe never delays training traffic), re-plans the
 * device's split with the scheme's policy, runs the round on all devices in parallel and records
 * it.
 */
final class DagController extends AbstractBehavior<DagController.Command> {

  /** What the controller accepts. */
  interface Command {}

  /** A device finished its round. */
  record DeviceDone(DagSplitRun.DeviceRound round) implements Command {}

  private final Settings s;
  private final DagProfile dag;
  private final double[] flops;
  private final List<Emulation.LinkPair> probes;
  private final List<ActorRef<DagDevice.Command>> devices;
  private final ResultsWriter writer;
  private final RunListener listener;
  private final long wallStart;
  private final CompletableFuture<String> done;
  private final String[] labels;
  private final int[] deviceLayers;
  private final List<DagSplitRun.DeviceRound> replies = new ArrayList<>();
  private int round;
  private long startNs;

  static Behavior<Command> create(
      Settings s,
      DagProfile dag,
      double[] flops,
      List<Emulation.LinkPair> probes,
      List<ActorRef<DagDevice.Command>> devices,
      ResultsWriter writer,
      RunListener listener,
      long wallStart,
      CompletableFuture<String> done) {
    return Behaviors.setup(
        ctx ->
            new DagController(
                ctx, s, dag, flops, probes, devices, writer, listener, wallStart, done));
  }

  private DagController(
      ActorContext<Command> ctx,
      Settings s,
      DagProfile dag,
      double[] flops,
      List<Emulation.LinkPair> probes,
      List<ActorRef<DagDevice.Command>> devices,
      ResultsWriter writer,
      RunListener listener,
      long wallStart,
      CompletableFuture<String> done) {
    super(ctx);
    this.s = s;
    this.dag = dag;
    this.flops = flops;
    this.probes = probes;
    this.devices = devices;
    this.writer = writer;
    this.listener = listener;
    this.wallStart = wallStart;
    this.done = done;
    this.labels = new String[devices.size()];
    this.deviceLayers = new int[devices.size()];
    startRound();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(DeviceDone.class, this::onDeviceDone).build();
  }

  private void startRound() {
    round++;
    replies.clear();
    int n = devices.size();
    for (int d = 0; d < n; d++) {
      Emulation.LinkPair probe = probes.get(d);
      probe.up().round(round);
      probe.down().round(round);
      double upBps = measure(probe.up());
      double downBps = measure(probe.down());
      SplitRates rates =
          new SplitRates(flops[d], s.serverFlops() / n, upBps, downBps, s.batchSize());
      DagSplit split;
      try {
        split = DagSplitRun.plan(s.scheme(), dag, rates);
      } catch (IllegalArgumentException e) {
        fail("round " + round + ", device " + d + ": " + e.getMessage());
        return;
      }
      DagSplitRun.SplitCosts costs = DagSplitRun.SplitCosts.of(dag, split);
      deviceLayers[d] = split.deviceLayers().size();
      if (!costs.label().equals(labels[d])) {
        labels[d] = costs.label();
        writer.event(
            DagSplitRun.event(
                startNs,
                round,
                "replan",
                "device-" + d,
                costs.label()
                    + "; predicted "
                    + DagSplitRun.fmt(split.costSeconds())
                    + " s per iteration at up "
                    + DagSplitRun.fmt(upBps)
                    + " bit/s, down "
                    + DagSplitRun.fmt(downBps)
                    + " bit/s"));
      }
      devices
          .get(d)
          .tell(
              new DagDevice.RunRound(
                  round, startNs, costs, s.localSteps(), s.batchSize(), getContext().getSelf()));
    }
  }

  /** The rate a probe of {@link DagSplitRun#probeBytes()} achieves from the round start. */
  private double measure(LinkTiming link) {
    long bytes = DagSplitRun.probeBytes();
    long arrival = link.arrival(startNs, bytes, 1.0);
    long ns = Math.max(1, arrival - startNs);
    return 8.0 * bytes / (ns / 1e9);
  }

  private Behavior<Command> onDeviceDone(DeviceDone m) {
    replies.add(m.round());
    if (replies.size() < devices.size()) {
      return this;
    }
    replies.sort((a, b) -> Integer.compare(a.device(), b.device()));
    StringBuilder cut = new StringBuilder();
    for (int d = 0; d < deviceLayers.length; d++) {
      cut.append(d == 0 ? "" : ";").append(deviceLayers[d]);
    }
    for (DagSplitRun.DeviceRound r : replies) {
      writer.device(DagSplitRun.deviceRow(round, r, Integer.toString(deviceLayers[r.device()])));
    }
    RoundRecord row =
        DagSplitRun.roundRow(
            s, round, startNs, replies, cut.toString(), (System.nanoTime() - wallStart) / 1e9);
    writer.round(row);
    listener.onRound(row);
    long end = startNs;
    for (DagSplitRun.DeviceRound r : replies) {
      end = Math.max(end, r.endNs());
    }
    startNs = end;
    if (round >= s.rounds()) {
      done.complete(null);
      return Behaviors.stopped();
    }
    startRound();
    return done.isDone() ? Behaviors.stopped() : this;
  }

  private void fail(String why) {
    done.complete(why);
  }
}
