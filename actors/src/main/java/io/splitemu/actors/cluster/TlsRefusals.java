package io.splitemu.actors.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider;

/**
 * One line on stderr per peer whose TLS handshake fails, naming the cause and the options to check,
 * instead of Pekko's warnings at every join attempt (which name no option) or nothing at all (the
 * side that refuses a certificate logs nothing). Two sources:
 *
 * <ul>
 *   <li>{@link Provider}, Artery's SSL engine provider with TLS on: its trust manager refuses a
 *       peer's certificate as Pekko's does, and says so once per certificate (a server does not
 *       know the peer's address, so the certificate's subject names the peer); its server engines
 *       say so once per cause when a peer sent no certificate or does not speak TLS, or when a peer
 *       that connected refused this member's certificate with an alert;
 *   <li>{@link LogFilter}, on the console appender (logback.xml): Pekko's warning that a peer
 *       refused this member's certificate ("Received fatal alert: ...") gets one line per peer
 *       address and alert before it; the warning itself still shows.
 * </ul>
 */
public final class TlsRefusals {

  private TlsRefusals() {}

  /**
   * How many lines are said at most: a TLS scanner, or many members with rotated keys, would
   * otherwise grow {@link #SAID} (keyed by peer, certificate and cause) without bound.
   */
  static final int MAX_SAID = 1_000;

  /**
   * The lines said once: by peer address and alert, or by refused certificate; guarded by its lock.
   */
  private static final Set<String> SAID = new HashSet<>();

  /** Whether the line that further refusals are not listed was said; guarded by SAID. */
  private static boolean full;

  // The member's stores, as --tls-keystore and --tls-truststore gave them, and whether it runs
  // over TLS (one member per JVM; the last one started in a test JVM).
  private static volatile String keyStore = "FILE";
  private static volatile String trustStore = "FILE";
  private static volatile boolean tls;

  /** Where the lines go; stderr, the console appender's target. */
  static volatile PrintStream out = System.err;

  /** Forgets the lines said, for a test JVM that runs several members one after another. */
  static void forget() {
    synchronized (SAID) {
      SAID.clear();
      full = false;
    }
    tls = false;
  }

  /** This member's stores: it runs over TLS. */
  static void stores(String keys, String trust) {
    keyStore = keys;
    trustStore = trust;
    tls = true;
  }

  private static void say(String key, String line) {
    synchronized (SAID) {
      if (SAID.contains(key)) {
        return;
      }
      if (SAID.size() >= MAX_SAID) {
        if (!full) {
          full = true;
          print(
              "further TLS handshake refusals are not listed ("
                  + MAX_SAID
                  + " said; Pekko's warnings still follow)");
        }
        return;
      }
      SAID.add(key);
      print(line);
    }
  }

  private static void print(String line) {
    PrintStream o = out;
    o.println("splitemu: " + line);
    o.flush();
  }

  /** Why {@code e} refused {@code chain}, in a few words ending with the option to check. */
  static String why(X509Certificate[] chain, CertificateException e) {
    Date now = new Date();
    for (Throwable t = e; t != null && chain != null; t = t.getCause()) {
      for (X509Certificate c : chain) {
        if (t instanceof CertificateExpiredException && c.getNotAfter().before(now)) {
          return "expired (" + name(c) + " on " + date(c.getNotAfter()) + ")";
        }
        if (t instanceof CertificateNotYetValidException && c.getNotBefore().after(now)) {
          return "not valid yet (" + name(c) + " before " + date(c.getNotBefore()) + ")";
        }
      }
    }
    String m = String.valueOf(e.getMessage());
    if (m.contains("PKIX path building failed")) {
      return "not signed by a CA in --tls-truststore " + trustStore;
    }
    return "not accepted with --tls-truststore " + trustStore + " (" + m.replace('\n', ' ') + ")";
  }

  static String name(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }

  private static String date(Date d) {
    return DateTimeFormatter.ISO_INSTANT.format(d.toInstant().truncatedTo(ChronoUnit.SECONDS));
  }

  /** A peer's certificate this member refused: one line per certificate (and peer, if known). */
  static void refusedPeer(X509Certificate[] chain, SSLEngine engine, boolean server, Exception e) {
    String cert = chain == null || chain.length == 0 ? "(none)" : name(chain[0]);
    String why = e instanceof CertificateException c ? why(chain, c) : e.toString();
    // Only an outbound connection's engine knows its peer (the member it connects to).
    String peer =
        server && engine != null && engine.getPeerHost() != null
            ? engine.getPeerHost() + ":" + engine.getPeerPort()
            : "a peer";
    say(
        "refused " + cert + " " + peer,
        "TLS handshake with "
            + peer
            + " refused here: its certificate "
            + cert
            + " is "
            + why
            + "; every member needs a key signed by the cluster's CA");
  }

