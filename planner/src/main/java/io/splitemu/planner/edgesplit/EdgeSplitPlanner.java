package io.splitemu.planner.edgesplit;

import io.splitemu.planner.alloc.Allocation;
import io.splitemu.planner.alloc.MinMaxAllocator;
import io.splitemu.planner.alloc.ShareDemand;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * EdgeSplit alternation (LATENCY-MODEL.md section 5): per-device cuts under memory limits and a
 * min-max bandwidth split, alternated until the makespan improves by less than epsilon.
 *
 * <p>Each half-step is kept only if it does not increase the makespan, so the recorded objective
 * never rises even by rounding. Candidate cuts are {@code minCut..maxCut} (by default 1..L-1: both
 * sides keep a unit) restricted per device by the memory model.
 */
public final class EdgeSplitPlanner {

  private final CutCosts costs;
  private final int batch;
  private final int minCut;
  private final int maxCut;
  private final DeviceMemoryModel memory;
  private final double epsilon;
  private final int maxIterations;

  /** A planner with cuts 1..L-1, the default memory model, epsilon 1e-9 and 100 iterations. */
  public EdgeSplitPlanner(CutCosts costs, int batch) {
    this(
        costs,
        batch,
        1,
        costs.lastInteriorCut("EdgeSplit"),
        DeviceMemoryModel.WEIGHTS_PLUS_ACTIVATIONS,
        1e-9,
        100);
  }

  /** A planner with every setting given. */
  public EdgeSplitPlanner(
      CutCosts costs,
      int batch,
      int minCut,
      int maxCut,
      DeviceMemoryModel memory,
      double epsilon,
      int maxIterations) {
    if (minCut < 0 || maxCut > costs.units() || minCut > maxCut) {
      throw new IllegalArgumentException(
          "EdgeSplit cut range " + minCut + ".." + maxCut + " outside 0.." + costs.units());
    }
    if (batch <= 0 || !(epsilon >= 0) || maxIterations < 1) {
      throw new IllegalArgumentException(
          "EdgeSplit needs batch > 0, epsilon >= 0, iterations >= 1");
    }
    this.costs = costs;
    this.batch = batch;
    this.minCut = minCut;
    this.maxCut = maxCut;
    this.memory = memory;
    this.epsilon = epsilon;
    this.maxIterations = maxIterations;
  }

  /** Runs the alternation with equal server shares. */
  public EdgeSplitPlan plan(List<DeviceState> devices, ServerState server) {
    double[] s = new double[devices.size()];
    Arrays.fill(s, 1.0 / devices.size());
    return plan(devices, server, s);
  }

  /** Runs the alternation with the given server shares. */
  public EdgeSplitPlan plan(List<DeviceState> devices, ServerState server, double[] serverShares) {
    requireDevices(devices);
    int n = devices.size();
    checkServerShares(devices, serverShares);
    double[] beta = new double[n];
    Arrays.fill(beta, 1.0 / n);
    int[] cuts = new int[n];
    for (int i = 0; i < n; i++) {
      cuts[i] = bestCut(devices.get(i), beta[i], serverShares[i], server, -1);
    }
    double cur = makespan(devices, cuts, beta, serverShares, server);
    List<Double> history = new ArrayList<>();
    history.add(cur);
    for (int it = 0; it < maxIterations; it++) {
      double before = cur;
      Allocation a = allocate(devices, cuts, serverShares, server);
      double withAlloc = makespan(devices, cuts, a.shares(), serverShares, server);
      if (withAlloc <= cur) {
        beta = a.shares();
        cur = withAlloc;
      }
      int[] next = cuts.clone();
      for (int i = 0; i < n; i++) {
        next[i] = bestCut(devices.get(i), beta[i], serverShares[i], server, cuts[i]);
      }
      double withCuts = makespan(devices, next, beta, serverShares, server);
      if (withCuts <= cur) {
        cuts = next;
        cur = withCuts;
      }
      history.add(cur);
      if (before - cur <= epsilon * before) {
        break;
      }
    }
    return new EdgeSplitPlan(
        cuts,
        beta,
        serverShares.clone(),
        cur,
        List.copyOf(history),
        SchemeLatency.edgeSplitRound(costs, cuts, batch, devices, beta, serverShares, server));
  }

  /**
   * The baseline: one cut for everyone (the best one all devices can hold) and equal bandwidth and
   * server shares.
   */
  public EdgeSplitPlan uniformBaseline(List<DeviceState> devices, ServerState server) {
    requireDevices(devices);
    int n = devices.size();
    double[] eq = new double[n];
    Arrays.fill(eq, 1.0 / n);
    int bestCut = -1;
    int fitting = -1;
    double best = Double.POSITIVE_INFINITY;
    for (int p = minCut; p <= maxCut; p++) {
      int[] cuts = new int[n];
      Arrays.fill(cuts, p);
      boolean fits = true;
      for (DeviceState d : devices) {
        fits &= memory.bytes(costs, p, batch) <= d.memoryBytes();
      }
      if (!fits) {
        continue;
      }
      fitting = p;
      double m = makespan(devices, cuts, eq, eq, server);
      if (m < best) {
        best = m;
        bestCut = p;
      }
    }
    if (bestCut < 0 && fitting >= 0) {
      throw new IllegalArgumentException(
          "no single cut in "
              + minCut
              + ".."
              + maxCut
              + " gives a finite round time at equal shares (cut "
              + fitting
              + ": "
              + makespan(devices, filled(n, fitting), eq, eq, server)
              + " s)");
    }
    if (bestCut < 0) {
      throw new IllegalArgumentException("no single cut fits the memory of every device");
    }
    int[] cuts = new int[n];
    Arrays.fill(cuts, bestCut);
    return new EdgeSplitPlan(
        cuts,
        eq,
        eq.clone(),
        best,
        List.of(best),
        SchemeLatency.edgeSplitRound(costs, cuts, batch, devices, eq, eq, server));
  }

