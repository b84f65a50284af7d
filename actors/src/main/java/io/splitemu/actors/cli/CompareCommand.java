package io.splitemu.actors.cli;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.Comparison;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunFailedException;
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
 * seed, and writes one folder with each run and the comparison.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Runs a scenario once per scheme and writes a comparison table and plots.")
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

  @Option(names = "--out", paramLabel = "DIR", description = "results folder (must not exist)")
  Path out;

  @Override
  public Integer call() throws IOException {
    PrintWriter w = spec.commandLine().getOut();
    Settings base = Settings.load(scenario, sets);
    // Every run is built (and so checked) before any folder exists.
    List<Emulation.Prepared> runs = new ArrayList<>();
    for (String scheme : schemes) {
      runs.add(Emulation.prepare(base.withScheme(scheme.trim())));
    }
    Path dir =
        out != null
            ? out
            : ResultsWriter.newRunFolder(
                base.outputDir(), base.scenario() + "-compare", Clock.systemUTC());
    if (Files.exists(dir)) {
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new UserException("results folder " + dir + " is not empty; choose another --out");
        }
      }
    }
    Files.createDirectories(dir);
    List<Comparison.Entry> entries = new ArrayList<>();
    for (Emulation.Prepared run : runs) {
      Settings s = run.settings();
      Emulation.Outcome o;
      try (Progress p = new Progress(w, s.scheme(), s.rounds(), Progress.terminal())) {
        o = Emulation.run(run, dir.resolve(s.scheme()), p);
      } catch (RunFailedException e) {
        // The schemes already run are complete in the comparison folder; no table is written.
        throw new RunFailedException("scheme " + s.scheme() + ": " + e.getMessage(), dir);
      }
      entries.add(new Comparison.Entry(o.summary(), o.rounds(), o.dir()));
    }
    String table = Comparison.write(dir, base.scenario(), entries);
    w.print(table);
    w.println("results: " + dir.toAbsolutePath());
    w.println("report:  " + dir.resolve("comparison.md").toAbsolutePath());
    w.flush();
    return 0;
  }
}
