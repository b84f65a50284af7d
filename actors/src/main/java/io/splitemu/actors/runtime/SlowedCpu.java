package io.splitemu.actors.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A device's processor under {@code device-slowdown} faults: work runs at the caller's rate divided
 * by the factor of every slowdown window that holds at the time (their product where windows
 * overlap), integrated piecewise over the windows' boundaries at whole nanoseconds. The last piece
 * of a job is the wrapped processor's own, so a job wholly inside a window ends exactly where that
 * processor ends it at the divided rate (the latency model with the device's rate divided by the
 * factor), and a job that meets no window exactly as without the fault.
 */
final class SlowedCpu implements ComputeTiming {

  /** A slowdown window [{@code fromNs}, {@code untilNs}) at {@code factor}, under its key. */
  record Window(int key, long fromNs, long untilNs, double factor) {}

  private final ComputeTiming inner;
  private final Map<Integer, Window> windows = new TreeMap<>();
  private long busyUntil;

  /** {@code inner}, slowed in the windows set later; every job must go through this one. */
  SlowedCpu(ComputeTiming inner) {
    this.inner = inner;
    this.busyUntil = inner.freeAtNs(); // wrapped mid-run (a fault or a restore): busy as it is
  }

  /**
   * Sets window {@code key} to [{@code fromNs}, {@code untilNs}) at {@code factor}; an empty one
   * (an end at or before its start) removes it.
   */
  void window(int key, long fromNs, long untilNs, double factor) {
    if (fromNs >= untilNs) {
      windows.remove(key);
      return;
    }
    windows.put(key, new Window(key, fromNs, untilNs, factor));
  }

  /** Removes window {@code key}, if set. */
  void clear(int key) {
    windows.remove(key);
  }

  /** The windows set so far, in key order (a checkpoint's). */
  java.util.List<Window> windows() {
    return java.util.List.copyOf(windows.values());
  }

  @Override
  public long freeAtNs() {
    return Math.max(busyUntil, inner.freeAtNs());
  }

  /**
   * Restores when the processor is free (a checkpoint's, or an epoch's start that a hop crash
   * redoes, which may be earlier than now): this one and the wrapped one both.
   */
  @Override
  public void restoreFreeAt(long ns) {
    busyUntil = ns;
    inner.restoreFreeAt(ns);
  }

  @Override
  public long end(long readyNs, double flops, double flopsPerSecond) {
    long t = Math.max(readyNs, busyUntil);
    double left = flops;
    while (true) {
      double factor = 1;
      long next = Long.MAX_VALUE;
      TreeSet<Long> bounds = new TreeSet<>();
      for (Window w : windows.values()) {
        if (w.fromNs() <= t && t < w.untilNs()) {
          factor *= w.factor();
        }
        bounds.add(w.fromNs());
        bounds.add(w.untilNs());
      }
      Long after = bounds.higher(t);
      if (after != null) {
        next = after;
      }
      double rate = flopsPerSecond / factor;
      // What this piece can do before the next boundary; the rest runs on from there.
      double can = next == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : (next - t) * rate / 1e9;
      if (can >= left) {
        busyUntil = inner.end(t, left, rate);
        return busyUntil;
      }
      left -= can;
      t = next;
    }
  }
}
