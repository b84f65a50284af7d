package io.splitemu.planner.cpsl;

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

  private static ClusterCostModel model(long seed, int n, boolean shannon) {
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
}
