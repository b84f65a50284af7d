package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.SplitPolicy;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.sfl.RobustSflPlanner;
import io.splitemu.planner.sfl.SflPlan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The policy of {@code sfl-compute-robust}: SFL with server compute allocation planned robustly to
 * rate uncertainty, each round's cuts and server shares {@link RobustSflPlanner}'s choice over the
 * rates every device achieved in the past rounds (docs/edgesplit.md, "SFL on trace links"). A round
 * is planned over the devices in it ({@link SplitPolicy#plan}), with the past rounds in which all
 * of them took part.
 */
final class RobustSflPolicy {

  /** The rate quantiles the planner plans candidates on (docs/edgesplit.md). */
  private static final double[] QUANTILES = {0.1, 0.25, 0.5};

  /** Past rounds the planner averages over. */
  private static final int WINDOW = 10;

  private RobustSflPolicy() {}

  /** A fresh policy for one run of {@code s} (it keeps the run's achieved rates). */
  static SplitPolicy of(Settings s) {
    CutCosts costs = CutCosts.of(ShareSplitPolicies.profile(s));
    int n = s.devices().count();
    ServerState server = new ServerState(s.serverFlops());
    RobustSflPlanner planner = new RobustSflPlanner(costs, s.batchSize(), QUANTILES, WINDOW);
    // One policy per run: round r's rates are what the devices achieved in round r - 1, so they
    // enter the history as round r - 1's (keyed, so asking for a round twice adds nothing); round
    // 1's rates are the supervisor's probe of the idle links, which is no achieved round.
    TreeMap<Integer, double[][]> achieved = new TreeMap<>();
    // A restore replays the last WINDOW rounds' rates: round r's plan reads the history of rounds
    // r - WINDOW to r - 1, which the rates handed in rounds r - WINDOW + 1 to r - 1 rebuild.
    return SplitPolicy.remembering(
        WINDOW,
        (round, up, down) -> {
          double[][] rates = new double[n][2];
          for (int d = 0; d < n; d++) {
            rates[d][0] = up[d];
            rates[d][1] = down[d];
          }
          // The devices in this round (SplitPolicy.plan): a device out of it has NaN rates.
          int[] present = SplitPolicy.present(up, down);
          List<DeviceState> states = ShareSplitPolicies.states(s, round, up, down, present);
          if (round > 1) {
            achieved.put(round - 1, rates);
          }
          // The planner uses the last WINDOW rounds before this one, oldest first. Older ones are
          // dropped once WINDOW newer ones exist: rounds are asked in order (a restore replays the
          // last WINDOW), so no later round needs them, and the history stays WINDOW rounds of N
          // devices instead of growing by one a round.
          List<double[][]> history = new ArrayList<>(WINDOW);
          int oldest = round;
          for (Map.Entry<Integer, double[][]> e :
              achieved.headMap(round, false).descendingMap().entrySet()) {
            if (history.size() == WINDOW) {
              break;
            }
            history.add(e.getValue());
            oldest = e.getKey();
          }
          Collections.reverse(history);
          if (history.size() == WINDOW) {
            achieved.headMap(oldest, false).clear();
          }
          List<double[][]> scenarios = among(history, present);
          RobustSflPlanner.Choice choice = planner.plan(states, scenarios, server);
          SflPlan p = choice.plan();
          String detail =
              String.format(
                  Locale.ROOT,
                  "predicted round %.6g s; robust choice %s (mean %.6g s over %d past rounds)",
                  p.makespan(),
                  choice.label(),
                  choice.scenarioMeanSeconds(),
                  Math.min(WINDOW, scenarios.size()));
          return ShareSplitPolicies.sflComputePlans(
              s, costs, present, p.cuts(), p.serverFlops(), detail);
        });
  }

  /**
   * The past rounds of {@code history} (oldest first, {@code [device][up, down]}) as scenarios of
   * the devices {@code present} (their rows, in that order): a past round without rates of one of
   * them (NaN: it was out of the round after it, given up or lost in it, so it achieved nothing
   * there) is no scenario of these devices and is left out.
   */
  static List<double[][]> among(List<double[][]> history, int[] present) {
    List<double[][]> out = new ArrayList<>(history.size());
    for (double[][] round : history) {
      double[][] rows = new double[present.length][];
      boolean whole = true;
      for (int i = 0; i < present.length && whole; i++) {
        rows[i] = round[present[i]];
        whole = !Double.isNaN(rows[i][0]) && !Double.isNaN(rows[i][1]);
      }
      if (whole) {
        out.add(rows);
      }
    }
    return out;
  }
}
