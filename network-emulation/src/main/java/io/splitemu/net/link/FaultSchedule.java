package io.splitemu.net.link;

import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.RateModulation;
import io.splitemu.net.RatePiece;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Faults layered on a link: outage windows (rate 0), degradation windows (rate x factor) and extra
 * delay windows (added to the propagation of transfers whose last byte leaves in the window).
 *
 * <p>Overlapping windows multiply; an outage wins over everything. An outage may be open-ended
 * ({@link Long#MAX_VALUE} end): a transfer caught in it is reported undeliverable.
 */
public final class FaultSchedule implements RateModulation {

  /** A window [from, to) with a rate factor or an extra delay. */
  public record Window(long fromNanos, long toNanos, BigDecimal factor, long extraDelayNanos) {
    public Window {
      if (fromNanos < 0 || toNanos <= fromNanos) {
        throw new IllegalArgumentException(
            "fault window must satisfy 0 <= from < to, got [" + fromNanos + ", " + toNanos + ")");
      }
    }

    boolean contains(long t) {
      return t >= fromNanos && t < toNanos;
    }
  }

  private final List<Window> windows;
  private final long[] boundaries;
  private final long horizon;

  private FaultSchedule(List<Window> windows) {
    this.windows = List.copyOf(windows);
    TreeSet<Long> b = new TreeSet<>();
    long h = 0;
    for (Window w : windows) {
      if (w.factor().compareTo(BigDecimal.ONE) != 0) {
        b.add(w.fromNanos());
        b.add(w.toNanos());
        h = Math.max(h, w.toNanos());
      }
    }
    this.boundaries = b.stream().mapToLong(Long::longValue).toArray();
    this.horizon = h;
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Window> windows() {
    return windows;
  }

  /**
   * The factor piece at {@code t}: the product of the windows that hold it. The product starts at
   * the first such window's own decimal rather than at 1 x it, and skips windows of factor exactly
   * {@link BigDecimal#ONE} (extra delays): neither changes the product's value or scale, so the
   * piece is the one {@link #formedFactorAt} gives, without a new decimal for each call, and a
   * piece under a single window carries that window's decimal itself (a packet link keeps its
   * rounding by identity).
   */
  @Override
  public RatePiece factorAt(long t) {
    BigDecimal f = null;
    for (Window w : windows) {
      if (w.contains(t) && !w.factor().equals(BigDecimal.ONE)) {
        f = f == null ? w.factor() : f.multiply(w.factor());
      }
    }
    return pieceAt(t, f == null ? BigDecimal.ONE : f);
  }

  /** The piece at {@code t} as it was formed before, from 1 times each window's factor (tests). */
  RatePiece formedFactorAt(long t) {
    BigDecimal f = BigDecimal.ONE;
    for (Window w : windows) {
      if (w.contains(t)) {
        f = f.multiply(w.factor());
      }
    }
    return pieceAt(t, f);
  }

  /** The piece of factor {@code f} between the boundaries around {@code t}. */
  private RatePiece pieceAt(long t, BigDecimal f) {
    long start = 0;
    long end = Long.MAX_VALUE;
    for (long b : boundaries) {
      if (b <= t) {
        start = b;
      } else {
        end = b;
        break;
      }
    }
    return new RatePiece(start, end, f);
  }

  @Override
  public long horizonNanos() {
    return horizon;
  }

  /** Extra delay for a transfer whose last byte leaves at {@code lastByte}. */
  public long extraDelayNanos(EmulatedInstant lastByte) {
    long extra = 0;
    for (Window w : windows) {
      if (w.contains(lastByte.nanos())) {
        extra = Math.addExact(extra, w.extraDelayNanos());
      }
    }
    return extra;
  }

  /** Collects windows; each method checks its own arguments. */
  public static final class Builder {
    private final List<Window> windows = new ArrayList<>();

    public Builder outage(long fromNanos, long toNanos) {
      windows.add(new Window(fromNanos, toNanos, BigDecimal.ZERO, 0));
      return this;
    }

    public Builder degradation(long fromNanos, long toNanos, double factor) {
      if (!(factor >= 0) || !Double.isFinite(factor)) {
        throw new IllegalArgumentException("degradation factor must be >= 0, got " + factor);
      }
      windows.add(new Window(fromNanos, toNanos, new BigDecimal(factor), 0));
      return this;
    }

    public Builder extraDelay(long fromNanos, long toNanos, long delayNanos) {
      if (delayNanos < 0) {
        throw new IllegalArgumentException("extra delay must be >= 0 ns, got " + delayNanos);
      }
      windows.add(new Window(fromNanos, toNanos, BigDecimal.ONE, delayNanos));
      return this;
    }

    public FaultSchedule build() {
      return new FaultSchedule(windows);
    }
  }
}
