package io.splitemu.actors.runtime;

/**
 * A processor served first come, first served, whose every job lasts its work over the caller's
 * rate rounded up to whole nanoseconds: how a device of its own split and its server copy (split
 * schemes) charge compute, so the device actor and {@code plan}'s walk of round 1 agree to the
 * nanosecond.
 */
public final class RoundedCpu implements ComputeTiming {

  private long busyUntil;

  @Override
  public long end(long readyNs, double flops, double flopsPerSecond) {
    long start = Math.max(readyNs, busyUntil);
    double ns = Math.ceil(flops / flopsPerSecond * 1e9);
    // A double of 2^63 or more saturated the cast and wrapped the sum to a negative instant.
    if (flopsPerSecond > 0 && (ns >= 0x1p63 || start + (long) ns < 0)) {
      throw ComputeTiming.beyondClock(flops, flopsPerSecond, start);
    }
    busyUntil = start + (long) ns;
    return busyUntil;
  }

  @Override
  public long freeAtNs() {
    return busyUntil;
  }

  @Override
  public void restoreFreeAt(long ns) {
    busyUntil = ns;
  }
}
