package io.splitemu.planner.cpsl;

import io.splitemu.planner.alloc.MinMaxAllocator;
import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * The Gibbs clustering of {@link GibbsClustering} for many devices: the same start, proposals,
 * acceptance rule and cooling, with most proposals' two cluster costs from a second-order update in
 * O(1) instead of two min-max re-solves in O(N / M).
 *
 * <p>Each cluster keeps, per phase (uplink, downlink), its makespan T and an expansion point t0
 * with the exact sums there over its current members: {@code S(t0) = sum_n x_n(t0)}, the members'
 * smallest shares that finish by t0 (the min-max optimum is {@code S(T) = 1}), {@code D = -dS/dt}
 * and {@code E = d2S/dt2}. A swap updates the sums in O(1) (the leaving member's terms at t0 out,
 * the entering one's in), so they stay exact and errors do not pile up from swap to swap. A swap of
 * member u for device v is costed from the others' sum to second order around t0 plus v's share
 * exactly (Newton on the makespan, a few logarithms). At the optimum every member finishes at T, so
 * the FedAvg upload term of the visit is {@code modelBits (T_up - min tF) / bitsUp} and the
 * broadcast term {@code modelBits / min rD}: the two minima come from each cluster's members in
 * rank order (a bit set per cluster).
 *
 * <p>The expansion errs as the cube of the distance from t0. A cluster is re-expanded at its
 * makespan (one pass over its members, with one Newton step on the exact sum) once a makespan is
 * more than 5% of D / E from t0, and solved from scratch after 4 |C| accepted swaps;
 * IncrementalGibbsTest holds the tracked costs within 1e-3 of the exact ones (about 1e-4 seen). A
 * proposal is re-solved exactly instead when its step would go more than 10% of D / E from t0 (a
 * straggler leaving or coming in); when no step converges (most often v cannot finish even with the
 * whole band) a lower bound on the makespan (the tangent of the others' convex share sum at t0)
 * stands in, and the proposal is re-solved exactly only when that bound still gives the swap a
 * chance under the acceptance draw.
 *
 * <p>The trajectory differs from the exact search's (its costs differ in the last digits), so plans
 * of large runs differ from what the exact search would give. The returned partition is the one
 * with the least exact round latency of three: the start (sorted), the best one seen by the tracked
 * costs and the last one.
 */
final class IncrementalGibbs {

  private static final double LN2 = StrictMath.log(2);
  // How far (in units of D / E) a makespan may move from where it was last solved exactly.
  private static final double REACH = 0.05;

  private final ClusterCostModel model;
  private final int n;
  private final int clusters;
  private final int[][] groups;
  private final int[] clusterOf;
  private final int[] slot;
  // Per device and phase (2i uplink, 2i + 1 downlink): the latest share computed, a warm start.
  private final double[] share;
  // Where each share was last solved by shareAt and its -dx/dt there (NaN: set by an exact solve),
  // for a warm start at the next t.
  private final double[] shareT;
  private final double[] shareSlope;
  private final double[] shareCurve;
  // Per cluster and phase (2c, 2c + 1): the makespan, and the point t0 the share sum is expanded
  // at with S(t0), D = -dS/dt and E = d2S/dt2 there, summed exactly over the current members
  // (a swap updates them in O(1): the leaving member's terms at t0 out, the entering one's in).
  private final double[] time;
  // Per device and phase: its share, -dx/dt and d2x/dt2 at its cluster's expansion point, and that
  // point (NaN: not known), so a member's terms there are not computed again.
  private final double[] memberShare;
  private final double[] memberSlope;
  private final double[] memberCurve;
  private final double[] memberAt;
  private final double[] at;
  private final double[] sum0;
  private final double[] slope;
  private final double[] curve;
  private final double[] cost;
  private final int[] acceptedSinceSolve;
  // Each cluster's members as ranks by uplink fixed time and by full downlink rate, with the
  // cluster's smallest rank of each.
  private final int[] rankFixed;
  private final int[] byRankFixed;
  private final int[] rankDown;
  private final int[] byRankDown;
  private final BitSet[] fixedRanks;
  private final BitSet[] downRanks;
  private final int[] minFixed;
  private final int[] minDown;
  // With local steps 0 a visit runs its largest member's epoch: the members as ranks by epoch
  // (largest first) and each cluster's smallest rank, as for the two minima (null otherwise).
  private final boolean perEpoch;
  private final int[] rankEpoch;
  private final int[] byRankEpoch;
  private final BitSet[] epochRanks;
  private final int[] minEpoch;
  // The outcome of the latest propose(): the uplink and downlink makespans, and at 2 whether they
  // are exact (the commit then expands the sums afresh); the minima in the two fields below.
  private final double[] proposed = new double[3];
  private int proposedMinFixed;
  private int proposedMinDown;
  private int proposedMinEpoch;
  // What the latest propose() gave: a second-order STEP, a lower BOUND (proposeExactly gives the
  // cost when the bound leaves the swap a chance) or nothing usable (EXACT: proposeExactly must).
  static final int STEP = 0;
  static final int BOUND = 1;
  static final int EXACT = 2;
  private int proposedStatus;
  // Set by shareAt: -dx/dT and d2x/dT2 of the share it returned.
  private double lastSlope;
  private double lastCurve;
  private double[] scratch = new double[16];

  IncrementalGibbs(ClusterCostModel model, int[][] start) {
    this.model = model;
    this.n = model.size();
    this.clusters = start.length;
    this.groups = new int[clusters][];
    for (int c = 0; c < clusters; c++) {
      groups[c] = start[c].clone();
    }
    clusterOf = new int[n];
    slot = new int[n];
    share = new double[2 * n];
    shareT = new double[2 * n];
    shareSlope = new double[2 * n];
    shareCurve = new double[2 * n];
    Arrays.fill(shareSlope, Double.NaN);
    time = new double[2 * clusters];
    at = new double[2 * clusters];
    memberShare = new double[2 * n];
    memberSlope = new double[2 * n];
    memberCurve = new double[2 * n];
    memberAt = new double[2 * n];
    Arrays.fill(memberAt, Double.NaN);
    sum0 = new double[2 * clusters];
    slope = new double[2 * clusters];
    curve = new double[2 * clusters];
    cost = new double[clusters];
    acceptedSinceSolve = new int[clusters];
    rankFixed = new int[n];
    byRankFixed = new int[n];
    rankDown = new int[n];
    byRankDown = new int[n];
    ranks(i -> model.fixed(i, true), rankFixed, byRankFixed);
    ranks(i -> model.fullRate(i, false), rankDown, byRankDown);
    fixedRanks = new BitSet[clusters];
    downRanks = new BitSet[clusters];
    minFixed = new int[clusters];
    minDown = new int[clusters];
    perEpoch = model.localSteps() == 0;
    rankEpoch = perEpoch ? new int[n] : null;
    byRankEpoch = perEpoch ? new int[n] : null;
    epochRanks = perEpoch ? new BitSet[clusters] : null;
    minEpoch = new int[clusters];
    if (perEpoch) {
      int most = 0;
      for (int i = 0; i < n; i++) {
        most = Math.max(most, model.epochSteps(i));
      }
      int top = most;
      ranks(i -> top - model.epochSteps(i), rankEpoch, byRankEpoch);
    }
    for (int c = 0; c < clusters; c++) {
      fixedRanks[c] = new BitSet(n);
      downRanks[c] = new BitSet(n);
      if (perEpoch) {
        epochRanks[c] = new BitSet(n);
      }
      for (int s = 0; s < groups[c].length; s++) {
        int i = groups[c][s];
        clusterOf[i] = c;
        slot[i] = s;
        fixedRanks[c].set(rankFixed[i]);
        downRanks[c].set(rankDown[i]);
        if (perEpoch) {
          epochRanks[c].set(rankEpoch[i]);
        }
      }
      minFixed[c] = fixedRanks[c].nextSetBit(0);
      minDown[c] = downRanks[c].nextSetBit(0);
      minEpoch[c] = perEpoch ? epochRanks[c].nextSetBit(0) : 0;
      solve(c);
    }
  }

  /** The search of {@link GibbsClustering#cluster} from the start partition, by tracked costs. */
  int[][] run(
      int proposals, double initialTemperature, double configuredAlpha, SplittableRandom rng) {
    int[][] start = GibbsClustering.copy(groups);
    double initial = Clustering.roundLatency(model, start, ClusterCostModel.SharePolicy.OPTIMAL);
    int[][] sorted = GibbsClustering.copy(groups);
    for (int[] g : sorted) {
      Arrays.sort(g);
    }
    double cur = total();
    double best = cur;
    GibbsClustering.Journal journal = new GibbsClustering.Journal();
    double delta = initialTemperature * cur;
    double alpha =
        configuredAlpha > 0
            ? configuredAlpha
            : StrictMath.exp(StrictMath.log(1e-4) / Math.max(1, proposals));
    double[] su = new double[3];
    double[] sv = new double[3];
    int[] suMins = new int[3];
    int[] svMins = new int[3];
    for (int it = 0; it < proposals; it++) {
      int u = rng.nextInt(n);
      int v = rng.nextInt(n - groups[clusterOf[u]].length);
      v = GibbsClustering.outside(v, sorted[clusterOf[u]]);
      int cu = clusterOf[u];
      int cv = clusterOf[v];
      double nu = propose(cu, u, v);
      int statusU = proposedStatus;
      keep(su, suMins);
      double nv = propose(cv, v, u);
      int statusV = proposedStatus;
      keep(sv, svMins);
      // Steps the model cannot take are re-solved exactly whatever the draw; a bound is re-solved
      // only when it leaves the swap a chance (with the same draw).
      if (statusU == EXACT) {
        nu = proposeExactly(cu, u, v);
        keep(su, suMins);
      }
      if (statusV == EXACT) {
        nv = proposeExactly(cv, v, u);
        keep(sv, svMins);
      }
      double next = cur - cost[cu] - cost[cv] + nu + nv;
      double draw = rng.nextDouble();
      if ((statusU == BOUND || statusV == BOUND)
          && draw < 1 / (1 + StrictMath.exp((next - cur) / delta))) {
        if (statusU == BOUND) {
          nu = proposeExactly(cu, u, v);
          keep(su, suMins);
        }
        if (statusV == BOUND) {
          nv = proposeExactly(cv, v, u);
          keep(sv, svMins);
        }
        next = cur - cost[cu] - cost[cv] + nu + nv;
      }
      double p = 1 / (1 + StrictMath.exp((next - cur) / delta));
      if (draw < p) {
        journal.add(cu, slot[u], cv, slot[v]);
        swap(u, v);
        commit(cv, v, u, nv, sv, svMins);
        commit(cu, u, v, nu, su, suMins);
        GibbsClustering.replace(sorted[cu], u, v);
        GibbsClustering.replace(sorted[cv], v, u);
        double before = cost[cu] + cost[cv];
        resolveIfDue(cu);
        resolveIfDue(cv);
        cur = next + cost[cu] + cost[cv] - before;
        if (cur < best) {
          best = cur;
          journal.clear();
        }
      }
      delta *= alpha;
    }
    // The tracked costs drift a little between exact re-solves, so the best partition by them
    // may not be the best by the exact cost: of the start, the last partition and the best one
    // by tracked costs, return the one with the least exact round latency (ties to the earlier).
    int[][] last = journal.isEmpty() ? null : GibbsClustering.copy(groups);
    journal.undo(groups);
    int[][] chosen = start;
    double least = initial;
    for (int[][] candidate : last == null ? new int[][][] {groups} : new int[][][] {groups, last}) {
      if (!Arrays.deepEquals(candidate, start)) {
        double exact =
            Clustering.roundLatency(model, candidate, ClusterCostModel.SharePolicy.OPTIMAL);
        if (exact < least) {
          least = exact;
          chosen = candidate;
        }
      }
    }
    return chosen;
  }

  // Copies the latest proposal's phases and minima.
  private void keep(double[] phases, int[] mins) {
    System.arraycopy(proposed, 0, phases, 0, 3);
    mins[0] = proposedMinFixed;
    mins[1] = proposedMinDown;
    mins[2] = proposedMinEpoch;
  }

  /** What the latest {@link #propose} gave: {@link #STEP}, {@link #BOUND} or {@link #EXACT}. */
  int proposedStatus() {
    return proposedStatus;
  }

  /** The tracked cost of cluster {@code c}. */
  double cost(int c) {
    return cost[c];
  }

  /** The cluster's current members (live array). */
  int[] members(int c) {
    return groups[c];
  }

  /**
   * The tracked cost of cluster {@code c} with member {@code out} replaced by {@code in}; leaves
   * each phase's makespan in {@code proposed} and the minima in the proposed fields.
   */
  double propose(int c, int out, int in) {
    proposedStatus = STEP;
    proposed[2] = 0;
    for (int p = 0; p < 2; p++) {
      int k = 2 * c + p;
      double t0 = at[k];
      // The others' share sum to second order around t0, from the exact sums there: S_o(t0 + h)
      // = sO - dO h + eO h^2 / 2; plus in's own share exactly. Newton on h from the current
      // makespan.
      memberTerms(out, p, t0);
      double sO = sum0[k] - termShare;
      double dO = slope[k] - termSlope;
      double eO = curve[k] - termCurve;
      double h = time[k] - t0;
      boolean converged = false;
      for (int it = 0; it < 8; it++) {
        double x = shareAt(in, p, t0 + h);
        double gp = dO - eO * h + lastSlope;
        double step = (sO - dO * h + 0.5 * eO * h * h + x - 1) / gp;
        if (!(Double.isFinite(step) && gp > 0)) {
          break;
        }
        h += step;
        // Newton's next error is about |g''| / (2 g') step^2: stop once that is below 1e-10 t0
        // rather than take one more step to see it.
        if (Math.abs(step) <= 1e-10 * t0
            || Math.abs(eO + lastCurve) * step * step <= 2e-10 * gp * t0) {
          converged = true;
          break;
        }
      }
      double next = t0 + h;
      if (!(converged && next > lowest(in, p))) {
        // No step: most often in cannot finish by it even with the whole band. The others' sum is
        // convex in t, so it lies above its tangent at t0, S_o(t) >= sO - dO (t - t0), and the
        // makespan is at least the root of x_in(t) = 1 - sO + dO (t - t0), and at least in's
        // whole-band time. That equation is convex and decreasing in t, so Newton from in's
        // whole-band time climbs to its root from the left and every iterate is a bound. The
        // caller re-solves exactly only when the bound still leaves the swap a chance.
        proposedStatus = Math.max(proposedStatus, BOUND);
        double b = lowest(in, p);
        for (int it = 0; it < 4; it++) {
          double g = shareAt(in, p, b) - 1 + sO - dO * (b - t0);
          double step = g / (lastSlope + dO);
          if (!(g > 0 && step > 0 && Double.isFinite(step))) {
            break;
          }
          b += step;
        }
        next = b;
      } else if (Math.abs(h) > 2 * REACH * slope[k] / curve[k]) {
        // Too far from t0 for the expansion (a straggler leaving or coming in moves the makespan
        // by a large part of itself): the caller re-solves exactly.
        proposedStatus = EXACT;
      }
      proposed[p] = next;
    }
    proposedMinFixed = minAfter(fixedRanks[c], minFixed[c], rankFixed[out], rankFixed[in]);
    proposedMinDown = minAfter(downRanks[c], minDown[c], rankDown[out], rankDown[in]);
    proposedMinEpoch =
        perEpoch ? minAfter(epochRanks[c], minEpoch[c], rankEpoch[out], rankEpoch[in]) : 0;
    return visit(c, proposed[0], proposed[1], proposedMinFixed, proposedMinDown, proposedMinEpoch);
  }

  /** {@link #propose} by exact re-solves of both phases. */
  double proposeExactly(int c, int out, int in) {
    int s = slot[out];
    groups[c][s] = in;
    fixedRanks[c].clear(rankFixed[out]);
    fixedRanks[c].set(rankFixed[in]);
    downRanks[c].clear(rankDown[out]);
    downRanks[c].set(rankDown[in]);
    for (int p = 0; p < 2; p++) {
      proposed[p] = solvePhase(c, p);
    }
    proposed[2] = 1;
    proposedMinFixed = fixedRanks[c].nextSetBit(0);
    proposedMinDown = downRanks[c].nextSetBit(0);
    proposedMinEpoch =
        perEpoch ? minAfter(epochRanks[c], minEpoch[c], rankEpoch[out], rankEpoch[in]) : 0;
    groups[c][s] = out;
    fixedRanks[c].clear(rankFixed[in]);
    fixedRanks[c].set(rankFixed[out]);
    downRanks[c].clear(rankDown[in]);
    downRanks[c].set(rankDown[out]);
    return visit(c, proposed[0], proposed[1], proposedMinFixed, proposedMinDown, proposedMinEpoch);
  }

  // Commits the proposal of swapping out for in to cluster c (after swap()): the makespans, and
  // the sums at t0 by the two members' terms there, or expanded afresh at an exact makespan.
  private void commit(int c, int out, int in, double newCost, double[] phases, int[] mins) {
    for (int p = 0; p < 2; p++) {
      int k = 2 * c + p;
      time[k] = phases[p];
      if (phases[2] != 0) {
        expand(c, p, time[k]);
      } else {
        memberTerms(out, p, at[k]);
        sum0[k] -= termShare;
        slope[k] -= termSlope;
        curve[k] -= termCurve;
        memberTerms(in, p, at[k]);
        sum0[k] += termShare;
        slope[k] += termSlope;
        curve[k] += termCurve;
      }
    }
    minFixed[c] = mins[0];
    minDown[c] = mins[1];
    minEpoch[c] = mins[2];
    cost[c] = newCost;
  }

  // Moves u and v between their clusters (slots, ranks); costs are committed by the caller.
  private void swap(int u, int v) {
    int cu = clusterOf[u];
    int cv = clusterOf[v];
    groups[cu][slot[u]] = v;
    groups[cv][slot[v]] = u;
    int su = slot[u];
    slot[u] = slot[v];
    slot[v] = su;
    clusterOf[u] = cv;
    clusterOf[v] = cu;
    fixedRanks[cu].clear(rankFixed[u]);
    fixedRanks[cu].set(rankFixed[v]);
    fixedRanks[cv].clear(rankFixed[v]);
    fixedRanks[cv].set(rankFixed[u]);
    downRanks[cu].clear(rankDown[u]);
    downRanks[cu].set(rankDown[v]);
    downRanks[cv].clear(rankDown[v]);
    downRanks[cv].set(rankDown[u]);
    if (perEpoch) {
      epochRanks[cu].clear(rankEpoch[u]);
      epochRanks[cu].set(rankEpoch[v]);
      epochRanks[cv].clear(rankEpoch[v]);
      epochRanks[cv].set(rankEpoch[u]);
    }
  }

  private void resolveIfDue(int c) {
    // Due once either makespan is more than 5% of D / E (about 2.5% of the time members have left
    // after their fixed time) from the point its sums are expanded at, where the expansion's error
    // grows as the cube of the distance; and after 4 |C| accepted swaps, a solve from scratch.
    boolean far = false;
    for (int k = 2 * c; k < 2 * c + 2; k++) {
      far |= Math.abs(time[k] - at[k]) > REACH * slope[k] / curve[k];
    }
    boolean old = ++acceptedSinceSolve[c] >= 4 * groups[c].length;
    if (far || old) {
      if (measureDrift) {
        double exact = model.visit(groups[c], ClusterCostModel.SharePolicy.OPTIMAL);
        worstDrift = Math.max(worstDrift, Math.abs(cost[c] - exact) / exact);
        for (int p = 0; p < 2; p++) {
          double t = model.phaseMakespan(groups[c], p == 0, new double[groups[c].length]);
          worstPhaseDrift = Math.max(worstPhaseDrift, Math.abs(time[2 * c + p] - t) / t);
        }
      }
      if (old) {
        solve(c);
      } else {
        refresh(c);
        if (measureDrift) {
          for (int p = 0; p < 2; p++) {
            double t = model.phaseMakespan(groups[c], p == 0, new double[groups[c].length]);
            worstRefreshedDrift = Math.max(worstRefreshedDrift, Math.abs(time[2 * c + p] - t) / t);
          }
        }
      }
    }
  }

  // Expands both phases' sums afresh at the current makespans, which are within a small part of
  // the exact ones, and moves each makespan by one Newton step on the exact S(t) = 1 from there.
  private void refresh(int c) {
    for (int p = 0; p < 2; p++) {
      int k = 2 * c + p;
      expand(c, p, time[k]);
      if (!(Double.isFinite(sum0[k]) && slope[k] > 0 && Math.abs(sum0[k] - 1) < 0.01)) {
        solve(c);
        return;
      }
      time[k] += (sum0[k] - 1) / slope[k];
    }
    cost[c] = visit(c, time[2 * c], time[2 * c + 1], minFixed[c], minDown[c], minEpoch[c]);
  }

  // The sums of cluster c's phase p at t over its members, with t as the expansion point.
  private void expand(int c, int p, double t) {
    int k = 2 * c + p;
    double s = 0;
    double d = 0;
    double e = 0;
    for (int i : groups[c]) {
      memberTerms(i, p, t);
      s += termShare;
      d += termSlope;
      e += termCurve;
    }
    at[k] = t;
    sum0[k] = s;
    slope[k] = d;
    curve[k] = e;
  }

  // Tests: the largest relative gap between a cluster's tracked cost (and phase makespans) and the
  // exact one, seen just before the cluster's due re-solves.
  boolean measureDrift;
  double worstDrift;
  double worstPhaseDrift;
  // ... and between the makespans and the exact ones just after a re-expansion.
  double worstRefreshedDrift;

  // Re-solves cluster c exactly: both phases' makespans, slopes and the members' shares, its cost.
  private void solve(int c) {
    for (int p = 0; p < 2; p++) {
      time[2 * c + p] = solvePhase(c, p);
      expand(c, p, time[2 * c + p]);
    }
    cost[c] = visit(c, time[2 * c], time[2 * c + 1], minFixed[c], minDown[c], minEpoch[c]);
    acceptedSinceSolve[c] = 0;
  }

  private double solvePhase(int c, int p) {
    int[] g = groups[c];
    if (scratch.length < g.length) {
      scratch = new double[2 * g.length];
    }
    double t = model.phaseMakespan(g, p == 0, scratch);
    for (int s = 0; s < g.length; s++) {
      share[2 * g[s] + p] = scratch[s];
      shareSlope[2 * g[s] + p] = Double.NaN;
    }
    return t;
  }

  // The cost of a visit of cluster c with the given phase makespans and minimum ranks (epochRank:
  // its largest epoch's, read only with local steps 0).
  private double visit(int c, double up, double down, int fixedRank, int downRank, int epochRank) {
    double modelBits = model.modelBits();
    double tf = model.fixed(byRankFixed[fixedRank], true);
    double weakest = model.fullRate(byRankDown[downRank], false);
    double tau = up + model.serverPerDevice() * groups[c].length + down;
    // The model's broadcast and upload end with their propagation delays, as the phases' do (in
    // their fixed times, so up - tf is the upload's transfer alone).
    //
    // Both terms assume every member has the same propagation delay. The exact broadcast is
    // max_n (modelBits / rD_n + prop_n) and the exact upload max_n (modelBits (up - tF_n) /
    // bitsUp + prop_n) (each member's uplink rate at its share is bitsUp / (up - tF_n) at the
    // min-max optimum, tF_n including prop_n); with equal delays these are the weakest downlink's
    // and the smallest fixed time's terms below, with unequal ones they can be short by the
    // difference of the delays. Only the search's tracked costs use this form: the partition it
    // returns is re-priced exactly (ClusterCostModel), so the plan's prediction is exact.
    return modelBits / weakest
        + model.propagation(byRankDown[downRank])
        + (perEpoch ? model.epochSteps(byRankEpoch[epochRank]) : model.localSteps()) * tau
        + modelBits * (up - tf) / model.phaseBits(true)
        + model.propagation(byRankFixed[fixedRank]);
  }

  private double total() {
    double t = 0;
    for (int c = 0; c < clusters; c++) {
      t += cost[c];
    }
    return t;
  }

  // The least makespan device i allows in phase p: its fixed time and its bits at the whole band.
  private double lowest(int i, int p) {
    boolean up = p == 0;
    return model.fixed(i, up) + model.phaseBits(up) / model.fullRate(i, up);
  }

  // Device i's share, -dx/dt and d2x/dt2 in phase p at t into the term fields, from the member
  // cache when it holds them for t, else computed and cached.
  private void memberTerms(int i, int p, double t) {
    int j = 2 * i + p;
    if (memberAt[j] != t) {
      memberShare[j] = shareAt(i, p, t);
      memberSlope[j] = lastSlope;
      memberCurve[j] = lastCurve;
      memberAt[j] = t;
    }
    termShare = memberShare[j];
    termSlope = memberSlope[j];
    termCurve = memberCurve[j];
  }

  private double termShare;
  private double termSlope;
  private double termCurve;

  /**
   * The smallest share with which device i finishes phase p by t, from its warm start; leaves
   * {@code -dx/dt} in lastSlope. NaN when t leaves it no time.
   */
  double shareAt(int i, int p, double t) {
    boolean up = p == 0;
    double d = t - model.fixed(i, up);
    if (!(d > 0)) {
      lastSlope = Double.NaN;
      lastCurve = Double.NaN;
      return Double.NaN;
    }
    double need = model.phaseBits(up) / d;
    double w = model.bandwidth(i, up);
    double snr = model.snr(i, up);
    if (snr == 0) {
      // x = need / w: -x' = need / (d w), x'' = 2 need / (d^2 w).
      lastSlope = need / d / w;
      lastCurve = 2 * lastSlope / d;
      return need / w;
    }
    int j = 2 * i + p;
    double x = share[j];
    if (!(x > 0 && x <= 1)) {
      x = 1.0 / Math.max(1, groups[clusterOf[i]].length);
    } else {
      // A second-order step from where it was last solved (the shares of a search's proposals
      // move little between calls): one or two Newton iterations instead of three or four. Far
      // from there the second-order term can mislead (a share near 0 then takes a dozen), so it
      // is kept only within a factor 2 of the share, else the first-order step.
      double dt = t - shareT[j];
      double first = x - shareSlope[j] * dt;
      double second = first + 0.5 * shareCurve[j] * dt * dt;
      if (second > 0.5 * x && second < 2 * x && second <= 1) {
        x = second;
      } else if (first > 0 && first <= 1) {
        x = first;
      }
    }
    double rp = 0;
    double xAt = x;
    double qAt = 0;
    for (int it = 0; it < 60; it++) {
      double q = snr / x;
      double l = MinMaxAllocator.log1p(q);
      double g = x * w * l / LN2 - need;
      rp = w / LN2 * (l - q / (1 + q));
      xAt = x;
      qAt = q;
      double step = -g / rp;
      double next = x + step;
      if (!(next > 0)) {
        next = 0.5 * x;
      }
      // The rate is concave in x with |r''| / (2 r') <= 1 / x, so the error after this step is at
      // most (step / x)^2 of x: below 1e-14 once the step is below 1e-7 of x.
      boolean done = Math.abs(step) <= 1e-7 * x;
      x = next;
      lastIterations = it + 1;
      if (done) {
        break;
      }
    }
    share[j] = x;
    shareT[j] = t;
    // r' was taken before the last step: carried to the share by r'' (the step is at most 1e-7 of
    // x, so r' is then right to about 1e-14, as x is; without it the slopes would be off by 1e-7).
    rp += -w / LN2 * qAt * qAt / (xAt * (1 + qAt) * (1 + qAt)) * (x - xAt);
    // r(x) = need(t) = B / (t - a): x' = -need / (d r'), and with r'' = -(w / ln 2) q^2 / (x (1 +
    // q)^2), x'' = 2 need / (d^2 r') + need r'' x' / (d r'^2).
    lastSlope = need / d / rp;
    double q = snr / x;
    double rpp = -w / LN2 * q * q / (x * (1 + q) * (1 + q));
    lastCurve = 2 * lastSlope / d - need * rpp * lastSlope / (d * rp * rp);
    shareSlope[j] = lastSlope;
    shareCurve[j] = lastCurve;
    return x;
  }

  /** -dx/dt of the share the latest {@link #shareAt} returned (tests). */
  double lastSlope() {
    return lastSlope;
  }

  // Newton iterations of the latest shareAt over a Shannon link (tests: the warm start's effect).
  int lastIterations;

  private static int minAfter(BitSet ranks, int min, int out, int in) {
    int rest = out == min ? ranks.nextSetBit(min + 1) : min;
    return rest < 0 ? in : Math.min(rest, in);
  }

  // Devices in ascending order of a non-negative key, ties by index: a primitive sort of the key's
  // leading 43 bits with the index in the low 21, then an insertion pass with the exact
  // comparison (the order is then right up to keys within 2^-32 of each other, a few swaps).
  private void ranks(java.util.function.IntToDoubleFunction key, int[] rank, int[] byRank) {
    int bits = 21;
    if (n < 1 << bits) {
      long[] packed = new long[n];
      for (int i = 0; i < n; i++) {
        packed[i] = ((Double.doubleToLongBits(key.applyAsDouble(i)) >>> bits) << bits) | i;
      }
      Arrays.sort(packed);
      for (int r = 0; r < n; r++) {
        byRank[r] = (int) (packed[r] & ((1 << bits) - 1));
      }
    } else {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (x, y) -> Double.compare(key.applyAsDouble(x), key.applyAsDouble(y)));
      for (int r = 0; r < n; r++) {
        byRank[r] = order[r];
      }
    }
    for (int r = 1; r < n; r++) {
      for (int j = r; j > 0 && before(key, byRank[j], byRank[j - 1]); j--) {
        int t = byRank[j];
        byRank[j] = byRank[j - 1];
        byRank[j - 1] = t;
      }
    }
    for (int r = 0; r < n; r++) {
      rank[byRank[r]] = r;
    }
  }

  private static boolean before(java.util.function.IntToDoubleFunction key, int a, int b) {
    int k = Double.compare(key.applyAsDouble(a), key.applyAsDouble(b));
    return k < 0 || (k == 0 && a < b);
  }
}
