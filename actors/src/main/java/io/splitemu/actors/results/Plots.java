package io.splitemu.actors.results;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of a run or a comparison: accuracy and loss against emulated time, latency per round
 * and its breakdown, with scenario faults, their recoveries and deadline drops marked.
 *
 * <p>Every chart draws series in one fixed colour-blind-safe palette (Okabe-Ito without its
 * yellow), each series with its own marker and line style so that a greyscale print still tells
 * them apart, and keeps the legend outside the data.
 */
public final class Plots {

  /**
   * One run's series.
   *
   * @param name the series name (the scheme)
   * @param rounds its {@code rounds.csv} rows
   * @param events what the plots mark of its {@code events.csv} rows (faults, recoveries and
   *     deadline drops)
   */
  public record Run(String name, List<RoundRecord> rounds, MarkedEvents events) {

    public Run {
      rounds = List.copyOf(rounds);
    }

    /** A run whose marked events are those among {@code events}. */
    public Run(String name, List<RoundRecord> rounds, List<EventRecord> events) {
      this(name, rounds, MarkedEvents.of(events));
    }
  }

  /** The file of the per-round breakdown of a run, or of the per-scheme breakdown of a compare. */
  public static final String BREAKDOWN = "latency-breakdown.png";

  /** The file of every scheme's latency per round (a comparison). */
  public static final String ROUND_LATENCY = "round-latency.png";

  /** The file of test accuracy against emulated time. */
  public static final String ACCURACY = "accuracy.png";

  /** The file of training loss against emulated time. */
  public static final String LOSS = "loss.png";

  /**
   * Every file a run's or a comparison's plots folder is written with: what a resume may find of an
   * earlier stop there, and of which it deletes the temporary files.
   */
  public static final List<String> FILES = List.of(ACCURACY, LOSS, ROUND_LATENCY, BREAKDOWN);

  /** Event kinds marked on the charts, with their legend words. */
  private static final Map<String, String> MARKED = new LinkedHashMap<>();

  /**
   * Whether events of {@code kind} are marked on the plots (faults, deadline drops, recoveries).
   */
  static boolean marked(String kind) {
    return MARKED.containsKey(kind);
  }

  private static final int WIDTH = 960;
  private static final int HEIGHT = 540;

  // Okabe-Ito, without the yellow that vanishes on white paper.
  private static final Color[] PALETTE = {
    new Color(0x0072B2),
    new Color(0xD55E00),
    new Color(0x009E73),
    new Color(0xCC79A7),
    new Color(0xE69F00),
    new Color(0x56B4E9),
    new Color(0x000000)
  };
  private static final Marker[] MARKERS = {
    SeriesMarkers.CIRCLE,
    SeriesMarkers.SQUARE,
    SeriesMarkers.DIAMOND,
    SeriesMarkers.TRIANGLE_UP,
    SeriesMarkers.TRIANGLE_DOWN,
    SeriesMarkers.OVAL,
    SeriesMarkers.RECTANGLE
  };
  private static final BasicStroke[] LINES = {
    SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT, SeriesLines.DASH_DOT
  };
  private static final String[] PARTS = {
    "device compute", "server compute", "communication", "aggregation"
  };

  static {
    MARKED.put("fault", "fault");
    MARKED.put("deadline", "deadline drop");
    MARKED.put("recovery", "recovery");
    // Plots are written on servers and in CI, which have no display.
    System.setProperty("java.awt.headless", "true");
  }

  private Plots() {}

  /**
   * Writes a run's plots into {@code dir}: {@value #ACCURACY} and {@value #LOSS} (when it measured
   * them) and {@value #BREAKDOWN} per round; returns the files written.
   */
  public static List<Path> writeRun(Path dir, Run run) {
    return save(dir, runCharts(run));
  }

  /**
   * Writes a comparison's plots into {@code dir}: {@value #ACCURACY} and {@value #LOSS} (when a run
   * measured them), {@value #ROUND_LATENCY} and {@value #BREAKDOWN} (the mean round of each scheme
   * side by side); returns the files written.
   */
  public static List<Path> writeComparison(Path dir, List<Run> runs) {
    return save(dir, comparisonCharts(runs));
  }

