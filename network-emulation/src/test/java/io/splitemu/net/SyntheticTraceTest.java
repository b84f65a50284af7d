package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.splitemu.net.link.LinkModel;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery instants on small traces, against hand computations. */
class SyntheticTraceTest {
  @TempDir Path dir;

  // [0,1) s 8 Mbit/s, [1,2) s outage, [2,3) s 16 Mbit/s; last sample 4 Mbit/s closes the pass
  private Trace pensieve() throws IOException {
    Path f = dir.resolve("synthetic");
    Files.writeString(f, "0.0\t8\n1.0\t0\n2.0 16\n3.0\t4\n");
    return TraceFormats.byName("pensieve").read(f);
  }

  private static long at(LinkModel m, double sendSeconds, long bytes) {
    return m.deliveryInstant(EmulatedInstant.ofSeconds(sendSeconds), bytes).nanos();
  }

  @Test
  void pensieve_summary_matchesHandValues() throws IOException {
    Trace t = pensieve();
    assertEquals(3_000_000_000L, t.passNanos());
    assertEquals(0, new BigDecimal("24000000").compareTo(t.passCapacityBits()));
    assertEquals(8e6, t.meanBitsPerSecond(), 1e-6);
    assertEquals(0, t.minBitsPerSecond());
    assertEquals(16e6, t.maxBitsPerSecond());
  }

  @Test
  void pensieve_transfersSpanningRateChangesOutageAndLoop_matchHand() throws IOException {
    LinkModel m = pensieve().link(EndPolicy.LOOP, 0);
    assertEquals(1_000_000_000L, at(m, 0, 1_000_000)); // exactly the first second
    assertEquals(1_000L, at(m, 0, 1)); // 8 bits at 8 Mbit/s
    // 0.5 s at 8 Mbit/s = 4 Mbit, outage until 2 s, 4 Mbit at 16 Mbit/s = 0.25 s
    assertEquals(2_250_000_000L, at(m, 0.5, 1_000_000));
    // sent inside the outage: waits until 2 s
    assertEquals(2_500_000_000L, at(m, 1.2, 1_000_000));
    // across the loop point: 8 Mbit in [2.5, 3), then 8 Mbit at 8 Mbit/s from 3 s
    assertEquals(4_000_000_000L, at(m, 2.5, 2_000_000));
    // exactly ten passes of 3 MB end at the end of the tenth pass
    assertEquals(30_000_000_000L, at(m, 0, 30_000_000));
    // one more byte: 8 bits at 8 Mbit/s into the eleventh pass
    assertEquals(30_000_001_000L, at(m, 0, 30_000_001));
  }

  @Test
  void pensieve_endPolicies_holdLastAndStop() throws IOException {
    Trace t = pensieve();
    // 28 Mbit: 24 in the pass, 4 more at the held last rate 4 Mbit/s = 1 s
    assertEquals(4_000_000_000L, at(t.link(EndPolicy.HOLD_LAST, 0), 0, 3_500_000));
    // looping instead: 4 Mbit at 8 Mbit/s from 3 s
    assertEquals(3_500_000_000L, at(t.link(EndPolicy.LOOP, 0), 0, 3_500_000));
    assertEquals(3_000_000_000L, at(t.link(EndPolicy.STOP, 0), 0, 3_000_000));
    LinkModel stop = t.link(EndPolicy.STOP, 0);
    UndeliverableException e =
        assertThrows(UndeliverableException.class, () -> at(stop, 0, 3_000_001));
    assertEquals(true, e.getMessage().contains("stop"));
  }

  @Test
  void capacity_overWindows_isExactIntegral() throws IOException {
    LinkModel m = pensieve().link(EndPolicy.LOOP, 0);
    BigDecimal bits =
        m.capacityBits(EmulatedInstant.ofSeconds(0.5), EmulatedInstant.ofSeconds(3.5));
    assertEquals(0, new BigDecimal("24000000").compareTo(bits)); // 4 + 0 + 16 + 4 Mbit
  }

  @Test
  void staticRate_endRoundedUpToNextNanosecond() {
    RateFunction three = RateFunction.constant(new BigDecimal(3));
    // 8 bits at 3 bit/s = 2.666... s, rounded up
    assertEquals(2_666_666_667L, three.finish(0, new BigDecimal(8)));
  }

  @Test
  void allZeroLoopingTrace_reportedNotHung() throws IOException {
    Path f = dir.resolve("dead");
    Files.writeString(f, "0 0\n5 0\n");
    LinkModel m = TraceFormats.byName("pensieve").read(f).link(EndPolicy.LOOP, 0);
    assertThrows(UndeliverableException.class, () -> at(m, 0, 1));
  }

  // opportunities at 0, 0, 1 and 5 ms; one pass lasts 5 ms
  private LinkModel mahimahi(EndPolicy end) throws IOException {
    Path f = dir.resolve("mm");
    Files.writeString(f, "0\n0\n1\n5\n");
    return TraceFormats.byName("mahimahi").read(f).link(end, 2_000_000);
  }

  @Test
  void mahimahi_opportunities_matchHand() throws IOException {
    LinkModel m = mahimahi(EndPolicy.LOOP);
    long prop = 2_000_000;
    assertEquals(prop, at(m, 0, 1500)); // first opportunity at 0 ms
    assertEquals(prop + 1_000_000, at(m, 0, 3001)); // three packets: 0, 0, 1 ms
    assertEquals(prop + 1_000_000, at(m, 0.0005, 1)); // next opportunity after 0.5 ms
    assertEquals(prop + 5_000_000, at(m, 0, 6000)); // four packets, the whole pass
    // the next pass starts at 5 ms: its opportunities sit at 5, 5, 6 and 10 ms
    assertEquals(prop + 5_000_000, at(m, 0, 9000)); // six packets
    assertEquals(prop + 6_000_000, at(m, 0, 9001)); // the seventh waits for 6 ms
    // from 2 ms: the pass-0 opportunity at 5 ms, then pass 1's two at 5 ms, then 6 ms
    assertEquals(prop + 5_000_000, at(m, 0.002, 4500));
    assertEquals(prop + 6_000_000, at(m, 0.002, 4501));
  }

  @Test
  void mahimahi_stop_reportsUndeliverable() throws IOException {
    LinkModel m = mahimahi(EndPolicy.STOP);
    assertEquals(7_000_000, at(m, 0, 6000));
    assertThrows(UndeliverableException.class, () -> at(m, 0, 6001));
  }
}
