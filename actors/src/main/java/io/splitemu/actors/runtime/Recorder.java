package io.splitemu.actors.runtime;

import io.splitemu.actors.results.CheckpointFile;
import io.splitemu.actors.results.DevicePlanRecord;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.HopRecord;
import io.splitemu.actors.results.MemoryRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.wire.ClusterMessage;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The run's recorder: the runtime's actors publish run events to it (a round completed, a device's
 * round, a fault, a re-plan, a checkpoint) and it hands each, in the order it arrived, to its
 * subscribers (the results writer, the metrics feed, the progress display). No other actor writes a
 * file or prints.
 *
 * <p>Events from one sender keep their order (Pekko's per-pair ordering), so a sender that ends the
 * run first asks for a {@link Flush}: its reply means every event that sender published before is
 * recorded. A subscriber that throws (a full disk, say) fails this actor, and the actor that
 * watches it ends the run with that reason; the rows written until then stay on disk.
 */
public final class Recorder extends AbstractBehavior<Recorder.Command> {

  /** What the recorder accepts. */
  public sealed interface Command extends ClusterMessage {}

  /** Something published to the subscribers, which it hands to each of them. */
  public sealed interface Published extends Command {
    /** Hands this to {@code o}. */
    void to(RecordObserver o);
  }

  /**
   * The supervisor started the run: its wall clock's start and, paced ({@code speedup > 0}), the
   * pacing origin (live metrics; no file).
   */
  public record Started(long wallStartNanoTime, long pacingOriginNanoTime, double speedup)
      implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onStart(wallStartNanoTime, pacingOriginNanoTime, speedup);
    }
  }

  /** A round's row ({@code rounds.csv}). */
  public record RoundCompleted(RoundRecord row) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onRound(row);
    }
  }

  /** A device's row for one round ({@code devices.csv}). */
  public record DeviceRecorded(DeviceRecord row) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onDevice(row);
    }
  }

  /** A fault, timeout, re-plan, checkpoint or other event ({@code events.csv}). */
  public record EventRecorded(EventRecord row) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onEvent(row);
    }
  }

  /** How far the round under way is (the progress display and live metrics; no file). */
  public record ProgressReported(ProgressRecord progress) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onProgress(progress);
    }
  }

  /** How far an MP-SL hop is (live metrics; no file). */
  public record HopReported(HopRecord hop) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onHop(hop);
    }
  }

  /** A device's plan for a round (live metrics; no file). */
  public record PlanReported(DevicePlanRecord plan) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onPlan(plan);
    }
  }

  /** A node's model memory for a round (live metrics and the summary's peaks; no table). */
  public record MemoryReported(MemoryRecord memory) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onMemory(memory);
    }
  }

  /**
   * A crash sent the run back to the end of round {@code round} (the later rows are dropped), its
   * checkpoint's emulated instant {@code emulatedS} (0 for the run's start, round 0).
   */
  public record Rewound(int round, double emulatedS) implements Published {
    @Override
    public void to(RecordObserver o) {
      o.onRewind(round, emulatedS);
    }
  }

  /** Answer {@link Flushed} once every event the sender published before is recorded. */
  public record Flush(ActorRef<Flushed> replyTo) implements Command {}

  /** Reply to {@link Flush}. */
  public enum Flushed implements ClusterMessage {
    INSTANCE
  }

  private final List<RecordObserver> subscribers;

  /** A recorder handing every event to {@code subscribers}, in this order. */
  public static Behavior<Command> create(List<RecordObserver> subscribers) {
    return Behaviors.setup(ctx -> new Recorder(ctx, List.copyOf(subscribers)));
  }

  /** How long a run's owner waits for its recorder to flush before it ends anyway. */
  public static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Asks {@code recorder}, from its owner's context, to flush; the owner then receives {@code
   * flushed} of the line the run ends with: {@code error} as given, or, when the run ended well but
   * the recorder did not answer within {@link #FLUSH_TIMEOUT}, a line saying so.
   */
  public static <T> void askFlush(
      ActorContext<T> ctx,
      ActorRef<Command> recorder,
      String error,
      Function<String, ? extends T> flushed) {
    ctx.ask(
        Flushed.class,
        recorder,
        FLUSH_TIMEOUT,
        Flush::new,
        (ok, failure) ->
            flushed.apply(
                failure == null || error != null
                    ? error
                    : "the recorder did not write the last rows: " + failure.getMessage()));
  }

  private Recorder(ActorContext<Command> ctx, List<RecordObserver> subscribers) {
    super(ctx);
    this.subscribers = subscribers;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Published.class, this::onPublished)
        .onMessage(Flush.class, this::onFlush)
        .onMessage(CheckpointTaken.class, this::onCheckpoint)
        .build();
  }

  private Behavior<Command> onPublished(Published m) {
    for (RecordObserver s : subscribers) {
      m.to(s);
    }
    return this;
  }

  private Behavior<Command> onFlush(Flush m) {
    m.replyTo().tell(Flushed.INSTANCE);
    return this;
  }

  /**
   * A checkpoint the supervisor took at the end of round {@code checkpoint.round()}: encoded here
   * once and handed to the subscribers as its file's bytes (the results writer writes it).
   */
  public record CheckpointTaken(Checkpoint checkpoint) implements Command {}

  private Behavior<Command> onCheckpoint(CheckpointTaken m) {
    Checkpoint c = m.checkpoint();
    CheckpointFile file =
        new CheckpointFile(c.round(), c.nowNs() / 1e9, Checkpoints.encode(c), c.scheduledRound());
    for (RecordObserver s : subscribers) {
      s.onCheckpoint(file);
    }
    return this;
  }
}
