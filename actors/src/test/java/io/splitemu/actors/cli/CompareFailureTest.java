package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.CsvTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compare whose run fails (a model that diverges at a learning rate of 1e36, in round 1 of a tiny
 * full-fidelity scenario): with {@code --keep-refused} the run is recorded as failed in its own
 * folder, the compare goes on, its tables show the run as failed, it exits 1 naming it, and {@code
 * --resume} keeps it as failed; without, the compare ends naming the failed run's own folder, with
 * the table of the points before it. And a {@code compare.conf} cut short is refused, naming it,
 * instead of read as an earlier build's. The runs encode every actor message (serialize-messages
 * on, as for every test).
 */
class CompareFailureTest {

  @TempDir Path tmp;

  private static final String DIVERGING = "model.learning-rate=0.01,1e36,0.02";
  private static final String POINT2 = "002-model.learning-rate=1e36";

  private Path scenario() throws Exception {
    Path conf = tmp.resolve("compare-failure.conf");
    Files.writeString(
        conf,
        "splitemu {\n"
            + "  scenario = compare-failure\n"
            + "  fidelity = full\n"
            + "  rounds = 1\n"
            + "  local-steps = 1\n"
            + "  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2, optimizer = sgd-momentum, momentum = 0.9 }\n"
            + "  data { dataset = synthetic, train-samples = 64, test-samples = 32 }\n"
            + "  devices { count = 2, flops = 1e9 }\n"
            + "  links { kind = static, static { uplink-bps = 1e7, downlink-bps = 2e7 } }\n"
            + "  output.plots = false\n"
            + "}\n");
    return conf;
  }

  private static ProfileCommandTest.Result cli(List<String> args) {
    return ProfileCommandTest.cli(args.toArray(new String[0]));
  }

  private static List<String> errLines(ProfileCommandTest.Result r) {
    // The math environment's note, if any, is not the compare's.
    return r.err().lines().filter(l -> l.startsWith("splitemu: ")).toList();
  }

