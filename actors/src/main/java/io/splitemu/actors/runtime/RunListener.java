package io.splitemu.actors.runtime;

import io.splitemu.actors.results.RecordObserver;

/**
 * Receives a run's rows as they are recorded (the progress display), as a subscriber of the run's
 * {@link Recorder}; must not block.
 */
public interface RunListener extends RecordObserver {

  /** Does nothing. */
  RunListener NONE = new RunListener() {};
}
