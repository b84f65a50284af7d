package io.splitemu.actors.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the comparison of several schemes run on the same scenario and seed: {@code
 * comparison.csv}, {@code comparison.md} and plots with one series per scheme.
 */
public final class Comparison {

  /**
   * One scheme's run.
   *
   * @param pricePerHour what the run's compute nodes cost per hour (MP-SL's {@code mpsl.nodes}),
   *     NaN where the scenario prices none
   * @param model the model the scheme ran ("" where unknown): schemes read it from different keys
   *     ({@code model.name}, {@code mpsl.model}, {@code dag.profile}), so a comparison can hold
   *     different models
   * @param modelKey the scenario key {@code model} comes from ("" where unknown)
   * @param stoppedAfterRound the round after which SIGTERM stopped the run, -1 if it ran to its end
   */
  public record Entry(
      Summary summary,
      List<RoundRecord> rounds,
      Path dir,
      double pricePerHour,
      String model,
      String modelKey,
      int stoppedAfterRound) {

    /** The rows are kept {@link RoundRecord#compacted}: a comparison holds every scheme's. */
    public Entry {
      rounds = List.copyOf(RoundRecord.compacted(rounds));
    }

    /** A run to its end whose nodes have no price and whose model is not named. */
    public Entry(Summary summary, List<RoundRecord> rounds, Path dir) {
      this(summary, rounds, dir, Double.NaN);
    }

    /** A run to its end whose model is not named. */
    public Entry(Summary summary, List<RoundRecord> rounds, Path dir, double pricePerHour) {
      this(summary, rounds, dir, pricePerHour, "", "", -1);
    }

    /** Whether SIGTERM stopped the run before its last round. */
    public boolean stopped() {
      return stoppedAfterRound >= 0;
    }

    /**
     * The mean of the recorded rounds' {@code round_latency_s} (epochs' for MP-SL), as the
     * round-latency plot shows it; NaN without rounds. A crash's downtime and the rounds it made
     * the run redo are not in it (they are in the emulated time); the recorded rounds are the ones
     * the run kept.
     */
    public double meanRoundLatencyS() {
      double sum = 0;
      for (RoundRecord r : rounds) {
        sum += r.roundLatencyS();
      }
      return rounds.isEmpty() ? Double.NaN : sum / rounds.size();
    }

    /**
     * What one round (epoch) costs at {@link #pricePerHour}: {@link #meanRoundLatencyS} / 3600 x
     * the price; NaN where unpriced.
     */
    public double costPerRound() {
      return meanRoundLatencyS() / 3600 * pricePerHour;
    }
  }

  /** The CSV header. */
  public static final List<String> HEADER =
      List.of(
          "scheme",
          "rounds",
          "emulated_time_s",
          "mean_round_latency_s",
          "device_compute_s",
          "server_compute_s",
          "communication_s",
          "aggregation_s",
          "bytes_up",
          "bytes_down",
          "final_accuracy",
          "best_accuracy",
          "time_to_target_s",
          "price_per_hour",
          "cost_per_epoch",
          "wall_time_s",
          "model",
          "stopped_after_round");

  /** The columns of {@link #HEADER} that are not figures: names and marks. */
  public static final java.util.Set<String> TEXT_COLUMNS =
      java.util.Set.of("scheme", "model", "stopped_after_round");

  /** The figure columns of {@link #HEADER} (numbers a sweep can plot), in order. */
  public static List<String> figures() {
    return HEADER.stream().filter(h -> !TEXT_COLUMNS.contains(h)).toList();
  }

  /** What the table's units mean, under it in {@code comparison.md}. */
  static final String UNITS_NOTE =
      "Mean round: the mean of the recorded rounds' latency (round_latency_s), without a crash's"
          + " downtime or redone rounds, which the emulated time includes; cost per epoch prices"
          + " it. Bytes in SI units (1 MB = 10^6 bytes); comparison.csv has every figure raw, in"
          + " bytes and seconds.";

  private Comparison() {}

  /** One CSV row of {@code e}, in the order of {@link #HEADER}. */
  public static List<Object> row(Entry e) {
    Summary s = e.summary();
    return java.util.Arrays.asList(
        s.scheme(),
        s.rounds(),
        s.emulatedTimeS(),
        e.meanRoundLatencyS(),
        s.deviceComputeS(),
        s.serverComputeS(),
        s.communicationS(),
        s.aggregationS(),
        s.bytesUp(),
        s.bytesDown(),
        s.finalAccuracy(),
        s.bestAccuracy(),
        s.timeToTargetS(),
        e.pricePerHour(),
        e.costPerRound(),
        s.wallTimeS(),
        e.model(),
        e.stopped() ? (Object) e.stoppedAfterRound() : null);
  }

  /**
   * A scheme's model and the scenario key it comes from ("" where unknown).
   *
   * @param scheme the scheme
   * @param model the model's name
   * @param key the key it comes from
   */
  public record ModelOf(String scheme, String model, String key) {}

  private static List<ModelOf> modelsOf(List<Entry> entries) {
    return entries.stream()
        .map(e -> new ModelOf(e.summary().scheme(), e.model(), e.modelKey()))
        .toList();
  }

