package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A paced run releases every barrier no earlier than its emulated instant / speedup, records its
 * lag, and has exactly the emulated times of the virtual run.
 */
class PacedModeTest {

  private static final double SPEEDUP = 10;

  @Test
  void pacedRunKeepsTheVirtualTimesAndNeverRunsAhead(@TempDir Path tmp) throws Exception {
    List<String> common = List.of("fidelity = timing", "rounds = 3", "output.plots = false");
    Path scenario = Path.of("../scenarios/quickstart.conf");
    Emulation.Outcome virtual =
        Emulation.run(Settings.load(scenario, common), tmp.resolve("virtual"), RunListener.NONE);

    List<String> pacedSet = new ArrayList<>(common);
    pacedSet.add("mode = paced");
    pacedSet.add("speedup = " + SPEEDUP);
    long start = System.nanoTime();
    Emulation.Outcome paced =
        Emulation.run(Settings.load(scenario, pacedSet), tmp.resolve("paced"), RunListener.NONE);
    double wallS = (System.nanoTime() - start) / 1e9;

    assertEquals(emulatedColumns(virtual.rounds()), emulatedColumns(paced.rounds()));
    double emulatedS = paced.rounds().get(paced.rounds().size() - 1).emulatedTimeS();
    // The run cannot end before its last barrier fell due on the wall clock.
    assertTrue(
        wallS >= emulatedS / SPEEDUP,
        "paced run took " + wallS + " s for " + emulatedS + " emulated s at speedup " + SPEEDUP);

    List<String> events = Files.readAllLines(paced.dir().resolve("events.csv"));
    String pacing = events.stream().filter(l -> l.contains(",pacing,")).findFirst().orElseThrow();
    assertTrue(pacing.matches(".*speedup 10\\.0: [1-9][0-9]* paced barrier releases.*"), pacing);
    assertTrue(
        Files.readAllLines(virtual.dir().resolve("events.csv")).stream()
            .noneMatch(l -> l.contains(",pacing,")),
        "a virtual run records no pacing");
  }

  private static List<List<Object>> emulatedColumns(List<RoundRecord> rounds) {
    List<List<Object>> out = new ArrayList<>();
    for (RoundRecord r : rounds) {
      List<Object> f = new ArrayList<>(r.fields());
      f.remove(f.size() - 1); // wall_time_s is the only wall-clock column
      out.add(f);
    }
    return out;
  }
}
