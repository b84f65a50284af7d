package io.splitemu.net.link;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.SeededStreams;
import io.splitemu.net.UndeliverableException;
import java.util.SplittableRandom;

/**
 * One direction of a network link with its FIFO queue: transfers are served in the order they are
 * sent through {@link #send}, each behind the previous one.
 *
 * <p>Callers must send in a deterministic order (emulated instant, then sender id) for runs to
 * repeat; loss draws are taken from the link's named stream in that order.
 */
public final class Link {

  /** The outcome of one transfer. */
  public record Delivery(
      EmulatedInstant send, EmulatedInstant lastByte, EmulatedInstant arrival, int attempts) {}

  private final String name;
  private final LinkModel model;
  private final FaultSchedule faults;
  private final MessageLoss loss;
  private final SplittableRandom lossDraws;
  private LinkState state = LinkState.IDLE;

  public Link(String name, LinkModel model) {
    this(name, model, FaultSchedule.builder().build(), MessageLoss.NONE);
  }

  /** A link with faults: rate windows are layered on the model here. */
  public Link(String name, LinkModel model, FaultSchedule faults, MessageLoss loss) {
    this.name = name;
    this.model = LinkFaults.apply(model, faults);
    this.faults = faults;
    this.loss = loss;
    this.lossDraws = SeededStreams.stream(loss.seed(), loss.streamName());
  }

  /** Sends {@code bytes} at {@code send}; the link state advances past this transfer. */
  public synchronized Delivery send(EmulatedInstant send, long bytes) {
    EmulatedInstant attemptSend = send;
    for (int attempt = 1; ; attempt++) {
      try {
        state = model.serve(state, attemptSend, bytes);
      } catch (UndeliverableException e) {
        throw new UndeliverableException(name + ": " + e.getMessage());
      }
      boolean lost = loss.probability() > 0 && lossDraws.nextDouble() < loss.probability();
      if (!lost) {
        EmulatedInstant last = state.freeAt();
        EmulatedInstant arrival =
            last.plusNanos(model.propagationNanos() + faults.extraDelayNanos(last));
        return new Delivery(send, last, arrival, attempt);
      }
      if (attempt >= loss.maxAttempts()) {
        throw new UndeliverableException(
            name + ": transfer sent at " + send + " lost " + attempt + " times in a row");
      }
      attemptSend = attemptSend.plusNanos(loss.timeoutNanos());
    }
  }

  /** When the link has sent everything queued so far. */
  public synchronized EmulatedInstant busyUntil() {
    return state.freeAt();
  }

  public String name() {
    return name;
  }

  public LinkModel model() {
    return model;
  }
}
