package io.splitemu.planner.cpsl;

import io.splitemu.planner.cpsl.ClusterCostModel.SharePolicy;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Gibbs-sampling clustering of LATENCY-MODEL.md section 5: start from the sorted clustering,
 * propose swapping two devices of different clusters, re-allocate the spectrum of the two clusters,
 * accept with probability {@code 1 / (1 + exp((T_new - T_cur) / delta))}, cool {@code delta <-
 * alpha delta}, and return the best partition seen (so never worse than sorted).
 *
 * <p>{@code delta} starts at {@code initialTemperature} times the starting round latency.
 *
 * <p>Up to {@link Config#exactUpTo} devices every proposal re-solves the two clusters' spectrum
 * exactly, O(N / M) per proposal and so O(N^2 / M) per run; above it {@link IncrementalGibbs}
 * updates the two costs to second order in O(1) and re-solves a cluster exactly only now and then,
 * so a run of 20 N proposals stays about linear in N.
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
   * @param exactUpTo the most devices searched with exact costs; more take the incremental search
   * @param maxIterations the most proposals of a run when {@code iterations} is 0; 0: no limit
   */
  public record Config(
      int iterations,
      int iterationsPerDevice,
      double initialTemperature,
      double alpha,
      int exactUpTo,
      int maxIterations) {

    /** Devices up to which the defaults search with exact costs. */
    public static final int EXACT_UP_TO = 100;

    /** The defaults' most proposals per run: 20 per device up to 1,000 devices. */
    public static final int MAX_ITERATIONS = 20_000;

    /**
     * The defaults: 20 proposals per device and at most {@link #MAX_ITERATIONS}, delta_0 = 1% of T,
     * cooling by 1e-4 over the run, exact costs up to {@link #EXACT_UP_TO} devices.
     */
    public static final Config DEFAULT = new Config(0, 20, 0.01, 0, EXACT_UP_TO, MAX_ITERATIONS);

    /** Settings with the defaults' exact limit and proposal limit. */
    public Config(
        int iterations, int iterationsPerDevice, double initialTemperature, double alpha) {
      this(iterations, iterationsPerDevice, initialTemperature, alpha, EXACT_UP_TO, MAX_ITERATIONS);
    }

    public Config {
      if (iterations < 0 || iterationsPerDevice < 0 || exactUpTo < 0 || maxIterations < 0) {
        throw new IllegalArgumentException("Gibbs iterations and limits must be >= 0");
      }
      if (!(initialTemperature > 0) || !(alpha >= 0 && alpha <= 1)) {
        throw new IllegalArgumentException(
            "Gibbs needs initialTemperature > 0 and alpha in [0, 1], got "
                + initialTemperature
                + " and "
                + alpha);
      }
    }

    /** Proposals for n devices. */
    public int proposals(int n) {
      if (iterations > 0) {
        return iterations;
      }
      long perDevice = (long) iterationsPerDevice * n;
      long capped = maxIterations > 0 ? Math.min(perDevice, maxIterations) : perDevice;
      return (int) Math.min(capped, Integer.MAX_VALUE);
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
    return cluster(model, clusters, rng, SharePolicy.OPTIMAL);
  }

  /**
   * Searches with each cluster's cost at {@code policy}'s shares. The incremental search above
   * {@link Config#exactUpTo} devices follows the min-max split's costs, so equal shares are
   * searched with exact costs at any size (O(N / M) a proposal).
   */
  @Override
  public int[][] cluster(
      ClusterCostModel model, int clusters, SplittableRandom rng, SharePolicy policy) {
    int n = model.size();
    int[][] groups = Clustering.chunk(SortedClustering.order(model), clusters);
    if (clusters == 1 || clusters == n) {
      // Every partition is the same up to order: nothing to search.
      return groups;
    }
    if (n > config.exactUpTo() && policy == SharePolicy.OPTIMAL) {
      return new IncrementalGibbs(model, groups)
          .run(config.proposals(n), config.initialTemperature(), config.alpha(), rng);
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
      cost[m] = model.visit(groups[m], policy);
      cur += cost[m];
    }
    double best = cur;
    // Each cluster's members in ascending order, to find the k-th device outside a cluster in
    // O(log |C|) rather than by a scan of all N devices per proposal.
    int[][] sorted = copy(groups);
    for (int[] g : sorted) {
      Arrays.sort(g);
    }
    // The accepted swaps since the best partition: undone at the end instead of copying the whole
    // partition at every new best.
    Journal journal = new Journal();
    int proposals = config.proposals(n);
    double delta = config.initialTemperature() * cur;
    double alpha =
        config.alpha() > 0
            ? config.alpha()
            : StrictMath.exp(StrictMath.log(1e-4) / Math.max(1, proposals));
    for (int it = 0; it < proposals; it++) {
      int u = rng.nextInt(n);
      int v = rng.nextInt(n - groups[clusterOf[u]].length);
      // Map v onto the devices outside u's cluster without rejection loops.
      v = outside(v, sorted[clusterOf[u]]);
      int cu = clusterOf[u];
      int cv = clusterOf[v];
      groups[cu][slot[u]] = v;
      groups[cv][slot[v]] = u;
      double nu = model.visit(groups[cu], policy);
      double nv = model.visit(groups[cv], policy);
      double next = cur - cost[cu] - cost[cv] + nu + nv;
      double p = 1 / (1 + StrictMath.exp((next - cur) / delta));
      if (rng.nextDouble() < p) {
        journal.add(cu, slot[u], cv, slot[v]);
        int su = slot[u];
        slot[u] = slot[v];
        slot[v] = su;
        clusterOf[u] = cv;
        clusterOf[v] = cu;
        cost[cu] = nu;
        cost[cv] = nv;
        replace(sorted[cu], u, v);
        replace(sorted[cv], v, u);
        cur = next;
        if (cur < best) {
          best = cur;
          journal.clear();
        }
      } else {
        groups[cu][slot[u]] = u;
        groups[cv][slot[v]] = v;
      }
      delta *= alpha;
    }
    journal.undo(groups);
    return groups;
  }

  /**
   * The k-th device (0-based, ascending index) of those not in {@code members}, which holds a
   * cluster's devices in ascending order: the device {@code k + j} for the first j with {@code
   * members[j] - j > k} (below members[j] lie members[j] - j devices of other clusters).
   */
  static int outside(int k, int[] members) {
    int lo = 0;
    int hi = members.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (members[mid] - mid > k) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return k + lo;
  }

  /**
   * Accepted swaps (cluster and slot of each side) since the best partition of a search, so the
   * search can go back to it at the end instead of copying the partition at every new best.
   */
  static final class Journal {
    private int[] entries = new int[64];
    private int size;

    void add(int clusterA, int slotA, int clusterB, int slotB) {
      if (size + 4 > entries.length) {
        entries = Arrays.copyOf(entries, 2 * entries.length);
      }
      entries[size++] = clusterA;
      entries[size++] = slotA;
      entries[size++] = clusterB;
      entries[size++] = slotB;
    }

    void clear() {
      size = 0;
    }

    boolean isEmpty() {
      return size == 0;
    }

    /** Swaps back, latest first: groups is then the partition of the last clear(). */
    void undo(int[][] groups) {
      for (int j = size - 4; j >= 0; j -= 4) {
        int[] a = groups[entries[j]];
        int[] b = groups[entries[j + 2]];
        int t = a[entries[j + 1]];
        a[entries[j + 1]] = b[entries[j + 3]];
        b[entries[j + 3]] = t;
      }
      size = 0;
    }
  }

  // Replaces {@code out} by {@code in} in the ascending array {@code members}, keeping the order.
  static void replace(int[] members, int out, int in) {
    int i = Arrays.binarySearch(members, out);
    int j = Arrays.binarySearch(members, in);
    // in is absent: j = -(insertion point) - 1, counted with out still in place.
    int at = -j - 1;
    if (at > i) {
      System.arraycopy(members, i + 1, members, i, at - 1 - i);
      members[at - 1] = in;
    } else {
      System.arraycopy(members, at, members, at + 1, i - at);
      members[at] = in;
    }
  }

  static int[][] copy(int[][] g) {
    int[][] c = new int[g.length][];
    for (int i = 0; i < g.length; i++) {
      c[i] = g[i].clone();
    }
    return c;
  }
}
