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
}
