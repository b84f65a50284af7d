package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code report.md} of runs fed row by row, byte for byte as the writer wrote it before it
 * folded each round's in-force cells as the round's row came (the files under {@code
 * src/test/resources/reports/}, written by that writer): a multi-round run with changing clusters,
 * shares, missed devices, rounds of more than {@link Report#LIST_DEVICES_UP_TO} devices and
 * per-device cuts, a crash's rewind in it; the same run stopped and resumed from its files; a run
 * whose rows come round row first (as the unit tests record them); and one without members. Run
 * with {@code -Dsplitemu.golden.write=true} to write the files anew.
 */
class ReportGoldenTest {

  @TempDir Path tmp;

  static final Path GOLDEN = Path.of("src/test/resources/reports");

  /** The devices of round {@code r}: their count, clusters, shares and misses change by round. */
  static List<DeviceRecord> devicesOf(int r) {
    List<DeviceRecord> out = new ArrayList<>();
    int n = r >= 13 && r <= 20 ? 70 : (r >= 30 && r <= 33 ? 90 : 6);
    int clusters = r < 5 ? 1 : (r < 13 ? 3 : (r <= 20 ? 4 : 2));
    for (int d = 0; d < n; d++) {
      int c = (d + (r >= 8 && r < 10 ? 1 : 0)) % clusters;
      double share = r == 6 || r == 7 ? Double.NaN : (d + 1.0) / (n + (r % 3 == 0 ? 1 : 0));
      boolean missed = (r == 11 && d == 2) || (r == 16 && d % 17 == 3) || (r == 31 && d == 80);
      out.add(
          new DeviceRecord(
              r, d, c, cutOf(r, d), 0.1 * d, 0.01, 0.02, 1000 + d, 800 + r, share, !missed));
    }
    return out;
  }

  static String cutOf(int r, int d) {
    return r >= 30 && r <= 33 ? Integer.toString(2 + d % 3) : (r < 22 ? "2" : "3");
  }

  static RoundRecord roundOf(int r) {
    List<DeviceRecord> ds = devicesOf(r);
    String cut =
        r >= 30 && r <= 33
            ? String.join(";", ds.stream().map(DeviceRecord::cut).toList())
            : ds.get(0).cut();
    int clusters = (int) ds.stream().mapToInt(DeviceRecord::cluster).distinct().count();
    int failed = (int) ds.stream().filter(d -> !d.completed()).count();
    return new RoundRecord(
        r,
        "cpsl",
        10.0 * r,
        10.0,
        2.5,
        1.5,
        5.0,
        1.0,
        ds.size() - failed,
        failed,
        cut,
        clusters,
        r % 5 == 0 ? 0.5 + 0.01 * r : Double.NaN,
        1.0 / r,
        0.25 * r,
        0.5 * r);
  }

  /** Records round {@code r} as the runtime does: its device rows, then its row. */
  static void live(ResultsWriter w, int r) {
    devicesOf(r).forEach(w::device);
    if (r == 16) {
      w.event(new EventRecord(10.0 * r - 3, r, "fault", "device-3", "device-hang: for 5 s"));
    }
    w.round(roundOf(r));
  }

  static Summary finish(ResultsWriter w) {
    return w.finish(
        "golden",
        "cpsl",
        7L,
        0.6,
        Map.of("device", 624L, "edge", 246200L),
        cut ->
            cut.equals("2")
                ? Map.of("device", 624L, "edge", 246200L)
                : cut.equals("3") ? Map.of("device", 10288L, "edge", 236536L) : Map.of());
  }

  static void check(Path dir, String name) throws IOException {
    String report = Files.readString(dir.resolve("report.md"), StandardCharsets.UTF_8);
    Path golden = GOLDEN.resolve(name);
    if (Boolean.getBoolean("splitemu.golden.write")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, report, StandardCharsets.UTF_8);
    }
    assertEquals(Files.readString(golden, StandardCharsets.UTF_8), report, name);
  }

  /** 40 rounds, a crash at round 29 sending the run back to round 26's end. */
  @Test
  void aRunWithChangingClusters_andARewind() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= 29; r++) {
      live(w, r);
      if (r == 26) {
        w.onCheckpoint(new CheckpointFile(26, 10.0 * r, new byte[] {1, 2, 3}));
      }
    }
    w.onRewind(26);
    for (int r = 27; r <= 40; r++) {
      live(w, r);
    }
    finish(w);
    check(dir, "changing-clusters.md");
  }

  /** The run stopped after round 23 and resumed from its checkpoint of round 20. */
  @Test
  void aResumedRun() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= 23; r++) {
      live(w, r);
      if (r == 20) {
        w.onCheckpoint(new CheckpointFile(20, 10.0 * r, new byte[] {1, 2, 3}));
      }
    }
    w.close();
    ResultsWriter again = ResultsWriter.resume(dir, 20);
    again.event(new EventRecord(200.0, 20, "resume", "supervisor", "from round 20"));
    for (int r = 21; r <= 40; r++) {
      live(again, r);
    }
    finish(again);
    check(dir, "resumed.md");
  }

  /** Each round's row before its device rows, as the unit tests record them. */
  @Test
  void rowsBeforeTheirDevices() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= 24; r++) {
      w.round(roundOf(r));
      devicesOf(r).forEach(w::device);
    }
    finish(w);
    check(dir, "row-first.md");
  }

  /**
   * One cluster and no shares: no member column, so rounds that differ in their members only share
   * a row.
   */
  @Test
  void noMembers() throws Exception {
    members(false, "no-members.md");
  }

  /**
   * As {@link #noMembers}, but the device row of the round whose row never came is in cluster 1:
   * the member column shows.
   */
  @Test
  void aRowOfNoRoundShowsTheMembers() throws Exception {
    members(true, "stray-cluster.md");
  }

  /** A device row that comes after later rounds' rows still counts in its round. */
  @Test
  void aLateDeviceRow() throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= 8; r++) {
      live(w, r);
    }
    w.device(new DeviceRecord(3, 9, 2, "2", 0.1, 0, 0, 10, 10, 0.5, false));
    finish(w);
    check(dir, "late-row.md");
  }

  private void members(boolean strayCluster, String name) throws Exception {
    Path dir = tmp.resolve("run");
    ResultsWriter w = ResultsWriter.open(dir, "x");
    for (int r = 1; r <= 12; r++) {
      for (int d = 0; d < 4; d++) {
        w.device(
            new DeviceRecord(r, d, 0, "3", 0.1, 0, 0, 10, 10, Double.NaN, !(r == 5 && d == 1)));
      }
      w.round(
          new RoundRecord(
              r, "sl", r, 1, 0, 0, 0, 0, 4, r == 5 ? 1 : 0, "3", 1, Double.NaN, 1, r, r));
    }
    // A device row of a round whose row never came (the run stopped there).
    w.device(
        new DeviceRecord(13, 0, strayCluster ? 1 : 0, "3", 0.1, 0, 0, 10, 10, Double.NaN, true));
    w.finish("golden", "sl", 7L, 0.6, Map.of());
    check(dir, name);
  }
}
