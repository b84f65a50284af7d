package io.splitemu.actors.runtime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How the command line asks a running supervisor to stop (on SIGTERM): the supervisor reads it at
 * each round boundary, where every actor is quiescent, takes a checkpoint there and ends the run,
 * recording after which round it stopped. A local object of one JVM, never in a message.
 */
public final class StopSwitch {

  private volatile boolean requested;
  // When the stop was first asked for (System.nanoTime), for the metrics linger's bound.
  private volatile long requestedAtNs;
  private final List<Runnable> onRequest = new CopyOnWriteArrayList<>();
  private volatile int stoppedAfter = -1;
  private volatile boolean stoppedBeforeStart;
  private volatile int atEndOf = -1;

  /** Asks the run to stop at its next round boundary, and runs the actions {@link #onRequest}. */
  public void request() {
    if (!requested) {
      requestedAtNs = System.nanoTime();
    }
    requested = true;
    for (Runnable r : onRequest) {
      r.run();
    }
  }

  /**
   * Runs {@code action} when a stop is asked for (at once if it already was), until the returned
   * remover is run; a paced run releases its schedule at once this way, so that the round under way
   * ends without waiting for the wall clock. The action runs on the thread that asks for the stop
   * (a signal handler's): it must be short.
   */
  public Runnable onRequest(Runnable action) {
    onRequest.add(action);
    if (requested) {
      action.run(); // asked before it was added: request() may have missed it
    }
    return () -> onRequest.remove(action);
  }

  /**
   * What is left of {@code bound} since the stop was first asked for (0 once it is used up), or
   * null when no stop was asked for.
   */
  public java.time.Duration leftOf(java.time.Duration bound) {
    if (!requested) {
      return null;
    }
    long left = bound.toNanos() - (System.nanoTime() - requestedAtNs);
    return java.time.Duration.ofNanos(Math.max(0, left));
  }

  /** Whether a stop was asked for. */
  public boolean requested() {
    return requested;
  }

  /**
   * Asks the run to stop at the end of round {@code round} the next time it reaches it, as a
   * SIGTERM during that round does, without the wall clock deciding which round's end comes first
   * (tests: a listener's {@link #request} runs on the recorder, which may hand it a row late).
   */
  public void requestAtEndOf(int round) {
    atEndOf = round;
  }

  /**
   * The supervisor's reading at the end of round (MP-SL: epoch) {@code round}: whether a stop was
   * asked for, {@link #requestAtEndOf} this round making it asked now.
   */
  boolean requestedAtEndOf(int round) {
    if (round == atEndOf && !requested) {
      request();
    }
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
