package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splitemu.actors.cluster.ClusterConfig;
import io.splitemu.actors.cluster.ClusterRunTest;
import io.splitemu.actors.cluster.LocalNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster run's metrics, scraped by a real Prometheus, on the layout of a lab with the edge
 * server on its own machine: a {@code splitemu node} JVM with the edge role only, one with the
 * devices role only (both with {@code --metrics-port}), and this JVM as the supervisor ({@code run
 * --cluster} with metrics on). The run gives the rows of one JVM; each member's series say it is a
 * member with its roles; the devices member sees three members up and ran the run's four device
 * entities, the edge member none; promtool finds nothing to say about a member's scrape; and every
 * query of every dashboard panel meant for cluster runs ("Cluster runs only."), and every query of
 * the cluster dashboard, returns data.
 */
class ClusterMetricsTest {

  @TempDir Path tmp;

  @Test
  void aClusterRunsMembersServeMetrics_andEveryClusterPanelHasData() throws Exception {
    int seedPort = MetricsContractTest.freePort();
    int edgeMetrics = MetricsContractTest.freePort();
    int devicesMetrics = MetricsContractTest.freePort();
    int runMetrics = MetricsContractTest.freePort();
    // Full fidelity, so that the devices live for some seconds of scrapes.
    List<String> scenario =
        List.of(
            "run",
            "../scenarios/quickstart.conf",
            "--set",
            "rounds=2",
            "--set",
            "data.train-samples=1200");
    Path one = tmp.resolve("one");
    assertEquals(0, ClusterRunTest.run(scenario, "--out", one.toString()));

    MetricsSettings runEndpoint =
        new MetricsSettings(true, "127.0.0.1", runMetrics, 32, "local", Duration.ZERO);
    // Bound now, so that nothing takes the port before the run serves on it (the run uses this
    // JVM's endpoint of the same address and port).
    Metrics.shared(runEndpoint);
    try (LocalNodes nodes =
            new LocalNodes(
                tmp, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        PrometheusServer prom =
            PrometheusServer.start(
                tmp, List.of(edgeMetrics, devicesMetrics, runMetrics), "1s", "1s")) {
      // The edge member is the seed; the devices member and this JVM join it.
      String edge =
          name(
              nodes
                  .start(
                      Map.of(),
                      "--roles",
                      "edge",
                      "--seed-nodes",
                      "127.0.0.1:" + seedPort,
                      "--port",
                      Integer.toString(seedPort),
                      "--metrics-port",
                      Integer.toString(edgeMetrics))
                  .awaitUp(Duration.ofSeconds(90)));
      String devices =
          name(
              nodes
                  .start(
                      Map.of(),
                      "--roles",
                      "devices",
                      "--seed-nodes",
                      edge,
                      "--port",
                      "0",
                      "--metrics-port",
                      Integer.toString(devicesMetrics))
                  .awaitUp(Duration.ofSeconds(90)));
      prom.waitFor(
          "splitemu_member_info{node=\"" + edge + "\",roles=\"edge\"} == 1",
          Duration.ofSeconds(60));
      prom.waitFor(
          "splitemu_member_info{node=\"" + devices + "\",roles=\"devices\"} == 1",
          Duration.ofSeconds(60));

      Path three = tmp.resolve("three");
      assertEquals(
          0,
          ClusterRunTest.run(
              scenario,
              "--set",
              "metrics.enabled=true",
              "--set",
              "metrics.port=" + runMetrics,
              "--set",
              "metrics.linger=0s",
              "--out",
              three.toString(),
              "--cluster",
              "--seed-nodes",
              edge,
              "--port",
              "0",
              "--min-members",
              "3"));
      assertEquals(ClusterRunTest.emulatedRows(one), ClusterRunTest.emulatedRows(three));
      prom.waitFor("splitemu_rounds_total{node=\"supervisor\"} == 2", Duration.ofSeconds(60));

      // The devices member ran the four devices, the edge member none; the supervisor's JVM was a
      // member while the run lasted.
      assertEquals("4", maxOverRun(prom, "splitemu_member_device_entities", devices, ""));
      assertEquals("0", maxOverRun(prom, "splitemu_member_device_entities", edge, ""));
      assertEquals("3", maxOverRun(prom, "splitemu_cluster_members", devices, ",status=\"up\""));
      assertEquals(
          "1", maxOverRun(prom, "splitemu_member_info", "supervisor", ",roles=\"supervisor\""));
      // Once the run ended, its devices were retired.
      prom.waitFor(
          "splitemu_member_device_entities{node=\"" + devices + "\"} == 0", Duration.ofSeconds(30));

      // The cluster dashboard's node variable lists the members.
      com.fasterxml.jackson.databind.JsonNode nodeValues =
          prom.get(
              "/api/v1/label/node/values?match[]="
                  + java.net.URLEncoder.encode(
                      "{__name__=~\"splitemu_run_rounds|splitemu_member_info\"}",
                      java.nio.charset.StandardCharsets.UTF_8));
      List<String> listed = new ArrayList<>();
      nodeValues.forEach(v -> listed.add(v.asText()));
      assertTrue(
          listed.containsAll(List.of(edge, devices, "supervisor")), "node variable: " + listed);

      // promtool finds nothing to say about a member's scrape.
      String text = MetricsText.scrape(devicesMetrics);
      assertTrue(text.contains("splitemu_cluster_members{node=\"" + devices), text);
      assertEquals("", MetricsContractTest.promtoolCheck(MetricsContractTest.promtool(), text));

      List<String> failures = new ArrayList<>();
      int evaluated = 0;
      for (Dashboards.Board b : Dashboards.all()) {
        boolean clusterBoard = b.uid().equals("splitemu-cluster");
        for (Dashboards.Query q : b.queries()) {
          if (!q.clusterOnly() && !clusterBoard) {
            continue;
          }
          for (String chosen : q.clusterOnly() ? List.of(".*", devices, edge) : List.of(".*")) {
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
      assertTrue(evaluated >= 18, "only " + evaluated + " evaluations");
      if (!failures.isEmpty()) {
        fail(String.join("\n", failures));
      }
    } finally {
      // This JVM's endpoint outlives the run (a compare's schemes share it): stop it here.
      Metrics.shared(runEndpoint).close();
    }
  }

  private static String name(ClusterConfig.HostPort at) {
    return at.host() + ":" + at.port();
  }

  /** The largest value of {@code metric} of member {@code node} over the last 5 minutes. */
  private static String maxOverRun(PrometheusServer prom, String metric, String node, String more)
      throws Exception {
    return value(prom, "max_over_time(" + metric + "{node=\"" + node + "\"" + more + "}[5m])");
  }

  /** The value of the one series {@code promql} returns. */
  private static String value(PrometheusServer prom, String promql) throws Exception {
    var r = prom.query(promql);
    assertEquals(1, r.size(), promql + ": " + r);
    return r.get(0).path("value").get(1).asText();
  }
}
