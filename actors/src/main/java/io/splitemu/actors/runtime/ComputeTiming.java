package io.splitemu.actors.runtime;

/** When work on one emulated processor ends: FCFS behind earlier work, at a given rate. */
public interface ComputeTiming {

  /**
   * The emulated instant (ns) at which {@code flops} of work that is ready at {@code readyNs} ends,
   * running at {@code flopsPerSecond} (the caller's share of the processor).
   */
  long end(long readyNs, double flops, double flopsPerSecond);

  /** When the processor is free again (emulated ns): its whole state, which a checkpoint keeps. */
  default long freeAtNs() {
    return 0;
  }

  /** Restores {@link #freeAtNs()} from a checkpoint. */
  default void restoreFreeAt(long ns) {}

  /**
   * The one-line refusal of work that would end past the emulated clock's range (a very slow rate
   * with much work): an argument error, so the actor stops with this line and no stack trace.
   */
  static IllegalArgumentException beyondClock(double flops, double flopsPerSecond, long startNs) {
    return new IllegalArgumentException(
        String.format(
            java.util.Locale.ROOT,
            "a computation of %.4g FLOPs at %.4g FLOP/s started at %.9f s %s",
            flops,
            flopsPerSecond,
            startNs / 1e9,
            io.splitemu.net.RateFunction.BEYOND_CLOCK));
  }
}
