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
        report.contains("| 1-" + ROUNDS + " | 2 | " + DEVICES + " | c0-c299: 1 device |\n"),
        report);
  }

  /** sl's device rows of round {@code r} under churn: device r misses it (a crash). */
  private static List<DeviceRecord> slChurnDevices(int r) {
    List<DeviceRecord> out = new ArrayList<>();
    for (int d = 0; d < DEVICES; d++) {
      boolean missed = d == r % DEVICES;
      out.add(
          missed
              ? new DeviceRecord(r, d, d, "2", 0, 0, 0, 0, 0, Double.NaN, false)
              : new DeviceRecord(r, d, d, "2", 0.1, 0.01, 0.01, 100, 100, Double.NaN, true));
    }
    return out;
  }

  private static RoundRecord slChurnRow(int r) {
    return new RoundRecord(
        r, "sl", 10.0 * r, 10, 1, 1, 7, 1, DEVICES - 1, 1, "2", DEVICES, Double.NaN, 1, r, r);
  }

  private static String inForceSection(Path dir) throws Exception {
    String report = Files.readString(dir.resolve("report.md"));
    int from = report.indexOf("## In force each round");
    return report.substring(from, report.indexOf("## Model memory per node", from));
  }

  @Test
  void slUnderChurn_holdsAShortMembersCellPerRound_notAPartPerCluster() throws Exception {
    Path dir = tmp.resolve("churn");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= ROUNDS; r++) {
      slChurnDevices(r).forEach(w::device);
      w.round(slChurnRow(r));
    }
    // Every round's members differ, so every round is a row: its cell is a few ranges, not a part
    // per cluster (before, about 15 characters a cluster: 120 x 300 x 15 = 540,000).
    assertTrue(w.reportHeldChars() < 100L * ROUNDS, "held " + w.reportHeldChars() + " chars");
    w.finish("t", "sl", 1L, 0.9, Map.of());
    String section = inForceSection(dir);
    assertTrue(
        section.contains("| 5 | 2 | 300 | c0-c4, c6-c299: 1 device; c5: 1 device (1 missed) |\n"),
        section);
    assertTrue(
        section.contains("| 1 | 2 | 300 | c0, c2-c299: 1 device; c1: 1 device (1 missed) |\n"),
        section);
    assertTrue(section.contains("A round of more than 64 clusters gives consecutive"), section);
    assertTrue(section.length() < 100 * ROUNDS + 2_000, section.length() + " chars");

    // The same rows with each missed device's row recorded after the next round's rows: the table
    // is folded again from the files at the end, and reads the same.
    Path late = tmp.resolve("churn-late");
    ResultsWriter l = ResultsWriter.open(late, "x");
    DeviceRecord held = null;
    for (int r = 1; r <= ROUNDS; r++) {
      for (DeviceRecord d : slChurnDevices(r)) {
        if (d.completed()) {
          l.device(d);
        }
      }
      l.round(slChurnRow(r));
      if (held != null) {
        l.device(held);
      }
      held = slChurnDevices(r).get(r % DEVICES);
    }
    l.device(held);
    l.finish("t", "sl", 1L, 0.9, Map.of());
    assertEquals(section, inForceSection(late));
  }

  @Test
  void roundOfManyClustersWithEveryTallyDifferent_givesAtMost64Ranges() throws Exception {
    Path dir = tmp.resolve("shares");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int d = 0; d < DEVICES; d++) {
      w.device(new DeviceRecord(1, d, d, "2", 0.1, 0.01, 0.01, 100, 100, 0.001 * (d + 1), true));
    }
    w.round(slChurnRow(1));
    w.finish("t", "sl", 1L, 0.9, Map.of());
    String section = inForceSection(dir);
    assertTrue(
        section.contains(
            "c63: 1 device, share 0.0640; " + (DEVICES - 64) + " more clusters in `devices.csv` |"),
        section);
    assertTrue(!section.contains("c64"), section);
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

  /**
   * The memory the runtime publishes per round (split schemes) is held by round only after the
   * oldest checkpoint left in the folder, the furthest a crash goes back; the earlier rounds are
   * folded into each node's largest, and the summary's peaks are the same as when every round was
   * kept, across a rewind to the newest checkpoint. Before 5fa675b every round was held for the
   * whole run.
   */
  @Test
  void memoryPerRound_isHeldOnlyAfterTheOldestCheckpointKept() throws Exception {
    ResultsWriter w = ResultsWriter.open(tmp.resolve("mem"), "x");
    for (int r = 1; r <= ROUNDS; r++) {
      w.onMemory(new MemoryRecord(r, "device", r == 7 ? 5000 : 100 + r));
      w.onMemory(new MemoryRecord(r, "edge", r == ROUNDS - 1 ? 9000 : 200));
      w.round(
          new RoundRecord(r, "edgesplit", r, 1, 0, 0, 0, 0, 1, 0, "2", 1, 0.5, 1, 0, Double.NaN));
      w.onCheckpoint(new CheckpointFile(r, r, new byte[] {1}));
    }
    // The newest two checkpoints are kept (ROUNDS - 1 and ROUNDS): rounds after the older one.
    assertTrue(w.memoryRoundsHeld() <= 2, "rounds held " + w.memoryRoundsHeld());
    w.onMemory(new MemoryRecord(ROUNDS + 1, "edge", 99_000)); // the attempt a crash discards
    w.onRewind(ROUNDS);
    w.onMemory(new MemoryRecord(ROUNDS + 1, "edge", 300));
    Summary s = w.finish("q", "edgesplit", 1L, 0.9, Map.of(), cut -> Map.of());
    assertEquals(
        Map.of("device", 5000L, "edge", 9000L), s.peakModelMemoryBytes(), "as if every round kept");
  }
}
