package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which Pekko warnings get a TLS line: a peer's fatal alert on an outbound connection, once. */
class TlsRefusalsTest {

  private static LoggingEvent event(String logger, Level level, String message) {
    return new LoggingEvent(
        TlsRefusalsTest.class.getName(),
        new LoggerContext().getLogger(logger),
        level,
        message,
        null,
        null);
  }

  @Test
  void peersFatalAlert_oneLinePerPeerAndAlert_nothingDropped() {
    TlsRefusals.forget();
    TlsRefusals.stores("/lab/member.p12", "/lab/truststore.p12");
    String alert =
        "[outbound connection to [pekko://splitemu@127.0.0.1:25630], control stream] Upstream"
            + " failed, cause: SSLHandshakeException: Received fatal alert: certificate_unknown";
    String line =
        "TLS handshake with 127.0.0.1:25630 refused (certificate_unknown): check --tls-keystore"
            + " /lab/member.p12 and --tls-truststore /lab/truststore.p12 against the cluster's CA";
    assertEquals(
        line,
        TlsRefusals.lineFor(event("org.apache.pekko.stream.Materializer", Level.WARN, alert)));
    // Anything else of Pekko's or splitemu's gets no line.
    assertNull(TlsRefusals.lineFor(event("io.splitemu.actors.Supervisor", Level.WARN, alert)));
    assertNull(
        TlsRefusals.lineFor(
            event(
                "org.apache.pekko.stream.Materializer",
                Level.WARN,
                "[outbound connection to [pekko://splitemu@127.0.0.1:1]] Upstream failed, cause:"
                    + " StreamTcpException: Tcp command [Connect(127.0.0.1:1)] failed")));
    assertNull(
        TlsRefusals.lineFor(
            event(
                "org.apache.pekko.cluster.Cluster",
                Level.WARN,
                "Cluster Node [pekko://splitemu@127.0.0.1:2552] - Couldn't join seed nodes after"
                    + " [3] attempts, will try again.")));

    ByteArrayOutputStream said = new ByteArrayOutputStream();
    PrintStream stderr = TlsRefusals.out;
    TlsRefusals.out = new PrintStream(said, true, StandardCharsets.UTF_8);
    try {
      TlsRefusals.LogFilter f = new TlsRefusals.LogFilter();
      String other = alert.replace("25630", "25631").replace("control", "message");
      for (int attempt = 0; attempt < 3; attempt++) {
        for (String m : new String[] {alert, alert.replace("control", "message"), other}) {
          assertEquals(
              FilterReply.NEUTRAL,
              f.decide(event("org.apache.pekko.stream.Materializer", Level.WARN, m)));
        }
      }
    } finally {
      TlsRefusals.out = stderr;
    }
    assertEquals(
        "splitemu: " + line + "\nsplitemu: " + line.replace("25630", "25631") + "\n",
        said.toString(StandardCharsets.UTF_8));
  }

