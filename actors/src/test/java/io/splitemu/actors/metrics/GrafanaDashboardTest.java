package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.splitemu.actors.scheme.Schemes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A static check of every Grafana dashboard: valid JSON with unique uids and panel ids, the
 * template variables, only metric names of the contract (docs/metrics.md), every splitemu metric
 * shown somewhere, and every query filtered by run, scheme and node.
 */
class GrafanaDashboardTest {

  /**
   * The splitemu metrics the "Series" table of docs/metrics.md documents (counters with their
   * _total name): the contract that the exporter, the dashboards and the docs are each held to.
   */
  static final Set<String> CONTRACT = documented();

  private static final Pattern NAME = Pattern.compile("\\b((?:splitemu|jvm)_[a-z_]+)\\b");
  private static final Pattern SELECTOR =
      Pattern.compile("\\b(splitemu_[a-z_]+)\\s*(\\{[^}]*\\})?");
  private static final String FILTER = "run=~\"$run\",scheme=~\"$scheme\",node=~\"$node\"";

  @Test
  void everyDashboardIsValidWithUniqueUidsAndPanelIds() {
    List<Dashboards.Board> boards = Dashboards.all();
    assertEquals(5, boards.size(), "dashboards in " + Dashboards.FOLDER);
    Set<String> uids = new HashSet<>();
    for (Dashboards.Board b : boards) {
      String f = b.file().getFileName().toString();
      assertTrue(uids.add(b.uid()), f + ": uid " + b.uid() + " used twice");
      assertTrue(b.uid().matches("[a-z0-9-]{8,40}"), f + ": uid " + b.uid());
      assertFalse(b.json().path("title").asText().isBlank(), f + ": no title");
      assertTrue(b.json().path("schemaVersion").asInt() >= 39, f + ": schemaVersion too old");
      Set<Integer> ids = new HashSet<>();
      List<JsonNode> panels = b.panels();
      assertFalse(panels.isEmpty(), f + ": no panels");
      for (JsonNode p : panels) {
        String where = f + " panel \"" + p.path("title").asText() + "\"";
        assertTrue(p.path("id").isInt(), where + ": no id");
        assertTrue(ids.add(p.path("id").asInt()), where + ": id " + p.path("id") + " twice");
        assertFalse(p.path("type").asText().isBlank(), where + ": no type");
        assertFalse(p.path("description").asText().isBlank(), where + ": no description");
        assertEquals(Dashboards.DATASOURCE_UID, p.path("datasource").path("uid").asText(), where);
        assertTrue(p.path("targets").size() > 0, where + ": no query");
        for (JsonNode t : p.path("targets")) {
          assertEquals(Dashboards.DATASOURCE_UID, t.path("datasource").path("uid").asText(), where);
          assertFalse(t.path("refId").asText().isBlank(), where + ": target without refId");
        }
        for (String glob : Dashboards.schemes(p.path("description").asText())) {
          assertTrue(
              Schemes.names().stream().anyMatch(s -> Dashboards.globMatches(glob, s)),
              where + ": \"Schemes:\" names " + glob + ", which matches no registered scheme");
        }
      }
      for (JsonNode a : b.annotations()) {
        assertEquals(Dashboards.DATASOURCE_UID, a.path("datasource").path("uid").asText(), f);
      }
    }
  }

  private static final Pattern COUNTER = Pattern.compile("\\b(splitemu_[a-z_]+_total)\\b");

  /**
   * A panel that draws a splitemu counter as it is (not its rate or increase) says in its
   * description that it counts this process's work: a crash's redone rounds count again and a
   * --resume starts again at 0, so it does not read the run's totals (docs/metrics.md).
   */
  @Test
  void everyPanelDrawingARawCounter_saysItCountsThisProcess() {
    List<String> silent = new ArrayList<>();
    for (Dashboards.Board b : Dashboards.all()) {
      for (JsonNode p : b.panels()) {
        for (JsonNode t : p.path("targets")) {
          String expr = t.path("expr").asText();
          Matcher m = COUNTER.matcher(expr);
          while (m.find()) {
            String before = expr.substring(0, m.start());
            if (before.endsWith("rate(") || before.endsWith("increase(")) {
              continue;
            }
            if (!p.path("description").asText().toLowerCase().contains("this process")) {
              silent.add(
                  b.file().getFileName()
                      + " panel \""
                      + p.path("title").asText()
                      + "\": "
                      + m.group(1));
            }
          }
        }
      }
    }
    assertTrue(silent.isEmpty(), "raw counters without \"this process\": " + silent);
  }

