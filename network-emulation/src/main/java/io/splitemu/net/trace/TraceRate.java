package io.splitemu.net.trace;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.ExactLong;
import io.splitemu.net.RateFunction;
import io.splitemu.net.RatePiece;
import io.splitemu.net.UndeliverableException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Arrays;

/**
 * The rate function of a {@link RateTrace}, with exact prefix sums so that a transfer costs a
 * binary search however many passes it spans.
 *
 * <p>Internally amounts are held as rate x nanoseconds (bits x 1e9), so sums need no division.
 *
 * <p>Immutable and stateless: its {@link RateTrace} builds one per end policy and every link on the
 * trace reads it, so the samples and their sums exist once however many devices use them.
 */
final class TraceRate implements RateFunction {
  private final long[] times;
  private final BigDecimal[] rates;
  private final EndPolicy end;
  private final long pass;
  private final BigDecimal[] cum; // cum[i] = scaled bits from 0 to times[i]
  private final BigDecimal passCap;
  private final BigDecimal afterRate;

  // The exact long path of finish (LOOP only; null without it): every rate x 10^scale as a long,
  // and the prefix sums and the pass sum x 10^scale as 128-bit (hi, lo) pairs, where an amount of
  // bits counts amount x unit (unit = 1e9 x 10^scale). Exactly the big-number sums scaled by a
  // power of ten, so every comparison and ceiling division gives the big-number path's result.
  private final long[] fastRates;
  private final long[] cumHi;
  private final long[] cumLo;
  private final long passHi;
  private final long passLo;
  private final long unit;

  /**
   * The rate of a {@link RateTrace}'s samples under {@code end}; the arrays are the trace's own,
   * shared and never written.
   *
   * @param cum the prefix sums of {@link #prefixSums}
   */
  TraceRate(long[] times, BigDecimal[] rates, BigDecimal[] cum, EndPolicy end) {
    this.times = times;
    this.rates = rates;
    this.cum = cum;
    this.end = end;
    int n = times.length;
    this.pass = times[n - 1];
    this.passCap = cum[n - 1];
    this.afterRate = end == EndPolicy.HOLD_LAST ? rates[n - 1] : BigDecimal.ZERO;
    long[] fr = null;
    long[] ch = null;
    long[] cl = null;
    long u = 0;
    if (end == EndPolicy.LOOP && passCap.signum() > 0) {
      int scale = 0;
      for (BigDecimal r : rates) {
        scale = Math.max(scale, r.stripTrailingZeros().scale());
      }
      if (scale <= 9) {
        u = BigInteger.TEN.pow(9 + scale).longValueExact();
        fr = new long[n];
        ch = new long[n];
        cl = new long[n];
        for (int i = 0; i < n && fr != null; i++) {
          BigInteger r = rates[i].movePointRight(scale).toBigIntegerExact();
          BigInteger c = cum[i].movePointRight(scale).toBigIntegerExact();
          if (r.bitLength() > 62 || c.bitLength() > 125) {
            fr = null; // too large for the long path: the big-number one serves
          } else {
            fr[i] = r.longValueExact();
            ch[i] = c.shiftRight(64).longValueExact();
            cl[i] = c.longValue();
          }
        }
      }
    }
    this.fastRates = fr;
    this.cumHi = fr == null ? null : ch;
    this.cumLo = fr == null ? null : cl;
    this.passHi = fr == null ? 0 : ch[n - 1];
    this.passLo = fr == null ? 0 : cl[n - 1];
    this.unit = u;
  }

  /** Scaled bits from 0 to each sample's time: the same for every end policy. */
  static BigDecimal[] prefixSums(long[] times, BigDecimal[] rates) {
    int n = times.length;
    BigDecimal[] cum = new BigDecimal[n];
    cum[0] = BigDecimal.ZERO;
    for (int i = 1; i < n; i++) {
      cum[i] = cum[i - 1].add(rates[i - 1].multiply(BigDecimal.valueOf(times[i] - times[i - 1])));
    }
    return cum;
  }

  /** Whether {@link #finishWhole} has its long path on this trace (for tests). */
  boolean hasLongPath() {
    return fastRates != null;
  }

  /** The sample times, for tests that check links share them (never written). */
  long[] sharedTimes() {
    return times;
  }

  /** Index of the segment holding offset 0 <= off < pass: the last i with times[i] <= off. */
  private int segment(long off) {
    int i = Arrays.binarySearch(times, off);
    if (i < 0) {
      return -i - 2;
    }
    while (i + 1 < times.length && times[i + 1] == off) {
      i++; // zero-length segments: the last sample at this time holds
    }
    return i;
  }

  @Override
  public RatePiece pieceAt(long t) {
    if (end != EndPolicy.LOOP && t >= pass) {
      return new RatePiece(pass, Long.MAX_VALUE, afterRate);
    }
    long base = (t / pass) * pass;
    int i = segment(t - base);
    long e = base + times[i + 1];
    return new RatePiece(base + times[i], e < 0 ? Long.MAX_VALUE : e, rates[i]);
  }

  /** Scaled bits from 0 to t. */
  private BigDecimal cumulative(long t) {
    if (end != EndPolicy.LOOP && t >= pass) {
      return passCap.add(afterRate.multiply(BigDecimal.valueOf(t - pass)));
    }
    long q = t / pass;
    long off = t - q * pass;
    int i = segment(off);
    return passCap
        .multiply(BigDecimal.valueOf(q))
        .add(cum[i])
        .add(rates[i].multiply(BigDecimal.valueOf(off - times[i])));
  }

