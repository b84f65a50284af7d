package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.FolderLock;
import io.splitemu.actors.results.ResultsWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code run --resume} refuses, and that a refusal leaves the results folder as it was: a run
 * that finished, a table missing, rows missing before the checkpoint, a folder another process
 * writes into; and what a run says of a folder given as its scenario. On real runs in timing
 * fidelity (a few seconds each).
 */
class ResumeSafetyTest {

  @TempDir Path tmp;

  private Path scenario(String name, int rounds) throws Exception {
    Path f = tmp.resolve(name + ".conf");
    Files.writeString(
        f,
        "splitemu {\n  scenario = "
            + name
            + "\n  scheme = psl\n  rounds = "
            + rounds
            + "\n  local-steps = 2\n  batch-size = 16\n"
            + "  fidelity = timing\n  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [2e8, 1e9, 5e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [8e6, 2e7, 4e7, 4e7],"
            + " downlink-bps = [1e7, 4e7, 4e7, 4e7] } }\n"
            + "  output.plots = true\n"
            + "  output.dir = \""
            + tmp.resolve("results")
            + "\"\n}\n");
    return f;
  }

  /** A finished run of {@code rounds} rounds with a checkpoint every 2 (none after the last). */
  private Path finished(String name, int rounds) throws Exception {
    Path conf = scenario(name, rounds);
    Path dir = tmp.resolve(name);
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli(
            "run", conf.toString(), "--out", dir.toString(), "--set", "checkpoint.every=2");
    assertEquals(0, a.code(), a.err());
    return dir;
  }

  /**
   * {@code finished} as a run killed after its last round's row would have left it: no summary or
   * report yet, so a resume goes on from its newest checkpoint.
   */
  private Path killedAtTheEnd(String name, int rounds) throws Exception {
    Path dir = finished(name, rounds);
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    return dir;
  }

  private ProfileCommandTest.Result resume(String name, Path dir) {
    return ProfileCommandTest.cli(
        "run",
        tmp.resolve(name + ".conf").toString(),
        "--set",
        "checkpoint.every=2",
        "--resume",
        dir.toString());
  }

