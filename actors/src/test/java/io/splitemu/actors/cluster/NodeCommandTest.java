package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.cli.Main;
import io.splitemu.actors.cli.NodeCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code splitemu node}: its usage errors are one line with exit code 2 (in this JVM); two node
 * JVMs and this JVM's member form a three-member cluster with the roles given; SIGTERM makes a node
 * leave gracefully (Leaving, Exiting, Removed, no downing) and its JVM exit; a node the cluster
 * downs exits with one line.
 */
class NodeCommandTest {

  @TempDir Path tmp;

  /** A bound, not the expected time (about 10 s): a node JVM boots slowly on a loaded 2-core CI. */
  private static final Duration UP = Duration.ofSeconds(60);

  /** The system property bounding a node's wait for its --bind name. */
  private static final String BIND_WAIT = NodeCommand.BIND_WAIT_PROPERTY;

  record Result(int code, String out, String err) {}

  static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  /** Runs {@code node args...} and asserts exit code 2 with exactly {@code line} on stderr. */
  private static void usage(String line, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "node";
    System.arraycopy(args, 0, all, 1, args.length);
    Result r = cli(all);
    assertEquals(2, r.code(), r.err());
    assertEquals(line + "\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void badRole_oneLineExit2() {
    usage(
        "splitemu: --roles boss: unknown role; a node serves edge, devices, hops",
        "--roles",
        "devices,boss",
        "--seed-nodes",
        "127.0.0.1:2552");
    usage(
        "splitemu: --roles supervisor: the supervisor is the JVM of `splitemu run --cluster`; a"
            + " node serves edge, devices, hops",
        "--roles",
        "supervisor",
        "--seed-nodes",
        "127.0.0.1:2552");
    // DESIGN.md writes `node --role ...`: the singular is the same option.
    usage(
        "splitemu: --roles boss: unknown role; a node serves edge, devices, hops",
        "--role",
        "boss",
        "--seed-nodes",
        "127.0.0.1:2552");
  }

  @Test
  void badSeed_oneLineExit2() {
    usage(
        "splitemu: --seed-nodes 127.0.0.1: expected HOST:PORT",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1");
    usage(
        "splitemu: --seed-nodes 127.0.0.1:70000: port out of range 1..65535",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552,127.0.0.1:70000");
    usage(
        "splitemu: --seed-nodes lab_host:2552: expected a host name or an IPv4 address before the"
            + " port",
        "--roles",
        "devices",
        "--seed-nodes",
        "lab_host:2552");
    usage(
        "splitemu: --seed-nodes: required; give HOST:PORT of at least one member to join",
        "--roles",
        "devices");
  }

  @Test
  void badBindOrPort_oneLineExit2() {
    usage(
        "splitemu: --bind 0.0.0.0: give the address other members reach this one at, not a"
            + " wildcard",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552",
        "--bind",
        "0.0.0.0");
    usage(
        "splitemu: --port -1: expected 0 (a free port) to 65535",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552",
        "--port",
        "-1");
  }

  @Test
  void unresolvableOrForeignBind_oneLineExit2_nodeAndClusterRun() {
    // With the default --port 0 (no port probe before Artery), Artery failed with a stack trace.
    // A node waits for a name to resolve (below); with no wait it is refused at once.
    System.setProperty(BIND_WAIT, "0s");
    try {
      usage(
          "splitemu: --bind nosuchhost.invalid: cannot resolve host",
          "--roles",
          "devices",
          "--seed-nodes",
          "127.0.0.1:1",
          "--bind",
          "nosuchhost.invalid");
    } finally {
      System.clearProperty(BIND_WAIT);
    }
    usage(
        "splitemu: --bind 255.255.255.255: not an address of this machine (255.255.255.255); give"
            + " one that a network interface here has",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:1",
        "--bind",
        "255.255.255.255");
    // The supervisor of a cluster run takes the same options (exit 70 and a trace before).
    for (String bind : new String[] {"nosuchhost.invalid", "255.255.255.255"}) {
      Result r = cli("run", "../scenarios/quickstart.conf", "--cluster", "--bind", bind);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().startsWith("splitemu: --bind " + bind + ": "), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
  }

  /**
   * A Kubernetes pod's own DNS name may resolve only after the pod started (or to its previous
   * pod's address from a stale cache): a node looks a {@code --bind} name up again for a bounded
   * time, saying so in one line, and only then refuses it as before. A literal address that is not
   * this machine's is refused at once, and a cluster run does not wait.
   */
  @Test
  void bindNameThatDoesNotResolveYet_nodeWaitsABoundedTimeWithOneLine_thenRefuses() {
    System.setProperty(BIND_WAIT, "2s");
    try {
      long start = System.nanoTime();
      Result r =
          cli(
              "node",
              "--roles",
              "devices",
              "--seed-nodes",
              "127.0.0.1:1",
              "--bind",
              "nosuchhost.invalid");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertEquals(2, r.code(), r.err());
      assertEquals(
          "splitemu: --bind nosuchhost.invalid: waiting up to 2 s for it to resolve to an address"
              + " of this machine\n"
              + "splitemu: --bind nosuchhost.invalid: cannot resolve host\n",
          r.err());
      assertEquals("", r.out());
      assertTrue(
          took.compareTo(Duration.ofSeconds(2)) >= 0 && took.compareTo(Duration.ofSeconds(30)) < 0,
          took::toString);

      start = System.nanoTime();
      usage(
          "splitemu: --bind 255.255.255.255: not an address of this machine (255.255.255.255); give"
              + " one that a network interface here has",
          "--roles",
          "devices",
          "--seed-nodes",
          "127.0.0.1:1",
          "--bind",
          "255.255.255.255");
      Result run =
          cli("run", "../scenarios/quickstart.conf", "--cluster", "--bind", "nosuchhost.invalid");
      assertEquals(2, run.code(), run.err());
      assertEquals("splitemu: --bind nosuchhost.invalid: cannot resolve host\n", run.err());
      took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "did not refuse at once: " + took);
    } finally {
      System.clearProperty(BIND_WAIT);
    }
  }

  @Test
  void unresolvableSeed_oneWarningLine_beforeTheMemberStarts() {
    // Not an error (in containers a seed's name resolves only once its member runs): one line.
    // The stray --metrics-bind stops the command right after the cluster options are checked.
    Result r =
        cli(
            "node",
            "--roles",
            "devices",
            "--seed-nodes",
            "127.0.0.1:1,nosuchhost.invalid:2552",
            "--metrics-bind",
            "127.0.0.1");
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "splitemu: --seed-nodes nosuchhost.invalid:2552: cannot resolve host (yet); trying to"
            + " join until it does\n"
            + "splitemu: --metrics-bind: only with --metrics-port\n",
        r.err());
  }

  @Test
  void missingKeyStore_oneLineExit2() throws Exception {
    Path pw = Files.writeString(tmp.resolve("pw"), "secret\n");
    Path missing = tmp.resolve("missing.p12");
    usage(
        "splitemu: --tls-keystore " + missing + ": no such file",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552",
        "--tls-keystore",
        missing.toString(),
        "--tls-truststore",
        pw.toString(),
        "--tls-password-file",
        pw.toString());
    Path noPassword = tmp.resolve("no-such-password");
    usage(
        "splitemu: --tls-password-file " + noPassword + ": no such file",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552",
        "--tls-keystore",
        pw.toString(),
        "--tls-truststore",
        pw.toString(),
        "--tls-password-file",
        noPassword.toString());
  }

  @Test
  void expiredOrUntrustedKey_oneLineExit2_beforeTheMemberStarts() throws Exception {
    TestKeys keys = TestKeys.get();
    Path pw = Files.writeString(tmp.resolve("pw"), keys.password() + "\n");
    Path expired = keys.expiredKeyStore();
    Result r =
        cli(
            "node",
            "--roles",
            "devices",
            "--seed-nodes",
            "127.0.0.1:2552",
            "--tls-keystore",
            expired.toString(),
            "--tls-truststore",
            keys.trustStore().toString(),
            "--tls-password-file",
            pw.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(
        r.err()
            .matches(
                "splitemu: --tls-keystore \\Q"
                    + expired
                    + "\\E: certificate CN=expired expired on [0-9T:-]{19}Z\n"),
        r.err());
    usage(
        "splitemu: --tls-keystore "
            + keys.intruderKeyStore()
            + ": its key's certificate CN=intruder is not signed by a CA in --tls-truststore "
            + keys.trustStore(),
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552",
        "--tls-keystore",
        keys.intruderKeyStore().toString(),
        "--tls-truststore",
        keys.trustStore().toString(),
        "--tls-password-file",
        pw.toString());
  }

  @Test
  void pinnedLayoutKeyNotInItsOwnTrustStore_oneWarningLine_notARefusal() throws Exception {
    TestKeys keys = TestKeys.get();
    Path pw = Files.writeString(tmp.resolve("pw"), keys.password() + "\n");
    // The stray --metrics-bind stops the command right after the cluster options are checked.
    Result r =
        cli(
            "node",
            "--roles",
            "devices",
            "--seed-nodes",
            "127.0.0.1:2552",
            "--tls-keystore",
            keys.peerKeyStore().toString(),
            "--tls-truststore",
            keys.pinnedTrustStore().toString(),
            "--tls-password-file",
            pw.toString(),
            "--metrics-bind",
            "127.0.0.1");
    assertEquals(2, r.code(), r.err());
    assertEquals(
        "splitemu: --tls-keystore "
            + keys.peerKeyStore()
            + ": its key's certificate CN=peer is not in --tls-truststore "
            + keys.pinnedTrustStore()
            + ": peers must trust it in theirs\n"
            + "splitemu: --metrics-bind: only with --metrics-port\n",
        r.err());
  }

  @Test
  void metricsPortOutOfRangeOrInUse_oneLine_beforeTheMemberStarts() throws Exception {
    usage(
        "splitemu: --metrics-port 70000: expected 0 to 65535",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552",
        "--metrics-port",
        "70000");
    usage(
        "splitemu: --metrics-bind: only with --metrics-port",
        "--roles",
        "devices",
        "--seed-nodes",
        "127.0.0.1:2552",
        "--metrics-bind",
        "127.0.0.1");
    whilePortTaken(
        port ->
            new String[] {
              "--roles", "devices", "--seed-nodes", "127.0.0.1:2552", "--metrics-port", "" + port
            },
        port ->
            "splitemu: --metrics-bind 127.0.0.1 --metrics-port "
                + port
                + ": cannot serve metrics on 127.0.0.1:"
                + port
                + ": Address already in use");
  }

  @Test
  void portInUse_oneLineExit1() throws Exception {
    whilePortTaken(
        port ->
            new String[] {
              "--roles", "devices", "--seed-nodes", "127.0.0.1:" + port, "--port", "" + port
            },
        port ->
            "splitemu: --bind 127.0.0.1 --port "
                + port
                + ": cannot bind 127.0.0.1:"
                + port
                + " (Address already in use)");
  }

  /**
   * Runs {@code node args(port)} while another socket holds {@code port} on 127.0.0.1, and asserts
   * exit code 1 with exactly {@code line(port)} on stderr and nothing on stdout.
   */
  private static void whilePortTaken(IntFunction<String[]> args, IntFunction<String> line)
      throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      int port = taken.getLocalPort();
      String[] rest = args.apply(port);
      String[] all = new String[rest.length + 1];
      all[0] = "node";
      System.arraycopy(rest, 0, all, 1, rest.length);
      Result r = cli(all);
      assertEquals(1, r.code(), r.err());
      assertEquals(line.apply(port) + "\n", r.err());
      assertEquals("", r.out());
    }
  }

  @Test
  void twoNodesAndThisJvm_formAThreeMemberCluster_sigtermLeavesGracefully_downedNodeExits()
      throws Exception {
    int seedPort = TestMember.freePort();
    String seedAddress = "127.0.0.1:" + seedPort;
    ClusterConfig seedConfig =
        new ClusterConfig(
            Set.of("supervisor"),
            List.of(),
            ClusterConfig.DEFAULT_BIND,
            seedPort,
            Optional.empty());
    // The node JVMs boot while this JVM's member starts; they retry until it listens.
    try (LocalNodes nodes = new LocalNodes(tmp)) {
      LocalNodes.Node devices =
          nodes.start(Map.of(), "--roles", "devices", "--seed-nodes", seedAddress, "--port", "0");
      LocalNodes.Node edgeHops =
          nodes.start(Map.of(), "--roles", "edge,hops", "--seed-nodes", seedAddress);
      try (TestMember seed = TestMember.startFirst(seedConfig, ConfigFactory.empty(), UP)) {
        membersAndLeaving(seed, devices, edgeHops);
      }
    }
  }

  private static void membersAndLeaving(
      TestMember seed, LocalNodes.Node devices, LocalNodes.Node edgeHops) throws Exception {
    ClusterConfig.HostPort d = devices.awaitUp(UP);
    ClusterConfig.HostPort e = edgeHops.awaitUp(UP);
    assertEquals(
        "splitemu node: up at 127.0.0.1:" + d.port() + " with roles devices\n", devices.stdout());
    assertEquals(
        "splitemu node: up at 127.0.0.1:" + e.port() + " with roles edge,hops\n",
        edgeHops.stdout());
    assertTrue(d.port() > 0 && e.port() > 0 && d.port() != e.port(), d + " " + e);

    seed.await(UP, "three members Up", () -> seed.upMembers().size() == 3);
    assertEquals(
        Map.of(
            seed.seed(), Set.of("supervisor"),
            d.toString(), Set.of("devices"),
            e.toString(), Set.of("edge", "hops")),
        seed.upMembers());

    devices.process().destroy(); // SIGTERM
    assertTrue(devices.process().waitFor(20, TimeUnit.SECONDS), "the node did not exit on SIGTERM");
    String gone = d.toString();
    seed.await(
        UP,
        "the node removed",
        () -> seed.members().stream().noneMatch(m -> TestMember.hostPort(m).equals(gone)));
    seed.await(
        UP,
        "its MemberRemoved event",
        () -> seed.events().stream().anyMatch(ev -> ev instanceof ClusterEvent.MemberRemoved));
    List<ClusterEvent.MemberEvent> its =
        seed.events().stream().filter(ev -> TestMember.hostPort(ev.member()).equals(gone)).toList();
    // A graceful leave: Leaving, then Exiting, then Removed from Exiting; never Down.
    assertTrue(its.stream().anyMatch(ev -> ev instanceof ClusterEvent.MemberLeft), its::toString);
    assertTrue(its.stream().anyMatch(ev -> ev instanceof ClusterEvent.MemberExited), its::toString);
    assertTrue(
        its.stream()
            .anyMatch(
                ev ->
                    ev instanceof ClusterEvent.MemberRemoved r
                        && r.previousStatus() == MemberStatus.exiting()),
        its::toString);
    assertFalse(
        its.stream().anyMatch(ev -> ev instanceof ClusterEvent.MemberDowned), its::toString);
    assertEquals(Set.of(seed.seed(), e.toString()), seed.upMembers().keySet());
    // The JVM's status after SIGTERM (128 + 15), with no error logged.
    assertEquals(143, devices.process().exitValue(), devices.stderr());
    assertFalse(devices.stderr().contains(" ERROR "), devices.stderr());

    // Downed by the cluster (as the resolver downs an unreachable member): the node's
    // coordinated shutdown ends it with one line and status 1.
    seed.down(e.toString());
    assertTrue(edgeHops.process().waitFor(20, TimeUnit.SECONDS), "the downed node did not exit");
    assertEquals(1, edgeHops.process().exitValue(), edgeHops.stderr());
    assertTrue(
        edgeHops
            .stderr()
            .endsWith(
                "splitemu node: stopped; the cluster downed this member (it was unreachable,"
                    + " or on the minority side of a partition)\n"),
        edgeHops.stderr());
    assertEquals(Map.of(seed.seed(), Set.of("supervisor")), seed.upMembers());
  }
}
