package io.splitemu.planner.cpsl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.planner.cpsl.ClusterCostModel.SharePolicy;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.TestChains;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IncrementalGibbsTest {

  private static final ServerState SERVER = new ServerState(5e11);

  private static ClusterCostModel model(long seed, int n, boolean shannon) {
    CutCosts c = CutCosts.of(TestChains.cnn(seed, 10));
    List<DeviceState> d =
        shannon ? TestChains.shannonDevices(seed, n) : TestChains.linearDevices(seed, n);
    return new ClusterCostModel(c, 3, 16, 5, d, SERVER);
  }

  private static int[][] sortedStart(ClusterCostModel m, int clusters) {
    return Clustering.chunk(SortedClustering.order(m), clusters);
  }

  @Test
  void startCosts_equalTheExactVisits() {
    for (boolean shannon : new boolean[] {false, true}) {
      ClusterCostModel m = model(3, 600, shannon);
      int[][] start = sortedStart(m, 6);
      IncrementalGibbs g = new IncrementalGibbs(m, start);
      for (int c = 0; c < 6; c++) {
        double exact = m.visit(start[c], SharePolicy.OPTIMAL);
        assertEquals(exact, g.cost(c), 1e-12 * exact, "cluster " + c + ", shannon " + shannon);
      }
    }
  }

  @Test
  void proposals_agreeWithExactResolves_toSecondOrder() {
    for (boolean shannon : new boolean[] {false, true}) {
      ClusterCostModel m = model(11, 600, shannon);
      int[][] start = sortedStart(m, 6);
      IncrementalGibbs g = new IncrementalGibbs(m, start);
      SplittableRandom r = new SplittableRandom(5);
      double worst = 0;
      int bounds = 0;
      for (int k = 0; k < 300; k++) {
        int c = r.nextInt(6);
        int[] members = g.members(c);
        int out = members[r.nextInt(members.length)];
        int other = (c + 1 + r.nextInt(5)) % 6;
        int in = g.members(other)[r.nextInt(g.members(other).length)];
        double now = g.cost(c);
        double fast = g.propose(c, out, in);
        boolean bound = g.proposedBound();
        int[] swapped = members.clone();
        swapped[Arrays.asList(box(members)).indexOf(out)] = in;
        double exact = m.visit(swapped, SharePolicy.OPTIMAL);
        assertEquals(exact, g.proposeExactly(c, out, in), 1e-9 * exact);
        double err = Math.abs(fast - exact);
        double change = Math.abs(exact - now);
        if (bound) {
          // Device in is too slow for a step: the bound lies below the exact cost.
          assertTrue(fast <= exact * (1 + 1e-12), "bound " + fast + " above exact " + exact);
          bounds++;
        } else {
          assertTrue(
              err <= 0.02 * change + 1e-6 * exact,
              "swap "
                  + k
                  + " (shannon "
                  + shannon
                  + "): first order "
                  + fast
                  + ", exact "
                  + exact
                  + ", before "
                  + now);
          worst = Math.max(worst, change > 0 ? err / change : 0);
        }
      }
      System.out.printf(
          "IncrementalGibbs, 600 devices, shannon %s: worst error %.2e of the change,"
              + " %d bounds in 300%n",
          shannon, worst, bounds);
      assertTrue(bounds < 150, bounds + " of 300 proposals fell back to a bound");
    }
  }

  @Test
  void search_neverWorseThanSorted_andCloseToTheExactSearch() {
    for (long seed = 0; seed < 4; seed++) {
      boolean shannon = seed % 2 == 1;
      ClusterCostModel m = model(20 + seed, 400, shannon);
      double sorted = Clustering.roundLatency(m, sortedStart(m, 5), SharePolicy.OPTIMAL);
      GibbsClustering exactSearch =
          new GibbsClustering(new GibbsClustering.Config(0, 20, 0.01, 0, Integer.MAX_VALUE, 0));
      GibbsClustering fastSearch =
          new GibbsClustering(new GibbsClustering.Config(0, 20, 0.01, 0, 0, 0));
      int[][] e = exactSearch.cluster(m, 5, new SplittableRandom(seed));
      int[][] f = fastSearch.cluster(m, 5, new SplittableRandom(seed));
      assertPartition(f, 400, 5);
      double exact = Clustering.roundLatency(m, e, SharePolicy.OPTIMAL);
      double fast = Clustering.roundLatency(m, f, SharePolicy.OPTIMAL);
      System.out.printf(
          "seed %d (shannon %s): sorted %.6f, exact Gibbs %.6f, incremental Gibbs %.6f%n",
          seed, shannon, sorted, exact, fast);
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
