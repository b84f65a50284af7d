package io.splitemu.actors.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the comparison of several schemes run on the same scenario and seed: {@code
 * comparison.csv}, {@code comparison.md} and plots with one series per scheme.
 */
public final class Comparison {

  /** One scheme's run. */
  public record Entry(Summary summary, List<RoundRecord> rounds, Path dir) {}

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
          "wall_time_s");

  private Comparison() {}

  /** Writes the comparison into {@code dir}; returns the markdown table. */
  public static String write(Path dir, String scenario, List<Entry> entries) {
    Path csv = dir.resolve("comparison.csv");
    try (CsvTable t = CsvTable.create(csv, HEADER)) {
      for (Entry e : entries) {
        Summary s = e.summary();
        t.append(
            List.of(
                s.scheme(),
                s.rounds(),
                s.emulatedTimeS(),
                s.rounds() == 0 ? Double.NaN : s.emulatedTimeS() / s.rounds(),
                s.deviceComputeS(),
                s.serverComputeS(),
                s.communicationS(),
                s.aggregationS(),
                s.bytesUp(),
                s.bytesDown(),
                s.finalAccuracy(),
                s.bestAccuracy(),
                s.timeToTargetS(),
                s.wallTimeS()));
      }
    }
    Map<String, List<RoundRecord>> series = new LinkedHashMap<>();
    for (Entry e : entries) {
      series.put(e.summary().scheme(), e.rounds());
    }
    try {
      Files.createDirectories(dir.resolve("plots"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir.resolve("plots"), e);
    }
    List<Path> plots = Plots.write(dir.resolve("plots"), series);
    StringBuilder md = new StringBuilder();
    md.append("| scheme | rounds | emulated time (s) | mean round (s) | final accuracy |")
        .append(" time to target (s) | bytes up | bytes down |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    for (Entry e : entries) {
      Summary s = e.summary();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %s | %s | %s | %d | %d |%n",
              s.scheme(),
              s.rounds(),
              ResultsWriter.fmt(s.emulatedTimeS()),
              ResultsWriter.fmt(s.rounds() == 0 ? Double.NaN : s.emulatedTimeS() / s.rounds()),
              ResultsWriter.fmt(s.finalAccuracy()),
              ResultsWriter.fmt(s.timeToTargetS()),
              s.bytesUp(),
              s.bytesDown()));
    }
    String table = md.toString();
    StringBuilder doc = new StringBuilder();
    doc.append("# ").append(scenario).append(": scheme comparison\n\n");
    doc.append("Same devices, data, links and seed for every scheme.\n\n").append(table);
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
    doc.append("\n").append(String.join("\n", links)).append("\n\n");
    for (Path p : plots) {
      doc.append("![")
          .append(p.getFileName())
          .append("](")
          .append(dir.relativize(p).toString().replace('\\', '/'))
          .append(")\n\n");
    }
    try {
      Files.writeString(dir.resolve("comparison.md"), doc.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write comparison.md", e);
    }
    return table;
  }
}
