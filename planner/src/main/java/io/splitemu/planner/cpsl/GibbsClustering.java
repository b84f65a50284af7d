package io.splitemu.planner.cpsl;

import io.splitemu.planner.cpsl.ClusterCostModel.SharePolicy;
import java.util.SplittableRandom;

/**
 * Gibbs-sampling clustering of LATENCY-MODEL.md section 5: start from the sorted clustering,
 * propose swapping two devices of different clusters, re-allocate the spectrum of the two
 * clusters, accept with probability {@code 1 / (1 + exp((T_new - T_cur) / delta))}, cool {@code
 * delta <- alpha delta}, and return the best partition seen (so never worse than sorted).
 *
 * <p>{@code delta} starts at {@code initialTemperature} times the starting round latency.
 */
public final class GibbsClustering implements Clustering {

  private final Config config;

  /**
   * Gibbs settings.
   *
   * @param iterations swap proposals; 0 means {@code iterationsPerDevice * N}
   * @param iterationsPerDevice proposals per device when {@code iterations} is 0
   * @param initialTemperature delta_0 relative to the starting round latency
   * @param alpha cooling factor per proposal; 0 means: cool by 1e-4 over the whole run
   */
  public record Config(int iterations, int iterationsPerDevice, double initialTemperature, double alpha) {

    /** The defaults: 20 proposals per device, delta_0 = 1% of T, cooling by 1e-4 over the run. */
    public static final Config DEFAULT = new Config(0, 20, 0.01, 0);

    public Config {
      if (iterations < 0 || iterationsPerDevice < 0) {
        throw new IllegalArgumentException("Gibbs iterations must be >= 0");
      }
      if (!(initialTemperature > 0) || !(alpha >= 0 && alpha <= 1)) {
        throw new IllegalArgumentException(
            "Gibbs needs initialTemperature > 0 and alpha in [0, 1], got "
                + initialTemperature + " and " + alpha);
      }
    }

    /** Proposals for n devices. */
    public int proposals(int n) {
      return iterations > 0 ? iterations : iterationsPerDevice * n;
    }
  }

  /** Gibbs clustering with {@link Config#DEFAULT}. */
  public GibbsClustering() {
    this(Config.DEFAULT);
  }

  /** Gibbs clustering with the given settings. */
  public GibbsClustering(Config config) {
    this.config = config;
  }

  @Override
  public String name() {
    return "gibbs";
  }

  @Override
  public int[][] cluster(ClusterCostModel model, int clusters, SplittableRandom rng) {
    int n = model.size();
    int[][] groups = Clustering.chunk(SortedClustering.order(model), clusters);
    if (clusters == 1 || clusters == n) {
      // Every partition is the same up to order: nothing to search.
      return groups;
    }
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
    double alpha =
        config.alpha() > 0 ? config.alpha() : Math.exp(Math.log(1e-4) / Math.max(1, proposals));
    for (int it = 0; it < proposals; it++) {
      int u = rng.nextInt(n);
      int v = rng.nextInt(n - groups[clusterOf[u]].length);
      // Map v onto the devices outside u's cluster without rejection loops.
      v = outside(v, clusterOf, clusterOf[u], n);
      int cu = clusterOf[u];
      int cv = clusterOf[v];
      groups[cu][slot[u]] = v;
      groups[cv][slot[v]] = u;
      double nu = model.visit(groups[cu], SharePolicy.OPTIMAL);
      double nv = model.visit(groups[cv], SharePolicy.OPTIMAL);
      double next = cur - cost[cu] - cost[cv] + nu + nv;
      double p = 1 / (1 + Math.exp((next - cur) / delta));
      if (rng.nextDouble() < p) {
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

  private static int outside(int k, int[] clusterOf, int c, int n) {
    for (int i = 0; i < n; i++) {
      if (clusterOf[i] != c && k-- == 0) {
        return i;
      }
    }
    throw new IllegalStateException("no device outside cluster " + c);
  }

  private static int[][] copy(int[][] g) {
    int[][] c = new int[g.length][];
    for (int i = 0; i < g.length; i++) {
      c[i] = g[i].clone();
    }
    return c;
  }
}