  /** A run's charts by file name, as {@link #writeRun} writes them. */
  public static Map<String, Chart<?, ?>> runCharts(Run run) {
    Map<String, Chart<?, ?>> out = new LinkedHashMap<>();
    timeCharts(List.of(run), out);
    if (!run.rounds().isEmpty()) {
      out.put(BREAKDOWN, perRound(run));
    }
    return out;
  }

  /** A comparison's charts by file name, as {@link #writeComparison} writes them. */
  public static Map<String, Chart<?, ?>> comparisonCharts(List<Run> runs) {
    Map<String, Chart<?, ?>> out = new LinkedHashMap<>();
    timeCharts(runs, out);
    if (runs.stream().anyMatch(r -> !r.rounds().isEmpty())) {
      out.put(ROUND_LATENCY, roundLatency(runs));
      out.put(BREAKDOWN, perScheme(runs));
    }
    return out;
  }

  /**
   * What the plots mark of the run in {@code runDir} ({@code events.csv}: faults, recoveries,
   * deadline drops, {@link #marked}); none if it has no such file. The file is read one line at a
   * time into a bounded {@link MarkedEvents} (a split scheme records a re-plan per device and
   * round, which the plots do not show, and a run under churn a fault per device).
   */
  public static MarkedEvents events(Path runDir) {
    return MarkedEvents.read(runDir);
  }

