package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artery over TLS with keys made by keytool as docs/cluster.md says: a node with a key signed by
 * the lab's CA joins this JVM's TLS member; a node whose key the members do not trust is refused at
 * the TLS handshake and never becomes a member, while the cluster keeps its two members.
 */
class ClusterTlsTest {

  @TempDir Path tmp;

  /** A bound, not the expected time (about 10 s): a node JVM boots slowly on a loaded 2-core CI. */
  private static final Duration UP = Duration.ofSeconds(60);

  /** How long the untrusted node is watched after its first refusal: more join attempts. */
  private static final Duration REFUSED_FOR = Duration.ofSeconds(6);

  /**
   * The node JVMs: a bare member's, with the {@link LabTimings} of every member of these clusters
   * and Pekko's seed-node-timeout at 1 s (5 s by default). They boot before this JVM's seed
   * listens, and a member retries its join, and Pekko warns that no seed answered (after two
   * unanswered attempts), at that timeout: by default the trusted node joined up to 5 s after the
   * seed was up, and the plain member's hint came about 10 s after its boot. What is asserted does
   * not depend on it: the hint is said once however often Pekko warns (eleven warnings before the
   * hint was checked in one run at 1 s), and the intruder is watched for REFUSED_FOR after its
   * first refusal as before.
   */
  private static final List<String> NODE_JVM = nodeJvm();

  private static List<String> nodeJvm() {
    List<String> options = new java.util.ArrayList<>(LocalNodes.SMALL_JVM);
    options.addAll(LabTimings.jvmOptions());
    options.add("-Dpekko.cluster.seed-node-timeout=1s");
    return List.copyOf(options);
  }

  /** This JVM's seed: the {@link LabTimings} of the node JVMs. */
  private static final com.typesafe.config.Config SEED_SETTINGS =
      ConfigFactory.parseString(String.join("\n", LabTimings.hocon()));

