package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.cli.Main;
import io.splitemu.actors.runtime.GoldenRunsTest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code splitemu run} in its own JVM keeps serving its final values for {@code
 * metrics.linger} after it printed its result: a real Prometheus started only once the run has
 * ended still scrapes and stores the final round count, and the process then ends by itself.
 */
class LingerTest {

  private static final int ROUNDS = 2;

  @TempDir Path tmp;

  @Test
  void afterTheRunEnds_theFinalValuesAreStillServedAndScraped() throws Exception {
    Path prometheusBinary = PrometheusScrapeTest.prometheusBinary();
    int metricsPort = MetricsContractTest.freePort();
    Path out = tmp.resolve("out");
    Path stdout = tmp.resolve("stdout.txt");
    Path stderr = tmp.resolve("stderr.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                GoldenRunsTest.scenarioDir().resolve("quickstart.conf").toString(),
                "--out",
                out.toString(),
                "--set",
                "fidelity=timing",
                "--set",
                "rounds=" + ROUNDS,
                "--set",
                "output.plots=false",
                "--set",
                "metrics.enabled=true",
                "--set",
                "metrics.port=" + metricsPort,
                "--set",
                "metrics.linger=20s")
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
    pb.environment().put("CI", "true");
    Process run = pb.start();
    Process prometheus = null;
    try {
      String line = "metrics: serving the final values for 20 s more (splitemu.metrics.linger)";
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!Files.readString(stdout).contains(line)
          && run.isAlive()
          && System.nanoTime() < giveUp) {
        Thread.sleep(100);
      }
      assertTrue(
          Files.readString(stdout).contains(line),
          "no linger line; stdout:\n"
              + Files.readString(stdout)
              + "\nstderr:\n"
              + Files.readString(stderr));
      // The run has ended and printed its result: only the linger keeps the endpoint up now.
      assertTrue(Files.isRegularFile(out.resolve("summary.json")), "the run left no summary");
      assertTrue(run.isAlive(), "the process ended without lingering");

      int promPort = MetricsContractTest.freePort();
      Path config = tmp.resolve("prometheus.yml");
      Files.writeString(
          config,
          "global:\n"
              + "  scrape_interval: 1s\n"
              + "scrape_configs:\n"
              + "  - job_name: splitemu\n"
              + "    static_configs:\n"
              + "      - targets: ['127.0.0.1:"
              + metricsPort
              + "']\n");
      prometheus =
          new ProcessBuilder(
                  prometheusBinary.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                  "--web.listen-address=127.0.0.1:" + promPort)
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("prometheus.log").toFile())
              .start();
      double stored = Double.NaN;
      while (run.isAlive() && Double.isNaN(stored)) {
        stored = query(promPort, "splitemu_rounds_total{scheme=\"psl\"}");
        Thread.sleep(250);
      }
      if (Double.isNaN(stored)) {
        stored = query(promPort, "splitemu_rounds_total{scheme=\"psl\"}");
      }
      if (Double.isNaN(stored)) {
        fail(
            "Prometheus stored no rounds while the process lingered; its log:\n"
                + Files.readString(tmp.resolve("prometheus.log")));
      }
      assertEquals(ROUNDS, stored, 0.0);
      assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the process did not end after the linger");
      assertEquals(0, run.exitValue(), Files.readString(stderr));
    } finally {
      run.destroyForcibly();
      run.waitFor(30, TimeUnit.SECONDS);
      if (prometheus != null) {
        prometheus.destroy();
        prometheus.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** The value of {@code promql}'s only series, or NaN while there is none (or no server yet). */
  private static double query(int port, String promql) throws Exception {
    URI uri =
        URI.create(
            "http://127.0.0.1:"
                + port
                + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<String> r;
    try {
      r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      return Double.NaN; // the server is still starting
    }
    if (r.statusCode() != 200) {
      return Double.NaN;
    }
    JsonNode result = new ObjectMapper().readTree(r.body()).path("data").path("result");
    if (result.size() != 1) {
      return Double.NaN;
    }
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }
}
