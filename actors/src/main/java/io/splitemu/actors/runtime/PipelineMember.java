package io.splitemu.actors.runtime;

import io.splitemu.actors.link.LinkChannel;
import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.pipeline.PipelinePlan;
import io.splitemu.net.stream.Pacing;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.stream.Materializer;

/**
 * An MP-SL run's part on a cluster member ({@link ClusterMember}): on a {@code hops} member every
 * lane's hops with the lane's downlink channel ({@link #hops}), on a {@code devices} member the
 * lanes' uplink channels and the chains from which its pipeline devices are built ({@link #wire},
 * {@link #device}).
 *
 * <p>Why the arrival instants are those of one JVM: a channel's lane is a device, and a lane's
 * transfers reach its {@link LinkTiming} in the order they enter the channel. A device's uplink
 * lane has one sender, the device itself, and its channel is on the device's member. Its downlink
 * lane has three (the lane's last hop sends activations, its first hop gradients, the supervisor
 * the aggregate); one channel per lane, on the hops' member, takes all three, the supervisor's
 * through the first hop ({@link ComputeHop.Download}). Each of a device's downloads is caused by
 * the delivery of the one before (one batch in flight: activations, then the device's gradient
 * upload, then the first hop's gradient, then the next batch's upload, and the aggregate follows
 * the device's model upload after its last gradient), so a lane's transfers enter its channel in
 * that causal order wherever the senders run, which is the one-JVM order. The hops' conservative
 * synchronisation makes their schedules independent of message arrival order, as in one JVM.
 */
final class PipelineMember {

  private final SupervisorSetup setup;
  // Whether this member holds the hops too (it spawned them, {@link #hops}, before any device is
  // wired): its devices' downlinks are then the very links of the hops' downlink channels here,
  // read as in one JVM (no copy to tell or to follow). Not every member with the hops role: only
  // the one the run's hops were placed on.
  private volatile boolean holdsHops;
  // A devices member's lanes' uplink channels with the chains and the supervisor, once wired.
  private volatile Wiring wiring;

  // Each device's lane and faults, indexed once (a scan per device built was O(N^2); issue 16);
  // a resumed run's devices' processors and which take part (null: the run's start).
  private record Wiring(
      List<List<ActorRef<ComputeHop.Command>>> chains,
      ActorRef<Supervisor.Command> supervisor,
      List<LinkChannel> uplinks,
      Materializer materializer,
      int[] laneOf,
      PipelineControl.FaultsByDevice faults,
      long[] cpuFreeAt,
      java.util.Set<Integer> participants) {}

  /** The MP-SL part of the run {@code setup} (whose pipeline is set) on this member. */
  PipelineMember(SupervisorSetup setup) {
    this.setup = setup;
  }

  /**
   * A devices member takes the chains ({@code hops}, every lane's in plan order) and the {@code
   * supervisor}, and opens its lanes' uplink channels on {@code materializer} (this run's own: it
   * stops at {@link #close}); a channel that fails tells {@code failed} its line. Its devices are
   * built from these when first addressed; a resumed run's ({@code resumed}, the checkpoint's
   * state; null at the run's start) with their links, processors and hangs from it, as {@link
   * PipelineControl} builds them in one JVM.
   */
  void wire(
      List<ActorRef<ComputeHop.Command>> hops,
      ActorRef<Supervisor.Command> supervisor,
      Materializer materializer,
      Consumer<String> failed,
      PipelineControl.State resumed) {
    PipelinePlan plan = setup.pipeline().plan();
    long[] cpuFreeAt = new long[plan.devices()];
    if (resumed != null) {
      // Before any transfer: each device's uplink (its lane of this member's channel), and its
      // own copy of its downlink unless this member holds the hops (whose channel's link it is,
      // restored with them).
      for (PipelineControl.DeviceState d : resumed.devices()) {
        setup.pipeline().uplinks().get(d.device()).restoreState(d.uplink());
        if (!holdsHops) {
          setup.pipeline().downlinks().get(d.device()).restoreState(d.downlink());
        }
        cpuFreeAt[d.device()] = d.cpuFreeAtNs();
      }
    }
    List<LinkChannel> uplinks = new ArrayList<>();
    for (int l = 0; l < plan.lanes().size(); l++) {
      // Every lane of the run: sharding, not this member, decides which devices live here.
      EdgeBands bands = PipelineControl.bands(setup.pipeline(), l);
      bands.open(
          plan.lanes().get(l).hops().get(0).name() + " ", Pacing.virtual(), materializer, failed);
      uplinks.add(bands.uplink());
      bands.downlink().close(); // a device's downloads come from the hops' member
    }
    wiring =
        new Wiring(
            PipelineControl.chains(plan, hops),
            supervisor,
            uplinks,
            materializer,
            laneOf(plan),
            new PipelineControl.FaultsByDevice(setup.pipeline().faults(), setup.hangs()),
            cpuFreeAt,
            resumed == null ? null : new java.util.HashSet<>(resumed.participants()));
  }

  /** Whether this devices member holds the chains ({@link #wire}). */
  boolean wired() {
    return wiring != null;
  }

