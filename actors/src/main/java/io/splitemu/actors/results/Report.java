package io.splitemu.actors.results;

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
   * @param rounds its {@code rounds.csv} rows, {@link RoundRecord#compacted}
   * @param inForce what was in force each round, folded from the rows as they came
   * @param eventCount the number of {@code events.csv} rows
   * @param eventKinds the number of {@code events.csv} rows of each kind, in order of kind
   * @param marked the faults, deadline drops and recoveries among them (the first listed, all
   *     counted)
   * @param memoryByCut each cut of the {@code cut} column, in order of first use, to each node's
   *     model bytes at that cut (empty where they cannot be told from the cut)
   */
  record Run(
      Summary summary,
      List<RoundRecord> rounds,
      InForce inForce,
      int eventCount,
      Map<String, Integer> eventKinds,
      MarkedEvents marked,
      Map<String, Map<String, Long>> memoryByCut) {}

  private static final int HEAD_ROWS = 5;

  /**
   * The most devices a round may have for the report to list them one by one (and the most cuts a
   * cut cell lists, and faults and deadline drops the report lists); a larger round gets a tally
   * per cluster, so that the report stays small however many devices a run has.
   */
  static final int LIST_DEVICES_UP_TO = 64;

  /**
   * The report's "In force each round" table, folded as the rows come: a round's cells (cut,
   * clusters, each cluster's members) are rendered once its device rows are in, and consecutive
   * rounds alike share one row, so that it holds the table's rows and the device tallies of the
   * round or two under way, not a tally per device and round.
   *
   * <p>A round is folded when a row (device or round) of a later round comes: the runtime records a
   * round's device rows just before its row, the tests also just after it. The rows of a resume or
   * rewind come from the files, {@code rounds.csv} first ({@code fold} false: they wait for their
   * device rows), then {@code devices.csv}, in order of round. A device row of a round already
   * folded ({@link #late}) leaves the table to be folded again from the files at the end.
   */
  static final class InForce {
    private final List<Row> rows = new ArrayList<>();
    // Each distinct members cell once, however many rows show it.
    private final Map<String, String> cells = new java.util.HashMap<>();
    private final java.util.ArrayDeque<RoundRecord> waiting = new java.util.ArrayDeque<>();
    private final java.util.TreeMap<Integer, RoundDevices> pending = new java.util.TreeMap<>();
    private int foldedUpTo = Integer.MIN_VALUE;
    private int lastRound = Integer.MIN_VALUE;
    private boolean shares;
    private boolean several;
    private boolean tallied;
    private boolean cutTallied;
    private boolean anyDevice;
    private boolean late;
    // Whether a round of more than LIST_DEVICES_UP_TO clusters gave its clusters as ranges.
    private boolean ranged;

    /**
     * Round {@code r}'s row ({@link RoundRecord#compacted}); {@code tallied} whether its full cut
     * reads as a count per cut; {@code fold} whether the rounds before it are folded now.
     */
    void round(RoundRecord r, boolean tallied, boolean fold) {
      cutTallied |= tallied;
      if (r.round() <= lastRound) {
        late = true; // out of order: folded in order of round, it would be in the wrong row
      }
      lastRound = Math.max(lastRound, r.round());
      if (fold) {
        foldBefore(r.round());
      }
      waiting.add(r);
    }

    /** A device row; {@code fold} whether the rounds before its round are folded now. */
    void device(DeviceRecord d, boolean fold) {
      see(d);
      if (d.round() <= foldedUpTo) {
        late = true;
        return;
      }
      if (fold) {
        foldBefore(d.round());
      }
      pending.computeIfAbsent(d.round(), k -> new RoundDevices()).add(d);
    }

    /** The flags a device row sets: a row came, with a share, of a cluster other than 0. */
    private void see(DeviceRecord d) {
      anyDevice = true;
      shares |= Double.isFinite(d.share());
      several |= d.cluster() != 0;
    }

    /** Whether any device row came. */
    boolean anyDevice() {
      return anyDevice;
    }

    /**
     * Whether a device or round row came after a later round was folded: the table must be folded
     * again from the files.
     */
    boolean late() {
      return late;
    }

    /**
     * The table folded again from every row at once, as the report folded it before it folded rows
     * as they came: {@code rounds} in their order, each with its tally in {@code devices} (a tally
     * per round and cluster, held for the moment); {@code was} the table folded as they came, for
     * its cut flag (it saw the rounds' full cuts).
     */
    static InForce of(List<RoundRecord> rounds, List<DeviceRecord> devices, InForce was) {
      InForce f = new InForce();
      Map<Integer, RoundDevices> tallies = new java.util.HashMap<>();
      for (DeviceRecord d : devices) {
        f.see(d);
        tallies.computeIfAbsent(d.round(), k -> new RoundDevices()).add(d);
      }
      tallies.values().forEach(rd -> f.tallied |= !rd.listed);
      f.cutTallied = was.cutTallied;
      for (RoundRecord r : rounds) {
        f.append(r, tallies.get(r.round()));
      }
      return f;
    }

    /** Folds every round waiting: the rows are all in. */
    void finish() {
      foldBefore(Integer.MAX_VALUE);
      pending.values().forEach(rd -> tallied |= !rd.listed);
      pending.clear();
    }

    /** The characters of the table's cells it holds (tests: bounded by its rows, not devices). */
    long heldChars() {
      long n = 0;
      for (Row r : rows) {
        n += r.cut.length() + r.clusters.length();
      }
      for (String m : cells.keySet()) {
        n += m.length();
      }
      return n;
    }

    /** How many rows, rounds waiting and cluster tallies it holds (tests: bounded by the rows). */
    int held() {
      int n = rows.size() + waiting.size();
      for (RoundDevices rd : pending.values()) {
        n += rd.clusters.size();
      }
      return n;
    }

    private void foldBefore(int round) {
      while (!waiting.isEmpty() && waiting.peek().round() < round) {
        fold(waiting.poll());
      }
    }

    private void fold(RoundRecord r) {
      RoundDevices rd = null;
      // The tallies of rounds up to r's (one without a row only sets the flags).
      while (!pending.isEmpty() && pending.firstKey() <= r.round()) {
        Map.Entry<Integer, RoundDevices> e = pending.pollFirstEntry();
        tallied |= !e.getValue().listed;
        if (e.getKey() == r.round()) {
          rd = e.getValue();
        }
      }
      foldedUpTo = Math.max(foldedUpTo, r.round());
      append(r, rd);
    }

    /** Round {@code r}'s cells, with {@code rd} its device rows' tally (null: none). */
    private void append(RoundRecord r, RoundDevices rd) {
      ranged |= rd != null && rd.clusters.size() > LIST_DEVICES_UP_TO;
      String m = members(rd);
      m = cells.computeIfAbsent(m, k -> k);
      String cut = cut(r.cut());
      String clusters = Integer.toString(r.clusters());
      Row last = rows.isEmpty() ? null : rows.get(rows.size() - 1);
      if (last != null && last.alike(cut, clusters, m)) {
        last.to = r.round();
      } else {
        rows.add(new Row(r.round(), cut, clusters, m));
      }
    }
  }

  /** Rounds {@code from} to {@code to}, alike in their cells. */
  private static final class Row {
    final int from;
    int to;
    final String cut;
    final String clusters;
    final String members;

    Row(int round, String cut, String clusters, String members) {
      this.from = round;
      this.to = round;
      this.cut = cut;
      this.clusters = clusters;
      this.members = members;
    }

    boolean alike(String c, String n, String m) {
      return cut.equals(c) && clusters.equals(n) && members.equals(m);
    }
  }

  /** One round's device rows, tallied per cluster as they are written. */
  static final class RoundDevices {
    private final Map<Integer, ClusterTally> clusters = new TreeMap<>();
    private int count;
    private boolean listed = true;

    void add(DeviceRecord d) {
      count++;
      if (listed && count > LIST_DEVICES_UP_TO) {
        listed = false;
        clusters.values().forEach(c -> c.members = null);
      }
      boolean list = listed;
      clusters.computeIfAbsent(d.cluster(), k -> new ClusterTally(list)).add(d);
    }
  }

  /** One cluster's devices in one round: counts, share range and, in a small round, members. */
  private static final class ClusterTally {
    private int count;
    private int missed;
    private double minShare = Double.POSITIVE_INFINITY;
    private double maxShare = Double.NEGATIVE_INFINITY;
    private List<String> members;

    ClusterTally(boolean listed) {
      members = listed ? new ArrayList<>() : null;
    }

    void add(DeviceRecord d) {
      count++;
      String m = "d" + d.device();
      if (!d.completed()) {
        missed++;
        m += " missed";
      } else if (Double.isFinite(d.share())) {
        minShare = Math.min(minShare, d.share());
        maxShare = Math.max(maxShare, d.share());
        m += " " + share(d.share());
      }
      if (members != null) {
        members.add(m);
      }
    }

    /** The cluster's cell part, such as {@code d1 0.25, d3 0.75} or a tally of a large round. */
    String cell() {
      if (members != null) {
        return String.join(", ", members);
      }
      String out = count + (count == 1 ? " device" : " devices");
      out += missed > 0 ? " (" + missed + " missed)" : "";
      if (minShare <= maxShare) {
        out += ", share " + share(minShare);
        out += minShare == maxShare ? "" : "\u2013" + share(maxShare);
      }
      return out;
    }
  }

  private static String share(double v) {
    return String.format(Locale.ROOT, "%.3g", v);
  }

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
          .append(cut(r.cut()))
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
    md.append("\n").append(run.eventCount()).append(" events in `events.csv`");
    Map<String, Integer> kinds = run.eventKinds();
    if (!kinds.isEmpty()) {
      List<String> parts = new ArrayList<>();
      kinds.forEach((k, n) -> parts.add(n + " " + k));
      md.append(" (").append(String.join(", ", parts)).append(")");
    }
    md.append(".\n");
    List<EventRecord> marked = run.marked().first();
    for (int i = 0; i < Math.min(marked.size(), LIST_DEVICES_UP_TO); i++) {
      EventRecord e = marked.get(i);
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
    if (run.marked().count() > LIST_DEVICES_UP_TO) {
      md.append("- and ")
          .append(run.marked().count() - LIST_DEVICES_UP_TO)
          .append(" more faults, deadline drops and recoveries in `events.csv`\n");
    }
    if (!plots.isEmpty()) {
      md.append("\n## Plots\n\n");
      for (Path p : plots) {
        String rel = dir.relativize(p).toString().replace('\\', '/');
        md.append("![").append(p.getFileName()).append("](").append(rel).append(")\n\n");
      }
    }
    // Atomically: a kill while finishing leaves the report out rather than torn.
    CsvTable.writeAtomically(file, md.toString());
  }

  /**
   * What was in force each round: cut, clusters and, from the device rows, each cluster's members
   * with their shares; consecutive rounds alike share one row, so every round is covered.
   */
  private static void inForce(StringBuilder md, Run run) {
    InForce f = run.inForce();
    boolean shares = f.shares;
    boolean several = f.several;
    boolean members = shares || several;
    md.append("\n## In force each round\n\n");
    md.append("| rounds | cut | clusters |");
    md.append(members ? " members (device" + (shares ? " share" : "") + ") |\n" : "\n");
    md.append(members ? "|---|---|---|---|\n" : "|---|---|---|\n");
    // Without a member column, rounds alike in cut and clusters share a row.
    Row open = null;
    int to = -1;
    for (Row r : f.rows) {
      if (open != null && !members && open.cut.equals(r.cut) && open.clusters.equals(r.clusters)) {
        to = r.to;
        continue;
      }
      if (open != null) {
        inForceRow(md, open.from, to, List.of(open.cut, open.clusters, open.members), members);
      }
      open = r;
      to = r.to;
    }
    if (open != null) {
      inForceRow(md, open.from, to, List.of(open.cut, open.clusters, open.members), members);
    }
    if (members) {
      md.append(
          "\nMembers: `cN:` opens cluster N (clusters run in turn, a cluster's devices in"
              + " parallel); `dN` is device N");
      md.append(shares ? " with the share of the contended resource it was allotted" : "");
      md.append("; `missed` marks a device that did not complete the round.\n");
    }
    if (f.tallied) {
      md.append("\nA round of more than ")
          .append(LIST_DEVICES_UP_TO)
          .append(" devices lists no members: each cluster gives its device count, how many")
          .append(" missed the round and the range of the shares allotted (`devices.csv` has")
          .append(" every device).\n");
    }
    if (f.ranged) {
      md.append("\nA round of more than ")
          .append(LIST_DEVICES_UP_TO)
          .append(" clusters gives consecutive clusters whose tallies read the same as a range,")
          .append(" and the ranges of one tally together, such as `c0-c12, c14-c299: 1 device;")
          .append(" c13: 1 device (1 missed)`; a cluster with no device row that round is left")
          .append(" out; past ")
          .append(LIST_DEVICES_UP_TO)
          .append(" ranges it counts the clusters left (`devices.csv` has them).\n");
    }
    if (f.cutTallied) {
      md.append("\nThe per-device cuts of more than ")
          .append(LIST_DEVICES_UP_TO)
          .append(" devices read as a count per cut, such as `3\u00d7412` for 412 devices cut")
          .append(" at 3.\n");
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

  /**
   * A round's clusters and their devices (with shares), such as {@code c0: d1 0.25, d3 0.75}, or,
   * in a round of more than {@link #LIST_DEVICES_UP_TO} devices, a tally per cluster such as {@code
   * c0: 412 devices (3 missed), share 0.00110-0.00420}; in a round of more than {@link
   * #LIST_DEVICES_UP_TO} clusters, those tallies as {@link #ranges}.
   */
  private static String members(RoundDevices rd) {
    if (rd == null || rd.clusters.isEmpty()) {
      return "-";
    }
    if (rd.clusters.size() > LIST_DEVICES_UP_TO) {
      return ranges(rd);
    }
    List<String> out = new ArrayList<>();
    rd.clusters.forEach((c, t) -> out.add("c" + c + ": " + t.cell()));
    return String.join("; ", out);
  }

  /**
   * The members cell of a round of more than {@link #LIST_DEVICES_UP_TO} clusters: consecutive
   * clusters whose tallies read the same form a range, and the ranges of one tally share its part,
   * in order of their first cluster, such as {@code c0-c12, c14-c299: 1 device; c13: 1 device (1
   * missed)}. At most {@link #LIST_DEVICES_UP_TO} ranges are given (in order of cluster), then how
   * many clusters are left, so that the cell stays small whatever the clusters' count.
   */
  static String ranges(RoundDevices rd) {
    // Each range as {from, to} with its tally's text, in order of cluster.
    List<int[]> spans = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    int left = 0;
    for (Map.Entry<Integer, ClusterTally> e : rd.clusters.entrySet()) {
      int c = e.getKey();
      String text = e.getValue().cell();
      int last = spans.size() - 1;
      if (last >= 0 && spans.get(last)[1] == c - 1 && texts.get(last).equals(text)) {
        spans.get(last)[1] = c;
      } else if (spans.size() < LIST_DEVICES_UP_TO) {
        spans.add(new int[] {c, c});
        texts.add(text);
      } else {
        left++;
      }
    }
    Map<String, List<String>> parts = new LinkedHashMap<>();
    for (int i = 0; i < spans.size(); i++) {
      int[] r = spans.get(i);
      parts
          .computeIfAbsent(texts.get(i), k -> new ArrayList<>())
          .add(r[0] == r[1] ? "c" + r[0] : "c" + r[0] + "-c" + r[1]);
    }
    List<String> out = new ArrayList<>();
    parts.forEach((text, rs) -> out.add(String.join(", ", rs) + ": " + text));
    String cell = String.join("; ", out);
    return left == 0
        ? cell
        : cell
            + "; "
            + left
            + (left == 1 ? " more cluster" : " more clusters")
            + " in `devices.csv`";
  }

  /**
   * A cut cell: the cut, {@code -} when there is none, or, for the per-device cuts of more than
   * {@link #LIST_DEVICES_UP_TO} devices, a count per cut such as {@code 3x412, 4x588}.
   */
  static String cut(String cut) {
    if (cut.isEmpty()) {
      return "-";
    }
    String[] parts = cut.split(";", -1);
    if (parts.length <= LIST_DEVICES_UP_TO) {
      return cut;
    }
    Map<String, Integer> counts = new TreeMap<>(Report::compareCuts);
    for (String p : parts) {
      counts.merge(p, 1, Integer::sum);
    }
    List<String> out = new ArrayList<>();
    counts.forEach((c, n) -> out.add(c + "\u00d7" + n));
    return String.join(", ", out);
  }

  /** Numeric cuts in numeric order, others after them in text order. */
  private static int compareCuts(String a, String b) {
    boolean na = a.matches("\\d{1,9}");
    boolean nb = b.matches("\\d{1,9}");
    if (na && nb) {
      return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
    }
    return na != nb ? (na ? -1 : 1) : a.compareTo(b);
  }

  /** Per-node peak model memory and, where the cut tells it, each node's bytes at each cut. */
  private static void memory(StringBuilder md, Run run) {
    Map<String, Long> peaks = run.summary().peakModelMemoryBytes();
    md.append("\n## Model memory per node\n\n");
    if (peaks.isEmpty()) {
      md.append(
          "The run reports no per-node model memory (`devices.csv`'s cut column gives each"
              + " device's cut).\n");
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
                + String.join(", ", cuts.stream().map(Report::cut).toList())
                + (byCut.size() > 1 ? " (the largest of the cuts in force)" : "");
      } else {
        // Split schemes: the largest over the rounds' plans; MP-SL: the hop's instances.
        from = "the largest the run recorded";
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
          .append(cut(c.getKey()))
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
    return b < 1000 ? Units.bytes(b) : Units.bytes(b, 3) + " (" + b + " B)";
  }

  private static void row(StringBuilder md, String k, String v) {
    md.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }

  private static void row3(StringBuilder md, String a, String b, String c) {
    md.append("| ").append(a).append(" | ").append(b).append(" | ").append(c).append(" |\n");
  }
}
