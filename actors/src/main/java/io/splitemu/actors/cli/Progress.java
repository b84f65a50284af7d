package io.splitemu.actors.cli;

import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.RunListener;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a run's progress: on a terminal a progress bar that moves with every step of a round (steps
 * done, emulated time, accuracy, ETA); otherwise one plain line per round. Either way an event is
 * one short line at most; its whole detail is in {@code events.csv}.
 */
final class Progress implements RunListener, AutoCloseable {

  /**
   * Bar units per round: the bar counts thousandths of rounds, so it moves within a round whatever
   * the round's step count, and its ratio still reads in whole rounds.
   */
  static final long UNITS_PER_ROUND = 1000;

  /** The most characters of an event's detail shown on the console. */
  static final int DETAIL_CHARS = 100;

  private final PrintWriter out;
  private final ProgressBar bar;
  private final String label;
  private final int rounds;
  private String accuracy = "n/a";
  private String status = "";
  private String lastEvent = "";

  Progress(PrintWriter out, String label, int rounds, boolean terminal) {
    this(out, label, rounds, terminal ? builder(label, rounds).build() : null);
  }

  /** A bar drawn to {@code consumer} (tests read what a terminal would show). */
  Progress(PrintWriter out, String label, int rounds, ProgressBarConsumer consumer) {
    this(out, label, rounds, builder(label, rounds).setConsumer(consumer).build());
  }

  private Progress(PrintWriter out, String label, int rounds, ProgressBar bar) {
    this.out = out;
    this.label = label;
    this.rounds = rounds;
    this.bar = bar;
  }

  private static ProgressBarBuilder builder(String label, int rounds) {
    return new ProgressBarBuilder()
        .setTaskName(label)
        .setInitialMax(Math.max(1, rounds) * UNITS_PER_ROUND)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" rounds", UNITS_PER_ROUND)
        // Redrawn twice a second even when no step ended: the elapsed time keeps moving through a
        // long step, and a new event or accuracy shows without waiting for the next step.
        .setUpdateIntervalMillis(500)
        .continuousUpdate();
  }

  /** Whether this process writes to a terminal. */
  static boolean terminal() {
    return System.console() != null && System.getenv("CI") == null;
  }

  @Override
  public synchronized void onProgress(ProgressRecord p) {
    if (bar == null) {
      // A pipe or a CI log gets the round's line only: a line per step would bury it.
      return;
    }
    long within =
        p.steps() > 0 ? Math.min(UNITS_PER_ROUND - 1, UNITS_PER_ROUND * p.step() / p.steps()) : 0;
    long position = Math.min((long) (p.round() - 1) * UNITS_PER_ROUND + within, bar.getMax() - 1);
    if (position < bar.getCurrent()) {
      // Reported after a later step or its round's row: stale, the bar shows the newer state.
      return;
    }
    bar.stepTo(position);
    String steps = p.steps() > 0 ? p.step() + "/" + p.steps() : String.valueOf(p.step());
    show(String.format(Locale.ROOT, " step %s t=%.1fs acc=%s", steps, p.emulatedS(), accuracy));
  }

  @Override
  public synchronized void onRound(RoundRecord r) {
    if (!Double.isNaN(r.testAccuracy())) {
      accuracy = String.format(Locale.ROOT, "%.4f", r.testAccuracy());
    }
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
      advanceTo(Math.min(r.round(), rounds) * UNITS_PER_ROUND);
      show(String.format(Locale.ROOT, " t=%.1fs acc=%s", r.emulatedTimeS(), accuracy));
    } else {
      out.println(label + " " + text);
      out.flush();
    }
  }

  @Override
  public synchronized void onEvent(EventRecord e) {
    if (bar != null) {
      // Lines printed under a live bar would tear it; the bar names the latest event's kind
      // (briefly: a terminal of 80 columns has little room left for the bar itself).
      lastEvent = " [" + oneLine(e.kind()) + "]";
      show(status);
      return;
    }
    out.println(summary(label, e));
    out.flush();
  }

  /**
   * The console's line for an event: when, what and whom, and the start of its detail, cut to
   * {@link #DETAIL_CHARS} characters (a CPSL clustering names every device and its share).
   */
  static String summary(String label, EventRecord e) {
    String detail = oneLine(e.detail());
    if (detail.length() > DETAIL_CHARS) {
      detail = detail.substring(0, DETAIL_CHARS - 3) + "...";
    }
    return String.format(
        Locale.ROOT,
        "%s event at %.3f s: %s %s: %s",
        label,
        e.emulatedS(),
        oneLine(e.kind()),
        oneLine(e.subject()),
        detail);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").strip();
  }

  /** Shows {@code text} and the latest event's kind after the bar. */
  private void show(String text) {
    status = text;
    bar.setExtraMessage(status + lastEvent);
  }

  /** Moves the bar forward only: a finished round's row never pulls the bar back. */
  private void advanceTo(long position) {
    if (position > bar.getCurrent()) {
      bar.stepTo(position);
    }
  }

  /** Where the bar stands, in thousandths of rounds; -1 without a bar. */
  synchronized long position() {
    return bar == null ? -1 : bar.getCurrent();
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
