package io.splitemu.actors.runtime;

import io.splitemu.model.wire.ClusterMessage;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The guardian of a run's actor system: on {@link Start} it spawns the engine's actors, watches
 * each, and answers the asker once, with the engine's own result or, when one of its actors fails
 * or stops first, with a failure naming that actor and the cause. A run therefore never hangs on a
 * dead actor: after a failure the engine has {@link #GRACE} to report a result of its own (its
 * account of the failure is the better one), then the guardian answers and stops everything.
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
   * reports a failure from its one-line description.
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
        .onSignal(ChildFailed.class, f -> onStopped(f.getRef(), oneLine(f.getCause())))
        .onSignal(Terminated.class, t -> onStopped(t.getRef(), null))
        .build();
  }

  @SuppressWarnings("unchecked")
  private Behavior<Command> onStart(Start<?> m) {
    asker = (ActorRef<R>) m.replyTo();
    ActorRef<R> done = getContext().messageAdapter(type, Done::new);
    root.spawn(getContext(), done);
    getContext().getChildren().forEach(c -> getContext().watch(c));
    return this;
  }

  private Behavior<Command> onDone(Done<?> d) {
    asker.tell(type.cast(d.result()));
    return Behaviors.stopped();
  }

  private Behavior<Command> onStopped(ActorRef<Void> who, String cause) {
    if (failed == null) {
      failed = who.path().name() + (cause == null ? " stopped" : " failed: " + cause);
      timers.startSingleTimer(Grace.INSTANCE, GRACE);
    }
    return this;
  }

  private Behavior<Command> onGrace() {
    asker.tell(failure.apply(failed));
    return Behaviors.stopped();
  }

  /** A throwable's message on one line, or its class name when it has none. */
  public static String oneLine(Throwable t) {
    String m = t.getMessage();
    String text = m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    int nl = text.indexOf('\n');
    return (nl < 0 ? text : text.substring(0, nl)).strip();
  }
}
