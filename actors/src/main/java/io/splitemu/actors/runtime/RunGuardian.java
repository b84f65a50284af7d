package io.splitemu.actors.runtime;

import io.splitemu.model.wire.ClusterMessage;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.dungeon.SerializationCheckFailedException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.event.Logging;

/**
 * The guardian of a run's actor system: on {@link Start} it spawns the engine's actors, watches
 * each, and answers the asker once, with the engine's own result or, when one of its actors fails
 * or stops first, or a message to one is refused by the serializer, with a failure naming that
 * actor and the cause. A run therefore never hangs on a dead actor or a dropped message: after a
 * failure the engine has {@link #GRACE} to report a result of its own (its account of the failure
 * is the better one), then the guardian answers. Once it answered it ignores everything until its
 * owner ({@link Emulation#ask}) ends the system, which stops every actor.
 *
 * @param <R> the engine's result
 */
public final class RunGuardian<R> extends AbstractBehavior<RunGuardian.Command> {

  /** How long the engine may still report after one of its actors failed or stopped. */
  public static final Duration GRACE = Duration.ofSeconds(1);

  /** What the guardian accepts. */
  public sealed interface Command extends ClusterMessage {}

  /** Spawn the run's actors and answer {@code replyTo} when it ends. */
  public record Start<R>(ActorRef<R> replyTo) implements Command {}

  private record Done<R>(R result) implements Command {}

  private enum Grace implements Command {
    INSTANCE
  }

  /**
   * An error event of the system: {@code refused} is set when a send was refused by the serializer
   * (Pekko drops such a message and only logs it, so the run would wait forever).
   */
  private record ErrorLogged(String source, String refused) implements Command {}

  /** Spawns a run's actors as children of the guardian; they report the result to {@code done}. */
  @FunctionalInterface
  public interface Root<R> {
    /** Spawns the actors (children of {@code ctx}) that end by telling {@code done} the result. */
    void spawn(ActorContext<?> ctx, ActorRef<R> done);
  }

  private final TimerScheduler<Command> timers;
  private final Class<R> type;
  private final Root<R> root;
  private final Function<String, R> failure;
  private ActorRef<R> asker;
  private String failed;

