package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.RoundRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real {@code splitemu run} in its own JVM, stopped by SIGTERM once a round is on disk: it stops
 * at the end of the round under way with a checkpoint, exits with 143 and one line naming the
 * checkpoint and the resume command, and {@code --resume} finishes the run to the rows of a run
 * that was never stopped. A second SIGTERM exits at once without a checkpoint, saying so.
 */
class SigtermTest {

  @TempDir Path tmp;

  private static final int ROUNDS = 8;

  /** A small timing-fidelity psl scenario; pacing makes each round last a while on the wall. */
  private Path scenario() throws Exception {
    return scenario("psl");
  }

  /** As {@link #scenario()} for {@code scheme} (MP-SL's on the shared data's profiles). */
  private Path scenario(String scheme) throws Exception {
    return scenario(scheme, ROUNDS);
  }

  /** As {@link #scenario(String)}, of {@code rounds} rounds. */
  private Path scenario(String scheme, int rounds) throws Exception {
    return scenario(scheme, rounds, 3);
  }

  /** As {@link #scenario(String)}, of {@code rounds} rounds of {@code localSteps} (not MP-SL). */
  private Path scenario(String scheme, int rounds, int localSteps) throws Exception {
    Path f = tmp.resolve("term.conf");
    if (scheme.startsWith("mpsl")) {
      Files.writeString(f, CheckpointResumeTest.mpslScenario(scheme, "term", rounds, ""));
      return f;
    }
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = term\n"
            + "  scheme = psl\n"
            + "  rounds = "
            + rounds
            + "\n  local-steps = "
            + localSteps
            + "\n"
            + "  batch-size = 16\n"
            + "  fidelity = timing\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  links.static.uplink-bps = [1e6, 2e6, 4e6]\n"
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  /** The virtual run of the scenario, and the speedup at which its round 1 lasts {@code wallS}. */
  private String speedupFor(Path scenario, Path virtualOut, double wallS) {
    ProfileCommandTest.Result v =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", virtualOut.toString());
    assertEquals(0, v.code(), v.err());
    double latency =
        Double.parseDouble(CsvTable.read(virtualOut.resolve("rounds.csv")).get(0).get(3));
    return String.format(Locale.ROOT, "%.6f", latency / wallS);
  }

  /** MP-SL stops at the next epoch boundary (after the FedAvg barrier), an epoch being a round. */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "mpsl"})
  void sigterm_stopsAtTheRoundsEndWithACheckpoint_andResumeFinishesTheRun(String scheme)
      throws Exception {
    // Paths with spaces: the printed resume command quotes them for a shell.
    Path scenario = Files.move(scenario(scheme), tmp.resolve("term 1.conf"));
    Path virtual = tmp.resolve("virtual");
    String speedup = speedupFor(scenario, virtual, 0.5);
    Path out = tmp.resolve("out 1");
    String[] paced = {"--set", "mode=paced", "--set", "speedup=" + speedup};
    List<String> args =
        new ArrayList<>(List.of("run", scenario.toString(), "--out", out.toString()));
    args.addAll(List.of(paced));
    Path child = Files.createDirectories(tmp.resolve("child"));
    int stoppedAfter;
    try (ChildRun run = ChildRun.start(child, args.toArray(new String[0]))) {
      Path rounds = out.resolve("rounds.csv");
      stoppedAfter = sigtermAfterARound(run, rounds, "run", 120);
      assertTrue(stoppedAfter >= 1 && stoppedAfter < ROUNDS, run.stderr());
      Path checkpoint = out.resolve(String.format("checkpoints/round-%06d.ckpt", stoppedAfter));
      assertEquals(
          List.of(
              "splitemu: stopped by SIGTERM after round "
                  + stoppedAfter
                  + "; checkpoint "
                  + checkpoint
                  + "; resume with: splitemu run '"
                  + scenario
                  + "' --set mode=paced --set speedup="
                  + speedup
                  + " --resume '"
                  + out
                  + "'"),
          said(run.stderrFile()),
          run.stdout());
      assertTrue(Files.isRegularFile(checkpoint));
      if (scheme.startsWith("mpsl")) {
        // The stopped run's summary has its hops' peaks (from the checkpoint it stopped at).
        var peaks =
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile())
                .path("peakModelMemoryBytes");
        assertTrue(peaks.size() > 1, "peaks of the device and the hops: " + peaks);
      }
    }
    List<String> resume = new ArrayList<>(List.of("run", scenario.toString()));
    resume.addAll(List.of(paced));
    resume.addAll(List.of("--resume", out.toString()));
    // The printed command, as a shell splits it, is that resume.
    String line = said(child.resolve("stderr.txt")).get(0);
    List<String> words =
        CompareResumeTest.shellWords(line.substring(line.indexOf("resume with: ") + 13));
    assertEquals(resume, words.subList(1, words.size()), line);
    ProfileCommandTest.Result r = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    List<List<String>> want = CsvTable.read(virtual.resolve("rounds.csv"));
    List<List<String>> got = CsvTable.read(out.resolve("rounds.csv"));
    assertEquals(ROUNDS, got.size(), "every round once");
    for (int i = 0; i < ROUNDS; i++) {
      assertEquals(want.get(i).subList(0, 14), got.get(i).subList(0, 14), "round " + (i + 1));
    }
    // The stopped run wrote no pacing row; the resume writes the run's one.
    assertEquals(
        1,
        CsvTable.read(out.resolve("events.csv")).stream()
            .filter(e -> e.get(2).equals("pacing"))
            .count());
  }

  /**
   * A paced round far longer on the wall than the stop's bound (an hour): SIGTERM releases the
   * run's schedule, so the round under way ends at virtual speed within seconds, with a checkpoint
   * of the same emulated instants. Before, the run waited on the wall clock, and the stop's
   * watchdog, seeing no row or step for barrier.timeout plus a minute, exited without a checkpoint.
   * The resume (paced, at the checkpoint's instant on schedule), stopped the same way in its last
   * round, finishes the run: its rows equal the virtual run's but for the host columns.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "mpsl"})
  void pacedRoundOfAnHour_sigtermReleasesTheSchedule_stopsInSecondsWithACheckpoint(String scheme)
      throws Exception {
    int rounds = 2;
    Path scenario = scenario(scheme, rounds);
    Path virtual = tmp.resolve("virtual");
    String speedup = speedupFor(scenario, virtual, 3_600);
    Path out = tmp.resolve("out");
    List<String> paced = List.of("--set", "mode=paced", "--set", "speedup=" + speedup);
    List<String> args =
        new ArrayList<>(List.of("run", scenario.toString(), "--out", out.toString()));
    args.addAll(paced);
    Path checkpoint = out.resolve("checkpoints/round-000001.ckpt");
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("child")), args.toArray(new String[0]))) {
      Process p = run.process();
      // rounds.csv is written once the run's SIGTERM handling is in place
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(out.resolve("rounds.csv"))
          && p.isAlive()
          && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      Thread.sleep(2_000); // well into round 1, which lasts an hour on the wall
      assertTrue(p.isAlive(), "the run ended by itself: " + run.stderr());
      assertEquals(1, lines(out.resolve("rounds.csv")), "round 1 is under way");
      p.destroy(); // SIGTERM
      assertTrue(
          p.waitFor(30, TimeUnit.SECONDS),
          "the paced run did not stop within 30 s of SIGTERM: " + run.stderr());
      assertEquals(143, p.exitValue(), run.stderr());
      assertEquals(
          List.of(
              "splitemu: stopped by SIGTERM after round 1; checkpoint "
                  + checkpoint
                  + "; resume with: splitemu run "
                  + scenario
                  + " --set mode=paced --set speedup="
                  + speedup
                  + " --resume "
                  + out),
          said(run.stderrFile()),
          run.stdout());
      assertTrue(Files.isRegularFile(checkpoint));
      assertEquals(2, lines(out.resolve("rounds.csv")), "round 1 recorded");
    }
    List<String> resume = new ArrayList<>(List.of("run", scenario.toString()));
    resume.addAll(paced);
    resume.addAll(List.of("--resume", out.toString()));
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("resume")), resume.toArray(new String[0]))) {
      Process p = run.process();
      Path events = out.resolve("events.csv");
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (CsvTable.read(events).stream().noneMatch(e -> e.get(2).equals("resume"))
          && p.isAlive()
          && System.nanoTime() < giveUp) {
        Thread.sleep(50);
      }
      Thread.sleep(1_000);
      assertTrue(p.isAlive(), "the resume ended by itself: " + run.stderr());
      assertEquals(2, lines(out.resolve("rounds.csv")), "round 2 is under way");
      p.destroy(); // SIGTERM in the last round: it ends at once, and so does the run
      assertTrue(
          p.waitFor(30, TimeUnit.SECONDS),
          "the paced resume did not stop within 30 s of SIGTERM: " + run.stderr());
      assertEquals(0, p.exitValue(), run.stderr());
    }
    List<List<String>> want = CsvTable.read(virtual.resolve("rounds.csv"));
    List<List<String>> got = CsvTable.read(out.resolve("rounds.csv"));
    assertEquals(rounds, got.size(), "every round once");
    List<String> header = RoundRecord.HEADER;
    assertEquals(String.join(",", header), Files.readAllLines(out.resolve("rounds.csv")).get(0));
    for (int i = 0; i < rounds; i++) {
      for (int c = 0; c < header.size(); c++) {
        if (!RoundRecord.HOST_COLUMNS.contains(header.get(c))) {
          assertEquals(
              want.get(i).get(c), got.get(i).get(c), "round " + (i + 1) + " " + header.get(c));
        }
      }
    }
  }

  @Test
  void secondSigterm_exitsAtOnceWithoutACheckpoint_sayingSo() throws Exception {
    // A round of 30,000 steps lasts seconds even at virtual speed (a paced run's would not: the
    // first SIGTERM releases its schedule), so the second SIGTERM comes before its end.
    Path scenario = scenario("psl", 2, 30_000);
    Path out = tmp.resolve("out");
    Path child = Files.createDirectories(tmp.resolve("child"));
    try (ChildRun run =
        ChildRun.start(child, "run", scenario.toString(), "--out", out.toString())) {
      Process p = run.process();
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (lines(out.resolve("rounds.csv")) < 1 && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(p.isAlive(), "the run ended by itself: " + run.stderr());
      p.destroy();
      Thread.sleep(300);
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a second SIGTERM did not end the run");
      assertEquals(143, p.exitValue());
      assertEquals(
          List.of(
              "splitemu: a second SIGTERM: exiting at once; no checkpoint of the stop was"
                  + " written; the rounds recorded so far are in "
                  + out
                  + "; no checkpoint to resume from (with checkpoint.every = 0, the default, a"
                  + " run takes a checkpoint only when SIGTERM stops it, so a run killed or ended"
                  + " at once has none however many rounds it ran)"),
          said(run.stderrFile()));
      assertFalse(Files.exists(out.resolve("checkpoints")), "no checkpoint taken");
    }
  }

  /**
   * A second SIGTERM while a compare stopped by the first writes its comparison lets it be written:
   * comparison.md and whole plots, the stop's line with the resume command, 143 (before 2026-12-07
   * the handler was gone by then: the JVM ended at once without a line, leaving no comparison.md
   * and a cut PNG). A test property holds the compare as that phase starts, so the second signal
   * lands in it.
   */
  @Test
  void compare_secondSigtermWhileTheComparisonIsWritten_letsItBeWritten_andSaysHowToResume()
      throws Exception {
    // Rounds of 30,000 steps last seconds: the first SIGTERM lands in a round of psl.
    Path scenario = scenario("psl", 4, 30_000);
    Path out = tmp.resolve("cmp");
    Path hold = tmp.resolve("hold");
    Path child = Files.createDirectories(tmp.resolve("child"));
    try (ChildRun run =
        ChildRun.start(
            child,
            List.of("-Dsplitemu.test.hold-comparison=" + hold),
            "compare",
            scenario.toString(),
            "--schemes",
            "psl,sl",
            "--out",
            out.toString())) {
      Process p = run.process();
      Path rounds = out.resolve("psl").resolve("rounds.csv");
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (lines(rounds) < 2 && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(p.isAlive(), "the compare ended by itself: " + run.stderr());
      p.destroy(); // the first SIGTERM: psl stops at its round's end
      while (!Files.exists(hold) && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(Files.exists(hold), "the compare never began its comparison: " + run.stderr());
      p.destroy(); // the second, while the comparison is written
      Thread.sleep(500);
      Files.delete(hold);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the compare did not end");
      assertEquals(143, p.exitValue(), run.stderr());
      List<String> said = said(run.stderrFile());
      assertEquals(1, said.size(), run.stderr());
      assertTrue(
          said.get(0).startsWith("splitemu: compare stopped by SIGTERM: psl after round ")
              && said.get(0).contains("; sl not run; what ran is compared in ")
              && said.get(0)
                  .endsWith(
                      "; resume the compare with: splitemu compare "
                          + scenario
                          + " --schemes psl,sl --resume "
                          + out),
          said.get(0));
    }
    assertTrue(Files.readString(out.resolve("comparison.md")).contains("psl (stopped)"));
    try (var pngs = Files.list(out.resolve("plots"))) {
      List<Path> all = pngs.toList();
      assertFalse(all.isEmpty());
      for (Path png : all) {
        assertTrue(png.toString().endsWith(".png"), "left behind: " + png);
        assertTrue(javax.imageio.ImageIO.read(png.toFile()) != null, png + " is not a whole PNG");
      }
    }
  }

  /**
   * {@code compare} stops as {@code run} does: the scheme under way at the end of its round, with
   * its summary and report; the schemes after it do not start; what ran is compared, the stopped
   * scheme marked; one line says where, and the status is 143. Stopped in the first scheme (the
   * second not run) or in the second (the first complete).
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void compare_sigterm_stopsTheSchemeAtItsRoundsEnd_andComparesWhatRan(boolean inSecond)
      throws Exception {
    Path scenario = scenario();
    String speedup = speedupFor(scenario, tmp.resolve("virtual"), 0.4);
    Path out = tmp.resolve("cmp");
    Path child = Files.createDirectories(tmp.resolve("child"));
    String stopped = inSecond ? "sl" : "psl";
    int stoppedAfter;
    try (ChildRun run =
        ChildRun.start(
            child,
            "compare",
            scenario.toString(),
            "--schemes",
            "psl,sl",
            "--out",
            out.toString(),
            "--set",
            "mode=paced",
            "--set",
            "speedup=" + speedup)) {
      Path rounds = out.resolve(stopped).resolve("rounds.csv");
      stoppedAfter = sigtermAfterARound(run, rounds, "compare", 180);
      assertTrue(stoppedAfter >= 1 && stoppedAfter < ROUNDS, run.stderr());
      Path checkpoint =
          out.resolve(stopped).resolve(String.format("checkpoints/round-%06d.ckpt", stoppedAfter));
      assertEquals(
          List.of(
              "splitemu: compare stopped by SIGTERM: "
                  + stopped
                  + " after round "
                  + stoppedAfter
                  + " (checkpoint "
                  + checkpoint
                  + "; resume it alone with: splitemu run "
                  + scenario
                  + " --set mode=paced --set speedup="
                  + speedup
                  + " --set scheme="
                  + stopped
                  + " --resume "
                  + out.resolve(stopped)
                  + ")"
                  + (inSecond ? "" : "; sl not run")
                  + "; what ran is compared in "
                  + out.resolve("comparison.md")
                  + "; resume the compare with: splitemu compare "
                  + scenario
                  + " --schemes psl,sl --set mode=paced --set speedup="
                  + speedup
                  + " --resume "
                  + out),
          said(run.stderrFile()),
          run.stdout());
    }
    // The stopped scheme's folder is a finished (partial) run: its summary, report and plots.
    assertTrue(Files.isRegularFile(out.resolve(stopped).resolve("summary.json")));
    assertTrue(Files.isRegularFile(out.resolve(stopped).resolve("report.md")));
    assertEquals(
        stoppedAfter,
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(out.resolve(stopped).resolve("summary.json").toFile())
            .path("rounds")
            .asInt());
    assertEquals(!inSecond, !Files.exists(out.resolve("sl")), "sl starts only after psl");
    List<String> header =
        CsvTable.parseLine(Files.readAllLines(out.resolve("comparison.csv")).get(0));
    List<List<String>> rows = CsvTable.read(out.resolve("comparison.csv"));
    assertEquals(inSecond ? 2 : 1, rows.size(), rows.toString());
    List<String> last = rows.get(rows.size() - 1);
    assertEquals(stopped, last.get(header.indexOf("scheme")));
    assertEquals(Integer.toString(stoppedAfter), last.get(header.indexOf("stopped_after_round")));
    assertEquals(Integer.toString(stoppedAfter), last.get(header.indexOf("rounds")));
    if (inSecond) {
      assertEquals("", rows.get(0).get(header.indexOf("stopped_after_round")));
      assertEquals(Integer.toString(ROUNDS), rows.get(0).get(header.indexOf("rounds")));
    }
    String md = Files.readString(out.resolve("comparison.md"));
    assertTrue(md.matches("(?s).*\\| " + stopped + " \\(stopped\\) +\\|.*"), md);
    assertTrue(
        md.contains(stopped + " was stopped by SIGTERM after round " + stoppedAfter + ":"), md);
    assertEquals(!inSecond, md.contains("Not run (the compare was stopped by SIGTERM"), md);

    // The command the line gives resumes the stopped scheme alone to its last round.
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario.toString(),
            "--set",
            "mode=paced",
            "--set",
            "speedup=" + speedup,
            "--set",
            "scheme=" + stopped,
            "--resume",
            out.resolve(stopped).toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(ROUNDS, CsvTable.read(out.resolve(stopped).resolve("rounds.csv")).size());
  }

  /**
   * {@code compare --sweep} stops at the point under way: its comparison and the sweep's table of
   * the rows so far are written, the line names the point, and its resume command carries the
   * point's settings.
   */
  @Test
  void compareSweep_sigterm_stopsAtThePointUnderWay_andWritesTheRowsSoFar() throws Exception {
    Path scenario = scenario();
    String speedup = speedupFor(scenario, tmp.resolve("virtual"), 0.4);
    Path out = tmp.resolve("sweep");
    Path child = Files.createDirectories(tmp.resolve("child"));
    String key = "links.static.uplink-bps";
    Path pointDir = out.resolve("001-" + key + "=1e6");
    int stoppedAfter;
    try (ChildRun run =
        ChildRun.start(
            child,
            "compare",
            scenario.toString(),
            "--schemes",
            "psl,sl",
            "--sweep",
            key + "=1e6,2e6",
            "--out",
            out.toString(),
            "--set",
            "mode=paced",
            "--set",
            "speedup=" + speedup)) {
      Path rounds = pointDir.resolve("psl/rounds.csv");
      stoppedAfter = sigtermAfterARound(run, rounds, "compare", 180);
      assertEquals(
          List.of(
              "splitemu: compare stopped by SIGTERM at point 1/2 ("
                  + key
                  + "=1e6): psl after round "
                  + stoppedAfter
                  + " (checkpoint "
                  + pointDir.resolve(String.format("psl/checkpoints/round-%06d.ckpt", stoppedAfter))
                  + "; resume it alone with: splitemu run "
                  + scenario
                  + " --set mode=paced --set speedup="
                  + speedup
                  + " --set "
                  + key
                  + "=1e6 --set scheme=psl --resume "
                  + pointDir.resolve("psl")
                  + "); sl not run; what ran is compared in "
                  + out.resolve("sweep.md")
                  + "; resume the compare with: splitemu compare "
                  + scenario
                  + " --schemes psl,sl --sweep "
                  + key
                  + "=1e6,2e6 --set mode=paced --set speedup="
                  + speedup
                  + " --resume "
                  + out),
          said(run.stderrFile()),
          run.stdout());
    }
    List<String> header = CsvTable.parseLine(Files.readAllLines(out.resolve("sweep.csv")).get(0));
    List<List<String>> rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(1, rows.size(), rows.toString());
    assertEquals("psl", rows.get(0).get(header.indexOf("scheme")));
    assertEquals(
        Integer.toString(stoppedAfter), rows.get(0).get(header.indexOf("stopped_after_round")));
    // sweep.md marks the stopped scheme too: its figures are of its rounds so far.
    String md = Files.readString(out.resolve("sweep.md"));
    assertTrue(md.contains("| 1e6 | psl (stopped) | " + stoppedAfter + " |"), md);
    assertTrue(md.contains("was stopped by SIGTERM after round " + stoppedAfter + ":"), md);
    assertTrue(Files.isRegularFile(pointDir.resolve("comparison.md")));
    assertFalse(Files.exists(out.resolve("002-" + key + "=2e6")));
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario.toString(),
            "--set",
            "mode=paced",
            "--set",
            "speedup=" + speedup,
            "--set",
            key + "=1e6",
            "--set",
            "scheme=psl",
            "--resume",
            pointDir.resolve("psl").toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(ROUNDS, CsvTable.read(pointDir.resolve("psl/rounds.csv")).size());
  }

  /**
   * A SIGTERM while {@code compare --sweep} writes the comparison of a point that was not stopped
   * (held there by the test property {@code splitemu.test.hold-comparison}) lets that comparison be
   * written whole and stops the compare before the next point, as docs/runtime.md says: one line
   * naming the next point's schemes not run, the sweep's tables of the points so far, 143, and no
   * folder for the point not run (as for a stop within a point). {@code compare --resume} then
   * keeps the first point's schemes and runs the second, to whole tables.
   */
  @Test
  void compareSweep_sigtermWhileAWholePointsComparisonIsWritten_stopsBeforeTheNextPoint()
      throws Exception {
    Path scenario = scenario("psl", 2);
    Path out = tmp.resolve("sweep");
    Path hold = tmp.resolve("hold");
    String key = "links.static.uplink-bps";
    Path pointDir = out.resolve("001-" + key + "=1e6");
    List<String> common =
        List.of("compare", scenario.toString(), "--schemes", "psl,sl", "--sweep", key + "=1e6,2e6");
    List<String> first = new ArrayList<>(common);
    first.addAll(List.of("--out", out.toString()));
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("child")),
            List.of("-Dsplitemu.test.hold-comparison=" + hold),
            first.toArray(new String[0]))) {
      Process p = run.process();
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(hold) && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(Files.exists(hold), "point 1's comparison was not held: " + run.stderr());
      assertTrue(Files.isRegularFile(pointDir.resolve("sl/summary.json")), "sl did not finish");
      p.destroy(); // SIGTERM while point 1's comparison is written
      Thread.sleep(500);
      Files.delete(hold);
      // A later hold (another comparison written) is let go at once.
      while (p.isAlive() && System.nanoTime() < giveUp) {
        Files.deleteIfExists(hold);
        Thread.sleep(20);
      }
      assertFalse(p.isAlive(), "the compare did not end");
      assertEquals(143, p.exitValue(), run.stderr());
      assertEquals(
          List.of(
              "splitemu: compare stopped by SIGTERM at point 2/2 ("
                  + key
                  + "=2e6): psl, sl not run; what ran is compared in "
                  + out.resolve("sweep.md")
                  + "; resume the compare with: splitemu compare "
                  + scenario
                  + " --schemes psl,sl --sweep "
                  + key
                  + "=1e6,2e6 --resume "
                  + out),
          said(run.stderrFile()),
          run.stdout());
      assertFalse(run.stdout().contains("point 2/2"), run.stdout());
    } finally {
      Files.deleteIfExists(hold);
    }
    String md = Files.readString(pointDir.resolve("comparison.md"));
    assertTrue(md.matches("(?s).*\\| psl +\\|.*") && md.matches("(?s).*\\| sl +\\|.*"), md);
    assertFalse(md.contains("(stopped)") || md.contains("Not run"), md);
    List<String> header = CsvTable.parseLine(Files.readAllLines(out.resolve("sweep.csv")).get(0));
    List<List<String>> rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(2, rows.size(), rows.toString());
    for (List<String> row : rows) {
      assertEquals("", row.get(header.indexOf("stopped_after_round")), row.toString());
    }
    assertFalse(Files.exists(out.resolve("002-" + key + "=2e6")), "a folder for a point not run");

    List<String> resume = new ArrayList<>(common);
    resume.addAll(List.of("--resume", out.toString()));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("psl: finished in " + pointDir.resolve("psl") + "; kept"), r.out());
    rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(4, rows.size(), rows.toString());
    for (List<String> row : rows) {
      assertEquals("2", row.get(header.indexOf("rounds")), row.toString());
    }
  }

  /**
   * A resumed {@code compare --sweep} drops the sweep's tables of the earlier stop before it runs
   * anything, as it drops the point's comparison: killed while the stopped scheme goes on, it
   * leaves no sweep.csv/sweep.md (before 2026-12-07 it left the stop's, "psl (stopped)" beside a
   * point folder going on past that round). Resumed to its end it writes them anew, whole; resumed
   * again with nothing left to run, it writes the same files again.
   */
  @Test
  void compareSweep_resumeKilledBeforeItsEnd_leavesNoTablesOfTheEarlierStop() throws Exception {
    Path scenario = scenario();
    String speedup = speedupFor(scenario, tmp.resolve("virtual"), 0.4);
    Path out = tmp.resolve("sweep");
    String key = "links.static.uplink-bps";
    Path pointDir = out.resolve("001-" + key + "=1e6");
    List<String> common =
        List.of(
            "compare",
            scenario.toString(),
            "--schemes",
            "psl,sl",
            "--sweep",
            key + "=1e6,2e6",
            "--set",
            "mode=paced",
            "--set",
            "speedup=" + speedup);
    List<String> first = new ArrayList<>(common);
    first.addAll(List.of("--out", out.toString()));
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("child")), first.toArray(new String[0]))) {
      sigtermAfterARound(run, pointDir.resolve("psl/rounds.csv"), "compare", 180);
    }
    assertTrue(Files.isRegularFile(out.resolve("sweep.csv")), "the stop wrote the tables");
    assertTrue(Files.readString(out.resolve("sweep.md")).contains("psl (stopped)"));
    List<String> resume = new ArrayList<>(common);
    resume.addAll(List.of("--resume", out.toString()));
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("resume")), resume.toArray(new String[0]))) {
      Process p = run.process();
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!run.stdout().contains("psl: resuming") && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(p.isAlive(), "the resume ended by itself: " + run.stderr());
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // a kill while psl goes on
    }
    for (String name : List.of("sweep.csv", "sweep.md", "sweep-mean_round_latency_s.png")) {
      assertFalse(Files.exists(out.resolve(name)), name + " of the earlier stop is left");
    }
    assertFalse(Files.exists(pointDir.resolve("comparison.md")));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    List<String> header = CsvTable.parseLine(Files.readAllLines(out.resolve("sweep.csv")).get(0));
    List<List<String>> rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(4, rows.size(), rows.toString());
    for (List<String> row : rows) {
      assertEquals("", row.get(header.indexOf("stopped_after_round")), row.toString());
      assertEquals(Integer.toString(ROUNDS), row.get(header.indexOf("rounds")), row.toString());
    }
    assertFalse(Files.readString(out.resolve("sweep.md")).contains("(stopped)"));
    byte[] csv = Files.readAllBytes(out.resolve("sweep.csv"));
    String md = Files.readString(out.resolve("sweep.md"));
    // Nothing left to run: every scheme kept, the same tables written again.
    ProfileCommandTest.Result again = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(0, again.code(), again.err());
    assertTrue(java.util.Arrays.equals(csv, Files.readAllBytes(out.resolve("sweep.csv"))));
    assertEquals(md, Files.readString(out.resolve("sweep.md")));
  }

  /**
   * An mpsl scenario (shared data's profiles) whose hop 0 crashes at round 6 of {@link #ROUNDS}.
   */
  private Path hopCrashScenario() throws Exception {
    Path f = tmp.resolve("hop.conf");
    Files.writeString(
        f,
        CheckpointResumeTest.mpslScenario(
            "mpsl", "hop", ROUNDS, "  faults = [{ kind = hop-crash, hop = 0, round = 6 }]\n"));
    return f;
  }

  private static final String HOP_CRASH = "a run with a hop-crash fault cannot be resumed yet";

  /**
   * A compare of an mpsl scenario with a hop-crash, stopped by SIGTERM: its line offers no resume
   * of the stopped scheme (--resume refuses a hop-crash run, alone or in the compare; before
   * 2026-12-07 the line gave both commands) but says so and to delete its folder first; the
   * compare's --resume as given refuses the folder, and after the deletion runs the scheme again to
   * its end.
   */
  @Test
  void compare_sigtermOfAHopCrashScheme_saysItCannotBeResumed_andHowToGoOn() throws Exception {
    Path scenario = hopCrashScenario();
    String speedup = speedupFor(scenario, tmp.resolve("virtual"), 0.5);
    Path out = tmp.resolve("cmp");
    List<String> sets = List.of("--set", "mode=paced", "--set", "speedup=" + speedup);
    List<String> args =
        new ArrayList<>(List.of("compare", scenario.toString(), "--schemes", "mpsl"));
    args.addAll(sets);
    List<String> resume = new ArrayList<>(args);
    resume.addAll(List.of("--resume", out.toString()));
    args.addAll(List.of("--out", out.toString()));
    int stoppedAfter;
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("child")), args.toArray(new String[0]))) {
      stoppedAfter =
          sigtermAfterARound(run, out.resolve("mpsl").resolve("rounds.csv"), "compare", 180);
      assertTrue(stoppedAfter >= 1 && stoppedAfter < ROUNDS, run.stderr());
      assertEquals(
          List.of(
              "splitemu: compare stopped by SIGTERM: mpsl after round "
                  + stoppedAfter
                  + " (checkpoint "
                  + out.resolve("mpsl")
                      .resolve(String.format("checkpoints/round-%06d.ckpt", stoppedAfter))
                  + "; "
                  + HOP_CRASH
                  + "); what ran is compared in "
                  + out.resolve("comparison.md")
                  + "; "
                  + out.resolve("mpsl")
                  + " cannot be resumed ("
                  + HOP_CRASH
                  + "): delete it, then resume the compare with: splitemu compare "
                  + scenario
                  + " --schemes mpsl --set mode=paced --set speedup="
                  + speedup
                  + " --resume "
                  + out),
          said(run.stderrFile()),
          run.stdout());
    }
    ProfileCommandTest.Result refused = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(1, refused.code(), refused.err());
    assertEquals(
        List.of(
            "splitemu: --resume: "
                + scenario
                + " has a hop-crash (faults[0]); a run with a hop crash cannot be resumed yet"),
        refused.err().lines().toList());
    deleteTree(out.resolve("mpsl"));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    assertEquals(ROUNDS, CsvTable.read(out.resolve("mpsl").resolve("rounds.csv")).size());
    assertFalse(Files.readString(out.resolve("comparison.md")).contains("(stopped)"));
  }

  /**
   * A second SIGTERM while a hop-crash mpsl scheme goes on (the first held before it asks the stop,
   * test property {@code splitemu.test.hold-stop}): the halt line of compare says the scheme's
   * folder cannot be resumed and to delete it before the compare's resume, and run's says the run
   * cannot be resumed (before 2026-12-07: compare's blamed checkpoint.every = 0, run's said only
   * that no checkpoint was taken, as if one would let it be resumed).
   */
  @ParameterizedTest
  @ValueSource(strings = {"compare", "run"})
  void secondSigtermInAHopCrashRun_saysItCannotBeResumed(String command) throws Exception {
    Path scenario = hopCrashScenario();
    // A round of an hour on the wall: the run is in round 1 when both signals come.
    String speedup = speedupFor(scenario, tmp.resolve("virtual"), 3_600);
    Path out = tmp.resolve("out");
    Path hold = tmp.resolve("hold");
    List<String> args = new ArrayList<>(List.of(command, scenario.toString()));
    if (command.equals("compare")) {
      args.addAll(List.of("--schemes", "mpsl"));
    }
    args.addAll(List.of("--set", "mode=paced", "--set", "speedup=" + speedup));
    args.addAll(List.of("--out", out.toString()));
    Path rounds =
        command.equals("run") ? out.resolve("rounds.csv") : out.resolve("mpsl/rounds.csv");
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("child")),
            List.of("-Dsplitemu.test.hold-stop=" + hold),
            args.toArray(new String[0]))) {
      Process p = run.process();
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(rounds) && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      Thread.sleep(1_000);
      assertTrue(p.isAlive(), "the " + command + " ended by itself: " + run.stderr());
      p.destroy(); // the first SIGTERM, held before it asks the stop
      while (!Files.exists(hold) && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(Files.exists(hold), "the first SIGTERM was not held: " + run.stderr());
      p.destroy(); // the second, while the run goes on
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a second SIGTERM did not end it");
      assertEquals(143, p.exitValue(), run.stderr());
      String line =
          command.equals("run")
              ? "splitemu: a second SIGTERM: exiting at once; no checkpoint of the stop was"
                  + " written; the rounds recorded so far are in "
                  + out
                  + "; "
                  + HOP_CRASH
              : "splitemu: a second SIGTERM: exiting at once; mpsl: no checkpoint of the stop was"
                  + " written; the rounds recorded so far are in "
                  + out.toAbsolutePath()
                  + " (the comparison is not written: compare --resume writes it); "
                  + out.resolve("mpsl")
                  + " cannot be resumed ("
                  + HOP_CRASH
                  + "): delete it, then resume the compare with: splitemu compare "
                  + scenario
                  + " --schemes mpsl --set mode=paced --set speedup="
                  + speedup
                  + " --resume "
                  + out;
      assertEquals(List.of(line), said(run.stderrFile()));
    } finally {
      Files.deleteIfExists(hold);
    }
  }

  /**
   * A SIGTERM that the handler took but that asks the stop only as the run has ended (held by
   * {@code splitemu.test.hold-stop} until the run wrote its summary) ends the run without its
   * metrics linger, as a SIGTERM during the linger does. Before 2026-12-07 it was swallowed: the
   * handler, racing the run's end, started a watchdog nobody stopped, and the linger ran in full
   * (here 60 s), or the watchdog halted the JVM saying the run showed no progress.
   */
  @Test
  void run_aSigtermTakenAsTheRunEnds_endsTheLinger_notSwallowed() throws Exception {
    Path scenario = scenario("psl", 3);
    String speedup = speedupFor(scenario, tmp.resolve("virtual"), 0.5);
    Path out = tmp.resolve("out");
    Path hold = tmp.resolve("hold");
    int port;
    try (java.net.ServerSocket free =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = free.getLocalPort();
    }
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("child")),
            List.of("-Dsplitemu.test.hold-stop=" + hold),
            "run",
            scenario.toString(),
            "--set",
            "mode=paced",
            "--set",
            "speedup=" + speedup,
            "--set",
            "metrics.enabled=true",
            "--set",
            "metrics.bind-address=127.0.0.1",
            "--set",
            "metrics.port=" + port,
            "--set",
            "metrics.linger=60s",
            "--out",
            out.toString())) {
      Process p = run.process();
      Path rounds = out.resolve("rounds.csv");
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (lines(rounds) < 2 && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(p.isAlive(), "the run ended by itself: " + run.stderr());
      p.destroy(); // the first SIGTERM, held before it asks the stop
      while (!Files.exists(hold) && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(Files.exists(hold), "the first SIGTERM was not held: " + run.stderr());
      // The run goes on unstopped to its end.
      while (!Files.exists(out.resolve("summary.json"))
          && p.isAlive()
          && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
      assertTrue(Files.exists(out.resolve("summary.json")), run.stderr());
      Thread.sleep(500);
      Files.delete(hold);
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the SIGTERM did not end the linger");
      // 0: the run ended whole, the SIGTERM taken before the handler's removal; 143: after it.
      assertTrue(p.exitValue() == 0 || p.exitValue() == 143, p.exitValue() + run.stderr());
      assertTrue(
          said(run.stderrFile()).stream().noneMatch(l -> l.contains("no progress")), run.stderr());
    } finally {
      Files.deleteIfExists(hold);
    }
    assertEquals(3, CsvTable.read(out.resolve("rounds.csv")).size());
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var all = Files.walk(dir)) {
      for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  private static List<String> said(Path err) throws Exception {
    return Files.readAllLines(err, StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("splitemu: "))
        .toList();
  }

  /**
   * Waits up to {@code seconds} for the child's first round in {@code rounds} (its header and one
   * row), stops it with SIGTERM, checks that it exits with 143 and returns the rounds it recorded.
   * {@code what} names it in the failures ("run", "compare").
   */
  static int sigtermAfterARound(ChildRun run, Path rounds, String what, int seconds)
      throws Exception {
    Process p = run.process();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (lines(rounds) < 2 && p.isAlive() && System.nanoTime() < giveUp) {
      Thread.sleep(20);
    }
    assertTrue(p.isAlive(), "the " + what + " ended by itself: " + run.stderr());
    assertTrue(lines(rounds) >= 2, "no round of " + rounds + " recorded within " + seconds + " s");
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the " + what + " did not stop on SIGTERM");
    assertEquals(143, p.exitValue(), run.stderr());
    return (int) lines(rounds) - 1;
  }

  private static long lines(Path f) throws Exception {
    if (!Files.isRegularFile(f)) {
      return 0;
    }
    try (var s = Files.lines(f, StandardCharsets.UTF_8)) {
      return s.count();
    }
  }
}
