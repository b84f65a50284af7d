package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.splitemu.actors.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A write that fails during {@code splitemu run} (a file replaced by a folder, a full disk) ends
 * the run with its one line naming the file, and nothing else: no Pekko {@code ERROR} with the
 * recorder's {@code UncheckedIOException} and its stack trace before it (before, the recorder's
 * failure went to Pekko's default strategy, which logged it), and no temporary file's name. The
 * rows written before stay, and every table ends with a whole row (before, a full disk left
 * devices.csv ending in part of a row).
 */
class WriteFailureRunTest {

  @TempDir Path tmp;

  private Path scenario() throws IOException {
    Path f = tmp.resolve("writes.conf");
    Files.writeString(
        f,
        "splitemu {\n  scenario = write-failure\n  scheme = psl\n  fidelity = timing\n"
            + "  rounds = 4\n  local-steps = 1\n  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [2e7, 4e7, 2e7, 4e7],"
            + " downlink-bps = 4e7 } }\n"
            + "  output.plots = false\n}\n");
    return f;
  }

  private record Cli(int code, String out, String err, List<String> logged) {}

  /** {@code splitemu args...} in this JVM, with what it logged at WARN or above. */
  private static Cli cli(String... args) {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    root.addAppender(seen);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try {
      code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    } finally {
      root.detachAppender(seen);
    }
    List<String> logged =
        seen.list.stream()
            .filter(ev -> ev.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
            .map(
                ev ->
                    ev.getLevel()
                        + " "
                        + ev.getFormattedMessage()
                        + (ev.getThrowableProxy() == null
                            ? ""
                            : " " + ev.getThrowableProxy().getClassName()))
            .toList();
    return new Cli(code, out.toString(), err.toString(), logged);
  }

  /** The one line a failed run prints: nothing logged, no trace, no temporary file's name. */
  private static String oneLine(Cli c) {
    assertEquals(1, c.code(), c.err() + c.out());
    assertEquals(List.of(), c.logged(), "logged");
    List<String> lines = c.err().lines().toList();
    assertEquals(1, lines.size(), c.err());
    for (String text : List.of(c.err(), c.out())) {
      assertFalse(text.contains("ERROR"), text);
      assertFalse(text.contains("\tat "), text);
      assertFalse(text.contains("Exception"), text);
      assertFalse(text.contains(".tmp"), text);
    }
    return lines.get(0);
  }

  /** Every table of {@code dir} ends with a whole row, each of its header's width. */
  private static void wholeRows(Path dir) throws IOException {
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv")) {
      String text = Files.readString(dir.resolve(table));
      assertTrue(text.endsWith("\n"), table + " ends in part of a row: " + text);
      List<String> lines = text.lines().toList();
      int width = CsvTable.parseLine(lines.get(0)).size();
      for (String line : lines) {
        assertEquals(width, CsvTable.parseLine(line).size(), table + ": " + line);
      }
    }
  }

