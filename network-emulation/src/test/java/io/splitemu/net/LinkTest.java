package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.link.FaultSchedule;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.Link;
import io.splitemu.net.link.MessageLoss;
import io.splitemu.net.link.ShannonChannel;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.RateTrace;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FIFO, faults, loss and the Shannon channel on small cases. */
class LinkTest {
  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  private static EmulatedInstant at(double seconds) {
    return EmulatedInstant.ofSeconds(seconds);
  }

  @Test
  void send_backToBack_isFifoBehindEarlierTransfers() {
    Link link = new Link("up", FluidLink.constant(8e6, 10 * MS));
    Link.Delivery a = link.send(at(0), 1_000_000);
    Link.Delivery b = link.send(at(0.5), 1_000_000);
    Link.Delivery c = link.send(at(3), 500_000);
    assertEquals(S, a.lastByte().nanos());
    assertEquals(S + 10 * MS, a.arrival().nanos());
    assertEquals(2 * S, b.lastByte().nanos()); // waited for a
    assertEquals(3 * S + S / 2, c.lastByte().nanos()); // idle link again
    assertEquals(3 * S + S / 2, link.busyUntil().nanos());
  }

  @Test
  void outageAndDegradationWindows_stretchTransfers() {
    FaultSchedule outage = FaultSchedule.builder().outage(S / 2, S).build();
    Link l1 = new Link("l1", FluidLink.constant(8e6, 0), outage, MessageLoss.NONE);
    assertEquals(3 * S / 2, l1.send(at(0), 1_000_000).arrival().nanos());

    FaultSchedule half = FaultSchedule.builder().degradation(0, S, 0.5).build();
    Link l2 = new Link("l2", FluidLink.constant(8e6, 0), half, MessageLoss.NONE);
    assertEquals(3 * S / 2, l2.send(at(0), 1_000_000).arrival().nanos());
  }

  @Test
  void extraDelayWindow_addsToPropagation() {
    FaultSchedule delay = FaultSchedule.builder().extraDelay(0, 2 * S, 30 * MS).build();
    Link l = new Link("l", FluidLink.constant(8e6, 5 * MS), delay, MessageLoss.NONE);
    assertEquals(S + 35 * MS, l.send(at(0), 1_000_000).arrival().nanos());
    assertEquals(3 * S + 5 * MS, l.send(at(2), 1_000_000).arrival().nanos()); // ends outside
  }

  @Test
  void endlessOutage_reportedUndeliverable() {
    FaultSchedule cut = FaultSchedule.builder().outage(S / 2, Long.MAX_VALUE).build();
    Link l = new Link("dead", FluidLink.constant(8e6, 0), cut, MessageLoss.NONE);
    UndeliverableException e =
        assertThrows(UndeliverableException.class, () -> l.send(at(0), 1_000_000));
    assertTrue(e.getMessage().startsWith("dead: "), e.getMessage());
  }

  @Test
  void endlessOutage_onATraceLink_reportedAtOnce_asAnOutage() {
    // A trace of 1 ms steps: the walk used to visit the outage piece by piece under it and give up
    // after its piece limit ("rate too low?") instead of naming the outage that never recovers.
    long[] times = {0, MS, 2 * MS};
    BigDecimal[] rates = {
      BigDecimal.valueOf(8e6), BigDecimal.valueOf(4e6), BigDecimal.valueOf(2e6)
    };
    RateTrace t = new RateTrace("steps", times, rates);
    FaultSchedule cut = FaultSchedule.builder().outage(5 * S, Long.MAX_VALUE).build();
    Link l = new Link("dead", t.link(EndPolicy.LOOP, 0), cut, MessageLoss.NONE);
    UndeliverableException e =
        assertThrows(UndeliverableException.class, () -> l.send(at(4), 10_000_000));
    assertTrue(e.getMessage().contains("never recovers"), e.getMessage());
    // Transfers that end before the outage are unchanged.
    Link live = new Link("live", t.link(EndPolicy.LOOP, 0), cut, MessageLoss.NONE);
    Link plain = new Link("plain", t.link(EndPolicy.LOOP, 0));
    assertEquals(plain.send(at(1), 1_000).arrival(), live.send(at(1), 1_000).arrival());
  }

