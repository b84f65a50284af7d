package io.splitemu.actors.cli;

import io.splitemu.actors.config.MpslSettings;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.pipeline.MpslPlanner;
import io.splitemu.actors.results.Comparison;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.FolderLock;
import io.splitemu.actors.results.IoReasons;
import io.splitemu.actors.results.Plots;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.Summary;
import io.splitemu.actors.results.SweepTable;
import io.splitemu.actors.runtime.Checkpoint;
import io.splitemu.actors.runtime.Checkpoints;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.ResumeDiff;
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
import java.util.Set;
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
    versionProvider = Main.Version.class,
    description = {
      "Runs a scenario once per scheme and writes a comparison table and plots.",
      "With --sweep key=v1,v2,... (repeatable) it runs the comparison at every point of the grid"
          + " (the cartesian product; the first --sweep varies slowest, the last fastest), each"
          + " point in its own subfolder, and writes sweep.csv (the swept keys, the scheme and the"
          + " comparison's columns), sweep.md and one plot, sweep-<figure>.png: the figure"
          + " against the first swept key, one series per scheme and value of the other keys."
          + " Every point is checked before anything runs.",
      "SIGTERM stops it at the round boundary of the scheme under way; --resume RESULTS_DIR, with"
          + " the same options, goes on with it there: the schemes that finished are kept, the"
          + " stopped one resumes from its checkpoint, the rest run (docs/runtime.md)."
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
  String figure = DEFAULT_FIGURE;

  private static final String DEFAULT_FIGURE = "mean_round_latency_s";

  @Option(
      names = "--keep-refused",
      description =
          "a scheme that refuses the scenario or, with --sweep, a grid point (for instance an"
              + " MP-SL placement that fits in no node's memory) is a line naming why, the others"
              + " run, and comparison.md (and sweep.csv, a row) names it, instead of an error"
              + " before anything runs; a value the settings refuse, or an input file the scenario"
              + " names (a profile, a measured table, data) that is missing or broken, is still an"
              + " error. A run that"
              + " fails (a diverged model) is likewise recorded as failed (failed.txt in its"
              + " folder, a row 'failed' in the tables) and the compare goes on; it then exits"
              + " with 1 naming the failed runs")
  boolean keepRefused;

  @Option(names = "--out", paramLabel = "DIR", description = "results folder (must not exist)")
  Path out;

  @Option(
      names = "--resume",
      paramLabel = "RESULTS_DIR",
      description =
          "go on with the compare in RESULTS_DIR (stopped by SIGTERM, or ended by a failure), into"
              + " that folder: a scheme that finished is kept as it is (if this compare reads the"
              + " same inputs as its run did), one that stopped goes on from its newest checkpoint"
              + " (as run --resume), one recorded as failed (--keep-refused) stays failed, one not"
              + " started runs; give the compare's SCENARIO, --schemes,"
              + " --set, --sweep and --keep-refused options again")
  Path resume;

  @Override
  public Integer call() throws IOException {
    PrintWriter w = spec.commandLine().getOut();
    checkSchemes(schemes);
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
    if (resume != null && out != null) {
      throw new UserException("--resume goes on in RESULTS_DIR; give no --out with it");
    }
    if (resume != null) {
      // Before the schemes are prepared: without it, a refusal the compare kept is an error.
      checkRecordedKeepRefused();
    }
    // The --sweep values may read the scenario's top-level helpers through substitutions.
    Settings base = Settings.load(scenario, sets, sweeps);
    String mathNote = MathEnvironment.note(base.fidelity());
    if (mathNote != null) {
      spec.commandLine().getErr().println(mathNote);
      spec.commandLine().getErr().flush();
    }
    try {
      int status = sweeps.isEmpty() ? compareOnce(w, base) : sweep(w, base, grid);
      if (status == RunCommand.SIGTERM_STATUS && !endNow) {
        // Stopped by SIGTERM: within what is left of the stop bound, which the supervisors'
        // grace is sized on.
        Metrics.linger(MetricsSettings.of(base), w, stop.leftOf(RunCommand.stopBound(base)));
      }
      return status;
    } catch (RunFailedException e) {
      // A SIGTERM asked for before the run failed bounds the linger as after a stop.
      return Lingering.afterFailure(
          spec.commandLine(),
          e,
          MetricsSettings.of(base),
          stop.leftOf(RunCommand.stopBound(base)),
          status -> {});
    } finally {
      for (FolderLock.Held held : schemeLocks.values()) {
        held.close();
      }
      schemeLocks.clear();
      if (lock != null) {
        lock.close();
      }
    }
  }

  /**
   * Refuses a {@code --schemes} list (compare's and plan's) that is empty, holds an empty entry, a
   * name twice or an unknown name, naming {@code --schemes}.
   */
  static void checkSchemes(List<String> schemes) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    // "--schemes ," (or an empty entry of the list) ran nothing and exited 0.
    if (schemes.isEmpty()) {
      throw new UserException("--schemes: no scheme given; list them as a,b,c");
    }
    for (String scheme : schemes) {
      if (scheme.isBlank()) {
        throw new UserException(
            "--schemes " + String.join(",", schemes) + ": an empty name; list them as a,b,c");
      }
      if (!seen.add(scheme.trim())) {
        // Each scheme's results go to a folder named after it: a second run would find it taken.
        throw new UserException("--schemes: " + scheme.trim() + " is given twice");
      }
      if (!Schemes.names().contains(scheme.trim())) {
        // Not splitemu.scheme, which the user did not set (and not a refusal --keep-refused keeps).
        throw new UserException(
            "--schemes: unknown scheme \""
                + scheme.trim()
                + "\"; known: "
                + String.join(", ", Schemes.names()));
      }
    }
  }

  private int compareOnce(PrintWriter w, Settings base) throws IOException {
    // Every run is built (and so checked) before any folder exists. A scheme that refuses the
    // scenario is an error naming it, or with --keep-refused a line, and the others run.
    List<Emulation.Prepared> runs = new ArrayList<>();
    List<String> accepting = new ArrayList<>();
    List<Comparison.Refusal> refused = new ArrayList<>();
    for (String scheme : schemes) {
      Settings one = base.withScheme(scheme.trim());
      Judged j = judge(one);
      if (j.run() != null) {
        runs.add(j.run());
        accepting.add(one.scheme());
      } else {
        refused.add(new Comparison.Refusal(one.scheme(), j.why()));
      }
    }
    if (!keepRefused && !refused.isEmpty()) {
      Comparison.Refusal first = refused.get(0);
      // The hint only where it helps: a bad input every scheme reads refuses them all.
      throw new UserException(
          first.scheme()
              + ": "
              + first.why()
              + (accepting.isEmpty()
                  ? ""
                  : "; with --keep-refused the schemes that accept the scenario run ("
                      + String.join(", ", accepting)
                      + ")"));
    }
    if (runs.isEmpty()) {
      List<String> whys = new ArrayList<>();
      for (Comparison.Refusal r : refused) {
        whys.add(r.scheme() + ": " + r.why());
      }
      throw new UserException(
          "--schemes "
              + String.join(",", schemeNames())
              + ": every scheme refuses the scenario ("
              + String.join("; ", whys)
              + ")");
    }
    for (Comparison.Refusal r : refused) {
      w.printf("%s refused: %s%n", r.scheme(), r.why());
    }
    w.flush();
    warnIfModelsDiffer(runs, null);
    List<Step> steps = null;
    if (resume != null) {
      // The folder is locked before it is judged: another process may be writing into it.
      lockResumed();
      // Every scheme's folder is judged (and so any refusal made) before anything runs.
      checkResumedFolder(false, null);
      steps = steps(resume, runs);
    }
    Path dir = resume != null ? reopenFolder(base) : createFolder(base);
    if (steps != null) {
      dropStaleComparison(dir, steps);
    }
    Ran ran;
    String table;
    // SIGTERM as for run (docs/runtime.md): the scheme under way stops at its next round boundary.
    // The handler stays until the comparison is written: before 2026-12-07 it was removed as the
    // runs ended, and a second SIGTERM while the plots were written ended the JVM without a line,
    // leaving a cut PNG and no comparison.md.
    RunCommand.Sigterm term =
        RunCommand.Sigterm.install(stop, RunCommand.stopBound(base), () -> halted(dir));
    boolean whole = false;
    try {
      ran = runAll(w, runs, steps, dir, dir, "", stop, term);
      term.writing();
      holdForTest();
      if (ran.stopped()) {
        if (ran.results().isEmpty()) {
          return stoppedLine(dir, ran, null, List.of(), null);
        }
        // What ran is compared: the stopped scheme marked, the ones not run named.
        Comparison.write(
            dir, base.scenario(), ran.entries(), true, ran.notRun(), refused, ran.failed());
        return stoppedLine(dir, ran, null, List.of(), dir.resolve("comparison.md"));
      }
      table =
          Comparison.write(
              dir, base.scenario(), ran.entries(), true, List.of(), refused, ran.failed());
      whole = true;
    } finally {
      endNow = endNow(term, whole);
    }
    w.print(table);
    w.println("results: " + dir.toAbsolutePath());
    w.println("report:  " + dir.resolve("comparison.md").toAbsolutePath());
    w.flush();
    int status = failedLine(dir.resolve("comparison.md"));
    if (!endNow) {
      Metrics.linger(MetricsSettings.of(base), w);
    }
    return status;
  }

  /**
   * The runs of this compare that failed and were kept as failed ({@code --keep-refused}), each as
   * {@code point K=V, psl (DIR)} or {@code psl (DIR)}.
   */
  private final List<String> failures = new ArrayList<>();

  /**
   * With runs kept as failed, says which in one line on stderr and returns 1; else 0. {@code
   * report}: the comparison or sweep written, which shows them.
   */
  private int failedLine(Path report) {
    if (failures.isEmpty()) {
      return 0;
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        "splitemu: compare: "
            + (failures.size() == 1 ? "1 run" : failures.size() + " runs")
            + " failed (each recorded in its folder's "
            + FAILURE
            + ", and as failed in "
            + report.toAbsolutePath()
            + "): "
            + String.join("; ", failures));
    err.flush();
    return 1;
  }

  /**
   * The file a run that failed in a compare with {@code --keep-refused} leaves in its folder: the
   * failure's one line. {@code compare --resume} keeps such a run as failed instead of running it
   * again.
   */
  static final String FAILURE = "failed.txt";

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
                "--sweep " + o + ": " + withoutSetPrefix(alone.getMessage(), List.of(o)));
          }
        }
        throw new UserException(
            "--sweep point " + String.join(", ", os) + ": " + withoutSetPrefix(e.getMessage(), os));
      }
    }
    if (resume != null) {
      lockResumed();
      List<String> folders = new ArrayList<>();
      for (int i = 0; i < points.size(); i++) {
        folders.add(pointFolder(i, grid.overrides(points.get(i))));
      }
      checkResumedFolder(true, folders);
    }
    Path dir = resume != null ? reopenFolder(base) : createFolder(base);
    List<SweepTable.Row> rows = new ArrayList<>();
    String table;
    // Installed until the tables are written, as for a compare without --sweep.
    RunCommand.Sigterm term =
        RunCommand.Sigterm.install(stop, RunCommand.stopBound(base), () -> halted(dir));
    boolean whole = false;
    try {
      Integer stopped = sweep(w, base, grid, points, dir, stop, term, rows);
      if (stopped != null) {
        return stopped;
      }
      term.writing();
      holdForTest();
      table = SweepTable.write(dir, base.scenario(), grid.keys(), rows, figure);
      whole = true;
    } finally {
      endNow = endNow(term, whole);
    }
    w.print(table);
    w.println("results: " + dir.toAbsolutePath());
    w.println("table:   " + dir.resolve("sweep.csv").toAbsolutePath());
    w.println("report:  " + dir.resolve("sweep.md").toAbsolutePath());
    w.flush();
    int status = failedLine(dir.resolve("sweep.md"));
    if (!endNow) {
      Metrics.linger(MetricsSettings.of(base), w);
    }
    return status;
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
    boolean tablesDropped = false;
    for (int i = 0; i < points.size(); i++) {
      List<String> point = points.get(i);
      List<String> os = grid.overrides(point);
      String where = String.join(", ", os);
      if (i > 0 && stop.requested()) {
        // A SIGTERM while the point before was written (or since): this point and those after it
        // do not run; the tables of the points so far are written, under the writing phase as a
        // stopped point's. Before 2026-12-07 this point was begun (its line printed, its folder
        // made, empty) only to run none of its schemes.
        term.writing();
        if (!rows.isEmpty()) {
          SweepTable.write(dir, base.scenario(), grid.keys(), rows, figure);
        }
        String at = "point " + (i + 1) + "/" + points.size() + " (" + where + ")";
        Ran none = new Ran(List.of(), schemeNames(), true);
        return stoppedLine(dir, none, at, os, rows.isEmpty() ? null : dir.resolve("sweep.md"));
      }
      w.printf("point %d/%d: %s%n", i + 1, points.size(), where);
      w.flush();
      Settings s = Settings.load(scenario, with(sets, os));
      List<Emulation.Prepared> runs = new ArrayList<>();
      List<SweepTable.Row> pointRows = new ArrayList<>();
      List<Comparison.Refusal> refused = new ArrayList<>();
      for (String scheme : schemes) {
        Settings one = s.withScheme(scheme.trim());
        Judged j = judge(one);
        // The point's values are --sweep options, not the --set the reader names them by.
        String why = j.why() == null ? null : withoutSetPrefix(j.why(), os);
        if (j.run() != null) {
          runs.add(j.run());
          pointRows.add(null);
        } else if (!keepRefused) {
          // Every point was checked before anything ran; a refusal here is not expected.
          throw new UserException("--sweep point " + where + ": " + one.scheme() + ": " + why);
        } else {
          w.printf("%s refused: %s%n", one.scheme(), why);
          pointRows.add(SweepTable.Row.refused(point, one.scheme(), why));
          refused.add(new Comparison.Refusal(one.scheme(), why));
        }
      }
      if (!warnedModels) {
        warnedModels = warnIfModelsDiffer(runs, where);
      }
      Path pointDir = dir.resolve(pointFolder(i, os));
      try {
        // A resumed sweep's point may exist already.
        Files.createDirectories(pointDir);
      } catch (IOException e) {
        throw new UserException(IoReasons.cannotCreateFolder(pointDir, e), e);
      }
      // A resumed sweep judges each point's schemes before it runs any of them; the points before
      // the first one not finished only keep theirs.
      if (resume != null) {
        deleteStaleTemporaries(pointDir);
      }
      List<Step> steps = resume == null ? null : steps(pointDir, runs);
      if (steps != null && dropStaleComparison(pointDir, steps) && !tablesDropped) {
        // The first point where anything runs: the sweep's tables go too (below).
        dropStaleSweepTables(dir);
        tablesDropped = true;
      }
      Ran ran;
      try {
        ran = runAll(w, runs, steps, pointDir, dir, "point " + where + ", ", stop, term);
      } catch (RunFailedException e) {
        // Without --keep-refused: the points that finished are tabled, then the compare ends.
        if (rows.isEmpty()) {
          throw e;
        }
        // Under the handler's writing phase, as every table of the sweep (a SIGTERM lets it
        // finish; the compare then ends with the failure's line).
        term.writing();
        SweepTable.write(dir, base.scenario(), grid.keys(), rows, figure);
        throw new RunFailedException(
            e.getMessage()
                + (i == 1
                    ? " (the point before it is in "
                    : " (the " + i + " points before it are in ")
                + dir.resolve("sweep.csv")
                + "; with --keep-refused a run that fails is recorded as failed and the compare"
                + " goes on)",
            e.resultsDir());
      }
      List<Comparison.Entry> entries = ran.entries();
      // The point's comparison (and, stopped, the tables) is written under the handler's writing
      // phase: a SIGTERM lets it finish, and stops the points after it (before 2026-12-07 only a
      // stopped point's was: a SIGTERM in a whole point's halted it if it was the second).
      term.writing();
      holdForTest();
      if (!ran.results().isEmpty() || !ran.stopped()) {
        Comparison.write(
            pointDir, s.scenario(), entries, false, ran.notRun(), refused, ran.failed());
      }
      int next = 0;
      for (SweepTable.Row r : pointRows) {
        if (r != null) {
          rows.add(r);
        } else if (next < ran.results().size()) {
          Object result = ran.results().get(next++);
          rows.add(
              result instanceof Comparison.Failure f
                  ? SweepTable.Row.failed(point, f.scheme(), f.why())
                  : new SweepTable.Row(point, (Comparison.Entry) result));
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
      term.written(); // the next point runs: a SIGTERM stops it, a second one halts
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

  /**
   * Loads the scenario with {@code overrides} and prepares every scheme; throws a refusal (without
   * {@code --keep-refused}), its message led by the scheme's name: some reasons, a DAG scheme's
   * missing profile, do not name it.
   */
  private void check(List<String> overrides) {
    Settings s = Settings.load(scenario, with(sets, overrides));
    for (String scheme : schemes) {
      Settings one = s.withScheme(scheme.trim());
      Judged j = judge(one);
      if (j.why() != null && !keepRefused) {
        throw new IllegalArgumentException(one.scheme() + ": " + j.why());
      }
    }
  }

  /**
   * A scheme's prepared run ({@code why} null), or the reason the scheme refuses the scenario or
   * point ({@code run} null).
   */
  record Judged(Emulation.Prepared run, String why) {}

  /**
   * Prepares {@code s}'s scheme, or says why it refuses; a file the scenario names that is missing
   * or broken is an error led by the scheme's name, with {@code --keep-refused} too.
   */
  private static Judged judge(Settings s) {
    try {
      return new Judged(Emulation.prepare(s), null);
    } catch (IllegalArgumentException e) {
      brokenInput(s.scheme(), e);
      return new Judged(null, e.getMessage());
    }
  }

  /**
   * Throws, led by {@code scheme}, a refusal {@code e} that is a missing or broken input file (a
   * profile, a measured table, a data file): an error, not a scheme's refusal {@code
   * --keep-refused} keeps (compare's and plan's).
   */
  static void brokenInput(String scheme, IllegalArgumentException e) {
    if (e instanceof SettingsException se && se.inputFile()) {
      throw new UserException(scheme + ": " + e.getMessage(), e);
    }
  }

  /**
   * What {@link #runAll} ran: the entries of the schemes run (the last one stopped if SIGTERM
   * stopped it in a round), and the schemes SIGTERM kept from running.
   *
   * @param results each scheme's entry, or its failure (with {@code --keep-refused}), in the order
   *     of the runs (those not run left out, all after them)
   * @param stopped whether SIGTERM stopped a scheme or kept one from running
   */
  record Ran(List<Object> results, List<String> notRun, boolean stopped) {
    /** The entries of the schemes that ran (the last one stopped if SIGTERM stopped it). */
    List<Comparison.Entry> entries() {
      return only(Comparison.Entry.class);
    }

    /** The schemes whose run failed (with {@code --keep-refused}). */
    List<Comparison.Failure> failed() {
      return only(Comparison.Failure.class);
    }

    private <T> List<T> only(Class<T> type) {
      return results.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  /**
   * Runs every prepared scheme into {@code into}; a failure names the scheme's own folder, or with
   * {@code --keep-refused} is recorded there ({@link #FAILURE}) and the next scheme runs. SIGTERM
   * ({@code stop}) stops the scheme under way at its next round boundary, as it stops {@code run},
   * and the schemes after it do not start.
   */
  private Ran runAll(
      PrintWriter w,
      List<Emulation.Prepared> runs,
      List<Step> steps,
      Path into,
      Path top,
      String prefix,
      StopSwitch stop,
      RunCommand.Sigterm term) {
    List<String> notRun = new ArrayList<>();
    List<Object> results = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      Emulation.Prepared run = runs.get(i);
      Settings s = run.settings();
      Step step = steps == null ? Step.FRESH : steps.get(i);
      if (step.kept() != null) {
        // --resume: a scheme that had finished is compared as its folder holds it, not rerun.
        w.println(s.scheme() + ": finished in " + step.kept().dir() + "; kept");
        w.flush();
        results.add(step.kept());
        continue;
      }
      if (step.failed() != null) {
        // --resume with --keep-refused: a run that failed is kept as failed, not run again.
        w.println(
            s.scheme()
                + ": failed in "
                + step.failed().dir()
                + "; kept as failed ("
                + FAILURE
                + ")");
        w.flush();
        results.add(step.failed());
        failures.add(prefix + s.scheme() + " (" + step.failed().dir().toAbsolutePath() + ")");
        continue;
      }
      if (stop.requested()) {
        notRun.add(s.scheme());
        continue;
      }
      if (step.from() != null) {
        w.println(
            s.scheme()
                + ": resuming "
                + into.resolve(s.scheme())
                + " after round "
                + step.from().round());
        w.flush();
      }
      // The scheme's folder is locked as a run's is: a run --resume of it (the line of a stopped
      // compare suggests one) must not write into it at the same time.
      Path schemeDir = into.resolve(s.scheme());
      lockScheme(schemeDir);
      running.set(new Running(schemeDir, s));
      Emulation.Outcome o = null;
      try {
        // Before the run writes anything: a --resume that keeps it checks these inputs against
        // its.
        recordInputs(top, schemeDir, s);
        try (Progress p = new Progress(w, s.scheme(), s.rounds(), Progress.terminal())) {
          o =
              Emulation.run(
                  run,
                  schemeDir,
                  term.watching(p),
                  new Emulation.RunControl(step.from(), stop, null, top));
        } catch (RunFailedException e) {
          // Its own folder keeps the rounds it recorded (a cluster run that never started may
          // leave none).
          Path kept = e.resultsDir() == null ? null : schemeDir;
          if (!keepRefused) {
            // The schemes already run are complete in the comparison folder.
            throw new RunFailedException(
                prefix + "scheme " + s.scheme() + ": " + e.getMessage(), kept);
          }
          // With --keep-refused a failed run is recorded as failed, in its folder (so that a
          // --resume keeps it), and the compare goes on.
          Comparison.Failure f =
              new Comparison.Failure(
                  s.scheme(), Schemes.of(s.scheme()).model(s), e.getMessage(), schemeDir);
          try {
            CsvTable.writeAtomically(schemeDir.resolve(FAILURE), f.why() + "\n");
          } catch (java.io.UncheckedIOException notWritten) {
            // A run that failed for a full disk may leave no room for failed.txt either: its own
            // line must not be lost behind that one, and without the file the compare stops.
            throw new RunFailedException(
                prefix
                    + "scheme "
                    + s.scheme()
                    + ": "
                    + f.why()
                    + "; it could not be recorded as failed ("
                    + notWritten.getMessage()
                    + "), so the compare stops",
                kept);
          }
          PrintWriter err = spec.commandLine().getErr();
          err.println(
              "splitemu: "
                  + prefix
                  + "scheme "
                  + s.scheme()
                  + ": "
                  + f.why()
                  + "; the rounds recorded so far are in "
                  + schemeDir.toAbsolutePath()
                  + "; recorded as failed (--keep-refused), the compare goes on");
          err.flush();
          results.add(f);
          failures.add(prefix + s.scheme() + " (" + schemeDir.toAbsolutePath() + ")");
        }
      } finally {
        FolderLock.Held held = schemeLocks.remove(schemeDir);
        if (held != null) {
          held.close();
        }
      }
      if (o == null) {
        continue;
      }
      Scheme scheme = Schemes.of(s.scheme());
      results.add(
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
    boolean stopped =
        !notRun.isEmpty()
            || results.stream().anyMatch(r -> r instanceof Comparison.Entry e && e.stopped());
    return new Ran(results, notRun, stopped);
  }

  /**
   * Says in one line on stderr where a compare stopped by SIGTERM left things ({@code at}: the
   * sweep point, or null, and {@code pointSets} its overrides; {@code report}: the comparison or
   * sweep written, or null) and returns 143, as {@code run} does.
   */
  private int stoppedLine(Path dir, Ran ran, String at, List<String> pointSets, Path report) {
    List<String> what = new ArrayList<>();
    // The stopped scheme is the last one run; a hop-crash one cannot be resumed (--resume refuses
    // it, alone or in the compare: before 2026-12-07 the line offered both commands).
    Running last = running.get();
    Path notResumable = null;
    for (Comparison.Entry e : ran.entries()) {
      if (!e.stopped()) {
        continue;
      }
      String how;
      if (last != null && last.dir().equals(e.dir()) && RunCommand.hopCrash(last.settings())) {
        notResumable = e.dir();
        how = RunCommand.HOP_CRASH_NOT_RESUMED;
      } else {
        // The scheme's run resumes alone as a run of the scenario with its scheme set.
        List<String> resumeSets = with(sets, pointSets);
        resumeSets.add("scheme=" + e.summary().scheme());
        how =
            "resume it alone with: "
                + RunCommand.launcher()
                + " run "
                + RunCommand.shellWord(scenario.toString())
                + RunCommand.shellSets(resumeSets)
                + " --resume "
                + RunCommand.shellWord(e.dir().toString());
      }
      what.add(
          e.summary().scheme()
              + " after round "
              + e.stoppedAfterRound()
              + " (checkpoint "
              + Checkpoints.file(e.dir(), e.stoppedAfterRound())
              + "; "
              + how
              + ")");
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
                : "; what ran is compared in " + report)
            + "; "
            + (notResumable == null ? "" : cannotResume(notResumable))
            + "resume the compare with: "
            + resumeCommand(dir));
    err.flush();
    return RunCommand.SIGTERM_STATUS;
  }

  /** What the run's compute nodes cost per hour: MP-SL's priced {@code mpsl.nodes}, else NaN. */
  static double pricePerHour(Settings s) {
    return MpslSettings.isPipeline(s.scheme()) ? MpslPlanner.pricePerHour(s) : Double.NaN;
  }

  private Path createFolder(Settings base) throws IOException {
    // The endpoint first (as a run does): a taken port or an unknown address leaves no folder.
    startMetrics(base);
    if (out == null) {
      // A name of its own, claimed atomically: compares started in the same second never share it.
      Path dir =
          ResultsWriter.reserveRunFolder(
              base.outputDir(), base.scenario() + "-compare", Clock.systemUTC());
      lock = FolderLock.takeCreating(dir, true);
      writeRecord(dir);
      return dir;
    }
    Path dir = out;
    try {
      if (Files.exists(dir) && !Files.isDirectory(dir)) {
        throw new java.nio.file.FileAlreadyExistsException(dir.toString());
      }
      // Before the lock (which writes its file into the folder), and again once it is held.
      ResultsWriter.refuseNonEmpty(dir);
      lock = FolderLock.takeCreating(dir, false);
      ResultsWriter.refuseNonEmpty(dir);
    } catch (IOException e) {
      // The JDK's message is often the bare path; the line says what failed and why.
      throw new UserException(IoReasons.cannotCreateFolder(dir, e), e);
    }
    writeRecord(dir);
    return dir;
  }

  /** The lock on the compare's folder, taken as it is created or reopened; released by call(). */
  private FolderLock.Held lock;

  // SIGTERM asks the scheme under way to stop at its next round boundary (docs/runtime.md).
  private final StopSwitch stop = new StopSwitch();

  /**
   * Set when a SIGTERM came while the comparison was written, or stopped nothing in a compare that
   * ran whole: the compare ends without linger.
   */
  private boolean endNow;

  /**
   * Closes {@code term} and says whether the compare ends without the linger ({@link #endNow}):
   * read once the handler is removed, so that a SIGTERM up to then counts (one after it ends the
   * JVM, as during the linger). Before 2026-12-07 it was read before the handler's removal, and a
   * SIGTERM in between was swallowed: the linger ran in full, and a watchdog it started halted the
   * JVM 120 s later saying the comparison was not written.
   */
  private static boolean endNow(RunCommand.Sigterm term, boolean whole) {
    term.close();
    return term.signalledWhileWriting() || (whole && term.signalled());
  }

  /** The scheme run under way, or the last one run (its folder and settings). */
  private record Running(Path dir, Settings settings) {}

  private final java.util.concurrent.atomic.AtomicReference<Running> running =
      new java.util.concurrent.atomic.AtomicReference<>();

  /**
   * What a compare in {@code dir} stopped at once (a second SIGTERM while a scheme ran, the stop
   * bound) leaves, and how to go on: whether the stop's checkpoint of the scheme under way was
   * written, where the rounds are, that the comparison is not written, and the resume command, with
   * the folder to delete first where the scheme under way has no checkpoint to go on from.
   */
  private String halted(Path dir) {
    String kept = RunCommand.kept(dir);
    if (kept.startsWith("before")) {
      return kept;
    }
    Running r = running.get();
    StringBuilder b = new StringBuilder();
    if (r != null) {
      b.append(r.settings().scheme())
          .append(": ")
          .append(RunCommand.stopCheckpoint(stop, r.dir()))
          .append("; ");
    }
    b.append(kept).append(" (the comparison is not written: compare --resume writes it); ");
    String resumeIt = "resume the compare with: " + resumeCommand(dir);
    boolean unfinished;
    try {
      unfinished =
          r != null && started(r.dir()) && RunCommand.finished(r.dir(), r.settings()) == null;
    } catch (RuntimeException e) {
      unfinished = false;
    }
    if (unfinished && RunCommand.hopCrash(r.settings())) {
      // compare --resume refuses its folder, checkpoint or not (before 2026-12-07 the line gave the
      // resume command alone, which then refused it).
      return b.append(cannotResume(r.dir())).append(resumeIt).toString();
    }
    if (unfinished && RunCommand.newestCheckpoint(r.dir()) < 0) {
      return b.append(r.dir())
          .append(" has no checkpoint to go on from (")
          .append(RunCommand.noCheckpointWhy(r.settings().checkpointEvery()))
          .append("): delete it, then ")
          .append(resumeIt)
          .toString();
    }
    return b.append(resumeIt).toString();
  }

  /**
   * "DIR cannot be resumed (a run with a hop-crash fault cannot be resumed yet): delete it, then ":
   * the scheme's folder {@code dir}, which {@code compare --resume} refuses; without it the resumed
   * compare runs that scheme again from its start.
   */
  private static String cannotResume(Path dir) {
    return dir + " cannot be resumed (" + RunCommand.HOP_CRASH_NOT_RESUMED + "): delete it, then ";
  }

  /** The hold-comparison test hook's file (null: none): read once. */
  private static final Path HOLD_COMPARISON = RunCommand.testHook("splitemu.test.hold-comparison");

  /**
   * Tests only: with system property {@code splitemu.test.hold-comparison} set to a file's path,
   * the compare creates that file (if it is not there) as it starts writing its comparison after
   * its runs ended (a sweep: each point's, stopped or not, and the sweep's tables), and waits (at
   * most a minute) until the file is deleted, so a test can signal it in that phase ({@link
   * RunCommand#holdForTest}).
   */
  private static void holdForTest() {
    RunCommand.holdForTest(HOLD_COMPARISON, "writing\n");
  }

  /**
   * Before a resume runs anything in {@code dir} ({@code steps}), deletes the comparison an earlier
   * stop wrote there: it is written again once the schemes ran, and a kill or a halt before that
   * left one that no longer said what the folders held (before 2026-12-07, "sl (stopped)" after
   * round 73 beside an sl/ of all its 300 rounds, after a resume that went on into sfl-v1).
   */
  static boolean dropStaleComparison(Path dir, List<Step> steps) {
    if (steps.stream().allMatch(st -> st.kept() != null || st.failed() != null)) {
      return false; // nothing runs: the comparison is written again at once
    }
    for (String name : List.of("comparison.md", "comparison.csv")) {
      delete(dir.resolve(name));
    }
    // Its plots too, the comparison's only (the schemes' folders keep theirs): before 2026-12-07
    // they stayed, and a resume killed or halted left the stop's "(stopped)" series beside
    // folders that had moved on.
    for (String name : Plots.FILES) {
      delete(dir.resolve("plots").resolve(name));
    }
    return true;
  }

  /** The files a compare writes into its folder (and a sweep into a point's), each atomically. */
  private static final List<String> OWN_FILES =
      List.of(CompareCommand.RECORD, "comparison.csv", "comparison.md", "sweep.csv", "sweep.md");

  /**
   * Deletes what a write killed before its rename left in the compare's folder (or a sweep point's)
   * {@code dir}: the stale temporary files of {@link #OWN_FILES}, of a sweep's {@code
   * sweep-FIGURE.png} and of the comparison's plots ({@link ResultsWriter#deleteStaleTemporaries}),
   * as a run's resume deletes its own; the schemes' folders are their runs' to clean. Before
   * 2026-12-07 they stayed for good.
   */
  static void deleteStaleTemporaries(Path dir) {
    try {
      ResultsWriter.deleteStaleTemporaries(
          dir, name -> CsvTable.isTemporaryOfAny(name, OWN_FILES) || isSweepPlotTemporary(name));
      ResultsWriter.deleteStaleTemporaries(
          dir.resolve("plots"), name -> CsvTable.isTemporaryOfAny(name, Plots.FILES));
    } catch (java.io.UncheckedIOException e) {
      throw new UserException("--resume: " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the stale temporary files of {@link #FAILURE} in a scheme's folder {@code f}: the
   * compare writes it there atomically, and a kill before its rename left the temporary file, which
   * neither a run's resume (it is not a run's file) nor {@link #deleteStaleTemporaries} (the
   * compare's and the points' folders only) deleted: before 2026-12-07 it stayed for good, beside
   * the run resumed from a checkpoint or the {@code failed.txt} a later attempt wrote.
   */
  private static void deleteStaleFailureTemporaries(Path f) {
    try {
      ResultsWriter.deleteStaleTemporaries(f, name -> CsvTable.isTemporaryOf(name, FAILURE));
    } catch (java.io.UncheckedIOException e) {
      throw new UserException("--resume: " + e.getMessage(), e);
    }
  }

  /** Whether {@code name} is a temporary file of a sweep's plot, {@code sweep-FIGURE.png}. */
  private static boolean isSweepPlotTemporary(String name) {
    int png = name.lastIndexOf(".png.");
    if (png < 0) {
      return false;
    }
    String of = name.substring(0, png + 4);
    return of.matches("sweep-[A-Za-z0-9._-]+\\.png") && CsvTable.isTemporaryOf(name, of);
  }

  /**
   * Before a resumed sweep in {@code dir} runs anything (at the first point where something runs),
   * deletes the tables an earlier stop wrote: {@code sweep.csv}, {@code sweep.md} and the sweep's
   * plot ({@code sweep-FIGURE.png}). They are written again once the points ran (or, stopped again,
   * of the rows so far). Before 2026-12-07 they were kept, and a resume killed or halted before
   * that left the earlier stop's tables, "psl (stopped)" after round 2 at point 1 beside a point
   * folder whose psl held all its rounds. A resume with nothing left to run keeps them until it
   * writes them again, the same rows.
   */
  private static void dropStaleSweepTables(Path dir) {
    List<Path> stale = new ArrayList<>(List.of(dir.resolve("sweep.csv"), dir.resolve("sweep.md")));
    try (var plots = Files.newDirectoryStream(dir, "sweep-*.png")) {
      plots.forEach(stale::add);
    } catch (IOException e) {
      throw new UserException("--resume: cannot list " + dir + ": " + IoReasons.reason(e, dir));
    }
    stale.forEach(CompareCommand::delete);
  }

  private static void delete(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new UserException("--resume: cannot delete " + f + ": " + IoReasons.reason(e, f));
    }
  }

  /**
   * The locks on the scheme folders this compare judges or writes into, by folder: taken before a
   * --resume judges a scheme's folder and before a scheme runs, released once its run ends (the
   * rest by call()).
   */
  private final java.util.Map<Path, FolderLock.Held> schemeLocks = new java.util.HashMap<>();

  /** Locks scheme folder {@code f} (created if need be) unless this compare holds it already. */
  private void lockScheme(Path f) {
    if (!schemeLocks.containsKey(f)) {
      schemeLocks.put(f, FolderLock.takeCreating(f, false));
    }
  }

  /** Locks the folder of {@code --resume}, refused in one line if it does not exist. */
  private void lockResumed() {
    if (!Files.isDirectory(resume)) {
      throw new UserException(Checkpoints.notAFolder(resume));
    }
    lock = FolderLock.takeCreating(resume, false);
  }

  private static void startMetrics(Settings base) {
    MetricsSettings ms = MetricsSettings.of(base);
    if (ms.enabled()) {
      Metrics.shared(ms);
    }
  }

  // compare --resume (docs/runtime.md, "Checkpoints and resume").

  /**
   * The file of a compare's folder that records its {@code --schemes} and {@code --sweep} options,
   * which {@code --resume} checks (the schemes not started when it stopped leave no folder), and
   * the fingerprint of the inputs as read of each scheme's run ({@link #inputs}).
   */
  static final String RECORD = "compare.conf";

  /**
   * The {@link Checkpoints#recorded} fingerprint of each scheme run of this compare (its resolved
   * scenario and its faults as read, an availability file's rows included, and the digests of its
   * trace and profile files), by its folder relative to the compare's ({@code sl}, or with {@code
   * --sweep} {@code 001-local-steps=2/sl}), recorded in {@link #RECORD} as the run starts: a {@code
   * --resume} keeps a finished scheme only if this compare's inputs have the same fingerprint, as
   * {@code run --resume} goes on from a checkpoint only then. Read back from the record by {@link
   * #checkResumedFolder}.
   */
  private final java.util.Map<String, String> inputs = new java.util.TreeMap<>();

  /** The key of {@link #inputs} of the run in folder {@code run} of the compare in {@code top}. */
  private static String inputsKey(Path top, Path run) {
    List<String> names = new ArrayList<>();
    for (Path name : top.relativize(run)) {
      names.add(name.toString());
    }
    return String.join("/", names);
  }

  /** Records in {@link #RECORD} the fingerprint of {@code s}, run into {@code run}. */
  private void recordInputs(Path top, Path run, Settings s) {
    inputs.put(inputsKey(top, run), Checkpoints.recorded(s));
    writeRecord(top);
  }

  private List<String> schemeNames() {
    return schemes.stream().map(String::trim).toList();
  }

  private List<String> sweepOptions() {
    return sweeps.stream().map(String::trim).toList();
  }

  /** Writes {@link #RECORD} into the compare's folder {@code dir}. */
  private void writeRecord(Path dir) {
    com.typesafe.config.ConfigRenderOptions concise =
        com.typesafe.config.ConfigRenderOptions.concise();
    CsvTable.writeAtomically(
        dir.resolve(RECORD),
        "# What splitemu compare was given here; compare --resume checks it.\n"
            + "schemes = "
            + com.typesafe.config.ConfigValueFactory.fromIterable(schemeNames()).render(concise)
            + "\nsweep = "
            + com.typesafe.config.ConfigValueFactory.fromIterable(sweepOptions()).render(concise)
            + "\nkeep-refused = "
            + keepRefused
            + "\n"
            + "# The fingerprint of the inputs as read (the resolved scenario, the faults, then the"
            + " digest of each trace and profile file) of each scheme's run, by its folder.\n"
            + "inputs = "
            + com.typesafe.config.ConfigValueFactory.fromMap(inputs).render(concise)
            + "\n");
  }

  /** The metrics endpoint started, the folder of {@code --resume}, with its record written. */
  private Path reopenFolder(Settings base) {
    startMetrics(base);
    if (lock == null) {
      lockResumed();
    }
    deleteStaleTemporaries(resume);
    if (!Files.isRegularFile(resume.resolve(RECORD))) {
      // A compare of a build before the record: the next resume checks it.
      writeRecord(resume);
    }
    return resume;
  }

  /**
   * Refuses with one line a {@code --resume} folder that is not a compare's, or one of another
   * {@code --schemes} or {@code --sweep} ({@code swept}: whether this compare sweeps, and {@code
   * pointFolders} the folders of its points).
   */
  private void checkResumedFolder(boolean swept, List<String> pointFolders) {
    Path dir = resume;
    if (!Files.isDirectory(dir)) {
      throw new UserException(Checkpoints.notAFolder(dir));
    }
    if (Files.isRegularFile(dir.resolve("scenario.conf"))) {
      throw new UserException(
          "--resume: "
              + dir
              + " is a run's results folder, not a compare's (it holds scenario.conf); resume it"
              + " with "
              + RunCommand.launcher()
              + " run "
              + RunCommand.shellWord(scenario.toString())
              + " --resume "
              + RunCommand.shellWord(dir.toString()));
    }
    Path record = dir.resolve(RECORD);
    if (Files.isRegularFile(record)) {
      com.typesafe.config.Config c;
      List<String> ranSchemes;
      List<String> ranSweep;
      try {
        c = readRecord(record);
        ranSchemes = c.getStringList("schemes");
        ranSweep = c.getStringList("sweep");
        // A record of a build before the fingerprints has none (steps() says so for a kept run).
        if (c.hasPath("inputs")) {
          for (var e : c.getObject("inputs").entrySet()) {
            Object fingerprint = e.getValue().unwrapped();
            if (!(fingerprint instanceof String)) {
              throw new UserException(
                  "--resume: "
                      + record
                      + ": inputs."
                      + e.getKey()
                      + " is not a fingerprint (a string)");
            }
            inputs.put(e.getKey(), (String) fingerprint);
          }
        }
      } catch (com.typesafe.config.ConfigException e) {
        throw new UserException("--resume: " + record + ": " + e.getMessage());
      }
      if (!ranSchemes.equals(schemeNames())) {
        throw new UserException(
            "--resume: "
                + dir
                + " was a compare of --schemes "
                + String.join(",", ranSchemes)
                + "; here --schemes "
                + String.join(",", schemeNames()));
      }
      String differs = gridDifference(ranSweep, sweepOptions());
      if (differs != null) {
        throw new UserException(
            "--resume: "
                + dir
                + " was a compare "
                + sweepWords(ranSweep)
                + "; here "
                + sweepWords(sweepOptions())
                + differs);
      }
      return;
    }
    // A folder without the record (a build before it, or no compare): judged by what it holds.
    boolean sweepFiles = Files.exists(dir.resolve("sweep.csv"));
    boolean compareFiles = Files.exists(dir.resolve("comparison.csv"));
    List<String> points = new ArrayList<>();
    try (var entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (Files.isDirectory(p) && name.matches("\\d{3,}-.*")) {
          sweepFiles = true;
          points.add(name);
        } else if (Files.isRegularFile(p.resolve("scenario.conf"))) {
          compareFiles = true;
        }
      }
    } catch (IOException e) {
      throw new UserException("--resume: cannot list " + dir + ": " + IoReasons.reason(e, dir));
    }
    if (!swept && sweepFiles) {
      throw new UserException(
          "--resume: "
              + dir
              + " is the folder of a compare with --sweep (it holds sweep.csv or point folders);"
              + " give its --sweep options");
    }
    if (swept && !sweepFiles) {
      throw new UserException(
          "--resume: "
              + dir
              + " is not the folder of a compare with --sweep (it holds no sweep.csv and no point"
              + " folder)");
    }
    if (!swept && !compareFiles) {
      throw new UserException(
          "--resume: "
              + dir
              + " is not a compare's folder (it holds no scheme's run and no comparison.csv); to"
              + " start a compare there, give --out");
    }
    for (String point : points) {
      if (swept && !pointFolders.contains(point)) {
        throw new UserException(
            "--resume: "
                + dir
                + " holds point "
                + point
                + ", which is not a point of these --sweep options");
      }
    }
  }

  /**
   * The {@link #RECORD} file {@code record}, parsed; refused in one line naming it unless it is a
   * whole record, as this build writes one or an earlier build wrote one: a text that ends with its
   * last line's line break and holds {@code schemes} and {@code sweep}, and either nothing else (a
   * build before 2026-12-06 08:13), {@code inputs} (before 2026-12-06 16:55) or {@code
   * keep-refused} and {@code inputs} (since). A record cut short (a full disk, an editor) would
   * otherwise read as one of an earlier build and turn off the check of the inputs; one cut right
   * after its {@code sweep} line is still taken for the first build's.
   */
  static com.typesafe.config.Config readRecord(Path record) {
    String text;
    try {
      text = Files.readString(record);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new UserException("--resume: " + record + ": not a text file (not UTF-8)");
    } catch (IOException e) {
      throw new UserException(
          "--resume: cannot read " + record + ": " + IoReasons.reason(e, record));
    }
    com.typesafe.config.Config c;
    try {
      c = com.typesafe.config.ConfigFactory.parseString(text);
    } catch (com.typesafe.config.ConfigException e) {
      throw new UserException(
          "--resume: " + record + ": " + e.getMessage() + " (the file is damaged or cut short)");
    }
    java.util.Set<String> keys = new java.util.TreeSet<>(c.root().keySet());
    String missing = null;
    if (!text.endsWith("\n")) {
      missing = "it ends without its last line's line break";
    } else if (!keys.contains("schemes") || !keys.contains("sweep")) {
      missing = "it has no " + (keys.contains("schemes") ? "sweep" : "schemes");
    } else if (keys.contains("keep-refused") && !keys.contains("inputs")) {
      // Every build that records keep-refused records the inputs after it.
      missing = "it has keep-refused but no inputs, which follow it in every record";
    } else if (!java.util.Set.of(
            java.util.Set.of("schemes", "sweep"),
            java.util.Set.of("schemes", "sweep", "inputs"),
            java.util.Set.of("schemes", "sweep", "keep-refused", "inputs"))
        .contains(keys)) {
      missing = "it holds " + String.join(", ", keys) + ", not the keys of a record";
    }
    if (missing != null) {
      throw new UserException(
          "--resume: "
              + record
              + " is not a whole record of a compare ("
              + missing
              + "): it was cut short or edited; the resume cannot check this compare's inputs"
              + " against it");
    }
    return c;
  }

  /**
   * Null if the {@code --sweep} options {@code ran} (a compare.conf's record) and {@code here} make
   * the same grid: the same keys in the same order, each with the same values once split and
   * trimmed (the point folders are named from those), however the text between them is spaced. Else
   * what differs, as {@code " (KEY: value 2 is "[4e9,8e9]" in the run, "[4e9, 8e9]" here)"}, or ""
   * when the keys do.
   */
  static String gridDifference(List<String> ran, List<String> here) {
    List<SweepGrid.Axis> a;
    try {
      a = SweepGrid.parse(ran, List.of()).axes();
    } catch (UserException e) {
      // A record no sweep of this build parses: the texts alone are compared.
      return ran.equals(here) ? null : "";
    }
    List<SweepGrid.Axis> b = SweepGrid.parse(here, List.of()).axes();
    if (a.size() != b.size()) {
      return "";
    }
    for (int i = 0; i < a.size(); i++) {
      SweepGrid.Axis x = a.get(i);
      SweepGrid.Axis y = b.get(i);
      if (!x.key().equals(y.key())) {
        return "";
      }
      if (x.values().size() != y.values().size()) {
        return " ("
            + x.key()
            + ": "
            + x.values().size()
            + " values in the run, "
            + y.values().size()
            + " here)";
      }
      for (int v = 0; v < x.values().size(); v++) {
        if (!x.values().get(v).equals(y.values().get(v))) {
          return " ("
              + x.key()
              + ": value "
              + (v + 1)
              + " is \""
              + x.values().get(v)
              + "\" in the run, \""
              + y.values().get(v)
              + "\" here)";
        }
      }
    }
    return null;
  }

  /**
   * Refuses with one line a {@code --resume} given without {@code --keep-refused} when the
   * compare's record says it had it, or the reverse: a refusal the compare kept would be an error,
   * and one the compare made an error would be kept. A record of a build before the key says
   * nothing; an unreadable one is refused, naming it.
   */
  private void checkRecordedKeepRefused() {
    Path record = resume.resolve(RECORD);
    if (!Files.isRegularFile(record)) {
      return;
    }
    boolean ran;
    try {
      com.typesafe.config.Config c = readRecord(record);
      if (!c.hasPath("keep-refused")) {
        return;
      }
      ran = c.getBoolean("keep-refused");
    } catch (com.typesafe.config.ConfigException e) {
      throw new UserException("--resume: " + record + ": " + e.getMessage());
    }
    if (ran != keepRefused) {
      throw new UserException(
          "--resume: "
              + resume
              + " was a compare "
              + (ran ? "with" : "without")
              + " --keep-refused; here "
              + (keepRefused ? "with" : "without")
              + " it");
    }
  }

  private static String sweepWords(List<String> sweep) {
    return sweep.isEmpty() ? "without --sweep" : "with --sweep " + String.join(" --sweep ", sweep);
  }

  /**
   * What a resumed compare does with each prepared scheme in folder {@code into}: keep the run its
   * folder holds ({@code kept}), keep it as failed ({@code failed}: with {@code --keep-refused}, a
   * run whose folder holds {@link #FAILURE}), go on from a checkpoint ({@code from}), or run it
   * (all null).
   */
  record Step(Comparison.Entry kept, Checkpoint from, Comparison.Failure failed) {
    static final Step FRESH = new Step(null, null, null);

    Step(Comparison.Entry kept, Checkpoint from) {
      this(kept, from, null);
    }
  }

  /**
   * How a {@code --resume} goes on with each of {@code runs} in the folder {@code into}: a scheme
   * whose run finished there ({@link RunCommand#finished}) is kept; one whose run was stopped by
   * SIGTERM before its last round or ended without finishing (killed, failed) goes on from its
   * newest checkpoint, as {@code run --resume} does; one with no folder runs. Refuses with one
   * line, before anything runs, a folder holding a run of a scheme not given, a run given after one
   * not started (a compare runs its schemes in order), a run of another configuration than this
   * scenario and {@code --set} options, or an unfinished run with no checkpoint.
   */
  private List<Step> steps(Path into, List<Emulation.Prepared> runs) {
    List<String> named = new ArrayList<>();
    for (Emulation.Prepared run : runs) {
      named.add(run.settings().scheme());
    }
    if (Files.isDirectory(into)) {
      try (var entries = Files.list(into)) {
        for (Path p : (Iterable<Path>) entries::iterator) {
          String name = p.getFileName().toString();
          if (Files.isRegularFile(p.resolve("scenario.conf")) && !named.contains(name)) {
            throw new UserException(
                "--resume: "
                    + p
                    + " is a run of "
                    + name
                    + ", which --schemes "
                    + String.join(",", schemeNames())
                    + " does not name");
          }
        }
      } catch (IOException e) {
        throw new UserException("--resume: cannot list " + into + ": " + IoReasons.reason(e, into));
      }
    }
    PrintWriter err = spec.commandLine().getErr();
    List<Step> steps = new ArrayList<>();
    // Said once every scheme is judged: a refusal is then the only line.
    List<String> unchecked = new ArrayList<>();
    String notStarted = null;
    List<Path> rowless = new ArrayList<>();
    for (Emulation.Prepared run : runs) {
      Settings s = run.settings();
      Path f = into.resolve(s.scheme());
      if (!started(f)) {
        notStarted = notStarted == null ? s.scheme() : notStarted;
        steps.add(Step.FRESH);
        continue;
      }
      // Judged under its lock, held until it runs or the compare ends.
      lockScheme(f);
      if (notStarted != null) {
        throw new UserException(
            "--resume: "
                + into
                + " holds a run of "
                + s.scheme()
                + " but none of "
                + notStarted
                + ", which --schemes gives before it; a compare runs its schemes in order, so it"
                + " was not a compare of --schemes "
                + String.join(",", schemeNames()));
      }
      ResumeDiff.CutShort cut = ResumeDiff.cutShort(f, s.resolved(), Set.of());
      if (cut != null && cut.startsAgain()) {
        // Its start was cut short before its first row (killed, or a full disk that cut its
        // scenario.conf off): it runs again from round 0 there, which loses nothing, as a
        // --failover holder does (before 2026-12-07 it was refused, and only deleting the folder
        // by hand went on).
        rowless.add(f);
        steps.add(Step.FRESH);
        continue;
      }
      if (!Files.isRegularFile(f.resolve("scenario.conf"))) {
        throw new UserException(
            "--resume: " + f + " holds no scenario.conf: it is not a run's results folder");
      }
      List<String> diff = ResumeDiff.differences(f, s.resolved(), 3);
      if (diff == null) {
        throw new UserException("--resume: cannot read " + f.resolve("scenario.conf"));
      }
      if (!diff.isEmpty()) {
        throw RunCommand.otherConfiguration(f, scenario, diff, s);
      }
      boolean finished = RunCommand.finished(f, s) != null;
      // With --keep-refused a run that failed left its line: it is kept as failed, not run again.
      String failure = !finished && keepRefused ? failureOf(f) : null;
      if (finished || failure != null) {
        // Its keys match; the inputs as read (an availability file's rows) must too, as a
        // checkpoint's fingerprint must for run --resume: else the comparison mixes two inputs.
        String recorded = inputs.get(inputsKey(resume, f));
        if (recorded == null) {
          unchecked.add(
              "splitemu: --resume: "
                  + resume.resolve(RECORD)
                  + " records no fingerprint of the inputs "
                  + f
                  + " was run with (a compare of an earlier build): "
                  + s.scheme()
                  + " is kept as its scenario.conf matches; an edited availability file or other"
                  + " input it read is not seen");
        } else if (!Checkpoints.configurationOf(recorded).equals(Checkpoints.fingerprint(s))) {
          throw RunCommand.otherConfiguration(f, scenario, diff, s);
        } else if (Checkpoints.inputDiffering(recorded, s) != null) {
          throw RunCommand.otherInputs(f, scenario, Checkpoints.inputDiffering(recorded, s));
        }
        Scheme scheme = Schemes.of(s.scheme());
        if (failure != null) {
          steps.add(
              new Step(
                  null, null, new Comparison.Failure(s.scheme(), scheme.model(s), failure, f)));
          continue;
        }
        Summary summary = ResultsWriter.readSummary(f.resolve("summary.json"));
        steps.add(
            new Step(
                new Comparison.Entry(
                    summary,
                    ResultsWriter.readRounds(f),
                    f,
                    pricePerHour(s),
                    scheme.model(s),
                    scheme.modelKey(),
                    -1),
                null));
        continue;
      }
      if (!hasCheckpoint(f)) {
        throw new UserException(
            "--resume: "
                + f
                + " holds a run of "
                + s.scheme()
                + " that did not finish and has no checkpoint to go on from ("
                + RunCommand.noCheckpointWhy(RunCommand.recordedEvery(f, s))
                + "); delete that folder to run "
                + s.scheme()
                + " again");
      }
      steps.add(new Step(null, RunCommand.checkpointToResume(s, f, scenario, err)));
    }
    // Every folder judged (a refusal leaves them as they were): what a start cut short wrote goes,
    // and failed.txt's stale temporaries.
    for (Path f : rowless) {
      ResultsWriter.removeRowless(f);
      err.println(
          "splitemu compare: "
              + f
              + " holds no rows and no checkpoint (its start was cut short), so its run starts"
              + " again from round 0 in it");
    }
    for (Emulation.Prepared run : runs) {
      deleteStaleFailureTemporaries(into.resolve(run.settings().scheme()));
    }
    unchecked.forEach(err::println);
    err.flush();
    return steps;
  }

  /**
   * The failure's line {@code f}'s {@link #FAILURE} records (a run that failed in a compare with
   * {@code --keep-refused}), or null if it holds none.
   */
  private static String failureOf(Path f) {
    Path file = f.resolve(FAILURE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      String why = Comparison.oneLine(Files.readString(file));
      return why.isEmpty() ? "(no reason recorded)" : why;
    } catch (IOException e) {
      throw new UserException("--resume: cannot read " + file + ": " + IoReasons.reason(e, file));
    }
  }

  /** Whether results folder {@code f} exists and holds anything but its lock's file. */
  private static boolean started(Path f) {
    if (!Files.isDirectory(f)) {
      return false;
    }
    try (var entries = Files.list(f)) {
      return entries.anyMatch(e -> !e.getFileName().toString().equals(FolderLock.FILE));
    } catch (IOException e) {
      throw new UserException("--resume: cannot list " + f + ": " + IoReasons.reason(e, f));
    }
  }

  private static boolean hasCheckpoint(Path f) {
    Path folder = f.resolve("checkpoints");
    if (!Files.isDirectory(folder)) {
      return false;
    }
    try (var files = Files.list(folder)) {
      return files.anyMatch(ResultsWriter::isCheckpoint);
    } catch (IOException e) {
      throw new UserException(
          "--resume: cannot list " + folder + ": " + IoReasons.reason(e, folder));
    }
  }

  /**
   * The command that resumes this compare in {@code dir}: its options (those that change what runs
   * or what is written) and paths quoted for a POSIX shell.
   */
  String resumeCommand(Path dir) {
    StringBuilder b =
        new StringBuilder(RunCommand.launcher())
            .append(" compare ")
            .append(RunCommand.shellWord(scenario.toString()))
            .append(" --schemes ")
            .append(RunCommand.shellWord(String.join(",", schemeNames())));
    for (String sweep : sweepOptions()) {
      b.append(" --sweep ").append(RunCommand.shellWord(sweep));
    }
    if (keepRefused) {
      b.append(" --keep-refused");
    }
    if (!figure.equals(DEFAULT_FIGURE)) {
      b.append(" --figure ").append(RunCommand.shellWord(figure));
    }
    return b.append(RunCommand.shellSets(sets))
        .append(" --resume ")
        .append(RunCommand.shellWord(dir.toString()))
        .toString();
  }

  private static List<String> with(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /**
   * The settings reader names an override as {@code --set key=value: 1: splitemu.key: reason}, also
   * inside a scheme's refusal ({@code psl: --set model.cut=9: 1: splitemu.model.cut: ...}); under
   * {@code --sweep} that would name an option not given: {@code message} without the origin of each
   * of the point's {@code overrides}.
   */
  static String withoutSetPrefix(String message, List<String> overrides) {
    String m = message == null ? "" : message;
    for (String o : overrides) {
      String prefix = "--set " + o + ": ";
      m = m.replace(prefix + "1: ", "").replace(prefix, "");
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
