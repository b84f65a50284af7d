package io.splitemu.actors.runtime;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.LinkState;
import java.util.HashMap;
import java.util.Map;

/**
 * One direction of a device's link as the runtime uses it: a FIFO queue whose transfers are served
 * by the network-emulation link model of the current round and share (exact integration of the
 * rate, propagation delay added).
 */
public final class EmulatedLink implements LinkTiming {

  /** The link model for a round and a share of the band. */
  @FunctionalInterface
  public interface Models {
    /** The model of round {@code round} (1-based) at share {@code share}. */
    LinkModel of(int round, double share);
  }

  private final Models models;
  private final Map<Double, LinkModel> cache = new HashMap<>();
  private LinkState state = LinkState.IDLE;
  private int round = 1;

  /** A link whose model may change with the round and the share. */
  public EmulatedLink(Models models) {
    this.models = models;
  }

  @Override
  public synchronized void round(int newRound) {
    if (newRound != round) {
      round = newRound;
      cache.clear();
    }
  }

  @Override
  public synchronized long propagationNanos() {
    return cache.computeIfAbsent(1.0, s -> models.of(round, s)).propagationNanos();
  }

  @Override
  public synchronized long probe(long sendNs, long bytes) {
    LinkModel m = cache.computeIfAbsent(1.0, s -> models.of(round, s));
    LinkState idle = m.serve(LinkState.IDLE, EmulatedInstant.ofNanos(sendNs), bytes);
    return idle.freeAt().nanos() + m.propagationNanos();
  }

  @Override
  public synchronized double capacityBps(long fromNs, long toNs) {
    LinkModel m = cache.computeIfAbsent(1.0, s -> models.of(round, s));
    // An empty span (a round of no emulated time) reads the rate over its first millisecond.
    long to = toNs > fromNs ? toNs : fromNs + 1_000_000L;
    double bits =
        m.capacityBits(EmulatedInstant.ofNanos(fromNs), EmulatedInstant.ofNanos(to)).doubleValue();
    return bits / ((to - fromNs) / 1e9);
  }

  @Override
  public synchronized long arrival(long sendNs, long bytes, double share) {
    LinkModel m = cache.computeIfAbsent(share, s -> models.of(round, s));
    state = m.serve(state, EmulatedInstant.ofNanos(sendNs), bytes);
    return state.freeAt().nanos() + m.propagationNanos();
  }

  /** {round, free at (ns), next delivery opportunity}. */
  @Override
  public synchronized long[] saveState() {
    return new long[] {round, state.freeAt().nanos(), state.nextOpportunity()};
  }

  @Override
  public synchronized void restoreState(long[] saved) {
    round = (int) saved[0];
    cache.clear();
    state = new LinkState(EmulatedInstant.ofNanos(saved[1]), saved[2]);
  }
}