  /**
   * Whether the entries ran different models (a scheme whose model is unknown is left out): then
   * their figures compare different workloads, not only the schemes.
   */
  public static boolean modelsDiffer(List<Entry> entries) {
    return differ(modelsOf(entries));
  }

  /** Whether {@code models} name more than one model (unknown ones left out). */
  public static boolean differ(List<ModelOf> models) {
    return models.stream().map(ModelOf::model).filter(m -> !m.isEmpty()).distinct().count() > 1;
  }

  /**
   * Each scheme's model and the key it comes from, as in {@code psl lenet5 (model.name), mpsl vgg19
   * (mpsl.model)}.
   */
  public static String models(List<Entry> entries) {
    return describe(modelsOf(entries));
  }

  /** {@code models} as {@link #models(List)} words them. */
  public static String describe(List<ModelOf> models) {
    List<String> parts = new ArrayList<>();
    for (ModelOf m : models) {
      parts.add(
          m.scheme()
              + " "
              + (m.model().isEmpty() ? "?" : m.model())
              + (m.key().isEmpty() ? "" : " (" + m.key() + ")"));
    }
    return String.join(", ", parts);
  }

  /** The one line (after {@code splitemu: }) {@code compare} warns with when models differ. */
  public static String modelWarning(List<ModelOf> models) {
    return "warning: the schemes run different models: "
        + describe(models)
        + "; the comparison is of different workloads, not of the schemes alone";
  }

  /**
   * The markdown table for a person: durations as seconds, minutes and hours ({@link
   * Units#seconds}), bytes in SI units ({@link Units#bytes}); cells padded to their column's width
   * so that the table reads as one on the console too, figures aligned to the right.
   */
  public static String table(List<Entry> entries) {
    return table(entries, List.of());
  }

  /**
   * As {@link #table(List)}, with a row for each of {@code failed} after the runs': its scheme and
   * model, {@code failed} for its rounds, its figures empty.
   */
  public static String table(List<Entry> entries, List<Failure> failed) {
    boolean priced = entries.stream().anyMatch(e -> !Double.isNaN(e.pricePerHour()));
    List<String> header =
        new ArrayList<>(
            List.of(
                "scheme",
                "model",
                "rounds",
                "emulated time",
                "mean round",
                "final accuracy",
                "time to target",
                "bytes up",
                "bytes down"));
    if (priced) {
      header.add("cost per epoch");
    }
    List<List<String>> rows = new ArrayList<>();
    for (Entry e : entries) {
      Summary s = e.summary();
      List<String> row =
          new ArrayList<>(
              List.of(
                  e.stopped() ? s.scheme() + " (stopped)" : s.scheme(),
                  e.model().isEmpty() ? "?" : e.model(),
                  Integer.toString(s.rounds()),
                  Units.seconds(s.emulatedTimeS()),
                  Units.seconds(e.meanRoundLatencyS()),
                  ResultsWriter.fmt(s.finalAccuracy()),
                  Units.seconds(s.timeToTargetS()),
                  Units.bytes(s.bytesUp()),
                  Units.bytes(s.bytesDown())));
      if (priced) {
        row.add(ResultsWriter.fmt(e.costPerRound()));
      }
      rows.add(row);
    }
    for (Failure f : failed) {
      List<String> row = new ArrayList<>();
      row.add(f.scheme());
      row.add(f.model().isEmpty() ? "?" : f.model());
      row.add("failed");
      while (row.size() < header.size()) {
        row.add("");
      }
      rows.add(row);
    }
    int[] width = new int[header.size()];
    for (int c = 0; c < width.length; c++) {
      width[c] = Math.max(3, header.get(c).length());
      for (List<String> row : rows) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    StringBuilder md = new StringBuilder();
    line(md, header, width);
    StringBuilder rule = new StringBuilder("|");
    for (int c = 0; c < width.length; c++) {
      // The scheme and its model read from the left; every figure is aligned on its units to the
      // right.
      rule.append(c < TEXT_CELLS ? "-".repeat(width[c] + 2) : "-".repeat(width[c] + 1) + ":")
          .append("|");
    }
    md.append(rule).append("\n");
    for (List<String> row : rows) {
      line(md, row, width);
    }
    return md.toString();
  }

  /** The table's leading text columns (scheme, model), aligned to the left. */
  private static final int TEXT_CELLS = 2;

  private static void line(StringBuilder md, List<String> cells, int[] width) {
    md.append("|");
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      String pad = " ".repeat(width[c] - cell.length());
      md.append(' ').append(c < TEXT_CELLS ? cell + pad : pad + cell).append(" |");
    }
    md.append("\n");
  }

  /** Writes the comparison and its plots into {@code dir}; returns the markdown table. */
  public static String write(Path dir, String scenario, List<Entry> entries) {
    return write(dir, scenario, entries, true);
  }

  /**
   * Writes the comparison into {@code dir}, with the plots if {@code plots}; returns the markdown
   * table.
   */
  public static String write(Path dir, String scenario, List<Entry> entries, boolean plots) {
    return write(dir, scenario, entries, plots, List.of());
  }

