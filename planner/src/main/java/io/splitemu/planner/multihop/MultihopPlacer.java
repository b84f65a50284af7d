package io.splitemu.planner.multihop;

import java.util.Arrays;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Exact MP-SL placement of the middle units s_1+1..s_{N+1} over N hops in order, each hop a
 * non-empty contiguous range, under per-hop memory limits {@code K·sum mu_j <= M_i}.
 *
 * <p>{@link MultihopObjective#MAX_OF_SUMS} is a min-max partition: dynamic programming over
 * (hop, last unit). {@link MultihopObjective#SUM_OF_MAXIMA} couples two maxima, so it sweeps a
 * bound c on max F over every value a hop's forward time can take (ascending) and, for each,
 * minimises max B by the same dynamic programme restricted to ranges with F <= c. Exactness: if
 * an optimum has max F = c*, the sweep meets c* and finds max B no larger than the optimum's;
 * every swept solution is feasible, so the best of them is optimal. The sweep stops once
 * {@code c + min max B (no bound)} reaches the best value found, since later bounds cannot win.
 */
public final class MultihopPlacer {

  private MultihopPlacer() {}

  /** Inputs shared by the exact and the brute-force search. */
  private record Problem(
      HopCosts costs,
      int first,
      int count,
      double[] mu,
      int devices,
      double[] limit,
      double[][] pf,
      double[][] pb,
      double[] pm) {

    static Problem of(
        HopCosts costs, int s1, int sLast, double[] mu, int devices, double[] limit) {
      int l = costs.units();
      int n = costs.hops();
      if (s1 < 0 || sLast > l || sLast - s1 < n) {
        throw new IllegalArgumentException(
            "middle units " + (s1 + 1) + ".." + sLast + " cannot fill " + n + " hops of "
                + l + " units");
      }
      if (mu.length != l || limit.length != n || devices < 1) {
        throw new IllegalArgumentException(
            "need one mu per unit, one memory limit per hop and devices >= 1");
      }
      int m = sLast - s1;
      double[][] pf = new double[n][m + 1];
      double[][] pb = new double[n][m + 1];
      double[] pm = new double[m + 1];
      for (int k = 0; k < m; k++) {
        pm[k + 1] = pm[k] + mu[s1 + k];
        for (int i = 0; i < n; i++) {
          pf[i][k + 1] = pf[i][k] + costs.forward()[i][s1 + k];
          pb[i][k + 1] = pb[i][k] + costs.backward()[i][s1 + k];
        }
      }
      return new Problem(costs, s1, m, mu, devices, limit, pf, pb, pm);
    }

    int hops() {
      return limit.length;
    }

    /** Hop i's forward time for middle positions a..b-1 (0-based, half open). */
    double f(int i, int a, int b) {
      return pf[i][b] - pf[i][a];
    }

    double bw(int i, int a, int b) {
      return pb[i][b] - pb[i][a];
    }

    boolean fits(int i, int a, int b) {
      return devices * (pm[b] - pm[a]) <= limit[i];
    }

    Placement build(int[] ends, MultihopObjective objective) {
      int n = hops();
      int[] cuts = new int[n + 1];
      double[] fs = new double[n];
      double[] bs = new double[n];
      double[] mem = new double[n];
      cuts[0] = first;
      int a = 0;
      for (int i = 0; i < n; i++) {
        cuts[i + 1] = first + ends[i];
        fs[i] = f(i, a, ends[i]);
        bs[i] = bw(i, a, ends[i]);
        mem[i] = devices * (pm[ends[i]] - pm[a]);
        a = ends[i];
      }
      double maxF = Arrays.stream(fs).max().orElse(0);
      double maxB = Arrays.stream(bs).max().orElse(0);
      double maxSum = 0;
      for (int i = 0; i < n; i++) {
        maxSum = Math.max(maxSum, fs[i] + bs[i]);
      }
      double value = objective == MultihopObjective.SUM_OF_MAXIMA ? maxF + maxB : maxSum;
      return new Placement(cuts, fs, bs, mem, objective, value);
    }
  }

  /**
   * The optimal placement, or empty when no placement meets the memory limits.
   *
   * @param costs per-hop unit times
   * @param s1 the device keeps units 1..s1
   * @param sLast the device keeps units sLast+1..L; the hops share s1+1..sLast
   * @param mu per-unit memory of one instance (index j-1), see {@code MemoryModel}
   * @param devices K, the number of device instances each hop holds
   * @param hopMemoryBytes M_i per hop ({@code Double.POSITIVE_INFINITY} for no limit)
   */
  public static Optional<Placement> place(
      HopCosts costs,
      int s1,
      int sLast,
      double[] mu,
      int devices,
      double[] hopMemoryBytes,
      MultihopObjective objective) {
    Problem p = Problem.of(costs, s1, sLast, mu, devices, hopMemoryBytes);
    if (objective == MultihopObjective.MAX_OF_SUMS) {
      int[] ends = dp(p, Double.POSITIVE_INFINITY, true);
      return ends == null ? Optional.empty() : Optional.of(p.build(ends, objective));
    }
    int[] free = dp(p, Double.POSITIVE_INFINITY, false);
    if (free == null) {
      return Optional.empty();
    }
    double lowerB = p.build(free, objective).maxBackward();
    Placement best = p.build(free, objective);
    TreeSet<Double> candidates = new TreeSet<>();
    int n = p.hops();
    int m = p.count();
    for (int i = 0; i < n; i++) {
      // hop i can start at position >= i and must leave one unit for each later hop
      for (int a = i; a <= m - (n - i); a++) {
        for (int b = a + 1; b <= m - (n - i - 1); b++) {
          if (p.fits(i, a, b)) {
            candidates.add(p.f(i, a, b));
          }
        }
      }
    }
    for (double c : candidates) {
      if (c + lowerB >= best.value()) {
        break;
      }
      int[] ends = dp(p, c, false);
      if (ends != null) {
        Placement cand = p.build(ends, objective);
        if (cand.value() < best.value()) {
          best = cand;
        }
      }
    }
    return Optional.of(best);
  }

  /**
   * Min-max DP: minimises the largest per-hop value (F+B when {@code sum}, else B) over ranges
   * that fit in memory and have F <= cap. Returns each hop's end position, or null.
   */
  private static int[] dp(Problem p, double cap, boolean sum) {
    int n = p.hops();
    int m = p.count();
    double[][] best = new double[n][m + 1];
    int[][] from = new int[n][m + 1];
    for (double[] row : best) {
      Arrays.fill(row, Double.POSITIVE_INFINITY);
    }
    for (int i = 0; i < n; i++) {
      int lastEnd = m - (n - i - 1);
      for (int b = i + 1; b <= lastEnd; b++) {
        int aMin = i == 0 ? 0 : i;
        int aMax = i == 0 ? 0 : b - 1;
        for (int a = aMin; a <= aMax; a++) {
          double prev = i == 0 ? 0 : best[i - 1][a];
          if (prev == Double.POSITIVE_INFINITY || !p.fits(i, a, b)) {
            continue;
          }
          double f = p.f(i, a, b);
          if (f > cap) {
            continue;
          }
          double v = sum ? f + p.bw(i, a, b) : p.bw(i, a, b);
          double cand = Math.max(prev, v);
          if (cand < best[i][b]) {
            best[i][b] = cand;
            from[i][b] = a;
          }
        }
      }
    }
    if (best[n - 1][m] == Double.POSITIVE_INFINITY) {
      return null;
    }
    int[] ends = new int[n];
    int b = m;
    for (int i = n - 1; i >= 0; i--) {
      ends[i] = b;
      b = from[i][b];
    }
    return ends;
  }

  /** Exhaustive search over all placements; exponential, for tests. */
  public static Optional<Placement> bruteForce(
      HopCosts costs,
      int s1,
      int sLast,
      double[] mu,
      int devices,
      double[] hopMemoryBytes,
      MultihopObjective objective) {
    Problem p = Problem.of(costs, s1, sLast, mu, devices, hopMemoryBytes);
    Placement[] best = new Placement[1];
    enumerate(p, objective, new int[p.hops()], 0, 0, best);
    return Optional.ofNullable(best[0]);
  }

  private static void enumerate(
      Problem p, MultihopObjective objective, int[] ends, int hop, int start, Placement[] best) {
    int n = p.hops();
    int m = p.count();
    if (hop == n) {
      Placement c = p.build(ends, objective);
      if (best[0] == null || c.value() < best[0].value()) {
        best[0] = c;
      }
      return;
    }
    int lo = start + 1;
    int hi = hop == n - 1 ? m : m - (n - hop - 1);
    if (hop == n - 1) {
      lo = m;
    }
    for (int b = lo; b <= hi; b++) {
      if (p.fits(hop, start, b)) {
        ends[hop] = b;
        enumerate(p, objective, ends, hop + 1, b, best);
      }
    }
  }

  /**
   * The smallest achievable per-hop peak memory {@code max_i K·sum_{j in hop i} mu_j} over all
   * placements of units s1+1..sLast on {@code hops} hops, ignoring time.
   */
  public static double minPeakMemory(double[] mu, int s1, int sLast, int hops, int devices) {
    double[][] zero = new double[hops][mu.length];
    double[][] mem = new double[hops][];
    for (int i = 0; i < hops; i++) {
      mem[i] = mu.clone();
    }
    double[] inf = new double[hops];
    Arrays.fill(inf, Double.POSITIVE_INFINITY);
    // memory takes the place of the backward time in the min-max programme
    Placement p =
        place(new HopCosts(zero, mem), s1, sLast, mu, 1, inf, MultihopObjective.MAX_OF_SUMS)
            .orElseThrow();
    return devices * p.value();
  }
}
