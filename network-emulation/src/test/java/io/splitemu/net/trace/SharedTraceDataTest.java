package io.splitemu.net.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.ModulatedRate;
import io.splitemu.net.TestData;
import io.splitemu.net.link.FaultSchedule;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.LinkFaults;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.PacketLink;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Links built from one trace share its data: the trace copies its samples once, when it is made,
 * and no link (nor a link under faults or a share of the band) copies them again, so a million
 * devices on one trace file hold it once (issue 16).
 */
class SharedTraceDataTest {

  private static final FaultSchedule HALF =
      FaultSchedule.builder().degradation(0, Long.MAX_VALUE, 0.5).build();

  @Test
  void packetLinks_onOneTrace_readItsOneCopyOfTheTimestamps() {
    long[] given = {0, 0, 1, 3, 3, 5};
    PacketTrace t = new PacketTrace("gaps", given);
    PacketLink a = (PacketLink) t.link(EndPolicy.LOOP, 0);
    PacketLink b = (PacketLink) t.link(EndPolicy.STOP, 5_000_000);
    PacketLink thinned = (PacketLink) LinkFaults.apply(a, HALF);
    for (PacketLink l : new PacketLink[] {a, b, thinned}) {
      assertSame(t, l.trace());
      assertSame(t.sharedMillis(), l.trace().sharedMillis());
    }
    assertNotSame(a, thinned);
  }

  @Test
  void packetTrace_copiesTheCallersArrayOnce_soWritingItLaterChangesNothing() {
    long[] given = {0, 0, 1, 3, 3, 5};
    PacketTrace t = new PacketTrace("gaps", given);
    LinkModel m = t.link(EndPolicy.LOOP, 0);
    EmulatedInstant before = m.deliveryInstant(EmulatedInstant.ZERO, 6 * 1500);
    assertNotSame(given, t.sharedMillis());
    given[5] = 500;
    given[2] = 400;
    assertEquals(5, t.passMillis());
    assertEquals(before, m.deliveryInstant(EmulatedInstant.ZERO, 6 * 1500));
    assertEquals(EmulatedInstant.ofMillis(5), before);
  }

  @Test
  void rateLinks_onOneTrace_shareOneRateFunctionPerEndPolicy() {
    long[] times = {0, 1_000_000_000L, 3_000_000_000L};
    BigDecimal[] rates = {BigDecimal.valueOf(8e6), BigDecimal.valueOf(4e6), BigDecimal.ONE};
    RateTrace t = new RateTrace("steps", times, rates);
    FluidLink a = (FluidLink) t.link(EndPolicy.LOOP, 0);
    FluidLink b = (FluidLink) t.link(EndPolicy.LOOP, 7_000_000);
    FluidLink held = (FluidLink) t.link(EndPolicy.HOLD_LAST, 0);
    assertSame(a.bitsPerSecond(), b.bitsPerSecond());
    assertSame(t.rate(EndPolicy.LOOP), a.bitsPerSecond());
    assertSame(t.rate(EndPolicy.HOLD_LAST), held.bitsPerSecond());
    assertNotSame(a.bitsPerSecond(), held.bitsPerSecond());
    // Every policy's rate function reads the trace's own sample times, not a copy.
    for (FluidLink l : new FluidLink[] {a, b, held}) {
      assertSame(t.sharedTimes(), ((TraceRate) l.bitsPerSecond()).sharedTimes());
    }
    // A degraded link (a fault or a share of the band) wraps the same function.
    FluidLink degraded = (FluidLink) LinkFaults.apply(a, HALF);
    ModulatedRate wrapped = assertInstanceOf(ModulatedRate.class, degraded.bitsPerSecond());
    assertSame(a.bitsPerSecond(), wrapped.base());
    // The caller's arrays were copied once: writing them later changes no link.
    times[2] = 9_000_000_000L;
    rates[0] = BigDecimal.ZERO;
    assertNotSame(times, t.sharedTimes());
    assertEquals(3_000_000_000L, t.passNanos());
    assertEquals(
        EmulatedInstant.ofNanos(1_000_000_000L),
        a.deliveryInstant(EmulatedInstant.ZERO, 1_000_000));
  }

  @Test
  void realTraces_aThousandLinks_shareOneTrace() throws IOException {
    Path mahimahi =
        TestData.require(
            "traces/mahimahi/Verizon-LTE-short.up", "shared trace data of a real mahimahi trace");
    Path pensieve =
        TestData.require(
            "traces/pensieve-norway-hsdpa-cooked/norway_bus_1",
            "shared trace data of a real pensieve trace");
    PacketTrace packets = (PacketTrace) TraceFormats.byName("mahimahi").read(mahimahi);
    RateTrace rates = (RateTrace) TraceFormats.byName("pensieve").read(pensieve);
    assertEquals(69_367, packets.lines());
    assertEquals(266, rates.samples());
    for (int d = 0; d < 1000; d++) {
      // Identity compared by hand: a failure should not print 69,367 timestamps.
      PacketLink p = (PacketLink) packets.link(EndPolicy.LOOP, d * 1000L);
      assertTrue(packets.sharedMillis() == p.trace().sharedMillis(), "link " + d + " copied");
      FluidLink f = (FluidLink) rates.link(EndPolicy.LOOP, d * 1000L);
      assertSame(rates.rate(EndPolicy.LOOP), f.bitsPerSecond());
      assertTrue(
          rates.sharedTimes() == ((TraceRate) f.bitsPerSecond()).sharedTimes(),
          "link " + d + " copied");
    }
  }
}
