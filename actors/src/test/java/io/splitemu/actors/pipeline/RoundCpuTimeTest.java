package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rounds.csv}'s {@code cpu_time_s}, right after {@code wall_time_s}: the CPU seconds this
 * process had used when the engine ended the round, on each of the three places a round's row is
 * made: the supervisor's barrier rounds (psl), its split rounds (edgesplit) and the pipeline's
 * epochs (mpsl). It counts from the process's start, so round 1's is at least what the process had
 * used before the run, and it never falls from one round to the next.
 */
class RoundCpuTimeTest {

  @TempDir Path tmp;

  @Test
  void barrierRounds() throws Exception {
    assertCpuColumn(quickstart("psl"), "psl", 3);
  }

  @Test
  void splitRounds() throws Exception {
    assertCpuColumn(quickstart("edgesplit"), "edgesplit", 3);
  }

  @Test
  void pipelineEpochs() throws Exception {
    Settings s =
        MpslEstimateAgreementTest.scenario(
            MpslEstimateAgreementTest.profiles(), "mpsl", 10, 2, "rounds = 3, local-steps = 2\n");
    assertCpuColumn(s, "mpsl", 3);
  }

  private static Settings quickstart(String scheme) {
    return Settings.load(
        Path.of("../scenarios/quickstart.conf"),
        List.of(
            "scheme = " + scheme,
            "local-steps = 3",
            "fidelity = timing",
            "rounds = 3",
            "output.plots = false"));
  }

  private void assertCpuColumn(Settings s, String name, int rounds) throws Exception {
    double before = RoundRecord.processCpuS();
    assertTrue(before > 0, "the JVM tells this process's CPU time: " + before);
    Path dir = tmp.resolve(name);
    Emulation.run(Emulation.prepare(s), dir, RunListener.NONE);
    double after = RoundRecord.processCpuS();
    List<String> lines = Files.readAllLines(dir.resolve("rounds.csv"));
    List<String> header = CsvTable.parseLine(lines.get(0));
    int cpu = header.indexOf("cpu_time_s");
    assertEquals(header.indexOf("wall_time_s") + 1, cpu, "cpu_time_s follows wall_time_s");
    assertEquals(rounds + 1, lines.size(), lines.toString());
    double prev = before;
    for (String line : lines.subList(1, lines.size())) {
      double c = Double.parseDouble(CsvTable.parseLine(line).get(cpu));
      assertTrue(c > 0, name + ": " + line);
      assertTrue(c >= prev, name + ": cpu_time_s fell below " + prev + ": " + line);
      assertTrue(c <= after, name + ": more than the process used by the run's end: " + line);
      prev = c;
    }
  }
}
