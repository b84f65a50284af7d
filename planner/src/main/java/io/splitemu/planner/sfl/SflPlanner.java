package io.splitemu.planner.sfl;

import io.splitemu.planner.alloc.MinMaxAllocator;
import io.splitemu.planner.edgesplit.DeviceMemoryModel;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SFL alternation with server compute allocation (LATENCY-MODEL.md section 5): (1) the server's
 * FLOP/s split min-max with cuts fixed, i.e. tau solving {@code sum_n B_n / (tau - A_n) = phi_S};
 * (2) each device's cut with its share fixed, chosen on fitted curves of FD, a and W over the cut
 * index, rounded to the better neighbouring real cut and checked against the exact argmin (the
 * exact one wins when the fit misleads). Each half-step is kept only if it does not raise the
 * makespan, so the objective never rises.
 *
 * <p>Each device's cuts are those its memory holds ({@link DeviceState#memoryBytes()} under the
 * memory model, as EdgeSplit's are): the fitted and the exact cut and the uniform cut are chosen
 * among them. The model's needs grow with the cut (weights and retained activations only add up),
 * so a device holds the cuts from {@code minCut} up to its deepest fitting one.
 */
public final class SflPlanner {

  private static final int GRID = 512;

  private final CutCosts costs;
  private final int batch;
  private final int minCut;
  private final int maxCut;
  private final int degree;
  private final int maxIterations;
  // need[p - minCut]: the device memory cut p needs at the batch, by the memory model.
  private final long[] need;
  private final CurveFit fdFit;
  private final CurveFit actFit;
  private final CurveFit wFit;
  // fittedCut's grid: the cut index x of each point, the fitted FD, a and W there and the server
  // FLOPs FS = max(0, FD(L) - FD) they leave. None depends on the device, so they are evaluated
  // once here rather than per device and iteration (the same values, bit for bit).
  private final double[] gridX = new double[GRID + 1];
  private final double[] gridFd = new double[GRID + 1];
  private final double[] gridFs = new double[GRID + 1];
  private final double[] gridAct = new double[GRID + 1];
  private final double[] gridW = new double[GRID + 1];

  /**
   * A planner over cuts 1..L-1 with cubic (or exponential) fits, at most 50 iterations and
   * EdgeSplit's default memory model.
   */
  public SflPlanner(CutCosts costs, int batch) {
    this(costs, batch, 1, costs.lastInteriorCut("SFL"), 3, 50);
  }

  /** A planner with the default memory model and every other setting given. */
  public SflPlanner(
      CutCosts costs, int batch, int minCut, int maxCut, int degree, int maxIterations) {
    this(
        costs,
        batch,
        minCut,
        maxCut,
        degree,
        maxIterations,
        DeviceMemoryModel.WEIGHTS_PLUS_ACTIVATIONS);
  }

