package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ResumeDiff#cutShort} on a results folder whose scenario.conf is no regular file. */
class ResumeDiffTest {

  @TempDir Path tmp;

  /**
   * A scenario.conf that is a FIFO is not read: the folder is judged at once, its scenario.conf
   * differing in nothing, as one missing (before, cutShort opened it and the command waited for a
   * writer that never came, where its callers had looked for a regular file first).
   */
  @Test
  void aScenarioConfThatIsAFifo_isNotRead() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("cut"));
    Path fifo = dir.resolve("scenario.conf");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo");
    CompletableFuture<ResumeDiff.CutShort> cut =
        CompletableFuture.supplyAsync(
            () -> ResumeDiff.cutShort(dir, "splitemu { rounds = 3 }", Set.of()));
    try {
      ResumeDiff.CutShort c = cut.get(10, TimeUnit.SECONDS);
      assertEquals(List.of(), c.otherKeys());
      assertEquals(List.of(), c.stray());
      assertTrue(c.startsAgain());
    } finally {
      if (!cut.isDone()) {
        // Releases a reader blocked on the FIFO: a writer opens and closes it.
        try (OutputStream w = Files.newOutputStream(fifo)) {
          w.flush();
        }
      }
    }
  }
}
