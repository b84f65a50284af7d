package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the results writer holds in memory over a long run of many devices: the report's in-force
 * table as its rows (not a tally per device and round) and each round's row with a per-device cut
 * list as its count per cut (one string for alike rounds), while the files keep every row whole.
 */
class ResultsMemoryBoundTest {

  @TempDir Path tmp;

  private static final int DEVICES = 300;
  private static final int ROUNDS = 120;

  /** sl's rows: a cluster per device, a share each; the runtime's order (devices, then the row). */
  private static void slRound(ResultsWriter w, int r) {
    for (int d = 0; d < DEVICES; d++) {
      w.device(new DeviceRecord(r, d, d, "2", 0.1, 0.01, 0.01, 100, 100, Double.NaN, true));
    }
    w.round(
        new RoundRecord(
            r, "sl", 10.0 * r, 10, 1, 1, 7, 1, DEVICES, 0, "2", DEVICES, Double.NaN, 1, r, r));
  }

  @Test
  void slOfManyDevices_holdsTheTablesRows_notATallyPerDeviceAndRound() throws Exception {
    ResultsWriter w = ResultsWriter.open(tmp.resolve("sl"), "x");
    for (int r = 1; r <= ROUNDS; r++) {
      slRound(w, r);
    }
    // One table row (every round alike), the last round waiting for the next one's rows, and its
    // clusters' tallies: not ROUNDS x DEVICES (36,000) tallies.
    assertTrue(w.reportHeld() <= 2 + DEVICES, "held " + w.reportHeld());
    // A crash's rewind folds the kept rows again from the files, as bounded.
    w.onRewind(ROUNDS / 2);
    assertTrue(w.reportHeld() <= 2 + DEVICES, "held after the rewind " + w.reportHeld());
    for (int r = ROUNDS / 2 + 1; r <= ROUNDS; r++) {
      slRound(w, r);
    }
    assertTrue(w.reportHeld() <= 2 + DEVICES, "held " + w.reportHeld());
    w.close();
    // A resume reads the files back as bounded.
    ResultsWriter again = ResultsWriter.resume(tmp.resolve("sl"), ROUNDS);
    assertTrue(again.reportHeld() <= 2 + DEVICES, "held after the resume " + again.reportHeld());
    again.finish("t", "sl", 1L, 0.9, Map.of());
    String report = Files.readString(tmp.resolve("sl").resolve("report.md"));
    assertTrue(
        report.contains("| 1-" + ROUNDS + " | 2 | " + DEVICES + " | c0: 1 device; "), report);
  }

  /** A split scheme's row: one cut per device, the same every round. */
  private static RoundRecord splitRow(int r, String cut) {
    return new RoundRecord(
        r, "edgesplit", r, 1, 0, 0, 0, 0, DEVICES, 0, cut, 1, Double.NaN, 1, r, r);
  }

  private static String perDeviceCut(int shift) {
    List<String> cuts = new ArrayList<>();
    for (int d = 0; d < DEVICES; d++) {
      cuts.add(Integer.toString(2 + (d + shift) % 3));
    }
    return String.join(";", cuts);
  }

  @Test
  void aPerDeviceCutList_isKeptAsItsCountPerCut_oneStringForAlikeRounds() throws Exception {
    Path dir = tmp.resolve("split");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= 5; r++) {
      w.round(splitRow(r, perDeviceCut(r == 5 ? 1 : 0)));
    }
    w.round(splitRow(6, "3;2"));
    List<RoundRecord> kept = w.rounds();
    assertEquals("2\u00d7100, 3\u00d7100, 4\u00d7100", kept.get(0).cut());
    for (int i = 1; i < 5; i++) {
      assertSame(kept.get(0).cut(), kept.get(i).cut(), "round " + (i + 1));
    }
    assertEquals("3;2", kept.get(5).cut());
    // The file keeps every device's cut, and so do the rows read back from it.
    assertEquals(perDeviceCut(0), ResultsWriter.readRounds(dir).get(0).cut());
    w.close();
    ResultsWriter again = ResultsWriter.resume(dir, 6);
    assertEquals(kept, again.rounds());
    assertSame(again.rounds().get(0).cut(), again.rounds().get(3).cut());
    again.close();
    // A comparison keeps its schemes' rows so too.
    Comparison.Entry e = new Comparison.Entry(null, ResultsWriter.readRounds(dir), dir, Double.NaN);
    assertEquals(kept, e.rounds());
  }
}
