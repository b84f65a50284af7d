package io.splitemu.planner.multihop;

/**
 * A multihop placement: hop i (1-based) holds units {@code cuts[i-1]+1 .. cuts[i]}; the device
 * keeps {@code 1..cuts[0]} and {@code cuts[N]+1..L}.
 *
 * @param cuts s_1..s_{N+1}
 * @param forwardSeconds F_i per batch
 * @param backwardSeconds B_i per batch (backward and update)
 * @param memoryBytes K·sum of mu_j over hop i's units
 * @param objective the objective minimised
 * @param value the objective's value
 */
public record Placement(
    int[] cuts,
    double[] forwardSeconds,
    double[] backwardSeconds,
    double[] memoryBytes,
    MultihopObjective objective,
    double value) {

  /** Number of hops N. */
  public int hops() {
    return forwardSeconds.length;
  }

  /** max_i F_i. */
  public double maxForward() {
    return java.util.Arrays.stream(forwardSeconds).max().orElse(0);
  }

  /** max_i B_i. */
  public double maxBackward() {
    return java.util.Arrays.stream(backwardSeconds).max().orElse(0);
  }

  /** max_i (F_i + B_i). */
  public double maxForwardPlusBackward() {
    double m = 0;
    for (int i = 0; i < forwardSeconds.length; i++) {
      m = Math.max(m, forwardSeconds[i] + backwardSeconds[i]);
    }
    return m;
  }

  /** The largest per-hop memory. */
  public double peakMemoryBytes() {
    return java.util.Arrays.stream(memoryBytes).max().orElse(0);
  }
}
