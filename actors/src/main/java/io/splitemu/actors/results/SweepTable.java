package io.splitemu.actors.results;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the table and the plot of a swept comparison ({@code compare --sweep}): {@code sweep.csv}
 * with one row per grid point and scheme (the swept keys, then the comparison's columns), {@code
 * sweep.md}, and {@code sweep-<figure>.png}, the figure against the first swept key with one series
 * per scheme and value of the other keys.
 */
public final class SweepTable {

  /**
   * One scheme at one grid point: its run, or why the scheme refused the point ({@code entry}
   * null).
   */
  public record Row(List<String> point, String scheme, Comparison.Entry entry, String refused) {
    public Row {
      point = List.copyOf(point);
    }

    /** A run. */
    public Row(List<String> point, Comparison.Entry entry) {
      this(point, entry.summary().scheme(), entry, "");
    }

    /** A refusal. */
    public static Row refused(List<String> point, String scheme, String reason) {
      return new Row(point, scheme, null, reason);
    }

    /**
     * A run that failed (with {@code --keep-refused}): no figures, and {@code failed: why} in the
     * {@code refused} column, which says why a row has none.
     */
    public static Row failed(List<String> point, String scheme, String why) {
      return new Row(point, scheme, null, FAILED + Comparison.oneLine(why));
    }

    /** Whether this row is a run that failed ({@link #failed}). */
    public boolean isFailed() {
      return entry == null && refused.startsWith(FAILED);
    }
  }

  /** What the {@code refused} column of a failed run's row starts with. */
  public static final String FAILED = "failed: ";

  /** The columns of {@code sweep.csv} after the swept keys and the scheme: the figures. */
  public static List<String> figures() {
    return Comparison.figures();
  }

  private SweepTable() {}

  /** What a swept key's column is named when the key is also a figure's name. */
  public static final String KEY_PREFIX = "set.";

  /**
   * The header of {@code sweep.csv} for the swept {@code keys}: the keys, the comparison's columns,
   * and {@code refused} (why the scheme refused the point, or {@code failed: why} for a run that
   * failed; its figures are then empty). Every name is unique: a key that is also the name of a
   * figure column ({@code --sweep rounds=5,10} and the {@code rounds} column) is named {@code
   * set.<key>} ({@code set.rounds}), as {@code --set} gives it; every other key column is the key
   * itself.
   */
  public static List<String> header(List<String> keys) {
    List<String> h = keyColumns(keys);
    h.addAll(Comparison.HEADER);
    h.add("refused");
    return h;
  }

  /** The column names of the swept {@code keys} (see {@link #header}). */
  public static List<String> keyColumns(List<String> keys) {
    java.util.Set<String> taken = new java.util.HashSet<>(Comparison.HEADER);
    taken.add("refused");
    taken.addAll(keys);
    List<String> names = new ArrayList<>();
    for (String k : keys) {
      String name = k;
      if (Comparison.HEADER.contains(k) || k.equals("refused")) {
        name = KEY_PREFIX + k;
        if (taken.contains(name)) {
          throw new IllegalArgumentException(
              "--sweep " + k + ": its column " + name + " is also a swept key");
        }
      }
      taken.add(name);
      names.add(name);
    }
    return names;
  }

