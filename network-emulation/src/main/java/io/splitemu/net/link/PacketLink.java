package io.splitemu.net.link;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.UndeliverableException;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.PacketTrace;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * A link driven by mahimahi delivery opportunities: each opportunity at or after a transfer's
 * start carries up to 1500 of its bytes, and the transfer ends at the one carrying its last byte.
 *
 * <p>Opportunities are numbered globally (pass x lines + line), so FIFO transfers never share one
 * and a whole pass is skipped by arithmetic rather than by walking.
 */
public final class PacketLink implements LinkModel {
  private final long[] millis;
  private final EndPolicy end;
  private final long propagationNanos;
  private final long passMs;

  public PacketLink(long[] millis, EndPolicy end, long propagationNanos) {
    if (end == EndPolicy.HOLD_LAST) {
      throw new IllegalArgumentException("a mahimahi trace can loop or stop, not hold-last");
    }
    this.millis = millis.clone();
    this.end = end;
    this.propagationNanos = propagationNanos;
    this.passMs = millis[millis.length - 1];
  }

  /** Instant of global opportunity g. */
  private long instantOf(long g) {
    long pass = g / millis.length;
    return Math.multiplyExact(
        Math.addExact(Math.multiplyExact(pass, passMs), millis[(int) (g % millis.length)]),
        1_000_000L);
  }

  /** The first global opportunity at or after t. */
  private long firstAtOrAfter(long tNanos) {
    long tMs = (tNanos + 999_999) / 1_000_000; // opportunities sit on whole milliseconds
    long pass = tMs / passMs;
    long off = tMs - pass * passMs;
    if (pass > 0 && off == 0) {
      pass--; // the previous pass's last opportunities sit exactly on this pass boundary
      off = passMs;
    }
    int i = lowerBound(off);
    return pass * millis.length + i;
  }

  private int lowerBound(long ms) {
    int i = Arrays.binarySearch(millis, ms);
    if (i < 0) {
      return -i - 1;
    }
    while (i > 0 && millis[i - 1] == ms) {
      i--;
    }
    return i;
  }

  @Override
  public LinkState serve(LinkState state, EmulatedInstant send, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("transfer size must be >= 0 bytes, got " + bytes);
    }
    EmulatedInstant start = EmulatedInstant.max(send, state.freeAt());
    if (bytes == 0) {
      return new LinkState(start, state.nextOpportunity());
    }
    long first = Math.max(state.nextOpportunity(), firstAtOrAfter(start.nanos()));
    long packets = (bytes + PacketTrace.PACKET_BYTES - 1) / PacketTrace.PACKET_BYTES;
    long last = first + packets - 1;
    if (end == EndPolicy.STOP && last >= millis.length) {
      throw new UndeliverableException(
          "the trace stops at "
              + EmulatedInstant.ofMillis(passMs)
              + " with "
              + Math.max(0, millis.length - first)
              + " opportunities left, the transfer needs "
              + packets);
    }
    return new LinkState(EmulatedInstant.ofNanos(instantOf(last)), last + 1);
  }

  @Override
  public long propagationNanos() {
    return propagationNanos;
  }

  /** Bits of the opportunities in [from, to). */
  @Override
  public BigDecimal capacityBits(EmulatedInstant from, EmulatedInstant to) {
    long a = firstAtOrAfter(from.nanos());
    long b = firstAtOrAfter(to.nanos());
    if (end == EndPolicy.STOP) {
      a = Math.min(a, millis.length);
      b = Math.min(b, millis.length);
    }
    return BigDecimal.valueOf(b - a).multiply(BigDecimal.valueOf(PacketTrace.PACKET_BYTES * 8L));
  }
}
