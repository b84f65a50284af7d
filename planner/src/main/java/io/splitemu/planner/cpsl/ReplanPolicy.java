package io.splitemu.planner.cpsl;

/**
 * When to re-run the large timescale: every {@code everyRounds} rounds, or as soon as the
 * observed mean round latency drifts from the prediction by more than {@code driftThreshold}
 * (relative).
 *
 * @param everyRounds K, at least 1
 * @param driftThreshold relative drift, e.g. 0.2 for 20 %
 */
public record ReplanPolicy(int everyRounds, double driftThreshold) {

  public ReplanPolicy {
    if (everyRounds < 1 || !(driftThreshold > 0)) {
      throw new IllegalArgumentException(
          "replan policy needs everyRounds >= 1 and driftThreshold > 0, got "
              + everyRounds + " and " + driftThreshold);
    }
  }

  /** True when the cut should be re-planned now. */
  public boolean shouldReplan(int roundsSincePlan, double observedMean, double predictedMean) {
    if (roundsSincePlan >= everyRounds) {
      return true;
    }
    return roundsSincePlan > 0
        && Math.abs(observedMean - predictedMean) > driftThreshold * predictedMean;
  }
}