  @Test
  void serverSideFailures_oneLinePerCause() {
    TlsRefusals.forget();
    TlsRefusals.stores("/lab/member.p12", "/lab/truststore.p12");
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    PrintStream stderr = TlsRefusals.out;
    TlsRefusals.out = new PrintStream(said, true, StandardCharsets.UTF_8);
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        TlsRefusals.serverFailed(
            new javax.net.ssl.SSLException("Unrecognized SSL message, plaintext connection?"));
        TlsRefusals.serverFailed(
            new javax.net.ssl.SSLHandshakeException("Empty client certificate chain"));
        // A refused certificate: the trust manager's line, not this one.
        javax.net.ssl.SSLHandshakeException refused =
            new javax.net.ssl.SSLHandshakeException("PKIX path building failed");
        refused.initCause(new java.security.cert.CertificateException("PKIX path building failed"));
        TlsRefusals.serverFailed(refused);
        // A connection that closed without a handshake error says nothing.
        TlsRefusals.serverFailed(new javax.net.ssl.SSLException("closed"));
      }
    } finally {
      TlsRefusals.out = stderr;
    }
    assertEquals(
        "splitemu: TLS handshake with a peer refused here: it does not speak TLS (a member without"
            + " --tls-keystore and --tls-truststore?); every member of this cluster needs TLS\n"
            + "splitemu: TLS handshake with a peer refused here: it sent no certificate that"
            + " --tls-truststore /lab/truststore.p12 accepts (its key is not signed by the"
            + " cluster's CA); every member needs one\n",
        said.toString(StandardCharsets.UTF_8));
  }

  /** The lines said by {@code r}, with {@link TlsRefusals#out} captured. */
  private static String said(Runnable r) {
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    PrintStream stderr = TlsRefusals.out;
    TlsRefusals.out = new PrintStream(said, true, StandardCharsets.UTF_8);
    try {
      r.run();
    } finally {
      TlsRefusals.out = stderr;
    }
    return said.toString(StandardCharsets.UTF_8);
  }

  @Test
  void peerThatConnectedRefusedThisMembersCertificate_namesThisMembersKey() {
    TlsRefusals.forget();
    TlsRefusals.stores("/lab/member.p12", "/lab/truststore.p12");
    // Member B, whose trust store holds an old CA, dials this member: this member's server engine
    // sends its certificate, B refuses it with an alert, and this member's unwrap throws this
    // (no CertificateException: nothing was refused here).
    String lines =
        said(
            () -> {
              for (int attempt = 0; attempt < 3; attempt++) {
                TlsRefusals.serverFailed(
                    new javax.net.ssl.SSLHandshakeException(
                        "Received fatal alert: certificate_unknown"));
                TlsRefusals.serverFailed(
                    new javax.net.ssl.SSLHandshakeException("Received fatal alert: unknown_ca"));
                TlsRefusals.serverFailed(
                    new javax.net.ssl.SSLHandshakeException(
                        "Received fatal alert: handshake_failure"));
              }
            });
    assertEquals(
        "splitemu: a peer refused this member's certificate (certificate_unknown) in a TLS"
            + " handshake: check --tls-keystore /lab/member.p12 against the peers'"
            + " --tls-truststore\n"
            + "splitemu: a peer refused this member's certificate (unknown_ca) in a TLS handshake:"
            + " check --tls-keystore /lab/member.p12 against the peers' --tls-truststore\n"
            + "splitemu: a peer ended a TLS handshake with this member (handshake_failure): check"
            + " --tls-keystore /lab/member.p12 and --tls-truststore /lab/truststore.p12 against"
            + " the peers'\n",
        lines);
  }

  @Test
  void manyDistinctRefusals_atMostMaxSaidLines_thenOneLineThatFurtherOnesAreNotListed() {
    TlsRefusals.forget();
    TlsRefusals.stores("/lab/member.p12", "/lab/truststore.p12");
    int cap = 1_000; // TlsRefusals.MAX_SAID
    int n = cap + 500;
    String lines =
        said(
            () -> {
              for (int i = 0; i < n; i++) {
                // A scanner's handshakes, each failing its own way.
                TlsRefusals.serverFailed(
                    new javax.net.ssl.SSLHandshakeException("no cipher suites in common " + i));
              }
            });
    String[] each = lines.split("\n");
    assertEquals(cap + 1, each.length);
    assertEquals(
        "splitemu: further TLS handshake refusals are not listed (1000 said; Pekko's warnings"
            + " still follow)",
        each[cap]);
    // Past the cap nothing more is said, not even the cap's line again.
    assertEquals(
        "",
        said(
            () ->
                TlsRefusals.serverFailed(
                    new javax.net.ssl.SSLHandshakeException("Empty client certificate chain"))));
    TlsRefusals.forget();
  }

  @Test
  void noSeedAnswered_oneHintNamingTheSeeds_andWhatToCheckOnAPlainOrATlsMember() {
    String warning =
        "Cluster Node [pekko://splitemu@127.0.0.1:2552] - Couldn't join seed nodes after [2]"
            + " attempts, will try again. seed-nodes=[pekko://splitemu@127.0.0.1:25520,"
            + " pekko://splitemu@127.0.0.1:25521]";
    TlsRefusals.forget();
    String plain =
        "no seed node answered this member's joins yet (127.0.0.1:25520, 127.0.0.1:25521): check"
            + " that a seed runs there; if the cluster runs over TLS, this member needs"
            + " --tls-keystore and --tls-truststore too (a TLS seed refuses a member without them)";
    assertEquals(
        plain,
        TlsRefusals.joinLineFor(
            event("org.apache.pekko.cluster.JoinSeedNodeProcess", Level.WARN, warning)));
    // Only Pekko's warning: not splitemu's own logger, not another level, not another warning.
    assertNull(
        TlsRefusals.joinLineFor(event("io.splitemu.actors.Supervisor", Level.WARN, warning)));
    assertNull(
        TlsRefusals.joinLineFor(
            event("org.apache.pekko.cluster.JoinSeedNodeProcess", Level.INFO, warning)));
    assertNull(
        TlsRefusals.joinLineFor(
            event(
                "org.apache.pekko.cluster.Cluster",
                Level.WARN,
                "Cluster Node [pekko://splitemu@127.0.0.1:2552] - Marking node as UNREACHABLE")));

    // Said once, however many attempts follow.
    String lines =
        said(
            () -> {
              TlsRefusals.LogFilter f = new TlsRefusals.LogFilter();
              for (int attempt = 2; attempt < 6; attempt++) {
                f.decide(
                    event(
                        "org.apache.pekko.cluster.JoinSeedNodeProcess",
                        Level.WARN,
                        warning.replace("[2]", "[" + attempt + "]")));
              }
            });
    assertEquals("splitemu: " + plain + "\n", lines);

    // A member over TLS is told to look at the seed's TLS and at its own stores.
    TlsRefusals.forget();
    TlsRefusals.stores("/lab/member.p12", "/lab/truststore.p12");
    assertEquals(
        "no seed node answered this member's joins yet (127.0.0.1:25520, 127.0.0.1:25521): check"
            + " that a seed runs there over TLS too (a seed without --tls-keystore and"
            + " --tls-truststore resets this member's connections), and --tls-keystore"
            + " /lab/member.p12 and --tls-truststore /lab/truststore.p12 against the cluster's CA",
        TlsRefusals.joinLineFor(
            event("org.apache.pekko.cluster.JoinSeedNodeProcess", Level.WARN, warning)));
    TlsRefusals.forget();
  }
}
