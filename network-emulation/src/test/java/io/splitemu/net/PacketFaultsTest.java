package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.link.FaultSchedule;
import io.splitemu.net.link.Link;
import io.splitemu.net.link.LinkFaults;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.MessageLoss;
import io.splitemu.net.link.PacketLink;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.PacketTrace;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Outage and degradation windows on mahimahi links, against hand-counted opportunities. */
class PacketFaultsTest {
  private static final long MS = 1_000_000L;
  private static final long PROP = 3 * MS;
  private static final int PACKET = 1500;

  /** One opportunity at each of 1..10 ms; the next pass's sit at 11..20 ms. */
  private static PacketLink tenMs(EndPolicy end) {
    return new PacketLink(
        new PacketTrace("ten-ms", new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), end, PROP);
  }

  private static Link link(PacketLink model, FaultSchedule faults) {
    return new Link("mm", model, faults, MessageLoss.NONE);
  }

  /**
   * Arrival of {@code packets} full packets sent at {@code sendNanos}, minus propagation, in ms.
   */
  private static double lastByteMs(Link l, long sendNanos, long packets) {
    Link.Delivery d = l.send(EmulatedInstant.ofNanos(sendNanos), packets * PACKET);
    assertEquals(PROP, d.arrival().nanosSince(d.lastByte()));
    return d.lastByte().nanos() / (double) MS;
  }