  @Test
  void everyDashboardHasTheRunSchemeAndNodeVariables() {
    for (Dashboards.Board b : Dashboards.all()) {
      List<String> names = new ArrayList<>();
      for (JsonNode v : b.json().path("templating").path("list")) {
        String name = v.path("name").asText();
        names.add(name);
        String where = b.file().getFileName() + " variable " + name;
        assertEquals("query", v.path("type").asText(), where);
        assertEquals(Dashboards.DATASOURCE_UID, v.path("datasource").path("uid").asText(), where);
        String q = v.path("query").path("query").asText();
        // The node variable lists cluster members too, which serve no run.
        assertTrue(
            q.matches(
                    "label_values\\((splitemu_rounds_total|splitemu_run_rounds)(\\{[^}]*\\})?, "
                        + name
                        + "\\)")
                || (name.equals("node")
                    && q.equals(
                        "label_values({__name__=~\"splitemu_run_rounds|splitemu_member_info\"},"
                            + " node)")),
            where + ": " + q);
        assertTrue(v.path("includeAll").asBoolean() && v.path("multi").asBoolean(), where);
        assertEquals(".*", v.path("allValue").asText(), where);
      }
      assertEquals(
          new TreeSet<>(Dashboards.VARIABLES),
          new TreeSet<>(names),
          b.file().getFileName() + ": template variables");
    }
  }

  @Test
  void aTargetWhoseLegendSaysSeconds_isDrawnInSeconds() {
    int checked = 0;
    for (Dashboards.Board b : Dashboards.all()) {
      for (JsonNode p : b.panels()) {
        for (JsonNode t : p.path("targets")) {
          if (!t.path("legendFormat").asText().matches("(?s).*\\bseconds\\b.*")) {
            continue;
          }
          checked++;
          String where =
              b.file().getFileName()
                  + " panel \""
                  + p.path("title").asText()
                  + "\" target "
                  + t.path("refId").asText();
          assertEquals("s", unitOf(p, t.path("refId").asText()), where + ": legend says seconds");
        }
      }
    }
    assertTrue(checked > 0, "no target's legend says seconds");
  }

  /**
   * The unit Grafana draws target {@code refId} of panel {@code p} in: an override matching its
   * refId, else the panel's default.
   */
  private static String unitOf(JsonNode p, String refId) {
    String unit = p.path("fieldConfig").path("defaults").path("unit").asText("");
    for (JsonNode o : p.path("fieldConfig").path("overrides")) {
      JsonNode m = o.path("matcher");
      if (m.path("id").asText().equals("byFrameRefID")
          && m.path("options").asText().equals(refId)) {
        for (JsonNode prop : o.path("properties")) {
          if (prop.path("id").asText().equals("unit")) {
            unit = prop.path("value").asText();
          }
        }
      }
    }
    return unit;
  }

  @Test
  void theExporterExportsTheContractNames() {
    Set<String> exported = new TreeSet<>(Metrics.NAMES);
    exported.addAll(MemberMetrics.NAMES);
    assertEquals(new TreeSet<>(CONTRACT), exported, "docs/metrics.md Series");
  }

  @Test
  void queriesUseContractNamesOnlyAndShowEverySplitemuMetric() {
    Set<String> jvm = jvmSampleNames();
    Set<String> shown = new HashSet<>();
    int queries = 0;
    for (Dashboards.Board b : Dashboards.all()) {
      for (Dashboards.Query q : b.queries()) {
        queries++;
        Matcher m = NAME.matcher(q.expr());
        boolean any = false;
        while (m.find()) {
          any = true;
          String name = m.group(1);
          if (name.startsWith("splitemu_")) {
            assertTrue(CONTRACT.contains(name), q.where() + " queries unknown metric " + name);
            shown.add(name);
          } else {
            assertTrue(jvm.contains(name), q.where() + " queries unknown JVM metric " + name);
          }
        }
        assertTrue(any, q.where() + " names no metric: " + q.expr());
      }
    }
    assertTrue(queries > 30, "only " + queries + " queries");
    Set<String> missing = new TreeSet<>(CONTRACT);
    missing.removeAll(shown);
    assertEquals(Set.of(), missing, "contract metrics no dashboard shows");
  }