  /**
   * A guardian for a run whose result is of {@code type}; {@code failure} makes the result that
   * reports a failure from its one-line description. It keeps running once it answered, so that its
   * system ends only when its owner ends it ({@link Emulation#ask}): a cluster member's guardian
   * stopping would terminate the system at once, before the member has left the cluster.
   */
  public static <R> Behavior<Command> create(
      Class<R> type, Root<R> root, Function<String, R> failure) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(t -> new RunGuardian<>(ctx, t, type, root, failure)));
  }

  private RunGuardian(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      Class<R> type,
      Root<R> root,
      Function<String, R> failure) {
    super(ctx);
    this.timers = timers;
    this.type = type;
    this.root = root;
    this.failure = failure;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Done.class, this::onDone)
        .onMessageEquals(Grace.INSTANCE, this::onGrace)
        .onMessage(ErrorLogged.class, this::onErrorLogged)
        .onSignal(ChildFailed.class, f -> onStopped(f.getRef(), oneLine(f.getCause())))
        .onSignal(Terminated.class, t -> onStopped(t.getRef(), null))
        .build();
  }

  @SuppressWarnings("unchecked")
  private Behavior<Command> onStart(Start<?> m) {
    asker = (ActorRef<R>) m.replyTo();
    ActorRef<R> done = getContext().messageAdapter(type, Done::new);
    ActorRef<Logging.Error> errors =
        getContext().messageAdapter(Logging.Error.class, RunGuardian::errorLogged);
    // The classic stream subscribes at once (the typed one by a message, which could come after
    // a refusal in the first instants of the run).
    Adapter.toClassic(getContext().getSystem())
        .getEventStream()
        .subscribe(Adapter.toClassic(errors), Logging.Error.class);
    root.spawn(getContext(), done);
    getContext().getChildren().forEach(c -> getContext().watch(c));
    return this;
  }

  private Behavior<Command> onDone(Done<?> d) {
    asker.tell(type.cast(d.result()));
    return answered();
  }

  // Once answered, nothing else is: it ignores all until its owner ends the system.
  private Behavior<Command> answered() {
    timers.cancelAll();
    // Its children's ends are signals, not failures, from now on (no death pact).
    return Behaviors.receive(Command.class)
        .onAnyMessage(m -> Behaviors.same())
        .onSignal(org.apache.pekko.actor.typed.Signal.class, sig -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onStopped(ActorRef<Void> who, String cause) {
    if (failed == null) {
      failed = who.path().name() + (cause == null ? " stopped" : " failed: " + cause);
      timers.startSingleTimer(Grace.INSTANCE, GRACE);
    }
    return this;
  }

  private static ErrorLogged errorLogged(Logging.Error e) {
    Throwable t = e.cause();
    String oversized = oversized(t);
    if (oversized != null) {
      return new ErrorLogged(e.logSource(), oversized);
    }
    if (!(t instanceof SerializationCheckFailedException)) {
      return new ErrorLogged(e.logSource(), null);
    }
    SerializationCheckFailedException f = (SerializationCheckFailedException) t;
    String why = t.getCause() == null ? oneLine(t) : oneLine(t.getCause());
    return new ErrorLogged(
        e.logSource(), "a " + f.msg().getClass().getName() + " was refused: " + why);
  }

  private Behavior<Command> onErrorLogged(ErrorLogged e) {
    if (e.refused() != null && failed == null) {
      String who = e.source().substring(e.source().lastIndexOf('/') + 1);
      failed =
          e.refused().startsWith("a message above")
              ? e.refused()
              : "a message to " + who + " failed: " + e.refused();
      timers.startSingleTimer(Grace.INSTANCE, GRACE);
    }
    return this;
  }

  private Behavior<Command> onGrace() {
    asker.tell(failure.apply(failed));
    return answered();
  }

  /**
   * The one line for a message Artery dropped because it is larger than a frame (it only logs that,
   * so the run would wait for the reply), or null when {@code t} is something else.
   */
  public static String oversized(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.apache.pekko.remote.OversizedPayloadException) {
        return "a message above splitemu.cluster.maximum-frame-size was dropped: "
            + oneLine(c)
            + "; raise the frame size on every member";
      }
    }
    return null;
  }

  /**
   * The one line for a message Artery dropped because a queue to another member was full (it only
   * publishes that as a dead letter, so the run would wait for the reply), or null when {@code d}
   * was dropped for another reason: a burst of messages (commands to thousands of devices) over the
   * send queue, or of system messages (remote watches) over the control queue, after which Artery
   * has also quarantined the member.
   */
  public static String overflowed(org.apache.pekko.actor.Dropped d) {
    String reason = d.reason() == null ? "" : d.reason().strip();
    if (!reason.startsWith("Due to overflow of")) {
      return null;
    }
    String what = d.message() == null ? "message" : d.message().getClass().getSimpleName();
    if (d.message() instanceof org.apache.pekko.dispatch.sysmsg.SystemMessage) {
      return "a burst of system messages (remote watches) overflowed Artery's control queue and a "
          + what
          + " was dropped ("
          + reason
          + "), which quarantines the member; raise"
          + " pekko.remote.artery.advanced.outbound-control-queue-size on every member";
    }
    return "a burst of messages overflowed Artery's send queue and a "
        + what
        + " was dropped ("
        + reason
        + "); raise splitemu.cluster.send-queue-size on every member";
  }

  /** A throwable's message on one line, or its class name when it has none. */
  public static String oneLine(Throwable t) {
    String m = t.getMessage();
    String text = m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    int nl = text.indexOf('\n');
    return (nl < 0 ? text : text.substring(0, nl)).strip();
  }
}