  private static int[] filled(int n, int cut) {
    int[] cuts = new int[n];
    Arrays.fill(cuts, cut);
    return cuts;
  }

  private static void requireDevices(List<DeviceState> devices) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("an EdgeSplit plan needs at least one device");
    }
  }

  /**
   * One server share per device, each in (0, 1] (0 only for a device with no samples, which uses
   * none), summing to at most 1.
   */
  private void checkServerShares(List<DeviceState> devices, double[] shares) {
    int n = devices.size();
    if (shares.length != n) {
      throw new IllegalArgumentException(
          "EdgeSplit server shares: " + shares.length + " values for " + n + " devices");
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double x = shares[i];
      boolean idle = devices.get(i).stepsPerEpoch(batch) == 0;
      if (!(idle ? x >= 0 : x > 0) || x > 1) {
        throw new IllegalArgumentException(
            "EdgeSplit server shares: device "
                + devices.get(i).id()
                + " has "
                + x
                + ", outside "
                + (idle ? "[0, 1]" : "(0, 1]"));
      }
      sum += x;
    }
    if (sum > 1 + 1e-9) {
      throw new IllegalArgumentException("EdgeSplit server shares sum to " + sum + " > 1");
    }
  }

  /** Device memory needed for cut {@code cut}. */
  public long memoryBytes(int cut) {
    return memory.bytes(costs, cut, batch);
  }

  private int bestCut(
      DeviceState d, double beta, double serverShare, ServerState server, int current) {
    int best = current;
    double bestTime =
        current < 0
            ? Double.POSITIVE_INFINITY
            : SchemeLatency.edgeSplitDeviceEpoch(
                costs, current, batch, d, beta, serverShare, server);
    int fitting = -1;
    for (int p = minCut; p <= maxCut; p++) {
      if (memory.bytes(costs, p, batch) > d.memoryBytes()) {
        continue;
      }
      fitting = p;
      double t = SchemeLatency.edgeSplitDeviceEpoch(costs, p, batch, d, beta, serverShare, server);
      if (t < bestTime) {
        bestTime = t;
        best = p;
      }
    }
    if (best < 0 && fitting >= 0) {
      // Room for a cut, but no cut ends: the device's rates leave every epoch infinite or NaN.
      throw new IllegalArgumentException(
          "device "
              + d.id()
              + ": no cut in "
              + minCut
              + ".."
              + maxCut
              + " gives a finite epoch time (compute "
              + d.flopsPerSecond()
              + " FLOP/s, uplink share "
              + beta
              + ", server share "
              + serverShare
              + "; cut "
              + fitting
              + " takes "
              + SchemeLatency.edgeSplitDeviceEpoch(
                  costs, fitting, batch, d, beta, serverShare, server)
              + " s)");
    }
    if (best < 0) {
      throw DeviceMemoryModel.holdsNoCut(d, minCut, maxCut, memory.bytes(costs, minCut, batch));
    }
    return best;
  }

  private double makespan(
      List<DeviceState> devices, int[] cuts, double[] beta, double[] serverShares, ServerState s) {
    double m = 0;
    for (int i = 0; i < devices.size(); i++) {
      m =
          Math.max(
              m,
              SchemeLatency.edgeSplitDeviceEpoch(
                  costs, cuts[i], batch, devices.get(i), beta[i], serverShares[i], s));
    }
    return m;
  }

  /**
   * The min-max bandwidth split with cuts and server shares fixed. On linear links a device's epoch
   * is {@code fixed + K / beta} exactly, so its minimum share for a target is closed-form; K and
   * the epoch at the whole band are computed once per allocation rather than at every step of the
   * bisection. Package-private for the test against the former per-step evaluation.
   */
  Allocation allocate(
      List<DeviceState> devices, int[] cuts, double[] serverShares, ServerState server) {
    List<ShareDemand> demands = new ArrayList<>(devices.size());
    for (int i = 0; i < devices.size(); i++) {
      DeviceState d = devices.get(i);
      int p = cuts[i];
      double share = serverShares[i];
      double a = costs.cutBytes(p);
      boolean linear = d.uplink().isLinear() && d.downlink().isLinear();
      double steps = d.stepsPerEpoch(batch);
      double k =
          linear
              ? steps
                  * (8.0 * (batch * a + batch * 4.0) / d.uplink().bitsPerSecond(1)
                      + 8.0 * batch * a / d.downlink().bitsPerSecond(1))
              : Double.NaN;
      double whole =
          linear
              ? SchemeLatency.edgeSplitDeviceEpoch(costs, p, batch, d, 1, share, server)
              : Double.NaN;
      double fixed = whole - k;
      demands.add(
          new ShareDemand() {
            @Override
            public double finish(double beta) {
              return SchemeLatency.edgeSplitDeviceEpoch(costs, p, batch, d, beta, share, server);
            }

            @Override
            public boolean needsNoShare() {
              return steps == 0; // no samples: nothing to send, epoch 0 at any share
            }

            @Override
            public double minShare(double target) {
              if (steps == 0) {
                return 0;
              }
              if (linear) {
                if (target <= fixed) {
                  return Double.POSITIVE_INFINITY;
                }
                double x = k / (target - fixed);
                return x > 1 && whole > target ? Double.POSITIVE_INFINITY : Math.min(x, 1);
              }
              return ShareDemand.super.minShare(target);
            }
          });
    }
    return MinMaxAllocator.allocate(demands);
  }
}
