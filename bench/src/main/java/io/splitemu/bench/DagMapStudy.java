package io.splitemu.bench;

import io.splitemu.model.profile.BuiltinProfiles;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.ModelProfiles;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormats;
import io.splitemu.planner.dag.DagMap;
import io.splitemu.planner.dag.DagMap.Cell;
import io.splitemu.planner.dag.SplitRates;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * The DAG map study: prices the min-cut and its baselines over a grid of compute ratio, uplink
 * rate, batch and model (static links) and at the mean rates of the shared traces, and writes
 * {@code dag-map.csv}, {@code dag-map.md} and {@code dag-map.png} to the output folder.
 *
 * <p>Usage: {@code DagMapStudy <data dir> <output dir>}; the data folder holds {@code models/caffe}
 * and {@code traces/mahimahi}.
 */
public final class DagMapStudy {

  /** phi_srv of every grid point (only the ratios to it matter, see {@link DagMap}). */
  static final double SERVER_FLOPS = 1e12;

  static final double[] RATIOS = {1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1};
  static final double[] UPLINKS = {5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8, 2e8, 5e8};
  static final int[] BATCHES = {1, 32, 128};

  /** RD / RU: symmetric, and a downlink ten times the uplink (cellular-like). */
  static final double[] DOWN_OVER_UP = {1, 10};

  /** The mahimahi up/down pairs whose mean rates give the trace rows. */
  static final String[] TRACE_PAIRS = {
    "TMobile-LTE-short",
    "Verizon-LTE-short",
    "ATT-LTE-driving-2016",
    "TMobile-UMTS-driving",
    "Verizon-EVDO-driving"
  };

  private DagMapStudy() {}

  /** The study's models: three Caffe DAGs and two built-in ones. */
  static List<DagProfile> models(Path data) {
    Path caffe = data.resolve("models/caffe");
    return List.of(
        ModelProfiles.load(caffe.resolve("bvlc_googlenet_deploy.prototxt").toString()),
        ModelProfiles.load(caffe.resolve("ResNet-50-deploy.prototxt").toString()),
        ModelProfiles.load(caffe.resolve("DenseNet_121.prototxt").toString()),
        BuiltinProfiles.get(BuiltinProfiles.EFFICIENTNETV2_S),
        BuiltinProfiles.get(BuiltinProfiles.INCEPTION_V3));
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: DagMapStudy <data dir> <output dir>");
      System.exit(2);
    }
    Path data = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    List<DagProfile> models = models(data);
    long start = System.nanoTime();
    List<Cell> cells = new ArrayList<>();
    for (double d : DOWN_OVER_UP) {
      cells.addAll(DagMap.grid(models, SERVER_FLOPS, RATIOS, UPLINKS, d, BATCHES));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, double[]> traces = traceMeans(data.resolve("traces/mahimahi"));
    List<Cell> traceCells = new ArrayList<>();
    for (DagProfile m : models) {
      for (double[] ud : traces.values()) {
        for (double r : RATIOS) {
          traceCells.add(
              DagMap.cell(m, new SplitRates(r * SERVER_FLOPS, SERVER_FLOPS, ud[0], ud[1], 32)));
        }
      }
    }
    writeCsv(out.resolve("dag-map.csv"), cells, traceCells);
    writeMarkdown(out.resolve("dag-map.md"), models, cells, traces, traceCells, seconds);
    writePlot(out.resolve("dag-map.png"), models, cells);
    System.out.printf(
        Locale.ROOT, "%d grid cells in %.1f s; wrote %s%n", cells.size(), seconds, out);
  }

  /** Mean uplink and downlink bit/s of each mahimahi pair, over one pass. */
  static Map<String, double[]> traceMeans(Path dir) throws IOException {
    Map<String, double[]> means = new LinkedHashMap<>();
    for (String p : TRACE_PAIRS) {
      Trace up = TraceFormats.byName("mahimahi").read(dir.resolve(p + ".up"));
      Trace down = TraceFormats.byName("mahimahi").read(dir.resolve(p + ".down"));
      means.put(p, new double[] {up.meanBitsPerSecond(), down.meanBitsPerSecond()});
    }
    return means;
  }

