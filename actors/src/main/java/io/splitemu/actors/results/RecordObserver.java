package io.splitemu.actors.results;

/**
 * Sees every row a {@link ResultsWriter} records (metrics export): a round's and a device's right
 * after it is written, an event as the run records it (its row reaches {@code events.csv} in order
 * of emulated instant, by the next round's row at the latest). Must not block and must not throw.
 */
public interface RecordObserver {

  /**
   * The run's supervisor started it (no file records this): its wall clock, which {@code
   * wall_time_s} and {@code summary.json}'s {@code wallTimeSeconds} count from, started at {@link
   * System#nanoTime()} {@code wallStartNanoTime}; with {@code speedup > 0} (paced) emulated instant
   * e is due at {@code pacingOriginNanoTime + e / speedup}. Observers in the supervisor's JVM only.
   */
  default void onStart(long wallStartNanoTime, long pacingOriginNanoTime, double speedup) {}

  /** A round was recorded. */
  default void onRound(RoundRecord r) {}

  /** A device's round was recorded. */
  default void onDevice(DeviceRecord d) {}

  /** An event was recorded (before its row is written: see {@link ResultsWriter}). */
  default void onEvent(EventRecord e) {}

  /** The run moved on within a round (no file records this). */
  default void onProgress(ProgressRecord p) {}

  /** An MP-SL hop moved on (no file records this). */
  default void onHop(HopRecord h) {}

  /** A device's plan for a round was decided (no file records this). */
  default void onPlan(DevicePlanRecord p) {}

  /** A node's model memory for a round was decided (the summary keeps the peak). */
  default void onMemory(MemoryRecord m) {}

  /** A checkpoint was taken: its file's bytes (only the results writer writes it). */
  default void onCheckpoint(CheckpointFile c) {}

  /**
   * A crash sent the run back to its checkpoint of round {@code round}: the rows of later rounds
   * are dropped, to be recorded again as those rounds are redone.
   */
  default void onRewind(int round) {}

  /**
   * As {@link #onRewind(int)}, with the checkpoint's emulated instant {@code emulatedS} (0 for the
   * run's start, round 0; NaN if not known), where the run's emulated time goes back to.
   */
  default void onRewind(int round, double emulatedS) {
    onRewind(round);
  }
}
