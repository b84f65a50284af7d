package io.splitemu.actors.runtime;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A device of a DAG-split run: runs the iterations of a round on its own compute rate and links,
 * handing the server part of each iteration to the {@link DagServer}.
 */
final class DagDevice extends AbstractBehavior<DagDevice.Command> {

  /** What a device accepts. */
  interface Command {}

  /** Run {@code steps} iterations of batch {@code batch} from {@code startNs} with a split. */
  record RunRound(
      int round,
      long startNs,
      DagSplitRun.SplitCosts costs,
      int steps,
      int batch,
      ActorRef<DagController.Command> replyTo)
      implements Command {}

  /** The server finished its part of the current iteration at {@code endNs}. */
  record ServerDone(long endNs, long serverNs) implements Command {}

  private final int id;
  private final double flops;
  private final LinkTiming up;
  private final LinkTiming down;
  private final ActorRef<DagServer.Command> server;

  private RunRound current;
  private int step;
  private long now;
  private long computeNs;
  private long upNs;
  private long downNs;
  private long serverNs;
  private long bytesUp;
  private long bytesDown;

  static Behavior<Command> create(
      int id, double flops, LinkTiming up, LinkTiming down, ActorRef<DagServer.Command> server) {
    return Behaviors.setup(ctx -> new DagDevice(ctx, id, flops, up, down, server));
  }

  private DagDevice(
      ActorContext<Command> ctx,
      int id,
      double flops,
      LinkTiming up,
      LinkTiming down,
      ActorRef<DagServer.Command> server) {
    super(ctx);
    this.id = id;
    this.flops = flops;
    this.up = up;
    this.down = down;
    this.server = server;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RunRound.class, this::onRunRound)
        .onMessage(ServerDone.class, this::onServerDone)
        .build();
  }

  private Behavior<Command> onRunRound(RunRound m) {
    current = m;
    up.round(m.round());
    down.round(m.round());
    step = 0;
    now = m.startNs();
    computeNs = 0;
    upNs = 0;
    downNs = 0;
    serverNs = 0;
    bytesUp = 0;
    bytesDown = 0;
    return startIteration();
  }

  private Behavior<Command> startIteration() {
    if (step == current.steps()) {
      current
          .replyTo()
          .tell(
              new DagController.DeviceDone(
                  new DagSplitRun.DeviceRound(
                      id, now, computeNs, upNs, downNs, serverNs, bytesUp, bytesDown)));
      return this;
    }
    DagSplitRun.SplitCosts c = current.costs();
    int b = current.batch();
    now += compute(b * c.deviceForwardFlops());
    if (c.upBytes() > 0) {
      long bytes = (long) b * c.upBytes();
      long arrival = up.arrival(now, bytes, 1.0);
      upNs += arrival - now;
      bytesUp += bytes;
      now = arrival;
    }
    if (c.serverFlops() > 0) {
      server.tell(new DagServer.Job(id, b * c.serverFlops(), now, getContext().getSelf()));
      return this;
    }
    return finishIteration();
  }

  private Behavior<Command> onServerDone(ServerDone m) {
    serverNs += m.serverNs();
    now = m.endNs();
    return finishIteration();
  }

  private Behavior<Command> finishIteration() {
    DagSplitRun.SplitCosts c = current.costs();
    int b = current.batch();
    if (c.downBytes() > 0) {
      long bytes = (long) b * c.downBytes();
      long arrival = down.arrival(now, bytes, 1.0);
      downNs += arrival - now;
      bytesDown += bytes;
      now = arrival;
    }
    now += compute(b * c.deviceBackwardFlops());
    step++;
    return startIteration();
  }

  private long compute(double work) {
    long ns = (long) Math.ceil(work / flops * 1e9);
    computeNs += ns;
    return ns;
  }
}
