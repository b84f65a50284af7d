package io.splitemu.planner.cpsl;

/**
 * The large-timescale decision: the cut with the least sample-average round latency.
 *
 * @param cut the chosen cut
 * @param candidates the cuts considered
 * @param meanLatency Tbar(l) per candidate, in the order of {@code candidates}
 * @param samples number of sampled states S
 */
public record CutPlan(int cut, int[] candidates, double[] meanLatency, int samples) {

  /** Tbar of the chosen cut: the prediction that the drift trigger compares against. */
  public double predictedLatency() {
    for (int i = 0; i < candidates.length; i++) {
      if (candidates[i] == cut) {
        return meanLatency[i];
      }
    }
    throw new IllegalStateException("cut " + cut + " is not a candidate");
  }
}