  /** Device {@code id} in its pipeline role, sending through its lane's uplink channel here. */
  Behavior<Device.Command> device(int id) {
    Wiring w = wiring;
    if (w == null) {
      throw new IllegalStateException("device-" + id + " addressed before its pipeline wiring");
    }
    int lane = id >= 0 && id < w.laneOf().length ? w.laneOf()[id] : -1;
    if (lane < 0) {
      throw new IllegalArgumentException("device-" + id + " is in no lane of the plan");
    }
    return Device.create(
        PipelineControl.role(
            setup.pipeline(),
            w.faults(),
            id,
            w.chains().get(lane),
            w.supervisor(),
            w.uplinks().get(lane),
            w.cpuFreeAt()[id],
            // Given up before a resumed run's checkpoint: hung from its start, as in one JVM.
            w.participants() != null && !w.participants().contains(id),
            // A downlink channel on another member's hops: the device's link is a copy, told
            // the round starts it carries to the hops and following the state the downloads bring.
            !holdsHops));
  }

  /** Completes this member's channels at the run's end and stops their materializer. */
  void close() {
    Wiring w = wiring;
    if (w != null) {
      w.uplinks().forEach(LinkChannel::close);
      w.materializer().shutdown();
    }
  }

  /**
   * A hops member's part of run {@code run}: an actor that opens every lane's downlink channel on
   * its own materializer (they stop with it), spawns the lanes' hops as its watched children,
   * reaches the devices through local forwarders to the sharding {@code region}, wires the hops
   * (reports to {@code replies}), and tells {@code supervisor} the hops. A failed hop or channel is
   * told to {@code owner} in one line, as the supervisor would say it in one JVM. A resumed run's
   * hops and downlinks ({@code resumed}, the checkpoint's state; null at the run's start) start
   * from their states in it, as {@link PipelineControl} spawns them in one JVM.
   */
  Behavior<Void> hops(
      String run,
      ActorRef<ShardingEnvelope<Device.Command>> region,
      ActorRef<ComputeHop.Reply> replies,
      ActorRef<Supervisor.Command> supervisor,
      ActorRef<ClusterRun.Command> owner,
      PipelineControl.State resumed) {
    holdsHops = true; // before the chains are wired here (ClusterRun waits for HopsPlaced)
    return Behaviors.setup(
        ctx -> {
          PipelinePlan plan = setup.pipeline().plan();
          if (resumed != null) {
            // Before any transfer: the channels' lanes time the devices' downlinks.
            for (PipelineControl.DeviceState d : resumed.devices()) {
              setup.pipeline().downlinks().get(d.device()).restoreState(d.downlink());
            }
          }
          Materializer materializer = Materializer.createMaterializer(ctx);
          List<ActorRef<Device.Command>> devices = new ArrayList<>();
          for (int d = 0; d < plan.devices(); d++) {
            devices.add(ctx.spawn(forwarder(region, run + "/" + d), "device-" + d));
          }
          List<ActorRef<ComputeHop.Command>> placed = new ArrayList<>();
          int index = 0;
          for (int l = 0; l < plan.lanes().size(); l++) {
            PipelinePlan.Lane lane = plan.lanes().get(l);
            EdgeBands bands = PipelineControl.bands(setup.pipeline(), l);
            bands.open(
                lane.hops().get(0).name() + " ",
                Pacing.virtual(),
                materializer,
                // A failed downlink band ends the run as in one JVM (Supervisor.onChannelFailed).
                why ->
                    supervisor.tell(
                        new Supervisor.ChannelFailed(
                            why, PipelineControl.aggregateEpoch(bands.downlink()))));
            bands.uplink().close(); // a device's uploads go through its own member's channel
            for (int h = 0; h < lane.hops().size(); h++) {
              ComputeHop.State restored = resumed == null ? null : resumed.hops().get(index);
              index++;
              placed.add(
                  Supervisor.watched(
                      ctx,
                      PipelineControl.hop(plan, l, h, bands.downlink(), restored, 0),
                      lane.hops().get(h).name()));
            }
          }
          PipelineControl.wire(plan, PipelineControl.chains(plan, placed), devices::get, replies);
          supervisor.tell(new Supervisor.HopsPlaced(List.copyOf(placed)));
          return Behaviors.receive(Void.class)
              .onSignal(
                  ChildFailed.class,
                  f -> {
                    owner.tell(
                        new ClusterRun.MemberFailed(
                            Supervisor.failureLine(f.getRef().path().name(), f.getCause())));
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** A device's commands, wrapped for sharding: an entity's reference cannot be held. */
  private static Behavior<Device.Command> forwarder(
      ActorRef<ShardingEnvelope<Device.Command>> region, String entity) {
    return Behaviors.receive(Device.Command.class)
        .onMessage(
            Device.Command.class,
            c -> {
              region.tell(new ShardingEnvelope<>(entity, c));
              return Behaviors.same();
            })
        .build();
  }

  /** Each device's lane in {@code plan} (-1: none). */
  private static int[] laneOf(PipelinePlan plan) {
    int[] lanes = new int[plan.devices()];
    java.util.Arrays.fill(lanes, -1);
    for (int l = 0; l < plan.lanes().size(); l++) {
      for (int d : plan.lanes().get(l).devices()) {
        if (lanes[d] < 0) {
          lanes[d] = l; // the first lane that lists it, as the scan found it
        }
      }
    }
    return lanes;
  }
}
