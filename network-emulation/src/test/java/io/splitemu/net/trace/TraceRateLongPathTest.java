package io.splitemu.net.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.RateFunction;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.LinkState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A rate trace's long path ({@code finishWhole}) gives the big-number path's instant, bit for bit,
 * on Pensieve-like decimals, rates near 0, zero-rate and zero-length segments, long traces, huge
 * transfers and instants near the clock's end; where it cannot, it gives the big path's exception.
 */
class TraceRateLongPathTest {

  private static String outcome(RateFunction f, long t0, long amount, boolean whole) {
    try {
      return Long.toString(
          whole ? f.finishWhole(t0, amount) : f.finish(t0, BigDecimal.valueOf(amount)));
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private static List<Long> instants(SplittableRandom r, long pass) {
    List<Long> t =
        new ArrayList<>(
            List.of(
                0L, 1L, pass - 1, pass, pass + 1, 7 * pass, Long.MAX_VALUE - 1, Long.MAX_VALUE));
    t.add(Long.MAX_VALUE - pass);
    t.add((Long.MAX_VALUE / pass) * pass);
    t.add((Long.MAX_VALUE / pass) * pass - 1);
    for (int i = 0; i < 150; i++) {
      t.add(r.nextLong(Long.MAX_VALUE) >>> r.nextInt(63));
      t.add(r.nextLong(3 * pass));
    }
    return t;
  }

  private static List<Long> amounts(SplittableRandom r) {
    List<Long> a =
        new ArrayList<>(
            List.of(
                0L,
                1L,
                8L,
                12_000L,
                8_000_000L,
                Long.MAX_VALUE / 8 * 8,
                Long.MAX_VALUE,
                9_223_372_036L,
                9_223_372_037L));
    for (int i = 0; i < 40; i++) {
      a.add(r.nextLong(Long.MAX_VALUE) >>> r.nextInt(63));
    }
    return a;
  }

  private static int compare(RateTrace trace, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    RateFunction f = trace.rate(EndPolicy.LOOP);
    int n = 0;
    for (long t0 : instants(r, trace.passNanos())) {
      for (long a : amounts(r)) {
        assertEquals(
            outcome(f, t0, a, false),
            outcome(f, t0, a, true),
            trace + " t0 " + t0 + " amount " + a);
        n++;
      }
    }
    return n;
  }

  private static RateTrace trace(String name, long[] t, String... rates) {
    BigDecimal[] r = new BigDecimal[rates.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = new BigDecimal(rates[i]);
    }
    return new RateTrace(name, t, r);
  }

  @Test
  void pensieveLikeDecimals() {
    SplittableRandom r = new SplittableRandom(3);
    int n = 300;
    long[] t = new long[n];
    BigDecimal[] bps = new BigDecimal[n];
    for (int i = 0; i < n; i++) {
      // seconds with 12 decimals as the cooked files write them, Mbit/s with 11
      t[i] = i == 0 ? 0 : t[i - 1] + 1 + r.nextLong(2_000_000_000L);
      bps[i] = BigDecimal.valueOf(r.nextLong(20_000_000_000_000L), 11).movePointRight(6);
    }
    RateTrace trace = new RateTrace("pensieve-like", t, bps);
    assertTrue(((TraceRate) trace.rate(EndPolicy.LOOP)).hasLongPath());
    assertTrue(compare(trace, 5) > 10_000);
  }

  @Test
  void ratesNearZeroZeroRateAndZeroLengthSegments() {
    long[] t = {0, 1, 1, 1_000, 1_000, 5_000_000_000L, 5_000_000_001L, 9_000_000_000L};
    RateTrace tiny =
        trace("tiny", t, "0.000000001", "7", "0", "0.000000003", "0", "123456.789", "0.5", "1");
    assertTrue(((TraceRate) tiny.rate(EndPolicy.LOOP)).hasLongPath());
    compare(tiny, 7);
    // one more decimal than the long path takes: still the same answers (the big path's)
    RateTrace tinier = trace("tinier", t, "0.0000000001", "7", "0", "3", "0", "1", "0.5", "1");
    assertFalse(((TraceRate) tinier.rate(EndPolicy.LOOP)).hasLongPath());
    compare(tinier, 8);
    RateTrace zero = trace("zero", new long[] {0, 10, 20}, "0", "0", "5");
    compare(zero, 9);
  }

  @Test
  void highRatesAndLongTraces() {
    SplittableRandom r = new SplittableRandom(13);
    int n = 100_000;
    long[] t = new long[n];
    BigDecimal[] bps = new BigDecimal[n];
    for (int i = 0; i < n; i++) {
      t[i] = i == 0 ? 0 : t[i - 1] + r.nextLong(2_000_000_000_000L);
      bps[i] = BigDecimal.valueOf(r.nextLong(1_000_000_000_000_000L), r.nextInt(4));
    }
    RateTrace trace = new RateTrace("long", t, bps);
    assertTrue(((TraceRate) trace.rate(EndPolicy.LOOP)).hasLongPath());
    compare(trace, 17);
  }

  @Test
  void fluidLinkServesTheSameInstants() {
    RateTrace trace =
        trace("three", new long[] {0, 1_000_000_000L, 3_000_000_000L}, "1000000.3", "2.5", "7");
    FluidLink link = (FluidLink) trace.link(EndPolicy.LOOP, 0);
    SplittableRandom r = new SplittableRandom(19);
    for (int i = 0; i < 2_000; i++) {
      long t0 = r.nextLong(1L << r.nextInt(1, 63));
      long bytes = r.nextLong(1L << r.nextInt(1, 40));
      long want = trace.rate(EndPolicy.LOOP).finish(t0, BigDecimal.valueOf(bytes * 8));
      assertEquals(
          want, link.serve(LinkState.IDLE, EmulatedInstant.ofNanos(t0), bytes).freeAt().nanos());
    }
  }
}