  @Test
  void trustedNodeJoins_untrustedNodeNeverBecomesAMember() throws Exception {
    TestKeys keys = TestKeys.get();
    int seedPort = TestMember.freePort();
    String seedAddress = "127.0.0.1:" + seedPort;
    ClusterConfig seedConfig =
        new ClusterConfig(
            Set.of("supervisor"),
            List.of(),
            ClusterConfig.DEFAULT_BIND,
            seedPort,
            Optional.of(
                new ClusterConfig.Tls(keys.memberKeyStore(), keys.trustStore(), keys.password())));
    Map<String, String> env = Map.of(ClusterConfig.PASSWORD_ENV, keys.password());
    // The node JVMs boot while this JVM's member starts; they retry until it listens.
    try (LocalNodes nodes = new LocalNodes(tmp, NODE_JVM)) {
      LocalNodes.Node trusted =
          nodes.start(
              env,
              "--roles",
              "devices",
              "--seed-nodes",
              seedAddress,
              "--tls-keystore",
              keys.memberKeyStore().toString(),
              "--tls-truststore",
              keys.trustStore().toString());
      // The intruder trusts the lab's CA (and its own certificate, so that it starts): only its own
      // key stands between it and the cluster.
      LocalNodes.Node intruder =
          nodes.start(
              env,
              "--roles",
              "devices",
              "--seed-nodes",
              seedAddress,
              "--tls-keystore",
              keys.intruderKeyStore().toString(),
              "--tls-truststore",
              keys.intruderTrustStore().toString());
      // A member started without TLS, as a lab engineer who forgot the options would.
      LocalNodes.Node plain =
          nodes.start(Map.of(), "--roles", "devices", "--seed-nodes", seedAddress);
      java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
      java.io.PrintStream stderr = TlsRefusals.out;
      TlsRefusals.out =
          new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8);
      TlsRefusals.forget();
      try (TestMember seed = TestMember.startFirst(seedConfig, SEED_SETTINGS, UP)) {
        trustedJoinsIntruderDoesNot(seed, trusted, intruder);
        // The plain member is told, once, what to check (Pekko's own warning names no option).
        String hint =
            "splitemu: no seed node answered this member's joins yet ("
                + seedAddress
                + "): check that a seed runs there; if the cluster runs over TLS, this member"
                + " needs --tls-keystore and --tls-truststore too (a TLS seed refuses a member"
                + " without them)";
        long deadline = System.nanoTime() + UP.toNanos();
        while (!plain.stderr().contains(hint) && System.nanoTime() < deadline) {
          assertTrue(plain.process().isAlive(), "the plain member exited: " + safe(plain));
          Thread.sleep(200);
        }
        assertEquals(1, plain.stderr().lines().filter(hint::equals).count(), plain::toString);
        assertNull(plain.upLine(), plain::toString);
        assertEquals(2, seed.members().size(), () -> "members: " + seed.members());
      } finally {
        TlsRefusals.out = stderr;
      }
      // One line on each side, not one per join attempt, naming the cause and the options.
      String refused =
          "splitemu: TLS handshake with "
              + seedAddress
              + " refused (bad_certificate): check --tls-keystore "
              + keys.intruderKeyStore().toAbsolutePath()
              + " and --tls-truststore "
              + keys.intruderTrustStore().toAbsolutePath()
              + " against the cluster's CA";
      assertEquals(
          1, intruder.stderr().lines().filter(refused::equals).count(), intruder::toString);
      assertEquals(
          Set.of(
              "splitemu: TLS handshake with a peer refused here: it sent no certificate that"
                  + " --tls-truststore "
                  + keys.trustStore().toAbsolutePath()
                  + " accepts (its key is not signed by the cluster's CA); every member needs one",
              "splitemu: TLS handshake with a peer refused here: it does not speak TLS (a member"
                  + " without --tls-keystore and --tls-truststore?); every member of this"
                  + " cluster needs TLS"),
          Set.copyOf(said.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList()));
      assertEquals(
          2,
          said.toString(java.nio.charset.StandardCharsets.UTF_8).lines().count(),
          said::toString);
    }
  }

  /**
   * A run over TLS: this JVM is the supervisor and the seed, one node with the lab's key holds the
   * edge server and the devices; the rows are those of the run in one JVM.
   */
  @Test
  void twoMemberRun_overTls_givesTheRowsOfOneJvm() throws Exception {
    TestKeys keys = TestKeys.get();
    Path password = tmp.resolve("password");
    java.nio.file.Files.writeString(password, keys.password() + "\n");
    int port = TestMember.freePort();
    List<String> scenario =
        List.of(
            "run", "../scenarios/quickstart.conf", "--set", "fidelity=timing", "--set", "rounds=2");
    Path one = tmp.resolve("one");
    assertEquals(0, ClusterRunTest.run(scenario, "--out", one.toString()));
    // The run's supervisor member, in this JVM, reads the node's LabTimings as system properties.
    LabTimings.setSystemProperties();
    try (LocalNodes nodes = new LocalNodes(tmp, NODE_JVM)) {
      nodes.start(
          Map.of(ClusterConfig.PASSWORD_ENV, keys.password()),
          "--roles",
          "edge,devices",
          "--seed-nodes",
          "127.0.0.1:" + port,
          "--tls-keystore",
          keys.memberKeyStore().toString(),
          "--tls-truststore",
          keys.trustStore().toString());
      Path two = tmp.resolve("two");
      assertEquals(
          0,
          ClusterRunTest.run(
              scenario,
              "--out",
              two.toString(),
              "--cluster",
              "--port",
              Integer.toString(port),
              "--min-members",
              "2",
              "--tls-keystore",
              keys.memberKeyStore().toString(),
              "--tls-truststore",
              keys.trustStore().toString(),
              "--tls-password-file",
              password.toString()));
      assertEquals(ClusterRunTest.emulatedRows(one), ClusterRunTest.emulatedRows(two));
    } finally {
      LabTimings.clearSystemProperties();
    }
  }

  private static void trustedJoinsIntruderDoesNot(
      TestMember seed, LocalNodes.Node trusted, LocalNodes.Node intruder) throws Exception {
    ClusterConfig.HostPort t = trusted.awaitUp(UP);
    seed.await(UP, "the trusted node Up", () -> seed.upMembers().size() == 2);
    assertEquals(
        Map.of(seed.seed(), Set.of("supervisor"), t.toString(), Set.of("devices")),
        seed.upMembers());

    // The seed refuses the intruder's certificate at each of its attempts (the join is retried
    // every few seconds): it is watched until its first refusal and REFUSED_FOR after it.
    long deadline = System.nanoTime() + UP.toNanos();
    long refusedAt = -1;
    while (refusedAt < 0 || System.nanoTime() - refusedAt < REFUSED_FOR.toNanos()) {
      assertEquals(2, seed.members().size(), () -> "members: " + seed.members());
      assertTrue(intruder.process().isAlive(), "the intruder exited: " + safe(intruder));
      if (refusedAt < 0 && intruder.stderr().contains("SSLHandshakeException")) {
        refusedAt = System.nanoTime();
      }
      assertTrue(
          refusedAt >= 0 || System.nanoTime() < deadline,
          "the intruder was not refused at the TLS handshake: " + safe(intruder));
      Thread.sleep(200);
    }
    assertNull(intruder.upLine(), intruder::toString);
    assertEquals(
        Map.of(seed.seed(), Set.of("supervisor"), t.toString(), Set.of("devices")),
        seed.upMembers());
  }

  private static String safe(LocalNodes.Node n) {
    try {
      return n.stderr();
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
