package io.splitemu.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The options of one cluster member (roles, seed nodes, bind address and port, optional TLS),
 * validated on construction, and the Pekko configuration that starts it ({@link #toConfig()}).
 *
 * <p>Every error names the command-line option it came from ({@code --roles}, {@code --seed-nodes},
 * {@code --bind}, {@code --port}, {@code --tls-keystore}, {@code --tls-truststore}, {@code
 * --tls-password-file}) in one line, as a {@link ClusterOptionException}.
 *
 * @param roles the member's roles, in the order given (see {@link #ROLES})
 * @param seedNodes where the member joins; empty for a first member that joins itself
 * @param bindHost the address Artery binds and that other members reach this one at
 * @param port the Artery port; 0 picks a free one
 * @param tls the key and trust stores when TLS is on
 */
public record ClusterConfig(
    Set<String> roles, List<HostPort> seedNodes, String bindHost, int port, Optional<Tls> tls) {

  /** The actor system name shared by every member: Pekko joins only systems of the same name. */
  public static final String SYSTEM_NAME = "splitemu";

  /** The roles a member may have (DESIGN.md "Cluster and faults"). */
  public static final List<String> ROLES = List.of("supervisor", "edge", "devices", "hops");

  /** The bind address when none is given: the loopback, so nothing listens on a network. */
  public static final String DEFAULT_BIND = "127.0.0.1";

  /** The environment variable that holds the key and trust stores' password. */
  public static final String PASSWORD_ENV = "SPLITEMU_TLS_PASSWORD";

  /** The class-path resource with the cluster defaults, layered under the JVM's configuration. */
  public static final String DEFAULTS_RESOURCE = "splitemu-cluster.conf";

  /** A host name or an IPv4 address (IPv6 literals are not supported yet). */
  private static final Pattern HOST =
      Pattern.compile(
          "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
              + "[A-Za-z0-9])?)*");

  public ClusterConfig {
    Objects.requireNonNull(roles, "roles");
    Objects.requireNonNull(seedNodes, "seedNodes");
    Objects.requireNonNull(tls, "tls");
    if (roles.isEmpty()) {
      throw new ClusterOptionException("--roles: give at least one of " + String.join(", ", ROLES));
    }
    for (String r : roles) {
      checkRole(r);
    }
    roles = Collections.unmodifiableSet(new LinkedHashSet<>(roles));
    seedNodes = List.copyOf(seedNodes);
    checkHost("--bind", bindHost);
    if (isWildcard(bindHost)) {
      throw new ClusterOptionException(
          "--bind "
              + bindHost
              + ": give the address other members reach this one at, not a wildcard");
    }
    if (port < 0 || port > 65535) {
      throw new ClusterOptionException("--port " + port + ": expected 0 (a free port) to 65535");
    }
  }

  /**
   * Parses and validates the options as given on a command line.
   *
   * @param roles role names (each one of {@link #ROLES})
   * @param seedNodes {@code HOST:PORT} strings
   * @param bindHost the bind address, or null for {@link #DEFAULT_BIND}
   * @param port the port, 0 for a free one
   * @param tls the TLS options, or null for none
   */
  public static ClusterConfig parse(
      List<String> roles, List<String> seedNodes, String bindHost, int port, Tls tls) {
    List<HostPort> seeds = new ArrayList<>();
    for (String s : seedNodes) {
      seeds.add(HostPort.parse("--seed-nodes", s));
    }
    return new ClusterConfig(
        new LinkedHashSet<>(roles),
        seeds,
        bindHost == null ? DEFAULT_BIND : bindHost,
        port,
        Optional.ofNullable(tls));
  }

  /** Refuses a role that is not one of {@link #ROLES}, naming {@code --roles}. */
  static void checkRole(String role) {
    if (!ROLES.contains(role)) {
      throw new ClusterOptionException(
          "--roles "
              + (role.isEmpty() ? "(empty)" : role)
              + ": unknown role; known: "
              + String.join(", ", ROLES));
    }
  }

  /** The {@code pekko://NAME@host:port} addresses of the seed nodes. */
  public List<String> seedAddresses() {
    return seedNodes.stream().map(HostPort::address).toList();
  }

  /** The member's configuration: see {@link #toConfig(Config)} with no settings. */
  public Config toConfig() {
    return toConfig(ConfigFactory.empty());
  }

  /**
   * The member's configuration, resolved, from these layers (each over the next):
   *
   * <ol>
   *   <li>this record's options, and what must hold on every member: the cluster provider, Artery
   *       over TCP (TLS when {@link #tls} is set), Java serialization off;
   *   <li>{@code settings} from the caller (a test's shorter timeouts, for instance);
   *   <li>the JVM's system properties and {@code application.conf};
   *   <li>{@value #DEFAULTS_RESOURCE}: the cluster defaults ({@code splitemu.cluster} keys, the
   *       Split Brain Resolver, the frame size, coordinated shutdown);
   *   <li>every {@code reference.conf} (Pekko's and the modules': the Kryo binding).
   * </ol>
   *
   * <p>The defaults are not in a {@code reference.conf}, so a plain {@code run} stays a local actor
   * system. Overrides of the {@code splitemu.cluster} keys in any layer above the defaults reach
   * the Pekko keys they feed, since the whole is resolved once at the end.
   */
  public Config toConfig(Config settings) {
    ClassLoader loader = ClusterConfig.class.getClassLoader();
    Config defaults = ConfigFactory.parseResources(loader, DEFAULTS_RESOURCE);
    if (!defaults.hasPath("splitemu.cluster")) {
      throw new IllegalStateException(DEFAULTS_RESOURCE + " is missing from the class path");
    }
    return options()
        .withFallback(settings)
        .withFallback(ConfigFactory.defaultOverrides(loader))
        .withFallback(ConfigFactory.defaultApplication(loader))
        .withFallback(defaults)
        .withFallback(ConfigFactory.defaultReference(loader))
        .resolve();
  }

  /** The layer of this record's options: the keys that no other layer may change. */
  private Config options() {
    Map<String, Object> m = new HashMap<>();
    m.put("pekko.actor.provider", "cluster");
    // Only Kryo-bound messages cross JVMs; a settings file cannot bring Java serialization back.
    m.put("pekko.actor.allow-java-serialization", "off");
    m.put("pekko.remote.artery.enabled", "on");
    m.put("pekko.remote.artery.transport", tls.isPresent() ? "tls-tcp" : "tcp");
    m.put("pekko.remote.artery.canonical.hostname", bindHost);
    m.put("pekko.remote.artery.canonical.port", port);
    m.put("pekko.remote.artery.bind.hostname", bindHost);
    m.put("pekko.remote.artery.bind.port", "");
    m.put("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seedAddresses()));
    m.put("pekko.cluster.roles", ConfigValueFactory.fromIterable(new ArrayList<>(roles)));
    tls.ifPresent(
        t -> {
          String p = "pekko.remote.artery.ssl.config-ssl-engine.";
          m.put(p + "key-store", t.keyStore().toAbsolutePath().toString());
          m.put(p + "trust-store", t.trustStore().toAbsolutePath().toString());
          m.put(p + "key-store-password", t.password());
          m.put(p + "key-password", t.password());
          m.put(p + "trust-store-password", t.password());
          // Both sides show a certificate the other trusts: an unknown member cannot connect.
          m.put(p + "require-mutual-authentication", "on");
          // Pekko's engine with a trust manager that says whom it refuses (TlsRefusals).
          m.put(
              "pekko.remote.artery.ssl.ssl-engine-provider", TlsRefusals.Provider.class.getName());
        });
    return ConfigFactory.parseMap(m, "splitemu cluster options");
  }

  /**
   * Checks that {@code bindHost} names an address of this machine, before anything binds it: a name
   * that does not resolve is {@code --bind HOST: cannot resolve host}, an address no interface of
   * this machine has (nor the loopback) is {@code --bind HOST: not an address of this machine},
   * each one line. (Artery itself fails with a stack trace on either, and only at start.)
   *
   * @param bindHost a host name or IPv4 address, as checked on construction
   */
  public static void checkBindable(String bindHost) {
    InetAddress address;
    try {
      address = InetAddress.getByName(bindHost);
    } catch (UnknownHostException e) {
      throw new ClusterOptionException("--bind " + bindHost + ": cannot resolve host");
    }
    boolean local;
    try {
      local = address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      // The interfaces cannot be listed: let the bind itself tell.
      local = true;
    }
    if (!local) {
      throw new ClusterOptionException(
          "--bind "
              + bindHost
              + ": not an address of this machine ("
              + address.getHostAddress()
              + "); give one that a network interface here has");
    }
  }

  /**
   * Whether {@code host} resolves now. A seed that does not is not an error (in containers its name
   * may appear only once its member has started; Pekko resolves it again at each attempt to join).
   */
  public static boolean resolves(String host) {
    try {
      InetAddress.getByName(host);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0");
  }

  private static void checkHost(String option, String host) {
    if (host == null || host.isEmpty()) {
      throw new ClusterOptionException(option + ": empty host");
    }
    if (!HOST.matcher(host).matches() || host.length() > 253) {
      throw new ClusterOptionException(
          option + " " + host + ": expected a host name or an IPv4 address");
    }
  }

  /**
   * A member's address as {@code HOST:PORT}.
   *
   * @param host a host name or IPv4 address
   * @param port 1 to 65535
   */
  public record HostPort(String host, int port) {

    public HostPort {
      checkHost("--seed-nodes", host);
      if (port < 1 || port > 65535) {
        throw new ClusterOptionException(
            "--seed-nodes " + host + ":" + port + ": port out of range 1..65535");
      }
    }

    /** Parses {@code HOST:PORT}, naming {@code option} in the error. */
    public static HostPort parse(String option, String text) {
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new ClusterOptionException(
            option + " " + (text.isEmpty() ? "(empty)" : text) + ": expected HOST:PORT");
      }
      String host = text.substring(0, colon);
      String digits = text.substring(colon + 1);
      if (!digits.matches("[0-9]{1,5}")) {
        throw new ClusterOptionException(
            option + " " + text + ": expected HOST:PORT with a port number");
      }
      int port = Integer.parseInt(digits);
      if (port < 1 || port > 65535) {
        throw new ClusterOptionException(option + " " + text + ": port out of range 1..65535");
      }
      if (!HOST.matcher(host).matches() || host.length() > 253) {
        throw new ClusterOptionException(
            option + " " + text + ": expected a host name or an IPv4 address before the port");
      }
      return new HostPort(host, port);
    }

    /** The Pekko address of the member at this host and port. */
    public String address() {
      return "pekko://" + SYSTEM_NAME + "@" + host + ":" + port;
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /**
   * TLS for Artery ({@code tls-tcp}): a key store with this member's key and certificate, a trust
   * store with the certificates (or the CA) of the members it accepts, and the one password of
   * both. Both stores are opened on construction, so a wrong file or password fails here with one
   * line instead of at the first connection.
   *
   * @param keyStore PKCS12 (or JKS) file holding one private key entry
   * @param trustStore PKCS12 (or JKS) file holding at least one trusted certificate
   * @param password the password of both stores and of the key
   */
  public record Tls(Path keyStore, Path trustStore, String password) {

    public Tls {
      Objects.requireNonNull(password, "password");
      KeyStore keys = open("--tls-keystore", keyStore, password);
      KeyStore trust = open("--tls-truststore", trustStore, password);
      try {
        if (!hasKey(keys)) {
          throw new ClusterOptionException(
              "--tls-keystore " + keyStore + ": holds no private key entry");
        }
        if (!hasCertificate(trust)) {
          throw new ClusterOptionException(
              "--tls-truststore " + trustStore + ": holds no trusted certificate");
        }
        checkKeyChains(keyStore, trustStore, keys, trust, new Date());
      } catch (GeneralSecurityException e) {
        throw new ClusterOptionException("TLS stores: " + e.getMessage(), e);
      }
    }

    /** How long before a certificate of the key store expires {@link #warnings} names it. */
    public static final Duration EXPIRY_WARNING = Duration.ofDays(7);

    /**
     * Refuses, in one line, a key its peers would refuse at every TLS handshake (the member would
     * never join), and returns one line per doubt for {@link #warnings}:
     *
     * <ul>
     *   <li>a certificate outside its validity at {@code now}, among those of the key's chain a
     *       peer validates ({@link #path}): a root or cross-signed certificate that the chain only
     *       bundles, above one that the trust store holds or signed, is not checked, as the JDK's
     *       PKIX validation (Pekko's) does not check it;
     *   <li>a chain the trust store does not accept, checked as a peer's TLS stack checks it (the
     *       JDK's PKIX trust manager, no revocation): signed by a CA in the trust store, or its
     *       certificate itself in the trust store (a self-signed key trusted directly). Refused
     *       when the trust store holds CA certificates only (the usual layout, where every member
     *       trusts the lab's CA, so the peers refuse the key too); a warning when it holds
     *       end-entity certificates (the pinned layout, where each member trusts the others'
     *       self-signed certificates and need not trust its own: only the peers' trust stores
     *       decide).
     * </ul>
     */
    static List<String> checkKeyChains(
        Path keyStore, Path trustStore, KeyStore keys, KeyStore trust, Date now)
        throws GeneralSecurityException {
      X509TrustManager tm = trustManager(trust);
      X509Certificate[] trusted = tm.getAcceptedIssuers();
      boolean pinned = false;
      for (X509Certificate t : trusted) {
        pinned |= t.getBasicConstraints() < 0;
      }
      List<String> warnings = new ArrayList<>();
      for (X509Certificate[] chain : keyChains(keyStore, keys)) {
        for (X509Certificate c : path(chain, trusted)) {
          try {
            c.checkValidity(now);
          } catch (CertificateExpiredException e) {
            throw new ClusterOptionException(
                "--tls-keystore "
                    + keyStore
                    + ": certificate "
                    + name(c)
                    + " expired on "
                    + date(c.getNotAfter()));
          } catch (CertificateNotYetValidException e) {
            throw new ClusterOptionException(
                "--tls-keystore "
                    + keyStore
                    + ": certificate "
                    + name(c)
                    + " not valid before "
                    + date(c.getNotBefore()));
          }
        }
        try {
          // A member is the client of its outbound connections and the server of its inbound ones;
          // TLSv1.3 names no key exchange, hence "UNKNOWN" as the JDK's own handshake passes it.
          tm.checkServerTrusted(chain, "UNKNOWN");
          tm.checkClientTrusted(chain, "UNKNOWN");
        } catch (CertificateException e) {
          String why = e.getMessage() == null ? e.toString() : e.getMessage();
          if (why.contains("PKIX path building failed")) {
            if (pinned) {
              warnings.add(
                  "--tls-keystore "
                      + keyStore
                      + ": its key's certificate "
                      + name(chain[0])
                      + " is not in --tls-truststore "
                      + trustStore
                      + ": peers must trust it in theirs");
              continue;
            }
            throw new ClusterOptionException(
                "--tls-keystore "
                    + keyStore
                    + ": its key's certificate "
                    + name(chain[0])
                    + " is not signed by a CA in --tls-truststore "
                    + trustStore);
          }
          throw new ClusterOptionException(
              "--tls-keystore "
                  + keyStore
                  + ": its key's certificate "
                  + name(chain[0])
                  + " is not accepted for TLS with --tls-truststore "
                  + trustStore
                  + " ("
                  + why.replace('\n', ' ')
                  + ")",
              e);
        }
      }
      return warnings;
    }

    /**
     * The certificates of {@code chain} whose validity a peer's PKIX validation checks: the key's
     * own certificate, and each one above it up to the first that the trust store holds, that a
     * certificate of the trust store signed (then it is the last), or that is self-signed (a root
     * the chain bundles: the peer uses the copy in its own trust store; not included).
     */
    static List<X509Certificate> path(X509Certificate[] chain, X509Certificate[] trusted) {
      List<X509Certificate> path = new ArrayList<>();
      for (int i = 0; i < chain.length; i++) {
        X509Certificate c = chain[i];
        if (i > 0
            && (!c.getSubjectX500Principal().equals(chain[i - 1].getIssuerX500Principal())
                || isTrusted(c, trusted)
                || selfSigned(c))) {
          break;
        }
        path.add(c);
        if (isTrusted(c, trusted) || signedByTrusted(c, trusted)) {
          break;
        }
      }
      return path;
    }

    private static boolean isTrusted(X509Certificate c, X509Certificate[] trusted) {
      for (X509Certificate t : trusted) {
        if (t.equals(c)) {
          return true;
        }
      }
      return false;
    }

    private static boolean signedByTrusted(X509Certificate c, X509Certificate[] trusted) {
      for (X509Certificate t : trusted) {
        if (t.getSubjectX500Principal().equals(c.getIssuerX500Principal())
            && signedBy(c, t.getPublicKey())) {
          return true;
        }
      }
      return false;
    }

    private static boolean selfSigned(X509Certificate c) {
      return c.getSubjectX500Principal().equals(c.getIssuerX500Principal())
          && signedBy(c, c.getPublicKey());
    }

    private static boolean signedBy(X509Certificate c, PublicKey key) {
      try {
        c.verify(key);
        return true;
      } catch (GeneralSecurityException e) {
        return false;
      }
    }

    /**
     * One line per certificate a peer validates of the key store's chains ({@link #path}) that
     * expires within {@link #EXPIRY_WARNING} of {@code now} (the member starts, but a long run or a
     * long-lived node would stop being accepted by its peers), and the line of a key that the trust
     * store of a pinned layout does not hold ({@link #checkKeyChains}), for the command to print as
     * warnings.
     */
    public List<String> warnings(Instant now) {
      List<String> lines = new ArrayList<>();
      try {
        KeyStore keys = open("--tls-keystore", keyStore, password);
        KeyStore trust = open("--tls-truststore", trustStore, password);
        X509Certificate[] trusted = trustManager(trust).getAcceptedIssuers();
        for (X509Certificate[] chain : keyChains(keyStore, keys)) {
          for (X509Certificate c : path(chain, trusted)) {
            Instant end = c.getNotAfter().toInstant();
            if (!end.isAfter(now.plus(EXPIRY_WARNING))) {
              long hours = Math.max(0, Duration.between(now, end).toHours());
              lines.add(
                  "--tls-keystore "
                      + keyStore
                      + ": certificate "
                      + name(c)
                      + " expires on "
                      + date(c.getNotAfter())
                      + " (in "
                      + (hours >= 48 ? hours / 24 + " days" : hours + " h")
                      + "); peers refuse it from then on: renew it");
            }
          }
        }
        lines.addAll(checkKeyChains(keyStore, trustStore, keys, trust, Date.from(now)));
      } catch (GeneralSecurityException | ClusterOptionException e) {
        // checked on construction
      }
      return lines;
    }

    private static List<X509Certificate[]> keyChains(Path keyStore, KeyStore keys)
        throws GeneralSecurityException {
      List<X509Certificate[]> chains = new ArrayList<>();
      for (String alias : Collections.list(keys.aliases())) {
        if (!keys.isKeyEntry(alias)) {
          continue;
        }
        Certificate[] chain = keys.getCertificateChain(alias);
        if (chain == null || chain.length == 0) {
          throw new ClusterOptionException(
              "--tls-keystore " + keyStore + ": key " + alias + " has no certificate");
        }
        X509Certificate[] x = new X509Certificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
          if (!(chain[i] instanceof X509Certificate)) {
            throw new ClusterOptionException(
                "--tls-keystore " + keyStore + ": key " + alias + " has a non-X.509 certificate");
          }
          x[i] = (X509Certificate) chain[i];
        }
        chains.add(x);
      }
      return chains;
    }

    private static X509TrustManager trustManager(KeyStore trust) throws GeneralSecurityException {
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(trust);
      for (TrustManager t : f.getTrustManagers()) {
        if (t instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new GeneralSecurityException("no X.509 trust manager");
    }

    private static String name(X509Certificate c) {
      return c.getSubjectX500Principal().getName();
    }

    private static String date(Date d) {
      return DateTimeFormatter.ISO_INSTANT.format(d.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * TLS from the command-line options: the password from {@code passwordFile} (its first line)
     * when given, else from {@link #PASSWORD_ENV} in {@code env}. Null when neither store is given.
     */
    public static Tls of(
        Path keyStore, Path trustStore, Path passwordFile, Map<String, String> env) {
      if (keyStore == null && trustStore == null) {
        if (passwordFile != null) {
          throw new ClusterOptionException(
              "--tls-password-file: given without --tls-keystore and --tls-truststore");
        }
        return null;
      }
      if (keyStore == null || trustStore == null) {
        throw new ClusterOptionException(
            (keyStore == null ? "--tls-truststore" : "--tls-keystore")
                + ": TLS needs both --tls-keystore and --tls-truststore");
      }
      // The files are checked before the password, so a wrong path is named first.
      checkReadable("--tls-keystore", keyStore);
      checkReadable("--tls-truststore", trustStore);
      return new Tls(keyStore, trustStore, password(passwordFile, env));
    }

    /** The password from the file's first line, or from the environment variable. */
    static String password(Path passwordFile, Map<String, String> env) {
      if (passwordFile != null) {
        checkReadable("--tls-password-file", passwordFile);
        String text;
        try {
          text = Files.readString(passwordFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new ClusterOptionException(
              "--tls-password-file " + passwordFile + ": cannot read (" + e + ")", e);
        }
        int eol = text.indexOf('\n');
        String line = (eol < 0 ? text : text.substring(0, eol)).replace("\r", "");
        if (line.isEmpty()) {
          throw new ClusterOptionException(
              "--tls-password-file " + passwordFile + ": the first line is empty");
        }
        return line;
      }
      String v = env.get(PASSWORD_ENV);
      if (v == null || v.isEmpty()) {
        throw new ClusterOptionException(
            "--tls-keystore: no password; set " + PASSWORD_ENV + " or give --tls-password-file");
      }
      return v;
    }

    private static void checkReadable(String option, Path file) {
      if (!Files.exists(file)) {
        throw new ClusterOptionException(option + " " + file + ": no such file");
      }
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new ClusterOptionException(option + " " + file + ": not a readable file");
      }
    }

    private static KeyStore open(String option, Path file, String password) {
      Objects.requireNonNull(file, option);
      checkReadable(option, file);
      try (InputStream in = Files.newInputStream(file)) {
        // The type Pekko's ConfigSSLEngineProvider opens it with (PKCS12, which reads JKS too).
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(in, password.toCharArray());
        return ks;
      } catch (IOException e) {
        // KeyStore.load reports a wrong password as an IOException caused by an
        // UnrecoverableKeyException; anything else is a file that is not a key store.
        String why =
            e.getCause() instanceof java.security.UnrecoverableKeyException
                ? "wrong password"
                : "cannot open as a key store (" + e.getMessage() + ")";
        throw new ClusterOptionException(option + " " + file + ": " + why, e);
      } catch (GeneralSecurityException e) {
        throw new ClusterOptionException(
            option + " " + file + ": cannot open as a key store (" + e.getMessage() + ")", e);
      }
    }

    private static boolean hasKey(KeyStore ks) throws GeneralSecurityException {
      for (String alias : Collections.list(ks.aliases())) {
        if (ks.isKeyEntry(alias)) {
          return true;
        }
      }
      return false;
    }

    private static boolean hasCertificate(KeyStore ks) throws GeneralSecurityException {
      for (String alias : Collections.list(ks.aliases())) {
        if (ks.getCertificate(alias) != null) {
          return true;
        }
      }
      return false;
    }

    /** Names the stores and hides the password, which must not reach a log or an error line. */
    @Override
    public String toString() {
      return "Tls[keyStore=" + keyStore + ", trustStore=" + trustStore + ", password=****]";
    }
  }
}
