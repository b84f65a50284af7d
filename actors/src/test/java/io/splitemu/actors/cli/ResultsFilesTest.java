package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.results.CsvTable;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run's results folder holds after a resume and what a comparison derives from its runs, on
 * real runs in timing fidelity: the summary's wall time across processes, a resume over a row torn
 * inside a multi-byte character and over a checkpoint write killed before its rename, the
 * comparison's mean round, and a sweep over a key that is also a column's name.
 */
class ResultsFilesTest {

  @TempDir Path tmp;

  private Path scenario(String name, String scheme, int rounds, String faults) throws Exception {
    Path f = tmp.resolve(name + ".conf");
    Files.writeString(
        f,
        "splitemu {\n  scenario = "
            + name
            + "\n  scheme = "
            + scheme
            + "\n  rounds = "
            + rounds
            + "\n  local-steps = 2\n  batch-size = 16\n"
            + "  fidelity = timing\n  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [8e6, 2e7, 4e7],"
            + " downlink-bps = [1e7, 4e7, 4e7] } }\n"
            + "  output.plots = false\n"
            + "  faults = ["
            + faults
            + "]\n}\n");
    return f;
  }

  private static List<List<String>> rows(Path csv) {
    return CsvTable.read(csv);
  }

  private static int col(Path csv, String name) throws Exception {
    try (Stream<String> lines = Files.lines(csv)) {
      return CsvTable.parseLine(lines.findFirst().orElseThrow()).indexOf(name);
    }
  }

