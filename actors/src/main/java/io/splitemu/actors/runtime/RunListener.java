package io.splitemu.actors.runtime;

import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.RoundRecord;

/** Receives a run's rows as they are recorded (progress display); must not block. */
public interface RunListener {

  /** A round was recorded. */
  default void onRound(RoundRecord round) {}

  /** An event was recorded. */
  default void onEvent(EventRecord event) {}

  /** Does nothing. */
  RunListener NONE = new RunListener() {};
}
