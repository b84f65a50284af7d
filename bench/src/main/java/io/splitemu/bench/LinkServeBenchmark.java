package io.splitemu.bench;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.link.FaultSchedule;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.LinkFaults;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.LinkState;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.PacketTrace;
import io.splitemu.net.trace.RateTrace;
import java.math.BigDecimal;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One transfer's end instant on each link model ({@code LinkModel.serve} from an idle link), the
 * computation every message of a run makes: a constant rate, a rate trace (300 one-second samples,
 * looped), a mahimahi packet trace (about 3,000 opportunities a second for 60 s, looped), each bare
 * and under fault windows (a degradation to 0.3 every other 10 s over the first 200 s, and an
 * outage of 1 s every 20 s). Sends are spread over the first 300 s, sizes over 1 kB to 1 MB (fixed
 * seeds, 1,024 of each, taken in turn).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LinkServeBenchmark {

  @Param({"static", "rate-trace", "packet", "static-faults", "rate-trace-faults", "packet-faults"})
  public String link;

  private LinkModel model;
  private final EmulatedInstant[] sends = new EmulatedInstant[1024];
  private final long[] bytes = new long[1024];
  private int next;

  @Setup
  public void build() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < sends.length; i++) {
      sends[i] = EmulatedInstant.ofNanos(r.nextLong(300_000_000_000L));
      bytes[i] = 1_000 + r.nextLong(1_000_000);
    }
    LinkModel base =
        switch (link.replace("-faults", "")) {
          case "static" -> FluidLink.constant(2e7, 5_000_000);
          case "rate-trace" -> rateTrace(r).link(EndPolicy.LOOP, 5_000_000);
          case "packet" -> packetTrace(r).link(EndPolicy.LOOP, 5_000_000);
          default -> throw new IllegalArgumentException(link);
        };
    model = link.endsWith("-faults") ? LinkFaults.apply(base, faults()) : base;
  }

  private static RateTrace rateTrace(SplittableRandom r) {
    long[] t = new long[301];
    BigDecimal[] bps = new BigDecimal[301];
    for (int i = 0; i < t.length; i++) {
      t[i] = i * 1_000_000_000L;
      // Mbit/s to 3 decimals, as a Pensieve-style line gives it
      bps[i] = BigDecimal.valueOf(500 + r.nextLong(20_000), 3).movePointRight(6);
    }
    return new RateTrace("synthetic", t, bps);
  }

  private static PacketTrace packetTrace(SplittableRandom r) {
    long[] ms = new long[180_000];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = 1 + (long) i * 60_000 / ms.length;
    }
    return new PacketTrace("synthetic", ms);
  }

  private static FaultSchedule faults() {
    FaultSchedule.Builder b = FaultSchedule.builder();
    for (long s = 0; s < 200; s += 20) {
      b.degradation(s * 1_000_000_000L, (s + 10) * 1_000_000_000L, 0.3);
      b.outage((s + 15) * 1_000_000_000L, (s + 16) * 1_000_000_000L);
    }
    return b.build();
  }

  @Benchmark
  public LinkState serve() {
    int i = next++ & 1023;
    return model.serve(LinkState.IDLE, sends[i], bytes[i]);
  }
}
