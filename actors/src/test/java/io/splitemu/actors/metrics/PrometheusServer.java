package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.CiSuite;
import java.io.File;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server for a test: started on a free port scraping one target, queried over its
 * HTTP API, and stopped on close or, should the test JVM be killed, by a shutdown hook.
 *
 * <p>The server is the Debian package {@code prometheus}, which {@code .ci/run} installs. Without
 * it a test is skipped with a reason, unless {@code splitemu.data} is set (the CI run), where a
 * missing server is a missing install step and fails.
 */
final class PrometheusServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Thread hook;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private PrometheusServer(Process process, Thread hook, int port, Path log) {
    this.process = process;
    this.hook = hook;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts a server with its config, store and log under {@code tmp}, scraping {@code
   * 127.0.0.1:targetPort} every {@code interval} with a timeout of {@code timeout} (Prometheus
   * durations, e.g. "500ms").
   */
  static PrometheusServer start(Path tmp, int targetPort, String interval, String timeout)
      throws IOException {
    return start(tmp, List.of(targetPort), interval, timeout);
  }

  /** A server as above scraping every port of {@code targetPorts} on 127.0.0.1 as one job. */
  static PrometheusServer start(
      Path tmp, List<Integer> targetPorts, String interval, String timeout) throws IOException {
    Path binary = binary();
    int port = MetricsContractTest.freePort();
    Path config = tmp.resolve("prometheus.yml");
    Files.writeString(
        config,
        "global:\n"
            + "  scrape_interval: "
            + interval
            + "\n"
            + "  scrape_timeout: "
            + timeout
            + "\n"
            + "scrape_configs:\n"
            + "  - job_name: splitemu\n"
            + "    static_configs:\n"
            + "      - targets: ["
            + String.join(", ", targetPorts.stream().map(p -> "'127.0.0.1:" + p + "'").toList())
            + "]\n");
    Path log = tmp.resolve("prometheus.log");
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    // A surefire fork killed on timeout runs no finally blocks: the hook keeps the server from
    // outliving it.
    Thread hook = new Thread(p::destroyForcibly, "prometheus-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
    return new PrometheusServer(p, hook, port, log);
  }

  /** The server's HTTP port. */
  int port() {
    return port;
  }

  /** The server's log, for a failure message. */
  String log() throws IOException {
    return Files.readString(log);
  }

  /** The {@code data} node of {@code GET pathAndQuery}; IOException when the server refuses. */
  JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + port + pathAndQuery);
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("HTTP " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).path("data");
  }

  /** The result of the instant query {@code promql}. */
  JsonNode query(String promql) throws IOException, InterruptedException {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
        .path("result");
  }

  /** The value of {@code promql}'s only series, or NaN while there is none (or no server yet). */
  double lastValue(String promql) throws InterruptedException {
    JsonNode r;
    try {
      r = query(promql);
    } catch (IOException e) {
      return Double.NaN; // the server is still starting
    }
    if (r.size() != 1) {
      return Double.NaN;
    }
    return Double.parseDouble(r.get(0).path("value").get(1).asText());
  }

  /**
   * Polls until {@code promql} returns a series (a wall-clock wait, not an assertion) and returns
   * the result; fails with the server's log after {@code limit}.
   */
  JsonNode waitFor(String promql, Duration limit) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        JsonNode r = query(promql);
        if (r.size() > 0) {
          return r;
        }
      } catch (IOException e) {
        last = e; // the server is still starting
      }
      Thread.sleep(250);
    }
    fail("Prometheus never stored " + promql + " (last error: " + last + "); its log:\n" + log());
    return null;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs anyway, on a process that has ended
    }
  }

  private static final String NO_SERVER =
      "no prometheus server on PATH (Debian package prometheus; or -Dsplitemu.prometheus=BINARY)";

  /** The prometheus server binary, or the reason the test cannot run. */
  static Path binary() {
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
      fail(CiSuite.missing(NO_SERVER));
    }
    Assumptions.abort(CiSuite.missing(NO_SERVER));
    return null;
  }
}
