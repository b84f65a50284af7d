package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The links' long arithmetic against BigInteger: the same quotient, or an exception to fall back.
 */
class ExactLongTest {

  private static List<Long> edges() {
    List<Long> v = new ArrayList<>(List.of(0L, 1L, 2L, 3L, 7L, 10L, 999_999_999L, 1_000_000_000L));
    for (int e = 0; e <= 18; e++) {
      v.add(ExactLong.pow10(e));
      v.add(ExactLong.pow10(e) - 1);
      v.add(ExactLong.pow10(e) + 1);
    }
    for (int b = 30; b <= 63; b += 3) {
      long p = b == 63 ? Long.MAX_VALUE : 1L << b;
      v.add(p);
      v.add(p - 1);
      v.add(p / 3);
    }
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < 24; i++) {
      v.add(r.nextLong(Long.MAX_VALUE) >>> r.nextInt(63));
    }
    return v;
  }

  private static BigInteger exact(long a, long b, long c, boolean ceil) {
    BigInteger[] qr =
        BigInteger.valueOf(a)
            .multiply(BigInteger.valueOf(b))
            .divideAndRemainder(BigInteger.valueOf(c));
    return ceil && qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
  }

  @Test
  void mulDivIsExactOrFallsBack() {
    List<Long> v = edges();
    long checked = 0;
    for (long a : v) {
      for (long b : v) {
        for (long c : v) {
          if (c == 0) {
            continue;
          }
          for (boolean ceil : new boolean[] {false, true}) {
            BigInteger want = exact(a, b, c, ceil);
            long got;
            try {
              got = ceil ? ExactLong.ceilMulDiv(a, b, c) : ExactLong.floorMulDiv(a, b, c);
            } catch (ArithmeticException e) {
              // a fallback is allowed only where the estimate cannot be trusted to a few units
              assertTrue(
                  want.bitLength() > 50, a + " x " + b + " / " + c + " refused, want " + want);
              continue;
            }
            assertEquals(
                want, BigInteger.valueOf(got), a + " x " + b + " / " + c + " ceil " + ceil);
            checked++;
          }
        }
      }
    }
    assertTrue(checked > 1_000_000, "checked " + checked);
  }

  @Test
  void ceilDivOfLongs() {
    for (long n : edges()) {
      for (long d : edges()) {
        if (d > 0) {
          assertEquals(
              new java.math.BigDecimal(n)
                  .divide(new java.math.BigDecimal(d), 0, RoundingMode.CEILING)
                  .longValueExact(),
              ExactLong.ceilDiv(n, d),
              n + " / " + d);
        }
      }
    }
  }
}
