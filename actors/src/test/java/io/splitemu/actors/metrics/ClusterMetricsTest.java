package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splitemu.actors.cli.Main;
import io.splitemu.actors.cluster.ClusterConfig;
import io.splitemu.actors.cluster.LocalNodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster run's metrics, scraped by a real Prometheus: a {@code splitemu node} JVM with {@code
 * --metrics-port} (edge and devices) and this JVM as the supervisor ({@code run --cluster} with
 * metrics on) each serve their endpoint; the node's series say it is a member with its roles, the
 * members by status as it sees them, and that it ran the run's four device entities; promtool finds
 * nothing to say about the node's scrape; and every query of every dashboard panel meant for
 * cluster runs ("Cluster runs only."), and every query of the cluster dashboard, returns data.
 */
class ClusterMetricsTest {

  @TempDir Path tmp;

  @Test
  void aClusterRunsMembersServeMetrics_andEveryClusterPanelHasData() throws Exception {
    int seedPort = MetricsContractTest.freePort();
    int nodeMetrics = MetricsContractTest.freePort();
    int runMetrics = MetricsContractTest.freePort();
    MetricsSettings runEndpoint =
        new MetricsSettings(true, "127.0.0.1", runMetrics, 32, "local", Duration.ZERO);
    try (LocalNodes nodes =
            new LocalNodes(
                tmp, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        PrometheusServer prom =
            PrometheusServer.start(tmp, List.of(nodeMetrics, runMetrics), "500ms", "500ms")) {
      LocalNodes.Node node =
          nodes.start(
              Map.of(),
              "--roles",
              "edge,devices",
              "--seed-nodes",
              "127.0.0.1:" + seedPort,
              "--port",
              Integer.toString(seedPort),
              "--metrics-port",
              Integer.toString(nodeMetrics));
      ClusterConfig.HostPort at = node.awaitUp(Duration.ofSeconds(90));
      String member = at.host() + ":" + at.port();
      prom.waitFor(
          "splitemu_member_info{node=\"" + member + "\",roles=\"edge,devices\"} == 1",
          Duration.ofSeconds(60));

      // Full fidelity, so that the devices live for some seconds of scrapes.
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code =
          Main.run(
              new PrintWriter(out),
              new PrintWriter(err),
              "run",
              "../scenarios/quickstart.conf",
              "--set",
              "rounds=2",
              "--set",
              "data.train-samples=1200",
              "--set",
              "metrics.enabled=true",
              "--set",
              "metrics.port=" + runMetrics,
              "--set",
              "metrics.linger=0s",
              "--out",
              tmp.resolve("run").toString(),
              "--cluster",
              "--seed-nodes",
              "127.0.0.1:" + seedPort,
              "--port",
              "0",
              "--min-members",
              "2");
      assertEquals(0, code, () -> err + out.toString());
      prom.waitFor("splitemu_rounds_total{node=\"supervisor\"} == 2", Duration.ofSeconds(60));

      // The node ran the four devices; the supervisor's JVM was a member while the run lasted.
      assertEquals(
          "4",
          value(
              prom, "max_over_time(splitemu_member_device_entities{node=\"" + member + "\"}[5m])"));
      assertEquals(
          "1",
          value(
              prom,
              "max_over_time(splitemu_member_info{node=\"supervisor\",roles=\"supervisor\"}[5m])"));
      assertEquals(
          "2",
          value(
              prom,
              "max_over_time(splitemu_cluster_members{node=\""
                  + member
                  + "\",status=\"up\"}[5m])"));
      // Once the run ended, its devices were retired.
      assertEquals("0", value(prom, "splitemu_member_device_entities{node=\"" + member + "\"}"));

      // promtool finds nothing to say about a member's scrape.
      Path promtool = MetricsContractTest.promtool();
      String text = MetricsText.scrape(nodeMetrics);
      assertTrue(text.contains("splitemu_cluster_members{node=\"" + member), text);
      assertEquals("", MetricsContractTest.promtoolCheck(promtool, text));

      List<String> failures = new ArrayList<>();
      int evaluated = 0;
      for (Dashboards.Board b : Dashboards.all()) {
        boolean clusterBoard = b.uid().equals("splitemu-cluster");
        for (Dashboards.Query q : b.queries()) {
          if (!q.clusterOnly() && !clusterBoard) {
            continue;
          }
          for (String chosen : q.clusterOnly() ? List.of(".*", member) : List.of(".*")) {
            String expr =
                q.expr()
                    .replace("$__rate_interval", "60s")
                    .replace("$run", ".*")
                    .replace("$scheme", ".*")
                    .replace("$node", chosen);
            evaluated++;
            if (prom.query(expr).isEmpty()) {
              failures.add(q.where() + ": no data for node " + chosen + ": " + expr);
            }
          }
        }
      }
      assertTrue(evaluated >= 14, "only " + evaluated + " evaluations");
      if (!failures.isEmpty()) {
        fail(String.join("\n", failures));
      }
      assertTrue(Files.exists(tmp.resolve("run").resolve("rounds.csv")));
    } finally {
      // This JVM's endpoint outlives the run (a compare's schemes share it): stop it here.
      Metrics.shared(runEndpoint).close();
    }
  }

  /** The value of the one series {@code promql} returns. */
  private static String value(PrometheusServer prom, String promql) throws Exception {
    var r = prom.query(promql);
    assertEquals(1, r.size(), promql + ": " + r);
    return r.get(0).path("value").get(1).asText();
  }
}
