package io.splitemu.net.trace;

import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.PacketLink;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * A mahimahi trace: one 1500-byte delivery opportunity per line at that millisecond.
 *
 * <p>As mahimahi does, timestamps are not rebased and one pass lasts as many milliseconds as the
 * last timestamp; its capacity is 1500 bytes per line.
 *
 * <p>Immutable: the timestamps are copied once, here, and every {@link PacketLink} built from this
 * trace reads this one copy (a link holds only its end policy, propagation and faults), so a
 * million devices on one trace file hold its lines once.
 */
public final class PacketTrace implements Trace {

  public static final int PACKET_BYTES = 1500;

  private final String name;
  private final long[] millis;

  /**
   * A trace of the opportunities at {@code millis} (copied).
   *
   * @param millis non-decreasing timestamps from 0 ms to the readers' limit, the last one > 0
   */
  public PacketTrace(String name, long[] millis) {
    this(name, millis.clone(), true);
  }

  /** A trace that takes {@code millis} as it is: for a reader, whose array no one else holds. */
  static PacketTrace owning(String name, long[] millis) {
    return new PacketTrace(name, millis, true);
  }

  // owned: only tells this constructor from the public one
  private PacketTrace(String name, long[] millis, boolean owned) {
    this.name = name;
    this.millis = millis;
    long[] ms = this.millis;
    if (ms.length == 0 || ms[ms.length - 1] <= 0) {
      throw new MalformedTraceException(name, "expected opportunities ending after 0 ms");
    }
    if (ms[0] < 0 || ms[ms.length - 1] > LineFormats.MAX_MILLIS) {
      throw new MalformedTraceException(
          name, "expected opportunities in [0, " + LineFormats.MAX_MILLIS + "] ms");
    }
    for (int i = 1; i < ms.length; i++) {
      if (ms[i] < ms[i - 1]) {
        throw new MalformedTraceException(
            name, "expected non-decreasing timestamps, got " + ms[i] + " ms after " + ms[i - 1]);
      }
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** Opportunities (lines) in one pass. */
  public int lines() {
    return millis.length;
  }

  /** The timestamp of line {@code i} (from 0) in milliseconds. */
  public long lineMillis(int i) {
    return millis[i];
  }

  /** Length of one pass in milliseconds: the last timestamp. */
  public long passMillis() {
    return millis[millis.length - 1];
  }

  /** The first line whose timestamp is at or after {@code ms}; {@link #lines()} if none. */
  public int firstLineAtOrAfter(long ms) {
    int i = Arrays.binarySearch(millis, ms);
    if (i < 0) {
      return -i - 1;
    }
    while (i > 0 && millis[i - 1] == ms) {
      i--;
    }
    return i;
  }

  /** The timestamps themselves, for tests that check links share them (never written). */
  long[] sharedMillis() {
    return millis;
  }

  @Override
  public long passNanos() {
    return millis[millis.length - 1] * 1_000_000L;
  }

  @Override
  public BigDecimal passCapacityBits() {
    return BigDecimal.valueOf(millis.length).multiply(BigDecimal.valueOf(PACKET_BYTES * 8L));
  }

  /**
   * The minimum or maximum rate over whole 1 s windows of one pass (a shorter last window counts
   * with its length), walking the lines rather than the windows: a pass may last years with a few
   * lines, and an empty window has rate 0.
   */
  private double windowRate(boolean max) {
    long passMs = millis[millis.length - 1];
    long windows = (passMs + 999) / 1000;
    double best = max ? 0 : Double.POSITIVE_INFINITY;
    long seen = 0; // windows with at least one opportunity
    int i = 0;
    while (i < millis.length) {
      long w = Math.min(windows - 1, millis[i] / 1000);
      long count = 0;
      while (i < millis.length && Math.min(windows - 1, millis[i] / 1000) == w) {
        count++;
        i++;
      }
      seen++;
      long len = Math.min(1000, passMs - w * 1000L);
      double rate = count * PACKET_BYTES * 8.0 / (len / 1000.0);
      best = max ? Math.max(best, rate) : Math.min(best, rate);
    }
    if (!max && seen < windows) {
      best = 0;
    }
    return best;
  }

  @Override
  public double minBitsPerSecond() {
    return windowRate(false);
  }

  @Override
  public double maxBitsPerSecond() {
    return windowRate(true);
  }

  /** A link on this trace's one copy of its timestamps. */
  @Override
  public LinkModel link(EndPolicy end, long propagationNanos) {
    return new PacketLink(this, end, propagationNanos);
  }

  @Override
  public String toString() {
    return "PacketTrace[" + name + ", " + millis.length + " lines]";
  }
}