  @Test
  void everyQueryIsFilteredByRunSchemeAndNode() {
    for (Dashboards.Board b : Dashboards.all()) {
      for (Dashboards.Query q : b.queries()) {
        Matcher m = SELECTOR.matcher(q.expr());
        boolean any = false;
        while (m.find()) {
          any = true;
          String labels = m.group(2) == null ? "" : m.group(2);
          // A member's own series have no run: a member outlives runs.
          boolean member = MemberMetrics.NAMES.contains(m.group(1));
          assertTrue(
              labels.startsWith(member ? "{node=~\"$node\"" : "{" + FILTER),
              q.where() + ": " + m.group(1) + " is not filtered by run, scheme and node");
        }
        // JVM series carry no splitemu labels: they are joined to the nodes of the chosen runs.
        assertTrue(any, q.where() + ": no splitemu selector to filter by: " + q.expr());
      }
    }
  }

  /**
   * Each panel whose description names the schemes it has data for ("Schemes: ...") names the same
   * schemes in its row of docs/metrics.md's "Panels" tables (before, the Checkpoint age row left
   * out mpsl*, which exports splitemu_checkpoint_age_seconds).
   */
  @Test
  void everyPanelsSchemes_areTheSchemesOfItsDocsRow() throws IOException {
    Pattern schemes = Pattern.compile("Schemes: ([^|]*?)\\.?\\s*(?:\\||$)");
    java.util.Map<String, String> rows = new java.util.HashMap<>();
    for (String line : Files.readAllLines(Path.of("../docs/metrics.md"))) {
      String[] cells = line.split("\\|");
      if (line.startsWith("| ") && cells.length > 2) {
        Matcher m = schemes.matcher(line.replace("\\*", "*"));
        rows.put(cells[1].trim(), m.find() ? m.group(1).trim() : "");
      }
    }
    int checked = 0;
    for (Dashboards.Board b : Dashboards.all()) {
      for (JsonNode p : b.panels()) {
        String title = p.path("title").asText();
        Matcher m = schemes.matcher(p.path("description").asText());
        if (!m.find() || !rows.containsKey(title)) {
          continue;
        }
        assertEquals(
            m.group(1).trim(),
            rows.get(title),
            "docs/metrics.md row \"" + title + "\" against " + b.file().getFileName());
        checked++;
      }
    }
    assertTrue(checked >= 5, "panels with a Schemes list found in the docs: " + checked);
  }

  /** The metric names in the first column of docs/metrics.md's "Series" table. */
  private static Set<String> documented() {
    Path doc = Path.of("../docs/metrics.md");
    List<String> lines;
    try {
      lines = Files.readAllLines(doc);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + doc.toAbsolutePath(), e);
    }
    Set<String> names = new TreeSet<>();
    boolean series = false;
    for (String line : lines) {
      if (line.startsWith("## ")) {
        series = line.equals("## Series");
      } else if (series && line.startsWith("| `splitemu_")) {
        Matcher m = Pattern.compile("`(splitemu_[a-z_]+)`").matcher(line.split("\\|")[1]);
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    return Set.copyOf(names);
  }

  /** The sample names the JVM metrics of client_java export (a summary adds _count and _sum). */
  private static Set<String> jvmSampleNames() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    Set<String> out = new HashSet<>();
    for (MetricSnapshot s : registry.scrape()) {
      String name = s.getMetadata().getPrometheusName();
      out.add(name);
      if (s instanceof SummarySnapshot) {
        out.add(name + "_count");
        out.add(name + "_sum");
      }
    }
    return out;
  }
}
