package io.splitemu.actors.runtime;

/**
 * How the command line asks a running supervisor to stop (on SIGTERM): the supervisor reads it at
 * each round boundary, where every actor is quiescent, takes a checkpoint there and ends the run,
 * recording after which round it stopped. A local object of one JVM, never in a message.
 */
public final class StopSwitch {

  private volatile boolean requested;
  private volatile int stoppedAfter = -1;
  private volatile boolean stoppedBeforeStart;

  /** Asks the run to stop at its next round boundary. */
  public void request() {
    requested = true;
  }

  /** Whether a stop was asked for. */
  public boolean requested() {
    return requested;
  }

  /** The supervisor stopped after round {@code round}, its checkpoint published. */
  void stoppedAfter(int round) {
    stoppedAfter = round;
  }

  /**
   * A cluster run stopped on request while it waited for its members, or they loaded it or placed
   * its devices: no round started, and no checkpoint was taken.
   */
  void stoppedBeforeStart() {
    stoppedBeforeStart = true;
  }

  /** Whether the run stopped on request before its supervisor started (no round ran). */
  public boolean stoppedBeforeRunStarted() {
    return stoppedBeforeStart;
  }

  /** The round after which the run stopped on request, or -1 if it did not. */
  public int stoppedAfterRound() {
    return stoppedAfter;
  }
}
