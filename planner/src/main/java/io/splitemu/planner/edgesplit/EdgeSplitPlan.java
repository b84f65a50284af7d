package io.splitemu.planner.edgesplit;

import io.splitemu.planner.latency.LatencyBreakdown;
import java.util.List;

/**
 * An EdgeSplit decision.
 *
 * @param cuts cut p_n per device
 * @param bandwidthShares share beta_n of the uplink/downlink pool per device
 * @param serverShares server compute share per device
 * @param makespan epoch makespan {@code max_n I_n step_n}, the objective
 * @param history the objective after start-up and after each iteration (non-increasing)
 * @param round the round latency: makespan plus aggregation
 */
public record EdgeSplitPlan(
    int[] cuts,
    double[] bandwidthShares,
    double[] serverShares,
    double makespan,
    List<Double> history,
    LatencyBreakdown round) {}
