package io.splitemu.actors.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes the short human-readable {@code report.md} of a run. */
final class Report {

  private static final int HEAD_ROWS = 5;

  private Report() {}

  static void write(
      Path file, Summary s, List<RoundRecord> rounds, int events, Path dir, List<Path> plots) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(s.scenario()).append(" (").append(s.scheme()).append(")\n\n");
    md.append("| figure | value |\n|---|---|\n");
    row(md, "seed", Long.toString(s.seed()));
    row(md, "rounds", Integer.toString(s.rounds()));
    row(md, "emulated time (s)", ResultsWriter.fmt(s.emulatedTimeS()));
    row(md, "wall time (s)", ResultsWriter.fmt(s.wallTimeS()));
    row(md, "final test accuracy", ResultsWriter.fmt(s.finalAccuracy()));
    row(md, "best test accuracy", ResultsWriter.fmt(s.bestAccuracy()));
    row(
        md,
        "emulated time to accuracy " + ResultsWriter.fmt(s.targetAccuracy()) + " (s)",
        ResultsWriter.fmt(s.timeToTargetS()));
    row(md, "device compute (s, summed over rounds)", ResultsWriter.fmt(s.deviceComputeS()));
    row(md, "server compute (s)", ResultsWriter.fmt(s.serverComputeS()));
    row(md, "communication (s)", ResultsWriter.fmt(s.communicationS()));
    row(md, "aggregation (s)", ResultsWriter.fmt(s.aggregationS()));
    row(md, "bytes up / down", s.bytesUp() + " / " + s.bytesDown());
    row(md, "failed participations", Integer.toString(s.failedParticipations()));
    for (Map.Entry<String, Long> e : s.peakModelMemoryBytes().entrySet()) {
      row(md, "peak model memory of " + e.getKey() + " (bytes)", Long.toString(e.getValue()));
    }
    md.append("\n## Rounds\n\n");
    md.append("| round | latency (s) | device | server | comm | aggr | accuracy | loss |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < rounds.size(); i++) {
      if (i == HEAD_ROWS && rounds.size() > 2 * HEAD_ROWS) {
        md.append("| ... | | | | | | | |\n");
        i = rounds.size() - HEAD_ROWS;
      }
      RoundRecord r = rounds.get(i);
      md.append("| ")
          .append(r.round())
          .append(" | ")
          .append(ResultsWriter.fmt(r.roundLatencyS()))
          .append(" | ")
          .append(ResultsWriter.fmt(r.deviceComputeS()))
          .append(" | ")
          .append(ResultsWriter.fmt(r.serverComputeS()))
          .append(" | ")
          .append(ResultsWriter.fmt(r.communicationS()))
          .append(" | ")
          .append(ResultsWriter.fmt(r.aggregationS()))
          .append(" | ")
          .append(ResultsWriter.fmt(r.testAccuracy()))
          .append(" | ")
          .append(ResultsWriter.fmt(r.trainLoss()))
          .append(" |\n");
    }
    md.append("\n").append(events).append(" events in `events.csv`.\n");
    if (!plots.isEmpty()) {
      md.append("\n## Plots\n\n");
      for (Path p : plots) {
        String rel = dir.relativize(p).toString().replace('\\', '/');
        md.append("![").append(p.getFileName()).append("](").append(rel).append(")\n\n");
      }
    }
    try {
      Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void row(StringBuilder md, String k, String v) {
    md.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }
}
