package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run's three tables ({@code rounds.csv}, {@code devices.csv}, {@code events.csv}), each row a
 * map from column to cell, for the MP-SL fault tests.
 */
record RunTables(
    List<Map<String, String>> rounds,
    List<Map<String, String>> devices,
    List<Map<String, String>> events) {

  /** Runs {@code s} into {@code dir} and reads its tables. */
  static RunTables run(Settings s, Path dir) throws Exception {
    Emulation.run(Emulation.prepare(s), dir, RunListener.NONE);
    return new RunTables(
        read(dir.resolve("rounds.csv")),
        read(dir.resolve("devices.csv")),
        read(dir.resolve("events.csv")));
  }

  private static List<Map<String, String>> read(Path file) throws java.io.IOException {
    List<String> lines = Files.readAllLines(file);
    List<String> header = CsvTable.parseLine(lines.get(0));
    List<Map<String, String>> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> cells = CsvTable.parseLine(line);
      Map<String, String> row = new java.util.LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), cells.get(i));
      }
      out.add(row);
    }
    return out;
  }

  static double num(Map<String, String> row, String col) {
    return Double.parseDouble(row.get(col));
  }

  static Map<String, String> only(List<Map<String, String>> rows) {
    assertEquals(1, rows.size(), rows.toString());
    return rows.get(0);
  }

  /** Device {@code d}'s row of epoch {@code e}. */
  Map<String, String> device(int e, int d) {
    return devices.stream()
        .filter(r -> r.get("round").equals("" + e) && r.get("device").equals("" + d))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row of device " + d + " in epoch " + e));
  }

  /** Device {@code d}'s compute seconds in epoch {@code e}. */
  double compute(int e, int d) {
    return num(device(e, d), "compute_s");
  }

  double end(int e) {
    return Double.parseDouble(rounds.get(e - 1).get("emulated_time_s"));
  }

  double latency(int e) {
    return Double.parseDouble(rounds.get(e - 1).get("round_latency_s"));
  }

  List<String> column(String col) {
    return rounds.stream().map(r -> r.get(col)).toList();
  }

  List<Map<String, String>> events(String kind, String subject) {
    return events.stream()
        .filter(r -> r.get("kind").equals(kind) && r.get("subject").equals(subject))
        .toList();
  }

  /** Every row but the wall clock, for comparing runs. */
  List<Map<String, String>> emulated() {
    List<Map<String, String>> out = new ArrayList<>();
    for (List<Map<String, String>> t : List.of(rounds, devices, events)) {
      for (Map<String, String> r : t) {
        Map<String, String> m = new TreeMap<>(r);
        m.remove("wall_time_s");
        m.remove("cpu_time_s");
        out.add(m);
      }
    }
    return out;
  }
}
