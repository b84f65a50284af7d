package io.splitemu.planner.dag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.profile.DagLayer;
import io.splitemu.model.profile.DagProfile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DagSplitterTest {

  /** A random DAG with skip edges and multi-consumer tensors; some costs are zero. */
  static DagProfile randomDag(Random rnd, int n) {
    List<DagLayer> layers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Set<String> in = new HashSet<>();
      // mostly the previous layer, so chains with residual skips dominate as in real models
      in.add(i == 0 || rnd.nextInt(5) == 0 ? DagProfile.INPUT : "l" + (i - 1));
      int extra = rnd.nextInt(3);
      for (int e = 0; e < extra; e++) {
        int j = rnd.nextInt(i + 1) - 1;
        in.add(j < 0 ? DagProfile.INPUT : "l" + j);
      }
      double f = rnd.nextInt(6) == 0 ? 0 : 1e6 * (1 + rnd.nextInt(1000));
      double g = rnd.nextBoolean() ? 2 * f : 1e6 * rnd.nextInt(2000);
      long out = rnd.nextInt(8) == 0 ? 0 : 1000L * (1 + rnd.nextInt(500));
      layers.add(new DagLayer("l" + i, new ArrayList<>(in), f, g, out, 4L * rnd.nextInt(1000)));
    }
    // shuffle so the profile's own topological sort is exercised
    java.util.Collections.shuffle(layers, rnd);
    return new DagProfile("random", 1000L * (1 + rnd.nextInt(600)), layers);
  }

  static SplitRates randomRates(Random rnd) {
    return new SplitRates(
        1e9 * (1 + rnd.nextInt(20)),
        1e9 * (5 + rnd.nextInt(200)),
        1e6 * (1 + rnd.nextInt(100)),
        1e6 * (1 + rnd.nextInt(200)),
        1 + rnd.nextInt(64));
  }

  @Test
  void minCut_equalsBruteForce_on600RandomDags() {
    Random rnd = new Random(20261121L);
    for (int trial = 0; trial < 600; trial++) {
      DagProfile dag = randomDag(rnd, 1 + rnd.nextInt(16));
      SplitRates rates = randomRates(rnd);
      DagSplit cut = DagSplitter.minCut(dag, rates);
      DagSplit brute = DagSplitter.bruteForce(dag, rates);
      assertEquals(
          brute.costSeconds(), cut.costSeconds(), 1e-9 * brute.costSeconds(), "trial " + trial);
      assertClosedAndRecomputed(dag, rates, cut);
      DagSplit chain = DagSplitter.bestChainCut(dag, rates);
      assertTrue(cut.costSeconds() <= chain.costSeconds() * (1 + 1e-12));
      assertTrue(
          cut.costSeconds() <= DagSplitter.allOnDevice(dag, rates).costSeconds() * (1 + 1e-12));
      assertTrue(
          cut.costSeconds() <= DagSplitter.allOnServer(dag, rates).costSeconds() * (1 + 1e-12));
      BlockwiseSplit bw = DagSplitter.blockWise(dag, rates);
      assertTrue(bw.gapSeconds() >= 0);
      assertClosedAndRecomputed(dag, rates, bw.split());
    }
  }

  /**
   * One option far dearer than the rest (3e15 s for B on a 1 FLOP/s device) must not blur the costs
   * that decide the cut: A on the device (100 s plus 16 us for its 1-byte tensor) beats sending the
   * 25 MB input (200 s) by 100 s. A tolerance scaled by the sum of all costs (3e15 x 1e-13 = 300 s)
   * took every edge for saturated and put everything on the server at 203 s.
   */
  @Test
  void minCut_oneHugeOption_stillFindsTheCheapSplit() {
    DagProfile dag =
        new DagProfile(
            "eps",
            25_000_000,
            List.of(
                new DagLayer("A", List.of("input"), 100.0 / 3, 200.0 / 3, 1, 0),
                new DagLayer("B", List.of("A"), 1e15, 2e15, 1, 0)));
    SplitRates rates = new SplitRates(1, 1e15, 1e6, 1e6, 1);
    DagSplit cut = DagSplitter.minCut(dag, rates);
    assertEquals(List.of("A"), cut.deviceLayers());
    assertEquals(103.000016, cut.costSeconds(), 1e-9);
    DagSplit brute = DagSplitter.bruteForce(dag, rates);
    assertEquals(brute.deviceLayers(), cut.deviceLayers());
    assertEquals(brute.costSeconds(), cut.costSeconds(), 1e-12 * brute.costSeconds());
    BlockwiseSplit bw = DagSplitter.blockWise(dag, rates);
    assertEquals(List.of("A"), bw.full().deviceLayers());
    assertEquals(List.of("A"), bw.split().deviceLayers());
    assertEquals(0, bw.gapSeconds());
  }

  /**
   * Small random DAGs whose costs span up to 30 orders of magnitude (FLOPs up to 1e20, tensors up
   * to 1 TB, rates over nearly the whole accepted range, many figures small next to a few huge):
   * the min-cut costs what brute force finds, up to rounding, and is never dearer than either
   * trivial partition.
   */
  @Test
  void minCut_equalsBruteForce_onRandomDagsWithWideCostRanges() {
    Random rnd = new Random(20261206L);
    for (int trial = 0; trial < 1500; trial++) {
      int n = 1 + rnd.nextInt(12);
      List<DagLayer> layers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Set<String> in = new HashSet<>();
        in.add(i == 0 || rnd.nextInt(4) == 0 ? DagProfile.INPUT : "l" + (i - 1));
        for (int e = rnd.nextInt(3); e > 0; e--) {
          int j = rnd.nextInt(i + 1) - 1;
          in.add(j < 0 ? DagProfile.INPUT : "l" + j);
        }
        double f = wide(rnd, 20);
        double g = rnd.nextBoolean() ? 2 * f : wide(rnd, 20);
        long out = (long) wide(rnd, 12);
        layers.add(new DagLayer("l" + i, new ArrayList<>(in), f, g, out, 0));
      }
      java.util.Collections.shuffle(layers, rnd);
      DagProfile dag = new DagProfile("wide", (long) Math.pow(10, 12 * rnd.nextDouble()), layers);
      SplitRates rates =
          new SplitRates(
              Math.max(1, wide(rnd, 15)),
              Math.max(1, wide(rnd, 21)),
              Math.max(1, wide(rnd, 15)),
              Math.max(1, wide(rnd, 15)),
              1 + rnd.nextInt(1000));
      DagSplit cut = DagSplitter.minCut(dag, rates);
      DagSplit brute = DagSplitter.bruteForce(dag, rates);
      String what = "trial " + trial + ": brute " + brute + ", min-cut " + cut;
      assertEquals(brute.costSeconds(), cut.costSeconds(), 1e-9 * brute.costSeconds(), what);
      assertClosedAndRecomputed(dag, rates, cut);
      assertTrue(cut.costSeconds() <= DagSplitter.allOnDevice(dag, rates).costSeconds(), what);
      assertTrue(cut.costSeconds() <= DagSplitter.allOnServer(dag, rates).costSeconds(), what);
      BlockwiseSplit bw = DagSplitter.blockWise(dag, rates);
      assertTrue(
          bw.split().costSeconds() >= bw.full().costSeconds() * (1 - 1e-9),
          "trial " + trial + ": block-wise " + bw.split() + " beats the full cut " + bw.full());
    }
  }

  /**
   * 0 one time in eight, else 10^x with x uniform on [0, 3] or on [0, maxExponent], half and half:
   * many small figures next to a few huge ones, the mix where one huge option dwarfs the costs that
   * decide the cut.
   */
  private static double wide(Random rnd, int maxExponent) {
    if (rnd.nextInt(8) == 0) {
      return 0;
    }
    return Math.pow(10, (rnd.nextBoolean() ? 3 : maxExponent) * rnd.nextDouble());
  }

  private static void assertClosedAndRecomputed(DagProfile dag, SplitRates rates, DagSplit s) {
    Set<String> dev = new HashSet<>(s.deviceLayers());
    for (DagLayer l : dag.layers()) {
      if (dev.contains(l.name())) {
        for (String in : l.inputs()) {
          assertTrue(
              DagProfile.INPUT.equals(in) || dev.contains(in),
              "device layer " + l.name() + " reads server layer " + in);
        }
      }
    }
    assertEquals(dag.size(), s.deviceLayers().size() + s.serverLayers().size());
    // from scratch: independent of evaluate(), straight from the formula
    double b = rates.batch();
    double total = 0;
    boolean inputUp = false;
    Map<String, Integer> idx = dag.indexByName();
    for (DagLayer l : dag.layers()) {
      boolean d = dev.contains(l.name());
      total +=
          b
              * (l.forwardFlops() + l.backwardFlops())
              / (d ? rates.deviceFlops() : rates.serverFlops());
      if (!d && l.inputs().contains(DagProfile.INPUT)) {
        inputUp = true;
      }
      if (d) {
        boolean crosses = false;
        for (DagLayer c : dag.layers()) {
          crosses |= !dev.contains(c.name()) && c.inputs().contains(l.name());
        }
        if (crosses) {
          total += b * 8.0 * l.outputBytes() * (1 / rates.uplinkBps() + 1 / rates.downlinkBps());
        }
      }
    }
    if (inputUp) {
      total += b * 8.0 * dag.inputBytes() / rates.uplinkBps();
    }
    assertTrue(idx.size() == dag.size());
    assertEquals(total, s.costSeconds(), 1e-9 * total);
    assertEquals(
        s.costSeconds(),
        s.deviceComputeSeconds() + s.serverComputeSeconds() + s.communicationSeconds(),
        1e-12 * s.costSeconds());
  }

  @Test
  void minCut_sharedTensor_isChargedOnce() {
    // a -> {b, c} both on the server: a's tensor crosses once, not twice
    DagProfile dag =
        new DagProfile(
            "fan",
            1_000_000,
            List.of(
                new DagLayer("a", List.of("input"), 1e6, 2e6, 1000, 0),
                new DagLayer("b", List.of("a"), 1e12, 2e12, 10, 0),
                new DagLayer("c", List.of("a"), 1e12, 2e12, 10, 0),
                new DagLayer("d", List.of("b", "c"), 1e6, 2e6, 10, 0)));
    SplitRates rates = new SplitRates(1e9, 1e12, 1e6, 1e6, 1);
    DagSplit s = DagSplitter.minCut(dag, rates);
    assertEquals(List.of("a"), s.deviceLayers());
    assertEquals(List.of("a"), s.crossingTensors());
    assertEquals(8.0 * 1000 * 2 / 1e6, s.communicationSeconds(), 1e-15);
  }

  @Test
  void minCut_slowDevice_sendsRawInputUp() {
    DagProfile dag =
        new DagProfile(
            "chain", 100, List.of(new DagLayer("a", List.of("input"), 1e9, 2e9, 1_000_000, 0)));
    DagSplit s = DagSplitter.minCut(dag, new SplitRates(1e6, 1e12, 1e9, 1e9, 8));
    assertEquals(List.of(), s.deviceLayers());
    assertEquals(List.of("input"), s.crossingTensors());
    assertEquals(8 * 8.0 * 100 / 1e9, s.communicationSeconds(), 1e-18);
  }

  /**
   * A chain of {@code n} layers, each reading the one before: {@code flops} forward per layer,
   * {@code bytes} of output except layer {@code narrow}, whose output is 4 bytes.
   */
  static DagProfile chain(int n, double flops, long inputBytes, long bytes, int narrow) {
    List<DagLayer> layers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      layers.add(
          new DagLayer(
              "r" + i,
              List.of(i == 0 ? DagProfile.INPUT : "r" + (i - 1)),
              flops,
              2 * flops,
              i == narrow ? 4 : bytes,
              0));
    }
    return new DagProfile("chain" + n, inputBytes, layers);
  }

  /** The cheapest prefix of a chain, priced in O(n) with prefix sums (every device set is one). */
  static double chainOptimum(DagProfile dag, SplitRates r) {
    List<DagLayer> l = dag.layers();
    int n = l.size();
    double total = 0;
    for (DagLayer x : l) {
      total += x.forwardFlops() + x.backwardFlops();
    }
    double perByte = 8.0 * (1 / r.uplinkBps() + 1 / r.downlinkBps());
    double best = Double.POSITIVE_INFINITY;
    double done = 0;
    for (int k = 0; k <= n; k++) {
      double comm =
          k == 0
              ? 8.0 * dag.inputBytes() / r.uplinkBps()
              : k == n ? 0 : l.get(k - 1).outputBytes() * perByte;
      double t = done / r.deviceFlops() + (total - done) / r.serverFlops() + comm;
      best = Math.min(best, r.batch() * t);
      if (k < n) {
        done += l.get(k).forwardFlops() + l.get(k).backwardFlops();
      }
    }
    return best;
  }

  /**
   * A 20,000-layer chain cut deep inside: the max-flow's augmenting paths run the depth of the
   * model, and the recursive search died of a StackOverflowError from about 10,000 layers (a
   * prototxt of ReLUs). The cut found is the known optimum: device up to the 4-byte tensor at layer
   * 14,000. (Kept at 20,000 layers: Dinic needs a phase per layer before the cut here.)
   */
  @Test
  void minCut_deepChain_findsTheNarrowTensorWithoutStackOverflow() {
    DagProfile dag = chain(20_000, 1e3, 1_000_000, 1_000_000, 14_000);
    SplitRates rates = new SplitRates(1e9, 1e10, 1e6, 1e6, 1);
    DagSplit s = DagSplitter.minCut(dag, rates);
    assertEquals(14_001, s.deviceLayers().size());
    assertEquals(List.of("r14000"), s.crossingTensors());
    double optimum = chainOptimum(dag, rates);
    assertEquals(optimum, s.costSeconds(), 1e-9 * optimum);
  }

  /** Equal layers all through (the ReLU chain of the report): still the chain's optimum. */
  @Test
  void minCut_uniformChainOf100kLayers_matchesTheChainOptimum() {
    for (SplitRates rates :
        List.of(
            new SplitRates(1e9, 1e10, 1e6, 1e6, 1),
            new SplitRates(1e10, 1e9, 1e6, 1e6, 4),
            new SplitRates(1e9, 1.05e9, 1e9, 1e9, 32))) {
      DagProfile dag = chain(100_000, 1e5, 400, 400, -1);
      DagSplit s = DagSplitter.minCut(dag, rates);
      double optimum = chainOptimum(dag, rates);
      assertEquals(optimum, s.costSeconds(), 1e-9 * optimum, rates.toString());
    }
  }

  /** On small chains the O(n) optimum and the brute force agree with the min-cut. */
  @Test
  void minCut_smallChains_equalBruteForceAndTheChainOptimum() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + rnd.nextInt(20);
      DagProfile dag =
          chain(
              n,
              1e6 * (1 + rnd.nextInt(100)),
              1000L * (1 + rnd.nextInt(100)),
              1000L * (1 + rnd.nextInt(100)),
              rnd.nextInt(n + 1));
      SplitRates rates = randomRates(rnd);
      double cut = DagSplitter.minCut(dag, rates).costSeconds();
      double brute = DagSplitter.bruteForce(dag, rates).costSeconds();
      assertEquals(brute, cut, 1e-9 * brute, "trial " + trial);
      assertEquals(chainOptimum(dag, rates), cut, 1e-9 * brute, "trial " + trial);
    }
  }

  @Test
  void blocks_residualChain_collapsesEachResidualBlock() {
    // stem -> [c1 -> c2 -> add(c2, stem)] -> [d1 -> add2(d1, add)] -> fc
    DagProfile dag =
        new DagProfile(
            "res",
            10,
            List.of(
                new DagLayer("stem", List.of("input"), 1, 2, 5, 0),
                new DagLayer("c1", List.of("stem"), 1, 2, 5, 0),
                new DagLayer("c2", List.of("c1"), 1, 2, 5, 0),
                new DagLayer("add", List.of("c2", "stem"), 1, 2, 5, 0),
                new DagLayer("d1", List.of("add"), 1, 2, 5, 0),
                new DagLayer("add2", List.of("d1", "add"), 1, 2, 5, 0),
                new DagLayer("fc", List.of("add2"), 1, 2, 5, 0)));
    int[] b = DagSplitter.blocks(dag);
    Map<String, Integer> idx = dag.indexByName();
    assertEquals(b[idx.get("c1")], b[idx.get("add")]);
    assertEquals(b[idx.get("c2")], b[idx.get("add")]);
    assertEquals(b[idx.get("d1")], b[idx.get("add2")]);
    assertTrue(b[idx.get("stem")] < b[idx.get("c1")]);
    assertTrue(b[idx.get("add")] < b[idx.get("d1")]);
    assertTrue(b[idx.get("add2")] < b[idx.get("fc")]);
    assertEquals(4, DagSplitter.blockWise(dag, new SplitRates(1, 1, 1, 1, 1)).blocks());
  }

  @Test
  void blockWise_canMissTheCutInsideABlock() {
    // stem feeds two cheap branches with tiny outputs that meet again at join: the block
    // {a, b, h, join} hides the cheap cut after a and b, so block-wise must send stem's tensor
    DagProfile dag =
        new DagProfile(
            "inside",
            1_000_000,
            List.of(
                new DagLayer("stem", List.of("input"), 1e6, 2e6, 1000, 0),
                new DagLayer("a", List.of("stem"), 1e6, 2e6, 10, 0),
                new DagLayer("b", List.of("stem"), 1e6, 2e6, 10, 0),
                new DagLayer("h", List.of("a"), 1e12, 2e12, 1000, 0),
                new DagLayer("join", List.of("h", "b"), 1e6, 2e6, 1000, 0)));
    SplitRates rates = new SplitRates(1e9, 1e13, 1e6, 1e6, 1);
    BlockwiseSplit bw = DagSplitter.blockWise(dag, rates);
    assertEquals(Set.of("stem", "a", "b"), new HashSet<>(bw.full().deviceLayers()));
    assertEquals(List.of("stem"), bw.split().deviceLayers());
    assertEquals(2, bw.blocks());
    assertTrue(bw.gapSeconds() > 0, "gap " + bw.gapSeconds());
    assertEquals("blockwise", bw.split().method());
  }
}