  /**
   * Writes one figure of a swept comparison against the first swept key: an XY chart when every x
   * value is a number (log x axis when they are positive and span a factor of 100 or more), else a
   * category chart. {@code series} maps each series name to its y value per x value (NaN: no
   * point). Returns false, writing nothing, when no series has a finite point.
   */
  public static boolean sweep(
      Path file,
      String title,
      String xLabel,
      String yLabel,
      List<String> x,
      Map<String, Map<String, Double>> series) {
    boolean numeric = !x.isEmpty();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (String v : x) {
      try {
        double d = Double.parseDouble(v);
        numeric &= Double.isFinite(d);
        min = Math.min(min, d);
        max = Math.max(max, d);
      } catch (NumberFormatException e) {
        numeric = false;
      }
    }
    double yMin = Double.POSITIVE_INFINITY;
    double yMax = Double.NEGATIVE_INFINITY;
    for (Map<String, Double> m : series.values()) {
      for (double y : m.values()) {
        if (Double.isFinite(y)) {
          yMin = Math.min(yMin, y);
          yMax = Math.max(yMax, y);
        }
      }
    }
    // Many series: a taller chart, so that the legend beside it stays readable.
    int height = Math.max(HEIGHT, 120 + 20 * series.size());
    int width = series.size() > 12 ? WIDTH + 500 : WIDTH;
    if (numeric) {
      XYChart chart = xyChart(width, height, title, xLabel, yLabel);
      boolean log = min > 0 && max / min >= 100;
      chart.getStyler().setXAxisLogarithmic(log);
      if (!log) {
        chart.getStyler().setXAxisDecimalPattern(pattern(max - min, max));
      }
      yPattern(chart.getStyler(), yMin, yMax);
      int i = 0;
      for (Map.Entry<String, Map<String, Double>> e : series.entrySet()) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Map.Entry<String, Double> p : e.getValue().entrySet()) {
          if (Double.isFinite(p.getValue())) {
            xs.add(Double.parseDouble(p.getKey()));
            ys.add(p.getValue());
          }
        }
        if (!xs.isEmpty()) {
          style(chart.addSeries(e.getKey(), xs, ys), i);
        }
        i++;
      }
      if (!chart.getSeriesMap().isEmpty()) {
        save(chart, file);
      }
      return !chart.getSeriesMap().isEmpty();
    }
    CategoryChart chart = categoryChart(width, height, title, xLabel, yLabel);
    int longest = x.stream().mapToInt(String::length).max().orElse(0);
    chart.getStyler().setXAxisLabelRotation(x.size() > 6 || longest * x.size() > 60 ? 45 : 0);
    yPattern(chart.getStyler(), yMin, yMax);
    int i = 0;
    for (Map.Entry<String, Map<String, Double>> e : series.entrySet()) {
      List<Double> ys = new ArrayList<>();
      boolean finite = false;
      for (String v : x) {
        Double y = e.getValue().get(v);
        // A missing or undefined figure is a gap in the bars, not a zero.
        ys.add(y == null || !Double.isFinite(y) ? null : y);
        finite |= y != null && Double.isFinite(y);
      }
      if (finite) {
        chart.addSeries(e.getKey(), x, ys).setFillColor(PALETTE[i % PALETTE.length]);
      }
      i++;
    }
    if (!chart.getSeriesMap().isEmpty()) {
      save(chart, file);
    }
    return !chart.getSeriesMap().isEmpty();
  }

  private interface Metric {
    double of(RoundRecord r);
  }

  /** Accuracy and loss against emulated time, each only if some run measured it. */
  private static void timeCharts(List<Run> runs, Map<String, Chart<?, ?>> out) {
    XYChart acc = overTime(runs, "Test accuracy", "test accuracy", RoundRecord::testAccuracy, true);
    if (acc != null) {
      out.put(ACCURACY, acc);
    }
    XYChart loss = overTime(runs, "Training loss", "train loss", RoundRecord::trainLoss, false);
    if (loss != null) {
      out.put(LOSS, loss);
    }
  }

  /**
   * {@code m} against emulated time, one line per run, and a vertical line per run at each emulated
   * instant of a fault and of a deadline drop. The y axis of a {@code fraction} spans the data's
   * tenths within 0..1 (a few rounds' accuracies differ by points, not by the whole interval);
   * otherwise it runs from 0 to above the largest value. Null if no run measured {@code m}.
   */
  private static XYChart overTime(
      List<Run> runs, String title, String yLabel, Metric m, boolean fraction) {
    XYChart chart = xyChart(WIDTH, HEIGHT, title, "emulated time (s)", yLabel);
    double xMax = 0;
    double top = Double.NEGATIVE_INFINITY;
    double bottom = Double.POSITIVE_INFINITY;
    for (Run run : runs) {
      for (RoundRecord r : run.rounds()) {
        xMax = Math.max(xMax, r.emulatedTimeS());
        if (Double.isFinite(m.of(r))) {
          top = Math.max(top, m.of(r));
          bottom = Math.min(bottom, m.of(r));
        }
      }
    }
    if (top == Double.NEGATIVE_INFINITY) {
      return null;
    }
    double yMin = fraction ? Math.max(0, Math.floor(10 * bottom - 0.5) / 10) : 0;
    double hi =
        fraction
            ? Math.min(1, Math.ceil(10 * top + 0.5) / 10)
            : niceCeiling(Math.max(top, 0) * 1.05);
    for (int i = 0; i < runs.size(); i++) {
      Run run = runs.get(i);
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (RoundRecord r : run.rounds()) {
        if (Double.isFinite(m.of(r))) {
          x.add(r.emulatedTimeS());
          y.add(m.of(r));
        }
      }
      if (!x.isEmpty()) {
        style(chart.addSeries(run.name(), x, y), i);
      }
    }
    // Markers after the data, so that they come last in the legend.
    for (double t : markLines(chart, runs, (i, r, e) -> e.emulatedS(), yMin, hi)) {
      xMax = Math.max(xMax, t);
    }
    AxesChartStyler st = chart.getStyler();
    // From time 0, so that a one-round run still has an axis (not one tick at its only point).
    double xHi = niceCeiling(xMax * 1.05);
    st.setXAxisMin(0.0);
    st.setXAxisMax(xHi);
    st.setXAxisDecimalPattern(pattern(xHi, xHi));
    st.setYAxisMin(yMin);
    st.setYAxisMax(hi);
    st.setYAxisDecimalPattern(pattern(hi - yMin, hi));
    return chart;
  }

  /**
   * Every run's latency per round on one y scale, each run's points shifted a little sideways so
   * that equal values stay visible; faults and drops as vertical lines where their instants fall in
   * the round.
   */
  private static XYChart roundLatency(List<Run> runs) {
    String x = runs.size() > 1 ? "round (schemes side by side within a round)" : "round";
    XYChart chart = xyChart(WIDTH, HEIGHT, "Latency per round", x, "round latency (emulated s)");
    int rounds = 1;
    double top = 0;
    for (int i = 0; i < runs.size(); i++) {
      Run run = runs.get(i);
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (RoundRecord r : run.rounds()) {
        xs.add(r.round() + dodge(i, runs.size()));
        ys.add(r.roundLatencyS());
        rounds = Math.max(rounds, r.round());
        top = Math.max(top, r.roundLatencyS());
      }
      if (!xs.isEmpty()) {
        style(chart.addSeries(run.name(), xs, ys), i);
      }
    }
    double hi = niceCeiling(top * 1.1);
    // Round r spans r - 0.5 .. r + 0.5 on this axis: an event sits where its instant falls in its
    // run's round (a fault at a round's start on the boundary before it).
    markLines(
        chart,
        runs,
        (i, run, e) -> {
          for (RoundRecord r : run.rounds()) {
            if (r.round() == e.round()) {
              double start = r.emulatedTimeS() - r.roundLatencyS();
              double f = r.roundLatencyS() > 0 ? (e.emulatedS() - start) / r.roundLatencyS() : 0;
              return r.round() - 0.5 + Math.max(0, Math.min(1, f)) + dodge(i, runs.size());
            }
          }
          return Double.NaN;
        },
        0.0,
        hi);
    AxesChartStyler st = chart.getStyler();
    st.setXAxisMin(0.5);
    st.setXAxisMax(rounds + 0.5);
    // Rounds are whole: XChart spaces the ticks until their labels differ.
    st.setXAxisDecimalPattern("0");
    st.setYAxisMin(0.0);
    st.setYAxisMax(hi);
    st.setYAxisDecimalPattern(pattern(hi, hi));
    return chart;
  }

  /** Run {@code i} of {@code n}'s sideways shift on a round axis. */
  private static double dodge(int i, int n) {
    return n < 2 ? 0 : (i - (n - 1) / 2.0) * Math.min(0.06, 0.3 / (n - 1));
  }

  /** Where an event is drawn on a chart's x axis (NaN: not drawn). */
  private interface Position {
    double of(int i, Run run, MarkedEvents.Mark e);
  }

  /**
   * Draws each run's faults and deadline drops as vertical lines from {@code lo} to {@code hi} in
   * the run's colour (dashed: fault, dotted: drop, solid: recovery), with one black legend entry
   * per kind; returns the x of every line. A kind with more than {@value
   * MarkedEvents#MARKS_PER_ROUND} distinct instants in a round draws that round's earliest ones,
   * and its legend says how many events are not drawn.
   */
  private static List<Double> markLines(
      XYChart chart, List<Run> runs, Position at, double lo, double hi) {
    List<Double> all = new ArrayList<>();
    for (Map.Entry<String, String> k : MARKED.entrySet()) {
      // Dashed: a fault starts; dotted: a device dropped at its deadline; solid: a fault is over.
      BasicStroke stroke =
          switch (k.getKey()) {
            case "fault" -> dashed(1.5f);
            case "deadline" -> dotted(2.0f);
            default -> new BasicStroke(1.0f);
          };
      double first = Double.NaN;
      long notDrawn = 0;
      for (int i = 0; i < runs.size(); i++) {
        Run run = runs.get(i);
        Set<Double> xs = new TreeSet<>();
        notDrawn += run.events().notDrawn(k.getKey());
        for (MarkedEvents.Mark e : run.events().marks(k.getKey())) {
          if (Double.isFinite(e.emulatedS())) {
            double v = at.of(i, run, e);
            if (Double.isFinite(v)) {
              xs.add(v);
            }
          }
        }
        if (xs.isEmpty()) {
          continue;
        }
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (double v : xs) {
          // One vertical segment per instant; NaN breaks the line between them.
          x.addAll(List.of(v, v, v));
          y.addAll(List.of(lo, hi, Double.NaN));
          all.add(v);
        }
        first = Double.isNaN(first) ? xs.iterator().next() : first;
        XYSeries s = chart.addSeries(run.name() + ": " + k.getValue(), x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(PALETTE[i % PALETTE.length]);
        s.setLineStyle(stroke);
        s.setShowInLegend(false);
      }
      if (!Double.isNaN(first)) {
        // The legend's key: a lone point draws nothing (no marker, no segment).
        XYSeries key =
            chart.addSeries(
                k.getValue()
                    + (runs.size() > 1 ? " (in the scheme's colour)" : "")
                    + (notDrawn > 0
                        ? " (the first "
                            + MarkedEvents.MARKS_PER_ROUND
                            + " instants of a round; "
                            + notDrawn
                            + " later events not drawn)"
                        : ""),
                List.of(first),
                List.of(lo));
        key.setMarker(SeriesMarkers.NONE);
        key.setLineColor(Color.BLACK);
        key.setLineStyle(stroke);
      }
    }
    return all;
  }

  /** Each scheme's mean round, its parts stacked, the schemes side by side on one y scale. */
  private static CategoryChart perScheme(List<Run> runs) {
    CategoryChart chart =
        categoryChart(
            WIDTH, HEIGHT, "Mean round latency breakdown", "scheme", "mean per round (emulated s)");
    chart.getStyler().setStacked(true);
    List<String> names = new ArrayList<>();
    List<List<Double>> parts = new ArrayList<>();
    for (int p = 0; p < PARTS.length; p++) {
      parts.add(new ArrayList<>());
    }
    double top = 0;
    List<String> overlapping = new ArrayList<>();
    for (Run run : runs) {
      if (run.rounds().isEmpty()) {
        continue;
      }
      names.add(run.name() + " (" + run.rounds().size() + " rounds)");
      double[] sum = new double[PARTS.length];
      for (RoundRecord r : run.rounds()) {
        double[] v = parts(r);
        for (int p = 0; p < sum.length; p++) {
          sum[p] += v[p];
        }
      }
      double total = 0;
      double latency = 0;
      for (int p = 0; p < sum.length; p++) {
        parts.get(p).add(sum[p] / run.rounds().size());
        total += sum[p] / run.rounds().size();
      }
      for (RoundRecord r : run.rounds()) {
        latency += r.roundLatencyS() / run.rounds().size();
      }
      if (total > 1.01 * latency) {
        overlapping.add(run.name());
      }
      top = Math.max(top, total);
    }
    for (int p = 0; p < PARTS.length; p++) {
      addPart(chart, p, names, parts.get(p));
    }
    if (!overlapping.isEmpty()) {
      // A pipeline's parts overlap in time: its bar is their sum, not its round.
      chart.setXAxisTitle(
          "scheme (the parts of "
              + String.join(", ", overlapping)
              + " overlap in time: the bar is longer than the mean round)");
    }
    int longest = names.stream().mapToInt(String::length).max().orElse(0);
    chart.getStyler().setXAxisLabelRotation(longest * names.size() > 90 ? 30 : 0);
    yPattern(chart.getStyler(), 0, top);
    return chart;
  }

  /** A run's rounds, each one bar of its stacked parts; a fault's or a drop's round says so. */
  private static CategoryChart perRound(Run run) {
    Set<Integer> faults = run.events().rounds("fault");
    Set<Integer> drops = run.events().rounds("deadline");
    boolean marked = !faults.isEmpty() || !drops.isEmpty();
    CategoryChart chart =
        categoryChart(
            WIDTH,
            HEIGHT,
            "Round latency breakdown (" + run.name() + ")",
            marked
                ? "round (fault: a scenario fault began; drop: a device missed the deadline)"
                : "round",
            "round latency (emulated s)");
    chart.getStyler().setStacked(true);
    List<String> x = new ArrayList<>();
    List<List<Double>> parts = new ArrayList<>();
    for (int p = 0; p < PARTS.length; p++) {
      parts.add(new ArrayList<>());
    }
    double top = 0;
    boolean longLabels = false;
    boolean overlap = false;
    for (RoundRecord r : run.rounds()) {
      List<String> what = new ArrayList<>();
      if (faults.contains(r.round())) {
        what.add("fault");
      }
      if (drops.contains(r.round())) {
        what.add("drop");
      }
      String label = r.round() + (what.isEmpty() ? "" : " (" + String.join(", ", what) + ")");
      longLabels |= label.length() > 4;
      x.add(label);
      double[] v = parts(r);
      double total = 0;
      for (int p = 0; p < PARTS.length; p++) {
        parts.get(p).add(v[p]);
        total += v[p];
      }
      top = Math.max(top, total);
      overlap |= total > 1.01 * r.roundLatencyS();
    }
    for (int p = 0; p < PARTS.length; p++) {
      addPart(chart, p, x, parts.get(p));
    }
    if (overlap) {
      // A pipeline's parts overlap in time: a bar is their sum, not its round.
      chart.setTitle(
          chart.getTitle() + "; its parts overlap in time: a bar is longer than its round");
    }
    chart
        .getStyler()
        .setXAxisLabelRotation(x.size() > 20 ? 90 : longLabels && x.size() > 6 ? 45 : 0);
    yPattern(chart.getStyler(), 0, top);
    return chart;
  }

  private static double[] parts(RoundRecord r) {
    return new double[] {
      r.deviceComputeS(), r.serverComputeS(), r.communicationS(), r.aggregationS()
    };
  }

  private static void addPart(CategoryChart chart, int p, List<String> x, List<Double> y) {
    CategorySeries s = chart.addSeries(PARTS[p], x, y);
    s.setFillColor(PALETTE[p]);
  }

  private static XYChart xyChart(int width, int height, String title, String x, String y) {
    XYChart chart =
        new XYChartBuilder()
            .width(width)
            .height(height)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    common(chart.getStyler());
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    return chart;
  }

  private static CategoryChart categoryChart(
      int width, int height, String title, String x, String y) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(width)
            .height(height)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    common(chart.getStyler());
    return chart;
  }

  private static void common(AxesChartStyler st) {
    // Tick labels in one format whatever the JVM's locale (14,000 not 14.000): the same run gives
    // the same images everywhere.
    st.setLocale(java.util.Locale.ROOT);
    st.setLegendPosition(Styler.LegendPosition.OutsideE);
    st.setChartBackgroundColor(Color.WHITE);
    st.setPlotBackgroundColor(Color.WHITE);
    st.setLegendBorderColor(Color.GRAY);
    st.setPlotGridLinesColor(new Color(0xDDDDDD));
    st.setSeriesColors(PALETTE);
    st.setMarkerSize(7);
  }

  /** Series {@code i}'s colour, marker and line style. */
  private static void style(XYSeries s, int i) {
    Color c = PALETTE[i % PALETTE.length];
    s.setLineColor(c);
    s.setMarkerColor(c);
    s.setMarker(MARKERS[i % MARKERS.length]);
    s.setLineStyle(LINES[i % LINES.length]);
  }

  private static BasicStroke dashed(float width) {
    return new BasicStroke(
        width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f);
  }

  private static BasicStroke dotted(float width) {
    return new BasicStroke(
        width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {1f, 5f}, 0f);
  }

  private static void yPattern(AxesChartStyler st, double min, double max) {
    if (Double.isFinite(min) && Double.isFinite(max)) {
      st.setYAxisDecimalPattern(pattern(Math.max(max - Math.min(min, 0), Math.abs(max)), max));
    }
  }

  /**
   * A decimal pattern for ticks over a span {@code span} up to {@code max}: enough decimals to tell
   * about five ticks apart, and no more.
   */
  static String pattern(double span, double max) {
    double s = span > 0 && Double.isFinite(span) ? span : Math.abs(max);
    if (!(s > 0) || !Double.isFinite(s)) {
      return "#,##0.00";
    }
    int decimals = Math.max(0, 1 - (int) Math.floor(StrictMath.log10(s)));
    return decimals == 0 ? "#,##0" : "#,##0." + "0".repeat(Math.min(decimals, 8));
  }

  /**
   * {@code v} rounded up to a round multiple (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8) of a power of
   * ten.
   */
  static double niceCeiling(double v) {
    if (!(v > 0) || !Double.isFinite(v)) {
      return 1.0;
    }
    double p = StrictMath.pow(10, Math.floor(StrictMath.log10(v)));
    for (double f : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (f * p >= v * (1 - 1e-12)) {
        return f * p;
      }
    }
    return 10 * p;
  }

  private static List<Path> save(Path dir, Map<String, Chart<?, ?>> charts) {
    List<Path> written = new ArrayList<>();
    if (!charts.isEmpty()) {
      // A resumed folder may have lost its plots folder: made again rather than failing at the end.
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot create plots folder " + dir + ": " + IoReasons.reason(e, dir), e);
      }
    }
    for (Map.Entry<String, Chart<?, ?>> e : charts.entrySet()) {
      Path p = dir.resolve(e.getKey());
      save(e.getValue(), p);
      written.add(p);
    }
    return written;
  }

  /**
   * Writes {@code chart} as a PNG to {@code file} atomically ({@link CsvTable#writeAtomically}): a
   * kill or a halt while it is written leaves the old file or the new one, never a cut one (before
   * 2026-12-07 the encoder wrote into {@code file} itself, and a second SIGTERM during a compare's
   * plots left a PNG of 43 bytes).
   */
  static void save(Chart<?, ?> chart, Path file) {
    byte[] png;
    try {
      png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write plot " + file + ": " + IoReasons.reason(e, file), e);
    }
    CsvTable.writeAtomically(file, png); // its failure says "cannot write FILE: why"
  }
}
