package io.splitemu.planner.cpsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.planner.cpsl.ClusterCostModel.SharePolicy;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.TestChains;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GibbsClusteringTest {

  private static final ServerState SERVER = new ServerState(5e11);

  /** The test chain at cut 3 (b = 16, E = 5) over n Shannon or linear devices of the seed. */
  static ClusterCostModel model(long seed, int n, boolean shannon) {
    CutCosts c = CutCosts.of(TestChains.cnn(seed, 10));
    List<DeviceState> d =
        shannon ? TestChains.shannonDevices(seed, n) : TestChains.linearDevices(seed, n);
    return new ClusterCostModel(c, 3, 16, 5, d, SERVER);
  }

  private static double latency(Clustering k, ClusterCostModel m, int clusters, long seed) {
    int[][] g = k.cluster(m, clusters, new SplittableRandom(seed));
    return Clustering.roundLatency(m, g, k.sharePolicy());
  }

  @Test
  void gibbs_neverWorseThanSorted_beatsRandom() {
    int beatRandom = 0;
    int trials = 20;
    for (long seed = 0; seed < trials; seed++) {
      ClusterCostModel m = model(seed, 30, seed % 2 == 1);
      double gibbs = latency(new GibbsClustering(), m, 5, seed);
      double sorted = latency(new SortedClustering(), m, 5, seed);
      double random = latency(new RandomClustering(), m, 5, seed);
      assertTrue(gibbs <= sorted, "seed " + seed + ": gibbs " + gibbs + " > sorted " + sorted);
      if (gibbs < random) {
        beatRandom++;
      }
    }
    assertEquals(trials, beatRandom, "Gibbs must beat the random baseline on every instance");
  }

  @Test
  void equalShares_areSearchedAtEqualShares() {
    int better = 0;
    for (long seed = 0; seed < 40; seed++) {
      ClusterCostModel m = model(200 + seed, 8, seed % 2 == 1);
      SplittableRandom r = new SplittableRandom(seed);
      int[][] atEqual = new ExhaustiveClustering().cluster(m, 3, r, SharePolicy.EQUAL);
      int[][] atMinMax = new ExhaustiveClustering().cluster(m, 3, r, SharePolicy.OPTIMAL);
      double best = Clustering.roundLatency(m, atEqual, SharePolicy.EQUAL);
      double other = Clustering.roundLatency(m, atMinMax, SharePolicy.EQUAL);
      // The optimum at equal shares, which the min-max split's optimum need not be.
      assertTrue(best <= other * (1 + 1e-12), "seed " + seed + ": " + best + " > " + other);
      if (best < other * (1 - 1e-9)) {
        better++;
      }
      double gibbs =
          Clustering.roundLatency(
              m, new GibbsClustering().cluster(m, 3, r, SharePolicy.EQUAL), SharePolicy.EQUAL);
      double sorted =
          Clustering.roundLatency(m, new SortedClustering().cluster(m, 3, r), SharePolicy.EQUAL);
      assertTrue(gibbs <= sorted * (1 + 1e-12), "seed " + seed + ": " + gibbs + " > " + sorted);
      assertTrue(gibbs >= best * (1 - 1e-12), "seed " + seed);
    }
    System.out.printf(
        "equal shares: the exhaustive search at equal shares beats the min-max one's partition in"
            + " %d of 40 seeds (N=8, M=3)%n",
        better);
    assertTrue(better > 0, "searching at the min-max split's costs never lost here");
  }

  @Test
  void gibbs_findsExhaustiveOptimumInMostSeeds() {
    for (int clusters : new int[] {2, 4}) {
      int hits = 0;
      int seeds = 40;
      for (long seed = 0; seed < seeds; seed++) {
        ClusterCostModel m = model(100 + seed, 8, seed % 2 == 1);
        double opt = latency(new ExhaustiveClustering(), m, clusters, seed);
        double gibbs = latency(new GibbsClustering(), m, clusters, seed);
        assertTrue(gibbs >= opt * (1 - 1e-12), "exhaustive must be the optimum");
        if (gibbs <= opt * (1 + 1e-9)) {
          hits++;
        }
      }
      double fraction = hits / (double) seeds;
      System.out.printf(
          "Gibbs (default: 20 proposals/device) found the exhaustive optimum for N=8, M=%d in"
              + " %d of %d seeds (%.3f)%n",
          clusters, hits, seeds, fraction);
      assertTrue(fraction >= 0.8, "fraction " + fraction + " below the measured floor 0.8");
    }
  }

  @Test
  void exhaustive_matchesBruteForceCountOfPartitions() {
    // Sizes 3,3,2 for 8 devices: 8!/(3!3!2!2!) = 280 distinct partitions; the search must visit
    // a best one, which no random partition may beat.
    ClusterCostModel m = model(7, 8, false);
    double opt = latency(new ExhaustiveClustering(), m, 3, 0);
    SplittableRandom r = new SplittableRandom(9);
    for (int i = 0; i < 500; i++) {
      int[][] g = new RandomClustering().cluster(m, 3, r);
      assertTrue(Clustering.roundLatency(m, g, SharePolicy.OPTIMAL) >= opt * (1 - 1e-12));
    }
  }

  @Test
  void registry_unknownNameListsKnownOnes() {
    assertEquals("gibbs", Clusterings.byName("gibbs").name());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Clusterings.byName("kmeans"));
    assertTrue(e.getMessage().contains("gibbs, sorted, random, exhaustive"), e.getMessage());
  }

  @Test
  void outside_isTheKthDeviceOfOtherClusters() {
    SplittableRandom r = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      int n = 2 + r.nextInt(60);
      boolean[] in = new boolean[n];
      int size = 1 + r.nextInt(n - 1);
      for (int placed = 0; placed < size; ) {
        int d = r.nextInt(n);
        if (!in[d]) {
          in[d] = true;
          placed++;
        }
      }
      int[] members = new int[size];
      int[] others = new int[n - size];
      for (int d = 0, a = 0, b = 0; d < n; d++) {
        if (in[d]) {
          members[a++] = d;
        } else {
          others[b++] = d;
        }
      }
      for (int k = 0; k < others.length; k++) {
        assertEquals(others[k], GibbsClustering.outside(k, members), "n " + n + ", k " + k);
      }
    }
  }

  @Test
  void gibbs_returnsThePartitionOfAPlainSearch_toTheBit() {
    // The plain search: a scan for the device outside u's cluster and a copy at every new best.
    // The planner's journal and sorted clusters must give the same partition, slot for slot.
    for (long seed = 0; seed < 12; seed++) {
      boolean shannon = seed % 2 == 0;
      int n = 20 + (int) (seed * 7);
      int clusters = 2 + (int) (seed % 5);
      GibbsClustering.Config cfg = new GibbsClustering.Config(0, 20, 0.01, 0, Integer.MAX_VALUE, 0);
      int[][] planned =
          new GibbsClustering(cfg)
              .cluster(model(seed, n, shannon), clusters, new SplittableRandom(seed));
      int[][] plain =
          plainGibbs(model(seed, n, shannon), clusters, cfg, new SplittableRandom(seed));
      assertEquals(plain.length, planned.length);
      for (int c = 0; c < plain.length; c++) {
        assertArrayEquals(plain[c], planned[c], "seed " + seed + ", cluster " + c);
      }
    }
  }

  @Test
  void visit_withWarmChordsEqualsAFreshModel_toTheBit() {
    // A model caches each device's chord for two pool sizes; a third size is solved uncached.
    SplittableRandom r = new SplittableRandom(11);
    ClusterCostModel warm = model(4, 40, true);
    for (int trial = 0; trial < 60; trial++) {
      int size = 5 + r.nextInt(3);
      int[] members = r.ints(0, 40).distinct().limit(size).toArray();
      double seen = warm.visit(members, SharePolicy.OPTIMAL);
      double fresh = model(4, 40, true).visit(members, SharePolicy.OPTIMAL);
      assertEquals(Double.doubleToLongBits(fresh), Double.doubleToLongBits(seen), "trial " + trial);
    }
  }

  private static int[][] plainGibbs(
      ClusterCostModel model, int clusters, GibbsClustering.Config config, SplittableRandom rng) {
    int n = model.size();
    int[][] groups = Clustering.chunk(SortedClustering.order(model), clusters);
    int[] clusterOf = new int[n];
    int[] slot = new int[n];
    double[] cost = new double[clusters];
    double cur = 0;
    for (int m = 0; m < clusters; m++) {
      for (int s = 0; s < groups[m].length; s++) {
        clusterOf[groups[m][s]] = m;
        slot[groups[m][s]] = s;
      }
      cost[m] = model.visit(groups[m], SharePolicy.OPTIMAL);
      cur += cost[m];
    }
    double best = cur;
    int[][] bestGroups = copy(groups);
    int proposals = config.proposals(n);
    double delta = config.initialTemperature() * cur;
    double alpha = Math.exp(Math.log(1e-4) / Math.max(1, proposals));
    for (int it = 0; it < proposals; it++) {
      int u = rng.nextInt(n);
      int k = rng.nextInt(n - groups[clusterOf[u]].length);
      int v = -1;
      for (int i = 0; i < n && v < 0; i++) {
        if (clusterOf[i] != clusterOf[u] && k-- == 0) {
          v = i;
        }
      }
      int cu = clusterOf[u];
      int cv = clusterOf[v];
      groups[cu][slot[u]] = v;
      groups[cv][slot[v]] = u;
      double nu = model.visit(groups[cu], SharePolicy.OPTIMAL);
      double nv = model.visit(groups[cv], SharePolicy.OPTIMAL);
      double next = cur - cost[cu] - cost[cv] + nu + nv;
      if (rng.nextDouble() < 1 / (1 + Math.exp((next - cur) / delta))) {
        int su = slot[u];
        slot[u] = slot[v];
        slot[v] = su;
        clusterOf[u] = cv;
        clusterOf[v] = cu;
        cost[cu] = nu;
        cost[cv] = nv;
        cur = next;
        if (cur < best) {
          best = cur;
          bestGroups = copy(groups);
        }
      } else {
        groups[cu][slot[u]] = u;
        groups[cv][slot[v]] = v;
      }
      delta *= alpha;
    }
    return bestGroups;
  }

  private static int[][] copy(int[][] g) {
    int[][] c = new int[g.length][];
    for (int i = 0; i < g.length; i++) {
      c[i] = g[i].clone();
    }
    return c;
  }
}
