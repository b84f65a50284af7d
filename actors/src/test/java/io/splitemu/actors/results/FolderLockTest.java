package io.splitemu.actors.results;

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
}