  /** A planner with every setting given. */
  public SflPlanner(
      CutCosts costs,
      int batch,
      int minCut,
      int maxCut,
      int degree,
      int maxIterations,
      DeviceMemoryModel memory) {
    if (minCut < 0 || maxCut > costs.units() || minCut > maxCut) {
      throw new IllegalArgumentException(
          "SFL cut range " + minCut + ".." + maxCut + " outside 0.." + costs.units());
    }
    if (batch <= 0 || degree < 1 || maxIterations < 1) {
      throw new IllegalArgumentException("SFL needs batch > 0, degree >= 1 and iterations >= 1");
    }
    this.costs = costs;
    this.batch = batch;
    this.minCut = minCut;
    this.maxCut = maxCut;
    this.degree = degree;
    this.maxIterations = maxIterations;
    int n = maxCut - minCut + 1;
    need = new long[n];
    for (int i = 0; i < n; i++) {
      need[i] = memory.bytes(costs, minCut + i, batch);
    }
    double[] x = new double[n];
    double[] fd = new double[n];
    double[] a = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = minCut + i;
      fd[i] = costs.deviceFlops(minCut + i);
      a[i] = costs.cutBytes(minCut + i);
      w[i] = costs.deviceParamBytes(minCut + i);
    }
    fdFit = LeastSquares.best(x, fd, degree);
    actFit = LeastSquares.best(x, a, degree);
    wFit = LeastSquares.best(x, w, degree);
    double total = costs.deviceFlops(costs.units());
    for (int g = 0; g <= GRID; g++) {
      gridX[g] = minCut + (maxCut - minCut) * (g / (double) GRID);
      gridFd[g] = fdFit.value(gridX[g]);
      gridFs[g] = Math.max(0, total - gridFd[g]);
      gridAct[g] = actFit.value(gridX[g]);
      gridW[g] = wFit.value(gridX[g]);
    }
  }

  /** Runs the alternation from the best uniform cut with equal compute shares. */
  public SflPlan plan(List<DeviceState> devices, ServerState server) {
    requireDevices(devices);
    int n = devices.size();
    int[] cuts = new int[n];
    Arrays.fill(cuts, uniformCut(devices, server));
    double[] f = equal(n, server);
    double cur = makespan(devices, cuts, f);
    List<Double> history = new ArrayList<>();
    history.add(cur);
    int choices = 0;
    int agreed = 0;
    for (int it = 0; it < maxIterations; it++) {
      double before = cur;
      double[] nf = allocate(devices, cuts, server);
      double withAlloc = makespan(devices, cuts, nf);
      if (withAlloc <= cur) {
        f = nf;
        cur = withAlloc;
      }
      int[] next = cuts.clone();
      boolean reshare = false;
      for (int i = 0; i < n; i++) {
        DeviceState d = devices.get(i);
        if (!(f[i] > 0) || costs.serverFlops(cuts[i]) == 0) {
          // The device's cut leaves the server no work, so the allocation gave it no share (or,
          // when no device needs the server, an equal one that says nothing); at share 0 every
          // cut that needs the server would cost b FS / 0 = infinity and the device could never
          // move. Price each of its cuts by the round with the server re-allocated for
          // it instead (the others at their cuts so far in this step), and re-allocate below if it
          // moves.
          int pick = provisionalCut(devices, next, i, server);
          if (pick != cuts[i]) {
            next[i] = pick;
            reshare = true;
          }
          continue;
        }
        int fitted = fittedCut(d, f[i]);
        int exact = exactCut(d, f[i]);
        choices++;
        if (fitted == exact) {
          agreed++;
        }
        double tf = deviceTime(d, fitted, f[i]);
        double te = deviceTime(d, exact, f[i]);
        int pick = tf <= te ? fitted : exact;
        if ((tf <= te ? tf : te) <= deviceTime(d, cuts[i], f[i])) {
          next[i] = pick;
        }
      }
      double withCuts = makespan(devices, next, f);
      double[] nextF = f;
      if (reshare) {
        double[] moved = allocate(devices, next, server);
        double withMoved = makespan(devices, next, moved);
        if (withMoved < withCuts) {
          withCuts = withMoved;
          nextF = moved;
        }
      }
      if (withCuts <= cur) {
        cuts = next;
        f = nextF;
        cur = withCuts;
      }
      history.add(cur);
      if (cur >= before) {
        break;
      }
    }
    return new SflPlan(
        cuts,
        f,
        cur,
        List.copyOf(history),
        fdFit,
        actFit,
        wFit,
        choices == 0 ? 1 : agreed / (double) choices,
        SchemeLatency.sflRound(costs, cuts, batch, devices, f));
  }

  /** The baseline: the best single cut for all devices and equal server compute shares. */
  public SflPlan uniformBaseline(List<DeviceState> devices, ServerState server) {
    requireDevices(devices);
    int n = devices.size();
    int[] cuts = new int[n];
    Arrays.fill(cuts, uniformCut(devices, server));
    double[] f = equal(n, server);
    double m = makespan(devices, cuts, f);
    return new SflPlan(
        cuts,
        f,
        m,
        List.of(m),
        fdFit,
        actFit,
        wFit,
        1,
        SchemeLatency.sflRound(costs, cuts, batch, devices, f));
  }

  private static void requireDevices(List<DeviceState> devices) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("an SFL plan needs at least one device");
    }
  }

  /** The fitted curves' cut for device {@code d} with server FLOP/s {@code f}. */
  int fittedCut(DeviceState d, double f) {
    double rU = d.uplink().bitsPerSecond(1);
    double rD = d.downlink().bitsPerSecond(1);
    double steps = d.stepsPerEpoch(batch);
    double phi = d.flopsPerSecond();
    int deepest = deepestCut(d);
    double bestX = minCut;
    double best = Double.POSITIVE_INFINITY;
    for (int g = 0; g <= GRID; g++) {
      if (gridX[g] > deepest) {
        break; // beyond what the device's memory holds (the grid ascends)
      }
      double fs = gridFs[g];
      double t =
          steps
                  * (batch * gridFd[g] / phi
                      + 8.0 * batch * gridAct[g] * (1 / rU + 1 / rD)
                      + (fs == 0 ? 0 : batch * fs / f))
              + 8.0 * gridW[g] / rU;
      if (t < best) {
        best = t;
        bestX = gridX[g];
      }
    }
    int lo = (int) Math.floor(bestX);
    int hi = Math.min(deepest, lo + 1);
    return deviceTime(d, lo, f) <= deviceTime(d, hi, f) ? lo : hi;
  }

  /** The exact argmin over the real cuts the device holds (lowest cut on ties). */
  int exactCut(DeviceState d, double f) {
    int deepest = deepestCut(d);
    int best = minCut;
    double bestTime = deviceTime(d, best, f);
    for (int p = minCut + 1; p <= deepest; p++) {
      double t = deviceTime(d, p, f);
      if (t < bestTime) {
        best = p;
        bestTime = t;
      }
    }
    return best;
  }

  /**
   * The cut for device {@code i}, which holds no server share at its cut: the one whose round, with
   * the server re-allocated for it and the others' cuts in {@code cuts}, is shortest; {@code
   * cuts[i]} unless another cut makes the round strictly shorter. The round rather than the
   * device's own time, so that of two such devices the one that sets the round takes the server.
   */
  private int provisionalCut(List<DeviceState> devices, int[] cuts, int i, ServerState server) {
    int[] trial = cuts.clone();
    int best = cuts[i];
    double bestTime = makespan(devices, trial, allocate(devices, trial, server));
    for (int p = minCut; p <= deepestCut(devices.get(i)); p++) {
      if (p == cuts[i]) {
        continue;
      }
      trial[i] = p;
      double t = makespan(devices, trial, allocate(devices, trial, server));
      if (t < bestTime) {
        best = p;
        bestTime = t;
      }
    }
    return best;
  }

  /** The best single cut among those every device holds, at equal server shares. */
  private int uniformCut(List<DeviceState> devices, ServerState server) {
    double[] f = equal(devices.size(), server);
    int deepest = maxCut;
    for (DeviceState d : devices) {
      deepest = Math.min(deepest, deepestCut(d));
    }
    int best = minCut;
    double bestM = Double.POSITIVE_INFINITY;
    for (int p = minCut; p <= deepest; p++) {
      int[] cuts = new int[devices.size()];
      Arrays.fill(cuts, p);
      double m = makespan(devices, cuts, f);
      if (m < bestM) {
        bestM = m;
        best = p;
      }
    }
    return best;
  }

  /**
   * The deepest cut in {@code minCut..maxCut} whose memory device {@code d} holds; refuses a device
   * that holds none.
   */
  int deepestCut(DeviceState d) {
    int p = maxCut;
    while (p >= minCut && need[p - minCut] > d.memoryBytes()) {
      p--;
    }
    if (p < minCut) {
      throw DeviceMemoryModel.holdsNoCut(d, minCut, maxCut, need[0]);
    }
    return p;
  }

  private double[] allocate(List<DeviceState> devices, int[] cuts, ServerState server) {
    int n = devices.size();
    double[] a = new double[n];
    double[] k = new double[n];
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      DeviceState d = devices.get(i);
      // T_n = A_n + B_n / f_n with f_n = x_n phi_S, so K_n = B_n / phi_S. A_n is the sum of the
      // parts other than the server's, not total - serverCompute: at 1 FLOP/s the server term is
      // 1e10 s or more and the subtraction would cancel A_n's low digits (microseconds).
      LatencyBreakdown t = SchemeLatency.sflDevice(costs, cuts[i], batch, d, 1);
      a[i] = t.deviceCompute() + t.communication() + t.aggregation();
      k[i] =
          d.stepsPerEpoch(batch) * (batch * costs.serverFlops(cuts[i])) / server.flopsPerSecond();
    }
    MinMaxAllocator.solveLinear(a, k, n, x);
    equalise(a, k, n, x);
    double[] f = new double[n];
    for (int i = 0; i < n; i++) {
      f[i] = x[i] * server.flopsPerSecond();
    }
    return f;
  }

  /**
   * Makes the shares {@code x} of {@link MinMaxAllocator#solveLinear} finish together: the min-max
   * split of LATENCY-MODEL.md section 5, {@code x_n = K_n / (T - A_n)} with sum 1. solveLinear's T
   * is a double and it scales all shares by 1 / sum; when one device's server time T - A_n is
   * microseconds in a round of seconds (a fast server that holds up no one), the sum at the nearest
   * doubles to the root misses 1 by up to ulp(T) / (T - A_n), and the scaling moves every other
   * device's finish by (T - A_m) times that: 1e-10 of the round on dag-split, enough for the
   * alternation to reject the optimum and keep the shares of the previous cuts. Here every device
   * but the one whose finish is least sensitive to its share ({@code K_n / x_n^2}, the smallest)
   * gets {@code K_n / (T - A_n)} and that one the rest, which moves its finish by about ulp(T).
   * Shares stay as given when no device is served or T leaves some device no time.
   */
  private static void equalise(double[] a, double[] k, int n, double[] x) {
    int b = -1;
    double least = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      if (k[i] > 0 && x[i] > 0) {
        double s = k[i] / (x[i] * x[i]);
        if (s < least) {
          least = s;
          b = i;
        }
      }
    }
    if (b < 0) {
      return;
    }
    double t = a[b] + k[b] / x[b];
    double[] y = new double[n];
    double rest = 0;
    for (int i = 0; i < n; i++) {
      if (i != b && k[i] > 0) {
        if (!(t > a[i])) {
          return;
        }
        y[i] = k[i] / (t - a[i]);
        rest += y[i];
      }
    }
    if (!(rest < 1)) {
      return;
    }
    y[b] = 1 - rest;
    System.arraycopy(y, 0, x, 0, n);
  }

  private double deviceTime(DeviceState d, int cut, double f) {
    return SchemeLatency.sflDevice(costs, cut, batch, d, f).total();
  }

  private double makespan(List<DeviceState> devices, int[] cuts, double[] f) {
    double m = 0;
    for (int i = 0; i < devices.size(); i++) {
      m = Math.max(m, deviceTime(devices.get(i), cuts[i], f[i]));
    }
    return m;
  }

  private static double[] equal(int n, ServerState server) {
    double[] f = new double[n];
    Arrays.fill(f, server.flopsPerSecond() / n);
    return f;
  }

  /** Fit of FD over the cut index. */
  public CurveFit deviceFlopsFit() {
    return fdFit;
  }

  /** Degree used for the polynomial fits. */
  public int degree() {
    return degree;
  }
}