  /**
   * Pekko's SSL engine provider for the member's stores, with a trust manager that reports what it
   * refuses. Named by {@link ClusterConfig#toConfig()} with TLS on.
   */
  public static final class Provider extends ConfigSSLEngineProvider {

    public Provider(ActorSystem system) {
      super(system);
      stores(SSLKeyStore(), SSLTrustStore());
    }

    @Override
    public SSLEngine createServerSSLEngine(String hostname, int port) {
      return new ServerEngine(super.createServerSSLEngine(hostname, port));
    }

    @Override
    public TrustManager[] trustManagers() {
      TrustManager[] managers = super.trustManagers();
      TrustManager[] wrapped = new TrustManager[managers.length];
      for (int i = 0; i < managers.length; i++) {
        wrapped[i] =
            managers[i] instanceof X509ExtendedTrustManager x ? new Reporting(x) : managers[i];
      }
      return wrapped;
    }
  }

  /** Delegates every check, and reports a refusal. */
  static final class Reporting extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager d;

    Reporting(X509ExtendedTrustManager d) {
      this.d = d;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      try {
        d.checkClientTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        refusedPeer(chain, engine, false, e);
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      try {
        d.checkServerTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        refusedPeer(chain, engine, true, e);
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      try {
        d.checkClientTrusted(chain, authType, socket);
      } catch (CertificateException e) {
        refusedPeer(chain, null, false, e);
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      try {
        d.checkServerTrusted(chain, authType, socket);
      } catch (CertificateException e) {
        refusedPeer(chain, null, true, e);
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        d.checkClientTrusted(chain, authType);
      } catch (CertificateException e) {
        refusedPeer(chain, null, false, e);
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        d.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        refusedPeer(chain, null, true, e);
        throw e;
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return d.getAcceptedIssuers();
    }
  }

  /**
   * A server side handshake that failed before any certificate reached the trust manager, or
   * without one: a peer that sent no certificate (its key is not issued by a CA this member
   * accepts, so its TLS stack had none to offer), or that does not speak TLS; or a peer that
   * refused this member's certificate ("Received fatal alert: certificate_unknown" from the peer
   * that connected: the fault is this member's key or the peer's trust store, not the peer's key).
   * Once per cause: a server's engine does not know the peer's address.
   */
  static void serverFailed(SSLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        return; // the trust manager said it
      }
    }
    String m = String.valueOf(e.getMessage());
    Matcher received = ALERT.matcher(m);
    if (m.contains("Empty client certificate chain") || m.contains("Empty certificate chain")) {
      say(
          "no certificate",
          "TLS handshake with a peer refused here: it sent no certificate that --tls-truststore "
              + trustStore
              + " accepts (its key is not signed by the cluster's CA); every member needs one");
    } else if (m.toLowerCase(Locale.ROOT).contains("unrecognized ssl message")) {
      // JDK 17: "Unrecognized SSL message, plaintext connection?"
      say(
          "plain",
          "TLS handshake with a peer refused here: it does not speak TLS (a member without"
              + " --tls-keystore and --tls-truststore?); every member of this cluster needs TLS");
    } else if (received.find()) {
      // The peer that connected refused this member's certificate (or ended the handshake for
      // another reason) and said so with an alert; nothing here was refused.
      String alert = received.group(1);
      say(
          "alert " + alert,
          CERTIFICATE_ALERTS.contains(alert)
              ? "a peer refused this member's certificate ("
                  + alert
                  + ") in a TLS handshake: check --tls-keystore "
                  + keyStore
                  + " against the peers' --tls-truststore"
              : "a peer ended a TLS handshake with this member ("
                  + alert
                  + "): check --tls-keystore "
                  + keyStore
                  + " and --tls-truststore "
                  + trustStore
                  + " against the peers'");
    } else if (e instanceof SSLHandshakeException) {
      say(
          "handshake " + m,
          "TLS handshake with a peer refused here: "
              + m.replace('\n', ' ')
              + "; check its --tls-keystore and --tls-truststore against the cluster's CA");
    }
  }

  /** A server engine that reports a failed handshake ({@link #serverFailed}); else delegates. */
  static final class ServerEngine extends SSLEngine {
    private final SSLEngine d;

    ServerEngine(SSLEngine d) {
      super(d.getPeerHost(), d.getPeerPort());
      this.d = d;
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst)
        throws SSLException {
      try {
        return d.wrap(srcs, offset, length, dst);
      } catch (SSLException e) {
        serverFailed(e);
        throw e;
      }
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length)
        throws SSLException {
      try {
        return d.unwrap(src, dsts, offset, length);
      } catch (SSLException e) {
        serverFailed(e);
        throw e;
      }
    }

    @Override
    public Runnable getDelegatedTask() {
      return d.getDelegatedTask();
    }

    @Override
    public void closeInbound() throws SSLException {
      d.closeInbound();
    }

    @Override
    public boolean isInboundDone() {
      return d.isInboundDone();
    }

    @Override
    public void closeOutbound() {
      d.closeOutbound();
    }

    @Override
    public boolean isOutboundDone() {
      return d.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return d.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
      return d.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
      d.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
      return d.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
      return d.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
      d.setEnabledProtocols(protocols);
    }

    @Override
    public SSLSession getSession() {
      return d.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
      return d.getHandshakeSession();
    }

    @Override
    public void beginHandshake() throws SSLException {
      d.beginHandshake();
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
      return d.getHandshakeStatus();
    }

    @Override
    public void setUseClientMode(boolean mode) {
      d.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
      return d.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
      d.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
      return d.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
      d.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
      return d.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
      d.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
      return d.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
      return d.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
      d.setSSLParameters(params);
    }

    @Override
    public String getApplicationProtocol() {
      return d.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
      return d.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(
        BiFunction<SSLEngine, List<String>, String> selector) {
      d.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
      return d.getHandshakeApplicationProtocolSelector();
    }
  }

  /** Artery's warning on an outbound connection's failure, with the peer's address. */
  private static final Pattern OUTBOUND =
      Pattern.compile("outbound connection to \\[pekko://[^@\\]]+@([^\\]/]+)\\]");

  private static final Pattern ALERT = Pattern.compile("Received fatal alert: ([a-z_]+)");

  /** The TLS alerts (RFC 8446 6.2) a peer sends when it refuses the certificate it was shown. */
  private static final Set<String> CERTIFICATE_ALERTS =
      Set.of(
          "bad_certificate",
          "unsupported_certificate",
          "certificate_revoked",
          "certificate_expired",
          "certificate_unknown",
          "unknown_ca",
          "certificate_required");

  /**
   * The line for a Pekko warning, or null: a peer that refused this member's certificate (or its
   * TLS). Only reads the event; every event still goes on to the appender.
   */
  static String lineFor(ILoggingEvent event) {
    if (event.getLevel() != Level.WARN || !event.getLoggerName().startsWith("org.apache.pekko")) {
      return null;
    }
    String m = event.getFormattedMessage();
    if (m == null || !m.contains("SSLHandshakeException")) {
      return null;
    }
    Matcher peer = OUTBOUND.matcher(m);
    Matcher alert = ALERT.matcher(m);
    if (!peer.find() || !alert.find()) {
      return null;
    }
    return "TLS handshake with "
        + peer.group(1)
        + " refused ("
        + alert.group(1)
        + "): check --tls-keystore "
        + keyStore
        + " and --tls-truststore "
        + trustStore
        + " against the cluster's CA";
  }

  /** Pekko's warning of a member whose joins no seed node answered, with the seeds' addresses. */
  private static final Pattern NO_SEED =
      Pattern.compile("Couldn't join seed nodes after \\[\\d+\\] attempts.*seed-nodes=\\[(.*)\\]");

  private static final Pattern ADDRESS = Pattern.compile("pekko://[^@,\\s]+@([^,\\s\\]]+)");

  /**
   * The line for Pekko's warning that no seed node answered this member's joins, or null: a TLS
   * member and a plain one cannot talk (the TLS side refuses the plain one's bytes, the plain side
   * resets the TLS one's handshake), and neither side's Pekko warning says so. The hint names the
   * seeds and what to check on this member's side. Only reads the event.
   */
  static String joinLineFor(ILoggingEvent event) {
    if (event.getLevel() != Level.WARN || !event.getLoggerName().startsWith("org.apache.pekko")) {
      return null;
    }
    String m = event.getFormattedMessage();
    Matcher seeds = m == null ? null : NO_SEED.matcher(m);
    if (seeds == null || !seeds.find()) {
      return null;
    }
    List<String> at = new java.util.ArrayList<>();
    for (Matcher a = ADDRESS.matcher(seeds.group(1)); a.find(); ) {
      at.add(a.group(1));
    }
    String where = at.isEmpty() ? seeds.group(1) : String.join(", ", at);
    if (tls) {
      return "no seed node answered this member's joins yet ("
          + where
          + "): check that a seed runs there over TLS too (a seed without --tls-keystore and"
          + " --tls-truststore resets this member's connections), and --tls-keystore "
          + keyStore
          + " and --tls-truststore "
          + trustStore
          + " against the cluster's CA";
    }
    return "no seed node answered this member's joins yet ("
        + where
        + "): check that a seed runs there; if the cluster runs over TLS, this member needs"
        + " --tls-keystore and --tls-truststore too (a TLS seed refuses a member without them)";
  }

  /**
   * The logback filter: says {@link #lineFor} once per peer and cause and {@link #joinLineFor}
   * once, denies nothing.
   */
  public static final class LogFilter extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
      String line = lineFor(event);
      if (line != null) {
        say(line, line);
      }
      String join = joinLineFor(event);
      if (join != null) {
        say("join", join);
      }
      return FilterReply.NEUTRAL;
    }
  }
}
