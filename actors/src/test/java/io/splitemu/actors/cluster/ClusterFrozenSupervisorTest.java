package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long-lived node serves run 1 when that run's supervisor JVM freezes (SIGSTOP: a paused or hung
 * JVM, unreachable but not downed yet), and run 2 is started on the same node: run 2 ends at its
 * load timeout with one line naming the node and the run and supervisor member the node waits for;
 * the node abandons run 2's load (it never builds a run that ended), run 1 goes on once its JVM is
 * resumed, and the node serves a third run normally. Real JVMs on 127.0.0.1.
 */
class ClusterFrozenSupervisorTest {

  @TempDir Path tmp;

  /**
   * The Split Brain Resolver waits 60 s: the frozen supervisor must stay undowned while run 2 loads
   * (had it been downed, the node would drop run 1 and load run 2, which is right too).
   */
  private static final List<String> JVM =
      ClusterLifecycleTest.withLabTimings(
          "-Xmx384m",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-Dsplitemu.cluster.sbr.stable-after=60s");

  private static List<String> run(Path out, int rounds, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "../scenarios/quickstart.conf",
                "--set",
                "rounds=" + rounds,
                "--set",
                "fidelity=timing",
                // The frozen JVM's wall-clock watchdog must not fire when it is resumed.
                "--set",
                "barrier.timeout=300s",
                "--out",
                out.toString(),
                "--cluster"));
    args.addAll(Arrays.asList(more));
    return args;
  }

  private static void signal(LocalNodes.Node n, String sig) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + sig, Long.toString(n.process().pid()))
            .redirectErrorStream(true)
            .start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill -" + sig);
    assertEquals(0, kill.exitValue(), "kill -" + sig + " " + n);
  }

  private static int rows(Path dir) throws Exception {
    Path f = dir.resolve("rounds.csv");
    return Files.exists(f) ? Files.readAllLines(f).size() - 1 : 0;
  }

  @Test
  void aFrozenSupervisorsRun_blocksAnotherRunsLoad_whichEndsNamingIt_andIsNeverBuilt()
      throws Exception {
    int[] p = {Ports.free(), Ports.free(), Ports.free(), Ports.free()};
    Arrays.sort(p); // the node lowest: the resolver's tie (node against run 1's member) keeps it
    String node = "127.0.0.1:" + p[0];
    String first = "127.0.0.1:" + p[1];
    try (LocalNodes nodes = new LocalNodes(tmp, JVM)) {
      LocalNodes.Node n =
          nodes.start(
              Map.of(), "--roles", "edge,hops,devices", "--seed-nodes", node, "--port", "" + p[0]);
      n.awaitUp(java.time.Duration.ofSeconds(90));
      Path one = tmp.resolve("one");
      LocalNodes.Node s1 =
          nodes.command(Map.of(), run(one, 100_000, "--seed-nodes", node, "--port", "" + p[1]));
      boolean stopped = false;
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (rows(one) < 2) {
          assertTrue(s1.process().isAlive(), "run 1 ended: " + s1.stderr());
          assertTrue(System.nanoTime() < deadline, "run 1 not at round 2: " + s1.stderr());
          Thread.sleep(20);
        }
        signal(s1, "STOP");
        stopped = true;
        int frozenAt = rows(one);

        // Run 2, on the node, while run 1's supervisor is frozen. Its load timeout (8 s) starts
        // only once its JVM booted and joined a cluster that has an unreachable member, and the
        // node tells it again while it waits: the failure detector (about 5 s) has marked run 1's
        // frozen supervisor unreachable by the timeout, as the line says.
        LocalNodes.Node s2 =
            nodes.command(
                Map.of(),
                run(
                    tmp.resolve("two"),
                    1,
                    "--seed-nodes",
                    node,
                    "--port",
                    "" + p[2],
                    "--set",
                    "cluster-run.load-timeout=8s"));
        long started = System.nanoTime();
        // The node waits for run 1's supervisor, and abandons run 2's load once run 2 ended at its
        // load timeout (unloaded): it never builds it, even after run 1's supervisor is back.
        Pattern abandoned =
            Pattern.compile(
                "cluster member "
                    + Pattern.quote(node)
                    + ": run (two-[-0-9a-z]+) ended while its load waited for run (one-[-0-9a-z]+)"
                    + " of the supervisor member "
                    + Pattern.quote(first)
                    + "; it was not built here");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Matcher gaveUp = abandoned.matcher("");
        while (!gaveUp.reset(n.stderr()).find()) {
          assertTrue(System.nanoTime() < deadline, "run 2's load not abandoned: " + n.stderr());
          Thread.sleep(50);
        }
        long endedAfter = (System.nanoTime() - started) / 1_000_000;
        String held = gaveUp.group(2);
        assertEquals(frozenAt, rows(one), "run 1 stood still while frozen");
        signal(s1, "CONT"); // run 1's JVM goes on, and run 2's JVM can leave the cluster
        stopped = false;

        assertTrue(s2.process().waitFor(60, TimeUnit.SECONDS), "run 2 exited: " + s2.stderr());
        assertEquals(1, s2.process().exitValue(), s2.stderr());
        String err = s2.stderr();
        assertEquals(1, err.split("splitemu: the cluster run did not start", -1).length - 1, err);
        assertTrue(
            err.contains(
                "splitemu: the cluster run did not start: cluster member "
                    + node
                    + " did not answer the run's load within 8 s"
                    + " (splitemu.cluster-run.load-timeout); it waits for run "
                    + held
                    + " of the supervisor member "
                    + first
                    + ", which is unreachable ("),
            err);
        // Its load timeout, from the JVM's start (joining the cluster included), and no more.
        assertTrue(endedAfter < 45_000, "run 2 ended " + endedAfter + " ms after its start");

        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (rows(one) < frozenAt + 3) {
          assertTrue(s1.process().isAlive(), "run 1 ended: " + s1.stderr());
          assertTrue(System.nanoTime() < deadline, "run 1 did not go on: " + s1.stderr());
          Thread.sleep(50);
        }
        s1.process().destroy(); // SIGTERM: run 1's JVM leaves, and the node drops run 1
        assertTrue(s1.process().waitFor(60, TimeUnit.SECONDS), "run 1's JVM exited");
      } finally {
        if (stopped) {
          signal(s1, "CONT"); // a stopped JVM would not act on the SIGTERM of close()
        }
      }

      // A third run on the node loads and finishes: nothing of run 2 or run 1 is left there.
      Path three = tmp.resolve("three");
      LocalNodes.Node s3 =
          nodes.command(Map.of(), run(three, 1, "--seed-nodes", node, "--port", "" + p[3]));
      assertTrue(s3.process().waitFor(90, TimeUnit.SECONDS), "run 3 ended: " + s3.stderr());
      assertEquals(0, s3.process().exitValue(), s3.stderr());
      assertEquals(1, rows(three));
      assertTrue(n.process().isAlive(), n.stderr());
      assertFalse(n.stderr().contains("downed this member"), n.stderr());
    }
  }
}
