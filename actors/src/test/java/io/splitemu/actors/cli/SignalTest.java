package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code splitemu run} in its own JVM, stopped by SIGTERM once a round is on disk: it ends
 * with the signal's status and one line naming the folder, and the recorded rounds stay there.
 */
class SignalTest {

  @TempDir Path tmp;

  @Test
  void sigterm_endsTheRunWithOneLineNamingTheFolder_andKeepsTheRecordedRounds() throws Exception {
    Path out = tmp.resolve("out");
    Path scenario = GoldenScenarios.quickstart();
    try (ChildRun child =
        ChildRun.start(
            tmp,
            "run",
            scenario.toString(),
            "--out",
            out.toString(),
            "--set",
            "fidelity=timing",
            "--set",
            "rounds=1000",
            "--set",
            "mode=paced",
            "--set",
            "speedup=20",
            "--set",
            "output.plots=false")) {
      Process p = child.process();
      Path err = child.stderrFile();
      Path rounds = out.resolve("rounds.csv");
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (lines(rounds) < 2 && p.isAlive() && System.nanoTime() < giveUp) {
        Thread.sleep(100);
      }
      assertTrue(p.isAlive(), "the run ended by itself: " + Files.readString(err));
      assertTrue(lines(rounds) >= 2, "no round recorded within 120 s");
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not stop on SIGTERM");
      assertEquals(143, p.exitValue());
      List<String> said =
          Files.readAllLines(err, StandardCharsets.UTF_8).stream()
              .filter(l -> l.startsWith("splitemu: "))
              .toList();
      assertEquals(
          List.of(
              "splitemu: stopped by a signal; the rounds recorded so far are in "
                  + out.toAbsolutePath()),
          said);
      assertTrue(lines(rounds) >= 2, "the recorded rounds stay on disk");
    }
  }

  private static long lines(Path f) throws Exception {
    if (!Files.isRegularFile(f)) {
      return 0;
    }
    try (var s = Files.lines(f, StandardCharsets.UTF_8)) {
      return s.count();
    }
  }

  /** The checkout's scenario files, found from the module's folder up. */
  static final class GoldenScenarios {
    static Path quickstart() {
      for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
        Path f = d.resolve("scenarios" + File.separator + "quickstart.conf");
        if (Files.isRegularFile(f)) {
          return f;
        }
      }
      throw new IllegalStateException("scenarios/quickstart.conf not found");
    }
  }
}
