package io.splitemu.net.trace;

import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.PacketLink;
import java.math.BigDecimal;

/**
 * A mahimahi trace: one 1500-byte delivery opportunity per line at that millisecond.
 *
 * <p>As mahimahi does, timestamps are not rebased and one pass lasts as many milliseconds as the
 * last timestamp; its capacity is 1500 bytes per line.
 */
public record PacketTrace(String name, long[] millis) implements Trace {

  public static final int PACKET_BYTES = 1500;

  public PacketTrace {
    if (millis.length == 0 || millis[millis.length - 1] <= 0) {
      throw new MalformedTraceException(name, "expected opportunities ending after 0 ms");
    }
    if (millis[0] < 0 || millis[millis.length - 1] > LineFormats.MAX_MILLIS) {
      throw new MalformedTraceException(
          name, "expected opportunities in [0, " + LineFormats.MAX_MILLIS + "] ms");
    }
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

  @Override
  public LinkModel link(EndPolicy end, long propagationNanos) {
    return new PacketLink(millis, end, propagationNanos);
  }
}
