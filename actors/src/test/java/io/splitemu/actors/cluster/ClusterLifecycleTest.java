package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.runtime.ClusterMember;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The life of the supervisor's JVM of {@code run --cluster} in a cluster, with real JVMs on
 * 127.0.0.1: a finished run leaves the cluster gracefully (the node that stays is never downed);
 * SIGTERM while the run waits for members ends it at once with exit 143; the join and load timeouts
 * say what is missing, and a member gone while it loads ends the run at once, named.
 */
class ClusterLifecycleTest {

  @TempDir Path tmp;

  /**
   * Member JVMs with the Split Brain Resolver at 3 s: a member that vanished without leaving would
   * be downed within about 8 s (failure detection, then stable-after).
   */
  private static final List<String> JVM =
      withLabTimings(
          "-Xmx384m",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-Dsplitemu.cluster.sbr.stable-after=3s");

  /** {@code options} and the {@link LabTimings} of every member of these clusters. */
  static List<String> withLabTimings(String... options) {
    List<String> all = new ArrayList<>(List.of(options));
    all.addAll(LabTimings.jvmOptions());
    return List.copyOf(all);
  }

  /** Failure detection and the resolver's 3 s, with a margin: a downed member is gone by then. */
  private static final Duration DOWNED_BY = Duration.ofSeconds(14);

  private static List<String> oneRound(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "../scenarios/quickstart.conf",
                "--set",
                "rounds=1",
                "--set",
                "fidelity=timing"));
    args.addAll(Arrays.asList(more));
    return args;
  }

  /** Three free ports, ascending: the Split Brain Resolver's tie goes to the lowest address. */
  private static int[] ports() throws Exception {
    int[] p = {Ports.free(), Ports.free(), Ports.free()};
    Arrays.sort(p);
    return p;
  }

  @Test
  void aFinishedRunLeavesTheCluster_andSigtermBeforeTheStartEndsAtOnceAndLeavesToo()
      throws Exception {
    int[] p = ports();
    try (LocalNodes nodes = new LocalNodes(tmp, JVM)) {
      // The supervisor is the seed, at a lower address than the node: had it vanished rather than
      // left, the node (alone, a tie) would be downed by its own resolver.
      LocalNodes.Node run =
          nodes.command(
              Map.of(),
              oneRound("--out", tmp.resolve("first").toString(), "--cluster", "--port", "" + p[0]));
      LocalNodes.Node node =
          nodes.start(
              Map.of(),
              "--roles",
              "edge,devices",
              "--seed-nodes",
              "127.0.0.1:" + p[0],
              "--port",
              "" + p[2]);
      node.awaitUp(Duration.ofSeconds(90));
      assertTrue(run.process().waitFor(3, TimeUnit.MINUTES), "the run ended: " + run.stderr());
      assertEquals(0, run.process().exitValue(), run.stderr());
      assertFalse(run.stderr().contains("already been terminated"), run.stderr());

      // A second run joins the node's cluster and waits for a third member; SIGTERM ends it at
      // once (not after the join timeout), and it leaves the cluster too. The node is watched from
      // the first supervisor's end to DOWNED_BY after the second's: the first left gracefully, so
      // the node saw it removed and was never downed (had it vanished, the node's resolver would
      // down the node within DOWNED_BY of its end). A downed node's JVM exits, so the node still
      // up at the watch's end was up all along, and the two watches are one.
      LocalNodes.Node waiting =
          nodes.command(
              Map.of(),
              oneRound(
                  "--out",
                  tmp.resolve("second").toString(),
                  "--cluster",
                  "--seed-nodes",
                  "127.0.0.1:" + p[2],
                  "--port",
                  "" + p[1],
                  "--min-members",
                  "3"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!waiting.stderr().contains("supervisor member up at")) {
        assertTrue(waiting.process().isAlive(), "ended early: " + waiting.stderr());
        assertTrue(System.nanoTime() < deadline, "not up: " + waiting.stderr());
        Thread.sleep(50);
      }
      Thread.sleep(4000); // joined the node's cluster, waiting for a third member
      assertTrue(waiting.process().isAlive(), "ended early: " + waiting.stderr());
      waiting.process().destroy(); // SIGTERM
      assertTrue(
          waiting.process().waitFor(30, TimeUnit.SECONDS),
          "SIGTERM ended the waiting run at once: " + waiting.stderr());
      assertEquals(143, waiting.process().exitValue(), waiting.stderr());
      String err = waiting.stderr();
      assertTrue(err.contains("splitemu: stopped by SIGTERM before the run started"), err);
      assertFalse(err.contains("run stopped in round"), err);
      assertFalse(err.contains("already been terminated"), err);
      assertFalse(Files.exists(tmp.resolve("second")), "results folder left");
      // Its start-up line points further members at the seed it joined, not at itself.
      assertTrue(
          err.contains(
              "; waiting until 3 members serve, this one included (splitemu node --seed-nodes"
                  + " 127.0.0.1:"
                  + p[2]
                  + ")"),
          err);
      stillUp(node, System.nanoTime());
    }
  }

  /**
   * The node is still running {@link #DOWNED_BY} after {@code since} (nanoTime): not downed then or
   * before (a downed member's JVM exits).
   */
  private static void stillUp(LocalNodes.Node node, long since) throws Exception {
    while (System.nanoTime() < since + DOWNED_BY.toNanos()) {
      assertTrue(node.process().isAlive(), "the node was downed: " + node.stderr());
      Thread.sleep(200);
    }
    assertFalse(node.stderr().contains("downed this member"), node.stderr());
  }

  @Test
  void joinAndLoadTimeouts_sayWhatIsMissing_andAMemberGoneWhileLoadingEndsTheRunAtOnce()
      throws Exception {
    int[] p = ports();
    try (LocalNodes nodes = new LocalNodes(tmp, JVM)) {
      // Alone, as the seed: nobody joins, and the line says why members might not. It is a
      // cluster of its own (its only seed is itself), so it boots while the cases below run.
      LocalNodes.Node alone =
          nodes.command(
              Map.of(),
              oneRound(
                  "--out",
                  tmp.resolve("alone").toString(),
                  "--cluster",
                  "--port",
                  "" + p[0],
                  "--set",
                  "cluster-run.join-timeout=2s"));
      // A member (this JVM's) that is told to load the run and never answers.
      AtomicInteger loads = new AtomicInteger();
      ActorSystem<Void> silent =
          ActorSystem.create(
              silentMember(loads),
              ClusterConfig.SYSTEM_NAME,
              new ClusterConfig(
                      Set.of("edge"), List.of(), ClusterConfig.DEFAULT_BIND, p[1], Optional.empty())
                  .toConfig(ConfigFactory.parseString(String.join("\n", LabTimings.hocon()))));
      try {
        Cluster c = Cluster.get(silent);
        c.manager().tell(Join.create(c.selfMember().address()));
        String member = "127.0.0.1:" + p[1];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (c.selfMember().status() != MemberStatus.up()) {
          assertTrue(System.nanoTime() < deadline, "the silent member is not up");
          Thread.sleep(50);
        }

        LocalNodes.Node timedOut =
            nodes.command(
                Map.of(),
                oneRound(
                    "--out",
                    tmp.resolve("timed-out").toString(),
                    "--cluster",
                    "--seed-nodes",
                    member,
                    "--port",
                    "" + p[2],
                    "--set",
                    "cluster-run.load-timeout=3s"));
        assertTrue(timedOut.process().waitFor(90, TimeUnit.SECONDS), "ended: " + timedOut.stderr());
        assertEquals(1, timedOut.process().exitValue(), timedOut.stderr());
        String err = timedOut.stderr();
        assertTrue(
            err.contains(
                "splitemu: the cluster run did not start: cluster member "
                    + member
                    + " did not answer the run's load within 3 s"
                    + " (splitemu.cluster-run.load-timeout)"),
            err);
        assertEquals(1, loads.get(), "the silent member was told to load the run once");

        // The same with the default load timeout (120 s): the member leaves while it loads, and
        // the run ends at once, naming it.
        LocalNodes.Node left =
            nodes.command(
                Map.of(),
                oneRound(
                    "--out",
                    tmp.resolve("left").toString(),
                    "--cluster",
                    "--seed-nodes",
                    member,
                    "--port",
                    "0"));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (loads.get() < 2) {
          assertTrue(left.process().isAlive(), "ended early: " + left.stderr());
          assertTrue(System.nanoTime() < deadline, "no load within 90 s: " + left.stderr());
          Thread.sleep(20);
        }
        c.manager().tell(Leave.create(c.selfMember().address()));
        assertTrue(
            left.process().waitFor(30, TimeUnit.SECONDS),
            "the run ended at once when its loading member left: " + left.stderr());
        assertEquals(1, left.process().exitValue(), left.stderr());
        err = left.stderr();
        assertTrue(
            err.contains(
                "splitemu: the cluster run did not start: cluster member "
                    + member
                    + " left the cluster or was downed while it loaded the run"),
            err);
      } finally {
        silent.terminate();
        silent.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }

      assertTrue(alone.process().waitFor(90, TimeUnit.SECONDS), "ended: " + alone.stderr());
      assertEquals(1, alone.process().exitValue(), alone.stderr());
      String said = alone.stderr();
      assertTrue(
          said.contains(
              "splitemu: the cluster run did not start: fewer than 2 cluster members joined"
                  + " within 2 s"
                  + " (splitemu.cluster-run.join-timeout)"),
          said);
      assertTrue(said.contains("members still up from an earlier cluster"), said);
      assertTrue(said.contains("restart them, or give this run --seed-nodes"), said);
      // Nothing was recorded: no folder is left to block a retry with the same --out.
      assertTrue(said.contains("nothing was recorded, so no results folder is left"), said);
      assertFalse(said.contains("rounds recorded so far"), said);
      assertFalse(Files.exists(tmp.resolve("alone")), "results folder left");
    }
  }

  @Test
  void aBadTimeoutIsOneLineNamingItsKey() {
    Path quickstart = Path.of("../scenarios/quickstart.conf");
    assertEquals(
        io.splitemu.actors.config.ClusterRunSettings.DEFAULT,
        io.splitemu.actors.config.ClusterRunSettings.of(
            io.splitemu.actors.config.Settings.load(quickstart, List.of())));
    assertEquals(
        Duration.ofMillis(2500),
        io.splitemu.actors.config.ClusterRunSettings.of(
                io.splitemu.actors.config.Settings.load(
                    quickstart, List.of("cluster-run.load-timeout=2.5s")))
            .loadTimeout());
    for (String bad :
        List.of(
            "cluster-run.join-timeout=0s",
            "cluster-run.load-timeout=-3s",
            "cluster-run.load-timeout=300d",
            "cluster-run.join-timeout=soon")) {
      var e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.splitemu.actors.config.SettingsException.class,
              () ->
                  io.splitemu.actors.runtime.Emulation.prepare(
                      io.splitemu.actors.config.Settings.load(quickstart, List.of(bad))),
              bad);
      String key = "splitemu." + bad.substring(0, bad.indexOf('='));
      assertTrue(e.getMessage().contains(key + ": "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  /** A member's guardian whose loader is listed by the Receptionist and never answers a Load. */
  private static Behavior<Void> silentMember(AtomicInteger loads) {
    return Behaviors.setup(
        ctx -> {
          var loader =
              ctx.spawn(
                  Behaviors.<ClusterMember.Command>receiveMessage(
                      m -> {
                        if (m instanceof ClusterMember.Load) {
                          loads.incrementAndGet();
                        }
                        return Behaviors.same();
                      }),
                  "silent-loader");
          ctx.getSystem().receptionist().tell(Receptionist.register(ClusterMember.KEY, loader));
          return Behaviors.empty();
        });
  }
}