  /**
   * Writes {@code sweep.csv}, {@code sweep.md} and the plot of {@code figure} into {@code dir};
   * returns the markdown table.
   */
  public static String write(
      Path dir, String scenario, List<String> keys, List<Row> rows, String figure) {
    int fig = Comparison.HEADER.indexOf(figure);
    if (!figures().contains(figure)) {
      throw new IllegalArgumentException("--figure " + figure + ": one of " + figures());
    }
    List<List<Object>> csv = new ArrayList<>();
    for (Row r : rows) {
      List<Object> fields = new ArrayList<>(r.point());
      if (r.entry() != null) {
        fields.addAll(Comparison.row(r.entry()));
      } else {
        fields.add(r.scheme());
        for (int i = 1; i < Comparison.HEADER.size(); i++) {
          fields.add(null);
        }
      }
      fields.add(r.refused());
      csv.add(fields);
    }
    // Each file atomically (a temporary file, then renamed): a kill leaves none rather than a part.
    CsvTable.writeAll(dir.resolve("sweep.csv"), header(keys), csv);
    boolean priced =
        rows.stream().anyMatch(r -> r.entry() != null && !Double.isNaN(r.entry().pricePerHour()));
    StringBuilder md = new StringBuilder("|");
    for (String k : keyColumns(keys)) {
      md.append(' ').append(k).append(" |");
    }
    md.append(" scheme | rounds | emulated time | mean round | final accuracy |")
        .append(priced ? " cost per epoch |" : "")
        .append('\n')
        .append("|---".repeat(keys.size() + 5 + (priced ? 1 : 0)))
        .append("|\n");
    for (Row r : rows) {
      md.append('|');
      for (String v : r.point()) {
        md.append(' ').append(v.replace("|", "\\|")).append(" |");
      }
      if (r.entry() == null) {
        md.append(' ').append(r.scheme()).append(r.isFailed() ? " | failed |" : " | refused |");
        md.append(" |".repeat(3 + (priced ? 1 : 0))).append('\n');
        continue;
      }
      Summary s = r.entry().summary();
      md.append(
          String.format(
              Locale.ROOT,
              " %s | %d | %s | %s | %s |",
              // As in comparison.md: a stopped scheme's figures cover its rounds so far only.
              r.entry().stopped() ? s.scheme() + " (stopped)" : s.scheme(),
              s.rounds(),
              Units.seconds(s.emulatedTimeS()),
              Units.seconds(r.entry().meanRoundLatencyS()),
              ResultsWriter.fmt(s.finalAccuracy())));
      if (priced) {
        md.append(' ').append(ResultsWriter.fmt(r.entry().costPerRound())).append(" |");
      }
      md.append('\n');
    }
    String table = md.toString();
    Path png = dir.resolve("sweep-" + figure.replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
    boolean plotted = plot(png, scenario, keys, rows, fig);
    StringBuilder doc = new StringBuilder();
    doc.append("# ").append(scenario).append(": swept comparison\n\n");
    doc.append("Grid over ")
        .append(String.join(", ", keys))
        .append(" (the first key varies slowest); every scheme at every point on the same seed.")
        .append(" Each point's runs and comparison are in its own folder.\n\n");
    Map<List<String>, List<Comparison.Entry>> byPoint = new LinkedHashMap<>();
    for (Row r : rows) {
      if (r.entry() != null) {
        byPoint.computeIfAbsent(r.point(), k -> new ArrayList<>()).add(r.entry());
      }
    }
    for (List<Comparison.Entry> point : byPoint.values()) {
      if (Comparison.modelsDiffer(point)) {
        doc.append("**Not the same model for every scheme**: ")
            .append(Comparison.models(point))
            .append(" (sweep.csv's model column has each row's); the figures compare different")
            .append(" workloads, not the schemes alone.\n\n");
        break;
      }
    }
    doc.append(table);
    doc.append(stoppedNotes(keys, rows));
    if (plotted) {
      doc.append("\n![").append(png.getFileName()).append("](").append(png.getFileName());
      doc.append(")\n");
    }
    CsvTable.writeAtomically(dir.resolve("sweep.md"), doc.toString());
    return table;
  }

  /**
   * One line under the table for each row whose run SIGTERM stopped (sweep.csv's {@code
   * stopped_after_round}), as {@code comparison.md} has: its figures cover the rounds so far only,
   * and its point in the plot is such a figure too; and for each row whose run failed, its reason.
   * Empty if none stopped or failed.
   */
  static String stoppedNotes(List<String> keys, List<Row> rows) {
    StringBuilder notes = new StringBuilder();
    for (Row r : rows) {
      List<String> at = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        at.add(keys.get(i) + "=" + r.point().get(i));
      }
      if (r.isFailed()) {
        notes
            .append("\n")
            .append(r.scheme())
            .append(keys.isEmpty() ? "" : " at " + String.join(", ", at))
            .append(" failed: ")
            .append(r.refused().substring(FAILED.length()))
            .append(" (the rounds it recorded are in its folder).\n");
        continue;
      }
      if (r.entry() == null || !r.entry().stopped()) {
        continue;
      }
      notes
          .append("\n")
          .append(r.scheme())
          .append(keys.isEmpty() ? "" : " at " + String.join(", ", at))
          .append(" was stopped by SIGTERM after round ")
          .append(r.entry().stoppedAfterRound())
          .append(": its figures cover those rounds only (the plot's point too).\n");
    }
    return notes.toString();
  }

  /**
   * A shorter text for a legend or an axis: a file path's last part, a substitution's last key
   * ({@code ${cost-study.pool}} as {@code pool}); other values as they are.
   */
  static String shortName(String value) {
    String v = value.replace('\\', '/');
    if (v.startsWith("${") && v.endsWith("}") && v.length() > 3) {
      String inner = v.substring(2, v.length() - 1);
      return inner.substring(inner.lastIndexOf('.') + 1);
    }
    if (v.startsWith("\"") && v.endsWith("\"") && v.length() > 1) {
      v = v.substring(1, v.length() - 1);
    }
    int slash = v.lastIndexOf('/');
    return slash >= 0 && slash < v.length() - 1 ? v.substring(slash + 1) : value;
  }

  private static boolean plot(
      Path png, String scenario, List<String> keys, List<Row> rows, int fig) {
    // Each key's values by their short names where those stay distinct.
    List<Map<String, String>> shown = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      Map<String, String> m = new LinkedHashMap<>();
      for (Row r : rows) {
        m.put(r.point().get(i), shortName(r.point().get(i)));
      }
      if (new java.util.HashSet<>(m.values()).size() < m.size()) {
        m.replaceAll((k, v) -> k);
      }
      shown.add(m);
    }
    List<String> x = new ArrayList<>();
    Map<String, Map<String, Double>> series = new LinkedHashMap<>();
    for (Row r : rows) {
      String xv = keys.isEmpty() ? "" : shown.get(0).get(r.point().get(0));
      if (!x.contains(xv)) {
        x.add(xv);
      }
      StringBuilder name = new StringBuilder(r.scheme());
      for (int i = 1; i < keys.size(); i++) {
        name.append(", ")
            .append(keys.get(i))
            .append('=')
            .append(shown.get(i).get(r.point().get(i)));
      }
      Object v = r.entry() == null ? null : Comparison.row(r.entry()).get(fig);
      double y = v instanceof Number n ? n.doubleValue() : Double.NaN;
      series.computeIfAbsent(name.toString(), k -> new LinkedHashMap<>()).put(xv, y);
    }
    String figure = Comparison.HEADER.get(fig);
    return Plots.sweep(
        png, scenario + ": " + figure, keys.isEmpty() ? "" : keys.get(0), figure, x, series);
  }
}
