package io.splitemu.actors.cli;

import io.splitemu.actors.config.MpslSettings;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.pipeline.MpslPlanner;
import io.splitemu.actors.results.Comparison;
import io.splitemu.actors.results.IoReasons;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.SweepTable;
import io.splitemu.actors.runtime.Checkpoints;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunFailedException;
import io.splitemu.actors.runtime.StopSwitch;
import io.splitemu.actors.scheme.Scheme;
import io.splitemu.actors.scheme.Schemes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code splitemu compare}: runs a scenario once per scheme on the same devices, data, links and
 * seed, and writes one folder with each run and the comparison; with {@code --sweep} it does so at
 * every point of a grid of settings and writes one table and one plot across the grid.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a scenario once per scheme and writes a comparison table and plots.",
      "With --sweep key=v1,v2,... (repeatable) it runs the comparison at every point of the grid"
          + " (the cartesian product; the first --sweep varies slowest, the last fastest), each"
          + " point in its own subfolder, and writes sweep.csv (the swept keys, the scheme and the"
          + " comparison's columns), sweep.md and one plot, sweep-<figure>.png: the figure"
          + " against the first swept key, one series per scheme and value of the other keys."
          + " Every point is checked before anything runs."
    })
public final class CompareCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SCENARIO", description = "a HOCON scenario file")
  Path scenario;

  @Option(
      names = "--schemes",
      required = true,
      split = ",",
      paramLabel = "a,b,c",
      description = "schemes to compare, e.g. sl,psl,sfl-v1,sfl-v2")
  List<String> schemes;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a setting")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--sweep",
      paramLabel = "KEY=V1,V2,...",
      description =
          "run the comparison at each value of a setting (repeatable: the grid of all"
              + " combinations); values are split at commas outside [], {} and quotes")
  List<String> sweeps = new ArrayList<>();

  @Option(
      names = "--figure",
      paramLabel = "COLUMN",
      description =
          "the sweep.csv column plotted against the first swept key (default:"
              + " mean_round_latency_s)")
  String figure = "mean_round_latency_s";

  @Option(
      names = "--keep-refused",
      description =
          "with --sweep: a scheme that refuses a grid point (for instance an MP-SL placement that"
              + " fits in no node's memory) is a sweep.csv row naming why, instead of an error;"
              + " a value the settings refuse is still an error")
  boolean keepRefused;

  @Option(names = "--out", paramLabel = "DIR", description = "results folder (must not exist)")
  Path out;

  @Override
  public Integer call() throws IOException {
    PrintWriter w = spec.commandLine().getOut();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String scheme : schemes) {
      if (!seen.add(scheme.trim())) {
        // Each scheme's results go to a folder named after it: a second run would find it taken.
        throw new UserException("--schemes: " + scheme.trim() + " is given twice");
      }
    }
    SweepGrid grid = SweepGrid.parse(sweeps, sets);
    if (!SweepTable.figures().contains(figure)) {
      throw new UserException(
          "--figure "
              + figure
              + ": not a column; one of "
              + String.join(", ", SweepTable.figures()));
    }
    for (String key : grid.keys()) {
      if (key.equals("scheme") || key.equals("splitemu.scheme")) {
        throw new UserException("--sweep " + key + ": give the schemes with --schemes");
      }
    }
    Settings base = Settings.load(scenario, sets);
    if (sweeps.isEmpty()) {
      return compareOnce(w, base);
    }
    return sweep(w, base, grid);
  }

  private int compareOnce(PrintWriter w, Settings base) throws IOException {
    // Every run is built (and so checked) before any folder exists.
    List<Emulation.Prepared> runs = new ArrayList<>();
    for (String scheme : schemes) {
      runs.add(Emulation.prepare(base.withScheme(scheme.trim())));
    }
    warnIfModelsDiffer(runs, null);
    Path dir = createFolder(base);
    StopSwitch stop = new StopSwitch();
    Ran ran;
    // SIGTERM as for run (docs/runtime.md): the scheme under way stops at its next round boundary.
    try (RunCommand.Sigterm term =
        RunCommand.Sigterm.install(stop, dir, RunCommand.stopBound(base))) {
      ran = runAll(w, runs, dir, dir, "", stop, term);
    }
    if (ran.stopped()) {
      if (ran.entries().isEmpty()) {
        return stoppedLine(dir, ran, null, List.of(), null);
      }
      // What ran is compared: the stopped scheme marked, the ones not run named.
      Comparison.write(dir, base.scenario(), ran.entries(), true, ran.notRun());
      return stoppedLine(dir, ran, null, List.of(), dir.resolve("comparison.md"));
    }
    List<Comparison.Entry> entries = ran.entries();
    String table = Comparison.write(dir, base.scenario(), entries);
    w.print(table);
    w.println("results: " + dir.toAbsolutePath());
    w.println("report:  " + dir.resolve("comparison.md").toAbsolutePath());
    w.flush();
    Metrics.linger(MetricsSettings.of(base), w);
    return 0;
  }

  private int sweep(PrintWriter w, Settings base, SweepGrid grid) throws IOException {
    // Every point is built (and so checked) before anything runs or any folder exists. A refusal
    // is named by the one value that is refused on its own (the scenario's other settings
    // unchanged), else by the point: some refusals only come with a combination.
    List<List<String>> points = grid.points();
    for (List<String> point : points) {
      List<String> os = grid.overrides(point);
      try {
        check(os);
      } catch (IllegalArgumentException e) {
        for (String o : os) {
          try {
            check(List.of(o));
          } catch (IllegalArgumentException alone) {
            throw new UserException(
                "--sweep " + o + ": " + withoutSetPrefix(alone.getMessage(), o));
          }
        }
        throw new UserException("--sweep point " + String.join(", ", os) + ": " + e.getMessage());
      }
    }
    Path dir = createFolder(base);
    StopSwitch stop = new StopSwitch();
    List<SweepTable.Row> rows = new ArrayList<>();
    try (RunCommand.Sigterm term =
        RunCommand.Sigterm.install(stop, dir, RunCommand.stopBound(base))) {
      Integer stopped = sweep(w, base, grid, points, dir, stop, term, rows);
      if (stopped != null) {
        return stopped;
      }
    }
    String table = SweepTable.write(dir, base.scenario(), grid.keys(), rows, figure);
    w.print(table);
    w.println("results: " + dir.toAbsolutePath());
    w.println("table:   " + dir.resolve("sweep.csv").toAbsolutePath());
    w.println("report:  " + dir.resolve("sweep.md").toAbsolutePath());
    w.flush();
    Metrics.linger(MetricsSettings.of(base), w);
    return 0;
  }

  /**
   * Runs the grid's points into {@code rows}; null when every point ran, else (SIGTERM) the exit
   * status, the rows so far written.
   */
  private Integer sweep(
      PrintWriter w,
      Settings base,
      SweepGrid grid,
      List<List<String>> points,
      Path dir,
      StopSwitch stop,
      RunCommand.Sigterm term,
      List<SweepTable.Row> rows) {
    boolean warnedModels = false;
    for (int i = 0; i < points.size(); i++) {
      List<String> point = points.get(i);
      List<String> os = grid.overrides(point);
      String where = String.join(", ", os);
      w.printf("point %d/%d: %s%n", i + 1, points.size(), where);
      w.flush();
      Settings s = Settings.load(scenario, with(sets, os));
      List<Emulation.Prepared> runs = new ArrayList<>();
      List<SweepTable.Row> pointRows = new ArrayList<>();
      for (String scheme : schemes) {
        Settings one = s.withScheme(scheme.trim());
        String why = refusal(one);
        if (why == null) {
          runs.add(Emulation.prepare(one));
          pointRows.add(null);
        } else {
          w.printf("%s refused: %s%n", one.scheme(), why);
          pointRows.add(SweepTable.Row.refused(point, one.scheme(), why));
        }
      }
      if (!warnedModels) {
        warnedModels = warnIfModelsDiffer(runs, where);
      }
      Path pointDir = dir.resolve(pointFolder(i, os));
      try {
        Files.createDirectories(pointDir);
      } catch (IOException e) {
        throw new UserException(IoReasons.cannotCreateFolder(pointDir, e), e);
      }
      Ran ran = runAll(w, runs, pointDir, dir, "point " + where + ", ", stop, term);
      List<Comparison.Entry> entries = ran.entries();
      if (!entries.isEmpty() || !ran.stopped()) {
        Comparison.write(pointDir, s.scenario(), entries, false, ran.notRun());
      }
      int next = 0;
      for (SweepTable.Row r : pointRows) {
        if (r != null) {
          rows.add(r);
        } else if (next < entries.size()) {
          rows.add(new SweepTable.Row(point, entries.get(next++)));
        }
      }
      if (ran.stopped()) {
        // The rows so far make the table; the points after this one did not run.
        if (!rows.isEmpty()) {
          SweepTable.write(dir, base.scenario(), grid.keys(), rows, figure);
        }
        String at = "point " + (i + 1) + "/" + points.size() + " (" + where + ")";
        return stoppedLine(dir, ran, at, os, rows.isEmpty() ? null : dir.resolve("sweep.md"));
      }
    }
    return null;
  }

  /** Each prepared run's scheme, its model and the key that names it. */
  static List<Comparison.ModelOf> models(List<Emulation.Prepared> runs) {
    List<Comparison.ModelOf> models = new ArrayList<>();
    for (Emulation.Prepared run : runs) {
      Settings s = run.settings();
      Scheme scheme = Schemes.of(s.scheme());
      models.add(new Comparison.ModelOf(s.scheme(), scheme.model(s), scheme.modelKey()));
    }
    return models;
  }

  /**
   * Warns in one line (on stderr, before anything runs) when the schemes run different models
   * ({@code at}: the sweep point, or null); returns whether it warned. A warning, not a refusal:
   * MP-SL has measured tables for its own models only, and comparing across models can be meant.
   */
  private boolean warnIfModelsDiffer(List<Emulation.Prepared> runs, String at) {
    List<Comparison.ModelOf> models = models(runs);
    if (!Comparison.differ(models)) {
      return false;
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        "splitemu: " + (at == null ? "" : "point " + at + ": ") + Comparison.modelWarning(models));
    err.flush();
    return true;
  }

  /** Loads the scenario with {@code overrides} and prepares every scheme; throws a refusal. */
  private void check(List<String> overrides) {
    Settings s = Settings.load(scenario, with(sets, overrides));
    for (String scheme : schemes) {
      refusal(s.withScheme(scheme.trim()));
    }
  }

  /**
   * Null if the scheme accepts the point; with {@code --keep-refused} the reason it refuses it;
   * without, the refusal is thrown.
   */
  private String refusal(Settings s) {
    try {
      Emulation.prepare(s);
      return null;
    } catch (IllegalArgumentException e) {
      if (!keepRefused) {
        throw e;
      }
      return e.getMessage();
    }
  }

  /**
   * What {@link #runAll} ran: the entries of the schemes run (the last one stopped if SIGTERM
   * stopped it in a round), and the schemes SIGTERM kept from running.
   *
   * @param stopped whether SIGTERM stopped a scheme or kept one from running
   */
  record Ran(List<Comparison.Entry> entries, List<String> notRun, boolean stopped) {}

  /**
   * Runs every prepared scheme into {@code into}; a failure names the folder {@code top}. SIGTERM
   * ({@code stop}) stops the scheme under way at its next round boundary, as it stops {@code run},
   * and the schemes after it do not start.
   */
  private static Ran runAll(
      PrintWriter w,
      List<Emulation.Prepared> runs,
      Path into,
      Path top,
      String prefix,
      StopSwitch stop,
      RunCommand.Sigterm term) {
    List<Comparison.Entry> entries = new ArrayList<>();
    List<String> notRun = new ArrayList<>();
    for (Emulation.Prepared run : runs) {
      Settings s = run.settings();
      if (stop.requested()) {
        notRun.add(s.scheme());
        continue;
      }
      Emulation.Outcome o;
      try (Progress p = new Progress(w, s.scheme(), s.rounds(), Progress.terminal())) {
        o =
            Emulation.run(
                run,
                into.resolve(s.scheme()),
                term.watching(p),
                new Emulation.RunControl(null, stop, null, top));
      } catch (RunFailedException e) {
        // The schemes already run are complete in the comparison folder; no table is written.
        throw new RunFailedException(prefix + "scheme " + s.scheme() + ": " + e.getMessage(), top);
      }
      Scheme scheme = Schemes.of(s.scheme());
      entries.add(
          new Comparison.Entry(
              o.summary(),
              o.rounds(),
              o.dir(),
              pricePerHour(s),
              scheme.model(s),
              scheme.modelKey(),
              stop.stoppedAfterRound()));
    }
    // A SIGTERM after the last round of the last scheme stopped nothing: the compare is whole.
    boolean stopped = !notRun.isEmpty() || entries.stream().anyMatch(Comparison.Entry::stopped);
    return new Ran(entries, notRun, stopped);
  }

  /**
   * Says in one line on stderr where a compare stopped by SIGTERM left things ({@code at}: the
   * sweep point, or null, and {@code pointSets} its overrides; {@code report}: the comparison or
   * sweep written, or null) and returns 143, as {@code run} does.
   */
  private int stoppedLine(Path dir, Ran ran, String at, List<String> pointSets, Path report) {
    List<String> what = new ArrayList<>();
    for (Comparison.Entry e : ran.entries()) {
      if (e.stopped()) {
        // The scheme's run resumes alone as a run of the scenario with its scheme set.
        List<String> resumeSets = with(sets, pointSets);
        resumeSets.add("scheme=" + e.summary().scheme());
        what.add(
            e.summary().scheme()
                + " after round "
                + e.stoppedAfterRound()
                + " (checkpoint "
                + Checkpoints.file(e.dir(), e.stoppedAfterRound())
                + "; resume it alone with: splitemu run "
                + scenario
                + RunCommand.shellSets(resumeSets)
                + " --resume "
                + e.dir()
                + ")");
      }
    }
    if (!ran.notRun().isEmpty()) {
      what.add(String.join(", ", ran.notRun()) + " not run");
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        "splitemu: compare stopped by SIGTERM"
            + (at == null ? "" : " at " + at)
            + (what.isEmpty() ? "" : ": " + String.join("; ", what))
            + (report == null
                ? "; no scheme ran; " + dir + " holds no run"
                : "; what ran is compared in " + report));
    err.flush();
    return RunCommand.SIGTERM_STATUS;
  }

  /** What the run's compute nodes cost per hour: MP-SL's priced {@code mpsl.nodes}, else NaN. */
  static double pricePerHour(Settings s) {
    return MpslSettings.isPipeline(s.scheme()) ? MpslPlanner.pricePerHour(s) : Double.NaN;
  }

  private Path createFolder(Settings base) throws IOException {
    // The endpoint first (as a run does): a taken port or an unknown address leaves no folder.
    MetricsSettings ms = MetricsSettings.of(base);
    if (ms.enabled()) {
      Metrics.shared(ms);
    }
    Path dir =
        out != null
            ? out
            : ResultsWriter.newRunFolder(
                base.outputDir(), base.scenario() + "-compare", Clock.systemUTC());
    try {
      if (Files.exists(dir) && !Files.isDirectory(dir)) {
        throw new java.nio.file.FileAlreadyExistsException(dir.toString());
      }
      if (Files.exists(dir)) {
        try (var entries = Files.list(dir)) {
          if (entries.findAny().isPresent()) {
            throw new UserException(
                "results folder " + dir + " is not empty; choose another --out");
          }
        }
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      // The JDK's message is often the bare path; the line says what failed and why.
      throw new UserException(IoReasons.cannotCreateFolder(dir, e), e);
    }
    return dir;
  }

  private static List<String> with(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /**
   * The settings reader names an override as {@code --set key=value: 1: splitemu.key: reason};
   * under {@code --sweep} the prefix would name the wrong option.
   */
  static String withoutSetPrefix(String message, String override) {
    String m = message == null ? "" : message;
    String prefix = "--set " + override + ": ";
    if (m.startsWith(prefix)) {
      m = m.substring(prefix.length());
      if (m.startsWith("1: ")) {
        m = m.substring(3);
      }
    }
    return m;
  }

  /** A folder name for point {@code i}: its number and its overrides, safe on any file system. */
  static String pointFolder(int i, List<String> overrides) {
    String text =
        String.join("_", overrides).replaceAll("[^A-Za-z0-9.=+-]+", "_").replaceAll("^_+|_+$", "");
    if (text.length() > 160) {
      // The number keeps names unique; the mark says the name is not the whole point.
      text = text.substring(0, 150) + "_etc";
    }
    return String.format(java.util.Locale.ROOT, "%03d-%s", i + 1, text);
  }
}
