package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.CsvTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directions of issue 17's claims as the docs state them, each through the one {@code compare
 * --sweep} command a user runs (docs/edgesplit.md, docs/dag.md; MP-SL's is in {@link
 * CompareSweepTest}).
 */
class ClaimDirectionsTest {

  @TempDir Path tmp;

  /** The committed scenario {@code name}, found from the module's working folder up. */
  static Path scenario(String name) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path f = dir.resolve("scenarios").resolve(name);
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    throw new IllegalStateException("scenarios/ not found above " + Path.of("").toAbsolutePath());
  }

  /** Rows of sweep.csv keyed by the point's values and the scheme, each as column to text. */
  private static Map<String, Map<String, String>> table(Path csv, int keys) throws Exception {
    List<String> header = CsvTable.parseLine(Files.readAllLines(csv).get(0));
    Map<String, Map<String, String>> out = new HashMap<>();
    for (List<String> row : CsvTable.read(csv)) {
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i < header.size(); i++) {
        m.put(header.get(i), row.get(i));
      }
      out.put(String.join("|", row.subList(0, keys + 1)), m);
    }
    return out;
  }

  @Test
  void sflOnNorwayTraces_robustBeatsUniform_withTheBottleneckServer_onEverySeed() throws Exception {
    String data = System.getProperty("splitemu.data", "");
    if (data.isBlank()) {
      Assumptions.abort("splitemu.data is not set: SFL on the Norway traces skipped");
    }
    Path traces = Path.of(data, "traces", "pensieve-norway-hsdpa-cooked");
    List<String> names =
        List.of(
            "norway_bus_1",
            "norway_car_2",
            "norway_ferry_2",
            "norway_metro_2",
            "norway_train_1",
            "norway_tram_10");
    for (String n : names) {
      assertTrue(Files.isRegularFile(traces.resolve(n)), "missing shared data file " + n);
    }
    String up = "[" + String.join(",", names.stream().map(n -> q(traces.resolve(n))).toList());
    List<String> rotated = new java.util.ArrayList<>(names.subList(1, names.size()));
    rotated.add(names.get(0));
    String down = "[" + String.join(",", rotated.stream().map(n -> q(traces.resolve(n))).toList());
    Path out = tmp.resolve("sfl");
    // The committed scenario as it is (20 rounds of 100 iterations, 100 GFLOP/s), three seeds.
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            scenario("sfl-compute-norway.conf").toString(),
            "--schemes",
            "sfl-compute-robust,sfl-compute-uniform",
            "--set",
            "links.trace.uplink=" + up + "]",
            "--set",
            "links.trace.downlink=" + down + "]",
            "--sweep",
            "seed=1,2,3",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    Map<String, Map<String, String>> t = table(out.resolve("sweep.csv"), 1);
    for (String seed : List.of("1", "2", "3")) {
      double robust =
          Double.parseDouble(t.get(seed + "|sfl-compute-robust").get("emulated_time_s"));
      double uniform =
          Double.parseDouble(t.get(seed + "|sfl-compute-uniform").get("emulated_time_s"));
      // docs/edgesplit.md: 2.0-9.9% faster over the three seeds.
      assertTrue(robust < uniform * 0.99, "seed " + seed + ": " + robust + " vs " + uniform);
    }
  }

  private static String q(Path p) {
    return "\"" + p.toAbsolutePath() + "\"";
  }

  @Test
  void dagMap_minCutIsNeverSlowerThanAnyPolicy_andEqualsTheBestChainCut() throws Exception {
    // The built-in EfficientNetV2-S needs no data; at 2 Mbit/s and 10 GFLOP/s it has the map's one
    // interior optimum (docs/dag.md), where the min-cut beats both fixed policies but a chain cut
    // finds the same split.
    Path out = tmp.resolve("dag");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            scenario("dag-map.conf").toString(),
            "--schemes",
            "dag-mincut,dag-chain,dag-device,dag-server",
            "--sweep",
            "links.static.uplink-bps=5e5,2e6",
            "--sweep",
            "devices.flops=1e9,1e10",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    Map<String, Map<String, String>> t = table(out.resolve("sweep.csv"), 2);
    int points = 0;
    for (String rate : List.of("5e5", "2e6")) {
      for (String flops : List.of("1e9", "1e10")) {
        String p = rate + "|" + flops + "|";
        double mincut = time(t, p + "dag-mincut");
        for (String other : List.of("dag-chain", "dag-device", "dag-server")) {
          double o = time(t, p + other);
          assertTrue(mincut <= o * (1 + 1e-9), p + other + ": " + mincut + " vs " + o);
        }
        // Not reproduced: no point of the map gives the min-cut a gain over the best chain cut.
        double chain = time(t, p + "dag-chain");
        assertEquals(chain, mincut, chain * 1e-9, p);
        points++;
      }
    }
    assertEquals(4, points);
    double fixed = Math.min(time(t, "2e6|1e10|dag-device"), time(t, "2e6|1e10|dag-server"));
    assertTrue(time(t, "2e6|1e10|dag-mincut") < 0.85 * fixed, "the interior optimum's gain");
    List<String> rounds =
        Files.readAllLines(
            out.resolve(
                "004-links.static.uplink-bps=2e6_devices.flops=1e10/dag-mincut/rounds.csv"));
    List<String> header = CsvTable.parseLine(rounds.get(0));
    int deviceLayers =
        Integer.parseInt(CsvTable.parseLine(rounds.get(1)).get(header.indexOf("cut")));
    assertTrue(deviceLayers > 0 && deviceLayers < 207, "interior cut: " + deviceLayers);
  }

  private static double time(Map<String, Map<String, String>> t, String key) {
    return Double.parseDouble(t.get(key).get("emulated_time_s"));
  }
}
