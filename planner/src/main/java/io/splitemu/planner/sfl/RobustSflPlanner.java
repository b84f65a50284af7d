package io.splitemu.planner.sfl;

import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SFL planning that is robust to rate uncertainty by sample average approximation over the rate
 * history the devices observed (as CPSL's large timescale does over network states): candidate
 * plans are the SFL alternation on each configured quantile of every device's past achieved rates,
 * on the last round's rates, and the uniform plan; the one with the lowest mean makespan over the
 * past rounds' rate vectors (each a scenario, devices kept together) is kept.
 *
 * <p>Every candidate is priced with {@link SchemeLatency#sflRound}, so on static links (where every
 * scenario is the same) it keeps the plain alternation's plan or one as good.
 */
public final class RobustSflPlanner {

  private final CutCosts costs;
  private final int batch;
  private final double[] quantiles;
  private final int window;

  /**
   * A planner over the last {@code window} rounds of history.
   *
   * @param quantiles rate quantiles in (0, 1) to plan candidates on
   */
  public RobustSflPlanner(CutCosts costs, int batch, double[] quantiles, int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    for (double q : quantiles) {
      if (!(q > 0 && q < 1)) {
        throw new IllegalArgumentException("quantiles must be in (0, 1), got " + q);
      }
    }
    this.costs = costs;
    this.batch = batch;
    this.quantiles = quantiles.clone();
    this.window = window;
  }

  /**
   * The chosen plan and its label ({@code last}, {@code q0.25}, ..., {@code uniform}).
   *
   * @param scenarioMeanSeconds the chosen plan's mean makespan over the scenarios
   */
  public record Choice(SflPlan plan, String label, double scenarioMeanSeconds) {}

  /**
   * Plans the next round.
   *
   * @param devices each device with its last round's rates (compute, samples, delay as planned)
   * @param history past rounds, oldest first: {@code history.get(r)[n] = {up, down}} bit/s that
   *     device n achieved in round r; the last {@code window} are used
   */
  public Choice plan(List<DeviceState> devices, List<double[][]> history, ServerState server) {
    SflPlanner sfl = new SflPlanner(costs, batch);
    List<double[][]> scenarios =
        history.subList(Math.max(0, history.size() - window), history.size());
    List<SflPlan> plans = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    plans.add(sfl.plan(devices, server));
    labels.add("last");
    plans.add(sfl.uniformBaseline(devices, server));
    labels.add("uniform");
    if (!scenarios.isEmpty()) {
      for (double q : quantiles) {
        plans.add(sfl.plan(withRates(devices, quantileRates(scenarios, q)), server));
        labels.add("q" + q);
      }
    }
    int best = 0;
    double bestMean = Double.POSITIVE_INFINITY;
    for (int i = 0; i < plans.size(); i++) {
      double mean =
          scenarios.isEmpty()
              ? plans.get(i).makespan()
              : meanMakespan(plans.get(i), devices, scenarios);
      // ties keep the earlier candidate (the plain alternation first)
      if (i == 0 || mean < bestMean - 1e-12 * bestMean) {
        bestMean = mean;
        best = i;
      }
    }
    return new Choice(plans.get(best), labels.get(best), bestMean);
  }

  /** The mean over scenarios of {@code max_n T_n} with the plan's cuts and server shares. */
  public double meanMakespan(SflPlan plan, List<DeviceState> devices, List<double[][]> scenarios) {
    double sum = 0;
    for (double[][] s : scenarios) {
      sum +=
          SchemeLatency.sflRound(
                  costs, plan.cuts(), batch, withRates(devices, s), plan.serverFlops())
              .total();
    }
    return sum / scenarios.size();
  }

  /** Per device the q-quantile (linear interpolation) of its up and down rates over scenarios. */
  static double[][] quantileRates(List<double[][]> scenarios, double q) {
    int n = scenarios.get(0).length;
    double[][] out = new double[n][2];
    for (int d = 0; d < n; d++) {
      for (int k = 0; k < 2; k++) {
        double[] v = new double[scenarios.size()];
        for (int s = 0; s < v.length; s++) {
          v[s] = scenarios.get(s)[d][k];
        }
        Arrays.sort(v);
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(v.length - 1, lo + 1);
        out[d][k] = v[lo] + (pos - lo) * (v[hi] - v[lo]);
      }
    }
    return out;
  }

  private static List<DeviceState> withRates(List<DeviceState> devices, double[][] rates) {
    List<DeviceState> out = new ArrayList<>(devices.size());
    for (int d = 0; d < devices.size(); d++) {
      DeviceState x = devices.get(d);
      out.add(
          new DeviceState(
              x.id(),
              x.flopsPerSecond(),
              x.samples(),
              RateFunction.linear(rates[d][0]),
              RateFunction.linear(rates[d][1]),
              x.memoryBytes(),
              x.propagationSeconds()));
    }
    return out;
  }
}
