package io.splitemu.actors.runtime;

/**
 * When a transfer on one emulated link ends: the runtime's view of a network-emulation link, FIFO
 * behind earlier transfers on the same link.
 */
public interface LinkTiming {

  /**
   * The emulated instant (ns) at which the last byte of a transfer of {@code bytes} sent at {@code
   * sendNs} is available to the receiver, when the sender holds {@code share} (0, 1] of the link's
   * spectrum or bandwidth.
   */
  long arrival(long sendNs, long bytes, double share);

  /**
   * A new round begins: links whose channel is drawn per round (fading per coherence interval of
   * one round) take this round's draw.
   */
  default void round(int round) {}

  /**
   * When a transfer of {@code bytes} sent at {@code sendNs} at full share would end on this link if
   * it were idle; changes nothing (a measurement, not a transfer).
   */
  default long propagationNanos() {
    return 0;
  }

  /**
   * When a transfer of {@code bytes} sent at {@code sendNs} at full share would end on this link if
   * it were idle; changes nothing (a measurement, not a transfer).
   */
  default long probe(long sendNs, long bytes) {
    throw new UnsupportedOperationException("this link cannot be probed");
  }

  /**
   * The mean rate (bit/s) this link offers at full share over [{@code fromNs}, {@code toNs}) of the
   * current round, idle or not (its trace, channel or static rate), NaN where the link cannot tell;
   * changes nothing.
   */
  default double capacityBps(long fromNs, long toNs) {
    return Double.NaN;
  }

  /**
   * The link's state as plain numbers (a checkpoint at a round boundary): its round and queue; a
   * link without state gives an empty array.
   */
  default long[] saveState() {
    return new long[0];
  }

  /** Restores what {@link #saveState()} gave. */
  default void restoreState(long[] state) {}
}
