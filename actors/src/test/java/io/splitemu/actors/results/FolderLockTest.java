package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FolderLock within one JVM: a second take is refused without touching the first's lock. */
class FolderLockTest {

  @TempDir Path tmp;

  /**
   * Two takes of one new folder at once: one creates and holds it, the other is refused, and the
   * refused one never removes the folder the other holds (before: both could see it missing, both
   * think they created it, and the refusal removed the holder's folder).
   */
  @Test
  void twoTakesOfOneNewFolder_theRefusedOneNeverRemovesIt() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < 3000; i++) {
        Path dir = tmp.resolve("new-" + i);
        CyclicBarrier start = new CyclicBarrier(2);
        Future<FolderLock.Held> a = pool.submit(() -> take(start, dir));
        Future<FolderLock.Held> b = pool.submit(() -> take(start, dir));
        FolderLock.Held ha = a.get();
        FolderLock.Held hb = b.get();
        assertTrue((ha == null) != (hb == null), "exactly one holds " + dir);
        assertTrue(Files.isDirectory(dir), "the holder's folder is there: " + dir);
        (ha != null ? ha : hb).close();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static FolderLock.Held take(CyclicBarrier start, Path dir) throws Exception {
    start.await();
    try {
      return FolderLock.takeCreating(dir, false);
    } catch (IllegalArgumentException inUse) {
      return null;
    }
  }

  /** A folder held is refused to a second take in this JVM, and stays held after it. */
  @Test
  void aSecondTakeInThisJvm_isRefused_andTheFirstStaysHeld() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("held"));
    try (FolderLock held = FolderLock.take(dir)) {
      assertThrows(IllegalArgumentException.class, () -> FolderLock.take(dir));
      assertThrows(IllegalArgumentException.class, () -> FolderLock.take(dir));
    }
    FolderLock.take(dir).close();
  }

  /**
   * A {@code --failover} holder that created its folder and never started, cut off meanwhile: its
   * successor's token is in the folder. Neither the signal hook's removal nor the lock's release
   * removes the successor's token or folder (before 2026-12-06 both did, and the successor then
   * fenced itself); with its own token still there, the release removes the folder as before.
   */
  @Test
  void aFencedHolderLeavesTheSuccessorsTokenAndFolder() throws Exception {
    Path dir = tmp.resolve("taken");
    FolderLock.Held lock = FolderLock.takeCreating(dir, false);
    try (FailoverToken token = FailoverToken.take(dir, "127.0.0.1:25525", (t, h) -> {})) {
      String successor = "generation 2\nmember 127.0.0.1:25526\nnonce 5eed\n";
      Files.writeString(dir.resolve(FailoverToken.FILE), successor);
      assertFalse(FolderLock.removeUnusedCreated());
      lock.close(); // the token closes after the lock, as a --failover holder's does
      assertTrue(Files.isDirectory(dir));
      assertEquals(successor, Files.readString(dir.resolve(FailoverToken.FILE)));
      assertTrue(token.takenOver());
    }

    Path own = tmp.resolve("own");
    FolderLock.Held ownLock = FolderLock.takeCreating(own, false);
    try (FailoverToken token = FailoverToken.take(own, "127.0.0.1:25525", (t, h) -> {})) {
      ownLock.close();
      assertFalse(Files.exists(own), "its own never-started folder goes, token and claim too");
    }
  }
}
