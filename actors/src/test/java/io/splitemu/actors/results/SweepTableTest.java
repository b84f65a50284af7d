package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep table's header, its marks and the short names of its plot. */
class SweepTableTest {

  @TempDir Path tmp;

  /** A run of {@code scheme} with {@code rounds} rounds of 2 s, stopped after them if asked. */
  private Comparison.Entry entry(String scheme, int rounds, boolean stopped) {
    List<RoundRecord> rs = new java.util.ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      rs.add(
          new RoundRecord(
              r, scheme, 2.0 * r, 2, 1, 0.5, 0.5, 0, 3, 0, "1", 1, Double.NaN, Double.NaN, r, r));
    }
    Summary s = Summary.of("small", scheme, 1, rs, 100, 100, 0.9, Map.of());
    return new Comparison.Entry(
        s, rs, tmp.resolve(scheme), Double.NaN, "mlp", "model.name", stopped ? rounds : -1);
  }

  /**
   * A scheme that SIGTERM stopped is marked in sweep.md as in comparison.md (its row's scheme
   * {@code psl (stopped)} and a line under the table), not only in sweep.csv's {@code
   * stopped_after_round}: its figures cover its rounds so far, and a reader of the table would
   * otherwise take them for a whole run's. Before, its row read like a complete one.
   */
  @Test
  void aStoppedScheme_isMarkedInSweepMd_asInSweepCsv() throws Exception {
    List<String> keys = List.of("links.static.uplink-bps");
    List<SweepTable.Row> rows =
        List.of(
            new SweepTable.Row(List.of("1e6"), entry("sl", 4, false)),
            new SweepTable.Row(List.of("1e6"), entry("psl", 2, true)));
    String table = SweepTable.write(tmp, "small", keys, rows, "mean_round_latency_s");
    String md = Files.readString(tmp.resolve("sweep.md"));
    assertTrue(md.contains("| 1e6 | psl (stopped) | 2 |"), md);
    assertTrue(md.contains("| 1e6 | sl | 4 |"), md);
    assertTrue(
        md.contains(
            "psl at links.static.uplink-bps=1e6 was stopped by SIGTERM after round 2: its figures"
                + " cover those rounds only"),
        md);
    assertEquals(1, md.split("was stopped by SIGTERM", -1).length - 1, md);
    assertTrue(table.contains("| psl (stopped) |"), table);
    List<String> header = CsvTable.parseLine(Files.readAllLines(tmp.resolve("sweep.csv")).get(0));
    List<List<String>> csv = CsvTable.read(tmp.resolve("sweep.csv"));
    int stopped = header.indexOf("stopped_after_round");
    assertEquals(List.of("", "2"), List.of(csv.get(0).get(stopped), csv.get(1).get(stopped)));
  }

  @Test
  void header_isTheKeysTheComparisonsColumnsAndRefused() {
    List<String> h = SweepTable.header(List.of("a", "b.c"));
    assertEquals(List.of("a", "b.c", "scheme"), h.subList(0, 3));
    assertEquals(Comparison.HEADER, h.subList(2, h.size() - 1));
    assertEquals("refused", h.get(h.size() - 1));
  }

  @Test
  void shortName_keepsTheLastPartOfPathsAndSubstitutions() {
    assertEquals("DenseNet_121.prototxt", SweepTable.shortName("../data/DenseNet_121.prototxt"));
    assertEquals("x.json", SweepTable.shortName("\"C:\\\\m\\\\x.json\""));
    assertEquals("reference-pool", SweepTable.shortName("${cost-study.reference-pool}"));
    assertEquals("1e11", SweepTable.shortName("1e11"));
    assertEquals("[1e6, 2e6]", SweepTable.shortName("[1e6, 2e6]"));
  }
}
