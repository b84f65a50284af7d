package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.Comparison;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.RoundRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare --resume}: a real compare of three schemes on a tiny committed scenario, stopped
 * by SIGTERM in its second scheme (as SigtermTest stops one: a child JVM, paced so the signal lands
 * within a round), then resumed. The first scheme is kept as its folder holds it, the stopped one
 * goes on from its checkpoint, the third runs, and the comparison covers all three with the rows of
 * a compare never stopped (host columns aside). A folder that is not this compare's is refused with
 * one line, and left as it was. The runs encode every actor message (serialize-messages on), in the
 * child JVM too.
 */
class CompareResumeTest {

  @TempDir Path tmp;

  private static final String SCHEMES = "psl,sl,sfl-v1";
  private static final int ROUNDS = 4;

  /** The committed scenario (test resources). */
  private static Path scenario() throws Exception {
    return Path.of(CompareResumeTest.class.getResource("/scenarios/compare-resume.conf").toURI());
  }

  /** The speedup at which psl's round 1 lasts {@code wallS} of wall-clock time. */
  private String speedupFor(Path scenario, double wallS) {
    Path virtual = tmp.resolve("virtual");
    ProfileCommandTest.Result v =
        ProfileCommandTest.cli(
            "run", scenario.toString(), "--set", "scheme=psl", "--out", virtual.toString());
    assertEquals(0, v.code(), v.err());
    double latency = Double.parseDouble(CsvTable.read(virtual.resolve("rounds.csv")).get(0).get(3));
    return String.format(Locale.ROOT, "%.6f", latency / wallS);
  }

  private static List<String> args(String... more) {
    return new ArrayList<>(List.of(more));
  }

  private static ProfileCommandTest.Result cli(List<String> args) {
    return ProfileCommandTest.cli(args.toArray(new String[0]));
  }

  /** The CSV's rows without the {@code host} columns (which differ run to run). */
  private static List<List<String>> withoutHostColumns(Path csv, List<String> host)
      throws Exception {
    List<String> header = CsvTable.parseLine(Files.readAllLines(csv).get(0));
    List<List<String>> out = new ArrayList<>();
    for (List<String> row : CsvTable.read(csv)) {
      List<String> kept = new ArrayList<>();
      for (int c = 0; c < header.size(); c++) {
        if (!host.contains(header.get(c))) {
          kept.add(row.get(c));
        }
      }
      out.add(kept);
    }
    return out;
  }