  /**
   * Writes the comparison into {@code dir}, with the plots if {@code plots}, of a compare that
   * SIGTERM stopped before the schemes {@code notRun} ran (empty: none); returns the markdown
   * table.
   */
  public static String write(
      Path dir, String scenario, List<Entry> entries, boolean plots, List<String> notRun) {
    return write(dir, scenario, entries, plots, notRun, List.of(), List.of());
  }

  /**
   * A scheme that refused the scenario (or a sweep's point), and why: it has no run, so no row.
   *
   * @param scheme the scheme
   * @param why the refusal's reason
   */
  public record Refusal(String scheme, String why) {}

  /**
   * A scheme whose run failed (a diverged model, an actor's failure) in a compare with {@code
   * --keep-refused}: it has no summary, so no row in {@code comparison.csv}; {@code comparison.md}
   * has a row {@code failed} and a line with the reason.
   *
   * @param scheme the scheme
   * @param model the model it ran ("" where unknown)
   * @param why the failure's one line
   * @param dir the run's folder, which keeps the rounds it recorded
   */
  public record Failure(String scheme, String model, String why, Path dir) {
    public Failure {
      why = oneLine(why);
    }
  }

  /** {@code text} on one line: its line breaks as spaces. */
  public static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  /**
   * As {@link #write(Path, String, List, boolean, List)}, with the schemes that refused ({@code
   * refused}: empty for none) named in {@code comparison.md} ({@code Refused: scheme (why)}), and
   * the schemes whose run failed ({@code failed}: empty for none), each a row of its table whose
   * rounds read {@code failed} and a line under it ({@code psl failed: why; ...}); {@code
   * comparison.csv} keeps its rows for the schemes that finished.
   */
  public static String write(
      Path dir,
      String scenario,
      List<Entry> entries,
      boolean plots,
      List<String> notRun,
      List<Refusal> refused,
      List<Failure> failed) {
    // Each file atomically (a temporary file, then renamed): a kill leaves none rather than a part.
    List<List<Object>> csv = new ArrayList<>();
    for (Entry e : entries) {
      csv.add(row(e));
    }
    CsvTable.writeAll(dir.resolve("comparison.csv"), HEADER, csv);
    List<Path> written = List.of();
    if (plots) {
      try {
        Files.createDirectories(dir.resolve("plots"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + dir.resolve("plots"), e);
      }
      List<Plots.Run> runs = new ArrayList<>();
      for (Entry e : entries) {
        runs.add(new Plots.Run(e.summary().scheme(), e.rounds(), Plots.events(e.dir())));
      }
      written = Plots.writeComparison(dir.resolve("plots"), runs);
    }
    String table = table(entries, failed);
    StringBuilder doc = new StringBuilder();
    doc.append("# ").append(scenario).append(": scheme comparison\n\n");
    if (modelsDiffer(entries)) {
      doc.append("**Not the same model for every scheme**: ")
          .append(models(entries))
          .append(". These keys are apart, so the figures below compare different workloads, not")
          .append(" the schemes alone. Same devices, data, links and seed otherwise.\n\n");
    } else {
      doc.append("Same devices, data, links, seed and model for every scheme.\n\n");
    }
    doc.append(table);
    for (Entry e : entries) {
      if (e.stopped()) {
        doc.append("\n")
            .append(e.summary().scheme())
            .append(" was stopped by SIGTERM after round ")
            .append(e.stoppedAfterRound())
            .append(": its figures cover those rounds only.\n");
      }
    }
    for (Failure f : failed) {
      String rows = dir.relativize(f.dir().resolve("rounds.csv")).toString().replace('\\', '/');
      doc.append("\n")
          .append(f.scheme())
          .append(" failed: ")
          .append(f.why())
          .append(" (the rounds it recorded are in [")
          .append(rows)
          .append("](")
          .append(rows)
          .append(")).\n");
    }
    if (!notRun.isEmpty()) {
      doc.append("\nNot run (the compare was stopped by SIGTERM before them): ")
          .append(String.join(", ", notRun))
          .append(".\n");
    }
    if (!refused.isEmpty()) {
      List<String> named = new ArrayList<>();
      for (Refusal r : refused) {
        named.add(r.scheme() + " (" + r.why() + ")");
      }
      doc.append("\nRefused: ").append(String.join("; ", named)).append("\n");
    }
    List<String> links = new ArrayList<>();
    for (Entry e : entries) {
      links.add(
          "- "
              + e.summary().scheme()
              + ": ["
              + dir.relativize(e.dir())
              + "/report.md]("
              + dir.relativize(e.dir())
              + "/report.md)");
    }
    doc.append("\n").append(UNITS_NOTE).append("\n");
    doc.append("\n").append(String.join("\n", links)).append("\n\n");
    for (Path p : written) {
      doc.append("![")
          .append(p.getFileName())
          .append("](")
          .append(dir.relativize(p).toString().replace('\\', '/'))
          .append(")\n\n");
    }
    CsvTable.writeAtomically(dir.resolve("comparison.md"), doc.toString());
    return table;
  }
}
