package io.splitemu.actors.runtime;

/**
 * When a transfer on one emulated link ends: the runtime's view of a network-emulation link, FIFO
 * behind earlier transfers on the same link.
 */
public interface LinkTiming {

  /**
   * The arrival of a transfer that never arrives: the link is down for good before its last byte is
   * through (a link outage or partition with no end in sight; docs/faults.md "Link faults").
   */
  long NEVER = Long.MAX_VALUE;

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

  /** The propagation delay that {@link #arrival} includes after the last bit is sent. */
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

  /**
   * Round {@code round} started at emulated {@code startNs}: faults given at a round's start
   * ({@code round = R}, {@code until-round = R}) take that instant. The supervisor tells every link
   * at each round's start, before any transfer of the round.
   */
  default void roundStarted(int round, long startNs) {}

  /**
   * After a transfer that arrives {@link #NEVER}: the instant from which the link carries nothing
   * for good (the start of the endless outage), from which its device is silent.
   */
  default long downForGoodNs() {
    return NEVER;
  }

  /** Bytes of every lost attempt so far (message loss; the resends are the link's cost too). */
  default long lostBytes() {
    return 0;
  }

  /** No round starts ({@link #keptRoundStarts}): one array, never changed, shared. */
  long[] NO_ROUND_STARTS = new long[0];

  /**
   * The round starts this link keeps ({@link #roundStarted}: those its faults name), as (round,
   * start ns) pairs in round order; empty for a link without faults. Told again in this order to a
   * copy of the link ({@link #roundStarted}), they give it the same fault windows.
   */
  default long[] keptRoundStarts() {
    return NO_ROUND_STARTS;
  }

  /**
   * A copy of a link whose transfers are carried elsewhere (an MP-SL device's downlink on a
   * cluster, carried on the hops' member) takes that link's state after its latest transfer: down
   * for good since {@code downForGoodNs} ({@link #NEVER}: not), {@code lostBytes} lost so far.
   */
  default void follow(long downForGoodNs, long lostBytes) {}
}
