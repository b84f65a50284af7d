package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The results writer keeps of marked events a summary bounded by the rounds, not the events. */
class MarkedEventsTest {

  @TempDir Path tmp;

  private static RoundRecord round(int i) {
    return new RoundRecord(
        i, "psl", 100.0 * i, 100, 40, 20, 30, 10, 4, 0, "3", 1, 0.5, 1.0, 0.01 * i, Double.NaN);
  }

  private static final int ROUNDS = 100;
  private static final int DEVICES = 2_000;
  private static final int KEPT = ROUNDS * MarkedEvents.MARKS_PER_ROUND;

  // Device d misses round r's deadline at its own instant: every row a distinct mark.
  private static EventRecord drop(int r, int d) {
    return new EventRecord(100.0 * r - 50 + d * 1e-3, r, "deadline", "device-" + d, "dropped");
  }

  @Test
  void twoHundredThousandDrops_keepABoundedSummary_andTheReportCountsThemAll() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= ROUNDS; r++) {
      for (int d = 0; d < DEVICES; d++) {
        w.event(drop(r, d));
      }
      w.round(round(r));
    }
    MarkedEvents m = w.marked();
    assertEquals(200_000, m.count());
    // The first rows to list, each round once, each round's earliest marks: not one object per
    // row, and every round keeps some (a cap over the run kept round 1's alone).
    assertEquals(MarkedEvents.LISTED + ROUNDS + KEPT, m.retained(), "retained");
    assertEquals(KEPT, m.marks("deadline").size());
    assertEquals(200_000 - KEPT, m.notDrawn("deadline"));
    assertEquals(
        ROUNDS,
        m.marks("deadline").stream().map(MarkedEvents.Mark::round).distinct().count(),
        "marks in every round");
    assertEquals(ROUNDS, m.rounds("deadline").size());
    int full = m.retained();

    // A rewind to round 50 holds what a run that stopped after round 50 holds.
    w.onRewind(50);
    ResultsWriter half = ResultsWriter.open(tmp.resolve("half"), "x");
    for (int r = 1; r <= 50; r++) {
      for (int d = 0; d < DEVICES; d++) {
        half.event(drop(r, d));
      }
      half.round(round(r));
    }
    assertSame(half.marked(), w.marked());
    half.close();
    // ... and a resume from round 50's folder too.
    w.close();
    ResultsWriter resumed = ResultsWriter.resume(dir, 50);
    assertSame(half.marked(), resumed.marked());
    // The rows after the rewind, in another order: the same summary as in order.
    for (int r = 100; r > 50; r--) {
      for (int d = DEVICES - 1; d >= 0; d--) {
        resumed.event(drop(r, d));
      }
    }
    for (int r = 51; r <= ROUNDS; r++) {
      resumed.round(round(r));
    }
    assertEquals(200_000, resumed.marked().count());
    assertEquals(full, resumed.marked().retained());
    assertEquals(KEPT, resumed.marked().marks("deadline").size());
    assertEquals(1, resumed.marked().marks("deadline").first().round());
    assertEquals(200_000 - KEPT, resumed.marked().notDrawn("deadline"));

    resumed.finish("s", "psl", 1, 0.9, Map.of());
    String report = Files.readString(dir.resolve("report.md"));
    assertTrue(report.contains("200000 events in `events.csv` (200000 deadline)"), report);
    assertTrue(
        report.contains(
            "- and " + (200_000 - 64) + " more faults, deadline drops and recoveries in"),
        report);
    assertEquals(64, report.lines().filter(l -> l.startsWith("- deadline at ")).count());
    // The plot draws the kept instants and says how many events it leaves out.
    XYChart loss =
        (XYChart)
            Plots.runCharts(new Plots.Run("psl", resumed.rounds(), resumed.marked()))
                .get(Plots.LOSS);
    assertTrue(
        loss.getSeriesMap()
            .containsKey(
                "deadline drop (the first 8 instants of a round; "
                    + (200_000 - KEPT)
                    + " later events not drawn)"),
        loss.getSeriesMap().keySet().toString());
  }

  private static void assertSame(MarkedEvents want, MarkedEvents got) {
    assertEquals(want.count(), got.count());
    assertEquals(want.first(), got.first());
    assertEquals(want.rounds("deadline"), got.rounds("deadline"));
    assertEquals(want.marks("deadline"), got.marks("deadline"));
    assertEquals(want.notDrawn("deadline"), got.notDrawn("deadline"));
    assertEquals(want.retained(), got.retained());
  }

  @Test
  void anOrdinaryFaultsRun_reportsAndPlotsEveryMarkedRow() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    List<EventRecord> rows =
        List.of(
            new EventRecord(50, 1, "fault", "edge", "partition"),
            new EventRecord(50, 1, "deadline", "device-1", "dropped"),
            new EventRecord(50, 1, "deadline", "device-2", "dropped"),
            new EventRecord(Double.NaN, 2, "deadline", "device-3", "dropped"),
            new EventRecord(150, 2, "replan", "device-3", "cut 2"),
            new EventRecord(170, 2, "recovery", "edge", "partition over"),
            new EventRecord(260, 3, "deadline", "device-1", "dropped"));
    for (int r = 1; r <= 3; r++) {
      for (EventRecord e : rows) {
        if (e.round() == r) {
          w.event(e);
        }
      }
      w.round(round(r));
    }
    w.finish("s", "psl", 1, 0.9, Map.of());
    String report = Files.readString(dir.resolve("report.md"));
    assertTrue(report.contains("7 events in `events.csv`"), report);
    List<String> listed = report.lines().filter(l -> l.matches("- [a-z]+ at .*")).toList();
    assertEquals(6, listed.size(), report);
    assertEquals("- fault at 50.00 s (round 1), edge: partition", listed.get(0));
    assertFalse(report.contains("more faults"), report);

    Plots.Run run = new Plots.Run("psl", w.rounds(), w.marked());
    XYChart loss = (XYChart) Plots.runCharts(run).get(Plots.LOSS);
    Map<String, XYSeries> series = loss.getSeriesMap();
    // One line per distinct finite instant of each kind; the legend keys say nothing left out.
    assertEquals(
        List.of(50.0, 50.0, 50.0, 260.0, 260.0, 260.0), xs(series.get("psl: deadline drop")));
    assertEquals(List.of(50.0, 50.0, 50.0), xs(series.get("psl: fault")));
    assertEquals(List.of(170.0, 170.0, 170.0), xs(series.get("psl: recovery")));
    assertTrue(series.containsKey("deadline drop"), series.keySet().toString());
    CategoryChart breakdown = (CategoryChart) Plots.runCharts(run).get(Plots.BREAKDOWN);
    // Round 2's drop has no instant but still labels its round.
    assertEquals(
        List.of("1 (fault, drop)", "2 (drop)", "3 (drop)"),
        new ArrayList<>(breakdown.getSeriesMap().get("aggregation").getXData()));
    assertEquals(new TreeSet<>(List.of(1, 2, 3)), w.marked().rounds("deadline"));
  }

  private static List<Double> xs(XYSeries s) {
    List<Double> out = new ArrayList<>();
    for (double x : s.getXData()) {
      out.add(x);
    }
    return out;
  }
}
