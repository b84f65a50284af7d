package io.splitemu.net;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A processor that serves work (FLOPs) at a rate r(t), first come first served with a busy-until.
 *
 * <p>The rate may vary per interval through a {@link RateModulation} (a distribution or a trace of
 * factors); processor sharing by explicit shares gives each holder its own FCFS queue at rate x
 * share, so holders never slow each other down beyond their share.
 */
public final class ComputeResource {

  /** One piece of work: when it started (after queueing) and when it finished. */
  public record Execution(EmulatedInstant start, EmulatedInstant finish) {}

  private final String name;
  private final RateFunction flopsPerSecond;
  private EmulatedInstant busyUntil = EmulatedInstant.ZERO;

  public ComputeResource(String name, RateFunction flopsPerSecond) {
    this.name = name;
    this.flopsPerSecond = flopsPerSecond;
  }

  public static ComputeResource constant(String name, double flopsPerSecond) {
    if (!(flopsPerSecond > 0) || !Double.isFinite(flopsPerSecond)) {
      throw new IllegalArgumentException(
          name + ": compute rate must be a positive finite FLOP/s, got " + flopsPerSecond);
    }
    return new ComputeResource(name, RateFunction.constant(flopsPerSecond));
  }

  /** The same processor with its rate multiplied by per-interval factors. */
  public ComputeResource withFactors(RateModulation factors) {
    return new ComputeResource(name, new ModulatedRate(flopsPerSecond, factors));
  }

  /**
   * Splits this processor into one FCFS resource per holder at rate x share; shares must be in (0,
   * 1] and sum to at most 1.
   */
  public Map<String, ComputeResource> partition(Map<String, Double> shares) {
    double sum = 0;
    Map<String, ComputeResource> parts = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : shares.entrySet()) {
      double s = e.getValue();
      if (!(s > 0 && s <= 1)) {
        throw new IllegalArgumentException(
            name + ": share of " + e.getKey() + " must be in (0, 1], got " + s);
      }
      sum += s;
      BigDecimal factor = new BigDecimal(s);
      RateFunction rate =
          flopsPerSecond instanceof StaticRate st
              ? new StaticRate(st.perSecond().multiply(factor))
              : new ModulatedRate(flopsPerSecond, constantFactor(factor));
      parts.put(e.getKey(), new ComputeResource(name + "/" + e.getKey(), rate));
    }
    if (sum > 1 + 1e-12) {
      throw new IllegalArgumentException(name + ": shares sum to " + sum + ", expected <= 1");
    }
    return parts;
  }

  /** When {@code flops} of work started at {@code start} on an idle processor would finish. */
  public EmulatedInstant finishIdle(EmulatedInstant start, double flops) {
    BigDecimal work = work(flops);
    try {
      return EmulatedInstant.ofNanos(flopsPerSecond.finish(start.nanos(), work));
    } catch (UndeliverableException e) {
      if (e.getMessage() == null || !e.getMessage().endsWith(RateFunction.BEYOND_CLOCK)) {
        throw e;
      }
      throw new UndeliverableException(
          String.format(
              java.util.Locale.ROOT,
              "%s: a computation of %.4g FLOPs started at %.9f s %s",
              name,
              flops,
              start.toSeconds(),
              RateFunction.BEYOND_CLOCK));
    }
  }

  /** Queues work that is ready at {@code ready}: it starts when the processor is free. */
  public synchronized Execution run(EmulatedInstant ready, double flops) {
    EmulatedInstant start = EmulatedInstant.max(ready, busyUntil);
    EmulatedInstant end = finishIdle(start, flops);
    busyUntil = end;
    return new Execution(start, end);
  }

  public synchronized EmulatedInstant busyUntil() {
    return busyUntil;
  }

  public String name() {
    return name;
  }

  public RateFunction rate() {
    return flopsPerSecond;
  }

  private BigDecimal work(double flops) {
    if (!(flops >= 0) || !Double.isFinite(flops)) {
      throw new IllegalArgumentException(name + ": work must be finite FLOPs >= 0, got " + flops);
    }
    return new BigDecimal(flops);
  }

  private static RateModulation constantFactor(BigDecimal factor) {
    return new RateModulation() {
      @Override
      public RatePiece factorAt(long tNanos) {
        return new RatePiece(0, Long.MAX_VALUE, factor);
      }

      @Override
      public long horizonNanos() {
        return Long.MAX_VALUE;
      }
    };
  }
}