  /**
   * Called at each write of a table (as {@link CsvTable#noSpaceFor}, failing none): the first in
   * {@code dir} puts a folder, not empty, at {@code file}.
   */
  private static Predicate<Path> folderAt(Path dir, Path file) {
    return f -> {
      if (f.startsWith(dir) && !Files.exists(file)) {
        try {
          Files.createDirectories(file.resolve("in-the-way"));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return false;
    };
  }

  /**
   * The summary, written once the run has ended well, cannot replace the folder of its name: one
   * line naming it (the run's rows are all there).
   */
  @Test
  void aSummaryThatCannotBeWritten_endsTheRunWithOneLine() throws Exception {
    Path dir = tmp.resolve("summary");
    Path blocked = dir.resolve("summary.json");
    Predicate<Path> block = folderAt(dir, blocked);
    CsvTable.noSpaceFor.add(block);
    Cli c;
    try {
      c = cli("run", scenario().toString(), "--out", dir.toString());
    } finally {
      CsvTable.noSpaceFor.remove(block);
    }
    assertEquals("splitemu: cannot write " + blocked + ": is a directory", oneLine(c));
    assertEquals(4, CsvTable.read(dir.resolve("rounds.csv")).size());
    wholeRows(dir);
  }

  /**
   * Round 2's checkpoint cannot replace the folder of its name (here put there once the run has
   * opened its tables): the line names the checkpoint file, the round and the results folder, and
   * says why of the file (before, "cannot write in its folder (is a directory)", of the temporary
   * file's rename).
   */
  @Test
  void aCheckpointThatCannotBeWritten_endsTheRunWithOneLine() throws Exception {
    Path dir = tmp.resolve("ckpt");
    Path blocked = dir.resolve("checkpoints").resolve("round-000002.ckpt");
    Predicate<Path> block = folderAt(dir, blocked);
    CsvTable.noSpaceFor.add(block);
    Cli c;
    try {
      c = cli("run", scenario().toString(), "--out", dir.toString(), "--set", "checkpoint.every=1");
    } finally {
      CsvTable.noSpaceFor.remove(block);
    }
    String line = oneLine(c);
    // The round under way when the recorder failed (it lags the supervisor by its backlog).
    assertTrue(
        line.matches(
            "splitemu: run stopped in round \\d+: recorder failed: cannot write "
                + Pattern.quote(blocked.toString())
                + ": is a directory; the rounds recorded so far are in "
                + Pattern.quote(dir.toAbsolutePath().toString())),
        line);
    assertEquals(
        List.of("1", "2"),
        CsvTable.read(dir.resolve("rounds.csv")).stream().map(r -> r.get(0)).toList());
    assertEquals(8, CsvTable.read(dir.resolve("devices.csv")).size());
    assertTrue(Files.isRegularFile(dir.resolve("checkpoints/round-000001.ckpt")));
    try (var left = Files.list(dir.resolve("checkpoints"))) {
      assertEquals(
          List.of(), left.filter(p -> p.toString().endsWith(".tmp")).toList(), "temporary files");
    }
    wholeRows(dir);
  }

  /**
   * The disk fills while a device's row of round 2 is written, part of it in the file (no
   * checkpoints): the line names devices.csv; devices.csv holds the rows written before, as the
   * same run without a full disk wrote them, and ends with the last of them, whole.
   */
  @Test
  void aDiskThatFillsMidRow_endsTheRunWithOneLine_andEveryTableEndsWithAWholeRow()
      throws Exception {
    Path scenario = scenario();
    Path clean = tmp.resolve("clean");
    Cli ok = cli("run", scenario.toString(), "--out", clean.toString());
    assertEquals(0, ok.code(), ok.err());
    Path dir = tmp.resolve("full");
    Path devices = dir.resolve("devices.csv");
    Predicate<Path> full =
        f -> {
          try {
            // Round 1's four rows and one of round 2's are in.
            return f.equals(devices) && Files.readAllLines(devices).size() >= 6;
          } catch (IOException e) {
            return false;
          }
        };
    CsvTable.noSpaceMidRowFor.add(full);
    Cli c;
    try {
      c = cli("run", scenario.toString(), "--out", dir.toString());
    } finally {
      CsvTable.noSpaceMidRowFor.remove(full);
    }
    String line = oneLine(c);
    // The round under way when the recorder failed: it lags the supervisor by its backlog.
    String rest =
        ": recorder failed: cannot write "
            + devices
            + ": No space left on device; the rounds recorded so far are in "
            + dir.toAbsolutePath();
    assertTrue(line.matches("splitemu: run stopped in round \\d+" + Pattern.quote(rest)), line);
    List<String> before = Files.readAllLines(clean.resolve("devices.csv"));
    assertEquals(before.subList(0, 6), Files.readAllLines(devices));
    wholeRows(dir);
  }
}
