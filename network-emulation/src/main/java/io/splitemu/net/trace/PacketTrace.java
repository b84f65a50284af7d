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
  }

  @Override
  public long passNanos() {
    return millis[millis.length - 1] * 1_000_000L;
  }

  @Override
  public BigDecimal passCapacityBits() {
    return BigDecimal.valueOf(millis.length).multiply(BigDecimal.valueOf(PACKET_BYTES * 8L));
  }

  /** Rates over whole 1 s windows of one pass (a shorter last window counts with its length). */
  private double[] windowRates() {
    long passMs = millis[millis.length - 1];
    int windows = (int) ((passMs + 999) / 1000);
    long[] count = new long[windows];
    for (long ms : millis) {
      count[(int) Math.min(windows - 1, ms / 1000)]++;
    }
    double[] rates = new double[windows];
    for (int w = 0; w < windows; w++) {
      long len = Math.min(1000, passMs - w * 1000L);
      rates[w] = count[w] * PACKET_BYTES * 8.0 / (len / 1000.0);
    }
    return rates;
  }

  @Override
  public double minBitsPerSecond() {
    double min = Double.POSITIVE_INFINITY;
    for (double r : windowRates()) {
      min = Math.min(min, r);
    }
    return min;
  }

  @Override
  public double maxBitsPerSecond() {
    double max = 0;
    for (double r : windowRates()) {
      max = Math.max(max, r);
    }
    return max;
  }

  @Override
  public LinkModel link(EndPolicy end, long propagationNanos) {
    return new PacketLink(millis, end, propagationNanos);
  }
}
