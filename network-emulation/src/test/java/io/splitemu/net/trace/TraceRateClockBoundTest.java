package io.splitemu.net.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.RateFunction;
import io.splitemu.net.UndeliverableException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * A transfer on a trace may end at any instant the emulated clock holds, up to 2^63 - 1 ns, and is
 * refused one nanosecond later: the bound was 2^62 ns, refusing ends from about 146 years on.
 */
class TraceRateClockBoundTest {

  private static final BigDecimal GBIT = BigDecimal.valueOf(1_000_000_000L); // 1 bit per ns

  private static BigDecimal bits(long n) {
    return BigDecimal.valueOf(n);
  }

  /** A one-nanosecond pass at 1 bit/ns: a transfer of N bits from 0 ends at N ns. */
  private static RateFunction oneBitPerNanosecond(EndPolicy end) {
    return new RateTrace("ns", new long[] {0, 1}, new BigDecimal[] {GBIT, GBIT}).rate(end);
  }

  @Test
  void loopingTrace_transferEndingPast2pow62_isDelivered() {
    // the reviewer's trace: 5 Mbit/s for 1 s, then nothing until 3e9 s, looping; 32768 bytes
    // sent at 3000000001.43 s wait for the third pass, at 6e9 s, inside the clock's 9.2e9 s
    long[] t = {0, 1_000_000_000L, 3_000_000_000_000_000_000L};
    BigDecimal mbit5 = BigDecimal.valueOf(5_000_000);
    RateFunction r =
        new RateTrace("gap", t, new BigDecimal[] {mbit5, BigDecimal.ZERO, mbit5})
            .rate(EndPolicy.LOOP);
    long end = r.finish(3_000_000_001_430_000_000L, bits(32768L * 8));
    assertEquals(6_000_000_000_000_000_000L + 52_428_800L, end);
  }

  @Test
  void loopingTrace_endsOnTheClocksLastInstant_andIsRefusedOneNanosecondLater() {
    RateFunction r = oneBitPerNanosecond(EndPolicy.LOOP);
    assertEquals(1L << 62, r.finish(0, bits(1L << 62)));
    assertEquals(Long.MAX_VALUE, r.finish(0, bits(Long.MAX_VALUE)));
    var past =
        assertThrows(
            UndeliverableException.class,
            () -> r.finish(0, bits(Long.MAX_VALUE).add(BigDecimal.ONE)));
    assertTrue(past.getMessage().contains("beyond the emulated clock's range"), past.getMessage());
    assertThrows(
        UndeliverableException.class, () -> r.finish(0, bits(Long.MAX_VALUE).add(bits(2))));
  }

  @Test
  void holdLastTrace_endsOnTheClocksLastInstant_andIsRefusedOneNanosecondLater() {
    RateFunction r = oneBitPerNanosecond(EndPolicy.HOLD_LAST);
    assertEquals(1L << 62, r.finish(0, bits(1L << 62)));
    assertEquals(Long.MAX_VALUE, r.finish(0, bits(Long.MAX_VALUE)));
    assertThrows(
        UndeliverableException.class, () -> r.finish(0, bits(Long.MAX_VALUE).add(BigDecimal.ONE)));
  }
}
