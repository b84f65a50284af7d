package io.splitemu.actors.runtime;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The edge server of a per-device split run: serves each device's server-side work at the compute
 * rate the plan gave that device (processor sharing by explicit shares), so devices never wait for
 * each other and the outcome does not depend on the order messages arrive in.
 */
final class SplitServer {

  /** What the server accepts. */
  interface Command {}

  /** The server-side forward and backward of one iteration of {@code device}. */
  record Job(
      int device,
      double flops,
      double flopsPerSecond,
      long arrivalNs,
      ActorRef<SplitDevice.Command> replyTo)
      implements Command {}

  private SplitServer() {}

  /** A server whose per-device rates come with each job. */
  static Behavior<Command> create() {
    Map<Integer, Long> busyUntil = new HashMap<>();
    return Behaviors.receive(Command.class)
        .onMessage(
            Job.class,
            j -> {
              long start = Math.max(j.arrivalNs(), busyUntil.getOrDefault(j.device(), 0L));
              long end = start + (long) Math.ceil(j.flops() / j.flopsPerSecond() * 1e9);
              busyUntil.put(j.device(), end);
              j.replyTo().tell(new SplitDevice.ServerDone(end, end - start));
              return Behaviors.same();
            })
        .build();
  }
}
