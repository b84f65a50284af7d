package io.splitemu.actors.cli;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.runtime.Emulation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code splitemu run}: runs one scenario and writes its results folder. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Runs a scenario and writes results/<scenario>-<time>/ (or --out).")
public final class RunCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SCENARIO", description = "a HOCON scenario file")
  Path scenario;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "override a setting, e.g. --set rounds=3 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "results folder (must not exist)")
  Path out;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    Settings s = Settings.load(scenario, sets);
    Path dir =
        out != null
            ? out
            : ResultsWriter.newRunFolder(s.outputDir(), s.scenario(), Clock.systemUTC());
    // A signal (SIGTERM, Ctrl-C) ends the JVM with its usual status; this says what was kept.
    Thread onSignal = new Thread(() -> System.err.println(signalLine(dir)), "splitemu-signal");
    Runtime.getRuntime().addShutdownHook(onSignal);
    Emulation.Outcome o;
    try (Progress p = new Progress(w, s.scheme(), s.rounds(), Progress.terminal())) {
      o = Emulation.run(s, dir, p);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is already stopping: the hook runs and prints its line.
      }
    }
    printSummary(w, o);
    w.flush();
    Metrics.linger(MetricsSettings.of(s), w);
    return 0;
  }

  /** The one line printed when a signal stops a run writing into {@code dir}. */
  static String signalLine(Path dir) {
    return Files.isDirectory(dir)
        ? "splitemu: stopped by a signal; the rounds recorded so far are in " + dir.toAbsolutePath()
        : "splitemu: stopped by a signal before any result was written";
  }

  static void printSummary(PrintWriter w, Emulation.Outcome o) {
    var sm = o.summary();
    w.printf(
        Locale.ROOT,
        "%s (%s): %d rounds, emulated %.3f s, wall %.1f s, final accuracy %s%n",
        sm.scenario(),
        sm.scheme(),
        sm.rounds(),
        sm.emulatedTimeS(),
        sm.wallTimeS(),
        Double.isNaN(sm.finalAccuracy())
            ? "n/a (timing run)"
            : String.format(Locale.ROOT, "%.4f", sm.finalAccuracy()));
    w.println("results: " + o.dir().toAbsolutePath());
    w.println("report:  " + o.dir().resolve("report.md").toAbsolutePath());
    w.flush();
  }
}
