package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server scrapes a run's endpoint, and what it stored equals what the run wrote
 * to its results folder.
 *
 * <p>The server is the Debian package {@code prometheus}, which {@code .ci/run} installs. Without
 * it the test is skipped with a reason, unless {@code splitemu.data} is set (the CI run), where a
 * missing server is a missing install step and fails.
 */
class PrometheusScrapeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void prometheusStoresWhatTheRunRecorded(@TempDir Path tmp) throws Exception {
    Path binary = prometheusBinary();
    int metricsPort = freePort();
    List<String> overrides =
        List.of(
            "fidelity = timing",
            "rounds = 4",
            "output.plots = false",
            "metrics.enabled = true",
            "metrics.port = " + metricsPort,
            "barrier.timeout = 5 s",
            "faults = [{ kind = device-hang, device = 1, round = 3 }]");
    Settings s = Settings.load(Path.of("../scenarios/quickstart.conf"), overrides);
    Emulation.Outcome out = Emulation.run(s, tmp.resolve("run"), RunListener.NONE);
    List<RoundRecord> rounds = out.rounds();
    assertEquals(4, rounds.size());

    int promPort = freePort();
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
    Process prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + promPort)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("prometheus.log").toFile())
            .start();
    try {
      String scheme = s.scheme();
      JsonNode roundsTotal =
          waitFor(promPort, "splitemu_rounds_total{scheme=\"" + scheme + "\"}", tmp);
      assertEquals(4.0, value(roundsTotal), 0.0);

      RoundRecord last = rounds.get(rounds.size() - 1);
      double emulated =
          value(query(promPort, "splitemu_emulated_time_seconds{scheme=\"" + scheme + "\"}"));
      assertEquals(last.emulatedTimeS(), emulated, 1e-9 * last.emulatedTimeS());
      double latency =
          value(query(promPort, "splitemu_round_latency_seconds{scheme=\"" + scheme + "\"}"));
      assertEquals(last.roundLatencyS(), latency, 1e-9 * last.roundLatencyS());

      long up = out.summary().bytesUp();
      long down = out.summary().bytesDown();
      assertTrue(up > 0 && down > 0, "the run moved no bytes");
      double upSeen =
          value(
              query(
                  promPort,
                  "splitemu_link_bytes_total{scheme=\"" + scheme + "\",direction=\"up\"}"));
      double downSeen =
          value(
              query(
                  promPort,
                  "splitemu_link_bytes_total{scheme=\"" + scheme + "\",direction=\"down\"}"));
      assertEquals(up, upSeen, 0.0);
      assertEquals(down, downSeen, 0.0);

      double edgeMemory =
          value(
              query(
                  promPort,
                  "splitemu_node_model_memory_bytes{scheme=\"" + scheme + "\",role=\"edge\"}"));
      assertEquals(out.summary().peakModelMemoryBytes().get("edge").doubleValue(), edgeMemory, 0.0);

      double faults =
          value(
              query(
                  promPort,
                  "splitemu_faults_injected_total{scheme=\""
                      + scheme
                      + "\",kind=\"device-hang\"}"));
      assertEquals(1.0, faults, 0.0);
      double dropped =
          value(query(promPort, "splitemu_devices_failed_total{scheme=\"" + scheme + "\"}"));
      assertEquals(out.summary().failedParticipations(), dropped, 0.0);
    } finally {
      prometheus.destroy();
      prometheus.waitFor();
    }
  }

  /** Polls until the first scrape that holds {@code promql} (wall-clock wait, not an assertion). */
  private JsonNode waitFor(int port, String promql, Path tmp) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        JsonNode r = query(port, promql);
        if (r.size() > 0) {
          return r;
        }
      } catch (IOException e) {
        last = e; // the server is still starting
      }
      Thread.sleep(500);
    }
    fail(
        "Prometheus never stored "
            + promql
            + " (last error: "
            + last
            + "); its log:\n"
            + Files.readString(tmp.resolve("prometheus.log")));
    return null;
  }

  private JsonNode query(int port, String promql) throws Exception {
    URI uri =
        URI.create(
            "http://127.0.0.1:"
                + port
                + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("HTTP " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).path("data").path("result");
  }

  private static double value(JsonNode result) {
    assertEquals(1, result.size(), "expected one series, got " + result);
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The prometheus server binary, or the reason the test cannot run. */
  static Path prometheusBinary() {
    String given = System.getProperty("splitemu.prometheus", "");
    if (!given.isBlank()) {
      Path p = Path.of(given);
      if (!Files.isExecutable(p)) {
        fail("splitemu.prometheus=" + given + " is not an executable file");
      }
      return p;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "prometheus");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    String data = System.getProperty("splitemu.data", "");
    if (!data.isBlank()) {
      fail(
          "no prometheus server on PATH: .ci/run installs the Debian package prometheus;"
              + " install it (apt-get install prometheus) or set -Dsplitemu.prometheus=BINARY");
    }
    Assumptions.abort(
        "no prometheus server on PATH (Debian package prometheus): scrape test skipped");
    return null;
  }
}