  @Test
  void loss_resendsAfterTimeout_andRepeatsFromSeed() {
    List<Link.Delivery> first = lossyRun(42);
    List<Link.Delivery> again = lossyRun(42);
    assertEquals(first, again);
    int retried = 0;
    for (int i = 0; i < first.size(); i++) {
      Link.Delivery d = first.get(i);
      // attempt k is sent (k - 1) timeouts of 2 s after the first and takes 1 s
      long expected = i * 100 * S + (d.attempts() - 1) * 2 * S + S;
      assertEquals(expected, d.lastByte().nanos());
      retried += d.attempts() > 1 ? 1 : 0;
    }
    assertTrue(retried > 0 && retried < first.size(), "p = 0.3 loses some but not all");
    assertTrue(!first.equals(lossyRun(43)), "another seed draws other losses");
  }

  private static List<Link.Delivery> lossyRun(long seed) {
    MessageLoss loss = new MessageLoss(0.3, 2 * S, 50, seed, "loss/device-1/up");
    Link l = new Link("lossy", FluidLink.constant(8e6, 0), FaultSchedule.builder().build(), loss);
    List<Link.Delivery> out = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      out.add(l.send(EmulatedInstant.ofNanos(i * 100 * S), 1_000_000));
    }
    return out;
  }

  @Test
  void alwaysLost_reportedAfterMaxAttempts() {
    MessageLoss loss = new MessageLoss(1, S, 3, 1, "loss/x");
    Link l = new Link("x", FluidLink.constant(8e6, 0), FaultSchedule.builder().build(), loss);
    assertThrows(UndeliverableException.class, () -> l.send(at(0), 10));
  }

  private static ShannonChannel channel(long seed, String name) {
    return new ShannonChannel(1e6, 0.5, 23, -174, 0.1, S, seed, name);
  }

  @Test
  void shannon_rate_isTheSameDoubleOnEveryHost() {
    // StrictMath's results are fixed by its spec; Math.log10 and Math.pow may round differently
    // by CPU (here at 2 km HotSpot's x86-64 intrinsics gave 550800.7300557675)
    ShannonChannel far = new ShannonChannel(1e6, 0.5, 23, -174, 2.0, S, 1, "fading/device-0");
    assertEquals(139.4187278369657, far.pathLossDb());
    assertEquals(550800.7300557676, far.rateBitsPerSecond(1.0));
  }

  @Test
  void shannon_rate_matchesHandComputation() {
    ShannonChannel ch = channel(1, "fading/device-0");
    assertEquals(90.5, ch.pathLossDb(), 1e-12);
    // SNR in dB: 23 dBm - 90.5 dB - (-174 dBm/Hz + 10 log10(0.5 MHz))
    double snrDb = 23 - 90.5 + 174 - 10 * Math.log10(5e5);
    double hand = 5e5 * Math.log(1 + Math.pow(10, snrDb / 10)) / Math.log(2);
    assertEquals(hand, ch.rateBitsPerSecond(1.0), hand * 1e-12);
    assertEquals(8_223_490.895, ch.rateBitsPerSecond(1.0), 1e-2);
    // fading scales the SNR: at |g|^2 = 0.1 the SNR drops by 10 dB
    double faded = 5e5 * Math.log(1 + Math.pow(10, (snrDb - 10) / 10)) / Math.log(2);
    assertEquals(faded, ch.rateBitsPerSecond(0.1), faded * 1e-12);
  }

  @Test
  void shannon_fading_reproducibleFromSeedAndName() {
    ShannonChannel a = channel(7, "fading/device-3");
    ShannonChannel b = channel(7, "fading/device-3");
    double sum = 0;
    for (long k = 9_999; k >= 0; k--) { // asked backwards: draws do not depend on order
      assertEquals(a.fading(k), b.fading(k));
      sum += a.fading(k);
    }
    assertEquals(1.0, sum / 10_000, 0.05, "Exp(1) has mean 1");
    assertTrue(a.fading(0) != channel(7, "fading/device-4").fading(0));
    assertTrue(a.fading(0) != channel(8, "fading/device-3").fading(0));
  }

  @Test
  void shannon_link_integratesAcrossCoherenceIntervals() {
    ShannonChannel ch = channel(5, "fading/device-1");
    double r0 = ch.rateBitsPerSecond(ch.fading(0));
    double r1 = ch.rateBitsPerSecond(ch.fading(1));
    // r0 bits fill interval 0 exactly; half of r1 more ends half-way into interval 1
    long bits = (long) Math.floor(r0) + (long) Math.floor(r1 / 2);
    long end = ch.finish(0, new BigDecimal(bits));
    double expected = 1 + (bits - r0) / r1;
    assertEquals(expected, end / 1e9, 1e-8);
  }
}
