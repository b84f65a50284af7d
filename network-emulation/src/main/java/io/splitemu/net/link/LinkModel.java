package io.splitemu.net.link;

import io.splitemu.net.EmulatedInstant;
import java.math.BigDecimal;

/**
 * How a link carries bytes over emulated time: a rate r(t) integrated exactly (fluid) or packet
 * delivery opportunities; stateless, so one model may back many {@link Link}s.
 */
public sealed interface LinkModel permits FluidLink, PacketLink {

  /**
   * Serves {@code bytes} sent at {@code send} behind whatever {@code state} already holds; the
   * returned state's {@code freeAt} is the instant the last byte leaves (before propagation).
   *
   * @throws io.splitemu.net.UndeliverableException if the transfer can never complete
   */
  LinkState serve(LinkState state, EmulatedInstant send, long bytes);

  long propagationNanos();

  /** Bits the idle link can carry over [from, to). */
  BigDecimal capacityBits(EmulatedInstant from, EmulatedInstant to);

  /** When {@code bytes} sent at {@code send} on an idle link arrive, propagation included. */
  default EmulatedInstant deliveryInstant(EmulatedInstant send, long bytes) {
    return serve(LinkState.IDLE, send, bytes).freeAt().plusNanos(propagationNanos());
  }
}
