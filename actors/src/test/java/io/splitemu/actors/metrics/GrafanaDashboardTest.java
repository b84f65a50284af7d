package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard queries only metrics this build exports, and shows every one of them. */
class GrafanaDashboardTest {

  private static final Path DASHBOARD = Path.of("../grafana/dashboards/splitemu-run.json");
  private static final Pattern METRIC = Pattern.compile("\\b(splitemu_[a-z_]+|jvm_[a-z_]+)");

  /** Every {@code expr} of the dashboard's panels. */
  static List<String> expressions() {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DASHBOARD.toAbsolutePath(), e);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode panel : root.path("panels")) {
      for (JsonNode t : panel.path("targets")) {
        out.add(t.path("expr").asText());
      }
    }
    return out;
  }

  @Test
  void queriesExportedMetricsAndCoversThemAll() {
    List<String> exprs = expressions();
    assertFalse(exprs.isEmpty(), "no queries in " + DASHBOARD);
    Set<String> exported = new HashSet<>(Metrics.NAMES);
    Set<String> shown = new HashSet<>();
    for (String e : exprs) {
      Matcher m = METRIC.matcher(e);
      boolean any = false;
      while (m.find()) {
        any = true;
        String name = m.group(1);
        if (name.startsWith("splitemu_")) {
          assertTrue(exported.contains(name), "dashboard queries unknown metric " + name);
          shown.add(name);
        }
      }
      assertTrue(any, "query names no metric: " + e);
    }
    Set<String> missing = new HashSet<>(exported);
    missing.removeAll(shown);
    assertEquals(Set.of(), missing, "exported metrics without a panel");
  }
}
