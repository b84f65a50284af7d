package io.splitemu.planner.latency;

/**
 * The edge server's state for one round.
 *
 * @param flopsPerSecond compute rate phi_S
 */
public record ServerState(double flopsPerSecond) {

  public ServerState {
    if (!(flopsPerSecond > 0) || Double.isInfinite(flopsPerSecond)) {
      throw new IllegalArgumentException(
          "server flopsPerSecond must be finite and > 0, got " + flopsPerSecond);
    }
  }
}
