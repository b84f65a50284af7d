package io.splitemu.net.link;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.ExactLong;
import io.splitemu.net.RateModulation;
import io.splitemu.net.RatePiece;
import io.splitemu.net.UndeliverableException;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.PacketTrace;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A link driven by mahimahi delivery opportunities: each opportunity at or after a transfer's start
 * carries up to 1500 of its bytes, and the transfer ends at the one carrying its last byte.
 *
 * <p>Opportunities are numbered globally (pass x lines + line), so FIFO transfers never share one
 * and a whole pass is skipped by arithmetic rather than by walking.
 *
 * <p>Fault windows ({@link #withFaults}) thin the opportunities instead of scaling a rate. Over
 * each stretch of constant factor f (between two window edges) an accumulator starts at 0, gains f
 * per opportunity, and the opportunity that brings it to 1 or more is served (the accumulator then
 * loses 1). So the j-th opportunity of the stretch (from 0) is served iff floor((j + 1) f) >
 * floor(j f): an outage (f = 0) serves none, f = 1/2 serves every second one starting with the
 * second, f = 1 serves all. The choice is deterministic, depends only on the opportunity's place in
 * its stretch (not on earlier transfers) and serves floor(n f) of any stretch's first n.
 *
 * <p>Factors are taken to 15 significant digits: a configured 0.3 arrives as the double just below
 * 0.3, whose exact value would serve only 2 of the first 10 opportunities instead of 3.
 */
public final class PacketLink implements LinkModel {
  // The trace itself, never a copy: every link on one trace file reads the same timestamps.
  private final PacketTrace trace;
  private final int lines;
  private final EndPolicy end;
  private final long propagationNanos;
  private final long passMs;

  /** Factors in [0, 1] on the opportunities; null when the link has no rate faults. */
  private final RateModulation faults;

  /** A link on {@code trace}'s opportunities, which it shares with every other such link. */
  public PacketLink(PacketTrace trace, EndPolicy end, long propagationNanos) {
    this(trace, end, propagationNanos, null);
  }

  private PacketLink(
      PacketTrace trace, EndPolicy end, long propagationNanos, RateModulation faults) {
    if (end == EndPolicy.HOLD_LAST) {
      throw new IllegalArgumentException("a mahimahi trace can loop or stop, not hold-last");
    }
    if (propagationNanos < 0) {
      throw new IllegalArgumentException("propagation delay must be >= 0, got " + propagationNanos);
    }
    this.trace = trace;
    this.lines = trace.lines();
    this.end = end;
    this.propagationNanos = propagationNanos;
    this.passMs = trace.passMillis();
    this.faults = faults;
  }

  /** The trace this link reads (shared, immutable). */
  public PacketTrace trace() {
    return trace;
  }

  /**
   * This link with its opportunities thinned by {@code faults}, whose factors must lie in [0, 1] (a
   * packet trace cannot gain opportunities); see the class comment for which ones are served. On a
   * link already thinned (a share of a shared trace) the factors multiply.
   */
  PacketLink withFaults(RateModulation faults) {
    return new PacketLink(
        trace,
        end,
        propagationNanos,
        this.faults == null ? faults : RateModulation.product(this.faults, faults));
  }

  /** Instant of global opportunity g. */
  private long instantOf(long g) {
    long pass = g / lines;
    try {
      return Math.multiplyExact(
          Math.addExact(Math.multiplyExact(pass, passMs), trace.lineMillis((int) (g % lines))),
          1_000_000L);
    } catch (ArithmeticException e) {
      throw new UndeliverableException(
          "the transfer would end beyond the emulated clock's range (2^63 ns)");
    }
  }

  /** The first global opportunity at or after t. */
  private long firstAtOrAfter(long tNanos) {
    long tMs = (tNanos + 999_999) / 1_000_000; // opportunities sit on whole milliseconds
    long pass = tMs / passMs;
    long off = tMs - pass * passMs;
    if (pass > 0 && off == 0) {
      pass--; // the previous pass's last opportunities sit exactly on this pass boundary
      off = passMs;
    }
    return pass * lines + trace.firstLineAtOrAfter(off);
  }

  @Override
  public LinkState serve(LinkState state, EmulatedInstant send, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("transfer size must be >= 0 bytes, got " + bytes);
    }
    EmulatedInstant start = EmulatedInstant.max(send, state.freeAt());
    if (bytes == 0) {
      return new LinkState(start, state.nextOpportunity());
    }
    long first = Math.max(state.nextOpportunity(), firstAtOrAfter(start.nanos()));
    long packets = (bytes + PacketTrace.PACKET_BYTES - 1) / PacketTrace.PACKET_BYTES;
    long last = faults == null ? first + packets - 1 : lastServed(first, packets);
    if (end == EndPolicy.STOP && last >= lines) {
      throw stopped(first, packets);
    }
    return new LinkState(EmulatedInstant.ofNanos(instantOf(last)), last + 1);
  }

  private UndeliverableException stopped(long first, long packets) {
    return new UndeliverableException(
        "the trace stops at "
            + EmulatedInstant.ofMillis(passMs)
            + " with "
            + Math.max(0, lines - first)
            + " opportunities left, the transfer needs "
            + packets
            + (faults == null ? "" : " served ones (fault windows thin them)"));
  }

  /**
   * The global index of the opportunity that serves the {@code packets}-th packet when serving
   * starts at opportunity {@code g}, walking fault stretches rather than single opportunities.
   */
  private long lastServed(long g, long packets) {
    long need = packets;
    long horizon = faults.horizonNanos();
    while (true) {
      if (end == EndPolicy.STOP && g >= lines) {
        return g + need - 1; // past the end: the caller reports it
      }
      long tg = instantOf(g);
      if (tg >= horizon) {
        return g + need - 1; // no faults from here on
      }
      RatePiece p = faults.factorAt(tg);
      Factor f = factor(p);
      long a = firstAtOrAfter(p.startNanos()); // the stretch's first opportunity
      long b = stretchEnd(p); // exclusive; Long.MAX_VALUE if the stretch never ends
      if (f.source().signum() == 0) { // rounding keeps the sign, and a positive stays positive
        if (b == Long.MAX_VALUE) {
          throw new UndeliverableException(
              "no packet opportunity is served from "
                  + EmulatedInstant.ofNanos(tg)
                  + " on: an outage that never ends");
        }
        g = b;
        continue;
      }
      long before = served(g - a, f);
      // the smallest k with floor(k f) >= before + need: the k-th opportunity (k - 1 from 0)
      long k = reaching(before + need, f);
      if (b == Long.MAX_VALUE || a + k - 1 < b) {
        return a + k - 1;
      }
      need -= served(b - a, f) - before;
      g = b;
    }
  }

  /**
   * A stretch's factor as the decimal it was configured as (15 significant digits), and the same as
   * the fraction num / den of longs when it is one (num < 0 when not).
   */
  private record Factor(BigDecimal source, long num, long den) {
    /** The factor taken to 15 significant digits (formed again: kept only as num / den). */
    BigDecimal value() {
      return source.round(FACTOR_DIGITS);
    }
  }

  // The last factor rounded: a stretch's pieces come from one modulation, whose factor decimals
  // repeat (a fault schedule hands out the same ones), so rounding is done once per change.
  // Immutable, so a racy read sees a whole entry or none.
  private Factor lastFactor;

  /** The stretch's factor as the decimal it was configured as (15 significant digits). */
  private Factor factor(RatePiece p) {
    BigDecimal source = p.perSecond();
    Factor last = lastFactor;
    if (last != null && last.source() == source) {
      return last;
    }
    Factor f = factor(source);
    lastFactor = f;
    return f;
  }

  private static Factor factor(BigDecimal source) {
    BigDecimal value = source.round(FACTOR_DIGITS);
    BigDecimal s = value.stripTrailingZeros();
    long num = -1;
    long den = 0;
    if (s.scale() >= 0 && s.scale() <= 18 && s.unscaledValue().bitLength() < 63) {
      num = s.unscaledValue().longValueExact();
      den = ExactLong.pow10(s.scale());
    }
    return new Factor(source, num, den);
  }

  /** floor(n f) with f {@code factor} taken to 15 digits, as a stretch counts it (for tests). */
  static long servedAt(long n, BigDecimal factor) {
    return served(n, factor(factor));
  }

  /** ceil(m / f) with f {@code factor} > 0 taken to 15 digits (for tests). */
  static long reachingAt(long m, BigDecimal factor) {
    return reaching(m, factor(factor));
  }

  private static final MathContext FACTOR_DIGITS = new MathContext(15, RoundingMode.HALF_EVEN);

  /** Opportunities served among a stretch's first {@code n} at factor f: floor(n f). */
  private static long served(long n, Factor f) {
    if (f.num() >= 0) {
      try {
        return ExactLong.floorMulDiv(n, f.num(), f.den());
      } catch (ArithmeticException e) {
        // beyond 128 bits or a long: the big-number path decides
      }
    }
    return BigDecimal.valueOf(n)
        .multiply(f.value())
        .setScale(0, RoundingMode.FLOOR)
        .longValueExact();
  }

  /** The smallest k with floor(k f) >= m, for f > 0: ceil(m / f). */
  private static long reaching(long m, Factor f) {
    if (f.num() > 0) {
      try {
        return ExactLong.ceilMulDiv(m, f.den(), f.num());
      } catch (ArithmeticException e) {
        // beyond 128 bits or a long: the big-number path decides
      }
    }
    return BigDecimal.valueOf(m).divide(f.value(), 0, RoundingMode.CEILING).longValueExact();
  }

  /** The first global opportunity after the fault stretch {@code p}; MAX_VALUE if none. */
  private long stretchEnd(RatePiece p) {
    if (p.endNanos() == Long.MAX_VALUE) {
      return end == EndPolicy.STOP ? lines : Long.MAX_VALUE;
    }
    long b = firstAtOrAfter(p.endNanos());
    return end == EndPolicy.STOP ? Math.min(b, lines) : b;
  }

  @Override
  public long propagationNanos() {
    return propagationNanos;
  }

  /** Bits of the opportunities in [from, to) that are served (fault windows thin them). */
  @Override
  public BigDecimal capacityBits(EmulatedInstant from, EmulatedInstant to) {
    long a = firstAtOrAfter(from.nanos());
    long b = firstAtOrAfter(to.nanos());
    if (end == EndPolicy.STOP) {
      a = Math.min(a, lines);
      b = Math.min(b, lines);
    }
    long count = faults == null ? Math.max(0, b - a) : servedBetween(a, b);
    return BigDecimal.valueOf(count).multiply(BigDecimal.valueOf(PacketTrace.PACKET_BYTES * 8L));
  }

  /** Served opportunities among global indices [g, to). */
  private long servedBetween(long g, long to) {
    long count = 0;
    long horizon = faults.horizonNanos();
    while (g < to) {
      long tg = instantOf(g);
      if (tg >= horizon) {
        return count + (to - g);
      }
      RatePiece p = faults.factorAt(tg);
      long a = firstAtOrAfter(p.startNanos());
      long b = Math.min(to, stretchEnd(p));
      Factor f = factor(p);
      count += served(b - a, f) - served(g - a, f);
      g = b;
    }
    return count;
  }
}
