package io.splitemu.actors.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * PNG plots of a run or a comparison: accuracy and loss against emulated time, and the per-round
 * latency breakdown.
 */
public final class Plots {

  private static final int WIDTH = 900;
  private static final int HEIGHT = 540;

  static {
    // Plots are written on servers and in CI, which have no display.
    System.setProperty("java.awt.headless", "true");
  }

  private Plots() {}

  /**
   * Writes {@code accuracy.png}, {@code loss.png} and one {@code latency-breakdown[-scheme].png}
   * per series into {@code dir}; returns the files written. Series without any measured accuracy
   * (timing runs) produce no accuracy or loss plot.
   */
  public static List<Path> write(Path dir, Map<String, List<RoundRecord>> series) {
    List<Path> written = new ArrayList<>();
    Path acc = dir.resolve("accuracy.png");
    if (xy(acc, "Test accuracy", "test accuracy", series, RoundRecord::testAccuracy)) {
      written.add(acc);
    }
    Path loss = dir.resolve("loss.png");
    if (xy(loss, "Training loss", "train loss", series, RoundRecord::trainLoss)) {
      written.add(loss);
    }
    for (Map.Entry<String, List<RoundRecord>> e : series.entrySet()) {
      String name =
          series.size() == 1
              ? "latency-breakdown.png"
              : "latency-breakdown-" + e.getKey().replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
      Path p = dir.resolve(name);
      if (breakdown(p, e.getKey(), e.getValue())) {
        written.add(p);
      }
    }
    return written;
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
    // Many series: a taller chart, so that the legend beside it stays readable.
    int height = Math.max(HEIGHT, 120 + 20 * series.size());
    int width = series.size() > 12 ? WIDTH + 500 : WIDTH;
    if (numeric) {
      XYChart chart =
          new XYChartBuilder()
              .width(width)
              .height(height)
              .title(title)
              .xAxisTitle(xLabel)
              .yAxisTitle(yLabel)
              .build();
      chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
      chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      chart.getStyler().setXAxisLogarithmic(min > 0 && max / min >= 100);
      boolean any = false;
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
          chart.addSeries(e.getKey(), xs, ys);
          any = true;
        }
      }
      if (any) {
        save(chart, file);
      }
      return any;
    }
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(width)
            .height(height)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    int longest = x.stream().mapToInt(String::length).max().orElse(0);
    chart.getStyler().setXAxisLabelRotation(x.size() > 6 || longest * x.size() > 60 ? 45 : 0);
    boolean any = false;
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
        chart.addSeries(e.getKey(), x, ys);
        any = true;
      }
    }
    if (any) {
      save(chart, file);
    }
    return any;
  }

  private interface Metric {
    double of(RoundRecord r);
  }

  private static boolean xy(
      Path file, String title, String yLabel, Map<String, List<RoundRecord>> series, Metric m) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("emulated time (s)")
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    boolean any = false;
    for (Map.Entry<String, List<RoundRecord>> e : series.entrySet()) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (RoundRecord r : e.getValue()) {
        double v = m.of(r);
        if (!Double.isNaN(v)) {
          x.add(r.emulatedTimeS());
          y.add(v);
        }
      }
      if (!x.isEmpty()) {
        chart.addSeries(e.getKey(), x, y);
        any = true;
      }
    }
    if (any) {
      save(chart, file);
    }
    return any;
  }

  private static boolean breakdown(Path file, String scheme, List<RoundRecord> rounds) {
    if (rounds.isEmpty()) {
      return false;
    }
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Round latency breakdown (" + scheme + ")")
            .xAxisTitle("round")
            .yAxisTitle("emulated seconds")
            .build();
    chart.getStyler().setStacked(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setXAxisLabelRotation(rounds.size() > 20 ? 90 : 0);
    List<Integer> x = new ArrayList<>();
    List<Double> dev = new ArrayList<>();
    List<Double> srv = new ArrayList<>();
    List<Double> comm = new ArrayList<>();
    List<Double> agg = new ArrayList<>();
    for (RoundRecord r : rounds) {
      x.add(r.round());
      dev.add(r.deviceComputeS());
      srv.add(r.serverComputeS());
      comm.add(r.communicationS());
      agg.add(r.aggregationS());
    }
    chart.addSeries("device compute", x, dev);
    chart.addSeries("server compute", x, srv);
    chart.addSeries("communication", x, comm);
    chart.addSeries("aggregation", x, agg);
    save(chart, file);
    return true;
  }

  private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
    try {
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write plot " + file + ": " + e.getMessage(), e);
    }
  }
}
