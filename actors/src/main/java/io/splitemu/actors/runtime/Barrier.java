package io.splitemu.actors.runtime;

import io.splitemu.actors.wire.Chunks;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.net.stream.PacingLag;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A short-lived child that waits for one reply from each participant of a step, watching those in
 * its JVM, and answers its parent with a typed {@link Completed} or {@link Failed}; a participant
 * that misses the step (an emulated fault: it answers {@link Missed}) or stops is an outcome, not a
 * crash (the DeviceGroupQuery pattern). A participant that sends nothing at all within the
 * wall-clock timeout is a real hang of the host, answered {@link TimedOut}.
 *
 * <p>Replies are kept in participant order, so what the parent does with them does not depend on
 * the wall-clock order in which they arrived.
 *
 * @param <T> the reply payload
 */
public final class Barrier<T> extends AbstractBehavior<Barrier.Command> {

  /** What a barrier accepts. */
  public interface Command extends ClusterMessage {}

  /** A participant's reply. */
  public record Reply<T>(int participant, T value) implements Command {}

  /**
   * A participant will not answer this step: it is hung by an emulated fault. The emulation knows
   * that the reply will never come, so the barrier need not wait on the wall clock to learn it.
   * {@code lost}: it is no device that missed the step but a cluster device entity that sharding
   * re-created on another member without its state (its member left or was lost): the device is
   * lost with its member, which the run learns of by its report (docs/cluster.md, "Losing a
   * member"), not given up at a deadline.
   */
  public record Missed(int participant, long silentSinceNs, boolean lost) implements Command {
    /** A device that missed the step (an emulated fault, or a crashed device's reference). */
    public Missed(int participant, long silentSinceNs) {
      this(participant, silentSinceNs, false);
    }
  }

  private record Terminated(int participant) implements Command {}

  private enum Timeout implements Command {
    INSTANCE
  }

  /** What the barrier tells its parent. */
  public sealed interface Outcome<T> extends ClusterMessage permits Completed, Failed, TimedOut {
    /** The barrier's id, as given at creation. */
    long id();

    /** The replies received, by participant id. */
    Map<Integer, T> replies();
  }

  /** Every participant replied. */
  public record Completed<T>(long id, Map<Integer, T> replies) implements Outcome<T> {}

  /**
   * Some participants missed the step (emulated) or stopped; {@code silentSinceNs} gives, for those
   * that missed it, the emulated instant from which they stopped answering; {@code lost}, those of
   * them that answered as re-created without their state ({@link Missed#lost}).
   */
  public record Failed<T>(
      long id,
      Map<Integer, T> replies,
      Set<Integer> missing,
      String reason,
      Map<Integer, Long> silentSinceNs,
      Set<Integer> lost)
      implements Outcome<T> {}

  /** Some participants sent nothing within the wall-clock timeout: the host, not the emulation. */
  public record TimedOut<T>(long id, Map<Integer, T> replies, Set<Integer> pending, String reason)
      implements Outcome<T> {}

  private final long id;
  private final Class<? extends T> type;
  // By device id: arrays from the least participant's id where the ids are dense (a psl visit of a
  // million devices, issue 16; sl's one-device barriers keep one slot), else the trees (a cluster
  // of scattered ids would make each barrier allocate and walk the span between them).
  private final Set<Integer> pending;
  private final Map<Integer, T> replies;
  private final ActorRef<Outcome<T>> parent;
  private final Set<Integer> stopped;
  private final Map<Integer, Long> missed;
  // Of those that missed the step, the ones re-created without their state (Missed.lost): few.
  private final Set<Integer> lost = new TreeSet<>();
  private final TimerScheduler<Command> timers;
  private final Duration timeout;
  private final PacingLag schedule;

  /**
   * Creates a barrier.
   *
   * @param id echoed in the outcome (for instance a step number)
   * @param type what a participant answers; any other answer fails the barrier (a bug)
   * @param participants participant id to the actor to watch
   * @param timeout wall-clock time to wait for the last reply or {@link Missed}
   * @param schedule a paced run's held emissions (null: a virtual run). A paced reply reaches the
   *     barrier only when the wall clock reaches its emulated instant / speedup, so a long phase
   *     outlasts {@code timeout} without a hang: while emissions are held and none is overdue by
   *     {@code timeout}, the run is waiting on its schedule, and the timeout starts again.
   * @param parent where the outcome goes
   */
  public static <T> Behavior<Command> create(
      long id,
      Class<? extends T> type,
      Map<Integer, ? extends ActorRef<?>> participants,
      Duration timeout,
      PacingLag schedule,
      ActorRef<Outcome<T>> parent) {
    // A reply above the frame (a device's model, activations) comes in parts.
    return Chunks.reassembling(
        Command.class,
        Behaviors.setup(
            ctx -> {
              if (participants.isEmpty()) {
                // Nobody to wait for (a visit whose devices were all lost): complete at once, not
                // at the wall-clock timeout, which would call the host stuck.
                parent.tell(new Completed<>(id, new TreeMap<>()));
                return Behaviors.stopped();
              }
              return Behaviors.withTimers(
                  timers ->
                      new Barrier<T>(
                          ctx, timers, id, type, participants, timeout, schedule, parent));
            }));
  }

