package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FCFS busy-until, shares and rate factors on small cases. */
class ComputeResourceTest {
  private static final long S = 1_000_000_000L;

  @Test
  void run_fcfs_queuesBehindBusyUntil() {
    ComputeResource cpu = ComputeResource.constant("device-0", 1e9);
    assertEquals(new ComputeResource.Execution(EmulatedInstant.ZERO, at(S)), cpu.run(at(0), 1e9));
    ComputeResource.Execution second = cpu.run(at(S / 2), 1e9);
    assertEquals(S, second.start().nanos());
    assertEquals(2 * S, second.finish().nanos());
    ComputeResource.Execution third = cpu.run(at(5 * S), 5e8);
    assertEquals(5 * S, third.start().nanos());
    assertEquals(5 * S + S / 2, third.finish().nanos());
    assertEquals(5 * S + S / 2, cpu.busyUntil().nanos());
  }

  @Test
  void workPastTheClock_isUndeliverable_namingTheResourceAndTheClock_notAnOverflow() {
    // 1e19 FLOPs at 1 FLOP/s end about 317 years on: past 2^63 ns.
    ComputeResource slow = ComputeResource.constant("device-3", 1);
    UndeliverableException e =
        assertThrows(UndeliverableException.class, () -> slow.finishIdle(at(S), 1e19));
    assertTrue(
        e.getMessage().startsWith("device-3: a computation of 1.000e+19 FLOPs"), e.getMessage());
    assertTrue(e.getMessage().endsWith(RateFunction.BEYOND_CLOCK), e.getMessage());
    // The same through a piecewise rate (a slowed share walks its pieces).
    ComputeResource half =
        ComputeResource.constant("server", 2).partition(Map.of("d", 0.5)).get("d");
    e = assertThrows(UndeliverableException.class, () -> half.finishIdle(at(0), 1e19));
    assertTrue(e.getMessage().endsWith(RateFunction.BEYOND_CLOCK), e.getMessage());
    // Just inside the clock (9e18 of its 9.22e18 ns) it is a plain instant.
    assertEquals(9_000_000_000L * S, slow.finishIdle(at(0), 9e9).nanos());
  }

  @Test
  void staticRate_endsAtTheClocksLastInstant_andRefusesTheNext() {
    StaticRate oneBitPerSecond = new StaticRate(BigDecimal.ONE);
    // From Long.MAX_VALUE - 2e9 ns, 2 bits take exactly the 2e9 ns left.
    long t0 = Long.MAX_VALUE - 2 * S;
    assertEquals(Long.MAX_VALUE, oneBitPerSecond.finish(t0, BigDecimal.valueOf(2)));
    UndeliverableException e =
        assertThrows(
            UndeliverableException.class, () -> oneBitPerSecond.finish(t0, BigDecimal.valueOf(3)));
    assertEquals("the transfer " + RateFunction.BEYOND_CLOCK, e.getMessage());
  }

  @Test
  void partition_sharesGiveIndependentQueuesAtScaledRates() {
    Map<String, Double> shares = new LinkedHashMap<>();
    shares.put("device-0", 0.25);
    shares.put("device-1", 0.75);
    Map<String, ComputeResource> parts = ComputeResource.constant("server", 1e9).partition(shares);
    assertEquals(4 * S, parts.get("device-0").run(at(0), 1e9).finish().nanos());
    assertEquals(2 * S, parts.get("device-1").run(at(0), 1.5e9).finish().nanos());
    assertEquals(2 * S, parts.get("device-1").busyUntil().nanos());
    assertEquals(4 * S, parts.get("device-0").busyUntil().nanos());
  }

  @Test
  void partition_oversubscribed_refused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ComputeResource.constant("server", 1e9).partition(Map.of("a", 0.6, "b", 0.5)));
    assertEquals(true, e.getMessage().contains("expected <= 1"), e.getMessage());
  }

  @Test
  void factorTrace_workSpanningIntervals_integratesExactly() {
    ComputeResource cpu =
        ComputeResource.constant("d", 1e9).withFactors(IntervalFactors.looping(S, 1.0, 0.5));
    // 1e9 FLOPs in [0, 1) s, then 0.5e9 at half rate takes all of [1, 2) s
    assertEquals(2 * S, cpu.finishIdle(at(0), 1.5e9).nanos());
    // from 1.5 s: 0.25e9 to 2 s, loop back to factor 1: 0.25e9 more in 0.25 s
    assertEquals(2 * S + S / 4, cpu.finishIdle(at(S + S / 2), 5e8).nanos());
  }

  @Test
  void drawnFactors_reproducibleFromSeed() {
    ComputeResource a = withDrawn(11);
    ComputeResource b = withDrawn(11);
    assertEquals(a.finishIdle(at(0), 7e9), b.finishIdle(at(0), 7e9));
    assertEquals(false, a.finishIdle(at(0), 7e9).equals(withDrawn(12).finishIdle(at(0), 7e9)));
  }

  private static ComputeResource withDrawn(long seed) {
    return ComputeResource.constant("d", 1e9)
        .withFactors(
            IntervalFactors.drawn(S, seed, "compute/device-2", r -> r.nextDouble(0.5, 1.5)));
  }

  private static EmulatedInstant at(long nanos) {
    return EmulatedInstant.ofNanos(nanos);
  }
}
