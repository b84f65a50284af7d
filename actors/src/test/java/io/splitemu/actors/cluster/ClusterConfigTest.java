package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration a cluster member starts with, and the one-line refusals of bad options. */
class ClusterConfigTest {

  @TempDir Path tmp;

  private static ClusterConfig plain(List<String> roles, List<String> seeds) {
    return ClusterConfig.parse(roles, seeds, null, 2552, null);
  }

  @Test
  void toConfig_setsClusterMembershipAndTransport() {
    Config c =
        plain(List.of("devices", "edge"), List.of("127.0.0.1:2551", "lab-a.example:2552"))
            .toConfig();
    assertEquals("cluster", c.getString("pekko.actor.provider"));
    assertEquals("tcp", c.getString("pekko.remote.artery.transport"));
    assertEquals("127.0.0.1", c.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(2552, c.getInt("pekko.remote.artery.canonical.port"));
    assertEquals("127.0.0.1", c.getString("pekko.remote.artery.bind.hostname"));
    assertEquals(
        List.of("pekko://splitemu@127.0.0.1:2551", "pekko://splitemu@lab-a.example:2552"),
        c.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(List.of("devices", "edge"), c.getStringList("pekko.cluster.roles"));
  }

  @Test
  void toConfig_splitBrainResolverKeepMajority_withDocumentedTimeouts() {
    Config c = plain(List.of("hops"), List.of("127.0.0.1:2551")).toConfig();
    assertEquals(
        "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
        c.getString("pekko.cluster.downing-provider-class"));
    assertEquals(
        "keep-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(
        Duration.ofSeconds(10), c.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals("on", c.getString("pekko.cluster.split-brain-resolver.down-all-when-unstable"));
    assertTrue(c.getBoolean("pekko.cluster.run-coordinated-shutdown-when-down"));
    assertTrue(c.getBoolean("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook"));
    assertFalse(c.getBoolean("pekko.coordinated-shutdown.exit-jvm"));
  }

  @Test
  void toConfig_timeoutsAndFrameSize_overriddenThroughTheirSplitemuKeys() {
    Config settings =
        ConfigFactory.parseString(
            "splitemu.cluster.sbr.stable-after = 3s\n"
                + "splitemu.cluster.sbr.down-all-when-unstable = off\n"
                + "splitemu.cluster.maximum-frame-size = 1 MiB\n");
    Config c = plain(List.of("hops"), List.of("127.0.0.1:2551")).toConfig(settings);
    assertEquals(
        Duration.ofSeconds(3), c.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals("off", c.getString("pekko.cluster.split-brain-resolver.down-all-when-unstable"));
    assertEquals(1 << 20, c.getBytes("pekko.remote.artery.advanced.maximum-frame-size"));
  }

  @Test
  void toConfig_frameSizeFitsMnistTensors_withABoundedBufferPool() {
    Config c = plain(List.of("devices"), List.of("127.0.0.1:2551")).toConfig();
    long frame = c.getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    assertEquals(8L << 20, frame);
    // A batch of 2,000 MNIST images as float32 goes in one frame.
    assertTrue(2000L * 28 * 28 * 4 < frame);
    int pool = c.getInt("pekko.remote.artery.advanced.buffer-pool-size");
    assertEquals(16, pool);
    assertEquals(128L << 20, frame * pool, "direct memory the pool may keep");
  }

  @Test
  void toConfig_javaSerializationStaysOff_evenWhenSettingsAskForIt() {
    Config settings = ConfigFactory.parseString("pekko.actor.allow-java-serialization = on");
    Config c = plain(List.of("edge"), List.of("127.0.0.1:2551")).toConfig(settings);
    assertFalse(c.getBoolean("pekko.actor.allow-java-serialization"));
    assertEquals(
        "splitemu-kryo",
        c.getString(
            "pekko.actor.serialization-bindings.\"io.splitemu.model.wire.ClusterMessage\""));
  }

  @Test
  void plainLoad_staysALocalActorSystem() {
    Config c = ConfigFactory.load();
    assertEquals("local", c.getString("pekko.actor.provider"));
    assertFalse(c.hasPath("splitemu.cluster"));
    assertEquals(
        "", c.getString("pekko.cluster.downing-provider-class"), "no SBR outside a cluster");
  }

  @Test
  void tls_setsTlsTcpWithTheStoresAndMutualAuthentication() throws Exception {
    TestKeys keys = TestKeys.get();
    ClusterConfig.Tls tls =
        ClusterConfig.Tls.of(
            keys.memberKeyStore(),
            keys.trustStore(),
            null,
            Map.of(ClusterConfig.PASSWORD_ENV, keys.password()));
    Config c =
        new ClusterConfig(
                Set.of("devices"),
                List.of(ClusterConfig.HostPort.parse("--seed-nodes", "127.0.0.1:2551")),
                "127.0.0.1",
                0,
                Optional.of(tls))
            .toConfig();
    String ssl = "pekko.remote.artery.ssl.config-ssl-engine.";
    assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
    assertEquals(keys.memberKeyStore().toAbsolutePath().toString(), c.getString(ssl + "key-store"));
    assertEquals(keys.trustStore().toAbsolutePath().toString(), c.getString(ssl + "trust-store"));
    assertEquals(keys.password(), c.getString(ssl + "key-store-password"));
    assertEquals(keys.password(), c.getString(ssl + "key-password"));
    assertEquals(keys.password(), c.getString(ssl + "trust-store-password"));
    assertTrue(c.getBoolean(ssl + "require-mutual-authentication"));
    assertFalse(tls.toString().contains(keys.password()), tls.toString());
  }

  @Test
  void tls_passwordFromTheFirstLineOfTheFile() throws Exception {
    TestKeys keys = TestKeys.get();
    Path pw = Files.writeString(tmp.resolve("pw"), keys.password() + "\nignored\n");
    ClusterConfig.Tls tls =
        ClusterConfig.Tls.of(keys.memberKeyStore(), keys.trustStore(), pw, Map.of());
    assertEquals(keys.password(), tls.password());
  }

  private static void refused(String line, Runnable r) {
    ClusterOptionException e = assertThrows(ClusterOptionException.class, r::run);
    assertEquals(line, e.getMessage());
  }

  @Test
  void badOptions_oneLineNamingTheOption() {
    List<String> seed = List.of("127.0.0.1:2551");
    refused(
        "--roles boss: unknown role; known: supervisor, edge, devices, hops",
        () -> plain(List.of("boss"), seed));
    refused(
        "--roles: give at least one of supervisor, edge, devices, hops",
        () -> plain(List.of(), seed));
    refused(
        "--seed-nodes :2551: expected HOST:PORT", () -> plain(List.of("edge"), List.of(":2551")));
    refused(
        "--seed-nodes host:x: expected HOST:PORT with a port number",
        () -> plain(List.of("edge"), List.of("host:x")));
    refused(
        "--seed-nodes host:0: port out of range 1..65535",
        () -> plain(List.of("edge"), List.of("host:0")));
    refused(
        "--bind a b: expected a host name or an IPv4 address",
        () -> ClusterConfig.parse(List.of("edge"), seed, "a b", 0, null));
    refused(
        "--port 65536: expected 0 (a free port) to 65535",
        () -> ClusterConfig.parse(List.of("edge"), seed, null, 65536, null));
  }

  @Test
  void badTls_oneLineNamingTheOption() throws Exception {
    TestKeys keys = TestKeys.get();
    Path ks = keys.memberKeyStore();
    Path ts = keys.trustStore();
    Map<String, String> env = Map.of(ClusterConfig.PASSWORD_ENV, keys.password());
    Path missing = tmp.resolve("missing.p12");
    refused(
        "--tls-keystore " + missing + ": no such file",
        () -> ClusterConfig.Tls.of(missing, ts, null, env));
    refused(
        "--tls-truststore " + missing + ": no such file",
        () -> ClusterConfig.Tls.of(ks, missing, null, env));
    refused(
        "--tls-keystore: TLS needs both --tls-keystore and --tls-truststore",
        () -> ClusterConfig.Tls.of(ks, null, null, env));
    refused(
        "--tls-password-file: given without --tls-keystore and --tls-truststore",
        () -> ClusterConfig.Tls.of(null, null, ks, env));
    refused(
        "--tls-keystore: no password; set SPLITEMU_TLS_PASSWORD or give --tls-password-file",
        () -> ClusterConfig.Tls.of(ks, ts, null, Map.of()));
    refused(
        "--tls-password-file " + missing + ": no such file",
        () -> ClusterConfig.Tls.of(ks, ts, missing, env));
    refused(
        "--tls-password-file " + tmp + ": not a readable file",
        () -> ClusterConfig.Tls.of(ks, ts, tmp, env));
    refused(
        "--tls-keystore " + ks + ": wrong password",
        () -> ClusterConfig.Tls.of(ks, ts, null, Map.of(ClusterConfig.PASSWORD_ENV, "nope")));
    refused(
        "--tls-keystore " + ts + ": holds no private key entry",
        () -> ClusterConfig.Tls.of(ts, ts, null, env));
  }

  @Test
  void badTls_keyOutOfItsValidity_orNotSignedByTheTrustStoresCa() throws Exception {
    TestKeys keys = TestKeys.get();
    Map<String, String> env = Map.of(ClusterConfig.PASSWORD_ENV, keys.password());
    Path expired = keys.expiredKeyStore();
    ClusterOptionException e =
        assertThrows(
            ClusterOptionException.class, () -> ClusterConfig.Tls.of(expired, expired, null, env));
    assertTrue(
        e.getMessage()
            .matches(
                "--tls-keystore \\Q"
                    + expired
                    + "\\E: certificate CN=expired expired on \\d{4}-\\d\\d-\\d\\dT[0-9:]{8}Z"),
        e.getMessage());
    Path future = keys.futureKeyStore();
    e =
        assertThrows(
            ClusterOptionException.class, () -> ClusterConfig.Tls.of(future, future, null, env));
    assertTrue(
        e.getMessage()
            .matches(
                "--tls-keystore \\Q"
                    + future
                    + "\\E: certificate CN=future not valid before"
                    + " \\d{4}-\\d\\d-\\d\\dT[0-9:]{8}Z"),
        e.getMessage());
    // A self-signed key against the lab's trust store: the peers would refuse it.
    refused(
        "--tls-keystore "
            + keys.intruderKeyStore()
            + ": its key's certificate CN=intruder is not signed by a CA in --tls-truststore "
            + keys.trustStore(),
        () -> ClusterConfig.Tls.of(keys.intruderKeyStore(), keys.trustStore(), null, env));
    // The lab's key against another lab's trust store (its CA only): still refused, since the
    // trust store holds a CA and no pinned certificate.
    refused(
        "--tls-keystore "
            + keys.memberKeyStore()
            + ": its key's certificate CN=splitemu-member is not signed by a CA in"
            + " --tls-truststore "
            + keys.otherTrustStore(),
        () -> ClusterConfig.Tls.of(keys.memberKeyStore(), keys.otherTrustStore(), null, env));
  }

  @Test
  void tls_pinnedLayout_keyNotInItsOwnTrustStore_startsWithOneWarning() throws Exception {
    // Each member's trust store holds the other members' self-signed certificates, not its own:
    // Pekko accepts this (the handshake needs only the peers to trust this key), so no refusal.
    TestKeys keys = TestKeys.get();
    Map<String, String> env = Map.of(ClusterConfig.PASSWORD_ENV, keys.password());
    ClusterConfig.Tls tls =
        ClusterConfig.Tls.of(keys.peerKeyStore(), keys.pinnedTrustStore(), null, env);
    assertEquals(
        List.of(
            "--tls-keystore "
                + keys.peerKeyStore()
                + ": its key's certificate CN=peer is not in --tls-truststore "
                + keys.pinnedTrustStore()
                + ": peers must trust it in theirs"),
        tls.warnings(java.time.Instant.now()));
    // The pinned certificate's own key against that trust store: accepted, no line.
    assertEquals(
        List.of(),
        ClusterConfig.Tls.of(keys.intruderKeyStore(), keys.pinnedTrustStore(), null, env)
            .warnings(java.time.Instant.now()));
  }

  @Test
  void tls_expiredCopyOfTheCaBundledInTheChain_isAcceptedAsPeersAcceptIt() throws Exception {
    // The member key's chain ends in an expired copy of the CA's certificate (same name and key);
    // the trust store's valid copy is the anchor, so PKIX never validates the bundled one.
    TestKeys keys = TestKeys.get();
    Map<String, String> env = Map.of(ClusterConfig.PASSWORD_ENV, keys.password());
    java.security.KeyStore bundled = java.security.KeyStore.getInstance("PKCS12");
    try (java.io.InputStream in = Files.newInputStream(keys.bundledKeyStore())) {
      bundled.load(in, keys.password().toCharArray());
    }
    java.security.cert.Certificate[] chain = bundled.getCertificateChain("member");
    assertEquals(2, chain.length);
    java.security.cert.X509Certificate root = (java.security.cert.X509Certificate) chain[1];
    assertEquals("CN=splitemu-ca", root.getSubjectX500Principal().getName());
    assertTrue(root.getNotAfter().before(new java.util.Date()), root.getNotAfter()::toString);
    // A peer's TLS stack (the JDK's PKIX trust manager on the lab's trust store) accepts it.
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    try (java.io.InputStream in = Files.newInputStream(keys.trustStore())) {
      trust.load(in, keys.password().toCharArray());
    }
    javax.net.ssl.TrustManagerFactory f =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    f.init(trust);
    javax.net.ssl.X509TrustManager tm = (javax.net.ssl.X509TrustManager) f.getTrustManagers()[0];
    java.security.cert.X509Certificate[] x =
        java.util.Arrays.copyOf(chain, chain.length, java.security.cert.X509Certificate[].class);
    tm.checkClientTrusted(x, "UNKNOWN");
    tm.checkServerTrusted(x, "UNKNOWN");
    // So the member starts, and warns of nothing (the expired copy is not its key's path).
    ClusterConfig.Tls tls =
        ClusterConfig.Tls.of(keys.bundledKeyStore(), keys.trustStore(), null, env);
    assertEquals(List.of(), tls.warnings(java.time.Instant.now()));
  }

  @Test
  void tls_ownSelfSignedCertificateInTheTrustStore_isAccepted() throws Exception {
    TestKeys keys = TestKeys.get();
    Map<String, String> env = Map.of(ClusterConfig.PASSWORD_ENV, keys.password());
    ClusterConfig.Tls tls =
        ClusterConfig.Tls.of(keys.intruderKeyStore(), keys.intruderTrustStore(), null, env);
    assertEquals(List.of(), tls.warnings(java.time.Instant.now()));
  }

  @Test
  void tls_keyExpiringWithinAWeek_startsWithOneWarning() throws Exception {
    TestKeys keys = TestKeys.get();
    Path soon = keys.soonKeyStore();
    ClusterConfig.Tls tls =
        ClusterConfig.Tls.of(soon, soon, null, Map.of(ClusterConfig.PASSWORD_ENV, keys.password()));
    List<String> w = tls.warnings(java.time.Instant.now());
    assertEquals(1, w.size(), w::toString);
    assertTrue(
        w.get(0).startsWith("--tls-keystore " + soon + ": certificate CN=soon expires on "),
        w.get(0));
    assertTrue(w.get(0).contains("(in 2 days)") || w.get(0).contains("(in 3 days)"), w.get(0));
  }

  @Test
  void badTls_emptyPasswordFileAndANonKeyStore() throws Exception {
    TestKeys keys = TestKeys.get();
    Path empty = Files.writeString(tmp.resolve("empty"), "\nsecret\n");
    refused(
        "--tls-password-file " + empty + ": the first line is empty",
        () -> ClusterConfig.Tls.of(keys.memberKeyStore(), keys.trustStore(), empty, Map.of()));
    Path text = Files.writeString(tmp.resolve("notes.p12"), "not a key store");
    ClusterOptionException e =
        assertThrows(
            ClusterOptionException.class,
            () ->
                ClusterConfig.Tls.of(
                    text,
                    keys.trustStore(),
                    null,
                    Map.of(ClusterConfig.PASSWORD_ENV, keys.password())));
    assertTrue(
        e.getMessage().startsWith("--tls-keystore " + text + ": cannot open as a key store"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