  /**
   * A run resumed from its round-2 checkpoint: its rounds 3 and 4 come from a second process, whose
   * {@code wall_time_s} starts again at 0, so the summary's wall time is the sum of the two
   * processes' (before: the larger of the two).
   */
  @Test
  void resumedRun_wallTimeAddsTheProcesses() throws Exception {
    Path dir = stoppedAfterRound4("wall");
    resume(dir, "wall");
    Path rounds = dir.resolve("rounds.csv");
    int wallCol = col(rounds, "wall_time_s");
    List<List<String>> r = rows(rounds);
    assertEquals(4, r.size());
    double first = 0;
    double second = 0;
    for (int i = 0; i < 4; i++) {
      double w = Double.parseDouble(r.get(i).get(wallCol));
      if (i < 2) {
        first = Math.max(first, w);
      } else {
        second = Math.max(second, w);
      }
    }
    assertTrue(first > 0 && second > 0, r.toString());
    JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals(first + second, summary.get("wallTimeSeconds").asDouble(), 1e-12);
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(
          files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")),
          "no temporary file left beside the results");
    }
  }

  /**
   * A resume goes over a last row of {@code events.csv} torn by a kill inside a two-byte character
   * (before: the resume failed with MalformedInputException).
   */
  @Test
  void resume_dropsALastRowTornInsideAMultiByteCharacter() throws Exception {
    Path dir = stoppedAfterRound4("torn");
    byte[] torn = "9.5,4,fault,device-1,caf".getBytes(StandardCharsets.UTF_8);
    try (OutputStream out =
        Files.newOutputStream(dir.resolve("events.csv"), StandardOpenOption.APPEND)) {
      out.write(torn);
      out.write(0xC3); // the first of the two bytes of "é"
    }
    resume(dir, "torn");
    String events = Files.readString(dir.resolve("events.csv"), StandardCharsets.UTF_8);
    assertFalse(events.contains("caf"), events);
    assertTrue(events.endsWith("\n"), events);
    assertTrue(events.contains(",resume,"), events);
  }

  /**
   * A resume deletes a checkpoint's temporary file that a kill before its rename left in {@code
   * checkpoints/} (before: kept for good).
   */
  @Test
  void resume_deletesStaleTemporaryFiles_ofCheckpointsAndOfTheRunsOwnFiles() throws Exception {
    Path dir = stoppedAfterRound4("stale");
    Path stale = dir.resolve("checkpoints/round-000004.ckpt.4242-00000000deadbeef.tmp");
    Files.write(stale, new byte[] {1, 2, 3});
    // This version's NAME.PID-RANDOM.tmp, and the NAME.PID.tmp, NAME.tmp and NAMEDIGITS.tmp of
    // earlier ones.
    List<Path> ours =
        List.of(
            dir.resolve("summary.json.1-0123456789abcdef.tmp"),
            dir.resolve("events.csv.4242.tmp"),
            dir.resolve("rounds.csv.tmp"),
            dir.resolve("report.md8812345.tmp"));
    Path users = dir.resolve("notes.txt.tmp"); // not the writer's: left alone
    Path alike = dir.resolve("rounds.csv.old.tmp"); // nor one merely alike
    Path live = dir.resolve("devices.csv.7-fedcba9876543210.tmp"); // nor a live writer's (young)
    java.nio.file.attribute.FileTime hourAgo =
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    Files.setLastModifiedTime(stale, hourAgo);
    for (Path p : List.of(ours.get(0), ours.get(1), ours.get(2), ours.get(3), users, alike)) {
      Files.writeString(p, "half");
      Files.setLastModifiedTime(p, hourAgo);
    }
    Files.writeString(live, "half");
    resume(dir, "stale");
    assertTrue(Files.exists(live), "a temporary file younger than a write's time stays");
    assertFalse(Files.exists(stale), "the stale checkpoint temporary file is gone");
    for (Path p : ours) {
      assertFalse(Files.exists(p), p.getFileName() + " is gone");
    }
    assertTrue(Files.exists(users), "a file the writer does not write stays");
    assertTrue(Files.exists(alike), "a file the writer does not write stays");
    assertTrue(Files.exists(dir.resolve("checkpoints/round-000002.ckpt")));
  }

  /**
   * A resume deletes the stale temporary files of the run's plots (written atomically) in {@code
   * plots/}, and keeps a file there the run does not write (before 2026-12-07 they stayed for
   * good).
   */
  @Test
  void resume_deletesStaleTemporaryFiles_ofThePlots() throws Exception {
    Path dir = stoppedAfterRound4("plots");
    Path plots = Files.createDirectories(dir.resolve("plots"));
    List<Path> ours =
        List.of(
            plots.resolve("accuracy.png.4242-0123456789abcdef.tmp"),
            plots.resolve("latency-breakdown.png.4242.tmp"));
    Path users = plots.resolve("mine.png.4242-0123456789abcdef.tmp");
    java.nio.file.attribute.FileTime hourAgo =
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    for (Path p : List.of(ours.get(0), ours.get(1), users)) {
      Files.writeString(p, "half");
      Files.setLastModifiedTime(p, hourAgo);
    }
    resume(dir, "plots");
    for (Path p : ours) {
      assertFalse(Files.exists(p), p.getFileName() + " is left");
    }
    assertTrue(Files.exists(users), "a file the run does not write stays");
  }

  /**
   * Files replaced atomically get the same mode as the tables, not the owner-only mode of a
   * temporary file (before: summary.json and report.md were rw------- beside rw-r--r-- tables).
   */
  @Test
  void atomicallyWrittenFiles_haveTheTablesMode() throws Exception {
    Path dir = stoppedAfterRound4("mode");
    java.util.Set<java.nio.file.attribute.PosixFilePermission> tables =
        Files.getPosixFilePermissions(dir.resolve("rounds.csv"));
    for (String name : List.of("summary.json", "report.md", "checkpoints/round-000002.ckpt")) {
      assertEquals(tables, Files.getPosixFilePermissions(dir.resolve(name)), name);
    }
  }

  private static final String[] EVERY_2 = {"--set", "checkpoint.every=2"};

  /**
   * A finished 4-round run with a checkpoint after round 2 (a resume, of the folder made to look
   * killed after its last row, redoes rounds 3 and 4).
   */
  private Path stoppedAfterRound4(String name) throws Exception {
    Path conf = scenario(name, "psl", 4, "");
    Path dir = tmp.resolve(name);
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli(
            "run", conf.toString(), "--out", dir.toString(), EVERY_2[0], EVERY_2[1]);
    assertEquals(0, a.code(), a.err());
    assertTrue(Files.exists(dir.resolve("checkpoints/round-000002.ckpt")));
    return dir;
  }

  /** Resumes the run in {@code dir}, first made to look killed after its last round's row. */
  private void resume(Path dir, String name) throws Exception {
    CheckpointResumeTest.asKilledAtItsEnd(dir);
    ProfileCommandTest.Result b =
        ProfileCommandTest.cli(
            "run",
            tmp.resolve(name + ".conf").toString(),
            EVERY_2[0],
            EVERY_2[1],
            "--resume",
            dir.toString());
    assertEquals(0, b.code(), b.err() + b.out());
  }

  /**
   * A server crash makes the run redo a round and wait its restart delay: comparison.csv's {@code
   * mean_round_latency_s} is the mean of the recorded rounds' {@code round_latency_s} (what the
   * round-latency plot shows), not the emulated time over the rounds, which counts the downtime and
   * the lost round (before: emulated time / rounds).
   */
  @Test
  void comparison_meanRoundIsTheMeanOfTheRecordedRounds_notTheDowntime() throws Exception {
    Path conf =
        scenario("crash", "psl", 4, "{ kind = server-crash, round = 4, restart-delay = 20 s }");
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            conf.toString(),
            "--schemes",
            "psl",
            "--set",
            "checkpoint.every=2",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    Path rounds = out.resolve("psl/rounds.csv");
    int lat = col(rounds, "round_latency_s");
    List<List<String>> rr = rows(rounds);
    assertEquals(4, rr.size());
    double sum = 0;
    for (List<String> row : rr) {
      sum += Double.parseDouble(row.get(lat));
    }
    Path csv = out.resolve("comparison.csv");
    List<String> row = rows(csv).get(0);
    double mean = Double.parseDouble(row.get(col(csv, "mean_round_latency_s")));
    double emulated = Double.parseDouble(row.get(col(csv, "emulated_time_s")));
    assertEquals(sum / 4, mean, 1e-12);
    assertTrue(emulated / 4 > mean + 5, "the downtime is not a round: " + emulated + " " + mean);
    String md = Files.readString(out.resolve("comparison.md"));
    assertTrue(md.contains("round_latency_s"), md);
  }

  /**
   * {@code --sweep rounds=...}: the swept key's column is {@code set.rounds}, beside the figure
   * column {@code rounds} (before: two columns named {@code rounds}).
   */
  @Test
  void sweepOverAKeyNamedAsAColumn_hasUniqueColumnNames() throws Exception {
    Path conf = scenario("sweep", "psl", 2, "");
    Path out = tmp.resolve("sweep");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            conf.toString(),
            "--schemes",
            "sl,psl",
            "--sweep",
            "rounds=1,2",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    Path csv = out.resolve("sweep.csv");
    List<String> header;
    try (Stream<String> lines = Files.lines(csv)) {
      header = CsvTable.parseLine(lines.findFirst().orElseThrow());
    }
    assertEquals(header.size(), new HashSet<>(header).size(), "unique names: " + header);
    assertEquals("set.rounds", header.get(0));
    assertEquals(1, header.indexOf("scheme"));
    int rounds = header.indexOf("rounds");
    assertNotEquals(-1, rounds);
    for (List<String> row : rows(csv)) {
      assertEquals(row.get(0), row.get(rounds), "the point's rounds ran: " + row);
    }
    assertTrue(Files.readString(out.resolve("sweep.md")).startsWith("# sweep"));
    assertTrue(Files.readString(out.resolve("sweep.md")).contains("| set.rounds | scheme |"));
  }
}
