package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds of deploy/'s compose and Kubernetes files, with plain JVMs on 127.0.0.1: two long-lived
 * nodes are every member's seeds, the first (edge+hops) starts the cluster. Killed (SIGKILL, as a
 * crash or a member downed on the minority side ends) and started again with the same options, the
 * first seed joins the running cluster at the second rather than starting a cluster of its own:
 * every member's endpoint counts three members up and none unreachable. (As the only seed, the
 * restarted member joined itself at once: it saw one member up, the others two, and every later run
 * waited for members that never came.)
 */
class SeedRestartTest {

  @TempDir Path tmp;

  /** A bound, not the expected time: a node JVM boots slowly on a loaded 2-core host. */
  private static final Duration UP = Duration.ofSeconds(60);

  private static final List<String> JVM =
      ClusterLifecycleTest.withLabTimings(
          "-Xmx192m",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-Dsplitemu.cluster.sbr.stable-after=3s");

  private static final Pattern UP_MEMBERS =
      Pattern.compile(
          "(?m)^splitemu_cluster_members\\{[^}]*status=\"up\"[^}]*\\} (\\d+(?:\\.\\d+)?)");

  private static final Pattern UNREACHABLE =
      Pattern.compile("(?m)^splitemu_cluster_unreachable_members\\{[^}]*\\} (\\d+(?:\\.\\d+)?)");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void aRestartedFirstSeedRejoinsTheRunningClusterAtTheSecondSeed() throws Exception {
    int firstPort = Ports.free();
    int secondPort = Ports.free();
    String seeds = "127.0.0.1:" + firstPort + ",127.0.0.1:" + secondPort;
    int[] metrics = {Ports.free(), Ports.free(), Ports.free()};
    try (LocalNodes nodes = new LocalNodes(tmp, JVM)) {
      LocalNodes.Node first = edgeHops(nodes, seeds, firstPort, metrics[0]);
      LocalNodes.Node second = devices(nodes, seeds, secondPort, metrics[1]);
      LocalNodes.Node third = devices(nodes, seeds, 0, metrics[2]);
      for (LocalNodes.Node n : List.of(first, second, third)) {
        n.awaitUp(UP);
      }
      awaitThreeUpEverywhere(metrics, "at the start");

      // A crash of the first seed, then the same command again (restart: on-failure, or the
      // StatefulSet's new pod).
      first.process().destroyForcibly();
      assertTrue(first.process().waitFor(10, TimeUnit.SECONDS), "the first seed did not die");
      long restarted = System.nanoTime();
      // Its metrics on another port: the dead JVM's scrape connections may hold the old one.
      metrics[0] = Ports.free();
      LocalNodes.Node again = edgeHops(nodes, seeds, firstPort, metrics[0]);
      again.awaitUp(UP);
      awaitThreeUpEverywhere(metrics, "after the first seed's restart");
      Duration took = Duration.ofNanos(System.nanoTime() - restarted);
      System.out.println("SeedRestartTest: three members up everywhere " + took + " after restart");
      assertTrue(second.process().isAlive() && third.process().isAlive(), "a member exited");
    }
  }

  private static LocalNodes.Node edgeHops(LocalNodes nodes, String seeds, int port, int metrics)
      throws Exception {
    return node(nodes, "edge,hops", seeds, port, metrics);
  }

  private static LocalNodes.Node devices(LocalNodes nodes, String seeds, int port, int metrics)
      throws Exception {
    return node(nodes, "devices", seeds, port, metrics);
  }

  private static LocalNodes.Node node(
      LocalNodes nodes, String roles, String seeds, int port, int metrics) throws Exception {
    return nodes.start(
        Map.of(),
        "--roles",
        roles,
        "--seed-nodes",
        seeds,
        "--port",
        Integer.toString(port),
        "--metrics-port",
        Integer.toString(metrics));
  }

  /** Waits until every endpoint counts three members up and none unreachable. */
  private void awaitThreeUpEverywhere(int[] metrics, String when) throws Exception {
    long deadline = System.nanoTime() + UP.toNanos();
    Map<Integer, String> seen = new LinkedHashMap<>();
    while (true) {
      boolean all = true;
      for (int port : metrics) {
        String view = view(port);
        seen.put(port, view);
        all &= view.equals("up=3 unreachable=0");
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        assertEquals(
            List.of("up=3 unreachable=0", "up=3 unreachable=0", "up=3 unreachable=0"),
            new ArrayList<>(seen.values()),
            "members up and unreachable " + when + " at the endpoints " + seen.keySet());
      }
      Thread.sleep(200);
    }
  }

  /** "up=N unreachable=M" as the member serving metrics on {@code port} sees it. */
  private String view(int port) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return "up=" + value(UP_MEMBERS, r.body()) + " unreachable=" + value(UNREACHABLE, r.body());
    } catch (Exception e) {
      return "no answer (" + e.getClass().getSimpleName() + ")";
    }
  }

  private static String value(Pattern p, String body) {
    Matcher m = p.matcher(body);
    return m.find() ? Integer.toString((int) Double.parseDouble(m.group(1))) : "?";
  }
}
