package io.splitemu.planner.dag;

import io.splitemu.model.profile.DagLayer;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.planner.sfl.CurveFit;
import io.splitemu.planner.sfl.LeastSquares;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Device/server partitions of a DAG model: the exact minimum s-t cut of LATENCY-MODEL.md section 5,
 * the block-wise variant, chain-like and trivial baselines, and a brute force for tests.
 *
 * <p>A partition is given as {@code boolean[] onDevice} indexed like {@link DagProfile#layers()}
 * (topological order). The raw input is always on the device.
 */
public final class DagSplitter {

  private DagSplitter() {}

  /** The optimal partition by minimum cut (Dinic max-flow on the graph of section 5). */
  public static DagSplit minCut(DagProfile dag, SplitRates rates) {
    long start = System.nanoTime();
    boolean[] onDevice = minCutSet(dag, rates);
    double millis = (System.nanoTime() - start) / 1e6;
    return evaluate(dag, rates, onDevice, "mincut", millis);
  }

  /**
   * Prices a partition from scratch: T(D) = b·[device compute + server compute + crossing tensors
   * up and down, each once + raw input up when a server layer reads it].
   *
   * @throws IllegalArgumentException if the device set is not closed under predecessors
   */
  public static DagSplit evaluate(
      DagProfile dag, SplitRates rates, boolean[] onDevice, String method, double solveMillis) {
    List<DagLayer> layers = dag.layers();
    int n = layers.size();
    if (onDevice.length != n) {
      throw new IllegalArgumentException(
          "partition has " + onDevice.length + " entries for " + n + " layers");
    }
    List<List<Integer>> succ = dag.successors();
    double b = rates.batch();
    double dev = 0;
    double srv = 0;
    double comm = 0;
    List<String> device = new ArrayList<>();
    List<String> server = new ArrayList<>();
    List<String> crossing = new ArrayList<>();
    boolean inputCrosses = false;
    for (int i = 0; i < n; i++) {
      DagLayer l = layers.get(i);
      if (!onDevice[i] && l.inputs().contains(DagProfile.INPUT)) {
        inputCrosses = true;
      }
    }
    if (inputCrosses) {
      comm += 8.0 * dag.inputBytes() / rates.uplinkBps();
      crossing.add(DagProfile.INPUT);
    }
    double perByte = 8.0 * (1 / rates.uplinkBps() + 1 / rates.downlinkBps());
    for (int i = 0; i < n; i++) {
      DagLayer l = layers.get(i);
      double work = l.forwardFlops() + l.backwardFlops();
      if (onDevice[i]) {
        dev += work / rates.deviceFlops();
        device.add(l.name());
        boolean crosses = false;
        for (int u : succ.get(i)) {
          crosses |= !onDevice[u];
        }
        if (crosses) {
          comm += l.outputBytes() * perByte;
          crossing.add(l.name());
        }
      } else {
        srv += work / rates.serverFlops();
        server.add(l.name());
        for (int u : succ.get(i)) {
          if (onDevice[u]) {
            throw new IllegalArgumentException(
                "device layer " + layers.get(u).name() + " reads server layer " + l.name());
          }
        }
      }
    }
    dev *= b;
    srv *= b;
    comm *= b;
    return new DagSplit(
        dag.name(),
        n,
        method,
        device,
        server,
        crossing,
        dev + srv + comm,
        dev,
        srv,
        comm,
        solveMillis);
  }

  /** Every layer on the device (nothing crosses). */
  public static DagSplit allOnDevice(DagProfile dag, SplitRates rates) {
    boolean[] d = new boolean[dag.size()];
    java.util.Arrays.fill(d, true);
    return evaluate(dag, rates, d, "device", 0);
  }

  /** Every layer on the server (the raw input crosses). */
  public static DagSplit allOnServer(DagProfile dag, SplitRates rates) {
    return evaluate(dag, rates, new boolean[dag.size()], "server", 0);
  }

  /**
   * The best chain-like cut: the cheapest prefix of the stored topological order (prefix length
   * 0..n), as a planner that treats the DAG as a chain would choose.
   */
  public static DagSplit bestChainCut(DagProfile dag, SplitRates rates) {
    long start = System.nanoTime();
    int n = dag.size();
    DagSplit best = null;
    boolean[] d = new boolean[n];
    for (int k = 0; k <= n; k++) {
      if (k > 0) {
        d[k - 1] = true;
      }
      DagSplit s = evaluate(dag, rates, d, "chain", 0);
      if (best == null || s.costSeconds() < best.costSeconds()) {
        best = s;
      }
    }
    return best.relabel("chain", (System.nanoTime() - start) / 1e6);
  }

  /**
   * The best cut a chain planner can make: a prefix of the stored topological order that exactly
   * one tensor leaves (a single-entry, single-exit boundary, the cut points of {@link
   * DagProfile#toChain()}), all-on-server (the raw input leaves) and all-on-device included.
   */
  public static DagSplit blockChainCut(DagProfile dag, SplitRates rates) {
    long start = System.nanoTime();
    DagSplit best = null;
    for (int k : chainBoundaries(dag)) {
      DagSplit s = evaluate(dag, rates, prefix(dag.size(), k), "blockchain", 0);
      if (best == null || s.costSeconds() < best.costSeconds()) {
        best = s;
      }
    }
    return best.relabel("blockchain", (System.nanoTime() - start) / 1e6);
  }

  /**
   * A regression-based cut as in the SFL paper: over the chain planner's cut points (index x = 0..m
   * of {@link #chainBoundaries}), least-squares curves of the device FLOPs and the crossing bytes
   * (cubic or exponential, whichever has the larger R^2), the fitted per-iteration cost minimised
   * on a fine grid of x, and the minimiser rounded to the better of its two neighbouring real cuts.
   * Unlike the SFL planner it is not checked against the exact argmin, so it shows what the fit
   * alone would choose.
   */
  public static DagSplit regressionCut(DagProfile dag, SplitRates rates) {
    long start = System.nanoTime();
    int[] cuts = chainBoundaries(dag);
    int m = cuts.length;
    double[] x = new double[m];
    double[] fd = new double[m];
    double[] bytes = new double[m];
    double total = 0;
    for (DagLayer l : dag.layers()) {
      total += l.forwardFlops() + l.backwardFlops();
    }
    double done = 0;
    int at = 0;
    for (int i = 0; i < m; i++) {
      while (at < cuts[i]) {
        DagLayer l = dag.layers().get(at++);
        done += l.forwardFlops() + l.backwardFlops();
      }
      x[i] = i;
      fd[i] = done;
      bytes[i] = cuts[i] == 0 ? dag.inputBytes() : dag.layers().get(cuts[i] - 1).outputBytes();
      if (cuts[i] == dag.size()) {
        bytes[i] = 0;
      }
    }
    int degree = Math.min(3, m - 1);
    CurveFit fdFit = LeastSquares.best(x, fd, degree);
    CurveFit byteFit = LeastSquares.best(x, bytes, degree);
    double perByte = 8.0 * (1 / rates.uplinkBps() + 1 / rates.downlinkBps());
    double bestX = 0;
    double best = Double.POSITIVE_INFINITY;
    int grid = 16 * m;
    for (int g = 0; g <= grid; g++) {
      double xi = (m - 1) * (g / (double) grid);
      double dev = Math.min(total, Math.max(0, fdFit.value(xi)));
      double t =
          dev / rates.deviceFlops()
              + (total - dev) / rates.serverFlops()
              + Math.max(0, byteFit.value(xi)) * perByte;
      if (t < best) {
        best = t;
        bestX = xi;
      }
    }
    int lo = (int) Math.floor(bestX);
    int hi = Math.min(m - 1, lo + 1);
    DagSplit a = evaluate(dag, rates, prefix(dag.size(), cuts[lo]), "regression", 0);
    DagSplit b = evaluate(dag, rates, prefix(dag.size(), cuts[hi]), "regression", 0);
    DagSplit pick = a.costSeconds() <= b.costSeconds() ? a : b;
    return pick.relabel("regression", (System.nanoTime() - start) / 1e6);
  }

  /**
   * The prefix lengths k = 0..n of the stored topological order after which at most one tensor
   * crosses to the rest of the model (k = 0: the raw input; k = n: nothing), in increasing order.
   */
  public static int[] chainBoundaries(DagProfile dag) {
    List<DagLayer> layers = dag.layers();
    int n = layers.size();
    java.util.Map<String, Integer> index = dag.indexByName();
    // last[i]: position of the last reader of layer i's output; the input's is inputLast
    int[] last = new int[n];
    int inputLast = -1;
    for (int j = 0; j < n; j++) {
      for (String in : layers.get(j).inputs()) {
        if (DagProfile.INPUT.equals(in)) {
          inputLast = Math.max(inputLast, j);
        } else {
          int i = index.get(in);
          last[i] = Math.max(last[i], j);
        }
      }
    }
    List<Integer> out = new ArrayList<>();
    out.add(0);
    for (int k = 1; k < n; k++) {
      // layers 0..k-1 on the device: count the tensors read at position >= k
      int crossing = inputLast >= k ? 1 : 0;
      for (int i = 0; i < k && crossing <= 1; i++) {
        if (last[i] >= k) {
          crossing++;
        }
      }
      if (crossing == 1) {
        out.add(k);
      }
    }
    out.add(n);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private static boolean[] prefix(int n, int k) {
    boolean[] d = new boolean[n];
    java.util.Arrays.fill(d, 0, k, true);
    return d;
  }

  /**
   * Exhaustive search over every predecessor-closed device set; exponential, for tests on small
   * DAGs only.
   */
  public static DagSplit bruteForce(DagProfile dag, SplitRates rates) {
    int n = dag.size();
    if (n > 24) {
      throw new IllegalArgumentException("brute force is limited to 24 layers, got " + n);
    }
    int[][] preds = predecessors(dag);
    boolean[] d = new boolean[n];
    DagSplit[] best = new DagSplit[1];
    enumerate(dag, rates, preds, d, 0, best);
    return best[0].relabel("bruteforce", 0);
  }

  private static void enumerate(
      DagProfile dag, SplitRates rates, int[][] preds, boolean[] d, int i, DagSplit[] best) {
    if (i == d.length) {
      DagSplit s = evaluate(dag, rates, d, "bruteforce", 0);
      if (best[0] == null || s.costSeconds() < best[0].costSeconds()) {
        best[0] = s;
      }
      return;
    }
    d[i] = false;
    enumerate(dag, rates, preds, d, i + 1, best);
    boolean allowed = true;
    for (int p : preds[i]) {
      allowed &= d[p];
    }
    if (allowed) {
      d[i] = true;
      enumerate(dag, rates, preds, d, i + 1, best);
      d[i] = false;
    }
  }

  /**
   * The block-wise variant: each single-entry, single-exit block is collapsed into one vertex
   * (summed costs, the block's output size), the smaller graph is cut, and the result is expanded
   * and compared with the full min-cut.
   *
   * <p>Blocks are delimited by gateway layers: a layer v whose ancestor set A(v) (v included) sends
   * no tensor out except v's own output and, unless v reads it, the raw input does not leave A(v)
   * either. Nested gateways cut the model into blocks A(g_k) \ A(g_{k-1}); what follows the last
   * gateway is the final block.
   */
  public static BlockwiseSplit blockWise(DagProfile dag, SplitRates rates) {
    DagSplit full = minCut(dag, rates);
    long start = System.nanoTime();
    int n = dag.size();
    int[] blockOf = blocks(dag);
    int blocks = 0;
    for (int x : blockOf) {
      blocks = Math.max(blocks, x + 1);
    }
    List<DagLayer> layers = dag.layers();
    double[] f = new double[blocks];
    double[] g = new double[blocks];
    long[] out = new long[blocks];
    long[] params = new long[blocks];
    for (int i = 0; i < n; i++) {
      DagLayer l = layers.get(i);
      int k = blockOf[i];
      f[k] += l.forwardFlops();
      g[k] += l.backwardFlops();
      params[k] += l.paramBytes();
      // a block's output is its gateway, which comes last in topological order
      out[k] = l.outputBytes();
    }
    List<DagLayer> collapsed = new ArrayList<>(blocks);
    for (int k = 0; k < blocks; k++) {
      String in = k == 0 ? DagProfile.INPUT : "block" + (k - 1);
      collapsed.add(new DagLayer("block" + k, List.of(in), f[k], g[k], out[k], params[k]));
    }
    DagProfile small = new DagProfile(dag.name(), dag.inputBytes(), collapsed);
    boolean[] smallSet = minCutSet(small, rates);
    int[] smallIndex = new int[blocks];
    List<DagLayer> smallLayers = small.layers();
    for (int i = 0; i < blocks; i++) {
      smallIndex[Integer.parseInt(smallLayers.get(i).name().substring(5))] = i;
    }
    boolean[] onDevice = new boolean[n];
    for (int i = 0; i < n; i++) {
      onDevice[i] = smallSet[smallIndex[blockOf[i]]];
    }
    double millis = (System.nanoTime() - start) / 1e6;
    DagSplit split = evaluate(dag, rates, onDevice, "blockwise", millis);
    return new BlockwiseSplit(
        split, blocks, full, Math.max(0, split.costSeconds() - full.costSeconds()));
  }

  /** Block index of each layer (blocks numbered in forward order). */
  static int[] blocks(DagProfile dag) {
    int n = dag.size();
    int[][] preds = predecessors(dag);
    List<List<Integer>> succ = dag.successors();
    BitSet[] anc = new BitSet[n];
    for (int i = 0; i < n; i++) {
      anc[i] = new BitSet(n);
      anc[i].set(i);
      for (int p : preds[i]) {
        anc[i].or(anc[p]);
      }
    }
    List<DagLayer> layers = dag.layers();
    List<Integer> gateways = new ArrayList<>();
    BitSet last = new BitSet(n);
    for (int v = 0; v < n; v++) {
      BitSet a = anc[v];
      boolean single = true;
      for (int u = a.nextSetBit(0); u >= 0 && single; u = a.nextSetBit(u + 1)) {
        if (u == v) {
          continue;
        }
        for (int w : succ.get(u)) {
          if (!a.get(w)) {
            single = false;
            break;
          }
        }
      }
      for (int w = 0; w < n && single; w++) {
        if (!a.get(w) && layers.get(w).inputs().contains(DagProfile.INPUT)) {
          single = false;
        }
      }
      BitSet nested = (BitSet) last.clone();
      nested.andNot(a);
      if (single && nested.isEmpty()) {
        gateways.add(v);
        last = a;
      }
    }
    int[] blockOf = new int[n];
    java.util.Arrays.fill(blockOf, -1);
    int k = 0;
    for (int gw : gateways) {
      BitSet a = anc[gw];
      boolean any = false;
      for (int u = a.nextSetBit(0); u >= 0; u = a.nextSetBit(u + 1)) {
        if (blockOf[u] < 0) {
          blockOf[u] = k;
          any = true;
        }
      }
      if (any) {
        k++;
      }
    }
    for (int i = 0; i < n; i++) {
      if (blockOf[i] < 0) {
        blockOf[i] = k;
      }
    }
    return blockOf;
  }

  private static int[][] predecessors(DagProfile dag) {
    java.util.Map<String, Integer> index = dag.indexByName();
    List<DagLayer> layers = dag.layers();
    int[][] preds = new int[layers.size()][];
    for (int i = 0; i < layers.size(); i++) {
      preds[i] =
          layers.get(i).inputs().stream()
              .filter(s -> !DagProfile.INPUT.equals(s))
              .mapToInt(index::get)
              .distinct()
              .toArray();
    }
    return preds;
  }

  /** Bits of the integer unit the costs are scaled to: the bound on the optimum is 2^UNIT_BITS. */
  private static final int UNIT_BITS = 50;

  /**
   * The device set of a minimum cut, never dearer than every layer on the device or every layer on
   * the server. Vertices: s = 0, t = 1, the input = 2, layers 3..n+2, auxiliary tensor vertices
   * after them (input's first).
   *
   * <p>The flow runs on integers: every cost is counted in units of {@code bound / 2^50}, with
   * {@code bound} the cheaper trivial partition, an upper bound on the optimum. A capacity above
   * {@code 4 bound} is clamped there and the "infinite" edges carry {@code 2^60}; neither can be in
   * a minimum cut, whose value is at most {@code bound}. Rounding moves each cut edge by at most
   * half a unit, so the cut found is within {@code edges x 2^-51 x bound} of the optimum, however
   * far apart the costs are (a tolerance scaled by the sum of all costs would instead treat edges
   * as saturated when a single huge cost makes it exceed the costs that decide the cut).
   */
  static boolean[] minCutSet(DagProfile dag, SplitRates rates) {
    List<DagLayer> layers = dag.layers();
    int n = layers.size();
    boolean[] allDevice = new boolean[n];
    java.util.Arrays.fill(allDevice, true);
    boolean[] allServer = new boolean[n];
    double deviceCost = evaluate(dag, rates, allDevice, "device", 0).costSeconds();
    double serverCost = evaluate(dag, rates, allServer, "server", 0).costSeconds();
    double bound = Math.min(deviceCost, serverCost);
    if (!(bound > 0)) {
      return deviceCost <= serverCost ? allDevice : allServer;
    }
    double unit = bound / (1L << UNIT_BITS);
    long clamp = 1L << (UNIT_BITS + 2);
    long inf = 1L << 60;
    int[][] preds = predecessors(dag);
    List<List<Integer>> succ = dag.successors();
    double b = rates.batch();
    double perByte = b * 8.0 * (1 / rates.uplinkBps() + 1 / rates.downlinkBps());
    int s = 0;
    int t = 1;
    int input = 2;
    int inputAux = n + 3;
    int aux = n + 4;
    MaxFlow mf = new MaxFlow(2 * n + 4, 6 * n + 8);
    mf.addEdge(s, input, inf);
    mf.addEdge(input, inputAux, units(b * 8.0 * dag.inputBytes() / rates.uplinkBps(), unit, clamp));
    for (int i = 0; i < n; i++) {
      DagLayer l = layers.get(i);
      double work = b * (l.forwardFlops() + l.backwardFlops());
      int v = 3 + i;
      mf.addEdge(s, v, units(work / rates.serverFlops(), unit, clamp));
      mf.addEdge(v, t, units(work / rates.deviceFlops(), unit, clamp));
      if (!succ.get(i).isEmpty()) {
        int va = aux + i;
        mf.addEdge(v, va, units(l.outputBytes() * perByte, unit, clamp));
        for (int u : succ.get(i)) {
          mf.addEdge(va, 3 + u, inf);
        }
      }
      // a device consumer forces its producers onto the device
      for (int p : preds[i]) {
        mf.addEdge(v, 3 + p, inf);
      }
      if (l.inputs().contains(DagProfile.INPUT)) {
        mf.addEdge(inputAux, v, inf);
        mf.addEdge(v, input, inf);
      }
    }
    mf.run(s, t);
    boolean[] side = mf.sourceSide(s);
    boolean[] onDevice = new boolean[n];
    for (int i = 0; i < n; i++) {
      onDevice[i] = side[3 + i];
    }
    // the cut is exact on the scaled costs; priced on the real ones it is kept unless a trivial
    // partition is strictly cheaper (rounding dust at most, a safeguard against any regression)
    double cut = evaluate(dag, rates, onDevice, "mincut", 0).costSeconds();
    if (deviceCost < cut && deviceCost <= serverCost) {
      return allDevice;
    }
    if (serverCost < cut) {
      return allServer;
    }
    return onDevice;
  }

  /** {@code cost} in whole units of {@code unit}, at most {@code clamp}. */
  private static long units(double cost, double unit, long clamp) {
    double x = cost / unit;
    return x >= clamp ? clamp : Math.round(x);
  }
}
