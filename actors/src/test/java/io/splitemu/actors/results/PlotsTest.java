package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

class PlotsTest {

  @TempDir Path tmp;

  /** Rounds of {@code latency} seconds each, with accuracy when {@code acc} is not null. */
  private static List<RoundRecord> rounds(String scheme, double[] latency, double[] acc) {
    List<RoundRecord> out = new ArrayList<>();
    double t = 0;
    for (int i = 0; i < latency.length; i++) {
      t += latency[i];
      double a = acc == null ? Double.NaN : acc[i];
      out.add(
          new RoundRecord(
              i + 1,
              scheme,
              t,
              latency[i],
              0.2 * latency[i],
              0.1 * latency[i],
              0.6 * latency[i],
              0.1 * latency[i],
              3,
              0,
              "2",
              1,
              a,
              Double.isNaN(a) ? Double.NaN : 1 - a,
              0.1,
              Double.NaN));
    }
    return out;
  }

  private static Plots.Run psl() {
    // Round 2 runs from 10 s to 30 s: the fault at its start, the drop at 25 s, the device back at
    // round 3's start.
    return new Plots.Run(
        "psl",
        rounds("psl", new double[] {10, 20, 10}, new double[] {0.5, 0.7, 0.8}),
        List.of(
            new EventRecord(10, 2, "fault", "device-1", "device-hang"),
            new EventRecord(25, 2, "deadline", "device-1", "dropped"),
            new EventRecord(30, 3, "recovery", "device-1", "device-hang: answers again"),
            new EventRecord(12, 2, "replan", "device-0", "not marked")));
  }

  private static Plots.Run sl() {
    return new Plots.Run(
        "sl", rounds("sl", new double[] {15, 15, 15}, new double[] {0.4, 0.6, 0.7}), List.of());
  }

  private static Plots.Run timingOnly() {
    return new Plots.Run("sfl-v1", rounds("sfl-v1", new double[] {8, 9}, null), List.of());
  }

  private static Set<String> names(Chart<?, ?> c) {
    return c.getSeriesMap().keySet();
  }

  @Test
  void comparison_drawsEverySchemeOnSharedAxes_withFaultsMarked() throws Exception {
    Map<String, Chart<?, ?>> charts = Plots.comparisonCharts(List.of(psl(), sl(), timingOnly()));
    assertEquals(
        List.of(Plots.ACCURACY, Plots.LOSS, Plots.ROUND_LATENCY, Plots.BREAKDOWN),
        new ArrayList<>(charts.keySet()));

    XYChart acc = (XYChart) charts.get(Plots.ACCURACY);
    // A timing run measured no accuracy: no series of it on the accuracy chart.
    assertFalse(names(acc).contains("sfl-v1"), names(acc).toString());
    XYSeries fault = acc.getSeriesMap().get("psl: fault");
    assertNotNull(fault, names(acc).toString());
    // A vertical line at the fault's emulated instant, from the axis' bottom to its top.
    assertEquals(10.0, fault.getXData()[0], 0.0);
    assertEquals(10.0, fault.getXData()[1], 0.0);
    assertEquals(acc.getStyler().getYAxisMin(), fault.getYData()[0], 0.0);
    assertEquals(acc.getStyler().getYAxisMax(), fault.getYData()[1], 0.0);
    // Accuracies 0.4 to 0.8: the axis spans their tenths, not the whole of 0..1.
    assertEquals(0.3, acc.getStyler().getYAxisMin(), 1e-12);
    assertEquals(0.9, acc.getStyler().getYAxisMax(), 1e-12);
    assertFalse(fault.isShowInLegend());
    assertEquals(25.0, acc.getSeriesMap().get("psl: deadline drop").getXData()[0], 0.0);
    // One legend key per kind, whatever the number of runs; replans are not marked.
    Set<String> legend = new HashSet<>();
    acc.getSeriesMap().values().stream()
        .filter(XYSeries::isShowInLegend)
        .forEach(s -> legend.add(s.getName()));
    assertEquals(
        Set.of(
            "psl",
            "sl",
            "fault (in the scheme's colour)",
            "deadline drop (in the scheme's colour)",
            "recovery (in the scheme's colour)"),
        legend);
    assertEquals(30.0, acc.getSeriesMap().get("psl: recovery").getXData()[0], 0.0);
    assertEquals(Styler.LegendPosition.OutsideE, acc.getStyler().getLegendPosition());
    assertEquals("emulated time (s)", acc.getXAxisTitle());

    XYChart latency = (XYChart) charts.get(Plots.ROUND_LATENCY);
    for (String s : List.of("psl", "sl", "sfl-v1")) {
      assertTrue(names(latency).contains(s), names(latency).toString());
    }
    // The fault sits at the start of round 2 (1.5 on the round axis, shifted as psl's points are),
    // the drop three quarters into it.
    XYSeries pslPoints = latency.getSeriesMap().get("psl");
    double shift = pslPoints.getXData()[0] - 1;
    assertEquals(1.5 + shift, latency.getSeriesMap().get("psl: fault").getXData()[0], 1e-9);
    assertEquals(
        2.25 + shift, latency.getSeriesMap().get("psl: deadline drop").getXData()[0], 1e-9);
    // One y scale for all schemes, starting at zero and above the slowest round.
    assertEquals(0.0, latency.getStyler().getYAxisMin(), 0.0);
    assertTrue(latency.getStyler().getYAxisMax() >= 20.0);

    CategoryChart parts = (CategoryChart) charts.get(Plots.BREAKDOWN);
    assertEquals(
        List.of("device compute", "server compute", "communication", "aggregation"),
        new ArrayList<>(names(parts)));
    assertTrue(parts.getStyler().isStacked());
    CategorySeries comm = parts.getSeriesMap().get("communication");
    List<?> schemes = new ArrayList<>(comm.getXData());
    assertEquals(3, schemes.size(), schemes.toString());
    assertTrue(schemes.get(0).toString().startsWith("psl"), schemes.toString());
    // psl's mean round is 40 s / 3; communication is 0.6 of it.
    assertEquals(0.6 * 40 / 3, comm.getYData().iterator().next().doubleValue(), 1e-9);

    List<Path> written = Plots.writeComparison(tmp, List.of(psl(), sl(), timingOnly()));
    assertEquals(4, written.size());
    for (Path p : written) {
      BufferedImage img = ImageIO.read(p.toFile());
      assertNotNull(img, p + " is not a readable PNG");
    }
  }