  private static void writeCsv(Path file, List<Cell> cells, List<Cell> traceCells)
      throws IOException {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
      w.println(
          "links,model,ratio,uplink_bps,downlink_bps,batch,mincut_s,blockwise_s,chain_s,"
              + "blockchain_s,regression_s,device_s,server_s,device_layers,crossing,"
              + "gain_vs_chain,gain_vs_blockchain,gain_vs_regression,gain_vs_trivial,"
              + "mincut_ms,blockwise_ms");
      for (Cell c : cells) {
        row(w, "static", c);
      }
      for (Cell c : traceCells) {
        row(w, "trace-mean", c);
      }
    }
  }

  private static void row(PrintWriter w, String links, Cell c) {
    SplitRates r = c.rates();
    w.printf(
        Locale.ROOT,
        "%s,%s,%g,%g,%g,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%d,"
            + "%.5f,%.5f,%.5f,%.5f,%.3f,%.3f%n",
        links,
        c.model(),
        c.ratio(),
        r.uplinkBps(),
        r.downlinkBps(),
        r.batch(),
        c.minCut().costSeconds(),
        c.blockwise().costSeconds(),
        c.chain().costSeconds(),
        c.blockChain().costSeconds(),
        c.regression().costSeconds(),
        c.device().costSeconds(),
        c.server().costSeconds(),
        c.minCut().deviceLayers().size(),
        c.minCut().crossingTensors().size(),
        c.gainVsChain(),
        c.gainVsBlockChain(),
        c.gainVsRegression(),
        c.gainVsTrivial(),
        c.minCut().solveMillis(),
        c.blockwise().solveMillis());
  }

  private static void writeMarkdown(
      Path file,
      List<DagProfile> models,
      List<Cell> cells,
      Map<String, double[]> traces,
      List<Cell> traceCells,
      double seconds)
      throws IOException {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
      w.printf(
          Locale.ROOT,
          "%d static cells (%d models x %d batches x %d ratios x %d uplinks x RD/RU in {1, 10},"
              + " phi_srv = %.0e FLOP/s) in %.1f s.%n%n",
          cells.size(),
          models.size(),
          BATCHES.length,
          RATIOS.length,
          UPLINKS.length,
          SERVER_FLOPS,
          seconds);
      w.println(
          "| model | RD/RU | layers | interior min-cuts | max vs chain | max vs block chain | max"
              + " vs regression | max vs best baseline | cells vs block chain >= 24.62% | min vs"
              + " chain | batch-invariant | blockwise max gap | min-cut ms (median) | blockwise ms"
              + " (median) |");
      w.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
      for (DagProfile m : models) {
        for (double d : DOWN_OVER_UP) {
          List<Cell> mc =
              cells.stream()
                  .filter(c -> c.model().equals(m.name()))
                  .filter(c -> c.rates().downlinkBps() == d * c.rates().uplinkBps())
                  .toList();
          long interior = mc.stream().filter(Cell::interior).count();
          double maxChain = mc.stream().mapToDouble(Cell::gainVsChain).max().orElse(0);
          double minChain = mc.stream().mapToDouble(Cell::gainVsChain).min().orElse(0);
          double maxBlock = mc.stream().mapToDouble(Cell::gainVsBlockChain).max().orElse(0);
          double maxReg = mc.stream().mapToDouble(Cell::gainVsRegression).max().orElse(0);
          double maxBest = mc.stream().mapToDouble(Cell::gainVsBestBaseline).max().orElse(0);
          long claim = mc.stream().filter(c -> c.gainVsBlockChain() >= 0.2462).count();
          double maxGap = mc.stream().mapToDouble(Cell::blockwiseGap).max().orElse(0);
          w.printf(
              Locale.ROOT,
              "| %s | %s | %d | %d / %d | %.2f%% | %.2f%% | %.2f%% | %.2f%% | %d | %.2f%% | %s |"
                  + " %.2f%% | %.3f | %.3f |%n",
              m.name(),
              trim(d),
              m.size(),
              interior,
              mc.size(),
              100 * maxChain,
              100 * maxBlock,
              100 * maxReg,
              100 * maxBest,
              claim,
              100 * minChain,
              batchInvariant(mc) ? "yes" : "no",
              100 * maxGap,
              median(mc, true),
              median(mc, false));
        }
      }
      w.printf(
          Locale.ROOT,
          "%nWhy interior cuts do not pay: the first chain boundary whose tensor, sent up and its"
              + " gradient down (2 x bytes), is smaller than the raw input sent up once, and the"
              + " share of the training FLOPs before it.%n%n| model | input bytes | boundary |"
              + " its bytes | FLOPs before it |%n|---|---|---|---|---|%n");
      for (DagProfile m : models) {
        double total = 0;
        for (var l : m.layers()) {
          total += l.forwardFlops() + l.backwardFlops();
        }
        for (int k : io.splitemu.planner.dag.DagSplitter.chainBoundaries(m)) {
          if (k == 0 || k == m.size()) {
            continue;
          }
          var l = m.layers().get(k - 1);
          if (2 * l.outputBytes() < m.inputBytes()) {
            double before = 0;
            for (int i = 0; i < k; i++) {
              before += m.layers().get(i).forwardFlops() + m.layers().get(i).backwardFlops();
            }
            w.printf(
                Locale.ROOT,
                "| %s | %d | %s | %d | %.1f%% |%n",
                m.name(),
                m.inputBytes(),
                l.name(),
                l.outputBytes(),
                100 * before / total);
            break;
          }
        }
      }
      w.println();
      for (DagProfile m : models) {
        w.printf(
            Locale.ROOT,
            "%n%s, batch 32: reduction vs block chain / vs topological-prefix chain (%%), rows"
                + " phi_dev/phi_srv, columns RU = RD in Mbit/s%n%n",
            m.name());
        w.print("| ratio |");
        for (double u : UPLINKS) {
          w.printf(Locale.ROOT, " %s |", trim(u / 1e6));
        }
        w.println();
        w.print("|---|");
        for (int i = 0; i < UPLINKS.length; i++) {
          w.print("---|");
        }
        w.println();
        for (double r : RATIOS) {
          w.printf(Locale.ROOT, "| %s |", trim(r));
          for (double u : UPLINKS) {
            Cell c = find(cells, m.name(), r, u, u, 32);
            w.printf(
                Locale.ROOT, " %.1f / %.1f |", 100 * c.gainVsBlockChain(), 100 * c.gainVsChain());
          }
          w.println();
        }
      }
      w.printf(Locale.ROOT, "%nTrace mean rates (batch 32): ");
      traces.forEach(
          (k, v) -> w.printf(Locale.ROOT, "%s %.2f/%.2f Mbit/s; ", k, v[0] / 1e6, v[1] / 1e6));
      w.printf(
          Locale.ROOT,
          "%n%n| model | trace | ratio | vs chain | vs block chain | vs regression | vs trivial |"
              + " min-cut device layers |%n|---|---|---|---|---|---|---|---|%n");
      for (Cell c : traceCells) {
        String trace =
            traces.entrySet().stream()
                .filter(e -> e.getValue()[0] == c.rates().uplinkBps())
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse("?");
        w.printf(
            Locale.ROOT,
            "| %s | %s | %s | %.2f%% | %.2f%% | %.2f%% | %.2f%% | %d |%n",
            c.model(),
            trace,
            trim(c.ratio()),
            100 * c.gainVsChain(),
            100 * c.gainVsBlockChain(),
            100 * c.gainVsRegression(),
            100 * c.gainVsTrivial(),
            c.minCut().deviceLayers().size());
      }
    }
  }

  private static boolean batchInvariant(List<Cell> mc) {
    for (Cell c : mc) {
      Cell ref =
          find(
              mc, c.model(), c.ratio(), c.rates().uplinkBps(), c.rates().downlinkBps(), BATCHES[0]);
      if (Math.abs(ref.gainVsChain() - c.gainVsChain()) > 1e-9
          || Math.abs(ref.gainVsBlockChain() - c.gainVsBlockChain()) > 1e-9) {
        return false;
      }
    }
    return true;
  }

  private static double median(List<Cell> mc, boolean full) {
    double[] v =
        mc.stream()
            .mapToDouble(c -> full ? c.minCut().solveMillis() : c.blockwise().solveMillis())
            .sorted()
            .toArray();
    return v[v.length / 2];
  }

  private static Cell find(
      List<Cell> cells, String model, double ratio, double up, double down, int batch) {
    for (Cell c : cells) {
      if (c.model().equals(model)
          && c.ratio() == ratio
          && c.rates().uplinkBps() == up
          && c.rates().downlinkBps() == down
          && c.rates().batch() == batch) {
        return c;
      }
    }
    throw new IllegalStateException("no cell " + model + " " + ratio + " " + up + " " + batch);
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.4g", v);
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  /**
   * One heat map per model and metric: the reduction against the regression-based cut on top,
   * against the best chain cut (the better of the block and topological-prefix chains) below.
   */
  private static void writePlot(Path file, List<DagProfile> models, List<Cell> cells)
      throws IOException {
    int w = 420;
    int h = 360;
    BufferedImage all = new BufferedImage(w * models.size(), 2 * h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = all.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, all.getWidth(), all.getHeight());
    for (int row = 0; row < 2; row++) {
      for (int i = 0; i < models.size(); i++) {
        String m = models.get(i).name();
        HeatMapChart chart =
            new HeatMapChartBuilder()
                .width(w)
                .height(h)
                .title(m + (row == 0 ? ": vs regression cut (%)" : ": vs best chain cut (%)"))
                .xAxisTitle("RU = RD (Mbit/s)")
                .yAxisTitle("phi_dev / phi_srv")
                .build();
        chart.getStyler().setRangeColors(new Color[] {Color.WHITE, Color.ORANGE, Color.RED});
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(100);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setLegendVisible(false);
        List<String> xs = new ArrayList<>();
        for (double u : UPLINKS) {
          xs.add(trim(u / 1e6));
        }
        List<String> ys = new ArrayList<>();
        for (double r : RATIOS) {
          ys.add(trim(r));
        }
        List<Number[]> heat = new ArrayList<>();
        for (int x = 0; x < UPLINKS.length; x++) {
          for (int y = 0; y < RATIOS.length; y++) {
            Cell c = find(cells, m, RATIOS[y], UPLINKS[x], UPLINKS[x], 32);
            double v =
                row == 0 ? c.gainVsRegression() : Math.min(c.gainVsBlockChain(), c.gainVsChain());
            heat.add(new Number[] {x, y, Math.round(1000 * v) / 10.0});
          }
        }
        chart.addSeries("gain", xs, ys, heat);
        g.drawImage(BitmapEncoder.getBufferedImage(chart), i * w, row * h, null);
      }
    }
    g.dispose();
    ImageIO.write(all, "png", file.toFile());
  }
}
