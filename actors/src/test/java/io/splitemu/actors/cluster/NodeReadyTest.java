package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.metrics.Metrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /ready} on a member's metrics port, what deploy/k8s's readiness probes ask: 503 while the
 * node is not Up in a cluster (its seed not there yet), 200 once it is; {@code /metrics} serves
 * meanwhile. On an endpoint with no readiness (a run's) it is 404, and the other paths keep the
 * library's page.
 */
class NodeReadyTest {

  @TempDir Path tmp;

  /** A bound, not the expected time: a node JVM boots slowly on a loaded 2-core host. */
  private static final Duration UP = Duration.ofSeconds(60);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void ready503UntilTheNodeIsUp_then200() throws Exception {
    int seedPort = Ports.free();
    int metricsPort = Ports.free();
    try (LocalNodes nodes = new LocalNodes(tmp)) {
      LocalNodes.Node node =
          nodes.start(
              Map.of(),
              "--roles",
              "devices",
              "--seed-nodes",
              "127.0.0.1:" + seedPort,
              "--port",
              "0",
              "--metrics-port",
              Integer.toString(metricsPort));
      // The endpoint serves before the member joins; with no seed up it cannot be Up.
      long deadline = System.nanoTime() + UP.toNanos();
      int status;
      while ((status = status(metricsPort, "/ready")) < 0) {
        assertTrue(node.process().isAlive(), "the node exited: " + node.stderr());
        assertTrue(System.nanoTime() < deadline, "the endpoint did not serve");
        Thread.sleep(100);
      }
      assertEquals(503, status, "/ready before the node is Up");
      assertEquals(200, status(metricsPort, "/metrics"));
      Thread.sleep(1000);
      assertEquals(503, status(metricsPort, "/ready"), "/ready with no seed to join");

      ClusterConfig seedConfig =
          new ClusterConfig(
              Set.of("supervisor"),
              List.of(),
              ClusterConfig.DEFAULT_BIND,
              seedPort,
              Optional.empty());
      try (TestMember seed = TestMember.startFirst(seedConfig, ConfigFactory.empty(), UP)) {
        node.awaitUp(UP);
        seed.await(UP, "/ready 200", () -> status(metricsPort, "/ready") == 200);
      }
    }
  }

  @Test
  void readyIs404WithoutReadiness_200Or503WithIt_otherPathsUnchanged() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      int port = m.port();
      assertEquals(404, status(port, "/ready"));
      int page = status(port, "/");
      AtomicBoolean up = new AtomicBoolean(false);
      m.readiness(up::get);
      assertEquals(503, status(port, "/ready"));
      up.set(true);
      assertEquals(200, status(port, "/ready"));
      assertEquals(page, status(port, "/"));
      assertEquals(200, status(port, "/metrics"));
    }
  }

  /** The HTTP status of GET {@code path} on 127.0.0.1:{@code port}, or -1 with no answer. */
  private int status(int port, String path) {
    try {
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
