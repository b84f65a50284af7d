package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --failover} holder's fencing token ({@link FailoverToken}): the generation it writes,
 * and a results writer that, once a newer holder's token is in its folder, writes no checkpoint
 * (nor prunes one), no summary, report or plots, no more rows, and no resume's cut. The successor
 * is simulated by rewriting the token file between two writes, as a standby that took the folder
 * over would.
 */
class FailoverTokenTest {

  @TempDir Path tmp;

  private static RoundRecord round(int i) {
    return new RoundRecord(
        i, "psl", 0.5 * i, 0.5, 0.1, 0.2, 0.15, 0.05, 4, 0, "3", 1, 0.3, 1.0, 0.01 * i, Double.NaN);
  }

  private static CheckpointFile checkpoint(int round) {
    return new CheckpointFile(round, 0.5 * round, new byte[] {1, 2, 3});
  }

  @Test
  void takingAFolderOver_writesTheGenerationFoundTherePlusOne() throws Exception {
    Path fresh = Files.createDirectories(tmp.resolve("fresh"));
    try (FailoverToken t = FailoverToken.take(fresh, "127.0.0.1:25520", h -> {})) {
      assertEquals(1, t.generation());
      assertEquals(
          "generation 1\nmember 127.0.0.1:25520\n",
          Files.readString(fresh.resolve(FailoverToken.FILE)));
      assertSame(t, FailoverToken.held(fresh));
      assertTrue(t.mayWrite());
    }
    assertNull(FailoverToken.held(fresh), "released with its run; the file stays");
    assertTrue(Files.exists(fresh.resolve(FailoverToken.FILE)));

    Path older = Files.createDirectories(tmp.resolve("older"));
    Files.writeString(older.resolve(FailoverToken.FILE), "generation 4\nmember 127.0.0.1:1\n");
    try (FailoverToken t = FailoverToken.take(older, "127.0.0.1:25521", h -> {})) {
      assertEquals(5, t.generation());
      assertEquals(new FailoverToken.Holder(5, "127.0.0.1:25521"), FailoverToken.read(older));
    }
  }

  @Test
  void aHolderWhoseFolderWasTakenOver_writesNoCheckpointSummaryNorRowAfterItsNextCheck()
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("run"));
    List<FailoverToken.Holder> said = new ArrayList<>();
    AtomicInteger stops = new AtomicInteger();
    try (FailoverToken token = FailoverToken.take(dir, "127.0.0.1:25520", said::add)) {
      token.onTaken(stops::incrementAndGet);
      ResultsWriter w =
          ResultsWriter.open(dir, "splitemu { seed = 1 }\n"); // the token is no result
      w.round(round(1));
      w.onCheckpoint(checkpoint(1));
      w.round(round(2));
      w.onCheckpoint(checkpoint(2));
      assertTrue(Files.exists(ResultsWriter.checkpointFile(dir, 1)));
      assertTrue(Files.exists(ResultsWriter.checkpointFile(dir, 2)));

      // A standby took the folder over while this holder was cut off.
      Files.writeString(dir.resolve(FailoverToken.FILE), "generation 2\nmember 127.0.0.1:25521\n");
      // A row is an append, not checked (it goes to a table the successor replaced)...
      w.round(round(3));
      // ... the checkpoint is: neither written nor pruning round 1's.
      w.onCheckpoint(checkpoint(3));
      assertFalse(Files.exists(ResultsWriter.checkpointFile(dir, 3)));
      assertTrue(Files.exists(ResultsWriter.checkpointFile(dir, 1)));
      assertTrue(Files.exists(ResultsWriter.checkpointFile(dir, 2)));
      assertEquals(List.of(new FailoverToken.Holder(2, "127.0.0.1:25521")), said);
      assertEquals(1, stops.get(), "the run is told to stop");
      assertTrue(token.takenOver());

      // From then on nothing at all: no row, no summary, report or plot, no resume's cut.
      w.round(round(4));
      w.event(new EventRecord(2.0, 4, "timeout", "device-1", "x"));
      w.finish("quick", "psl", 7L, 0.9, Map.of());
      assertEquals(4, Files.readAllLines(dir.resolve("rounds.csv")).size(), "header + rounds 1-3");
      assertFalse(Files.exists(dir.resolve("summary.json")));
      assertFalse(Files.exists(dir.resolve("report.md")));
      assertEquals(2, FailoverToken.read(dir).generation(), "the successor's token stays");
      assertThrows(IllegalStateException.class, () -> ResultsWriter.resume(dir, 2));
      assertEquals(4, Files.readAllLines(dir.resolve("rounds.csv")).size());
      assertEquals(1, said.size(), "said once");
    }
  }

  @Test
  void aRunWithoutFailover_writesNoToken() throws Exception {
    Path dir = tmp.resolve("plain");
    ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
    w.round(round(1));
    w.onCheckpoint(checkpoint(1));
    w.finish("quick", "psl", 7L, 0.9, Map.of());
    assertTrue(Files.exists(dir.resolve("summary.json")));
    assertFalse(Files.exists(dir.resolve(FailoverToken.FILE)));
  }
}
