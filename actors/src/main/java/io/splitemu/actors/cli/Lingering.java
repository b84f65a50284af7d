package io.splitemu.actors.cli;

import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.runtime.RunFailedException;
import java.time.Duration;
import java.util.function.IntConsumer;
import picocli.CommandLine;

/**
 * The metrics linger of a command whose run failed: the rows, events and counters a failing run
 * publishes in its last milliseconds are scraped only if the endpoint stays up after it
 * (docs/metrics.md "Endpoint and linger").
 */
final class Lingering {
  private Lingering() {}

  /**
   * A run failed with {@code e}: with metrics on and a linger, prints its error line as {@link
   * Main} does (first, so that the user reads why at once), tells {@code ended} the exit status,
   * keeps the endpoint up for the linger (for at most {@code atMost}, what is left of a SIGTERM's
   * stop bound; null: no bound) and returns the exit status; else rethrows {@code e} for {@link
   * Main} to print.
   */
  static int afterFailure(
      CommandLine cl,
      RunFailedException e,
      MetricsSettings ms,
      Duration atMost,
      IntConsumer ended) {
    CommandLine.IExecutionExceptionHandler errors = cl.getExecutionExceptionHandler();
    if (!ms.enabled() || ms.linger().isZero() || errors == null) {
      throw e;
    }
    int status;
    try {
      status = errors.handleExecutionException(e, cl, null);
    } catch (Exception printing) {
      printing.addSuppressed(e);
      throw new IllegalStateException("cannot print the run's failure", printing);
    }
    ended.accept(status);
    Metrics.linger(ms, cl.getOut(), atMost);
    return status;
  }
}
