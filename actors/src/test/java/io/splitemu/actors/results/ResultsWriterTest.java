package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsWriterTest {

  @TempDir Path tmp;

  private static RoundRecord round(int i, double t, double acc) {
    return new RoundRecord(
        i,
        "psl",
        t,
        0.5,
        0.1,
        0.2,
        0.15,
        0.05,
        4,
        0,
        "3",
        1,
        acc,
        2.0 / (i + 1),
        0.01 * i,
        Double.NaN);
  }

  @Test
  void rowsAreOnDiskBeforeFinish_soAnEarlyStopKeepsThem() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    w.round(round(1, 0.5, 0.3));
    List<String> lines = Files.readAllLines(dir.resolve("rounds.csv"));
    assertEquals(2, lines.size());
    assertEquals(String.join(",", RoundRecord.HEADER), lines.get(0));
    List<String> fields = CsvTable.parseLine(lines.get(1));
    assertEquals("0.5", fields.get(2));
    // mpsl (the writer not told that a round's row settles its events): an event is written in
    // its place by instant, by the next round's row at the latest.
    w.event(new EventRecord(0.25, 1, "timeout", "device-2", "no answer, within \"5 s\", dropped"));
    w.round(round(2, 1.0, 0.3));
    List<String> ev = Files.readAllLines(dir.resolve("events.csv"));
    assertEquals("no answer, within \"5 s\", dropped", CsvTable.parseLine(ev.get(1)).get(4));
    assertEquals("splitemu { seed = 1 }\n", Files.readString(dir.resolve("scenario.conf")));
    w.close();
  }

  /**
   * The barrier and split families: a round's events are on disk with its row, so a run killed
   * (kill -9, out of memory) right after it keeps them, and {@code tail -f events.csv} keeps pace
   * with {@code rounds.csv}. From 2026-12-06 until this was fixed they came only with the next
   * round's row.
   */
  @Test
  void aRoundsEvents_areOnDiskWithItsRow_whereItsRowSettlesThem() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    w.settleEventsAtRoundEnd();
    w.event(new EventRecord(0.4, 1, "fault", "device-1", "late"));
    w.event(new EventRecord(0.25, 1, "timeout", "device-2", "no answer, within \"5 s\", dropped"));
    w.event(new EventRecord(0.5, 1, "deadline", "device-0", "at the end"));
    w.round(round(1, 0.5, 0.3));
    assertEquals(2, Files.readAllLines(dir.resolve("rounds.csv")).size());
    List<String> subjects =
        CsvTable.read(dir.resolve("events.csv")).stream().map(f -> f.get(3)).toList();
    assertEquals(List.of("device-2", "device-1", "device-0"), subjects);
    w.event(new EventRecord(0.5, 2, "replan", "device-0", "at round 2's start"));
    w.round(round(2, 1.0, 0.3));
    assertEquals(5, Files.readAllLines(dir.resolve("events.csv")).size());
    w.close();
  }

  /**
   * A write to events.csv or its copy in {@code dir} fails as on a full disk while {@code full[0]}
   * (until {@link #fullDisk} is removed).
   */
  private boolean[] fullDiskFor(Path dir) {
    boolean[] full = {false};
    fullDisk =
        f -> full[0] && f.startsWith(dir) && f.getFileName().toString().startsWith("events.csv");
    CsvTable.noSpaceFor.add(fullDisk);
    return full;
  }

  private java.util.function.Predicate<Path> fullDisk;

  private static List<String> subjects(Path dir) {
    return CsvTable.read(dir.resolve("events.csv")).stream().map(f -> f.get(3)).toList();
  }

  /**
   * A full disk while a row earlier than the file's last is inserted (its copy of events.csv
   * fails): the file stays as it was and the writer goes on appending to it; the rows not written
   * stay held and are written once there is room again, by a later round's row or the close, in
   * their places; the close closes every table and throws nothing more. Before, the held rows were
   * dropped before the copy, the table was left closed, and the close failed with "Stream closed"
   * (which replaced the run's own line): the rows at 18 and 35 were lost for good.
   */
  @Test
  void aFullDiskDuringAnInsertion_losesNoRow() throws Exception {
    Path dir = tmp.resolve("full");
    boolean[] full = fullDiskFor(dir);
    try {
      ResultsWriter w = ResultsWriter.open(dir, "x");
      w.event(ev(5, 1, "a"));
      w.round(round(1, 10, 0.1));
      w.event(ev(15, 2, "b"));
      w.round(round(2, 20, 0.2));
      w.onCheckpoint(new CheckpointFile(2, 20, new byte[] {1}));
      String before = Files.readString(dir.resolve("events.csv"));
      full[0] = true;
      w.event(ev(18, 3, "c")); // before the checkpoint's row: inserted
      java.io.UncheckedIOException e =
          assertThrows(java.io.UncheckedIOException.class, () -> w.round(round(3, 30, 0.3)));
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      assertEquals(before, Files.readString(dir.resolve("events.csv")), "the file as it was");
      assertEquals(4, Files.readAllLines(dir.resolve("rounds.csv")).size(), "round 3's row");
      w.event(ev(35, 4, "d"));
      assertThrows(java.io.UncheckedIOException.class, () -> w.round(round(4, 40, 0.4)));
      full[0] = false;
      w.close();
      assertEquals(List.of("a", "b", "c", "supervisor", "d"), subjects(dir));
      assertEquals(5, Files.readAllLines(dir.resolve("rounds.csv")).size());
      w.close(); // closed once
    } finally {
      CsvTable.noSpaceFor.remove(fullDisk);
    }
  }

  /**
   * A full disk while a row is appended, which leaves part of it in the file: the part is cut and
   * the row written again once there is room (here at the next round's row), each row once. A close
   * while the disk is still full throws the write's failure, closes every table, and keeps every
   * row written.
   */
  @Test
  void aFullDiskDuringAnAppend_cutsTheTornRow_andWritesItAgain() throws Exception {
    Path dir = tmp.resolve("torn");
    boolean[] full = fullDiskFor(dir);
    try {
      ResultsWriter w = ResultsWriter.open(dir, "x");
      w.settleEventsAtRoundEnd();
      w.event(ev(5, 1, "a"));
      w.round(round(1, 10, 0.1));
      full[0] = true;
      w.event(ev(15, 2, "b"));
      assertThrows(java.io.UncheckedIOException.class, () -> w.round(round(2, 20, 0.2)));
      // What a full disk can leave: the row's first bytes, without its line break.
      Files.writeString(
          dir.resolve("events.csv"), "15.0,2,fa", java.nio.file.StandardOpenOption.APPEND);
      full[0] = false;
      w.event(ev(25, 3, "c"));
      w.round(round(3, 30, 0.3));
      assertEquals(List.of("a", "b", "c"), subjects(dir));
      assertEquals(
          List.of(5.0, 15.0, 25.0),
          w.events().stream().map(EventRecord::emulatedS).toList(),
          "each row once, whole");
      full[0] = true;
      w.event(ev(35, 4, "d"));
      java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, w::close);
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      assertEquals(List.of("a", "b", "c"), subjects(dir));
      assertEquals(4, Files.readAllLines(dir.resolve("rounds.csv")).size());
      w.close(); // closed once
    } finally {
      CsvTable.noSpaceFor.remove(fullDisk);
    }
  }

  private static EventRecord ev(double t, int round, String subject) {
    return new EventRecord(t, round, "fault", subject, "at " + t);
  }

  /** Round 1 and 2's rows of the run below, as it records them (not in order of instant). */
  private static void firstTwoRounds(ResultsWriter w) {
    w.event(ev(2.0, 1, "a"));
    w.event(ev(1.0, 1, "b"));
    w.event(ev(1.0, 1, "c"));
    w.round(round(1, 3.0, 0.1));
    w.event(ev(4.5, 2, "d"));
    w.event(ev(3.0, 2, "e"));
    w.round(round(2, 5.0, 0.2));
    w.onCheckpoint(new CheckpointFile(2, 5.0, new byte[] {1, 2, 3}));
  }

  /** Round 3's rows: one earlier than round 2's checkpoint (an mpsl device's own epoch start). */
  private static void thirdRound(ResultsWriter w) {
    w.event(ev(6.0, 3, "f"));
    w.event(ev(4.8, 3, "g"));
    w.event(ev(5.0, 3, "h"));
    w.round(round(3, 7.0, 0.3));
  }

  /**
   * events.csv is the recorded rows sorted stably by instant: the rows of a round wait for the next
   * round's row, a checkpoint writes every held row at once, and a row that still comes earlier
   * than the file's last (here 4.8 after the checkpoint at 5.0) is inserted in its place. A resume
   * from the checkpoint writes the same file byte for byte (the rows it writes again all came after
   * the checkpoint's), and what the report keeps follows the file. Before 2026-12-06 the rows were
   * written in the order they came.
   */
  @Test
  void events_areInTimeOrder_acrossACheckpointAndAResume() throws Exception {
    Path whole = tmp.resolve("whole");
    ResultsWriter w = ResultsWriter.open(whole, "x");
    java.util.List<String> seen = new java.util.ArrayList<>();
    w.observe(
        new RecordObserver() {
          @Override
          public void onEvent(EventRecord e) {
            seen.add(e.subject());
          }
        });
    firstTwoRounds(w);
    // The observers see each row as it comes; the file holds round 1's by round 2's row.
    assertEquals(List.of("a", "b", "c", "d", "e", "supervisor"), seen);
    thirdRound(w);
    assertEquals(1, w.eventsInserted(), "the row at 4.8 was inserted once");
    w.close();
    List<String> subjects =
        CsvTable.read(whole.resolve("events.csv")).stream().map(f -> f.get(3)).toList();
    assertEquals(List.of("b", "c", "a", "e", "d", "g", "supervisor", "h", "f"), subjects);
    assertEquals("g", w.marked().first().get(5).subject(), "the report's list follows the file");

    Path stopped = tmp.resolve("stopped");
    ResultsWriter s = ResultsWriter.open(stopped, "x");
    firstTwoRounds(s);
    s.close(); // stopped at its checkpoint
    ResultsWriter resumed = ResultsWriter.resume(stopped, 2);
    thirdRound(resumed);
    resumed.close();
    assertEquals(
        Files.readString(whole.resolve("events.csv")),
        Files.readString(stopped.resolve("events.csv")));
    assertEquals(
        w.marked().first(), resumed.marked().first(), "the report's list as uninterrupted");
  }

  /**
   * Round {@code r} of an mpsl-like run with a checkpoint after every round: a row inside the
   * round, its row and checkpoint at 10 r, then a row of round r + 1 at 10 r - 1 (a device's own
   * start of the next epoch, before the checkpoint's instant: inserted at the next round's row).
   */
  private static void checkpointedRound(ResultsWriter w, int r) {
    w.event(ev(10.0 * r - 5, r, "in-" + r));
    w.round(round(r, 10.0 * r, 0.1));
    w.onCheckpoint(new CheckpointFile(r, 10.0 * r, new byte[] {1}));
    w.event(ev(10.0 * r - 1, r + 1, "early-" + (r + 1)));
  }

  private static Object inode(Path file) throws java.io.IOException {
    return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
  }

  /**
   * An insertion parses only the file's tail (the rows from its place on), not the file: over 300
   * rounds, each with a checkpoint and a row inserted before it, each insertion parses three rows
   * (the checkpoint's row, the row after it and the one inserted) while the file grows to 900; the
   * head is copied by the kernel. The file is still replaced by a whole copy each time (a new
   * inode: renamed over it, never written in place), and it is the recorded rows sorted stably by
   * instant. Before, each insertion parsed every row of the file (about 135,000 rows here,
   * quadratic in the rounds).
   */
  @Test
  void anInsertion_parsesOnlyTheTail_andRenamesACopyOverTheFile() throws Exception {
    Path dir = tmp.resolve("tail");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    List<EventRecord> recorded = new java.util.ArrayList<>();
    w.observe(
        new RecordObserver() {
          @Override
          public void onEvent(EventRecord e) {
            recorded.add(e);
          }
        });
    Path file = dir.resolve("events.csv");
    int rounds = 300;
    for (int r = 1; r <= rounds; r++) {
      long parsed = w.eventsParsed();
      int inserted = w.eventsInserted();
      Object inode = inode(file);
      checkpointedRound(w, r);
      assertTrue(
          w.eventsParsed() - parsed <= 4,
          (w.eventsParsed() - parsed) + " rows parsed in round " + r);
      if (w.eventsInserted() > inserted) {
        assertNotEquals(inode, inode(file), "a copy renamed over the file: round " + r);
      }
    }
    w.close();
    assertEquals(rounds, w.eventsInserted(), "one insertion a round (the last at the close)");
    List<EventRecord> sorted = new java.util.ArrayList<>(recorded);
    sorted.sort(java.util.Comparator.comparingDouble(EventRecord::emulatedS));
    assertEquals(sorted, w.events(), "the recorded rows, sorted stably by instant");
    assertTrue(
        w.eventsParsed() < sorted.size() * 2L, w.eventsParsed() + " rows parsed over the run");
    try (var files = Files.list(dir)) {
      assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no copy left");
    }
  }

  /**
   * An insertion that copies the head by the kernel writes the file a whole copy writes, byte for
   * byte: random sorted tables with ties, some longer than the first window read back from the end,
   * random sorted rows to insert (some before every row, some at the instants of rows there, some
   * after the last).
   */
  @Test
  void anInsertionNearTheEnd_writesWhatAWholeCopyWrites() throws Exception {
    java.util.Random rnd = new java.util.Random(7);
    java.util.function.BiPredicate<List<String>, List<String>> precedes =
        (row, old) ->
            Double.compare(Double.parseDouble(row.get(0)), Double.parseDouble(old.get(0))) < 0;
    for (int trial = 0; trial < 300; trial++) {
      List<List<Object>> table = new java.util.ArrayList<>();
      int n = rnd.nextInt(trial % 10 == 0 ? 600 : 40);
      for (int i = 0; i < n; i++) {
        table.add(ev(rnd.nextInt(20), 1, "old-" + i).fields());
      }
      List<List<Object>> rows = new java.util.ArrayList<>();
      int m = 1 + rnd.nextInt(5);
      for (int i = 0; i < m; i++) {
        rows.add(ev(rnd.nextInt(22) - 1, 2, "new-" + i).fields());
      }
      java.util.Comparator<List<Object>> byInstant =
          java.util.Comparator.comparingDouble(f -> (Double) f.get(0));
      table.sort(byInstant);
      rows.sort(byInstant);
      Path copied = tmp.resolve("copied-" + trial + ".csv");
      Path near = tmp.resolve("near-" + trial + ".csv");
      CsvTable.writeAll(copied, EventRecord.HEADER, table);
      CsvTable.writeAll(near, EventRecord.HEADER, table);
      CsvTable.reopenInserting(copied, EventRecord.HEADER, rows, precedes, f -> {}).close();
      List<String> seen = new java.util.ArrayList<>();
      CsvTable.Inserted done =
          CsvTable.reopenInsertingNearEnd(
              near, EventRecord.HEADER, rows, precedes, (f, inserted) -> seen.add(f.get(3)));
      assertNotNull(done, "trial " + trial);
      // The table goes on appending to the new file, as reopenInserting's does.
      done.table().append(ev(99, 3, "appended").fields());
      done.table().close();
      Files.writeString(
          copied, "99.0,3,fault,appended,at 99.0\n", java.nio.file.StandardOpenOption.APPEND);
      assertEquals(Files.readString(copied), Files.readString(near), "trial " + trial);
      List<String> all = CsvTable.read(near).stream().map(f -> f.get(3)).toList();
      assertEquals(
          all.subList(all.size() - 1 - seen.size(), all.size() - 1), seen, "the tail, in order");
      try (var files = Files.list(tmp)) {
        assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")));
      }
    }
  }

  /**
   * A full disk while an insertion copies the file's head (half of it copied by the kernel, then
   * {@code No space left on device}): the file stays as it was, byte for byte and the same file,
   * the copy is deleted, and the rows are held and written at the next round's row, in their
   * places.
   */
  @Test
  void aFullDiskDuringTheHeadsCopy_leavesTheFile_andWritesTheRowsLater() throws Exception {
    Path dir = tmp.resolve("full-head");
    boolean[] full = {false};
    java.util.function.Predicate<Path> onlyTheCopy =
        f ->
            full[0]
                && f.startsWith(dir)
                && CsvTable.isTemporaryOf(f.getFileName().toString(), "events.csv");
    CsvTable.noSpaceMidRowFor.add(onlyTheCopy);
    try {
      ResultsWriter w = ResultsWriter.open(dir, "x");
      checkpointedRound(w, 1);
      checkpointedRound(w, 2);
      Path file = dir.resolve("events.csv");
      String before = Files.readString(file);
      Object inode = inode(file);
      full[0] = true;
      w.event(ev(25, 3, "in-3"));
      java.io.UncheckedIOException e =
          assertThrows(java.io.UncheckedIOException.class, () -> w.round(round(3, 30, 0.1)));
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      assertEquals(before, Files.readString(file), "the file as it was");
      assertEquals(inode, inode(file), "the same file");
      try (var files = Files.list(dir)) {
        assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")));
      }
      full[0] = false;
      w.onCheckpoint(new CheckpointFile(3, 30, new byte[] {1}));
      w.close();
      assertEquals(
          List.of(
              "in-1",
              "early-2",
              "supervisor",
              "in-2",
              "early-3",
              "supervisor",
              "in-3",
              "supervisor"),
          subjects(dir));
    } finally {
      CsvTable.noSpaceMidRowFor.remove(onlyTheCopy);
    }
  }

  /**
   * The summary's tallies and the report's list of the first marked rows, which an insertion near
   * the end takes from the inserted rows alone (the list put back in the file's order), are a whole
   * copy's: over 100 rounds (the report lists the first 64 rows, reached by the insertions of the
   * first 30 rounds) {@code events.csv}, {@code summary.json} and {@code report.md} are byte for
   * byte those of a writer that copies the file whole at each insertion.
   */
  @Test
  void anInsertionNearTheEnd_tallies_asAWholeCopy() throws Exception {
    Path near = tmp.resolve("near");
    Path whole = tmp.resolve("whole");
    ResultsWriter a = ResultsWriter.open(near, "x");
    ResultsWriter b = ResultsWriter.open(whole, "x");
    b.insertByWholeCopy();
    for (int r = 1; r <= 100; r++) {
      checkpointedRound(a, r);
      checkpointedRound(b, r);
    }
    a.finish("quick", "psl", 7L, 0.9, Map.of());
    b.finish("quick", "psl", 7L, 0.9, Map.of());
    assertTrue(
        a.eventsParsed() * 10 < b.eventsParsed(), a.eventsParsed() + " vs " + b.eventsParsed());
    assertEquals(b.marked().first(), a.marked().first());
    assertEquals(MarkedEvents.read(near).first(), a.marked().first(), "the file's order");
    assertEquals(b.marked().count(), a.marked().count());
    for (String f : List.of("events.csv", "summary.json", "report.md")) {
      assertEquals(Files.readString(whole.resolve(f)), Files.readString(near.resolve(f)), f);
    }
  }

  /**
   * A {@code --resume} of a folder written before {@code cpu_time_s} existed goes on in it: the
   * header gains the column, the kept rows an empty field in it (their CPU time was not recorded),
   * and the new rows line up. Any other header is still refused in one line.
   */
  @Test
  void resume_ofAFolderWithoutCpuTime_addsTheColumn() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    w.round(round(1, 0.5, 0.3));
    w.round(round(2, 1.0, 0.4));
    w.close();
    Path csv = dir.resolve("rounds.csv");
    // What the earlier build wrote: every line without its last field.
    List<String> older =
        Files.readAllLines(csv).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    assertFalse(older.get(0).contains("cpu_time_s"), older.get(0));
    Files.write(csv, older);

    ResultsWriter r = ResultsWriter.resume(dir, 1);
    assertEquals(List.of(round(1, 0.5, 0.3)), r.rounds());
    RoundRecord two = round(2, 1.0, 0.4);
    RoundRecord withCpu =
        new RoundRecord(
            two.round(),
            two.scheme(),
            two.emulatedTimeS(),
            two.roundLatencyS(),
            two.deviceComputeS(),
            two.serverComputeS(),
            two.communicationS(),
            two.aggregationS(),
            two.participants(),
            two.failed(),
            two.cut(),
            two.clusters(),
            two.testAccuracy(),
            two.trainLoss(),
            two.wallTimeS(),
            1.25);
    r.round(withCpu);
    r.close();
    List<String> lines = Files.readAllLines(csv);
    assertEquals(3, lines.size(), lines.toString());
    assertEquals(String.join(",", RoundRecord.HEADER), lines.get(0));
    assertEquals(older.get(1) + ",", lines.get(1));
    assertEquals("1.25", CsvTable.parseLine(lines.get(2)).get(RoundRecord.HEADER.size() - 1));
    ResultsWriter again = ResultsWriter.resume(dir, 2);
    assertEquals(List.of(round(1, 0.5, 0.3), withCpu), again.rounds());
    again.close();

    Files.write(csv, List.of("round,scheme,something_else", "1,psl,2"));
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> ResultsWriter.resume(dir, 1));
    assertTrue(bad.getMessage().contains("rounds.csv: not a table of round,"), bad.getMessage());
  }

  /** A finished run of four rounds, with a device row and an event per round. */
  private Path fourRounds(String name) throws Exception {
    Path dir = tmp.resolve(name);
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    for (int i = 1; i <= 4; i++) {
      w.event(ev(0.5 * i - 0.1, i, "device-" + i));
      w.round(round(i, 0.5 * i, 0.1 * i));
      w.device(new DeviceRecord(i, 0, 0, "3", 0.1, 0.05, 0.05, 1000, 800, 0.5, true));
      if (i == 2) {
        w.onCheckpoint(new CheckpointFile(2, 1.0, new byte[] {1, 2, 3}));
      }
    }
    w.finish("quick", "psl", 7L, 0.9, Map.of());
    return dir;
  }

  private static Map<String, String> tables(Path dir) throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          out.put(f.getFileName().toString(), Files.readString(f));
        }
      }
    }
    return out;
  }

  /**
   * A resume that refuses one of the tables (here events.csv, missing) leaves the others as they
   * were, and no temporary file: each table is cut into a temporary file first, and the cuts
   * replace the tables only once all three are ready (before: rounds.csv and devices.csv were
   * already cut to round 2 when events.csv was found missing). The line names the file once, with
   * the reason in words (before: "cannot reopen X: X").
   */
  @Test
  void resume_thatRefusesATable_leavesEveryTableAsItWas() throws Exception {
    Path dir = fourRounds("run");
    Files.delete(dir.resolve("events.csv"));
    Map<String, String> before = tables(dir);
    RuntimeException e = assertThrows(RuntimeException.class, () -> ResultsWriter.resume(dir, 2));
    assertEquals("cannot reopen " + dir.resolve("events.csv") + ": no such file", e.getMessage());
    assertEquals(before, tables(dir), "every file as it was, and no temporary file");

    // A table of another header, last of the three, refused the same way.
    Files.writeString(dir.resolve("events.csv"), "a,b\n1,2\n");
    before = tables(dir);
    e = assertThrows(RuntimeException.class, () -> ResultsWriter.resume(dir, 2));
    assertTrue(e.getMessage().contains("events.csv: not a table of"), e.getMessage());
    assertEquals(before, tables(dir));
  }

  /**
   * A resume refuses, naming rounds.csv, kept rows that are not rounds 1 to the checkpoint's each
   * once (before: rows deleted before the checkpoint left a gap in the resumed run's table), and
   * leaves the tables as they were.
   */
  @Test
  void resume_refusesAGapInRoundsCsvBeforeTheCheckpoint() throws Exception {
    Path dir = fourRounds("run");
    Path csv = dir.resolve("rounds.csv");
    List<String> lines = new java.util.ArrayList<>(Files.readAllLines(csv));
    lines.remove(1); // round 1's row
    Files.write(csv, lines);
    Map<String, String> before = tables(dir);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultsWriter.resume(dir, 2));
    assertTrue(e.getMessage().startsWith(csv + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("rounds 1 to 2"), e.getMessage());
    assertEquals(before, tables(dir));

    lines.remove(1); // round 2's too: no row before the checkpoint
    Files.write(csv, lines);
    e = assertThrows(IllegalArgumentException.class, () -> ResultsWriter.resume(dir, 2));
    assertTrue(e.getMessage().startsWith(csv + ": holds 0 rows"), e.getMessage());
  }

  /**
   * A resume refuses, naming devices.csv and the row, a round column that is not a number, below 1
   * or falls from one row to the next (rows edited or moved; after the checkpoint's round too), and
   * leaves the tables as they were. Before 2026-12-07 such rows were kept (or a row of a later
   * round dropped) without a word.
   */
  @Test
  void resume_refusesDevicesCsvRowsOutOfRoundOrder() throws Exception {
    Path dir = fourRounds("run"); // one device row a round, the checkpoint of round 2
    Path csv = dir.resolve("devices.csv");
    List<String> lines = Files.readAllLines(csv);
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put(": row 2 is of round 1, after a row of round 2: ", swap(lines, 1, 2));
    cases.put(": row 4 is of round 3, after a row of round 4: ", swap(lines, 3, 4));
    cases.put(": row 1 is of round 0: ", lines.get(1).replaceFirst("^1,", "0,"));
    cases.put(": row 1 has round \"x\", not a number: ", lines.get(1).replaceFirst("^1,", "x,"));
    for (Map.Entry<String, String> c : cases.entrySet()) {
      List<String> edited = new java.util.ArrayList<>(lines);
      if (c.getValue().contains("\n")) {
        edited = List.of(c.getValue().split("\n"));
      } else {
        edited.set(1, c.getValue());
      }
      Files.write(csv, edited);
      Map<String, String> before = tables(dir);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ResultsWriter.resume(dir, 2));
      assertTrue(e.getMessage().startsWith(csv + c.getKey()), e.getMessage());
      assertTrue(e.getMessage().contains("rounds 1 to 2"), e.getMessage());
      assertEquals(before, tables(dir), c.getKey());
    }
    Files.write(csv, lines);
    ResultsWriter.resume(dir, 2).close(); // as written, taken
    assertEquals(3, Files.readAllLines(csv).size());
  }

  /**
   * On the barrier and split families a resume lets the round column of events.csv fall at a server
   * or supervisor crash's fault and recovery rows, which carry the round of the checkpoint the
   * crash goes back to (a partition inside the restart delay carries the round after it), and goes
   * on checking from their round; any other row that falls is refused as before. Before 2026-12-07
   * the crash's rows were refused too: the folder of every such run could not resume.
   */
  @Test
  void resume_letsACrashsRowsGoBackToTheirCheckpointsRound() throws Exception {
    Path dir = fourRounds("run"); // events of rounds 1 to 4, the checkpoint of round 2 at 1.0 s
    Path csv = dir.resolve("events.csv");
    List<String> lines = Files.readAllLines(csv);
    assertEquals("0.9,2,fault,device-2,at 0.9", lines.get(2), lines.toString());
    String crash = "0.91,1,fault,edge-server,server-crash: the edge server stops";
    String inside = "0.92,2,fault,device-1,partition: cut off";
    String back = "0.93,1,recovery,edge-server,server-crash: restored from checkpoint round 1";
    List<String> written = new java.util.ArrayList<>(lines);
    written.addAll(3, List.of(crash, inside, back));
    Files.write(csv, written);
    ResultsWriter.resume(dir, 2, true).close();
    List<String> kept = Files.readAllLines(csv);
    assertEquals(written.subList(0, 7), kept.subList(0, 7), "the rows up to the checkpoint's");
    assertEquals(7, kept.size(), kept.toString());

    Map<String, String> cases = new java.util.LinkedHashMap<>();
    // Not a crash's row: refused as before.
    cases.put(": row 5 is of round 1, after a row of round 2: ", back.replace("server-crash", "x"));
    // After a crash's row of round 1, a row of round 0.
    cases.put(": row 6 is of round 0, after a row of round 1: ", back + "\n0.94,0,fault,d,x");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      List<String> edited = new java.util.ArrayList<>(lines);
      edited.addAll(3, List.of(crash, inside));
      edited.addAll(5, List.of(c.getValue().split("\n")));
      Files.write(csv, edited);
      Map<String, String> before = tables(dir);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ResultsWriter.resume(dir, 2, true));
      assertTrue(e.getMessage().startsWith(csv + c.getKey()), e.getMessage());
      assertEquals(before, tables(dir), c.getKey());
    }
  }

  /** {@code lines} with rows {@code i} and {@code j} swapped, as one text. */
  private static String swap(List<String> lines, int i, int j) {
    List<String> out = new java.util.ArrayList<>(lines);
    java.util.Collections.swap(out, i, j);
    return String.join("\n", out) + "\n";
  }

  /**
   * A resume that starts deletes summary.json and report.md, which stood for rounds it writes again
   * (before: a resume killed before its end left the earlier end's summary beside the cut tables);
   * its end writes them anew.
   */
  @Test
  void resume_deletesTheSummaryAndReportOfAnEarlierEnd() throws Exception {
    Path dir = fourRounds("run");
    assertTrue(Files.exists(dir.resolve("summary.json")));
    ResultsWriter r = ResultsWriter.resume(dir, 2);
    assertFalse(Files.exists(dir.resolve("summary.json")));
    assertFalse(Files.exists(dir.resolve("report.md")));
    r.round(round(3, 1.5, 0.3));
    r.finish("quick", "psl", 7L, 0.9, Map.of());
    assertEquals(
        3, new ObjectMapper().readTree(dir.resolve("summary.json").toFile()).get("rounds").asInt());
  }

  /**
   * A resume of a folder that lost its plots folder makes it again at the end rather than failing
   * there after every round ran (before: "cannot write plot").
   */
  @Test
  void finish_makesAMissingPlotsFolderAgain() throws Exception {
    Path dir = fourRounds("run");
    try (var pngs = Files.list(dir.resolve("plots"))) {
      for (Path p : (Iterable<Path>) pngs::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(dir.resolve("plots"));
    ResultsWriter r = ResultsWriter.resume(dir, 2);
    r.round(round(3, 1.5, 0.3));
    r.finish("quick", "psl", 7L, 0.9, Map.of());
    assertTrue(Files.isRegularFile(dir.resolve("plots/latency-breakdown.png")));
  }

  /**
   * Runs started in the same second each get a folder of their own: each name is claimed by one
   * atomic create (before: two runs could both find a name free, and the second then failed with
   * "results folder ... is not empty").
   */
  @Test
  void reserveRunFolder_givesConcurrentRunsAFolderEach() throws Exception {
    Clock clock = Clock.fixed(Instant.parse("2026-11-21T10:15:30Z"), ZoneOffset.UTC);
    int n = 8;
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      List<java.util.concurrent.Future<Path>> got = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        got.add(
            pool.submit(
                () -> {
                  start.await();
                  Path dir = ResultsWriter.reserveRunFolder(tmp, "quickstart", clock);
                  ResultsWriter.open(dir, "x").close();
                  return dir;
                }));
      }
      java.util.Set<Path> dirs = new java.util.TreeSet<>();
      for (var f : got) {
        dirs.add(f.get());
      }
      assertEquals(n, dirs.size(), dirs.toString());
      assertTrue(dirs.contains(tmp.resolve("quickstart-20261121-101530")), dirs.toString());
      assertTrue(dirs.contains(tmp.resolve("quickstart-20261121-101530-" + n)), dirs.toString());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * One process at a time in a results folder: a second lock is refused in one line naming the
   * folder; once released (or its process gone), the file left behind does not block.
   */
  @Test
  void folderLock_refusesASecondHolder_andItsFileLeftBehindDoesNotBlock() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("run"));
    try (FolderLock first = FolderLock.take(dir)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> FolderLock.take(dir));
      assertTrue(e.getMessage().startsWith("results folder " + dir + " is in use"), e.getMessage());
    }
    assertTrue(Files.exists(dir.resolve(FolderLock.FILE)));
    FolderLock.take(dir).close();
    // open() takes a folder holding only the lock's file as empty.
    ResultsWriter.open(dir, "x").close();
  }

  /**
   * Where the lock's file cannot be made (here a folder of its name; or a file system without
   * locks), the run goes on unlocked with a warning line rather than being refused.
   */
  @Test
  void folderLock_thatCannotBeTaken_warnsAndGoesOn() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("run").resolve(FolderLock.FILE)).getParent();
    java.io.PrintStream was = System.err;
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      FolderLock.take(dir).close();
      FolderLock.take(dir).close();
    } finally {
      System.setErr(was);
    }
    assertTrue(
        said.toString().startsWith("splitemu: warning: cannot lock results folder " + dir + " ("),
        said.toString());
  }

  @Test
  void checkpointsPastRound999999_areKeptAndFoundByTheirRound() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    for (int r : new int[] {999_998, 999_999, 1_000_000}) {
      w.onCheckpoint(new CheckpointFile(r, r, new byte[] {1, 2, 3}));
    }
    w.close();
    List<String> kept;
    try (var files = Files.list(dir.resolve("checkpoints"))) {
      kept = files.map(f -> f.getFileName().toString()).sorted().toList();
    }
    assertEquals(List.of("round-1000000.ckpt", "round-999999.ckpt"), kept);
    // The newest is tried first (these bytes are no checkpoint, so each is warned about in turn).
    List<String> warned = new java.util.ArrayList<>();
    assertThrows(
        IllegalArgumentException.class,
        () -> io.splitemu.actors.runtime.Checkpoints.newest(dir, warned::add));
    assertEquals(1, warned.size(), warned.toString());
    assertTrue(warned.get(0).contains("round-1000000.ckpt"), warned.toString());
  }

  /**
   * SIGTERM's checkpoints off the schedule (rounds 4 and 5 of checkpoint.every = 3) leave round
   * 3's, the scheduled one a crash restores, beside the newest two (before, only the newest two
   * were kept); a crash's rewind to round 3 deletes the later ones, of the timeline it discarded,
   * so a later resume does not go on from them.
   */
  @Test
  void theScheduledCheckpointIsKeptBesideTheNewestTwo_andARewindDeletesTheLaterOnes()
      throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    for (int r = 1; r <= 3; r++) {
      w.round(round(r, r, 0.5));
    }
    w.onCheckpoint(new CheckpointFile(3, 3, new byte[] {1}));
    w.round(round(4, 4, 0.5));
    w.onCheckpoint(new CheckpointFile(4, 4, new byte[] {1}, 3));
    w.round(round(5, 5, 0.5));
    w.onCheckpoint(new CheckpointFile(5, 5, new byte[] {1}, 3));
    assertEquals(
        List.of("round-000003.ckpt", "round-000004.ckpt", "round-000005.ckpt"), checkpoints(dir));
    w.onRewind(3);
    assertEquals(List.of("round-000003.ckpt"), checkpoints(dir));
    for (int r = 4; r <= 6; r++) {
      w.round(round(r, r, 0.5));
    }
    w.onCheckpoint(new CheckpointFile(6, 6, new byte[] {1}));
    w.round(round(7, 7, 0.5));
    w.onCheckpoint(new CheckpointFile(7, 7, new byte[] {1}, 6));
    w.close();
    assertEquals(List.of("round-000006.ckpt", "round-000007.ckpt"), checkpoints(dir));
  }

  private static List<String> checkpoints(Path dir) throws Exception {
    try (var files = Files.list(dir.resolve("checkpoints"))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aLineBreakInAField_staysOnItsRow_andTheTablesReadBack() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    w.round(round(1, 0.5, 0.3));
    w.event(
        new EventRecord(0.25, 1, "fault", "device-2", "first line\nsecond, \"quoted\"\r\nthird"));
    w.event(new EventRecord(0.5, 1, "timeout", "device-1", "after it"));
    w.close();
    List<String> lines = Files.readAllLines(dir.resolve("events.csv"));
    assertEquals(3, lines.size(), lines.toString());
    assertEquals(
        List.of(
            new EventRecord(0.25, 1, "fault", "device-2", "first line second, \"quoted\" third"),
            new EventRecord(0.5, 1, "timeout", "device-1", "after it")),
        ResultsWriter.resume(dir, 1).events());
  }

  @Test
  void finish_writesSummaryPlotsAndReport() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    double[] acc = {0.2, 0.6, 0.91, 0.89};
    for (int i = 0; i < acc.length; i++) {
      w.round(round(i + 1, 0.5 * (i + 1), acc[i]));
      w.device(new DeviceRecord(i + 1, 0, 0, "3", 0.1, 0.05, 0.05, 1000, 800, 0.5, true));
    }
    Summary s = w.finish("quick", "psl", 7L, 0.9, Map.of("edge", 1234L));
    assertEquals(4, s.rounds());
    assertEquals(2.0, s.emulatedTimeS(), 0.0);
    assertEquals(0.89, s.finalAccuracy(), 0.0);
    assertEquals(0.91, s.bestAccuracy(), 0.0);
    assertEquals(1.5, s.timeToTargetS(), 0.0);
    assertEquals(4000, s.bytesUp());

    JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals(1.5, json.get("timeToTargetSeconds").asDouble(), 0.0);
    assertEquals(1234L, json.get("peakModelMemoryBytes").get("edge").asLong());
    assertEquals(3200, json.get("totals").get("bytesDown").asLong());

    for (String png : List.of("accuracy.png", "loss.png", "latency-breakdown.png")) {
      BufferedImage img = ImageIO.read(dir.resolve("plots").resolve(png).toFile());
      assertNotNull(img, png + " is not a readable PNG");
      assertTrue(img.getWidth() > 100 && img.getHeight() > 100);
    }
    String report = Files.readString(dir.resolve("report.md"));
    assertTrue(report.contains("plots/accuracy.png"), report);
    assertTrue(report.contains("| best test accuracy | 0.9100 |"), report);
  }

  @Test
  void report_showsWhatWasInForceEachRound_andPeakMemoryAtTheCutsInForce() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    // Cut 2 in round 1, a re-cut to 3 for rounds 2 and 3; two clusters with spectrum shares.
    String[] cuts = {"2", "3", "3"};
    for (int r = 1; r <= 3; r++) {
      w.round(
          new RoundRecord(
              r,
              "cpsl",
              r,
              1,
              0.5,
              0.2,
              0.2,
              0.1,
              3,
              0,
              cuts[r - 1],
              2,
              Double.NaN,
              Double.NaN,
              0,
              Double.NaN));
      w.device(new DeviceRecord(r, 0, 0, cuts[r - 1], 0.1, 0, 0, 10, 10, 0.25, true));
      w.device(new DeviceRecord(r, 1, 0, cuts[r - 1], 0.1, 0, 0, 10, 10, 0.75, true));
      w.device(new DeviceRecord(r, 2, 1, cuts[r - 1], 0.1, 0, 0, 10, 10, 1.0, r != 3));
    }
    w.event(new EventRecord(2.0, 3, "fault", "device-2", "device-hang"));
    // The configured cut (2) gave 624 device bytes; the re-cut raised them.
    Summary s =
        w.finish(
            "q",
            "cpsl",
            1L,
            0.9,
            Map.of("device", 624L, "edge", 246200L),
            cut ->
                cut.equals("2")
                    ? Map.of("device", 624L, "edge", 246200L)
                    : Map.of("device", 10288L, "edge", 236536L));
    assertEquals(Map.of("device", 10288L, "edge", 246200L), s.peakModelMemoryBytes());
    JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals(10288L, json.get("peakModelMemoryBytes").get("device").asLong());

    String report = Files.readString(dir.resolve("report.md"));
    assertTrue(report.contains("| round | cut | clusters |"), report);
    assertTrue(report.contains("| rounds | cut | clusters | members (device share) |"), report);
    assertTrue(report.contains("| 1 | 2 | 2 | c0: d0 0.250, d1 0.750; c1: d2 1.00 |"), report);
    assertTrue(report.contains("| 2 | 3 | 2 | c0: d0 0.250, d1 0.750; c1: d2 1.00 |"), report);
    assertTrue(report.contains("| 3 | 3 | 2 | c0: d0 0.250, d1 0.750; c1: d2 missed |"), report);
    assertTrue(
        report.contains(
            "| device | 10.3 kB (10288 B) | slice at cut 3 (the largest of the cuts in force) |"),
        report);
    assertTrue(report.contains("| edge | 246 kB (246200 B) | slice at cut 2"), report);
    assertTrue(report.contains("| 2 | 1 | 624 B | 246 kB (246200 B) |"), report);
    assertTrue(report.contains("| 3 | 2-3 | 10.3 kB (10288 B) | 237 kB (236536 B) |"), report);
    assertTrue(report.contains("- fault at 2.000 s (round 3), device-2: device-hang"), report);
  }

  /** A rewind (a crash restored round 1) drops the memory the discarded rounds published. */
  @Test
  void rewind_dropsTheMemoryOfTheDiscardedRounds() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    w.round(new RoundRecord(1, "edgesplit", 1, 1, 0, 0, 0, 0, 1, 0, "2", 1, 0.5, 1, 0, Double.NaN));
    w.onMemory(new MemoryRecord(1, "device", 100));
    w.onMemory(new MemoryRecord(2, "device", 500)); // the attempt the crash discards
    w.onRewind(1);
    w.onMemory(new MemoryRecord(2, "device", 200));
    Summary s = w.finish("q", "edgesplit", 1L, 0.9, Map.of(), cut -> Map.of());
    assertEquals(Map.of("device", 200L), s.peakModelMemoryBytes());
  }

  @Test
  void report_mergesAlikeRounds_andKeepsAMemoryItCannotTellByCut() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= 4; r++) {
      w.round(new RoundRecord(r, "mpsl", r, 1, 0, 0, 0, 0, 1, 0, "2-5", 1, 0.5, 1, 0, Double.NaN));
      w.device(new DeviceRecord(r, 0, 0, "2-5", 0.1, 0, 0, 10, 10, Double.NaN, true));
    }
    w.finish("q", "mpsl", 1L, 0.9, Map.of("hop-1", 5000L), cut -> Map.of());
    String report = Files.readString(dir.resolve("report.md"));
    assertTrue(report.contains("| 1-4 | 2-5 | 1 |\n"), report);
    assertTrue(
        report.contains("| hop-1 | 5.00 kB (5000 B) | the largest the run recorded |"), report);
    assertFalse(report.contains("at each cut in force"), report);
  }

  @Test
  void report_ofManyDevices_talliesClustersAndCuts_andStaysSmall() throws Exception {
    String small = manyDeviceReport(500);
    String large = manyDeviceReport(5000);
    for (String report : List.of(small, large)) {
      assertFalse(report.contains(": d1 "), report);
      assertTrue(report.contains("devices lists no members"), report);
    }
    // Round 1: half the devices cut at 3 and half at 4 (the per-device cut of a split scheme);
    // clusters of even and odd devices, device 1 missed in round 2.
    assertTrue(small.contains("| 1 | 3\u00d7250, 4\u00d7250 | 2 |"), small);
    assertTrue(small.contains("c0: 250 devices, share 0.00100\u20130.00349"), small);
    assertTrue(small.contains("c1: 250 devices, share 0.00101\u20130.00350"), small);
    assertTrue(small.contains("c1: 250 devices (1 missed), share 0.00102\u20130.00350"), small);
    assertTrue(large.contains("| 1 | 3\u00d72500, 4\u00d72500 | 2 |"), large);
    assertTrue(large.contains("c1: 2500 devices (1 missed)"), large);
    assertTrue(
        small.contains("600 events in `events.csv` (100 deadline, 1 fault, 499 replan)"), small);
    assertTrue(small.contains("- fault at 1.000 s (round 2), device-1: device-hang"), small);
    assertTrue(small.contains("- deadline at 1.500 s (round 2), device-64: dropped\n"), small);
    assertFalse(small.contains("device-65: dropped"), small);
    assertTrue(
        small.contains("- and 37 more faults, deadline drops and recoveries in `events.csv`"),
        small);
    assertTrue(
        large.contains("5100 events in `events.csv` (100 deadline, 1 fault, 4999 replan)"), large);
    // Ten times the devices, about the same report: nothing in it grows with the device count.
    assertTrue(
        large.length() < 1.2 * small.length(), small.length() + " B vs " + large.length() + " B");
  }

  /** The report of a 2-round run of {@code n} devices in two clusters, fed row by row. */
  private String manyDeviceReport(int n) throws Exception {
    Path dir = tmp.resolve("run-" + n);
    ResultsWriter w = ResultsWriter.open(dir, "x");
    StringBuilder cut = new StringBuilder();
    for (int d = 0; d < n; d++) {
      cut.append(d == 0 ? "" : ";").append(d < n / 2 ? "3" : "4");
    }
    for (int r = 1; r <= 2; r++) {
      w.round(
          new RoundRecord(
              r,
              "dag-mincut",
              r,
              1,
              0.5,
              0.2,
              0.2,
              0.1,
              n,
              r - 1,
              cut.toString(),
              2,
              Double.NaN,
              Double.NaN,
              0,
              Double.NaN));
      for (int d = 0; d < n; d++) {
        String c = d < n / 2 ? "3" : "4";
        double share = 0.001 + 0.0025 * d / (n - 1);
        boolean done = !(r == 2 && d == 1);
        w.device(new DeviceRecord(r, d, d % 2, c, 0.1, 0, 0, 10, 10, share, done));
        if (r == 1 && d > 0) {
          w.event(new EventRecord(0.5, 1, "replan", "device-" + d, "cut " + c));
        }
      }
    }
    w.event(new EventRecord(1.0, 2, "fault", "device-1", "device-hang"));
    for (int d = 2; d < 102; d++) {
      w.event(new EventRecord(1.5, 2, "deadline", "device-" + d, "dropped"));
    }
    w.finish("q", "dag-mincut", 1L, 0.9, Map.of(), cut2 -> Map.of());
    return Files.readString(dir.resolve("report.md"));
  }

  @Test
  void timingRun_withoutAccuracy_hasNullsAndNoAccuracyPlot() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    w.round(
        new RoundRecord(
            1,
            "sl",
            1.0,
            1.0,
            0.5,
            0.3,
            0.2,
            0,
            1,
            0,
            "2",
            1,
            Double.NaN,
            Double.NaN,
            0.0,
            Double.NaN));
    w.finish("t", "sl", 1L, 0.9, Map.of());
    assertFalse(Files.exists(dir.resolve("plots/accuracy.png")));
    assertTrue(Files.exists(dir.resolve("plots/latency-breakdown.png")));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertTrue(json.get("finalAccuracy").isNull());
    assertTrue(json.get("timeToTargetSeconds").isNull());
    List<String> row = CsvTable.parseLine(Files.readAllLines(dir.resolve("rounds.csv")).get(1));
    assertEquals("", row.get(12));
  }

  @Test
  void aRunsFaultsDeadlinesAndRecoveries_areMarked_inItsReport() throws Exception {
    Path dir = tmp.resolve("marked");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    w.event(new EventRecord(1.5, 1, "fault", "device-1", "device-crash: device crashes"));
    w.event(new EventRecord(2.5, 2, "replan", "device-0", "cut 3"));
    w.event(new EventRecord(4.0, 3, "recovery", "device-1", "device-crash: device rejoins"));
    for (int i = 1; i <= 3; i++) {
      w.round(round(i, 1.5 * i, 0.5));
    }
    w.finish("quick", "psl", 7L, 0.9, Map.of());
    String report = Files.readString(dir.resolve("report.md"));
    assertTrue(report.contains("- fault at 1.5"), report);
    assertTrue(report.contains("- recovery at 4"), report);
    assertTrue(!report.contains("- replan at"), report);
  }

  @Test
  void open_refusesNonEmptyFolder() throws Exception {
    Path dir = tmp.resolve("run");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("old.csv"), "keep me");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultsWriter.open(dir, "x"));
    assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    assertEquals("keep me", Files.readString(dir.resolve("old.csv")));
  }

  @Test
  void newRunFolder_isStampedAndUnique() throws Exception {
    Clock clock = Clock.fixed(Instant.parse("2026-11-21T10:15:30Z"), ZoneOffset.UTC);
    Path a = ResultsWriter.newRunFolder(tmp, "quickstart", clock);
    assertEquals("quickstart-20261121-101530", a.getFileName().toString());
    Files.createDirectories(a);
    Path b = ResultsWriter.newRunFolder(tmp, "quickstart", clock);
    assertNotEquals(a, b);
    assertEquals("quickstart-20261121-101530-2", b.getFileName().toString());
  }

  @Test
  void append_refusesRowOfWrongWidth() {
    CsvTable t = CsvTable.create(tmp.resolve("t.csv"), List.of("a", "b"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> t.append(List.of(1)));
    assertTrue(e.getMessage().contains("t.csv"), e.getMessage());
    t.close();
  }

  /**
   * A last line without its line break is a row a kill tore: dropped by a reopen even where it
   * still has every field (here cut inside its last number), and by a read (before: kept, as {@code
   * 1,0.4}).
   */
  @Test
  void reopen_dropsATornLastRow_evenOneWithEveryField() throws Exception {
    Path f = tmp.resolve("t.csv");
    Files.writeString(f, "a,b\n1,2\n1,0.4");
    assertEquals(List.of(List.of("1", "2")), CsvTable.read(f));
    CsvTable.reopen(f, List.of("a", "b"), row -> true).close();
    assertEquals("a,b\n1,2\n", Files.readString(f));
  }

  /**
   * The summary's wall time adds each process's largest {@code wall_time_s}: a new process starts
   * where the figure drops, or after the round of a resume row even where it does not drop.
   */
  @Test
  void wallTime_addsTheProcesses_atADropOrAResume() {
    List<RoundRecord> rs =
        List.of(
            wall(1, 0.3), wall(2, 0.468), wall(3, 0.1), wall(4, 0.306), wall(5, 0.5), wall(6, 0.6));
    // Drops at round 3; a resume from round 4 whose process was slower to get to round 5.
    assertEquals(0.468 + 0.306 + 0.6, Summary.wallTimeS(rs, List.of(2, 4)), 1e-12);
    assertEquals(0.468 + 0.6, Summary.wallTimeS(rs, List.of()), 1e-12);
    Summary s = Summary.of("x", "psl", 1, rs, List.of(2, 4), 0, 0, 0.9, Map.of());
    assertEquals(0.468 + 0.306 + 0.6, s.wallTimeS(), 1e-12);
  }

  private static RoundRecord wall(int i, double wallS) {
    return new RoundRecord(
        i,
        "psl",
        i,
        1,
        0.1,
        0.2,
        0.15,
        0.05,
        4,
        0,
        "3",
        1,
        Double.NaN,
        Double.NaN,
        wallS,
        Double.NaN);
  }
}
