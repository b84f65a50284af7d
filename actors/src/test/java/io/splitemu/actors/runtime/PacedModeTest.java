package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A paced run delivers every transfer (through its edge server's link channels) and releases every
 * barrier no earlier than its emulated instant / speedup, records its lag, and has exactly the
 * emulated times of the virtual run: a barrier scheme with barrier steps ({@code psl}), one whose
 * devices step on their own copies ({@code sfl-v1}) and a split scheme ({@code edgesplit}).
 */
class PacedModeTest {

  private static final double SPEEDUP = 10;

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1", "edgesplit"})
  void pacedRunKeepsTheVirtualTimesAndNeverRunsAhead(String scheme, @TempDir Path tmp)
      throws Exception {
    List<String> common =
        List.of(
            "scheme = " + scheme,
            "local-steps = 3", // edgesplit plans the iterations per round
            "fidelity = timing",
            "rounds = 3",
            "output.plots = false");
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
    // Every device's link times, as the receipts of its paced transfers told it.
    assertEquals(
        Files.readAllLines(virtual.dir().resolve("devices.csv")),
        Files.readAllLines(paced.dir().resolve("devices.csv")));
    double emulatedS = paced.rounds().get(paced.rounds().size() - 1).emulatedTimeS();
    // The run cannot end before its last transfer and barrier fell due on the wall clock.
    assertTrue(
        wallS >= emulatedS / SPEEDUP,
        "paced run took " + wallS + " s for " + emulatedS + " emulated s at speedup " + SPEEDUP);

    List<String> events = Files.readAllLines(paced.dir().resolve("events.csv"));
    String pacing = events.stream().filter(l -> l.contains(",pacing,")).findFirst().orElseThrow();
    Matcher m =
        Pattern.compile("speedup 10\\.0: ([0-9]+) paced releases \\(transfers and barriers\\)")
            .matcher(pacing);
    assertTrue(m.find(), pacing);
    // Each of the 4 devices sends at least 3 steps' activations up and gets their gradients in
    // each of the 3 rounds: 72 paced transfers, where a round has at most 8 barrier releases.
    assertTrue(Integer.parseInt(m.group(1)) >= 72, pacing);
    assertTrue(
        Files.readAllLines(virtual.dir().resolve("events.csv")).stream()
            .noneMatch(l -> l.contains(",pacing,")),
        "a virtual run records no pacing");
  }

  /**
   * A paced phase longer than barrier.timeout of wall time (an upload of about 10 emulated s at
   * speedup 4, the timeout 1 s) waits on the schedule, not a hung host: the run ends with the
   * virtual run's times. Before, the barrier's watchdog counted the pacing wait and ended the run.
   */
  @Test
  void aPacedPhaseLongerThanTheBarrierTimeout_isNoHang(@TempDir Path tmp) throws Exception {
    List<String> common =
        List.of(
            "scheme = psl",
            "fidelity = timing",
            "rounds = 1",
            "local-steps = 1",
            "barrier.timeout = 1 s",
            "links.static.uplink-bps = 1e5",
            "output.plots = false");
    Path scenario = Path.of("../scenarios/quickstart.conf");
    Emulation.Outcome virtual =
        Emulation.run(Settings.load(scenario, common), tmp.resolve("virtual"), RunListener.NONE);
    List<String> pacedSet = new ArrayList<>(common);
    pacedSet.add("mode = paced");
    pacedSet.add("speedup = 4");
    Emulation.Outcome paced =
        Emulation.run(Settings.load(scenario, pacedSet), tmp.resolve("paced"), RunListener.NONE);
    assertEquals(emulatedColumns(virtual.rounds()), emulatedColumns(paced.rounds()));
    double emulatedS = paced.rounds().get(0).emulatedTimeS();
    assertTrue(emulatedS / 4 > 2, "a phase outlasts the timeout: " + emulatedS + " emulated s");
  }

  private static List<List<Object>> emulatedColumns(List<RoundRecord> rounds) {
    List<List<Object>> out = new ArrayList<>();
    for (RoundRecord r : rounds) {
      List<Object> f = new ArrayList<>(r.fields());
      // wall_time_s and cpu_time_s, the last two, are the host's columns
      f.remove(f.size() - 1);
      f.remove(f.size() - 1);
      out.add(f);
    }
    return out;
  }
}