  private Barrier(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      long id,
      Class<? extends T> type,
      Map<Integer, ? extends ActorRef<?>> participants,
      Duration timeout,
      PacingLag schedule,
      ActorRef<Outcome<T>> parent) {
    super(ctx);
    this.id = id;
    this.timers = timers;
    this.timeout = timeout;
    this.schedule = schedule;
    this.type = type;
    this.parent = parent;
    int least = Integer.MAX_VALUE;
    int most = Integer.MIN_VALUE;
    for (int pid : participants.keySet()) {
      least = Math.min(least, pid);
      most = Math.max(most, pid);
    }
    boolean dense = least >= 0 && (long) most - least < 2L * participants.size() + 16;
    this.pending = dense ? new IdSet(least) : new TreeSet<>();
    this.replies = dense ? new IdMap<>(least) : new TreeMap<>();
    this.stopped = dense ? new IdSet(least) : new TreeSet<>();
    this.missed = dense ? new IdMap<>(least) : new TreeMap<>();
    this.pending.addAll(participants.keySet());
    participants.forEach(
        (pid, ref) -> {
          // Only a participant in this JVM: a watch across JVMs is two system messages per
          // participant and phase (10,000 devices overflow Artery's system-message buffer, which
          // quarantines the member), and a cluster learns of a failed device from its member
          // (ClusterRun.MemberFailed), which ends the run, not from a watch.
          if (ref.path().address().hasLocalScope()) {
            ctx.watchWith(ref, new Terminated(pid));
          }
        });
    timers.startSingleTimer(Timeout.INSTANCE, timeout);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Reply.class, this::onReply)
        .onMessage(Missed.class, this::onMissed)
        .onMessage(Terminated.class, this::onTerminated)
        .onMessageEquals(Timeout.INSTANCE, this::onTimeout)
        .build();
  }

  private Behavior<Command> onReply(Reply<?> r) {
    if (!type.isInstance(r.value())) {
      throw new IllegalArgumentException(
          "participant "
              + r.participant()
              + " answered a "
              + (r.value() == null ? "null" : r.value().getClass().getSimpleName())
              + ", not a "
              + type.getSimpleName());
    }
    if (pending.remove(r.participant())) {
      replies.put(r.participant(), type.cast(r.value()));
    }
    return checkDone();
  }

  private Behavior<Command> onMissed(Missed m) {
    if (pending.remove(m.participant())) {
      missed.put(m.participant(), m.silentSinceNs());
      if (m.lost()) {
        lost.add(m.participant());
      }
    }
    return checkDone();
  }

  private Behavior<Command> onTerminated(Terminated t) {
    if (pending.remove(t.participant())) {
      stopped.add(t.participant());
    }
    return checkDone();
  }

  private Behavior<Command> onTimeout() {
    if (schedule != null && schedule.waitingOnSchedule(timeout.toNanos())) {
      timers.startSingleTimer(Timeout.INSTANCE, timeout); // waiting on the schedule, not hung
      return this;
    }
    parent.tell(
        new TimedOut<>(
            id,
            new TreeMap<>(replies),
            new TreeSet<>(pending),
            "no reply within the wall-clock barrier.timeout from " + pending));
    return Behaviors.stopped();
  }

  private Behavior<Command> checkDone() {
    if (!pending.isEmpty()) {
      return this;
    }
    if (stopped.isEmpty() && missed.isEmpty()) {
      parent.tell(new Completed<>(id, new TreeMap<>(replies)));
    } else {
      Set<Integer> missing = new TreeSet<>(stopped);
      missing.addAll(missed.keySet());
      String stoppedText = stopped.isEmpty() ? "" : "stopped: " + stopped;
      String reason =
          missed.isEmpty()
              ? stoppedText
              : "no reply by the emulated deadline" + (stopped.isEmpty() ? "" : "; " + stoppedText);
      parent.tell(
          new Failed<>(
              id,
              new TreeMap<>(replies),
              missing,
              reason,
              new TreeMap<>(missed),
              new TreeSet<>(lost)));
    }
    return Behaviors.stopped();
  }
}
