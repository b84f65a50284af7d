package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTest {

  @TempDir Path tmp;

  private static Comparison.Entry entry(
      String scheme, int rounds, double emulatedS, long up, long down, Path dir) {
    Summary s =
        new Summary(
            "quickstart",
            scheme,
            1,
            rounds,
            emulatedS,
            12.5,
            1,
            2,
            3,
            0.5,
            up,
            down,
            0,
            0.914,
            0.92,
            0.9,
            emulatedS / 2,
            0.3,
            Map.of());
    List<RoundRecord> rs = new ArrayList<>();
    for (int i = 1; i <= rounds; i++) {
      rs.add(
          new RoundRecord(
              i,
              scheme,
              emulatedS * i / rounds,
              emulatedS / rounds,
              0,
              0,
              0,
              0,
              1,
              0,
              "2",
              1,
              Double.NaN,
              Double.NaN,
              1,
              Double.NaN));
    }
    return new Comparison.Entry(s, rs, dir);
  }

  @Test
  void table_readsInUnits_andTheCsvKeepsRawFigures() throws Exception {
    List<Comparison.Entry> entries =
        List.of(
            entry("sl", 3, 3723.4, 814_216_320L, 1_234L, tmp.resolve("sl")),
            entry("psl", 3, 57.93, 203_554_080L, 999L, tmp.resolve("psl")));
    String table = Comparison.write(tmp, "quickstart", entries, false);
    List<String> lines = table.lines().toList();
    assertEquals(4, lines.size(), table);
    // Every line of the table is as wide as the header, so the columns line up on a console.
    for (String l : lines) {
      assertEquals(lines.get(0).length(), l.length(), table);
    }
    assertTrue(lines.get(0).contains(" emulated time |"), lines.get(0));
    assertFalse(lines.get(0).contains("(s)"), "units are in the cells: " + lines.get(0));
    String sl = lines.get(2);
    assertTrue(sl.startsWith("| sl "), sl);
    assertTrue(sl.contains(" 1 h 02 min 03 s |"), sl);
    assertTrue(sl.contains(" 20 min 41 s |"), "mean round 1241.1 s: " + sl);
    assertTrue(sl.contains(" 814.2 MB |"), sl);
    assertTrue(sl.contains(" 1.234 kB |"), sl);
    String psl = lines.get(3);
    assertTrue(psl.contains(" 57.93 s |") && psl.contains(" 19.31 s |"), psl);
    assertTrue(psl.contains(" 203.6 MB |") && psl.contains(" 999 B |"), psl);
    assertFalse(table.contains("814216320"), table);

    String md = Files.readString(tmp.resolve("comparison.md"));
    assertTrue(md.contains(table), md);
    assertTrue(md.contains("1 MB = 10^6 bytes"), md);
    assertTrue(md.contains("the mean of the recorded rounds' latency (round_latency_s)"), md);

    List<String> csv = Files.readAllLines(tmp.resolve("comparison.csv"));
    List<String> header = CsvTable.parseLine(csv.get(0));
    List<String> row = CsvTable.parseLine(csv.get(1));
    assertEquals("814216320", row.get(header.indexOf("bytes_up")));
    assertEquals(3723.4, Double.parseDouble(row.get(header.indexOf("emulated_time_s"))));
  }

  /**
   * The mean round is the mean of the recorded rounds' latencies, not the emulated time over their
   * count: a crash's downtime (here 60 s between rounds 1 and 2) is in the emulated time only.
   */
  @Test
  void meanRound_isTheMeanOfTheRoundsLatencies_withoutTheDowntime() {
    Comparison.Entry e = entry("psl", 2, 100, 1, 1, tmp.resolve("psl"));
    List<RoundRecord> rs =
        List.of(
            new RoundRecord(
                1, "psl", 10, 10, 0, 0, 0, 0, 1, 0, "2", 1, Double.NaN, Double.NaN, 1, Double.NaN),
            new RoundRecord(
                2,
                "psl",
                100,
                30,
                0,
                0,
                0,
                0,
                1,
                0,
                "2",
                1,
                Double.NaN,
                Double.NaN,
                2,
                Double.NaN));
    Comparison.Entry priced = new Comparison.Entry(e.summary(), rs, e.dir(), 3.6);
    assertEquals(20.0, priced.meanRoundLatencyS(), 1e-12);
    assertEquals(20.0 / 3600 * 3.6, priced.costPerRound(), 1e-15);
    assertEquals(
        20.0, Comparison.row(priced).get(Comparison.HEADER.indexOf("mean_round_latency_s")));
  }

  @Test
  void pricedRuns_addTheCostColumn() {
    Comparison.Entry e = entry("mpsl", 2, 10, 5_000_000, 5_000_000, tmp.resolve("mpsl"));
    Comparison.Entry priced = new Comparison.Entry(e.summary(), e.rounds(), e.dir(), 3.6);
    String table = Comparison.table(List.of(priced));
    assertTrue(table.lines().findFirst().orElseThrow().endsWith("| cost per epoch |"), table);
    // 5 s per epoch at 3.6 per hour.
    assertTrue(table.contains(" 0.005000 |"), table);
    assertTrue(table.contains(" 5.000 MB |"), table);
  }
}
