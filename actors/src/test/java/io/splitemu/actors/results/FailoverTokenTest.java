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
    try (FailoverToken t = FailoverToken.take(fresh, "127.0.0.1:25520", (t0, h) -> {})) {
      assertEquals(1, t.generation());
      assertTrue(
          Files.readString(fresh.resolve(FailoverToken.FILE))
              .matches("generation 1\nmember 127\\.0\\.0\\.1:25520\nnonce [0-9a-f]{16}\n"),
          Files.readString(fresh.resolve(FailoverToken.FILE)));
      assertEquals(t.holder(), FailoverToken.read(fresh));
      assertSame(t, FailoverToken.held(fresh));
      assertTrue(t.mayWrite());
    }
    assertNull(FailoverToken.held(fresh), "released with its run; the file stays");
    assertTrue(Files.exists(fresh.resolve(FailoverToken.FILE)));

    Path older = Files.createDirectories(tmp.resolve("older"));
    Files.writeString(older.resolve(FailoverToken.FILE), "generation 4\nmember 127.0.0.1:1\n");
    try (FailoverToken t = FailoverToken.take(older, "127.0.0.1:25521", (t0, h) -> {})) {
      assertEquals(5, t.generation());
      assertEquals(5, FailoverToken.read(older).generation());
      assertEquals("127.0.0.1:25521", FailoverToken.read(older).member());
    }
  }

  @Test
  void aHolderWhoseFolderWasTakenOver_writesNoCheckpointSummaryNorRowAfterItsNextCheck()
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("run"));
    List<FailoverToken.Holder> said = new ArrayList<>();
    AtomicInteger stops = new AtomicInteger();
    try (FailoverToken token = FailoverToken.take(dir, "127.0.0.1:25520", (t0, h) -> said.add(h))) {
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
      assertEquals(List.of(new FailoverToken.Holder(2, "127.0.0.1:25521", null)), said);
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

  /**
   * A holder that took the run over from a lost one ({@link FailoverToken#noteOnResume}) has its
   * {@code resume} row say so; its other rows, and the rows of a run whose token has no note, are
   * as recorded (before 2026-12-07 a failover's resume row was an ordinary resume's).
   */
  @Test
  void theResumeRowOfAHolderThatTookTheRunOver_saysSo() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("taken-over"));
    String resumed =
        "resumed from checkpoints/round-000001.ckpt; round 2 goes on from emulated 0.5 s";
    try (FailoverToken token = FailoverToken.take(dir, "127.0.0.1:25520", (t0, h) -> {})) {
      token.noteOnResume(
          "taken over by --failover (generation 1) after the JVM that held the run was lost");
      ResultsWriter w = ResultsWriter.open(dir, "splitemu { seed = 1 }\n");
      w.event(new EventRecord(0.5, 1, "resume", "supervisor", resumed));
      w.event(new EventRecord(0.5, 1, "timeout", "device-1", "x"));
      w.round(round(2));
      w.close();
    }
    List<String> rows = Files.readAllLines(dir.resolve("events.csv"));
    assertEquals(
        List.of(
            "0.5,1,resume,supervisor,"
                + resumed
                + "; taken over by --failover (generation 1) after the JVM that held the run was"
                + " lost",
            "0.5,1,timeout,device-1,x"),
        rows.subList(1, rows.size()));
  }

  /**
   * Two takers that read the same generation: each claims its own ({@code .failover-holder.N},
   * created exclusively), and a token of this JVM's generation but another member or nonce (a taker
   * that computed the same generation, as before 2026-12-06 two could) fences this JVM.
   */
  @Test
  void aGenerationIsClaimedOnce_andASameGenerationTokenOfAnotherHolderFences() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("raced"));
    Files.writeString(dir.resolve(FailoverToken.FILE), "generation 1\nmember 127.0.0.1:1\n");
    // Taker C read generation 1 and claimed 2, but has not written the token yet.
    Files.writeString(dir.resolve(FailoverToken.FILE + ".2"), "generation 2\nmember C\n");
    List<FailoverToken.Holder> said = new ArrayList<>();
    try (FailoverToken b = FailoverToken.take(dir, "127.0.0.1:25522", (t0, h) -> said.add(h))) {
      assertEquals(3, b.generation(), "2 was claimed: the next one");
      assertTrue(Files.exists(dir.resolve(FailoverToken.FILE + ".3")), "its own claim stays");
      assertFalse(Files.exists(dir.resolve(FailoverToken.FILE + ".2")), "older claims go");
      assertTrue(b.mayWrite());

      // Another holder's token of the same generation (same member even, another nonce).
      FailoverToken.Holder twin = new FailoverToken.Holder(3, "127.0.0.1:25522", "abc123");
      Files.writeString(dir.resolve(FailoverToken.FILE), FailoverToken.text(twin));
      assertFalse(b.mayWrite());
      assertEquals(List.of(twin), said);
    }
  }

  /**
   * A token that is there but not a token (or cannot be read) is refused with one line naming it,
   * not taken for none (before 2026-12-06 the taker restarted at generation 1 and overwrote it).
   */
  @Test
  void aCorruptToken_isRefused_notResetToGenerationOne() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("corrupt"));
    Path f = dir.resolve(FailoverToken.FILE);
    Files.writeString(f, "generation 7\nmemb");
    FailoverToken.Unreadable e =
        assertThrows(
            FailoverToken.Unreadable.class,
            () -> FailoverToken.take(dir, "127.0.0.1:25523", (t0, h) -> {}));
    assertTrue(e.getMessage().startsWith("cannot read the --failover token " + f), e.getMessage());
    assertTrue(e.getMessage().contains("remove it"), e.getMessage());
    assertEquals("generation 7\nmemb", Files.readString(f), "left as it was");
    assertNull(FailoverToken.held(dir));
    assertFalse(Files.exists(dir.resolve(FailoverToken.FILE + ".1")));
  }

  /**
   * A check that fails once (the token unreadable for a moment) is tried again and does not fence
   * the holder (before 2026-12-06 one failed read fenced it for good).
   */
  @Test
  void aTransientReadFailure_doesNotFenceTheHolder() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("transient"));
    List<FailoverToken.Holder> said = new ArrayList<>();
    try (FailoverToken t = FailoverToken.take(dir, "127.0.0.1:25524", (t0, h) -> said.add(h))) {
      Path f = dir.resolve(FailoverToken.FILE);
      String text = Files.readString(f);
      Files.writeString(f, "gener"); // half a file, as a file system may show for a moment
      Thread restore =
          new Thread(
              () -> {
                try {
                  Thread.sleep(15);
                  Files.writeString(f, text);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      restore.start();
      assertTrue(t.mayWrite(), "tried again");
      restore.join();
      assertFalse(t.takenOver());
      assertEquals(List.of(), said);

      // Gone for good (three reads): fenced, and said so.
      Files.delete(f);
      assertFalse(t.mayWrite());
      assertEquals(1, said.size());
      assertFalse(said.get(0).known());
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
