package io.splitemu.actors.cli;

import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.RunListener;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a run's progress: a progress bar (rounds, emulated time, accuracy) when standard output is
 * a terminal, one plain line per round otherwise.
 */
final class Progress implements RunListener, AutoCloseable {

  private final PrintWriter out;
  private final ProgressBar bar;
  private final String label;

  Progress(PrintWriter out, String label, int rounds, boolean terminal) {
    this.out = out;
    this.label = label;
    this.bar =
        terminal
            ? new ProgressBarBuilder()
                .setTaskName(label)
                .setInitialMax(rounds)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" rounds", 1)
                .build()
            : null;
  }

  /** Whether this process writes to a terminal. */
  static boolean terminal() {
    return System.console() != null && System.getenv("CI") == null;
  }

  @Override
  public synchronized void onRound(RoundRecord r) {
    String acc =
        Double.isNaN(r.testAccuracy())
            ? "n/a"
            : String.format(Locale.ROOT, "%.4f", r.testAccuracy());
    String text =
        String.format(
            Locale.ROOT,
            "round %d: emulated %.3f s (round %.3f s), accuracy %s, loss %s",
            r.round(),
            r.emulatedTimeS(),
            r.roundLatencyS(),
            acc,
            Double.isNaN(r.trainLoss())
                ? "n/a"
                : String.format(Locale.ROOT, "%.4f", r.trainLoss()));
    if (bar != null) {
      bar.stepTo(r.round());
      bar.setExtraMessage(String.format(Locale.ROOT, " t=%.1fs acc=%s", r.emulatedTimeS(), acc));
    } else {
      out.println(label + " " + text);
      out.flush();
    }
  }

  @Override
  public synchronized void onEvent(EventRecord e) {
    if (bar == null) {
      out.println(
          String.format(
              Locale.ROOT,
              "%s event at %.3f s: %s %s: %s",
              label,
              e.emulatedS(),
              e.kind(),
              e.subject(),
              e.detail()));
      out.flush();
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
