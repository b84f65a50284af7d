package io.splitemu.net.stream;

/**
 * How a throttled link releases deliveries: at once ({@code virtual}) or when the wall clock
 * reaches the emulated arrival / speedup after the run's start ({@code paced}).
 *
 * @param clockStartNanoTime the {@link System#nanoTime()} that emulated instant 0 maps to
 */
public record Pacing(boolean paced, double speedup, long clockStartNanoTime, PacingLag lag) {

  public Pacing {
    if (paced && !(speedup > 0 && Double.isFinite(speedup))) {
      throw new IllegalArgumentException("speedup must be a positive number, got " + speedup);
    }
  }

  public static Pacing virtual() {
    return new Pacing(false, 1, 0, new PacingLag());
  }

  public static Pacing paced(double speedup, long clockStartNanoTime, PacingLag lag) {
    return new Pacing(true, speedup, clockStartNanoTime, lag);
  }

  /** The {@link System#nanoTime()} at which an emulated instant falls due. */
  long dueNanoTime(long emulatedNanos) {
    return clockStartNanoTime + (long) Math.ceil(emulatedNanos / speedup);
  }
}
