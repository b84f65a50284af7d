package io.splitemu.planner.multihop;

import java.util.Arrays;
import java.util.Optional;

/**
 * Exact MP-SL placement of the middle units s_1+1..s_{N+1} over N hops in order, each hop a
 * non-empty contiguous range, under per-hop memory limits {@code K·sum mu_j <= M_i}.
 *
 * <p>{@link MultihopObjective#MAX_OF_SUMS} is a min-max partition: dynamic programming over (hop,
 * last unit). {@link MultihopObjective#SUM_OF_MAXIMA} couples two maxima, so it sweeps a bound c on
 * max F over the values a hop's forward time can take (ascending) and minimises max B by the same
 * dynamic programme restricted to ranges with F <= c. Exactness: if an optimum has max F = c*, the
 * sweep meets c* (or the left end of the step of min max B that holds c*) and finds max B no larger
 * than the optimum's; every swept solution is feasible, so the best of them is optimal. Only the
 * left ends of the steps of min max B are visited (binary search), and the sweep stops once {@code
 * c + min max B (no bound)} reaches the best value found.
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

    static Problem of(HopCosts costs, int s1, int sLast, double[] mu, int devices, double[] limit) {
      int l = costs.units();
      int n = costs.hops();
      checkHeadAndTail(s1, sLast, l);
      if (sLast - s1 < n) {
        throw new IllegalArgumentException(
            "middle units "
                + (s1 + 1)
                + ".."
                + sLast
                + " cannot fill "
                + n
                + " hops of "
                + l
                + " units");
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
   * Refuses a split that leaves the device no head or no tail unit: the epoch estimate ({@link
   * MpslEpoch}) sends the activation of unit s1 up and that of unit sLast down, and turns around on
   * units sLast+1..L, so it needs {@code 1 <= s1} and {@code sLast <= L - 1} (the settings'
   * head-units and tail-units are >= 1 for the same reason).
   */
  static void checkHeadAndTail(int s1, int sLast, int units) {
    if (s1 < 1 || sLast > units - 1 || s1 >= sLast) {
      throw new IllegalArgumentException(
          "MP-SL split s1 = "
              + s1
              + ", sLast = "
              + sLast
              + " of "
              + units
              + " units: the device keeps units 1..s1 and sLast+1..L, at least one at each end,"
              + " with a middle block between (1 <= s1 < sLast <= "
              + (units - 1)
              + ")");
    }
  }

  /**
   * The optimal placement, or empty when no placement meets the memory limits.
   *
   * @param costs per-hop unit times
   * @param s1 the device keeps units 1..s1, at least one
   * @param sLast the device keeps units sLast+1..L, at least one; the hops share s1+1..sLast
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
    int n = p.hops();
    int m = p.count();
    double[] all = new double[n * (m + 1) * (m + 1) / 2 + 1];
    int k = 0;
    for (int i = 0; i < n; i++) {
      // hop i can start at position >= i and must leave one unit for each later hop
      for (int a = i; a <= m - (n - i); a++) {
        for (int b = a + 1; b <= m - (n - i - 1); b++) {
          if (p.fits(i, a, b)) {
            all[k++] = p.f(i, a, b);
          }
        }
      }
    }
    // sorted distinct values (a primitive sort: a TreeSet of boxed doubles cost more than the DPs)
    Arrays.sort(all, 0, k);
    double[] caps = new double[k];
    int distinct = 0;
    for (int i = 0; i < k; i++) {
      if (distinct == 0 || all[i] != caps[distinct - 1]) {
        caps[distinct++] = all[i];
      }
    }
    caps = Arrays.copyOf(caps, distinct);
    // g(c) = min max B under max F <= c is a non-increasing step function of c, and c + g(c) is
    // smallest at the left end of a step; so visit only the left ends, each found by a binary
    // search for the first cap with a smaller g (about log2 K programmes per step instead of one
    // per cap). An optimum with max F = c* is matched at the left end L of c*'s step, since
    // L + g(L) <= c* + g(c*).
    int idx = firstCap(p, caps, 0, Double.POSITIVE_INFINITY);
    while (idx < caps.length && caps[idx] + lowerB < best.value()) {
      int[] ends = dp(p, caps[idx], false);
      Placement cand = p.build(ends, objective);
      if (cand.value() < best.value()) {
        best = cand;
      }
      idx = firstCap(p, caps, idx + 1, cand.maxBackward());
    }
    return Optional.of(best);
  }

  /**
   * The first index at or after {@code from} whose cap allows a placement with max B below {@code
   * below} (feasibility under a cap and g(cap) are monotone in the cap), or caps.length.
   */
  private static int firstCap(Problem p, double[] caps, int from, double below) {
    int lo = from;
    int hi = caps.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      int[] ends = dp(p, caps[mid], false);
      if (ends != null && maxBackward(p, ends) < below) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private static double maxBackward(Problem p, int[] ends) {
    double m = 0;
    int a = 0;
    for (int i = 0; i < ends.length; i++) {
      m = Math.max(m, p.bw(i, a, ends[i]));
      a = ends[i];
    }
    return m;
  }

  /**
   * Min-max DP: minimises the largest per-hop value (F+B when {@code sum}, else B) over ranges that
   * fit in memory and have F <= cap. Returns each hop's end position, or null.
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
