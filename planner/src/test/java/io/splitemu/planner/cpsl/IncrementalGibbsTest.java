package io.splitemu.planner.cpsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.planner.cpsl.ClusterCostModel.SharePolicy;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IncrementalGibbsTest {

  private static ClusterCostModel model(long seed, int n, boolean shannon) {
    return GibbsClusteringTest.model(seed, n, shannon);
  }

  private static int[][] sortedStart(ClusterCostModel m, int clusters) {
    return Clustering.chunk(SortedClustering.order(m), clusters);
  }

  /** {@code m}'s devices with a propagation delay of {@code seconds} on every transfer. */
  private static ClusterCostModel delayed(ClusterCostModel m, double seconds) {
    java.util.List<io.splitemu.planner.latency.DeviceState> d = new java.util.ArrayList<>();
    for (io.splitemu.planner.latency.DeviceState x : m.devices()) {
      d.add(
          new io.splitemu.planner.latency.DeviceState(
              x.id(),
              x.flopsPerSecond(),
              x.samples(),
              x.uplink(),
              x.downlink(),
              x.memoryBytes(),
              seconds));
    }
    return new ClusterCostModel(m.costs(), m.cut(), m.batch(), m.localSteps(), d, m.server());
  }

  @Test
  void startCosts_equalTheExactVisits_withAndWithoutAPropagationDelay() {
    for (boolean shannon : new boolean[] {false, true}) {
      ClusterCostModel m = model(3, 600, shannon);
      checkStartCosts(m, shannon);
      checkStartCosts(delayed(m, 0.02), shannon);
    }
  }

  private static void checkStartCosts(ClusterCostModel m, boolean shannon) {
    int[][] start = sortedStart(m, 6);
    IncrementalGibbs g = new IncrementalGibbs(m, start);
    for (int c = 0; c < 6; c++) {
      double exact = m.visit(start[c], SharePolicy.OPTIMAL);
      assertEquals(exact, g.cost(c), 1e-12 * exact, "cluster " + c + ", shannon " + shannon);
    }
  }

  @Test
  void shareAt_solvesTheRateEquation_fromAnyWarmStart() {
    // A share starts from a step off where it was last solved: whatever that was (near, far, an
    // exact solve's), the share gives the bits needed by t, B / (t - a) = x w log2(1 + snr / x),
    // to 1e-13, and the same share to 1e-13 as a fresh search's.
    ClusterCostModel m = model(7, 120, true);
    int[][] start = sortedStart(m, 4);
    IncrementalGibbs g = new IncrementalGibbs(m, start);
    SplittableRandom r = new SplittableRandom(7);
    int checked = 0;
    for (int k = 0; k < 2000; k++) {
      int i = r.nextInt(120);
      int p = r.nextInt(2);
      boolean up = p == 0;
      double lowest = m.fixed(i, up) + m.phaseBits(up) / m.fullRate(i, up);
      // From just above the whole-band time (share near 1) to 50 times it (share near 0).
      double t = lowest * (1 + Math.exp(r.nextDouble() * Math.log(50)));
      double x = g.shareAt(i, p, t);
      double need = m.phaseBits(up) / (t - m.fixed(i, up));
      double rate = x * m.bandwidth(i, up) * Math.log1p(m.snr(i, up) / x) / Math.log(2);
      assertEquals(need, rate, 1e-13 * need, "device " + i + ", phase " + p + ", t " + t);
      // -dx/dt = B / ((t - a)^2 r'(x)), with r' taken at the share itself.
      double q = m.snr(i, up) / x;
      double rp = m.bandwidth(i, up) / Math.log(2) * (Math.log1p(q) - q / (1 + q));
      double slope = need / (t - m.fixed(i, up)) / rp;
      assertEquals(slope, g.lastSlope(), 1e-11 * slope, "slope, device " + i + ", t " + t);
      double fresh = new IncrementalGibbs(m, start).shareAt(i, p, t);
      assertEquals(fresh, x, 1e-13 * fresh, "device " + i + ", phase " + p + ", t " + t);
      checked++;
    }
    assertEquals(2000, checked);
  }

  @Test
  void shareAt_nearWhereItWasLastSolved_takesOneOrTwoIterations() {
    // The warm start steps from the last solve along -dx/dt and d2x/dt2: a makespan 0.1% away
    // (what a proposal's Newton moves) costs at most two Newton iterations, and fewer in all than
    // from the share of the last exact solve without the step.
    ClusterCostModel m = model(7, 120, true);
    IncrementalGibbs g = new IncrementalGibbs(m, sortedStart(m, 4));
    SplittableRandom r = new SplittableRandom(8);
    int warm = 0;
    int cold = 0;
    for (int k = 0; k < 500; k++) {
      int i = r.nextInt(120);
      int p = r.nextInt(2);
      boolean up = p == 0;
      double lowest = m.fixed(i, up) + m.phaseBits(up) / m.fullRate(i, up);
      double t = lowest * (1.2 + 5 * r.nextDouble());
      g.shareAt(i, p, t);
      g.shareAt(i, p, t * 1.001);
      assertTrue(g.lastIterations <= 2, g.lastIterations + " iterations, device " + i);
      warm += g.lastIterations;
      IncrementalGibbs fresh = new IncrementalGibbs(m, sortedStart(m, 4));
      fresh.shareAt(i, p, t * 1.001);
      cold += fresh.lastIterations;
    }
    assertTrue(warm < cold, "warm " + warm + " iterations, cold " + cold);
  }

  @Test
  void proposals_agreeWithExactResolves_toSecondOrder() {
    // Seed 6 has bounds where the makespan drops (a straggler leaving).
    for (long seed : new long[] {5, 6, 11, 17}) {
      for (boolean shannon : new boolean[] {false, true}) {
        ClusterCostModel m = model(seed, 600, shannon);
        IncrementalGibbs g = new IncrementalGibbs(m, sortedStart(m, 6));
        SplittableRandom r = new SplittableRandom(seed);
        double worst = 0;
        int[] count = new int[3];
        for (int k = 0; k < 300; k++) {
          int c = r.nextInt(6);
          int[] members = g.members(c);
          int out = members[r.nextInt(members.length)];
          int other = (c + 1 + r.nextInt(5)) % 6;
          int in = g.members(other)[r.nextInt(g.members(other).length)];
          double now = g.cost(c);
          double fast = g.propose(c, out, in);
          int status = g.proposedStatus();
          count[status]++;
          int[] swapped = members.clone();
          swapped[Arrays.asList(box(members)).indexOf(out)] = in;
          double exact = m.visit(swapped, SharePolicy.OPTIMAL);
          assertEquals(exact, g.proposeExactly(c, out, in), 1e-9 * exact);
          String what = "seed " + seed + ", shannon " + shannon + ", swap " + k + ": ";
          if (status == IncrementalGibbs.BOUND) {
            assertTrue(fast <= exact * (1 + 1e-12), what + "bound " + fast + " > exact " + exact);
          } else if (status == IncrementalGibbs.STEP) {
            double err = Math.abs(fast - exact);
            double change = Math.abs(exact - now);
            assertTrue(
                err <= 0.02 * change + 1e-6 * exact,
                what + "step " + fast + ", exact " + exact + ", before " + now);
            worst = Math.max(worst, change > 0 ? err / change : 0);
          }
        }
        System.out.printf(
            "IncrementalGibbs, 600 devices, seed %d, shannon %s: worst step error %.2e of the"
                + " change; %d steps, %d bounds, %d exact in 300%n",
            seed, shannon, worst, count[0], count[1], count[2]);
        assertTrue(count[0] >= 200, count[0] + " of 300 proposals were second-order steps");
      }
    }
  }

  @Test
  void localStepsZero_trackedCostsFollowEachClustersLargestEpoch() {
    // Shards of 200..999 samples: E_C (the largest member's epoch) changes as members swap.
    for (boolean shannon : new boolean[] {false, true}) {
      ClusterCostModel five = model(7, 400, shannon);
      ClusterCostModel m =
          new ClusterCostModel(
              five.costs(), five.cut(), five.batch(), 0, five.devices(), five.server());
      checkStartCosts(m, shannon);
      IncrementalGibbs g = new IncrementalGibbs(m, sortedStart(m, 5));
      g.measureDrift = true;
      g.run(20 * 400, 0.01, 0, new SplittableRandom(7));
      assertTrue(g.worstDrift < 1e-3, "shannon " + shannon + ": cost drift " + g.worstDrift);
      for (int c = 0; c < 5; c++) {
        int[] members = g.members(c);
        int e = 0;
        for (int i : members) {
          e = Math.max(e, m.epochSteps(i));
        }
        assertEquals(e, m.visitSteps(members));
      }
    }
  }

  @Test
  void trackedCosts_stayCloseToExactOnes_throughASearch() {
    // {devices, clusters, seed, shannon}: large and small clusters, stragglers on Shannon links.
    int[][] cases = {
      {400, 5, 23, 1},
      {400, 5, 20, 0},
      {2000, 6, 20, 0},
      {2000, 6, 21, 1},
      {400, 20, 22, 1},
      {600, 6, 5, 1}
    };
    for (int[] k : cases) {
      ClusterCostModel m = model(k[2], k[0], k[3] == 1);
      IncrementalGibbs g = new IncrementalGibbs(m, sortedStart(m, k[1]));
      g.measureDrift = true;
      g.run(20 * k[0], 0.01, 0, new SplittableRandom(k[2]));
      System.out.printf(
          "IncrementalGibbs %s: worst drift before a re-solve %.2e (cost), %.2e (makespan), %.2e"
              + " just after a re-expansion%n",
          Arrays.toString(k), g.worstDrift, g.worstPhaseDrift, g.worstRefreshedDrift);
      assertTrue(
          g.worstRefreshedDrift < 1e-6,
          Arrays.toString(k) + ": makespan after a re-expansion " + g.worstRefreshedDrift);
      assertTrue(g.worstDrift < 1e-3, Arrays.toString(k) + ": cost drift " + g.worstDrift);
      assertTrue(g.worstPhaseDrift < 1e-3, Arrays.toString(k) + ": makespan " + g.worstPhaseDrift);
    }
  }

  @Test
  void search_neverWorseThanSorted_andCloseToTheExactSearch() {
    // {devices, clusters}: clusters of 80 and of 3, where every step is long.
    for (long seed = 0; seed < 6; seed++) {
      boolean shannon = seed % 2 == 1;
      int n = seed < 4 ? 400 : 150;
      int clusters = seed < 4 ? 5 : 50;
      ClusterCostModel m = model(20 + seed, n, shannon);
      double sorted = Clustering.roundLatency(m, sortedStart(m, clusters), SharePolicy.OPTIMAL);
      GibbsClustering exactSearch =
          new GibbsClustering(new GibbsClustering.Config(0, 20, 0.01, 0, Integer.MAX_VALUE, 0));
      GibbsClustering fastSearch =
          new GibbsClustering(new GibbsClustering.Config(0, 20, 0.01, 0, 0, 0));
      int[][] e = exactSearch.cluster(m, clusters, new SplittableRandom(seed));
      int[][] f = fastSearch.cluster(m, clusters, new SplittableRandom(seed));
      assertPartition(f, n, clusters);
      double exact = Clustering.roundLatency(m, e, SharePolicy.OPTIMAL);
      double fast = Clustering.roundLatency(m, f, SharePolicy.OPTIMAL);
      System.out.printf(
          "%d devices, %d clusters, seed %d (shannon %s): sorted %.6f, exact Gibbs %.6f,"
              + " incremental Gibbs %.6f%n",
          n, clusters, seed, shannon, sorted, exact, fast);
      assertTrue(fast <= sorted, "incremental " + fast + " worse than sorted " + sorted);
      // The incremental search gains at least most of what the exact search gains over sorted.
      assertTrue(
          sorted - fast >= 0.5 * (sorted - exact),
          "incremental gain " + (sorted - fast) + " against exact gain " + (sorted - exact));
    }
  }

  @Test
  void search_isAPureFunctionOfTheSeed() {
    ClusterCostModel m = model(9, 500, true);
    GibbsClustering fast = new GibbsClustering(new GibbsClustering.Config(0, 20, 0.01, 0, 0, 0));
    int[][] a = fast.cluster(m, 6, new SplittableRandom(42));
    int[][] b = fast.cluster(model(9, 500, true), 6, new SplittableRandom(42));
    assertTrue(Arrays.deepEquals(a, b));
  }

  private static void assertPartition(int[][] groups, int n, int clusters) {
    assertEquals(clusters, groups.length);
    boolean[] seen = new boolean[n];
    int[] sizes = Clustering.sizes(n, clusters);
    for (int c = 0; c < clusters; c++) {
      assertEquals(sizes[c], groups[c].length, "size of cluster " + c);
      for (int i : groups[c]) {
        assertTrue(!seen[i], "device " + i + " twice");
        seen[i] = true;
      }
    }
  }

  private static Integer[] box(int[] a) {
    return Arrays.stream(a).boxed().toArray(Integer[]::new);
  }
}
