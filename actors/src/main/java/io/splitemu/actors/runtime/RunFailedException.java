package io.splitemu.actors.runtime;

import java.nio.file.Path;

/**
 * A run that stopped before its last round (a diverged model, no device left to train): not a bug,
 * so the command line prints its one-line message and the folder that keeps the rounds recorded so
 * far, without a stack trace.
 */
public final class RunFailedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final transient Path resultsDir;

  /** A stopped run: {@code message} is one line naming what failed (device, round). */
  public RunFailedException(String message, Path resultsDir) {
    super(message);
    this.resultsDir = resultsDir;
  }

  /** The run's results folder: it holds every row recorded before the failure. */
  public Path resultsDir() {
    return resultsDir;
  }
}