  /** Every file of {@code dir} and below, by its relative path, with its bytes. */
  private static Map<String, String> files(Path dir) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (var all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all.sorted()::iterator) {
        if (Files.isRegularFile(p) && !p.toString().endsWith(".png")) {
          out.put(dir.relativize(p).toString(), Files.readString(p));
        }
      }
    }
    return out;
  }

  /** sweep.csv's rows without {@code wall_time_s} (host time, different run to run). */
  private static List<List<String>> rows(Path csv) throws Exception {
    List<String> header = CsvTable.parseLine(Files.readAllLines(csv).get(0));
    int wall = header.indexOf("wall_time_s");
    List<List<String>> out = new ArrayList<>();
    for (List<String> row : CsvTable.read(csv)) {
      List<String> kept = new ArrayList<>(row);
      kept.remove(wall);
      out.add(kept);
    }
    return out;
  }

  @Test
  void withKeepRefused_aSweepRecordsTheFailedRun_goesOn_andResumesPastIt() throws Exception {
    Path cmp = tmp.resolve("cmp");
    List<String> sweep =
        List.of(
            "compare",
            scenario().toString(),
            "--schemes",
            "psl,sl",
            "--keep-refused",
            "--sweep",
            DIVERGING);
    List<String> first = new ArrayList<>(sweep);
    first.addAll(List.of("--out", cmp.toString()));
    ProfileCommandTest.Result r = cli(first);
    assertEquals(1, r.code(), r.err() + r.out());
    Path failed = cmp.resolve(POINT2).resolve("psl");
    List<String> err = errLines(r);
    assertTrue(
        err.get(0)
            .startsWith(
                "splitemu: point model.learning-rate=1e36, scheme psl: run stopped in round 1: "),
        r.err());
    assertTrue(
        err.get(0)
            .endsWith(
                "; the rounds recorded so far are in "
                    + failed.toAbsolutePath()
                    + "; recorded as failed (--keep-refused), the compare goes on"),
        r.err());
    String last = err.get(err.size() - 1);
    assertTrue(last.startsWith("splitemu: compare: "), r.err());
    assertTrue(last.contains("point model.learning-rate=1e36, psl (" + failed + ")"), last);
    // The points after it ran, and the tables are written over the whole grid.
    assertTrue(Files.isRegularFile(cmp.resolve("003-model.learning-rate=0.02/sl/summary.json")));
    assertTrue(Files.isRegularFile(failed.resolve("rounds.csv")));
    String why = Files.readString(failed.resolve("failed.txt")).strip();
    assertTrue(why.startsWith("run stopped in round 1: "), why);
    List<List<String>> table = rows(cmp.resolve("sweep.csv"));
    assertEquals(6, table.size(), table.toString());
    List<String> pslAt2 = table.get(2);
    assertEquals(List.of("1e36", "psl"), pslAt2.subList(0, 2));
    assertEquals("failed: " + why, pslAt2.get(pslAt2.size() - 1));
    assertEquals("", pslAt2.get(2), "no figures for a failed run");
    assertEquals("", table.get(0).get(table.get(0).size() - 1));
    String md = Files.readString(cmp.resolve("sweep.md"));
    assertTrue(md.contains("| 1e36 | psl | failed |"), md);
    assertTrue(md.contains("psl at model.learning-rate=1e36 failed: " + why), md);
    String point = Files.readString(cmp.resolve(POINT2).resolve("comparison.md"));
    assertTrue(point.contains("psl failed: " + why), point);
    assertTrue(point.matches("(?s).*\\| psl +\\| lenet5 +\\| failed \\|.*"), point);

    // --resume keeps the failed run as failed: nothing runs again, the tables are the same.
    Map<String, String> before = files(cmp.resolve(POINT2));
    List<String> resume = new ArrayList<>(sweep);
    resume.addAll(List.of("--resume", cmp.toString()));
    r = cli(resume);
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(
        r.out().contains("psl: failed in " + failed + "; kept as failed (failed.txt)"), r.out());
    assertFalse(r.err().contains("delete that folder"), r.err());
    assertEquals(before, files(cmp.resolve(POINT2)));
    assertEquals(table, rows(cmp.resolve("sweep.csv")));
  }

  /** Without --sweep: every scheme runs though the first fails, and comparison.md shows each. */
  @Test
  void withKeepRefused_aCompareRunsTheSchemeAfterAFailedOne() throws Exception {
    Path cmp = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        cli(
            List.of(
                "compare",
                scenario().toString(),
                "--schemes",
                "psl,sl",
                "--keep-refused",
                "--set",
                "model.learning-rate=1e36",
                "--out",
                cmp.toString()));
    assertEquals(1, r.code(), r.err() + r.out());
    List<String> err = errLines(r);
    assertEquals(3, err.size(), r.err());
    assertTrue(err.get(0).startsWith("splitemu: scheme psl: run stopped in round 1: "), r.err());
    assertTrue(err.get(1).startsWith("splitemu: scheme sl: run stopped in round 1: "), r.err());
    assertEquals(
        "splitemu: compare: 2 runs failed (each recorded in its folder's failed.txt, and as"
            + " failed in "
            + cmp.resolve("comparison.md")
            + "): psl ("
            + cmp.resolve("psl")
            + "); sl ("
            + cmp.resolve("sl")
            + ")",
        err.get(2));
    String md = Files.readString(cmp.resolve("comparison.md"));
    assertTrue(md.matches("(?s).*\\| psl +\\| lenet5 +\\| failed \\|.*"), md);
    assertTrue(md.matches("(?s).*\\| sl +\\| lenet5 +\\| failed \\|.*"), md);
    assertTrue(md.contains("\nsl failed: run stopped in round 1: "), md);
    assertEquals(List.of(), CsvTable.read(cmp.resolve("comparison.csv")));
  }

  @Test
  void withoutKeepRefused_theFailureNamesItsOwnFolder_andThePointsBeforeItAreTabled()
      throws Exception {
    Path cmp = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        cli(
            List.of(
                "compare",
                scenario().toString(),
                "--schemes",
                "psl,sl",
                "--sweep",
                DIVERGING,
                "--out",
                cmp.toString()));
    assertEquals(1, r.code(), r.err() + r.out());
    List<String> err = errLines(r);
    assertEquals(1, err.size(), r.err());
    assertTrue(
        err.get(0)
            .startsWith(
                "splitemu: point model.learning-rate=1e36, scheme psl: run stopped in round 1: "),
        r.err());
    assertTrue(
        err.get(0)
            .endsWith(
                " (the point before it is in "
                    + cmp.resolve("sweep.csv")
                    + "; with --keep-refused a run that fails is recorded as failed and the"
                    + " compare goes on); the rounds recorded so far are in "
                    + cmp.resolve(POINT2).resolve("psl").toAbsolutePath()),
        r.err());
    List<List<String>> table = rows(cmp.resolve("sweep.csv"));
    assertEquals(2, table.size(), table.toString());
    assertEquals(List.of("0.01", "psl"), table.get(0).subList(0, 2));
    assertEquals(List.of("0.01", "sl"), table.get(1).subList(0, 2));
    assertFalse(Files.exists(cmp.resolve(POINT2).resolve("psl/failed.txt")));
    assertFalse(Files.exists(cmp.resolve("003-model.learning-rate=0.02")));
  }

  /**
   * {@code compare --resume} deletes the stale temporary files of {@code failed.txt} in its
   * schemes' folders, which a kill before the rename leaves (the compare writes it atomically): a
   * scheme kept as failed (its run resumed after such a kill, then failed again) and one finished
   * (resumed and finished), at a sweep's point too; a file the compare does not write is kept.
   * Before 2026-12-07 they stayed for good: a run's resume cleans only its own files, and a
   * compare's only its own folder's and its points'.
   */
  @Test
  void aResume_deletesStaleTemporaryFilesOfFailedTxt_inItsSchemesFolders() throws Exception {
    Path cmp = tmp.resolve("cmp");
    List<String> sweep =
        List.of(
            "compare",
            scenario().toString(),
            "--schemes",
            "psl,sl",
            "--keep-refused",
            "--sweep",
            "model.learning-rate=0.01,1e36");
    List<String> first = new ArrayList<>(sweep);
    first.addAll(List.of("--out", cmp.toString()));
    ProfileCommandTest.Result r = cli(first);
    assertEquals(1, r.code(), r.err() + r.out());
    Path finished = cmp.resolve("001-model.learning-rate=0.01");
    Path failed = cmp.resolve(POINT2);
    assertTrue(Files.isRegularFile(failed.resolve("psl/failed.txt")));
    List<Path> ours =
        List.of(
            failed.resolve("psl/failed.txt.4242-0123456789abcdef.tmp"),
            failed.resolve("sl/failed.txt.77.tmp"),
            finished.resolve("sl/failed.txt.4242-0123456789abcdef.tmp"));
    List<Path> others =
        List.of(
            failed.resolve("psl/notes.txt.4242-0123456789abcdef.tmp"),
            finished.resolve("psl/failed.txt.old.tmp"));
    for (Path p : java.util.stream.Stream.concat(ours.stream(), others.stream()).toList()) {
      Files.writeString(p, "half");
      Files.setLastModifiedTime(
          p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
    }
    List<String> resume = new ArrayList<>(sweep);
    resume.addAll(List.of("--resume", cmp.toString()));
    r = cli(resume);
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("psl: failed in " + failed.resolve("psl")), r.out());
    for (Path p : ours) {
      assertFalse(Files.exists(p), cmp.relativize(p) + " is left");
    }
    for (Path p : others) {
      assertTrue(Files.exists(p), cmp.relativize(p) + " is not the compare's: kept");
    }
  }

  /**
   * A compare.conf cut short (here after 150 bytes, in the comment before its inputs) is refused
   * naming it, rather than read as a record of an earlier build, which turned the check of the
   * inputs off; a whole record of an earlier build is still read.
   */
  @Test
  void aRecordCutShort_isRefusedNamingIt() throws Exception {
    Path scenario =
        Path.of(CompareResumeTest.class.getResource("/scenarios/compare-resume.conf").toURI());
    Path cmp = tmp.resolve("cmp");
    List<String> compare = List.of("compare", scenario.toString(), "--schemes", "psl");
    List<String> first = new ArrayList<>(compare);
    first.addAll(List.of("--out", cmp.toString()));
    ProfileCommandTest.Result r = cli(first);
    assertEquals(0, r.code(), r.err() + r.out());
    Path record = cmp.resolve("compare.conf");
    String whole = Files.readString(record);
    List<String> resume = new ArrayList<>(compare);
    resume.addAll(List.of("--resume", cmp.toString()));
    Files.writeString(record, whole.substring(0, 150));
    r = cli(resume);
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(
        List.of(
            "splitemu: --resume: "
                + record
                + " is not a whole record of a compare (it ends without its last line's line"
                + " break): it was cut short or edited; the resume cannot check this compare's"
                + " inputs against it"),
        r.err().lines().toList());
    // Cut after a whole line: keep-refused without the inputs every record has after it.
    Files.writeString(
        record, whole.substring(0, whole.indexOf('\n', whole.indexOf("keep-refused")) + 1));
    r = cli(resume);
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(r.err().contains("it has keep-refused but no inputs"), r.err());

    // The record whole: resumed, its run kept.
    Files.writeString(record, whole);
    r = cli(resume);
    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals("", r.err());
    assertTrue(r.out().contains("psl: finished in " + cmp.resolve("psl") + "; kept"), r.out());
  }

  /**
   * With --keep-refused a missing or broken input file is still an error, before any folder: a
   * malformed MP-SL measured table (--set and --sweep alike), and MNIST files that are not there
   * (before: "Refused: mpsl (...)" / "psl refused: ..." and exit 0, the other scheme run).
   */
  @Test
  void withKeepRefused_aBrokenInputFile_isAnError_notARefusal() throws Exception {
    Path scenarios = PlanCommandTest.quickstart().getParent();
    Path tables = Files.createDirectories(tmp.resolve("tables"));
    for (String t : List.of("_times.csv", "_memory.csv")) {
      Files.writeString(tables.resolve("vgg19_cifar" + t), "unit,device\n1,VM\n");
    }
    Path noMnist = Files.createDirectories(tmp.resolve("no-mnist"));
    String[][] cases = {
      {
        scenarios.resolve("mpsl-vgg19.conf").toString(),
        "psl,mpsl",
        "--set",
        "mpsl.profile-dir=" + tables,
        "mpsl: splitemu.mpsl.profile-dir: " + tables
      },
      {
        scenarios.resolve("mpsl-vgg19.conf").toString(),
        "psl,mpsl",
        "--sweep",
        "mpsl.profile-dir=" + tables,
        "mpsl: splitemu.mpsl.profile-dir: " + tables
      },
      {
        PlanCommandTest.quickstart().toString(),
        "psl,dag-mincut",
        "--set",
        "data.dir=" + noMnist,
        "psl: splitemu.data.dir: "
      },
    };
    int k = 0;
    for (String[] c : cases) {
      Path out = tmp.resolve("cmp-" + k++);
      List<String> a =
          new ArrayList<>(
              List.of(
                  "compare",
                  c[0],
                  "--schemes",
                  c[1],
                  "--keep-refused",
                  "--out",
                  out.toString(),
                  c[2],
                  c[3],
                  "--set",
                  "rounds=1",
                  "--set",
                  "local-steps=1",
                  "--set",
                  "fidelity=timing",
                  "--set",
                  "dag.profile=inception-v3"));
      if (c[3].startsWith("data.dir=")) {
        a.addAll(List.of("--set", "data.dataset=mnist"));
      }
      ProfileCommandTest.Result r = cli(a);
      assertEquals(1, r.code(), List.of(c) + ": " + r.out());
      assertEquals("", r.out(), List.of(c).toString());
      assertEquals(1, errLines(r).size(), r.err());
      assertTrue(errLines(r).get(0).startsWith("splitemu: " + c[4]), r.err());
      assertFalse(Files.exists(out), "a folder was made: " + List.of(c));
    }
  }
}