  /** Every file of {@code dir}, below it too, with its bytes as text (not the lock's file). */
  private static Map<String, String> files(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) all::iterator) {
        // Not the lock's file: a close of any file of this process on it releases the lock
        if (Files.isRegularFile(f) && !f.getFileName().toString().equals(FolderLock.FILE)) {
          out.put(dir.relativize(f).toString(), new String(Files.readAllBytes(f)));
        }
      }
    }
    return out;
  }

  private static void oneLine(ProfileCommandTest.Result r) {
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }

  /**
   * A plain {@code --resume} of a folder run with {@code --failover} (its {@code .failover-holder}
   * there) takes the token too, a newer generation, so that a holder cut off but alive writes
   * nothing more (before 2026-12-06 it took none and the old holder's checks still passed); a
   * folder that never had {@code --failover} gets no token.
   */
  @Test
  void aResumeOfAFailoverFolder_takesItsToken_andOfAnotherFolderWritesNone() throws Exception {
    Path dir = killedAtTheEnd("handover", 4);
    Files.writeString(dir.resolve(".failover-holder"), "generation 3\nmember 127.0.0.1:1\n");
    ProfileCommandTest.Result r = resume("handover", dir);
    assertEquals(0, r.code(), r.err());
    String token = Files.readString(dir.resolve(".failover-holder"));
    assertTrue(
        token.matches(
            "generation 4\nmember --resume pid "
                + ProcessHandle.current().pid()
                + "\nnonce [0-9a-f]{16}\n"),
        token);
    assertTrue(Files.exists(dir.resolve("summary.json")));

    Path plain = killedAtTheEnd("plain", 4);
    ProfileCommandTest.Result p = resume("plain", plain);
    assertEquals(0, p.code(), p.err());
    assertFalse(Files.exists(plain.resolve(".failover-holder")));
    assertFalse(Files.exists(plain.resolve(".failover-holder.1")));
  }

  /**
   * A refused {@code --resume} of a folder run with {@code --failover} leaves its token as it was
   * (the reviewer's case: a holder lost before its first checkpoint, then a resume by hand). Before
   * 2026-12-07 the resume took the token (generation 3, {@code .failover-holder.2} gone) before it
   * was refused.
   */
  @Test
  void aRefusedResumeOfAFailoverFolder_leavesItsTokenAsItWas() throws Exception {
    Path dir = finished("refused-token", 1); // one round, checkpoint.every = 2: none
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    Files.writeString(dir.resolve(".failover-holder"), "generation 2\nmember 127.0.0.1:1\n");
    Files.writeString(dir.resolve(".failover-holder.2"), "generation 2\nmember 127.0.0.1:1\n");
    Map<String, String> before = files(dir);
    ProfileCommandTest.Result r = resume("refused-token", dir);
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(r.err().contains(dir + " holds no checkpoint to resume from"), r.err());
    assertEquals(before, files(dir));
  }

  /**
   * A folder whose run was cut short before its first row (killed during start-up, or a full disk
   * that cut its scenario.conf off) holds no rows and no checkpoint: {@code run --resume} starts
   * the run again from round 0 in it, with one line, and leaves the rows of a run never
   * interrupted, its scenario.conf whole, cut off or missing, a table's header alone there, or a
   * --failover token and end marker (the token is taken, the marker goes). Before 2026-12-07 it was
   * refused ("holds no checkpoint to resume from", or "holds no scenario.conf; nothing to resume"),
   * and only deleting the folder by hand went on. A file a run does not write there is refused by
   * name, and the folder is left as it was.
   */
  @Test
  void aFolderCutShortBeforeItsFirstRow_runsAgainFromRoundZero_onResume() throws Exception {
    Path whole = finished("rowless", 4);
    List<List<String>> want = roundsWithoutHostColumns(whole);
    String conf = Files.readString(whole.resolve("scenario.conf"));
    String header = Files.readAllLines(whole.resolve("rounds.csv")).get(0) + "\n";
    Path dir = tmp.resolve("cut");
    List<String> cases = List.of("whole", "header", "half", "empty", "missing", "failover");
    for (String c : cases) {
      if (Files.exists(dir)) {
        deleteTree(dir);
      }
      Files.createDirectories(dir.resolve("plots"));
      Files.writeString(dir.resolve(FolderLock.FILE), "");
      if (!c.equals("missing")) {
        Files.writeString(
            dir.resolve("scenario.conf"),
            c.equals("half")
                ? conf.substring(0, conf.length() / 2)
                : c.equals("empty") ? "" : conf);
      }
      if (c.equals("header")) {
        Files.writeString(dir.resolve("rounds.csv"), header);
        Files.writeString(dir.resolve("events.csv"), "");
      }
      if (c.equals("failover")) {
        Files.writeString(dir.resolve(".failover-holder"), "generation 2\nmember 127.0.0.1:1\n");
        Files.writeString(dir.resolve(".failover-ended"), "143\n");
      }
      ProfileCommandTest.Result r = resume("rowless", dir);
      assertEquals(0, r.code(), c + ": " + r.err());
      assertTrue(
          r.err()
              .contains(
                  "splitemu run: "
                      + dir
                      + " holds no rows and no checkpoint (its start was cut short), so the run"
                      + " starts again from round 0 in it"),
          c + ": " + r.err());
      assertEquals(want, roundsWithoutHostColumns(dir), c);
      assertEquals(conf, Files.readString(dir.resolve("scenario.conf")), c);
      assertTrue(Files.isRegularFile(dir.resolve("summary.json")), c);
      if (c.equals("failover")) {
        assertTrue(
            Files.readString(dir.resolve(".failover-holder")).startsWith("generation 3\n"), c);
        assertFalse(Files.exists(dir.resolve(".failover-ended")), c);
      }
    }

    deleteTree(dir);
    Files.createDirectories(dir.resolve("plots"));
    Files.writeString(dir.resolve("scenario.conf"), conf);
    Files.writeString(dir.resolve("notes.txt"), "mine");
    Files.writeString(dir.resolve("plots/mine.png"), "mine");
    Map<String, String> before = files(dir);
    ProfileCommandTest.Result r = resume("rowless", dir);
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(
        r.err()
            .contains(
                dir
                    + " holds no rows and no checkpoint, but also what a run does not write there:"
                    + " notes.txt, plots/mine.png (nothing deleted)"),
        r.err());
    assertEquals(before, files(dir));
  }

  /**
   * A {@code run --resume} stopped by SIGTERM before it began (here as its folder is locked, by the
   * test hook that asks for the stop there) leaves the folder as it was: a start cut short keeps
   * its files, its --failover token and end marker, and a later {@code --resume} still starts its
   * run again from round 0; a folder with rounds keeps its end marker. Before, the stop was seen
   * only after the folder was judged: the start cut short was cleared, the token taken and the
   * marker removed, and the later --resume was refused as holding no checkpoint.
   */
  @Test
  void aResumeStoppedBeforeItBegan_leavesTheFolderAsItWas() throws Exception {
    Path whole = finished("stopcut", 4);
    List<List<String>> want = roundsWithoutHostColumns(whole);
    String conf = Files.readString(whole.resolve("scenario.conf"));
    Path dir = tmp.resolve("stopped-cut");
    Files.createDirectories(dir.resolve("plots"));
    Files.writeString(dir.resolve("scenario.conf"), conf);
    Files.writeString(
        dir.resolve("rounds.csv"), Files.readAllLines(whole.resolve("rounds.csv")).get(0) + "\n");
    Files.writeString(dir.resolve(".failover-holder"), "generation 2\nmember 127.0.0.1:1\n");
    Files.writeString(dir.resolve(".failover-ended"), "143\n");
    Map<String, String> before = files(dir);
    ProfileCommandTest.Result r = resumeStoppedAtTheLock("stopcut", dir);
    assertEquals(143, r.code(), r.err());
    assertEquals(
        "splitemu: stopped by SIGTERM before the run started (no round ran, no checkpoint); "
            + dir
            + " holds no rounds",
        r.err().strip());
    assertEquals(before, files(dir));
    assertTrue(Files.isDirectory(dir.resolve("plots")));
    ProfileCommandTest.Result again = resume("stopcut", dir);
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().contains("so the run starts again from round 0 in it"), again.err());
    assertEquals(want, roundsWithoutHostColumns(dir));

    Path kept = killedAtTheEnd("stopkept", 4);
    Files.writeString(kept.resolve(".failover-ended"), "exit 1\n");
    Map<String, String> held = files(kept);
    ProfileCommandTest.Result k = resumeStoppedAtTheLock("stopkept", kept);
    assertEquals(143, k.code(), k.err());
    assertTrue(k.err().strip().endsWith("; " + kept + " keeps the rounds it held"), k.err());
    assertEquals(held, files(kept));
  }

  /** {@link #resume}, asking for the stop as the folder is locked (a SIGTERM then). */
  private ProfileCommandTest.Result resumeStoppedAtTheLock(String name, Path dir) {
    System.setProperty("splitemu.test.stop-at-lock", "true");
    try {
      return resume(name, dir);
    } finally {
      System.clearProperty("splitemu.test.stop-at-lock");
    }
  }

  /** Rows of {@code dir}'s rounds.csv without the host columns (which differ run to run). */
  private static List<List<String>> roundsWithoutHostColumns(Path dir) throws Exception {
    Path csv = dir.resolve("rounds.csv");
    List<String> header =
        io.splitemu.actors.results.CsvTable.parseLine(Files.readAllLines(csv).get(0));
    List<List<String>> out = new ArrayList<>();
    for (List<String> row : io.splitemu.actors.results.CsvTable.read(csv)) {
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < header.size(); i++) {
        if (!io.splitemu.actors.results.RoundRecord.HOST_COLUMNS.contains(header.get(i))) {
          kept.add(row.get(i));
        }
      }
      out.add(kept);
    }
    return out;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /**
   * A real run whose token another holder takes after its round 2: its check at round 3's
   * checkpoint finds it, and the run stops at that round boundary with exit 1 and one line, writing
   * no checkpoint of round 3 or later, no row after round 3 (rows are not checked; round 3's is
   * appended before its checkpoint), no summary or report, and no SIGTERM line. Paced, so that the
   * rewrite lands between rounds: a plain {@code --resume} of a folder with a token (which takes
   * it) runs the same code as a {@code --failover} holder.
   */
  @Test
  void aRunWhoseTokenIsTakenAfterRound2_stopsAtTheNextRoundBoundary() throws Exception {
    // How long a round of this scenario is in emulated time: the paced run's rounds last ~0.8 s.
    Path conf = scenario("taken", 9);
    ProfileCommandTest.Result probe =
        ProfileCommandTest.cli(
            "run", scenario("probe", 1).toString(), "--out", tmp.resolve("probe").toString());
    assertEquals(0, probe.code(), probe.err());
    Matcher m =
        Pattern.compile("round 1: emulated [0-9.]+ s \\(round ([0-9.]+) s\\)").matcher(probe.out());
    assertTrue(m.find(), probe.out());
    double speedup = Double.parseDouble(m.group(1)) / 0.8;
    List<String> sets =
        List.of(
            "--set", "checkpoint.every=1", "--set", "mode=paced", "--set", "speedup=" + speedup);
    Path dir = tmp.resolve("taken");
    List<String> first = new ArrayList<>(List.of("run", conf.toString(), "--out", dir.toString()));
    first.addAll(sets);
    // Round 1's checkpoint, kept aside before the run prunes it (it keeps the newest two).
    Path ckpt1 = ResultsWriter.checkpointFile(dir, 1);
    CompletableFuture<ProfileCommandTest.Result> firstRun =
        CompletableFuture.supplyAsync(() -> ProfileCommandTest.cli(first.toArray(String[]::new)));
    Path kept = tmp.resolve("round-1-checkpoint");
    while (!Files.exists(kept)) {
      if (Files.exists(ckpt1)) {
        Files.copy(ckpt1, kept);
      }
      assertFalse(firstRun.isDone() && !Files.exists(kept), "no round 1 checkpoint seen");
      Thread.sleep(2);
    }
    ProfileCommandTest.Result a = firstRun.get(60, TimeUnit.SECONDS);
    assertEquals(0, a.code(), a.err());
    // As a --failover holder killed after round 1 left it (its token there).
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    for (int r = 2; r <= 9; r++) {
      Files.deleteIfExists(ResultsWriter.checkpointFile(dir, r));
    }
    Files.copy(kept, ckpt1, StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve(".failover-holder"), "generation 1\nmember 127.0.0.1:1\n");

    List<String> again = new ArrayList<>(List.of("run", conf.toString()));
    again.addAll(sets);
    again.addAll(List.of("--resume", dir.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () ->
                Main.run(
                    new PrintWriter(out, true),
                    new PrintWriter(err, true),
                    again.toArray(String[]::new)));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!Files.exists(ResultsWriter.checkpointFile(dir, 2))) {
      assertFalse(run.isDone(), "ended before round 2: " + err + out);
      assertTrue(System.nanoTime() < deadline, "no round 2 within 60 s: " + err + out);
      Thread.sleep(5);
    }
    String successor = "generation 9\nmember 127.0.0.1:2\nnonce 5eed\n";
    Files.writeString(dir.resolve(".failover-holder"), successor);
    assertFalse(out.toString().contains("round 3:"), "too late: round 3 ended already: " + out);

    assertEquals(1, (int) run.get(60, TimeUnit.SECONDS), err + "" + out);
    String line =
        "splitemu run: "
            + dir
            + " was taken over by a newer holder (generation 9, member 127.0.0.1:2); this JVM"
            + " writes nothing more to it";
    assertEquals(line, err.toString().strip(), err.toString());
    assertTrue(out.toString().contains("round 3:"), out.toString());
    assertFalse(out.toString().contains("round 5:"), "stopped at a round boundary: " + out);
    for (int r = 3; r <= 9; r++) {
      assertFalse(Files.exists(ResultsWriter.checkpointFile(dir, r)), "" + r);
    }
    List<String> rows = Files.readAllLines(dir.resolve("rounds.csv"));
    assertEquals(4, rows.size(), "header and rounds 1-3: " + rows);
    assertFalse(Files.exists(dir.resolve("summary.json")));
    assertFalse(Files.exists(dir.resolve("report.md")));
    assertEquals(successor, Files.readString(dir.resolve(".failover-holder")));
  }

  /**
   * A resume of a run that finished all its rounds is refused in one line, the folder as it was
   * (before: the rounds after its newest checkpoint were cut and run again, the summary stale).
   */
  @Test
  void aFinishedRun_isRefused_andLeftAsItWas() throws Exception {
    Path dir = finished("done", 4);
    Map<String, String> before = files(dir);
    ProfileCommandTest.Result r = resume("done", dir);
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(r.err().contains(dir + " finished all 4 rounds; nothing to resume"), r.err());
    assertEquals(before, files(dir));
  }

  /**
   * The reviewer's case: a run of 6 rounds killed after its last row, its newest checkpoint corrupt
   * and events.csv deleted. The resume is refused naming events.csv (once, with the reason in
   * words) and leaves rounds.csv and devices.csv as they were (before: cut to round 4, 6 rows to
   * 4).
   */
  @Test
  void aResumeRefusingATable_leavesTheOtherTablesAsTheyWere() throws Exception {
    Path dir = killedAtTheEnd("cut", 6);
    Files.write(dir.resolve("checkpoints/round-000004.ckpt"), new byte[] {1, 2, 3});
    Files.delete(dir.resolve("events.csv"));
    Map<String, String> before = files(dir);
    ProfileCommandTest.Result r = resume("cut", dir);
    assertEquals(1, r.code(), r.err());
    assertTrue(
        r.err().contains("cannot reopen " + dir.resolve("events.csv") + ": no such file"), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
    assertEquals(before, files(dir), "every file as it was, and no temporary file");
    assertEquals(7, Files.readAllLines(dir.resolve("rounds.csv")).size());
  }

  /**
   * Rows deleted from rounds.csv before the checkpoint are refused naming the file (before: the
   * resume went on and left a gap).
   */
  @Test
  void rowsMissingBeforeTheCheckpoint_areRefusedNamingRoundsCsv() throws Exception {
    Path dir = killedAtTheEnd("gap", 4);
    Path csv = dir.resolve("rounds.csv");
    List<String> lines = new ArrayList<>(Files.readAllLines(csv));
    lines.remove(2); // round 2's row; the checkpoint is of round 2
    Files.write(csv, lines);
    Map<String, String> before = files(dir);
    ProfileCommandTest.Result r = resume("gap", dir);
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(r.err().contains(csv + ": "), r.err());
    assertEquals(before, files(dir));
  }

  /** The {@code events.csv} rows of {@code dir} of kind {@code kind}. */
  private static List<String> rowsOf(Path dir, String kind) throws Exception {
    return Files.readAllLines(dir.resolve("events.csv")).stream()
        .filter(l -> l.split(",", -1)[2].equals(kind))
        .toList();
  }

  /** {@code killedAtTheEnd}'s folder with a row of {@code kind} added after its last one. */
  private static void appendEvent(Path dir, String kind, String detail) throws Exception {
    List<String> lines = Files.readAllLines(dir.resolve("rounds.csv"));
    String[] last = lines.get(lines.size() - 1).split(",");
    Files.writeString(
        dir.resolve("events.csv"),
        last[2] + "," + last[0] + "," + kind + ",cluster,\"" + detail + "\"\n",
        java.nio.file.StandardOpenOption.APPEND);
  }

  /**
   * A run that ended with a run-ending row after its newest checkpoint (as a cluster run that lost
   * its edge member ends, with a {@code cluster-failure} row; added here to a run of one JVM) is
   * resumed with the row's kind and detail in its {@code resume} row: the cut drops the row, and
   * before 2026-12-07 the cause was then gone from the folder. rounds.csv (but for its wall and CPU
   * columns) and devices.csv are as before. Of a chain of resumes only the newest process's cause
   * is said: a process resumed again after it was killed (no run-ending row of its own) gets none,
   * though the cut drops the earlier resume row that carried one.
   */
  @Test
  void aRunEndingRowTheCutDrops_isCarriedIntoTheResumeRow() throws Exception {
    Path dir = killedAtTheEnd("ended", 5); // checkpoints of rounds 2 and 4; round 5 after them
    String rounds = emulated(dir);
    String devices = Files.readString(dir.resolve("devices.csv"));
    appendEvent(dir, "cluster-failure", "edge server stopped: cluster member lost");
    ProfileCommandTest.Result r = resume("ended", dir);
    assertEquals(0, r.code(), r.err());
    List<String> resumes = rowsOf(dir, "resume");
    assertEquals(1, resumes.size(), resumes.toString());
    assertTrue(
        resumes
            .get(0)
            .matches(
                "[0-9.]+,4,resume,supervisor,resumed from checkpoints/round-000004.ckpt; round 5"
                    + " goes on from emulated [0-9.]+ s; the process before ended:"
                    + " cluster-failure: edge server stopped: cluster member lost"),
        resumes.get(0));
    assertEquals(List.of(), rowsOf(dir, "cluster-failure"), "the cut dropped the row itself");
    assertEquals(rounds, emulated(dir));
    assertEquals(devices, Files.readString(dir.resolve("devices.csv")));

    // The resumed process ends the same way: its own cause, one resume row.
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    appendEvent(dir, "cluster-failure", "a second cause");
    r = resume("ended", dir);
    assertEquals(0, r.code(), r.err());
    resumes = rowsOf(dir, "resume");
    assertEquals(1, resumes.size(), resumes.toString());
    assertTrue(
        resumes.get(0).endsWith("; the process before ended: cluster-failure: a second cause"),
        resumes.get(0));

    // Killed without a row: no cause, not the one of the process before it.
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    r = resume("ended", dir);
    assertEquals(0, r.code(), r.err());
    resumes = rowsOf(dir, "resume");
    assertEquals(1, resumes.size(), resumes.toString());
    assertTrue(resumes.get(0).endsWith(" s"), resumes.get(0));
    assertEquals(rounds, emulated(dir));
    assertEquals(devices, Files.readString(dir.resolve("devices.csv")));
  }

  /** rounds.csv of {@code dir} without its wall_time_s and cpu_time_s columns. */
  private static String emulated(Path dir) throws Exception {
    List<String> lines = Files.readAllLines(dir.resolve("rounds.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    int wall = header.indexOf("wall_time_s");
    int cpu = header.indexOf("cpu_time_s");
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      String[] f = line.split(",", -1);
      for (int i = 0; i < f.length; i++) {
        if (i != wall && i != cpu) {
          out.append(f[i]).append(',');
        }
      }
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * A resume refuses in one line, naming the file and the row, a devices.csv whose round column
   * falls (a row moved) or an events.csv whose round column falls before the checkpoint's row (a
   * row of a round past the checkpoint's before it), and leaves the folder as it was. Before
   * 2026-12-07 both were accepted: the moved device row was kept out of order, the event row
   * dropped without a word.
   */
  @Test
  void devicesOrEventsCsvEditedBeforeTheCheckpoint_areRefusedNamingTheRow() throws Exception {
    Path dir = killedAtTheEnd("edited", 4); // checkpoint of round 2
    Path devices = dir.resolve("devices.csv");
    List<String> original = Files.readAllLines(devices);
    List<String> moved = new ArrayList<>(original);
    moved.add(1, moved.remove(5)); // round 2's first row before round 1's (4 devices a round)
    Files.write(devices, moved);
    Map<String, String> before = files(dir);
    ProfileCommandTest.Result r = resume("edited", dir);
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(
        r.err().contains(devices + ": row 2 is of round 1, after a row of round 2: "), r.err());
    assertEquals(before, files(dir));

    Files.write(devices, original);
    Path events = dir.resolve("events.csv");
    List<String> rows = new ArrayList<>(Files.readAllLines(events));
    rows.add(1, "0.5,3,fault,device-0,edited");
    Files.write(events, rows);
    before = files(dir);
    r = resume("edited", dir);
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(r.err().contains(events + ": row 2 is of round "), r.err());
    assertTrue(r.err().contains(", after a row of round 3: "), r.err());
    assertEquals(before, files(dir));
  }

  /**
   * A second process on a folder another one holds is refused in one line naming the folder; the
   * lock is released on every exit path (a refused resume's too), and the file it leaves does not
   * block a later one.
   */
  @Test
  void aFolderInUse_isRefused_andTheLockIsReleasedOnEveryExit() throws Exception {
    Path dir = killedAtTheEnd("lock", 4);
    try (FolderLock held = FolderLock.take(dir)) {
      ProfileCommandTest.Result r = resume("lock", dir);
      assertEquals(1, r.code(), r.err());
      oneLine(r);
      assertTrue(r.err().contains("results folder " + dir + " is in use"), r.err());
      // A fresh run into a folder in use: refused too (it is not empty anyway).
      r =
          ProfileCommandTest.cli(
              "run", tmp.resolve("lock.conf").toString(), "--out", dir.toString());
      assertEquals(1, r.code(), r.err());
    }
    // A resume that fails after taking the lock releases it.
    Path events = dir.resolve("events.csv");
    Path aside = tmp.resolve("events.aside");
    Files.move(events, aside);
    assertEquals(1, resume("lock", dir).code());
    FolderLock.take(dir).close();
    Files.move(aside, events);
    assertTrue(Files.exists(dir.resolve(FolderLock.FILE)), "the lock's file stays");
    ProfileCommandTest.Result ok = resume("lock", dir);
    assertEquals(0, ok.code(), ok.err());
    FolderLock.take(dir).close();
  }

  /**
   * A results folder given as the scenario is said to be a folder, with a hint at --resume (before:
   * "scenario file not found").
   */
  @Test
  void aFolderGivenAsTheScenario_isSaidToBeOne() throws Exception {
    Path dir = finished("asdir", 2);
    ProfileCommandTest.Result r = ProfileCommandTest.cli("run", dir.toString());
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(r.err().contains(dir + " is a folder, not a scenario file"), r.err());
    assertTrue(r.err().contains("--resume " + dir), r.err());
  }

  /**
   * A copy of a run's folder gets a label of its own, said in one line; not when its resume is then
   * refused (before: the line came, then the refusal).
   */
  @Test
  void theLineOfACopysOwnLabel_comesOnlyOnceItsResumeStarted() throws Exception {
    Path dir = killedAtTheEnd("orig", 4);
    Path copy = tmp.resolve("copy");
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) all::iterator) {
        if (!f.getFileName().toString().equals(FolderLock.FILE)) {
          Files.copy(f, copy.resolve(dir.relativize(f).toString()));
        }
      }
    }
    Path events = copy.resolve("events.csv");
    Path aside = tmp.resolve("events.aside");
    Files.move(events, aside);
    // The line goes to the process's standard error.
    java.io.PrintStream was = System.err;
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      ProfileCommandTest.Result r = resume("orig", copy);
      assertEquals(1, r.code(), r.err());
      assertFalse(said.toString().contains("label of its own"), said.toString());
      Files.move(aside, events);
      r = resume("orig", copy);
      assertEquals(0, r.code(), r.err());
      assertTrue(said.toString().contains("label of its own"), said.toString());
    } finally {
      System.setErr(was);
    }
  }

  /**
   * An unreadable newest checkpoint is named with the reason in words, not a Java exception's name
   * (before: "java.io.IOException: Is a directory"); the resume goes on from the one before.
   */
  @Test
  void anUnreadableCheckpoint_isNamedInWords() throws Exception {
    Path dir = killedAtTheEnd("unread", 6);
    // As if the run took its checkpoint of round 6 (SIGTERM), left unreadable.
    Path newest = Files.createDirectory(dir.resolve("checkpoints/round-000006.ckpt"));
    ProfileCommandTest.Result r = resume("unread", dir);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("cannot read checkpoint " + newest + ": "), r.err());
    assertFalse(r.err().contains("java."), r.err());
  }

  /**
   * Four runs of one scenario started together without --out each get a folder of their own
   * (before: two of four could pick the same stamped name, and one failed with "results folder ...
   * is not empty").
   */
  @Test
  void runsStartedTogether_withoutOut_eachGetAFolder() throws Exception {
    Path conf = scenario("together", 1);
    int n = 4;
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<ProfileCommandTest.Result>> got = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String seed = "seed=" + (i + 1);
        got.add(
            pool.submit(
                () -> {
                  start.await();
                  return ProfileCommandTest.cli("run", conf.toString(), "--set", seed);
                }));
      }
      for (Future<ProfileCommandTest.Result> f : got) {
        ProfileCommandTest.Result r = f.get();
        assertEquals(0, r.code(), r.err());
      }
    } finally {
      pool.shutdownNow();
    }
    try (Stream<Path> dirs = Files.list(tmp.resolve("results"))) {
      assertEquals(n, dirs.filter(d -> Files.exists(d.resolve("summary.json"))).count());
    }
  }

  /**
   * A folder held by this JVM stays locked against other processes after a second attempt in this
   * JVM was refused (before: the refusal closed a second channel on .lock, which released the
   * process's lock, and a resume in another process then went ahead).
   */
  @Test
  void aRefusedSecondTakeInThisJvm_keepsOtherProcessesOut() throws Exception {
    Path dir = killedAtTheEnd("held", 4);
    try (FolderLock held = FolderLock.take(dir)) {
      ProfileCommandTest.Result r = resume("held", dir);
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().contains("results folder " + dir + " is in use"), r.err());
      Map<String, String> before = files(dir);
      Path child = Files.createDirectories(tmp.resolve("child"));
      try (ChildRun c =
          ChildRun.start(
              child,
              "run",
              tmp.resolve("held.conf").toString(),
              "--set",
              "checkpoint.every=2",
              "--resume",
              dir.toString())) {
        assertTrue(c.process().waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, c.process().exitValue(), c.stderr());
        assertTrue(c.stderr().contains("results folder " + dir + " is in use"), c.stderr());
      }
      assertEquals(before, files(dir));
    }
  }

  /**
   * A resume of a folder another process holds is refused as in use before the folder is judged
   * (before: it was judged first, and a finished run was said to be finished while another process
   * was writing into it).
   */
  @Test
  void aResumeOfAFolderInUse_isRefusedBeforeTheFolderIsJudged() throws Exception {
    Path dir = finished("judged", 4);
    try (FolderLock held = FolderLock.take(dir)) {
      ProfileCommandTest.Result r = resume("judged", dir);
      assertEquals(1, r.code(), r.err());
      oneLine(r);
      assertTrue(r.err().contains("results folder " + dir + " is in use"), r.err());
    }
  }

  private ProfileCommandTest.Result compare(Path conf, String schemes, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "compare", conf.toString(), "--schemes", schemes, "--set", "checkpoint.every=2"));
    a.addAll(List.of(more));
    return ProfileCommandTest.cli(a.toArray(new String[0]));
  }

  /**
   * compare --resume locks its folder before it judges it, and each scheme's folder before it
   * judges or resumes that scheme: a run --resume of the scheme's folder (what a stopped compare's
   * line suggests) holding it makes the compare refuse in one line, every file as it was (before:
   * both resumed the scheme at once).
   */
  @Test
  void compareResume_locksEachSchemesFolder() throws Exception {
    Path conf = scenario("cmpl", 4);
    Path cmp = tmp.resolve("cmpl-out");
    ProfileCommandTest.Result r = compare(conf, "psl,sl", "--out", cmp.toString());
    assertEquals(0, r.code(), r.err());
    // sl killed after its last row: no summary yet, its checkpoint of round 2 to go on from.
    Files.delete(cmp.resolve("sl/summary.json"));
    Files.delete(cmp.resolve("sl/report.md"));
    Map<String, String> before = files(cmp);
    try (FolderLock held = FolderLock.take(cmp)) {
      r = compare(conf, "psl", "--resume", cmp.toString());
      assertEquals(1, r.code(), r.err());
      oneLine(r);
      assertTrue(r.err().contains("results folder " + cmp + " is in use"), r.err());
    }
    Path sl = cmp.resolve("sl");
    try (FolderLock held = FolderLock.take(sl)) {
      r = compare(conf, "psl,sl", "--resume", cmp.toString());
      assertEquals(1, r.code(), r.err());
      oneLine(r);
      assertTrue(r.err().contains("results folder " + sl + " is in use"), r.err());
    }
    assertEquals(before, files(cmp));
    r = compare(conf, "psl,sl", "--resume", cmp.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(sl.resolve("summary.json")));
  }

  /**
   * A run stopped after round 3 of 4 (its summary written, checkpoints of rounds 2 and 3: the
   * newest two are kept) whose newest checkpoint was then deleted is not finished: the resume goes
   * on from round 2's and completes all 4 rounds (before: "finished all 3 rounds; nothing to
   * resume").
   */
  @Test
  void aRunStoppedBeforeItsLastRound_withItsNewestCheckpointDeleted_resumes() throws Exception {
    Path conf = scenario("short", 4);
    Path dir = tmp.resolve("short");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run", conf.toString(), "--out", dir.toString(), "--set", "checkpoint.every=1");
    assertEquals(0, r.code(), r.err());
    // As SIGTERM after round 3 leaves it: rows of rounds 1 to 3, checkpoints 2 and 3, a summary;
    // then the newest checkpoint deleted.
    Path csv = dir.resolve("rounds.csv");
    List<String> lines = Files.readAllLines(csv);
    Files.write(csv, lines.subList(0, 4));
    Files.delete(dir.resolve("checkpoints/round-000003.ckpt"));
    assertTrue(Files.exists(dir.resolve("summary.json")));
    r =
        ProfileCommandTest.cli(
            "run", conf.toString(), "--set", "checkpoint.every=1", "--resume", dir.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(5, Files.readAllLines(csv).size(), "rounds 1 to 4");
  }

  /**
   * A signal that ends the JVM (a second SIGTERM, SIGINT, the stop bound) before the run wrote
   * anything removes the folder reserved for it, which holds only .lock, and says no result was
   * written (before: the folder stayed, and the halt's line said the rounds recorded so far were in
   * it); a folder holding results is kept and named.
   */
  @Test
  void aSignalBeforeAnyResult_removesTheReservedFolder() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("results/sig-1"));
    FolderLock.Held held = FolderLock.takeCreating(dir, true);
    try {
      assertEquals(
          "splitemu: stopped by a signal before any result was written",
          RunCommand.signalLine(dir));
      assertFalse(Files.exists(dir), "the reserved folder holding only .lock is removed");
      assertEquals("before any result was written", RunCommand.kept(dir));
    } finally {
      held.close();
    }
    Path kept = Files.createDirectories(tmp.resolve("results/sig-2"));
    held = FolderLock.takeCreating(kept, true);
    try {
      Files.writeString(kept.resolve("scenario.conf"), "splitemu {}\n");
      assertEquals(
          "splitemu: stopped by a signal; the rounds recorded so far are in "
              + kept.toAbsolutePath(),
          RunCommand.signalLine(kept));
      assertTrue(Files.exists(kept.resolve("scenario.conf")));
    } finally {
      held.close();
    }
  }

  /**
   * A run that stopped at its target accuracy (stop-at-target) before its last round is finished:
   * the resume is refused saying so, with the rounds it ran of those configured (before: "finished
   * all 1 rounds").
   */
  @Test
  void aRunStoppedAtItsTarget_isRefusedSayingSo() throws Exception {
    Path conf = CheckpointResumeTest.scenario(tmp, "psl");
    Path dir = tmp.resolve("target");
    String[] sets = {"--set", "stop-at-target=true", "--set", "target-accuracy=0.01"};
    List<String> a = new ArrayList<>(List.of("run", conf.toString()));
    a.addAll(List.of(sets));
    List<String> run = new ArrayList<>(a);
    run.addAll(List.of("--out", dir.toString()));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(run.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    assertEquals(2, Files.readAllLines(dir.resolve("rounds.csv")).size(), "stopped after round 1");
    Map<String, String> before = files(dir);
    List<String> resume = new ArrayList<>(a);
    resume.addAll(List.of("--resume", dir.toString()));
    r = ProfileCommandTest.cli(resume.toArray(new String[0]));
    assertEquals(1, r.code(), r.err());
    oneLine(r);
    assertTrue(
        r.err()
            .contains(
                dir
                    + " stopped at its target accuracy (stop-at-target) after 1 of 4 rounds;"
                    + " nothing to resume"),
        r.err());
    assertEquals(before, files(dir));
  }
}
