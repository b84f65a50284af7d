package io.splitemu.net.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.net.RatePiece;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A packet link's served counts and reaching indices in longs against the big-number formulas, and
 * a fault schedule's pieces against the pieces formed as before (1 x each factor).
 */
class PacketFactorLongPathTest {
  private static final MathContext DIGITS = new MathContext(15, RoundingMode.HALF_EVEN);

  private static List<BigDecimal> factors() {
    List<BigDecimal> f = new ArrayList<>();
    for (double d :
        new double[] {
          1,
          0.5,
          0.3,
          0.1,
          1.0 / 3,
          2.0 / 3,
          0.7 * 0.3,
          0.999999999999999,
          0.9999999999999999,
          1e-15,
          1e-16,
          1.5e-300,
          Double.MIN_VALUE,
          0.123456789012345678,
          0.000123456789012345
        }) {
      f.add(new BigDecimal(d));
    }
    f.add(new BigDecimal(0.3).multiply(new BigDecimal(0.7))); // overlapping windows multiply
    f.add(new BigDecimal(1.0 / 3).multiply(new BigDecimal(1.0 / 7)));
    SplittableRandom r = new SplittableRandom(23);
    for (int i = 0; i < 40; i++) {
      f.add(new BigDecimal(r.nextDouble() * Math.pow(10, -r.nextInt(20))));
    }
    return f;
  }

  private static List<Long> counts() {
    List<Long> n = new ArrayList<>(List.of(0L, 1L, 2L, 3L, 10L, 27_670L, 27_671L, 1_000_000L));
    for (long p = 10; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) {
      n.add(p - 1);
      n.add(p);
      n.add(p + 1);
      n.add(p / 3);
    }
    n.add(Long.MAX_VALUE);
    n.add(Long.MAX_VALUE - 1);
    n.add(Long.MAX_VALUE / 3);
    SplittableRandom r = new SplittableRandom(29);
    for (int i = 0; i < 80; i++) {
      n.add(r.nextLong(Long.MAX_VALUE) >>> r.nextInt(63));
    }
    return n;
  }

  private static String run(java.util.function.LongSupplier s) {
    try {
      return Long.toString(s.getAsLong());
    } catch (ArithmeticException e) {
      return "ArithmeticException";
    }
  }

  @Test
  void servedAndReachingAsTheBigNumbers() {
    for (BigDecimal f : factors()) {
      BigDecimal rounded = f.round(DIGITS);
      for (long n : counts()) {
        String want =
            run(
                () ->
                    BigDecimal.valueOf(n)
                        .multiply(rounded)
                        .setScale(0, RoundingMode.FLOOR)
                        .longValueExact());
        assertEquals(want, run(() -> PacketLink.servedAt(n, f)), "served " + n + " at " + f);
        if (rounded.signum() > 0) {
          String k =
              run(
                  () ->
                      BigDecimal.valueOf(n)
                          .divide(rounded, 0, RoundingMode.CEILING)
                          .longValueExact());
          assertEquals(k, run(() -> PacketLink.reachingAt(n, f)), "reaching " + n + " at " + f);
        }
      }
    }
  }

  private static String piece(java.util.function.Supplier<RatePiece> p) {
    try {
      return p.get().toString();
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  @Test
  void schedulePiecesAsFormedBefore() {
    SplittableRandom r = new SplittableRandom(31);
    for (int s = 0; s < 200; s++) {
      FaultSchedule.Builder b = FaultSchedule.builder();
      List<Long> probes = new ArrayList<>(List.of(0L, 1L, Long.MAX_VALUE - 1, Long.MAX_VALUE));
      if (s == 0) {
        // a product whose decimal has a trailing zero (2 x 0.5 = 1.0): its scale must survive
        b.degradation(0, 100, 2.0).degradation(50, 150, 0.5).extraDelay(60, 70, 5);
        probes.addAll(List.of(49L, 50L, 60L, 99L, 100L, 149L, 150L));
      }
      int windows = s == 0 ? 0 : r.nextInt(6);
      for (int w = 0; w < windows; w++) {
        long from = r.nextInt(4) == 0 ? 0 : r.nextLong(1_000_000);
        long to = r.nextInt(5) == 0 ? Long.MAX_VALUE : from + 1 + r.nextLong(1_000_000);
        switch (r.nextInt(4)) {
          case 0 -> b.outage(from, to);
          case 1 -> b.extraDelay(from, to, r.nextLong(1_000));
          case 2 -> b.degradation(from, to, 1.0);
          default -> b.degradation(from, to, r.nextDouble() * 2);
        }
        for (long d = -1; d <= 1; d++) {
          probes.add(Math.max(0, from + d));
          probes.add(Math.max(0, to + d));
        }
      }
      for (int i = 0; i < 50; i++) {
        probes.add(r.nextLong(2_100_000));
      }
      FaultSchedule f = b.build();
      for (long t : probes) {
        assertEquals(
            piece(() -> f.formedFactorAt(t)), piece(() -> f.factorAt(t)), f.windows() + " at " + t);
        if (t < Long.MAX_VALUE) {
          // equal as records: the same decimal, scale included
          assertEquals(f.formedFactorAt(t), f.factorAt(t));
        }
      }
    }
  }
}
