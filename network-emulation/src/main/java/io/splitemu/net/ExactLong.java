package io.splitemu.net;

/**
 * Exact integer arithmetic on {@code long}s for the links' hot paths, with 128-bit intermediates
 * held as (hi, lo) pairs: hi signed (never negative here), lo unsigned.
 *
 * <p>Every method either returns the exact result or throws {@link ArithmeticException}; callers
 * then take their {@code BigDecimal} path, so no result is ever rounded differently. Quotients are
 * estimated in double and then checked (and corrected by a step or two) against exact 128-bit
 * products, so a wrong estimate costs a step, never a wrong answer.
 */
public final class ExactLong {
  private ExactLong() {}

  private static final int MAX_STEPS = 4;

  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  /** 10^e for 0 <= e <= 18. */
  public static long pow10(int e) {
    return POW10[e];
  }

  /** floor(a b / c) for a, b >= 0 and c > 0, if it fits in a long. */
  public static long floorMulDiv(long a, long b, long c) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / c;
    }
    return floorDiv(hi, lo, c);
  }

  /** ceil(a b / c) for a, b >= 0 and c > 0, if it fits in a long. */
  public static long ceilMulDiv(long a, long b, long c) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return ceilDiv(lo, c);
    }
    return ceilDiv(hi, lo, c);
  }

  /** ceil(n / d) for n >= 0 and d > 0. */
  public static long ceilDiv(long n, long d) {
    long q = n / d;
    return q * d == n ? q : q + 1;
  }

  /** floor((hi, lo) / d) for a non-negative 128-bit (hi, lo) and d > 0, if it fits in a long. */
  public static long floorDiv(long hi, long lo, long d) {
    if (hi == 0 && lo >= 0) {
      return lo / d;
    }
    // the largest q with q d <= n
    long q = estimate(hi, lo, d);
    for (int step = 0; step < MAX_STEPS; step++) {
      long ph = Math.multiplyHigh(q, d);
      long pl = q * d;
      if (compare(ph, pl, hi, lo) > 0) {
        q--; // q d > n
        continue;
      }
      // q d <= n; is (q + 1) d <= n too?
      long nl = pl + d;
      long nh = ph + (Long.compareUnsigned(nl, pl) < 0 ? 1 : 0);
      if (compare(nh, nl, hi, lo) <= 0) {
        q = Math.addExact(q, 1);
        continue;
      }
      return q;
    }
    throw new ArithmeticException("128-bit quotient not found");
  }

  /** ceil((hi, lo) / d) for a non-negative 128-bit (hi, lo) and d > 0, if it fits in a long. */
  public static long ceilDiv(long hi, long lo, long d) {
    if (hi == 0 && lo >= 0) {
      return ceilDiv(lo, d);
    }
    long q = floorDiv(hi, lo, d);
    return Math.multiplyHigh(q, d) == hi && q * d == lo ? q : Math.addExact(q, 1);
  }

  /** Compares two 128-bit values (hi signed, lo unsigned). */
  public static int compare(long ah, long al, long bh, long bl) {
    int c = Long.compare(ah, bh);
    return c != 0 ? c : Long.compareUnsigned(al, bl);
  }

  /** An estimate of (hi, lo) / d within a few units when the quotient fits; clamped to a long. */
  private static long estimate(long hi, long lo, long d) {
    double n = hi * 0x1p64 + (lo >>> 1) * 2.0 + (lo & 1);
    double q = Math.floor(n / d);
    if (!(q < 0x1p63)) {
      throw new ArithmeticException("quotient beyond a long");
    }
    return Math.max(0, (long) q);
  }
}
