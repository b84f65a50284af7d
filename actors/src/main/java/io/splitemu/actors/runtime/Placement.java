package io.splitemu.actors.runtime;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Where a run's devices and edge server live: children of the supervisor in one JVM ({@link
 * #LOCAL}), or sharded entities and a spawned server on the members of a cluster ({@link
 * ClusterPlacement}). The supervisor talks to either through the same references.
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

  /** Every actor a child of the supervisor, watched: a failure ends the run with its line. */
  Placement LOCAL =
      new Placement() {
        @Override
        public ActorRef<Device.Command> device(
            ActorContext<Supervisor.Command> ctx, int id, Behavior<Device.Command> local) {
          return Supervisor.watched(ctx, local, "device-" + id);
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
