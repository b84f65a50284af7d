package io.splitemu.actors.runtime;

import io.splitemu.net.ComputeResource;
import io.splitemu.net.EmulatedInstant;

/**
 * A processor served first come, first served: work starts when it is ready and the processor is
 * free, and runs at the rate the caller holds (network-emulation's exact finish instants).
 */
public final class EmulatedCpu implements ComputeTiming {

  private final String name;
  private long busyUntil;

  /** A processor named for messages and metrics. */
  public EmulatedCpu(String name) {
    this.name = name;
  }

  @Override
  public synchronized long end(long readyNs, double flops, double flopsPerSecond) {
    long start = Math.max(readyNs, busyUntil);
    busyUntil =
        ComputeResource.constant(name, flopsPerSecond)
            .finishIdle(EmulatedInstant.ofNanos(start), flops)
            .nanos();
    return busyUntil;
  }

  @Override
  public synchronized long freeAtNs() {
    return busyUntil;
  }

  @Override
  public synchronized void restoreFreeAt(long ns) {
    busyUntil = ns;
  }
}
