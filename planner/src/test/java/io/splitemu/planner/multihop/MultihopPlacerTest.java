package io.splitemu.planner.multihop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.profile.MeasuredProfile;
import io.splitemu.planner.memory.MemoryAccounting;
import io.splitemu.planner.memory.MemoryModel;
import io.splitemu.planner.memory.UnitMemory;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultihopPlacerTest {

  @Test
  void place_equalsBruteForce_onRandomSmallCases_bothObjectives() {
    Random rnd = new Random(7L);
    int compared = 0;
    for (int trial = 0; trial < 400; trial++) {
      int l = 3 + rnd.nextInt(12);
      int n = 1 + rnd.nextInt(5);
      int s1 = 1 + rnd.nextInt(3);
      int sLast = l - 1 - rnd.nextInt(3);
      if (sLast - s1 < n) {
        continue;
      }
      double[][] f = new double[n][l];
      double[][] b = new double[n][l];
      for (int i = 0; i < n; i++) {
        double speed = 0.5 + rnd.nextDouble();
        for (int j = 0; j < l; j++) {
          // integer-valued times make ties common, which stresses the bound sweep
          f[i][j] = rnd.nextInt(10) * speed;
          b[i][j] = rnd.nextInt(30) * speed;
        }
      }
      double[] mu = new double[l];
      for (int j = 0; j < l; j++) {
        mu[j] = 1 + rnd.nextInt(100);
      }
      double[] limit = new double[n];
      for (int i = 0; i < n; i++) {
        limit[i] = rnd.nextInt(4) == 0 ? Double.POSITIVE_INFINITY : 2 * (100 + rnd.nextInt(600));
      }
      HopCosts costs = new HopCosts(f, b);
      for (MultihopObjective o : MultihopObjective.values()) {
        Optional<Placement> dp = MultihopPlacer.place(costs, s1, sLast, mu, 2, limit, o);
        Optional<Placement> bf = MultihopPlacer.bruteForce(costs, s1, sLast, mu, 2, limit, o);
        assertEquals(bf.isPresent(), dp.isPresent(), "trial " + trial);
        if (bf.isPresent()) {
          compared++;
          assertEquals(bf.get().value(), dp.get().value(), 1e-9, "trial " + trial + " " + o);
          Placement p = dp.get();
          assertEquals(s1, p.cuts()[0]);
          assertEquals(sLast, p.cuts()[n]);
          for (int i = 0; i < n; i++) {
            assertTrue(p.cuts()[i + 1] > p.cuts()[i], "empty hop");
            assertTrue(p.memoryBytes()[i] <= limit[i]);
          }
        }
      }
    }
    assertTrue(compared > 300, "only " + compared + " feasible cases compared");
  }

  @Test
  void place_sumOfMaxima_canBeatTheMaxOfSumsPlacement() {
    // hop speeds differ so the two objectives disagree on this chain
    // (the device keeps the first and the last unit; the hops share units 2..5)
    HopCosts c =
        new HopCosts(
            new double[][] {{0, 5, 1, 1, 1, 0}, {0, 5, 1, 1, 1, 0}},
            new double[][] {{0, 1, 1, 1, 6, 0}, {0, 1, 1, 1, 6, 0}});
    double[] mu = {1, 1, 1, 1, 1, 1};
    double[] inf = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
    Placement a = MultihopPlacer.place(c, 1, 5, mu, 1, inf, MultihopObjective.SUM_OF_MAXIMA).get();
    Placement b = MultihopPlacer.place(c, 1, 5, mu, 1, inf, MultihopObjective.MAX_OF_SUMS).get();
    assertTrue(a.maxForward() + a.maxBackward() <= b.maxForward() + b.maxBackward());
    assertTrue(b.maxForwardPlusBackward() <= a.maxForwardPlusBackward());
  }

  @Test
  void vgg19Cifar_oneHopServerFor100Devices_needsAbout72GigabytesUnderPaperAccounting() {
    MeasuredProfile p = MeasuredData.load("vgg19_cifar");
    UnitMemory m = UnitMemory.of(p);
    // the MP-SL default split (1,24): the device keeps unit 1 and unit 25, the server 2..24
    double bytes = MemoryModel.oneHopServerBytes(m, 2, 24, 100, 128, MemoryAccounting.PAPER, 0);
    assertTrue(bytes > 66e9 && bytes < 78e9, "got " + bytes / 1e9 + " GB");
    double full = MemoryModel.oneHopServerBytes(m, 2, 24, 100, 128, MemoryAccounting.FULL, 1);
    assertTrue(full > bytes, "full accounting counts more than paper accounting");
  }

  private static double[] vgg19PaperMu(MeasuredProfile p) {
    UnitMemory m = UnitMemory.of(p);
    double[] mu = new double[p.unitCount()];
    for (int j = 1; j <= mu.length; j++) {
      mu[j - 1] = MemoryModel.unitBytes(m, j, 128, MemoryAccounting.PAPER, 0);
    }
    return mu;
  }

  @Test
  void vgg19Cifar_timeOptimalPlacementsPerHopPeakFallsStrictlyFrom1To5Hops() {
    MeasuredProfile p = MeasuredData.load("vgg19_cifar");
    double[] mu = vgg19PaperMu(p);
    double oneHop =
        MemoryModel.oneHopServerBytes(UnitMemory.of(p), 2, 24, 100, 128, MemoryAccounting.PAPER, 0);
    for (MultihopObjective o : MultihopObjective.values()) {
      double previous = Double.POSITIVE_INFINITY;
      for (int hops = 1; hops <= 5; hops++) {
        double[] inf = new double[hops];
        Arrays.fill(inf, Double.POSITIVE_INFINITY);
        Placement t =
            MultihopPlacer.place(HopCosts.fromMeasured(p, "VM", hops, 128), 1, 24, mu, 100, inf, o)
                .orElseThrow();
        double peak = t.peakMemoryBytes();
        if (hops == 1) {
          assertEquals(oneHop, peak, 1e-9 * oneHop);
        }
        // the fastest placement spreads the conv layers and keeps fc6 and fc7 on the last hop,
        // whose range shrinks as hops are added
        assertTrue(peak < previous, o + ", " + hops + " hops: " + peak + " >= " + previous);
        assertTrue(peak >= MultihopPlacer.minPeakMemory(mu, 1, 24, hops, 100) * (1 - 1e-12));
        previous = peak;
      }
    }
  }

  @Test
  void vgg19Cifar_smallestPerHopPeakFallsUntilFc6StandsAloneThenStaysThere() {
    MeasuredProfile p = MeasuredData.load("vgg19_cifar");
    double[] mu = vgg19PaperMu(p);
    // fc6 (unit 23, 401 MB of weights) is the largest unit; no placement can split a unit
    int largest = 0;
    for (int j = 1; j < mu.length; j++) {
      largest = mu[j] > mu[largest] ? j : largest;
    }
    assertEquals(23, largest + 1, "the largest unit of VGG-19 is fc6");
    double floor = 100 * mu[largest];
    double[] peak = new double[6];
    for (int hops = 1; hops <= 5; hops++) {
      peak[hops] = MultihopPlacer.minPeakMemory(mu, 1, 24, hops, 100);
      assertTrue(peak[hops] >= floor * (1 - 1e-12), hops + " hops below the fc6 floor");
      // the time-optimal placement under that peak as the limit exists and respects it
      double[] limit = new double[hops];
      Arrays.fill(limit, peak[hops]);
      Placement t =
          MultihopPlacer.place(
                  HopCosts.fromMeasured(p, "VM", hops, 128),
                  1,
                  24,
                  mu,
                  100,
                  limit,
                  MultihopObjective.SUM_OF_MAXIMA)
              .orElseThrow();
      assertTrue(t.peakMemoryBytes() <= peak[hops]);
    }
    assertEquals(
        MemoryModel.oneHopServerBytes(UnitMemory.of(p), 2, 24, 100, 128, MemoryAccounting.PAPER, 0),
        peak[1],
        1e-9 * peak[1]);
    // strictly falling while fc6 shares its hop: 1 hop 2..24, 2 hops 2..22 | 23..24
    assertTrue(peak[2] < peak[1] && peak[3] < peak[2]);
    assertTrue(peak[2] > floor);
    // from 3 hops on, one hop holds fc6 alone (2..22 | 23 | 24): the floor, and no lower
    for (int hops = 3; hops <= 5; hops++) {
      assertEquals(floor, peak[hops], 1e-9 * floor, hops + " hops");
    }
  }

  @Test
  void resnet101Cifar_epochEstimate_matchesItsTerms_andBeatsOneHop() {
    MeasuredProfile p = MeasuredData.load("resnet101_cifar");
    int l = p.unitCount();
    double[] mu = new double[l];
    double[] inf = new double[4];
    Arrays.fill(inf, Double.POSITIVE_INFINITY);
    DeviceSide d = DeviceSide.fromMeasured(p, "d1", 128, 8e6, 8e6);
    Placement four =
        MultihopPlacer.place(
                HopCosts.fromMeasured(p, "VM", 4, 128),
                1,
                l - 1,
                mu,
                10,
                inf,
                MultihopObjective.SUM_OF_MAXIMA)
            .orElseThrow();
    MpslEpoch e = MpslEpoch.estimate(four, d, 10, 40, 1, false);
    assertEquals(400, e.batches());
    assertEquals(
        e.startFirst() + e.hopSum() + 399 * e.period() + e.endLast(), e.all(), 1e-9 * e.all());
    assertEquals(four.maxForward() + four.maxBackward(), e.period(), 1e-12);
    Placement one =
        MultihopPlacer.place(
                HopCosts.fromMeasured(p, "VM", 1, 128),
                1,
                l - 1,
                mu,
                10,
                new double[] {Double.POSITIVE_INFINITY},
                MultihopObjective.SUM_OF_MAXIMA)
            .orElseThrow();
    assertTrue(e.total() < MpslEpoch.estimate(one, d, 10, 40, 1, false).total());
  }

  @Test
  void epochEstimate_chargesThePropagationDelayOnEachDeviceTransfer() {
    MeasuredProfile p = MeasuredData.load("resnet101_cifar");
    int l = p.unitCount();
    DeviceSide d = DeviceSide.fromMeasured(p, "d1", 128, 8e6, 8e6);
    Placement two =
        MultihopPlacer.place(
                HopCosts.fromMeasured(p, "VM", 2, 128),
                1,
                l - 1,
                new double[l],
                10,
                new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY},
                MultihopObjective.SUM_OF_MAXIMA)
            .orElseThrow();
    MpslEpoch none = MpslEpoch.estimate(two, d, 10, 40, 1, false);
    MpslEpoch delayed = MpslEpoch.estimate(two, d.withPropagation(0.5), 10, 40, 1, false);
    // One delay on the first upload; three on the tail turnaround and the cut gradient (tail
    // activation down, tail gradient up, cut gradient down); two on FedAvg's upload and download.
    assertEquals(none.startFirst() + 0.5, delayed.startFirst(), 1e-9);
    assertEquals(none.endLast() + 1.5, delayed.endLast(), 1e-9);
    assertEquals(none.aggregation() + 1.0, delayed.aggregation(), 1e-9);
    assertEquals(none.hopSum(), delayed.hopSum());
    assertEquals(none.period(), delayed.period());
    assertEquals(none.total() + 3.0, delayed.total(), 1e-6);
    assertEquals(
        none.total(), MpslEpoch.estimate(two, d.withPropagation(0), 10, 40, 1, false).total());
    assertThrows(IllegalArgumentException.class, () -> d.withPropagation(-1e-3));
    assertThrows(IllegalArgumentException.class, () -> d.withPropagation(Double.NaN));
  }

  @Test
  void horizontalScaling_splitsIdenticalDevicesEvenlyOverIdenticalHelpers() {
    MeasuredProfile p = MeasuredData.load("resnet101_cifar");
    int l = p.unitCount();
    DeviceSide d = DeviceSide.fromMeasured(p, "d1", 128, 8e6, 8e6);
    double[] mu = new double[l];
    double[] mem = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
    HorizontalScaling h =
        HorizontalScaling.plan(
            HopCosts.fromMeasured(p, "VM", 3, 128), 1, l - 1, d, mu, mem, 10, 40, 1);
    int[] sorted = h.devicesPerHelper().clone();
    Arrays.sort(sorted);
    assertEquals("[3, 3, 4]", Arrays.toString(sorted));
    // a helper twice as slow gets fewer devices
    HorizontalScaling het =
        HorizontalScaling.plan(
            HopCosts.fromMeasured(p, "VM", new double[] {1, 1, 2}, 128),
            1,
            l - 1,
            d,
            mu,
            mem,
            10,
            40,
            1);
    assertTrue(het.devicesPerHelper()[2] < het.devicesPerHelper()[0]);
  }

  /**
   * The device keeps at least one head and one tail unit (the settings' head-units and tail-units
   * are >= 1): with s1 = 0 the epoch estimate left out the raw input's upload (its cut bits were
   * 0), and with sLast = L it charged a tail turnaround with no tail units. The API refuses both.
   */
  @Test
  void place_refusesAnEmptyHeadOrTail() {
    HopCosts c = new HopCosts(new double[][] {{1, 1, 1, 1}}, new double[][] {{1, 1, 1, 1}});
    double[] mu = {1, 1, 1, 1};
    double[] inf = {Double.POSITIVE_INFINITY};
    MultihopObjective o = MultihopObjective.SUM_OF_MAXIMA;
    IllegalArgumentException head =
        assertThrows(
            IllegalArgumentException.class, () -> MultihopPlacer.place(c, 0, 3, mu, 1, inf, o));
    assertTrue(head.getMessage().contains("s1 = 0"), head.getMessage());
    IllegalArgumentException tail =
        assertThrows(
            IllegalArgumentException.class, () -> MultihopPlacer.place(c, 1, 4, mu, 1, inf, o));
    assertTrue(tail.getMessage().contains("sLast = 4"), tail.getMessage());
    assertTrue(MultihopPlacer.place(c, 1, 3, mu, 1, inf, o).isPresent());
  }
}
