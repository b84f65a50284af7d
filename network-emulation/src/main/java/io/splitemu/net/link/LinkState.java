package io.splitemu.net.link;

import io.splitemu.net.EmulatedInstant;

/**
 * Where a FIFO link stands: free from {@code freeAt}, and for packet links the index of the next
 * unused delivery opportunity (several can share one millisecond).
 */
public record LinkState(EmulatedInstant freeAt, long nextOpportunity) {
  public static final LinkState IDLE = new LinkState(EmulatedInstant.ZERO, 0);
}
