package io.splitemu.actors.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Writes the short human-readable {@code report.md} of a run. */
final class Report {

  /**
   * What the report shows of a finished run.
   *
   * @param devices its {@code devices.csv} rows
   * @param events its {@code events.csv} rows
   * @param memoryByCut each cut of the {@code cut} column, in order of first use, to each node's
   *     model bytes at that cut (empty where they cannot be told from the cut)
   */
  record Run(
      Summary summary,
      List<RoundRecord> rounds,
      List<DeviceRecord> devices,
      List<EventRecord> events,
      Map<String, Map<String, Long>> memoryByCut) {}

  private static final int HEAD_ROWS = 5;

  private Report() {}

  static void write(Path file, Run run, Path dir, List<Path> plots) {
    Summary s = run.summary();
    List<RoundRecord> rounds = run.rounds();
    StringBuilder md = new StringBuilder();
    md.append("# ").append(s.scenario()).append(" (").append(s.scheme()).append(")\n\n");
    md.append("| figure | value |\n|---|---|\n");
    row(md, "seed", Long.toString(s.seed()));
    row(md, "rounds", Integer.toString(s.rounds()));
    row(md, "emulated time (s)", num(s.emulatedTimeS()));
    row(md, "wall time (s)", num(s.wallTimeS()));
    row(md, "final test accuracy", num(s.finalAccuracy()));
    row(md, "best test accuracy", num(s.bestAccuracy()));
    row(
        md,
        "emulated time to accuracy " + num(s.targetAccuracy()) + " (s)",
        num(s.timeToTargetS()));
    row(md, "device compute (s, summed over rounds)", num(s.deviceComputeS()));
    row(md, "server compute (s)", num(s.serverComputeS()));
    row(md, "communication (s)", num(s.communicationS()));
    row(md, "aggregation (s)", num(s.aggregationS()));
    row(md, "bytes up / down", bytes(s.bytesUp()) + " / " + bytes(s.bytesDown()));
    row(md, "failed participations", Integer.toString(s.failedParticipations()));
    md.append("\n## Rounds\n\n");
    md.append(
        "| round | cut | clusters | participants | failed | latency (s) | device | server | comm"
            + " | aggr | accuracy | loss |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < rounds.size(); i++) {
      if (i == HEAD_ROWS && rounds.size() > 2 * HEAD_ROWS) {
        md.append("| ... | | | | | | | | | | | |\n");
        i = rounds.size() - HEAD_ROWS;
      }
      RoundRecord r = rounds.get(i);
      md.append("| ")
          .append(r.round())
          .append(" | ")
          .append(r.cut().isEmpty() ? "-" : r.cut())
          .append(" | ")
          .append(r.clusters())
          .append(" | ")
          .append(r.participants())
          .append(" | ")
          .append(r.failed())
          .append(" | ")
          .append(num(r.roundLatencyS()))
          .append(" | ")
          .append(num(r.deviceComputeS()))
          .append(" | ")
          .append(num(r.serverComputeS()))
          .append(" | ")
          .append(num(r.communicationS()))
          .append(" | ")
          .append(num(r.aggregationS()))
          .append(" | ")
          .append(num(r.testAccuracy()))
          .append(" | ")
          .append(num(r.trainLoss()))
          .append(" |\n");
    }
    inForce(md, run);
    memory(md, run);
    md.append("\n").append(run.events().size()).append(" events in `events.csv`");
    Map<String, Integer> kinds = new TreeMap<>();
    run.events().forEach(e -> kinds.merge(e.kind(), 1, Integer::sum));
    if (!kinds.isEmpty()) {
      List<String> parts = new ArrayList<>();
      kinds.forEach((k, n) -> parts.add(n + " " + k));
      md.append(" (").append(String.join(", ", parts)).append(")");
    }
    md.append(".\n");
    for (EventRecord e : run.events()) {
      if (e.kind().equals("fault") || e.kind().equals("deadline")) {
        md.append("- ")
            .append(e.kind())
            .append(" at ")
            .append(num(e.emulatedS()))
            .append(" s (round ")
            .append(e.round())
            .append("), ")
            .append(e.subject())
            .append(": ")
            .append(e.detail())
            .append("\n");
      }
    }
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

  /**
   * What was in force each round: cut, clusters and, from the device rows, each cluster's members
   * with their shares; consecutive rounds alike share one row, so every round is covered.
   */
  private static void inForce(StringBuilder md, Run run) {
    Map<Integer, List<DeviceRecord>> byRound = new LinkedHashMap<>();
    boolean shares = false;
    boolean several = false;
    for (DeviceRecord d : run.devices()) {
      byRound.computeIfAbsent(d.round(), k -> new ArrayList<>()).add(d);
      shares |= Double.isFinite(d.share());
      several |= d.cluster() != 0;
    }
    boolean members = shares || several;
    md.append("\n## In force each round\n\n");
    md.append("| rounds | cut | clusters |");
    md.append(members ? " members (device" + (shares ? " share" : "") + ") |\n" : "\n");
    md.append(members ? "|---|---|---|---|\n" : "|---|---|---|\n");
    int from = -1;
    int to = -1;
    List<String> last = null;
    for (RoundRecord r : run.rounds()) {
      List<String> now =
          List.of(
              r.cut().isEmpty() ? "-" : r.cut(),
              Integer.toString(r.clusters()),
              members ? members(byRound.getOrDefault(r.round(), List.of()), shares) : "");
      if (now.equals(last)) {
        to = r.round();
        continue;
      }
      if (last != null) {
        inForceRow(md, from, to, last, members);
      }
      from = r.round();
      to = r.round();
      last = now;
    }
    if (last != null) {
      inForceRow(md, from, to, last, members);
    }
    if (members) {
      md.append(
          "\nMembers: `cN:` opens cluster N (clusters run in turn, a cluster's devices in"
              + " parallel); `dN` is device N");
      md.append(shares ? " with the share of the contended resource it was allotted" : "");
      md.append("; `missed` marks a device that did not complete the round.\n");
    }
  }

  private static void inForceRow(
      StringBuilder md, int from, int to, List<String> cells, boolean members) {
    md.append("| ")
        .append(from == to ? Integer.toString(from) : from + "-" + to)
        .append(" | ")
        .append(cells.get(0))
        .append(" | ")
        .append(cells.get(1))
        .append(" |");
    md.append(members ? " " + cells.get(2) + " |\n" : "\n");
  }

  /** A round's clusters and their devices (with shares), such as {@code c0: d1 0.25, d3 0.75}. */
  private static String members(List<DeviceRecord> rows, boolean shares) {
    Map<Integer, List<String>> clusters = new TreeMap<>();
    for (DeviceRecord d : rows) {
      String m = "d" + d.device();
      if (!d.completed()) {
        m += " missed";
      } else if (shares && Double.isFinite(d.share())) {
        m += " " + String.format(Locale.ROOT, "%.3g", d.share());
      }
      clusters.computeIfAbsent(d.cluster(), k -> new ArrayList<>()).add(m);
    }
    List<String> out = new ArrayList<>();
    clusters.forEach((c, ds) -> out.add("c" + c + ": " + String.join(", ", ds)));
    return out.isEmpty() ? "-" : String.join("; ", out);
  }

  /** Per-node peak model memory and, where the cut tells it, each node's bytes at each cut. */
  private static void memory(StringBuilder md, Run run) {
    Map<String, Long> peaks = run.summary().peakModelMemoryBytes();
    md.append("\n## Model memory per node\n\n");
    if (peaks.isEmpty()) {
      md.append(
          "The run reports no per-node model memory: this scheme's slices differ per device and"
              + " round (`devices.csv`'s cut column gives each device's cut).\n");
      return;
    }
    Map<String, Map<String, Long>> byCut = new LinkedHashMap<>();
    Set<String> nodes = new LinkedHashSet<>();
    run.memoryByCut()
        .forEach(
            (cut, m) -> {
              if (!m.isEmpty()) {
                byCut.put(cut, m);
                nodes.addAll(new TreeMap<>(m).keySet());
              }
            });
    md.append("| node | peak model memory | from |\n|---|---|---|\n");
    for (Map.Entry<String, Long> e : new TreeMap<>(peaks).entrySet()) {
      String from;
      if (nodes.contains(e.getKey())) {
        List<String> cuts = new ArrayList<>();
        for (Map.Entry<String, Map<String, Long>> c : byCut.entrySet()) {
          if (Objects.equals(c.getValue().get(e.getKey()), e.getValue())) {
            cuts.add(c.getKey());
          }
        }
        from =
            "slice at cut "
                + String.join(", ", cuts)
                + (byCut.size() > 1 ? " (the largest of the cuts in force)" : "");
      } else {
        from = "as the run recorded it";
      }
      row3(md, e.getKey(), bytes(e.getValue()), from);
    }
    if (byCut.isEmpty()) {
      return;
    }
    md.append("\nModel bytes (parameters of each node's slice, from the model profile) at each")
        .append(" cut in force:\n\n| cut | rounds |");
    for (String n : nodes) {
      md.append(' ').append(n).append(" |");
    }
    md.append("\n|---|---|").append("---|".repeat(nodes.size())).append('\n');
    for (Map.Entry<String, Map<String, Long>> c : byCut.entrySet()) {
      md.append("| ")
          .append(c.getKey())
          .append(" | ")
          .append(roundsAt(run, c.getKey()))
          .append(" |");
      for (String n : nodes) {
        Long b = c.getValue().get(n);
        md.append(' ').append(b == null ? "-" : bytes(b)).append(" |");
      }
      md.append('\n');
    }
  }

  /** The rounds run at {@code cut}, as ranges such as {@code 1-3, 7}. */
  private static String roundsAt(Run run, String cut) {
    List<String> out = new ArrayList<>();
    int from = -1;
    int to = -1;
    for (RoundRecord r : run.rounds()) {
      if (r.cut().equals(cut)) {
        if (from < 0) {
          from = r.round();
        }
        to = r.round();
      } else if (from >= 0) {
        out.add(from == to ? Integer.toString(from) : from + "-" + to);
        from = -1;
      }
    }
    if (from >= 0) {
      out.add(from == to ? Integer.toString(from) : from + "-" + to);
    }
    return String.join(", ", out);
  }

  /** A figure to four significant digits, a large one in whole units (not 3.329e+04). */
  static String num(double v) {
    return Double.isFinite(v) && Math.abs(v) >= 1e4
        ? String.format(Locale.ROOT, "%.0f", v)
        : ResultsWriter.fmt(v);
  }

  /** Bytes in decimal units with the exact count, such as {@code 246 kB (246424 B)}. */
  static String bytes(long b) {
    if (b < 1000) {
      return b + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double v = b;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.3g %s (%d B)", v, units[u], b);
  }

  private static void row(StringBuilder md, String k, String v) {
    md.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }

  private static void row3(StringBuilder md, String a, String b, String c) {
    md.append("| ").append(a).append(" | ").append(b).append(" | ").append(c).append(" |\n");
  }
}
