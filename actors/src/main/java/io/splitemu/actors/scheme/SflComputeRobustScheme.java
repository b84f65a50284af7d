package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.ShareSplitRun;
import io.splitemu.actors.runtime.SplitPolicy;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.sfl.RobustSflPlanner;
import io.splitemu.planner.sfl.SflPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * SFL with server compute allocation planned robustly to rate uncertainty ({@code
 * sfl-compute-robust}): as {@code sfl-compute}, but each round's cuts and server shares are {@link
 * RobustSflPlanner}'s choice over the rates every device achieved in the past rounds
 * (docs/edgesplit.md, "SFL on trace links").
 */
final class SflComputeRobustScheme extends SplitScheme {

  /** The rate quantiles the planner plans candidates on (docs/edgesplit.md). */
  private static final double[] QUANTILES = {0.1, 0.25, 0.5};

  /** Past rounds the planner averages over. */
  private static final int WINDOW = 10;

  SflComputeRobustScheme() {
    super("sfl-compute-robust");
  }

  @Override
  protected void check(Settings s) {
    ShareSplitRun.check(s);
  }

  @Override
  public SplitPolicy policy(Settings s) {
    CutCosts costs = CutCosts.of(ShareSplitRun.profile(s));
    int n = s.devices().count();
    int b = s.batchSize();
    ServerState server = new ServerState(s.serverFlops());
    RobustSflPlanner planner = new RobustSflPlanner(costs, b, QUANTILES, WINDOW);
    double[] flops = ShareSplitRun.flops(s);
    double[] memory =
        Emulation.perDevice(s.devices().memoryBytes(), n, s.seed(), "devices/memory-bytes");
    double propagation = s.links().propagationDelay().toNanos() / 1e9;
    // One policy per run: round r's rates are what the devices achieved in round r - 1, so they
    // enter the history as round r - 1's (keyed, so asking for a round twice adds nothing); round
    // 1's rates are the supervisor's probe of the idle links, which is no achieved round.
    TreeMap<Integer, double[][]> achieved = new TreeMap<>();
    return (round, up, down) -> {
      double[][] rates = new double[n][2];
      List<DeviceState> states = new ArrayList<>();
      for (int d = 0; d < n; d++) {
        rates[d][0] = up[d];
        rates[d][1] = down[d];
        states.add(
            new DeviceState(
                "device-" + d,
                flops[d],
                (long) s.localSteps() * b,
                RateFunction.linear(up[d]),
                RateFunction.linear(down[d]),
                (long) memory[d],
                propagation));
      }
      if (round > 1) {
        achieved.put(round - 1, rates);
      }
      List<double[][]> history = new ArrayList<>(achieved.headMap(round, false).values());
      RobustSflPlanner.Choice choice = planner.plan(states, history, server);
      SflPlan p = choice.plan();
      String detail =
          String.format(
              Locale.ROOT,
              "predicted round %.6g s; robust choice %s (mean %.6g s over %d past rounds)",
              p.makespan(),
              choice.label(),
              choice.scenarioMeanSeconds(),
              Math.min(WINDOW, history.size()));
      List<SplitPolicy.DevicePlan> plans = new ArrayList<>();
      for (int d = 0; d < n; d++) {
        int cut = p.cuts()[d];
        double rate = p.serverFlops()[d];
        // Exactly the plan sfl-compute gives a device at this cut and server rate: dedicated links,
        // activations up and gradients down at the cut, the device-side model up after its steps.
        plans.add(
            new SplitPolicy.DevicePlan(
                s.localSteps(),
                costs.deviceForwardFlops(cut),
                costs.deviceBackwardFlops(cut),
                costs.serverFlops(cut),
                costs.cutBytes(cut),
                costs.cutBytes(cut),
                1.0,
                1.0,
                rate,
                costs.deviceParamBytes(cut),
                1.0,
                1.0,
                false,
                Integer.toString(cut),
                String.format(Locale.ROOT, "cut %d, server %.3g FLOP/s", cut, rate),
                detail));
      }
      return plans;
    };
  }

  @Override
  protected List<Emulation.LinkPair> links(Settings s, int n) {
    return ShareSplitRun.links(s, n);
  }
}