  /** Every file of {@code dir} and below but the plots, by its relative path, with its bytes. */
  private static Map<String, String> files(Path dir) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (var all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all.sorted()::iterator) {
        // The plots are drawn anew by every compare that writes the comparison.
        if (Files.isRegularFile(p) && !p.toString().endsWith(".png")) {
          out.put(
              dir.relativize(p).toString(),
              java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
        }
      }
    }
    return out;
  }

  private static long lines(Path f) throws Exception {
    if (!Files.isRegularFile(f)) {
      return 0;
    }
    try (var s = Files.lines(f, StandardCharsets.UTF_8)) {
      return s.count();
    }
  }

  private static void assertRefused(ProfileCommandTest.Result r, String line) {
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(List.of("splitemu: " + line), r.err().lines().toList(), r.out());
  }

  /**
   * A scheme killed (here: its summary gone, as a SIGKILL leaves it) in a compare with the default
   * checkpoint.every = 0 has no checkpoint however many rounds it ran: the refusals of {@code
   * compare --resume} and of {@code run --resume} on its folder say that checkpoint.every = 0 takes
   * checkpoints only on SIGTERM (before 2026-12-07: "it ended before its first one", and "run with
   * checkpoint.every = K, or stop it with SIGTERM").
   */
  @Test
  void aKilledSchemeWithoutCheckpoints_isRefused_sayingCheckpointEveryZeroTakesThemOnlyOnSigterm()
      throws Exception {
    Path scenario = scenario();
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result c =
        cli(args("compare", scenario.toString(), "--schemes", "psl,sl", "--out", out.toString()));
    assertEquals(0, c.code(), c.err());
    Files.delete(out.resolve("sl").resolve("summary.json"));
    String why =
        "with checkpoint.every = 0, the default, a run takes a checkpoint only when SIGTERM stops"
            + " it, so a run killed or ended at once has none however many rounds it ran";
    assertRefused(
        cli(
            args(
                "compare", scenario.toString(), "--schemes", "psl,sl", "--resume", out.toString())),
        "--resume: "
            + out.resolve("sl")
            + " holds a run of sl that did not finish and has no checkpoint to go on from ("
            + why
            + "); delete that folder to run sl again");
    assertRefused(
        cli(
            args(
                "run",
                scenario.toString(),
                "--set",
                "scheme=sl",
                "--resume",
                out.resolve("sl").toString())),
        "--resume: " + out.resolve("sl") + " holds no checkpoint to resume from (" + why + ")");
  }

  /**
   * A scheme whose start was cut short before its first row (a full disk cut its {@code
   * scenario.conf} off, or none was written: its folder holds that, an empty {@code plots} and the
   * lock's file) runs again from round 0 in its folder on {@code compare --resume}, to the rows of
   * a compare never stopped, with one line saying so (before 2026-12-07 the resume was refused,
   * "cannot read" or "not a run's results folder", and only deleting the folder by hand went on).
   * Where the folder also holds what a run does not write, it is refused as before and left as it
   * was.
   */
  @Test
  void aSchemeCutShortBeforeItsFirstRow_runsAgainFromRoundZero_onResume() throws Exception {
    Path scenario = scenario();
    Path out = tmp.resolve("cmp");
    List<String> once = args("compare", scenario.toString(), "--schemes", "psl,sl");
    List<String> first = new ArrayList<>(once);
    first.addAll(List.of("--out", out.toString()));
    assertEquals(0, cli(first).code());
    Path sl = out.resolve("sl");
    List<List<String>> want =
        withoutHostColumns(sl.resolve("rounds.csv"), RoundRecord.HOST_COLUMNS);
    String conf = Files.readString(sl.resolve("scenario.conf"));
    List<String> resume = new ArrayList<>(once);
    resume.addAll(List.of("--resume", out.toString()));
    // Half of it, an empty file (created, not yet written), none.
    for (String written : java.util.Arrays.asList(conf.substring(0, conf.length() / 2), "", null)) {
      deleteTree(sl);
      Files.createDirectories(sl.resolve("plots"));
      Files.writeString(sl.resolve(io.splitemu.actors.results.FolderLock.FILE), "");
      if (written != null) {
        Files.writeString(sl.resolve("scenario.conf"), written);
      }
      ProfileCommandTest.Result r = cli(resume);
      assertEquals(0, r.code(), r.err());
      assertTrue(
          r.err()
              .contains(
                  "splitemu compare: "
                      + sl
                      + " holds no rows and no checkpoint (its start was cut short), so its run"
                      + " starts again from round 0 in it"),
          r.err());
      assertEquals(
          want, withoutHostColumns(sl.resolve("rounds.csv"), RoundRecord.HOST_COLUMNS), written);
      assertEquals(conf, Files.readString(sl.resolve("scenario.conf")));
    }
    deleteTree(sl);
    Files.createDirectories(sl.resolve("plots"));
    Files.writeString(sl.resolve("notes.txt"), "mine");
    assertRefused(
        cli(resume),
        "--resume: " + sl + " holds no scenario.conf: it is not a run's results folder");
    assertTrue(Files.exists(sl.resolve("notes.txt")));
    assertTrue(Files.isDirectory(sl.resolve("plots")));
  }

  /** Writes "half" into each of {@code files} and dates it an hour back (a stale write's). */
  private static void stale(List<Path> files) throws Exception {
    java.nio.file.attribute.FileTime hourAgo =
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    for (Path p : files) {
      Files.createDirectories(p.getParent());
      Files.writeString(p, "half");
      Files.setLastModifiedTime(p, hourAgo);
    }
  }

  /**
   * {@code compare --resume} deletes the stale temporary files that a kill before their rename left
   * of the files the compare writes, in its folder and its {@code plots/} (a sweep: its folder,
   * {@code sweep-FIGURE.png}'s, and each point's comparison), and keeps a file it does not write
   * and its schemes' own folders (before 2026-12-07 they stayed for good: only a run's resume
   * cleaned, and only its checkpoints and tables).
   */
  @Test
  void aResume_deletesStaleTemporaryFilesOfTheComparesOwnFiles_andKeepsOthers() throws Exception {
    Path scenario = scenario();
    Path cmp = tmp.resolve("cmp");
    List<String> once = args("compare", scenario.toString(), "--schemes", "psl,sl");
    List<String> first = new ArrayList<>(once);
    first.addAll(List.of("--out", cmp.toString()));
    assertEquals(0, cli(first).code());
    List<Path> ours =
        List.of(
            cmp.resolve("comparison.md.4242-0123456789abcdef.tmp"),
            cmp.resolve("compare.conf.tmp"),
            cmp.resolve("plots/accuracy.png.4242-0123456789abcdef.tmp"),
            cmp.resolve("plots/latency-breakdown.png.77.tmp"));
    List<Path> others =
        List.of(
            cmp.resolve("notes.md.4242-0123456789abcdef.tmp"),
            cmp.resolve("plots/mine.png.4242-0123456789abcdef.tmp"),
            cmp.resolve("psl/plots/accuracy.png.4242-0123456789abcdef.tmp"));
    stale(ours);
    stale(others);
    List<String> resume = new ArrayList<>(once);
    resume.addAll(List.of("--resume", cmp.toString()));
    ProfileCommandTest.Result r = cli(resume);
    assertEquals(0, r.code(), r.err());
    for (Path p : ours) {
      assertFalse(Files.exists(p), cmp.relativize(p) + " is left");
    }
    for (Path p : others) {
      assertTrue(Files.exists(p), cmp.relativize(p) + " is not the compare's: kept");
    }

    Path sweep = tmp.resolve("sweep");
    List<String> swept =
        args("compare", scenario.toString(), "--schemes", "psl,sl", "--sweep", "local-steps=2");
    List<String> firstSweep = new ArrayList<>(swept);
    firstSweep.addAll(List.of("--out", sweep.toString()));
    assertEquals(0, cli(firstSweep).code());
    Path point = sweep.resolve("001-local-steps=2");
    List<Path> sweeps =
        List.of(
            sweep.resolve("sweep.md.1-0123456789abcdef.tmp"),
            sweep.resolve("sweep-mean_round_latency_s.png.1-0123456789abcdef.tmp"),
            point.resolve("comparison.csv.4242.tmp"));
    List<Path> notSweeps =
        List.of(
            sweep.resolve("sweep-x.png.old.tmp"),
            point.resolve("notes.csv.1-0123456789abcdef.tmp"));
    stale(sweeps);
    stale(notSweeps);
    List<String> resumeSweep = new ArrayList<>(swept);
    resumeSweep.addAll(List.of("--resume", sweep.toString()));
    r = cli(resumeSweep);
    assertEquals(0, r.code(), r.err());
    for (Path p : sweeps) {
      assertFalse(Files.exists(p), sweep.relativize(p) + " is left");
    }
    for (Path p : notSweeps) {
      assertTrue(Files.exists(p), sweep.relativize(p) + " is not the compare's: kept");
    }
  }

  /**
   * Before a resume runs anything, the earlier stop's comparison goes, its plots with it (only the
   * comparison's: a scheme's folder keeps its own, and a file the compare does not write stays);
   * before 2026-12-07 its plots stayed, the "(stopped)" series beside folders that moved on. With
   * nothing left to run, nothing goes: the comparison is written again at once.
   */
  @Test
  void dropStaleComparison_dropsTheComparisonsPlotsToo() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("cmp"));
    Files.createDirectories(dir.resolve("plots"));
    Files.createDirectories(dir.resolve("psl/plots"));
    List<Path> comparison = new ArrayList<>();
    for (String name : List.of("comparison.md", "comparison.csv")) {
      comparison.add(dir.resolve(name));
    }
    for (String name :
        List.of("accuracy.png", "loss.png", "round-latency.png", "latency-breakdown.png")) {
      comparison.add(dir.resolve("plots").resolve(name));
    }
    List<Path> kept = List.of(dir.resolve("plots/mine.png"), dir.resolve("psl/plots/accuracy.png"));
    for (Path p : comparison) {
      Files.writeString(p, "stop");
    }
    for (Path p : kept) {
      Files.writeString(p, "keep");
    }
    assertFalse(
        CompareCommand.dropStaleComparison(
            dir,
            List.of(
                new CompareCommand.Step(
                    null, null, new Comparison.Failure("psl", null, "x", dir.resolve("psl"))))));
    for (Path p : comparison) {
      assertTrue(Files.exists(p), "nothing runs, yet " + dir.relativize(p) + " is gone");
    }
    assertTrue(CompareCommand.dropStaleComparison(dir, List.of(CompareCommand.Step.FRESH)));
    for (Path p : comparison) {
      assertFalse(Files.exists(p), dir.relativize(p) + " of the earlier stop is left");
    }
    for (Path p : kept) {
      assertTrue(Files.exists(p), dir.relativize(p) + " is not the comparison's: kept");
    }
  }

  @Test
  void stoppedInItsSecondScheme_resumes_keepingTheFirst_toTheRowsOfAnUninterruptedCompare()
      throws Exception {
    Path scenario = scenario();
    String speedup = speedupFor(scenario, 0.3);
    List<String> paced = List.of("--set", "mode=paced", "--set", "speedup=" + speedup);

    // The compare never stopped, with the same options.
    Path ref = tmp.resolve("ref");
    List<String> whole = args("compare", scenario.toString(), "--schemes", SCHEMES);
    whole.addAll(paced);
    whole.addAll(List.of("--out", ref.toString()));
    ProfileCommandTest.Result r = cli(whole);
    assertEquals(0, r.code(), r.err());

    // The same compare in a child JVM, stopped by SIGTERM once sl has a round on disk.
    Path cmp = tmp.resolve("cmp");
    List<String> stopped = args("compare", scenario.toString(), "--schemes", SCHEMES);
    stopped.addAll(paced);
    stopped.addAll(List.of("--out", cmp.toString()));
    Path child = Files.createDirectories(tmp.resolve("child"));
    int stoppedAfter;
    try (ChildRun run =
        ChildRun.start(
            child,
            List.of(
                "-Dpekko.actor.serialize-messages="
                    + System.getProperty("pekko.actor.serialize-messages", "on")),
            stopped.toArray(new String[0]))) {
      Path rounds = cmp.resolve("sl/rounds.csv");
      stoppedAfter = SigtermTest.sigtermAfterARound(run, rounds, "compare", 180);
      assertTrue(stoppedAfter >= 1 && stoppedAfter < ROUNDS, run.stderr());
      String said = run.stderr();
      // The line names the command that resumes the whole compare.
      assertTrue(
          said.contains(
              "; resume the compare with: splitemu compare "
                  + scenario
                  + " --schemes "
                  + SCHEMES
                  + " --set mode=paced --set speedup="
                  + speedup
                  + " --resume "
                  + cmp
                  + "\n"),
          said);
    }
    assertEquals(ROUNDS, CsvTable.read(cmp.resolve("psl/rounds.csv")).size());
    assertFalse(Files.exists(cmp.resolve("sfl-v1")), "sfl-v1 starts only after sl");
    Map<String, String> pslBefore = files(cmp.resolve("psl"));
    Map<String, String> slBefore = files(cmp.resolve("sl"));

    // Refusals, each one line, each leaving the folder as it was.
    List<String> resume = args("compare", scenario.toString(), "--schemes", SCHEMES);
    resume.addAll(paced);
    resume.addAll(List.of("--resume", cmp.toString()));

    List<String> otherRounds = new ArrayList<>(resume);
    otherRounds.addAll(List.of("--set", "rounds=5"));
    assertRefused(
        cli(otherRounds),
        "--resume: "
            + cmp.resolve("psl")
            + " was run with another configuration than "
            + scenario
            + " and these --set options, or by a splitemu build with other defaults"
            + " (splitemu.rounds: 4 in the run, 5 here)");

    List<String> fewer = new ArrayList<>(resume);
    fewer.set(fewer.indexOf(SCHEMES), "psl,sl");
    assertRefused(
        cli(fewer),
        "--resume: " + cmp + " was a compare of --schemes " + SCHEMES + "; here --schemes psl,sl");

    List<String> swept = new ArrayList<>(resume);
    swept.addAll(List.of("--sweep", "local-steps=2,3"));
    assertRefused(
        cli(swept),
        "--resume: " + cmp + " was a compare without --sweep; here with --sweep local-steps=2,3");

    List<String> withOut = new ArrayList<>(resume);
    withOut.addAll(List.of("--out", tmp.resolve("elsewhere").toString()));
    assertRefused(cli(withOut), "--resume goes on in RESULTS_DIR; give no --out with it");

    // A folder of a build before compare.conf is judged by the runs it holds.
    Path record = cmp.resolve("compare.conf");
    String recorded = Files.readString(record);
    Files.delete(record);
    List<String> reordered = new ArrayList<>(resume);
    reordered.set(reordered.indexOf(SCHEMES), "psl,sfl-v1,sl");
    assertRefused(
        cli(reordered),
        "--resume: "
            + cmp
            + " holds a run of sl but none of sfl-v1, which --schemes gives before it; a compare"
            + " runs its schemes in order, so it was not a compare of --schemes psl,sfl-v1,sl");
    List<String> notNamed = new ArrayList<>(resume);
    notNamed.set(notNamed.indexOf(SCHEMES), "psl,sfl-v1");
    assertRefused(
        cli(notNamed),
        "--resume: "
            + cmp.resolve("sl")
            + " is a run of sl, which --schemes psl,sfl-v1 does not name");
    Files.writeString(record, recorded);

    // Not a compare's folder: a run's, and an empty one.
    Path runDir = tmp.resolve("a-run");
    ProfileCommandTest.Result ran =
        ProfileCommandTest.cli(
            "run", scenario.toString(), "--set", "scheme=psl", "--out", runDir.toString());
    assertEquals(0, ran.code(), ran.err());
    List<String> ofRun = new ArrayList<>(resume);
    ofRun.set(ofRun.size() - 1, runDir.toString());
    assertRefused(
        cli(ofRun),
        "--resume: "
            + runDir
            + " is a run's results folder, not a compare's (it holds scenario.conf); resume it"
            + " with splitemu run "
            + scenario
            + " --resume "
            + runDir);
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    List<String> ofEmpty = new ArrayList<>(resume);
    ofEmpty.set(ofEmpty.size() - 1, empty.toString());
    assertRefused(
        cli(ofEmpty),
        "--resume: "
            + empty
            + " is not a compare's folder (it holds no scheme's run and no comparison.csv); to"
            + " start a compare there, give --out");

    assertEquals(pslBefore, files(cmp.resolve("psl")), "a refusal changed psl's folder");
    assertEquals(slBefore, files(cmp.resolve("sl")), "a refusal changed sl's folder");
    assertFalse(Files.exists(cmp.resolve("sfl-v1")));

    // The resume.
    r = cli(resume);
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("psl: finished in " + cmp.resolve("psl") + "; kept"), r.out());
    assertTrue(
        r.out().contains("sl: resuming " + cmp.resolve("sl") + " after round " + stoppedAfter),
        r.out());
    // psl was not run again: its folder is byte for byte what the stopped compare left.
    assertEquals(pslBefore, files(cmp.resolve("psl")));
    // Every scheme's rows and the comparison's are the uninterrupted compare's, host columns
    // aside.
    for (String scheme : SCHEMES.split(",")) {
      assertEquals(
          withoutHostColumns(ref.resolve(scheme).resolve("rounds.csv"), RoundRecord.HOST_COLUMNS),
          withoutHostColumns(cmp.resolve(scheme).resolve("rounds.csv"), RoundRecord.HOST_COLUMNS),
          scheme);
    }
    List<String> host = List.of("wall_time_s");
    assertTrue(Comparison.HEADER.containsAll(host));
    List<List<String>> want = withoutHostColumns(ref.resolve("comparison.csv"), host);
    assertEquals(3, want.size());
    assertEquals(want, withoutHostColumns(cmp.resolve("comparison.csv"), host));
    String md = Files.readString(cmp.resolve("comparison.md"));
    assertFalse(md.contains("(stopped)"), md);
    assertFalse(md.contains("Not run"), md);
    assertEquals(
        Files.readString(ref.resolve("comparison.md")).replace(ref.toString(), ""),
        md.replace(cmp.toString(), ""));

    // A compare resumed when every scheme has finished keeps them all and runs nothing.
    Map<String, String> all = files(cmp);
    r = cli(resume);
    assertEquals(0, r.code(), r.err() + r.out());
    for (String scheme : SCHEMES.split(",")) {
      assertTrue(r.out().contains(scheme + ": finished in "), r.out());
    }
    assertEquals(all, files(cmp));
  }

  /**
   * A finished scheme is kept only if this compare reads the same inputs as its run did: a compare
   * of {@code sl,sfl-v1} whose availability file is edited after sl finished and before sfl-v1
   * started is refused in one line (the keys of sl's scenario.conf are the same; the faults as read
   * are not), leaving the folder as it was; with the file as it was, it resumes. A folder of a
   * build that recorded no fingerprints is kept on its scenario.conf alone, with a warning line.
   */
  @Test
  void aKeptSchemeRunWithAnotherAvailabilityFile_isRefused_andResumesWithTheFileAsItWas()
      throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Path avail = in.resolve("avail.csv");
    String rows = "device,offline_from_s,offline_until_s\n1,0.001,0.002\n";
    Files.writeString(avail, rows);
    Path scenario = in.resolve("compare-inputs.conf");
    Files.writeString(
        scenario,
        Files.readString(scenario())
            .replace("scenario = compare-resume", "scenario = compare-inputs")
            .replace("output.plots = false", "output.plots = false\n  availability = avail.csv"));
    Path cmp = tmp.resolve("cmp");
    List<String> compare = args("compare", scenario.toString(), "--schemes", "sl,sfl-v1");
    List<String> first = new ArrayList<>(compare);
    first.addAll(List.of("--out", cmp.toString()));
    ProfileCommandTest.Result r = cli(first);
    assertEquals(0, r.code(), r.err() + r.out());
    // As a compare stopped after sl finished and before sfl-v1 started leaves it.
    deleteTree(cmp.resolve("sfl-v1"));
    Map<String, String> before = files(cmp);

    List<String> resume = new ArrayList<>(compare);
    resume.addAll(List.of("--resume", cmp.toString()));
    Files.writeString(avail, rows.replace("0.002", "0.003"));
    assertRefused(
        cli(resume),
        "--resume: "
            + cmp.resolve("sl")
            + " was run with another configuration than "
            + scenario
            + " and these --set options, or by a splitemu build with other defaults (no key"
            + " differs from its scenario.conf: the faults as read do: the availability file "
            + avail
            + " as read differs)");
    assertEquals(before, files(cmp), "the refusal changed the folder");

    Files.writeString(avail, rows);
    r = cli(resume);
    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals("", r.err());
    assertTrue(r.out().contains("sl: finished in " + cmp.resolve("sl") + "; kept"), r.out());
    assertEquals(2, CsvTable.read(cmp.resolve("comparison.csv")).size());
    assertEquals(ROUNDS, CsvTable.read(cmp.resolve("sfl-v1/rounds.csv")).size());

    // A compare.conf of a build before the fingerprints: kept on scenario.conf, with a warning.
    Path record = cmp.resolve("compare.conf");
    String recorded = Files.readString(record);
    assertTrue(recorded.contains("inputs"), recorded);
    Files.writeString(record, "schemes = [sl, sfl-v1]\nsweep = []\n");
    deleteTree(cmp.resolve("sfl-v1"));
    Files.writeString(avail, rows.replace("0.002", "0.003"));
    r = cli(resume);
    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals(
        List.of(
            "splitemu: --resume: "
                + record
                + " records no fingerprint of the inputs "
                + cmp.resolve("sl")
                + " was run with (a compare of an earlier build): sl is kept as its scenario.conf"
                + " matches; an edited availability file or other input it read is not seen"),
        r.err().lines().toList());
  }

  /**
   * A finished scheme whose run read a trace file edited since is not kept: the compare is refused
   * in one line naming the file, leaving the folder as it was; with the file as it was, it resumes.
   */
  @Test
  void aKeptSchemeRunWithAnEditedTraceFile_isRefused_andResumesWithTheFileAsItWas()
      throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Path trace = in.resolve("up.csv");
    String rows = "0.0\t10.0\n1.0\t20.0\n2.0\t15.0\n";
    Files.writeString(trace, rows);
    Path scenario = in.resolve("compare-trace.conf");
    Files.writeString(
        scenario,
        Files.readString(scenario())
            .replace("scenario = compare-resume", "scenario = compare-trace")
            .replace(
                "links.static.uplink-bps = [1e6, 2e6, 4e6]",
                "links { kind = trace, trace { format = pensieve, uplink = [up.csv] } }"));
    Path cmp = tmp.resolve("cmp");
    List<String> compare = args("compare", scenario.toString(), "--schemes", "sl,sfl-v1");
    List<String> first = new ArrayList<>(compare);
    first.addAll(List.of("--out", cmp.toString()));
    ProfileCommandTest.Result r = cli(first);
    assertEquals(0, r.code(), r.err() + r.out());
    // As a compare stopped after sl finished and before sfl-v1 started leaves it.
    deleteTree(cmp.resolve("sfl-v1"));
    Map<String, String> before = files(cmp);

    List<String> resume = new ArrayList<>(compare);
    resume.addAll(List.of("--resume", cmp.toString()));
    Files.writeString(trace, rows.replace("20.0", "2.0"));
    assertRefused(
        cli(resume),
        "--resume: "
            + cmp.resolve("sl")
            + " was run with other inputs than "
            + scenario
            + " (no key differs from its scenario.conf: the trace file "
            + trace
            + " as read differs)");
    assertEquals(before, files(cmp), "the refusal changed the folder");

    Files.writeString(trace, rows);
    r = cli(resume);
    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals("", r.err());
    assertTrue(r.out().contains("sl: finished in " + cmp.resolve("sl") + "; kept"), r.out());
    assertEquals(ROUNDS, CsvTable.read(cmp.resolve("sfl-v1/rounds.csv")).size());
  }

  /**
   * The words a POSIX shell makes of {@code command} (bash, its words printed one a line by a
   * function standing in for {@code splitemu}), the program's name first.
   */
  static List<String> shellWords(String command) throws Exception {
    Process p =
        new ProcessBuilder(
                "bash", "-c", "splitemu() { printf '%s\\n' splitemu \"$@\"; }; " + command)
            .redirectErrorStream(true)
            .start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), printed);
    return printed.lines().toList();
  }

  /**
   * A compare of a scenario and into a folder whose paths have spaces, with {@code --keep-refused}
   * (edgesplit refuses {@code local-steps=0}) and {@code --figure}, stopped by SIGTERM in its first
   * point: the line's commands, split as a POSIX shell splits them, give back the exact paths and
   * every option, and the compare's command resumes it to the sweep of a compare never stopped.
   * Before, the paths were not quoted (the shell split them at the spaces) and --keep-refused and
   * --figure were left out (the resume failed on the point edgesplit refuses). Without
   * --keep-refused, the resume is refused in one line saying so.
   */
  @Test
  void aStoppedSweepsResumeCommand_quotesItsPaths_andKeepsEveryOption_forAShell() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("my dir"));
    Path scenario = in.resolve("quick start.conf");
    Files.copy(scenario(), scenario);
    String speedup = speedupFor(scenario, 0.5);
    Path cmp = in.resolve("out 1");
    List<String> compare =
        args(
            "compare",
            scenario.toString(),
            "--schemes",
            "psl,edgesplit",
            "--keep-refused",
            "--sweep",
            "local-steps=0,2",
            "--figure",
            "emulated_time_s",
            "--set",
            "mode=paced",
            "--set",
            "speedup=" + speedup);
    List<String> stopped = new ArrayList<>(compare);
    stopped.addAll(List.of("--out", cmp.toString()));
    Path point = cmp.resolve("001-local-steps=0");
    String said;
    try (ChildRun run =
        ChildRun.start(
            Files.createDirectories(tmp.resolve("child")), stopped.toArray(String[]::new))) {
      Path rounds = point.resolve("psl/rounds.csv");
      SigtermTest.sigtermAfterARound(run, rounds, "compare", 180);
      String err = run.stderr();
      said =
          err.lines()
              .filter(l -> l.startsWith("splitemu: compare stopped"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(err));
    }
    String alone = "; resume it alone with: ";
    String whole = "; resume the compare with: ";
    assertTrue(said.contains(alone) && said.contains(whole), said);
    String aloneCommand =
        said.substring(
            said.indexOf(alone) + alone.length(), said.indexOf(");", said.indexOf(alone)));
    List<String> aloneWords = shellWords(aloneCommand);
    assertEquals(List.of("splitemu", "run", scenario.toString()), aloneWords.subList(0, 3), said);
    assertEquals(
        List.of("--resume", point.resolve("psl").toString()),
        aloneWords.subList(aloneWords.size() - 2, aloneWords.size()),
        said);
    assertTrue(aloneWords.contains("scheme=psl") && aloneWords.contains("local-steps=0"), said);

    List<String> words = shellWords(said.substring(said.indexOf(whole) + whole.length()));
    List<String> resume = new ArrayList<>(compare);
    resume.addAll(List.of("--resume", cmp.toString()));
    List<String> given = words.subList(1, words.size());
    assertEquals(new java.util.HashSet<>(resume), new java.util.HashSet<>(given), said);
    assertEquals(resume.size(), given.size(), said);
    assertEquals(scenario.toString(), given.get(1), said);

    // Without --keep-refused a resume would refuse the point that edgesplit refuses: it says so.
    List<String> without = new ArrayList<>(resume);
    without.remove("--keep-refused");
    assertRefused(
        cli(without), "--resume: " + cmp + " was a compare with --keep-refused; here without it");

    ProfileCommandTest.Result r = cli(new ArrayList<>(given));
    assertEquals(0, r.code(), r.err() + r.out());
    List<String> header = CsvTable.parseLine(Files.readAllLines(cmp.resolve("sweep.csv")).get(0));
    List<List<String>> rows = CsvTable.read(cmp.resolve("sweep.csv"));
    assertEquals(4, rows.size(), rows.toString());
    assertTrue(rows.get(1).get(header.indexOf("refused")).contains("local-steps"), rows.toString());
    assertTrue(Files.isRegularFile(cmp.resolve("sweep-emulated_time_s.png")));
    assertEquals(ROUNDS, CsvTable.read(point.resolve("psl/rounds.csv")).size());
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /**
   * A sweep resumed after it stopped before its second point: the first point's runs are kept, the
   * second runs, and sweep.csv covers both with the rows of a sweep never stopped. Another grid is
   * refused, with the record and (a folder of an earlier build) without it.
   */
  @Test
  void aSweep_resumes_keepingItsFinishedPoint_andRunningTheNext() throws Exception {
    Path scenario = scenario();
    // With a checkpoint after every round: a run that ends by itself takes none after its last
    // round, so its checkpoints do not make it look stopped.
    List<String> sweep =
        args(
            "compare",
            scenario.toString(),
            "--schemes",
            "psl,sl",
            "--sweep",
            "local-steps=2,3",
            "--set",
            "checkpoint.every=1");
    Path ref = tmp.resolve("ref");
    List<String> whole = new ArrayList<>(sweep);
    whole.addAll(List.of("--out", ref.toString()));
    assertEquals(0, cli(whole).code());
    Path cmp = tmp.resolve("cmp");
    List<String> first = new ArrayList<>(sweep);
    first.addAll(List.of("--out", cmp.toString()));
    assertEquals(0, cli(first).code());
    // As a sweep stopped between its points leaves it (but for its tables, written anew anyway).
    Path second = cmp.resolve("002-local-steps=3");
    try (var all = Files.walk(second)) {
      for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(cmp.resolve("sweep.csv"));
    Path point1 = cmp.resolve("001-local-steps=2");
    Map<String, String> before = files(point1);
    assertTrue(Files.isRegularFile(point1.resolve("sl/checkpoints/round-000003.ckpt")));
    assertFalse(Files.exists(point1.resolve("sl/checkpoints/round-000004.ckpt")));

    List<String> resume = new ArrayList<>(sweep);
    resume.addAll(List.of("--resume", cmp.toString()));
    List<String> otherGrid = new ArrayList<>(resume);
    otherGrid.set(otherGrid.indexOf("local-steps=2,3"), "local-steps=3,4");
    assertRefused(
        cli(otherGrid),
        "--resume: "
            + cmp
            + " was a compare with --sweep local-steps=2,3; here with --sweep local-steps=3,4"
            + " (local-steps: value 1 is \"2\" in the run, \"3\" here)");
    Path record = cmp.resolve("compare.conf");
    String recorded = Files.readString(record);
    Files.delete(record);
    assertRefused(
        cli(otherGrid),
        "--resume: "
            + cmp
            + " holds point 001-local-steps=2, which is not a point of these --sweep options");
    List<String> unswept = args("compare", scenario.toString(), "--schemes", "psl,sl");
    unswept.addAll(List.of("--set", "checkpoint.every=1", "--resume", cmp.toString()));
    assertRefused(
        cli(unswept),
        "--resume: "
            + cmp
            + " is the folder of a compare with --sweep (it holds sweep.csv or point folders);"
            + " give its --sweep options");
    Files.writeString(record, recorded);

    // Each run's inputs are recorded by its folder: the kept ones are checked against them.
    assertTrue(recorded.contains("\"001-local-steps=2/sl\":"), recorded);
    // The same grid, spaced otherwise: the record's grid is compared, not its text.
    resume.set(resume.indexOf("local-steps=2,3"), "local-steps=2, 3");
    ProfileCommandTest.Result r = cli(resume);
    assertEquals(0, r.code(), r.err() + r.out());
    assertFalse(r.err().contains("records no fingerprint"), r.err());
    assertTrue(r.out().contains("psl: finished in " + point1.resolve("psl") + "; kept"), r.out());
    assertTrue(r.out().contains("sl: finished in " + point1.resolve("sl") + "; kept"), r.out());
    assertEquals(before, files(point1));
    List<String> host = List.of("wall_time_s");
    List<List<String>> want = withoutHostColumns(ref.resolve("sweep.csv"), host);
    assertEquals(4, want.size());
    assertEquals(want, withoutHostColumns(cmp.resolve("sweep.csv"), host));
    assertEquals(
        withoutHostColumns(
            ref.resolve("002-local-steps=3/sl/rounds.csv"), RoundRecord.HOST_COLUMNS),
        withoutHostColumns(second.resolve("sl/rounds.csv"), RoundRecord.HOST_COLUMNS));
  }
}
