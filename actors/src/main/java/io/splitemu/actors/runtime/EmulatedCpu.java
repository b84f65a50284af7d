package io.splitemu.actors.runtime;

import io.splitemu.net.ComputeResource;
import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.RateFunction;
import io.splitemu.net.UndeliverableException;

/**
 * A processor served first come, first served: work starts when it is ready and the processor is
 * free, and runs at the rate the caller holds (network-emulation's exact finish instants).
 */
public final class EmulatedCpu implements ComputeTiming {

  // The name is prefix + index (index -1: the prefix alone), not kept: a million devices' names
  // were ~56 bytes each (issue 16), and the prefix is shared. Each computation makes it again for
  // the resource's error message (a short-lived string).
  private final String prefix;
  private final int index;
  private long busyUntil;

  /** A processor named for messages and metrics. */
  public EmulatedCpu(String name) {
    this(name, -1);
  }

  /** A processor named {@code prefix + index} (a device's: "device-" and its id). */
  public EmulatedCpu(String prefix, int index) {
    this.prefix = prefix;
    this.index = index;
  }

  private String name() {
    return index < 0 ? prefix : prefix + index;
  }

  @Override
  public synchronized long end(long readyNs, double flops, double flopsPerSecond) {
    long start = Math.max(readyNs, busyUntil);
    try {
      busyUntil =
          ComputeResource.constant(name(), flopsPerSecond)
              .finishIdle(EmulatedInstant.ofNanos(start), flops)
              .nanos();
    } catch (UndeliverableException e) {
      if (e.getMessage() == null || !e.getMessage().endsWith(RateFunction.BEYOND_CLOCK)) {
        throw e; // another reason (a rate of 0) says itself
      }
      IllegalArgumentException refusal = ComputeTiming.beyondClock(flops, flopsPerSecond, start);
      refusal.initCause(e);
      throw refusal;
    }
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
