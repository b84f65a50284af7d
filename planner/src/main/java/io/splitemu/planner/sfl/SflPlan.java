package io.splitemu.planner.sfl;

import io.splitemu.planner.latency.LatencyBreakdown;
import java.util.List;

/**
 * An SFL decision with server compute allocation.
 *
 * @param cuts cut l_n per device
 * @param serverFlops server FLOP/s f_n per device (sum at most phi_S)
 * @param makespan round latency {@code max_n T_n}, the objective
 * @param history the objective at the start and after each iteration (non-increasing)
 * @param fdFit fit of FD over the cut index
 * @param activationFit fit of a over the cut index
 * @param weightFit fit of W over the cut index
 * @param fitAgreement fraction of per-device cut choices where the fitted cut equalled the exact
 *     argmin (the exact one is used when they differ)
 * @param round breakdown of the critical device
 */
public record SflPlan(
    int[] cuts,
    double[] serverFlops,
    double makespan,
    List<Double> history,
    CurveFit fdFit,
    CurveFit activationFit,
    CurveFit weightFit,
    double fitAgreement,
    LatencyBreakdown round) {}
