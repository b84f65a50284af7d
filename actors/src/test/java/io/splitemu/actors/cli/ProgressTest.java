package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.results.RoundRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import org.junit.jupiter.api.Test;

class ProgressTest {

  private static RoundRecord round(int r, double emulatedS, double accuracy) {
    return new RoundRecord(
        r, "psl", emulatedS, 10, 4, 3, 2, 1, 4, 0, "2", 0, accuracy, 0.5, 1.0, Double.NaN);
  }

  /** A CPSL clustering event's detail: every one of 30 devices with its uplink share. */
  private static EventRecord clustering() {
    StringBuilder b =
        new StringBuilder("greedy clustering, optimal spectrum, predicted 12.3456 s:");
    for (int d = 0; d < 30; d++) {
      b.append(d % 5 == 0 ? (d == 0 ? " " : " | ") : " ")
          .append("device-")
          .append(d)
          .append(String.format(Locale.ROOT, "@%.3f", 0.2));
    }
    return new EventRecord(12.5, 3, "clustering", "supervisor", b.toString());
  }

  /** Waits up to 10 s for a drawn bar that {@code p} accepts; the bar redraws twice a second. */
  private static String drawn(List<String> frames, Predicate<String> p) throws Exception {
    for (int i = 0; i < 100; i++) {
      for (String f : frames) {
        if (p.test(f)) {
          return f;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no frame matched; frames: " + frames);
  }

  @Test
  void terminal_barMovesWithinARound_andShowsStepsEmulatedTimeAndEta() throws Exception {
    StringWriter text = new StringWriter();
    List<String> frames = new CopyOnWriteArrayList<>();
    try (Progress p =
        new Progress(
            new PrintWriter(text), "psl", 3, new DelegatingProgressBarConsumer(frames::add, 200))) {
      assertEquals(0, p.position());
      p.onProgress(new ProgressRecord(1, 1, 4, 2.5));
      assertEquals(250, p.position(), "a quarter of round 1 of 3");
      p.onProgress(new ProgressRecord(1, 2, 4, 5.0));
      assertEquals(500, p.position());
      String f = drawn(frames, s -> s.contains("step 2/4"));
      assertTrue(f.contains("t=5.0s"), f);
      assertTrue(f.contains("0/3 rounds"), f);
      p.onRound(round(1, 10.0, 0.75));
      assertEquals(1000, p.position());
      // A step reported after its round's row does not pull the bar back.
      p.onProgress(new ProgressRecord(1, 3, 4, 7.5));
      assertEquals(1000, p.position());
      drawn(frames, s -> s.contains("1/3 rounds") && s.contains(" t=10.0s acc=0.7500"));
      p.onProgress(new ProgressRecord(2, 3, 4, 17.5));
      assertEquals(1750, p.position());
      String g = drawn(frames, s -> s.contains(" step 3/4 t=17.5s acc=0.7500"));
      assertTrue(g.contains("1/3 rounds"), g);
      // Elapsed / ETA: with progress made, the library estimates the rest (not "?").
      assertTrue(g.matches(".*\\(\\d+:\\d\\d:\\d\\d / \\d+:\\d\\d:\\d\\d\\).*"), g);
      // Steps not known ahead: the bar holds at the round's start, the step count still shows.
      p.onRound(round(2, 20.0, 0.8));
      p.onProgress(new ProgressRecord(3, 7, 0, 25.0));
      assertEquals(2000, p.position());
      drawn(frames, s -> s.contains(" step 7 t=25.0s"));
      p.onEvent(clustering());
      drawn(frames, s -> s.contains("acc=0.8000 [clustering]"));
    }
    assertEquals("", text.toString(), "the bar alone draws on a terminal");
    assertTrue(frames.stream().noneMatch(s -> s.contains("t=7.5s")), "stale step shown: " + frames);
  }

  @Test
  void notATerminal_printsOneLinePerRound_andNothingPerStep() {
    StringWriter text = new StringWriter();
    try (Progress p = new Progress(new PrintWriter(text), "psl", 2, false)) {
      for (int step = 1; step <= 50; step++) {
        p.onProgress(new ProgressRecord(1, step, 50, step * 0.1));
      }
      assertEquals("", text.toString(), "no line per step");
      p.onRound(round(1, 5.0, 0.75));
      for (int step = 1; step <= 50; step++) {
        p.onProgress(new ProgressRecord(2, step, 50, 5 + step * 0.1));
      }
      p.onRound(round(2, 10.0, 0.8));
      assertEquals(-1, p.position());
    }
    List<String> lines = text.toString().lines().toList();
    assertEquals(2, lines.size(), text.toString());
    assertTrue(lines.get(0).startsWith("psl round 1: emulated 5.000 s"), lines.get(0));
    assertTrue(lines.get(1).contains("accuracy 0.8000"), lines.get(1));
  }

  @Test
  void event_isOneShortLine_withTheStartOfItsDetail() {
    EventRecord e = clustering();
    assertTrue(e.detail().length() > 400, "the detail is long: " + e.detail().length());
    StringWriter text = new StringWriter();
    try (Progress p = new Progress(new PrintWriter(text), "cpsl", 36, false)) {
      p.onEvent(e);
      p.onEvent(new EventRecord(1.0, 1, "fault", "device-3", "dropped\nat the round's start"));
    }
    List<String> lines = text.toString().lines().toList();
    assertEquals(2, lines.size(), text.toString());
    String first = lines.get(0);
    assertTrue(first.length() <= 160, first.length() + ": " + first);
    assertTrue(
        first.startsWith(
            "cpsl event at 12.500 s: clustering supervisor: greedy clustering, optimal spectrum,"),
        first);
    assertTrue(first.endsWith("..."), first);
    assertFalse(first.contains("device-29"), "the detail is cut: " + first);
    assertEquals(
        "cpsl event at 1.000 s: fault device-3: dropped at the round's start", lines.get(1));
    // A short detail is shown whole.
    assertEquals(
        "x event at 0.000 s: recut supervisor: cut 2 -> 3",
        Progress.summary("x", new EventRecord(0, 1, "recut", "supervisor", "cut 2 -> 3")));
  }
}
