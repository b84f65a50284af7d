package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunFailedException;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real run whose disk fills while it writes events.csv (after round 2's row): it stops with one
 * line naming the round and the write's failure. Before, round 3's fault row waited for a next
 * round's row, the close in Emulation's finally failed on it, and that error replaced the run's
 * line (here the run had no line: it seemed to end well, then the close threw).
 */
class FullDiskRunTest {

  @TempDir Path tmp;

  private static Settings scenario(String faults) {
    String conf =
        "splitemu {\n  scenario = full-disk\n  scheme = psl\n  fidelity = timing\n  rounds = 3\n"
            + "  local-steps = 1\n  batch-size = 16\n  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 2, flops = [1e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [2e7, 4e7],"
            + " downlink-bps = [4e7, 4e7] } }\n"
            + "  output.plots = false\n"
            + faults
            + "\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("full.conf"));
  }

  @Test
  void aRunWhoseDiskFills_stopsWithItsOwnLine() throws Exception {
    Path clean = tmp.resolve("clean");
    Emulation.run(Emulation.prepare(scenario("")), clean, RunListener.NONE);
    List<RoundRecord> ends = ResultsWriter.readRounds(clean);
    double inRound3 = (ends.get(1).emulatedTimeS() + ends.get(2).emulatedTimeS()) / 2;
    // A fault row inside round 3, recorded at its visit's end.
    Settings s =
        scenario(
            "faults = [ { kind = device-slowdown, device = 1, at = "
                + String.format(java.util.Locale.ROOT, "%.6f s", inRound3)
                + ", factor = 2 } ]");
    Path dir = tmp.resolve("run");
    Path rounds = dir.resolve("rounds.csv");
    java.util.function.Predicate<Path> full =
        f -> {
          try {
            return f.startsWith(dir)
                && f.getFileName().toString().startsWith("events.csv")
                && Files.readAllLines(rounds).size() >= 3; // round 2's row is in
          } catch (java.io.IOException e) {
            return false;
          }
        };
    CsvTable.noSpaceFor.add(full);
    try {
      RunFailedException e =
          assertThrows(
              RunFailedException.class,
              () -> Emulation.run(Emulation.prepare(s), dir, RunListener.NONE));
      String line = e.getMessage();
      assertTrue(line.startsWith("run stopped in round "), line);
      assertTrue(line.contains("events.csv: No space left on device"), line);
      assertFalse(line.contains("Stream closed"), line);
      assertFalse(line.contains("\n"), line);
    } finally {
      CsvTable.noSpaceFor.remove(full);
    }
  }
}
