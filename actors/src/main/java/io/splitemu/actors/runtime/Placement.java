package io.splitemu.actors.runtime;

import io.splitemu.actors.pipeline.ComputeHop;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Where a run's devices and edge server (MP-SL: its hops) live: children of the supervisor in one
 * JVM ({@link #LOCAL}), or sharded entities and a spawned server or hops on the members of a
 * cluster ({@link ClusterPlacement}). The supervisor talks to either through the same references.
 */
public interface Placement {

  /**
   * The reference the supervisor sends device {@code id}'s commands to; {@code local} is the
   * device's behavior built in this JVM (what one JVM spawns).
   */
  ActorRef<Device.Command> device(
      ActorContext<Supervisor.Command> ctx, int id, Behavior<Device.Command> local);

  /**
   * The edge server, or null when it comes later as {@link Supervisor.ServerPlaced}; {@code local}
   * is its behavior built in this JVM, {@code recorder} the run's recorder.
   */
  ActorRef<EdgeServer.Command> server(
      ActorContext<Supervisor.Command> ctx,
      Behavior<EdgeServer.Command> local,
      ActorRef<Recorder.Command> recorder);

  /**
   * MP-SL: whether the hops live elsewhere. False (one JVM): {@link PipelineControl} spawns them as
   * children of the supervisor. True: this asked a hops member to spawn every lane's hops with the
   * lane's downlink channel, wired to the devices and reporting to {@code replies}; the member
   * answers {@link Supervisor.HopsPlaced}, and the devices are addressed with {@link #device} and a
   * null local behavior (each is built on its member, after {@link #wirePipeline}).
   */
  default boolean placeHops(
      ActorContext<Supervisor.Command> ctx, ActorRef<ComputeHop.Reply> replies) {
    return false;
  }

  /**
   * MP-SL with placed hops: hands every devices member the hops ({@code hops}, every lane's chain
   * in plan order) and the supervisor, from which a member builds its pipeline devices; the
   * supervisor hears {@link Supervisor.PipelineWired} once all hold them, before any device is
   * addressed.
   */
  default void wirePipeline(
      ActorContext<Supervisor.Command> ctx, List<ActorRef<ComputeHop.Command>> hops) {
    throw new IllegalStateException("the hops of this run are children of the supervisor");
  }

  /**
   * MP-SL with placed hops, at the run's end: asks for the {@code placement} rows not told yet,
   * waiting (a bounded time) until every device of {@code awaited} has reported its start from its
   * member; the supervisor hears {@link Supervisor.PlacementSettled} with them. False: no row can
   * come late (one JVM, or a scheme whose devices are placed before the run).
   */
  default boolean settlePlacement(ActorContext<Supervisor.Command> ctx, Set<Integer> awaited) {
    return false;
  }

  /**
   * Whether a device of a lost member is re-created elsewhere from its state at the start of the
   * round it was lost in (a cluster's sharded devices: docs/cluster.md, "Losing a member"); the
   * supervisor then keeps each device's state at every round's start. False in one JVM, where no
   * member is lost.
   */
  default boolean rejoinsLostDevices() {
    return false;
  }

  /** Every actor a child of the supervisor, watched: a failure ends the run with its line. */
  Placement LOCAL =
      new Placement() {
        @Override
        public ActorRef<Device.Command> device(
            ActorContext<Supervisor.Command> ctx, int id, Behavior<Device.Command> local) {
          return Supervisor.watchedDevice(ctx, local, "device-" + id);
        }

        @Override
        public ActorRef<EdgeServer.Command> server(
            ActorContext<Supervisor.Command> ctx,
            Behavior<EdgeServer.Command> local,
            ActorRef<Recorder.Command> recorder) {
          return Supervisor.watched(ctx, local, "edge-server");
        }
      };
}