  @Test
  void outage_dropsTheOpportunitiesInsideItsWindow() {
    FaultSchedule f = FaultSchedule.builder().outage(3 * MS, 6 * MS).build();
    // served: 1, 2, (3, 4, 5 dropped), 6, 7 -- the window's end is exclusive
    assertEquals(7, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 0, 4));
    // sent inside the outage: 4 and 5 are dropped, 6 serves
    assertEquals(6, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 3 * MS + MS / 2, 1));
    // after the window nothing changes: 7, 8
    assertEquals(8, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 7 * MS, 2));
    // the outage is not periodic with the trace: the next pass (11..20 ms) is whole
    assertEquals(13, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 11 * MS, 3));
  }

  @Test
  void faultsOnAThinnedLink_multiplyWithItsShare() {
    // A half share of the trace all run long (a shared band), then an outage over [3, 6) ms.
    LinkModel half =
        LinkFaults.apply(
            tenMs(EndPolicy.LOOP), FaultSchedule.builder().degradation(0, 100 * MS, 0.5).build());
    LinkModel both = LinkFaults.apply(half, FaultSchedule.builder().outage(3 * MS, 6 * MS).build());
    // Stretches [0, 3): 1, 2 -> serves 2; [3, 6): none; [6, 100): 6, 7, 8 -> serves 7, then 9.
    Link l = new Link("mm", both);
    assertEquals(2, lastByteMs(l, 0, 1));
    assertEquals(7, lastByteMs(l, 0, 1));
    assertEquals(9, lastByteMs(l, 0, 1));
  }

  @Test
  void halfDegradation_servesEverySecondOpportunity_startingWithTheSecond() {
    FaultSchedule f = FaultSchedule.builder().degradation(0, 10 * MS, 0.5).build();
    // stretch [0, 10 ms) holds 1..9 ms; accumulator 0.5, 1 (serve), 0.5, 1 (serve), ...
    // served 2, 4, 6, 8, then 10, 11 at full rate
    assertEquals(6, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 0, 3));
    assertEquals(11, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 0, 6));
  }

  @Test
  void degradation_isFifoAndIndependentOfEarlierTransfers() {
    FaultSchedule f = FaultSchedule.builder().degradation(0, 10 * MS, 0.5).build();
    Link l = link(tenMs(EndPolicy.LOOP), f);
    assertEquals(4, lastByteMs(l, 0, 2)); // 2, 4
    // behind it: 5 is not served (its place in the stretch, not the history, decides), 6, 8
    assertEquals(8, lastByteMs(l, 0, 2));
    assertEquals(11, lastByteMs(l, 0, 2)); // 10, 11
  }

  @Test
  void threeQuarters_skipsOneOpportunityInFour() {
    FaultSchedule f = FaultSchedule.builder().degradation(0, 30 * MS, 0.75).build();
    // accumulator .75, 1.5 (serve), 1.25 (serve), 1 (serve), .75, 1.5 (serve), ...
    // places 0..: skip 1 ms, serve 2, 3, 4, skip 5, serve 6, 7, 8, skip 9, serve 10
    assertEquals(4, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 0, 3));
    assertEquals(10, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 0, 7));
  }

  @Test
  void decimalFactor_servesItsExactShare_despiteTheDoubleBelowIt() {
    // 0.3 as a double is 0.29999...; taken as 0.3 the places 3, 6, 9 (4, 7, 10 ms) are served
    FaultSchedule f = FaultSchedule.builder().degradation(0, 11 * MS, 0.3).build();
    assertEquals(10, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 0, 3));
    LinkModel m = LinkFaults.apply(tenMs(EndPolicy.LOOP), f);
    assertEquals(
        0,
        BigDecimal.valueOf(3 * PACKET * 8L)
            .compareTo(m.capacityBits(EmulatedInstant.ZERO, EmulatedInstant.ofNanos(11 * MS))));
  }

  @Test
  void overlappingWindows_multiply_andEachEdgeRestartsTheAccumulator() {
    FaultSchedule f =
        FaultSchedule.builder().degradation(0, 10 * MS, 0.5).outage(4 * MS, 6 * MS).build();
    // [0, 4): 1, 2, 3 at 1/2 -> 2 | [4, 6): outage drops 4, 5 | [6, 10): 6, 7, 8, 9 at 1/2 -> 7, 9
    // then 10, 11 at full rate
    assertEquals(11, lastByteMs(link(tenMs(EndPolicy.LOOP), f), 0, 5));
    LinkModel m = LinkFaults.apply(tenMs(EndPolicy.LOOP), f);
    BigDecimal bitsPerPacket = BigDecimal.valueOf(PACKET * 8L);
    assertEquals(
        0,
        bitsPerPacket
            .multiply(BigDecimal.valueOf(3))
            .compareTo(m.capacityBits(EmulatedInstant.ZERO, EmulatedInstant.ofNanos(10 * MS))));
    // [6 ms, 12 ms): 7, 9 served, 10 and 11 whole
    assertEquals(
        0,
        bitsPerPacket
            .multiply(BigDecimal.valueOf(4))
            .compareTo(
                m.capacityBits(EmulatedInstant.ofNanos(6 * MS), EmulatedInstant.ofNanos(12 * MS))));
  }

  @Test
  void severalOpportunitiesPerMillisecond_countOneByOne() {
    // opportunities 0, 0, 1, 1, 1, 4 ms; half degradation over [0, 4 ms) holds 0, 0, 1, 1, 1
    PacketLink model =
        new PacketLink(
            new PacketTrace("repeats", new long[] {0, 0, 1, 1, 1, 4}), EndPolicy.LOOP, PROP);
    FaultSchedule f = FaultSchedule.builder().degradation(0, 4 * MS, 0.5).build();
    // places 0..4: serve 1 (0 ms) and 3 (1 ms); then 4 ms twice (pass 0's last, pass 1's first)
    assertEquals(0, lastByteMs(link(model, f), 0, 1));
    assertEquals(1, lastByteMs(link(model, f), 0, 2));
    assertEquals(4, lastByteMs(link(model, f), 0, 4));
  }

  @Test
  void serve_agreesWithCapacity_onLoopsAndOverlappingWindows() {
    PacketLink model =
        new PacketLink(new PacketTrace("gaps", new long[] {0, 0, 1, 3, 3, 5}), EndPolicy.LOOP, 0);
    FaultSchedule f =
        FaultSchedule.builder()
            .degradation(MS, 7 * MS, 0.5)
            .outage(8 * MS, 9 * MS)
            .degradation(9 * MS + MS / 2, 30 * MS, 0.75)
            .degradation(12 * MS, 14 * MS, 0.5)
            .build();
    LinkModel m = LinkFaults.apply(model, f);
    BigDecimal bitsPerPacket = BigDecimal.valueOf(PACKET * 8L);
    for (long send : new long[] {0, MS / 2, 2 * MS, 8 * MS + 1, 13 * MS}) {
      EmulatedInstant from = EmulatedInstant.ofNanos(send);
      for (long n = 1; n <= 40; n++) {
        long end = m.deliveryInstant(from, n * PACKET).nanos();
        BigDecimal need = bitsPerPacket.multiply(BigDecimal.valueOf(n));
        // the last packet leaves at the first instant by which n served opportunities exist
        BigDecimal through = m.capacityBits(from, EmulatedInstant.ofNanos(end + 1));
        BigDecimal before = m.capacityBits(from, EmulatedInstant.ofNanos(end));
        assertTrue(through.compareTo(need) >= 0, "send " + send + " n " + n);
        assertTrue(before.compareTo(need) < 0, "send " + send + " n " + n);
      }
    }
  }

  @Test
  void endlessOutage_reportedUndeliverable() {
    FaultSchedule f = FaultSchedule.builder().outage(5 * MS, Long.MAX_VALUE).build();
    Link l = link(tenMs(EndPolicy.LOOP), f);
    assertEquals(4, lastByteMs(l, 0, 4)); // 1..4 still served
    UndeliverableException e =
        assertThrows(UndeliverableException.class, () -> l.send(EmulatedInstant.ZERO, PACKET));
    assertTrue(e.getMessage().startsWith("mm: "), e.getMessage());
    assertTrue(e.getMessage().contains("never ends"), e.getMessage());
  }

  @Test
  void stoppedTrace_countsOnlyServedOpportunities() {
    FaultSchedule f = FaultSchedule.builder().outage(MS, 3 * MS).build();
    // 10 opportunities, 1 and 2 dropped: 8 packets fit, 9 do not
    assertEquals(10, lastByteMs(link(tenMs(EndPolicy.STOP), f), 0, 8));
    UndeliverableException e =
        assertThrows(
            UndeliverableException.class,
            () -> link(tenMs(EndPolicy.STOP), f).send(EmulatedInstant.ZERO, 9 * PACKET));
    assertTrue(e.getMessage().contains("stops"), e.getMessage());
  }

  @Test
  void factorAboveOne_refusedOnPacketLinks() {
    FaultSchedule f = FaultSchedule.builder().degradation(0, MS, 1.5).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> link(tenMs(EndPolicy.LOOP), f));
    assertTrue(e.getMessage().contains("1.5"), e.getMessage());
  }

  @Test
  void noRateWindows_leaveTheLinkAsItIs() {
    FaultSchedule delayOnly = FaultSchedule.builder().extraDelay(0, 5 * MS, 2 * MS).build();
    Link l = link(tenMs(EndPolicy.LOOP), delayOnly);
    Link.Delivery d = l.send(EmulatedInstant.ZERO, 2 * PACKET);
    assertEquals(2 * MS, d.lastByte().nanos());
    assertEquals(2 * MS + PROP + 2 * MS, d.arrival().nanos());
  }
}
