package io.splitemu.planner.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemeLatencyTest {

  // Three units with round numbers so the expected values can be written from the formulas.
  private static final ChainProfile CHAIN =
      new ChainProfile(
          "toy",
          100,
          List.of(
              new UnitProfile("a", 1000, 2000, 50, 10, 40),
              new UnitProfile("b", 3000, 6000, 20, 30, 120),
              new UnitProfile("c", 500, 1000, 10, 5, 20)));
  private static final CutCosts C = CutCosts.of(CHAIN);

  private static DeviceState dev(String id, double phi, long samples, double up, double down) {
    return new DeviceState(id, phi, samples, RateFunction.linear(up), RateFunction.linear(down));
  }

  @Test
  void step_followsSectionThree() {
    DeviceState d = dev("x", 1e4, 10, 8e3, 16e3);
    StepTimes s = SchemeLatency.step(C, 2, 4, d, 0.5, 0.25);
    assertEquals(4 * 4000 / 1e4, s.forward(), 1e-15);
    assertEquals(8.0 * (4 * 20 + 4 * 4) / (0.5 * 8e3), s.uplink(), 1e-15);
    assertEquals(8.0 * 4 * 20 / (0.25 * 16e3), s.downlink(), 1e-15);
    assertEquals(4 * 8000 / 1e4, s.backward(), 1e-15);
  }

  @Test
  void clusterVisit_isBroadcastPlusStepsPlusUpload() {
    DeviceState d1 = dev("x", 1e4, 10, 8e3, 16e3);
    DeviceState d2 = dev("y", 2e4, 10, 4e3, 8e3);
    double[] up = {0.6, 0.4};
    double[] down = {0.3, 0.7};
    ServerState srv = new ServerState(1e5);
    int b = 2;
    int l = 1;
    StepTimes s1 = SchemeLatency.step(C, l, b, d1, up[0], down[0]);
    StepTimes s2 = SchemeLatency.step(C, l, b, d2, up[1], down[1]);
    double tau =
        Math.max(s1.forward() + s1.uplink(), s2.forward() + s2.uplink())
            + b * 2 * (3000 + 6000 + 500 + 1000) / 1e5
            + Math.max(s1.downlink() + s1.backward(), s2.downlink() + s2.backward());
    double expect =
        8.0 * 40 / Math.min(16e3, 8e3)
            + 3 * tau
            + Math.max(8.0 * 40 / (0.6 * 8e3), 8.0 * 40 / (0.4 * 4e3));
    LatencyBreakdown got = SchemeLatency.clusterVisit(C, l, b, 3, List.of(d1, d2), up, down, srv);
    assertEquals(expect, got.total(), 1e-12 * expect);
    assertEquals(3 * b * 2 * 10500 / 1e5, got.serverCompute(), 1e-12);
    LatencyBreakdown psl = SchemeLatency.pslRound(C, l, b, 3, List.of(d1, d2), up, down, srv);
    LatencyBreakdown v2 = SchemeLatency.splitFedV2Round(C, l, b, 3, List.of(d1, d2), up, down, srv);
    assertEquals(psl, v2);
  }

  @Test
  void vanillaSl_isSumOfSoloVisits() {
    DeviceState d1 = dev("x", 1e4, 10, 8e3, 16e3);
    DeviceState d2 = dev("y", 2e4, 10, 4e3, 8e3);
    ServerState srv = new ServerState(1e5);
    double expect = 0;
    for (DeviceState d : List.of(d1, d2)) {
      StepTimes s = SchemeLatency.step(C, 2, 3, d, 1, 1);
      double tau = s.forward() + s.uplink() + 3 * 1500 / 1e5 + s.downlink() + s.backward();
      expect +=
          8.0 * 160 / d.downlink().bitsPerSecond(1)
              + 2 * tau
              + 8.0 * 160 / d.uplink().bitsPerSecond(1);
    }
    double got = SchemeLatency.vanillaSlRound(C, 2, 3, 2, List.of(d1, d2), srv).total();
    assertEquals(expect, got, 1e-12 * expect);
  }

  @Test
  void splitFedV1_isWorstDeviceEpochPlusDownload() {
    DeviceState d1 = dev("x", 1e4, 10, 8e3, 16e3);
    DeviceState d2 = dev("y", 2e4, 7, 4e3, 8e3);
    double[] up = {0.5, 0.5};
    double[] down = {0.5, 0.5};
    double[] s = {0.25, 0.75};
    ServerState srv = new ServerState(1e5);
    double worst = 0;
    DeviceState[] ds = {d1, d2};
    for (int i = 0; i < 2; i++) {
      StepTimes t = SchemeLatency.step(C, 1, 4, ds[i], up[i], down[i]);
      double step =
          t.forward() + t.uplink() + 4 * 10500 / (s[i] * 1e5) + t.downlink() + t.backward();
      double epoch =
          Math.ceil(ds[i].samples() / 4.0) * step
              + 8.0 * 40 / (0.5 * ds[i].uplink().bitsPerSecond(1));
      worst = Math.max(worst, epoch);
    }
    double expect = worst + 8.0 * 40 / 8e3;
    double got = SchemeLatency.splitFedV1Round(C, 1, 4, List.of(d1, d2), up, down, s, srv).total();
    assertEquals(expect, got, 1e-12 * expect);
  }

  @Test
  void sflDevice_followsSectionFour() {
    DeviceState d = dev("x", 1e4, 9, 8e3, 16e3);
    double t = SchemeLatency.sflDevice(C, 2, 4, d, 5e4).total();
    double expect =
        3 * (4 * 12000 / 1e4 + 8.0 * 4 * 20 * (1 / 8e3 + 1 / 16e3) + 4 * 1500 / 5e4)
            + 8.0 * 160 / 8e3;
    assertEquals(expect, t, 1e-12 * expect);
  }

  @Test
  void badInput_failsWithOneLineMessage() {
    DeviceState d = dev("x", 1e4, 9, 8e3, 16e3);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SchemeLatency.step(C, 1, 4, d, 0, 1));
    assertTrue(e.getMessage().contains("share must be in (0, 1]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SchemeLatency.step(C, 4, 4, d, 1, 1));
    assertTrue(e.getMessage().contains("cut 4 outside 0..3"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SchemeLatency.pslRound(
                    C,
                    1,
                    4,
                    1,
                    List.of(d, d),
                    new double[] {0.7, 0.7},
                    new double[] {0.5, 0.5},
                    new ServerState(1)));
    assertTrue(e.getMessage().contains("sum to"), e.getMessage());
  }

  @Test
  void shannon_rate_isTheSameDoubleOnEveryHost() {
    // StrictMath's results are fixed by its spec; with Math.pow (a HotSpot intrinsic) this x86-64
    // host gave 550800.7300557675. The same double as network-emulation's ShannonChannel (LinkTest)
    ShannonRate far = ShannonRate.withPathLoss(1e6, 23, 2.0, 1.0, -174);
    assertEquals(550800.7300557676, far.bitsPerSecond(0.5));
  }

  @Test
  void shannon_minShareInvertsRate() {
    ShannonRate r = ShannonRate.withPathLoss(10e6, 23, 0.2, 1.0, -174);
    double prev = 0;
    for (int k = 1; k <= 100; k++) {
      double x = k / 100.0;
      double rate = r.bitsPerSecond(x);
      assertTrue(rate > prev, "rate increasing in share");
      prev = rate;
      double back = r.minShare(rate);
      assertEquals(x, back, 1e-12);
      assertTrue(r.bitsPerSecond(back) >= rate * (1 - 1e-15));
    }
    assertEquals(Double.POSITIVE_INFINITY, r.minShare(r.bitsPerSecond(1) * 1.01));
  }

  @Test
  void propagationDelay_isAddedToEveryTransfer() {
    DeviceState d1 = dev("x", 1e4, 10, 8e3, 16e3);
    DeviceState d2 = dev("y", 2e4, 7, 4e3, 8e3);
    double prop = 0.125;
    StepTimes s = SchemeLatency.step(C, 2, 4, d1.withPropagation(prop), 0.5, 0.25);
    StepTimes s0 = SchemeLatency.step(C, 2, 4, d1, 0.5, 0.25);
    assertEquals(s0.uplink() + prop, s.uplink(), 1e-15);
    assertEquals(s0.downlink() + prop, s.downlink(), 1e-15);
    assertEquals(s0.forward(), s.forward(), 0.0);
    ServerState srv = new ServerState(1e5);
    List<DeviceState> zero = List.of(d1, d2);
    List<DeviceState> delayed = List.of(d1.withPropagation(prop), d2.withPropagation(prop));
    // psl: broadcast, 2 steps of one uplink and one downlink each, upload.
    double psl0 = SchemeLatency.pslRound(C, 1, 2, 2, zero, srv).total();
    double psl = SchemeLatency.pslRound(C, 1, 2, 2, delayed, srv).total();
    assertEquals(psl0 + (2 + 2 * 2) * prop, psl, 1e-12 * psl);
    // sfl: E_n steps of two transfers each, then the model upload.
    LatencyBreakdown sfl0 = SchemeLatency.sflDevice(C, 2, 4, d1, 5e4);
    LatencyBreakdown sfl = SchemeLatency.sflDevice(C, 2, 4, d1.withPropagation(prop), 5e4);
    assertEquals(sfl0.total() + (3 * 2 + 1) * prop, sfl.total(), 1e-12 * sfl.total());
  }

  @Test
  void localStepsZero_isOneEpochOfTheLargestShard() {
    DeviceState d1 = dev("x", 1e4, 10, 8e3, 16e3);
    DeviceState d2 = dev("y", 2e4, 7, 4e3, 8e3);
    assertEquals(3, SchemeLatency.visitSteps(0, List.of(d1, d2), 4));
    assertEquals(2, SchemeLatency.visitSteps(0, List.of(d2), 4));
    assertEquals(5, SchemeLatency.visitSteps(5, List.of(d1, d2), 4));
    ServerState srv = new ServerState(1e5);
    double[] one = {1.0};
    double sl =
        SchemeLatency.clusterVisit(C, 1, 4, 3, List.of(d1), one, one, srv).total()
            + SchemeLatency.clusterVisit(C, 1, 4, 2, List.of(d2), one, one, srv).total();
    assertEquals(sl, SchemeLatency.vanillaSlRound(C, 1, 4, 0, List.of(d1, d2), srv).total(), 0.0);
    double[] half = {0.5, 0.5};
    assertEquals(
        SchemeLatency.clusterVisit(C, 1, 4, 3, List.of(d1, d2), half, half, srv),
        SchemeLatency.pslRound(C, 1, 4, 0, List.of(d1, d2), half, half, srv));
  }

  @Test
  void ownLinks_runEveryDeviceAtShareOne() {
    DeviceState d1 = dev("x", 1e4, 10, 8e3, 16e3);
    DeviceState d2 = dev("y", 2e4, 7, 4e3, 8e3);
    ServerState srv = new ServerState(1e5);
    List<DeviceState> ds = List.of(d1, d2);
    LatencyBreakdown own = SchemeLatency.pslRound(C, 1, 4, 2, ds, srv);
    // Each device alone at share 1 of a band twice as wide gives the same rates at share 1/2.
    List<DeviceState> wide = List.of(dev("x", 1e4, 10, 16e3, 32e3), dev("y", 2e4, 7, 8e3, 16e3));
    double[] half = {0.5, 0.5};
    LatencyBreakdown pooled = SchemeLatency.pslRound(C, 1, 4, 2, wide, half, half, srv);
    // Only the broadcast differs: it runs at the full band of the wider link.
    double bits = 8.0 * C.deviceParamBytes(1);
    assertEquals(own.total() - bits / 8e3, pooled.total() - bits / 16e3, 1e-12 * own.total());
    assertEquals(own, SchemeLatency.splitFedV2Round(C, 1, 4, 2, ds, srv));
  }

  @Test
  void splitFedV1_localStepsOverrideTheEpoch() {
    DeviceState d1 = dev("x", 1e4, 10, 8e3, 16e3);
    DeviceState d2 = dev("y", 2e4, 7, 4e3, 8e3);
    ServerState srv = new ServerState(1e5);
    double[] s = {0.25, 0.75};
    List<DeviceState> ds = List.of(d1, d2);
    double worst = 0;
    for (int i = 0; i < 2; i++) {
      StepTimes t = SchemeLatency.step(C, 1, 4, ds.get(i), 1, 1);
      double step =
          t.forward() + t.uplink() + 4 * 10500 / (s[i] * 1e5) + t.downlink() + t.backward();
      worst = Math.max(worst, 5 * step + 8.0 * 40 / ds.get(i).uplink().bitsPerSecond(1));
    }
    double expect = worst + 8.0 * 40 / 8e3;
    double got = SchemeLatency.splitFedV1Round(C, 1, 4, 5, ds, s, srv).total();
    assertEquals(expect, got, 1e-12 * expect);
    assertEquals(
        SchemeLatency.splitFedV1Round(
            C, 1, 4, ds, new double[] {0.5, 0.5}, new double[] {0.5, 0.5}, s, srv),
        SchemeLatency.splitFedV1Round(
            C, 1, 4, 0, ds, new double[] {0.5, 0.5}, new double[] {0.5, 0.5}, s, srv));
  }

  /**
   * Bad shares and empty device lists are refused with one line instead of giving infinity, NaN, a
   * null round or shares that do not add up.
   */
  @Test
  void badSharesAndEmptyDeviceLists_areRefusedOrMadeConsistent() {
    CutCosts c = CutCosts.of(TestChains.cnn(7, 6));
    ServerState s = new ServerState(5e10);
    List<DeviceState> three = TestChains.linearDevices(2, 3);
    // A server share of 0 where the cut leaves the server work was infinity (SplitFed v1) ...
    IllegalArgumentException v1 =
        assertThrows(
            IllegalArgumentException.class,
            () -> SchemeLatency.splitFedV1Round(c, 3, 16, 1, three, new double[] {0.5, 0.5, 0}, s));
    assertTrue(v1.getMessage().contains("device d2") && v1.getMessage().contains("server share"));
    // ... and at cut L, where the server has nothing to do, 0/0 = NaN; now 0 s of server time.
    double whole = SchemeLatency.edgeSplitDeviceEpoch(c, 6, 16, three.get(0), 0.5, 0, s);
    assertEquals(SchemeLatency.edgeSplitDeviceEpoch(c, 6, 16, three.get(0), 0.5, 0.5, s), whole);
    assertThrows(
        IllegalArgumentException.class,
        () -> SchemeLatency.edgeSplitDeviceEpoch(c, 3, 16, three.get(0), 0.5, 0, s));
    // Each share is checked, not only their sum.
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SchemeLatency.splitFedV1Round(
                c, 3, 16, 1, three, new double[] {0.5, 0.5, Double.NaN}, s));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SchemeLatency.barrierStep(
                c, 3, 16, three, new double[] {0.6, 0.6, -0.2}, new double[] {0.3, 0.3, 0.3}, s));
    // An empty device list has no round (it was null, or makespan 0).
    assertThrows(
        IllegalArgumentException.class,
        () -> SchemeLatency.sflRound(c, new int[0], 16, List.of(), new double[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> SchemeLatency.splitFedV1Round(c, 3, 16, 1, List.of(), new double[0], s));
    // The aggregation shares add up to 1 also when a device moves no model (cut 0): it was
    // [0.5, 1.0].
    double[] agg =
        SchemeLatency.edgeSplitAggregationShares(c, new int[] {0, 3}, new double[] {1e6, 1e6});
    assertEquals(0, agg[0]);
    assertEquals(1, agg[1]);
    double[] none =
        SchemeLatency.edgeSplitAggregationShares(c, new int[] {0, 0}, new double[] {1e6, 1e6});
    assertEquals(0.5, none[0]);
    assertEquals(0.5, none[1]);
    double round =
        SchemeLatency.edgeSplitRound(
                c,
                new int[] {0, 3},
                16,
                three.subList(0, 2),
                new double[] {0.5, 0.5},
                new double[] {0.5, 0.5},
                s)
            .total();
    assertTrue(Double.isFinite(round));
  }
}
