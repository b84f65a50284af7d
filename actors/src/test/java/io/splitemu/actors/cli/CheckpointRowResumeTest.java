package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.CsvTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run killed after its checkpoint's file but before the file's {@code checkpoint} row (the
 * results writer writes the file first): the {@code --resume} from that checkpoint writes the row
 * the folder lacks, so that the resumed {@code events.csv} equals the uninterrupted run's, its
 * {@code checkpoint} rows included, but for the {@code resume} row. The crash window is made by
 * hand in a finished run's folder: {@code events.csv} cut before round 2's {@code checkpoint} row,
 * as a SIGKILL at that instant leaves it (every row recorded before the checkpoint is written
 * before its file).
 */
class CheckpointRowResumeTest {

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"psl", "mpsl"})
  void killedBetweenTheCheckpointFileAndItsRow_resumeWritesTheRow(String scheme) throws Exception {
    Path scenario = tmp.resolve(scheme + ".conf");
    if (scheme.equals("mpsl")) {
      Files.writeString(scenario, CheckpointResumeTest.mpslScenario(scheme, "row", ""));
    } else {
      // CheckpointResumeTest's scenario on synthetic data (MNIST's load is most of its time).
      Path mnist = CheckpointResumeTest.scenario(tmp, scheme);
      Files.writeString(
          scenario,
          Files.readString(mnist)
              .replaceAll(
                  "(?m)^  data \\{.*$", "  data { train-samples = 800, test-samples = 200 }"));
    }
    Path stopped = tmp.resolve("stopped");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli(
            "run", scenario.toString(), "--out", stopped.toString(), "--set", "checkpoint.every=2");
    assertEquals(0, a.code(), a.err());
    assertTrue(Files.exists(stopped.resolve("checkpoints/round-000002.ckpt")));
    Path whole = Files.createDirectories(tmp.resolve("whole"));
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv")) {
      Files.copy(stopped.resolve(table), whole.resolve(table));
    }
    Path events = stopped.resolve("events.csv");
    List<String> lines = Files.readAllLines(events, StandardCharsets.UTF_8);
    int row = -1;
    for (int i = 1; i < lines.size(); i++) {
      List<String> f = CsvTable.parseLine(lines.get(i));
      if (f.get(2).equals("checkpoint") && f.get(1).equals("2")) {
        row = i;
      }
    }
    assertTrue(row > 0, "no checkpoint row of round 2: " + lines);
    Files.write(events, lines.subList(0, row), StandardCharsets.UTF_8);
    CheckpointResumeTest.asKilledAtItsEnd(stopped);

    ProfileCommandTest.Result b =
        ProfileCommandTest.cli(
            "run",
            scenario.toString(),
            "--set",
            "checkpoint.every=2",
            "--resume",
            stopped.toString());
    assertEquals(0, b.code(), b.err() + b.out());
    assertEquals(withoutResumeRows(whole), withoutResumeRows(stopped));
    CheckpointResumeTest.assertSameRun(whole, stopped);
  }

  /** The lines of a folder's events.csv, its header too, but its resume rows. */
  private static List<String> withoutResumeRows(Path dir) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("events.csv"), StandardCharsets.UTF_8)) {
      if (out.isEmpty() || !CsvTable.parseLine(line).get(2).equals("resume")) {
        out.add(line);
      }
    }
    return out;
  }
}