  /**
   * A plot is written through a temporary file renamed over its name, as the tables are: the old
   * file is replaced, never written into, so a kill or a halt mid-write leaves the old image or the
   * new one. The old file here is a hard link to another: written in place (before 2026-12-07, and
   * a second SIGTERM during a compare's plots left a PNG of 43 bytes), the other is overwritten.
   */
  @Test
  void plots_areWrittenAtomically_replacingTheOldFileRatherThanWritingIntoIt() throws Exception {
    Path plots = Files.createDirectories(tmp.resolve("plots"));
    Path other = tmp.resolve("other.png");
    Files.writeString(other, "the old image");
    Files.createLink(plots.resolve(Plots.BREAKDOWN), other);
    List<Path> written = Plots.writeComparison(plots, List.of(psl(), sl()));
    assertTrue(written.contains(plots.resolve(Plots.BREAKDOWN)), written.toString());
    assertTrue(
        java.util.Arrays.equals(
            "the old image".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            Files.readAllBytes(other)),
        "the plot was written into the old file, not renamed over it");
    assertNotNull(ImageIO.read(plots.resolve(Plots.BREAKDOWN).toFile()));
    try (var left = Files.list(plots)) {
      assertEquals(
          List.of(),
          left.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".png")).toList());
    }
  }

  @Test
  void images_areTheSameUnderAnyDefaultLocale() throws Exception {
    java.util.Locale before = java.util.Locale.getDefault();
    byte[] root;
    byte[] german;
    try {
      java.util.Locale.setDefault(java.util.Locale.ROOT);
      root = breakdownPng("root");
      java.util.Locale.setDefault(java.util.Locale.GERMANY);
      german = breakdownPng("german");
    } finally {
      java.util.Locale.setDefault(before);
    }
    assertTrue(root.length > 1000, "an image: " + root.length + " bytes");
    assertTrue(java.util.Arrays.equals(root, german), "the German locale's image differs");
  }

  /** The round-latency chart of a run with rounds in the thousands of seconds, as PNG bytes. */
  private byte[] breakdownPng(String name) throws Exception {
    Plots.Run run =
        new Plots.Run(
            "psl",
            rounds("psl", new double[] {14_000.5, 28_000.25}, new double[] {0.1, 0.2}),
            List.of());
    java.nio.file.Path file = java.nio.file.Files.createTempFile(name, ".png");
    try {
      org.knowm.xchart.BitmapEncoder.saveBitmap(
          Plots.comparisonCharts(List.of(run)).get(Plots.ROUND_LATENCY),
          file.toString(),
          org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
      return java.nio.file.Files.readAllBytes(file);
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void everySeries_isInThePrintablePalette_withoutYellow() {
    List<Plots.Run> runs = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      runs.add(
          new Plots.Run(
              "s" + i,
              rounds("s" + i, new double[] {1 + i, 2}, new double[] {0.1, 0.2}),
              List.of()));
    }
    XYChart acc = (XYChart) Plots.comparisonCharts(runs).get(Plots.ACCURACY);
    Set<String> styles = new HashSet<>();
    for (XYSeries s : acc.getSeriesMap().values()) {
      Color c = s.getLineColor();
      assertFalse(c.getRed() > 200 && c.getGreen() > 200 && c.getBlue() < 120, "yellow " + c);
      styles.add(c + "/" + s.getMarker().getClass() + "/" + s.getLineStyle());
    }
    // Nine series, nine looks: a colour repeats only with another line style.
    assertEquals(9, styles.size());
  }

  @Test
  void oneRoundRun_hasATimeAxisFromZero_withShortTickLabels() {
    Plots.Run one =
        new Plots.Run(
            "psl", rounds("psl", new double[] {19.310043094}, new double[] {0.8}), List.of());
    Map<String, Chart<?, ?>> charts = Plots.runCharts(one);
    assertEquals(
        List.of(Plots.ACCURACY, Plots.LOSS, Plots.BREAKDOWN), List.copyOf(charts.keySet()));
    XYChart acc = (XYChart) charts.get(Plots.ACCURACY);
    assertEquals(0.0, acc.getStyler().getXAxisMin(), 0.0);
    assertTrue(acc.getStyler().getXAxisMax() > 19.310043094);
    assertEquals("#,##0", acc.getStyler().getXAxisDecimalPattern());
  }

  @Test
  void runBreakdown_namesTheRoundsOfFaultsAndDrops() {
    CategoryChart c = (CategoryChart) Plots.runCharts(psl()).get(Plots.BREAKDOWN);
    assertEquals(
        List.of("1", "2 (fault, drop)", "3"),
        new ArrayList<>(c.getSeriesMap().get("aggregation").getXData()));
    assertTrue(c.getXAxisTitle().contains("fault"), c.getXAxisTitle());
  }

  @Test
  void timingRun_hasOnlyItsBreakdown() {
    assertEquals(List.of(Plots.BREAKDOWN), List.copyOf(Plots.runCharts(timingOnly()).keySet()));
  }

  @Test
  void events_readsARunFolder_andNoneWithoutTheFile() throws Exception {
    assertEquals(0, Plots.events(tmp).count());
    ResultsWriter w = ResultsWriter.open(tmp.resolve("run"), "x");
    w.event(new EventRecord(1.5, 1, "fault", "device-2", "hang, \"quoted\""));
    // A split scheme's re-plan per device and round is not marked on the plots: not kept.
    w.event(new EventRecord(1.5, 1, "replan", "device-2", "cut 3"));
    w.close();
    MarkedEvents e = Plots.events(tmp.resolve("run"));
    assertEquals(
        List.of(new EventRecord(1.5, 1, "fault", "device-2", "hang, \"quoted\"")), e.first());
    assertEquals(1, e.count());
    assertTrue(Files.exists(tmp.resolve("run/events.csv")));
  }

  @Test
  void tickPatterns_andAxisEnds() {
    assertEquals("#,##0", Plots.pattern(19.3, 19.3));
    assertEquals("#,##0.0", Plots.pattern(5, 5));
    assertEquals("#,##0.000", Plots.pattern(0.05, 0.05));
    assertEquals(25.0, Plots.niceCeiling(21.2), 1e-12);
    assertEquals(0.8, Plots.niceCeiling(0.71), 1e-12);
    assertEquals(1.0, Plots.niceCeiling(1.0), 1e-12);
  }
}