  @Override
  public BigDecimal integral(long from, long to) {
    return cumulative(to).subtract(cumulative(from)).divide(NANOS_PER_SECOND);
  }

  /**
   * The same instant as {@link #finish(long, BigDecimal)} for a whole amount, in long arithmetic
   * where it fits; anything that does not fit (or ends in an exception) takes the big-number path.
   */
  @Override
  public long finishWhole(long t0, long amount) {
    if (amount <= 0) {
      return t0;
    }
    if (fastRates != null) {
      try {
        return finishFast(t0, amount);
      } catch (ArithmeticException e) {
        // beyond 63 or 128 bits somewhere: the exact big-number path decides
      }
    }
    return finish(t0, BigDecimal.valueOf(amount));
  }

  private long finishFast(long t0, long amount) {
    long q = t0 / pass;
    long off = t0 - q * pass;
    int i = segment(off);
    // r = cum[i] + rate[i] (off - times[i]) + amount: what the pass holds up to the end
    long rh = cumHi[i];
    long rl = cumLo[i];
    long d = off - times[i];
    long ph = Math.multiplyHigh(fastRates[i], d);
    long pl = fastRates[i] * d;
    long sl = rl + pl;
    rh = Math.addExact(Math.addExact(rh, ph), Long.compareUnsigned(sl, rl) < 0 ? 1 : 0);
    rl = sl;
    ph = Math.multiplyHigh(amount, unit);
    pl = amount * unit;
    sl = rl + pl;
    rh = Math.addExact(Math.addExact(rh, ph), Long.compareUnsigned(sl, rl) < 0 ? 1 : 0);
    rl = sl;
    // whole passes before the one it ends in: r in (0, passCap] afterwards
    for (int k = 0; ExactLong.compare(rh, rl, passHi, passLo) > 0; k++) {
      if (k == 8) {
        throw new ArithmeticException("many passes: the big-number path divides");
      }
      long nl = rl - passLo;
      rh = rh - passHi - (Long.compareUnsigned(rl, passLo) < 0 ? 1 : 0);
      rl = nl;
      q = Math.addExact(q, 1);
    }
    long base = Math.multiplyExact(q, pass);
    int lo = 0;
    int hi = times.length - 1; // smallest j with cum[j + 1] >= r, in [0, n - 2]
    while (lo < hi - 1) {
      int mid = (lo + hi) >>> 1;
      if (ExactLong.compare(cumHi[mid], cumLo[mid], rh, rl) >= 0) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    int j = hi - 1;
    long nl = rl - cumLo[j];
    long nh = rh - cumHi[j] - (Long.compareUnsigned(rl, cumLo[j]) < 0 ? 1 : 0);
    long dt = ExactLong.ceilDiv(nh, nl, fastRates[j]);
    return Math.addExact(Math.addExact(base, times[j]), dt);
  }

  @Override
  public long finish(long t0, BigDecimal amount) {
    if (amount.signum() <= 0) {
      return t0;
    }
    BigDecimal target = cumulative(t0).add(amount.multiply(NANOS_PER_SECOND));
    if (end != EndPolicy.LOOP) {
      if (target.compareTo(passCap) <= 0) {
        return withinPass(0, target);
      }
      if (afterRate.signum() == 0) {
        throw new UndeliverableException(
            "the trace ends at "
                + EmulatedInstant.ofNanos(pass)
                + " (end policy "
                + end.label()
                + ") before the transfer completes");
      }
      long from = Math.max(t0, pass);
      BigDecimal left = target.subtract(cumulative(from));
      return add(from, left.divide(afterRate, 0, RoundingMode.CEILING).toBigIntegerExact());
    }
    if (passCap.signum() == 0) {
      throw new UndeliverableException("the trace carries 0 bits per pass");
    }
    BigInteger q =
        target
            .divide(passCap, 0, RoundingMode.CEILING)
            .toBigIntegerExact()
            .subtract(BigInteger.ONE);
    BigDecimal r = target.subtract(passCap.multiply(new BigDecimal(q)));
    BigInteger base = q.multiply(BigInteger.valueOf(pass));
    if (base.compareTo(LATEST) > 0) {
      throw new UndeliverableException("the transfer would end beyond the emulated clock's range");
    }
    return withinPass(base.longValueExact(), r);
  }

  /** The first instant in the pass starting at {@code base} where the pass sum reaches r > 0. */
  private long withinPass(long base, BigDecimal r) {
    int lo = 0;
    int hi = times.length - 1; // smallest i with cum[i + 1] >= r, in [0, n - 2]
    while (lo < hi - 1) {
      int mid = (lo + hi) >>> 1;
      if (cum[mid].compareTo(r) >= 0) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    int i = hi - 1;
    BigDecimal dt = r.subtract(cum[i]).divide(rates[i], 0, RoundingMode.CEILING);
    return add(BigInteger.valueOf(base).add(BigInteger.valueOf(times[i])), dt.toBigIntegerExact());
  }

  /** The clock's last instant, 2^63 - 1 ns: a transfer may end on it, never after. */
  private static final BigInteger LATEST = BigInteger.valueOf(Long.MAX_VALUE);

  private static long add(long t, BigInteger dt) {
    return add(BigInteger.valueOf(t), dt);
  }

  private static long add(BigInteger t, BigInteger dt) {
    BigInteger sum = dt.add(t);
    if (sum.compareTo(LATEST) > 0) {
      throw new UndeliverableException("the transfer would end beyond the emulated clock's range");
    }
    return sum.longValueExact();
  }
}
