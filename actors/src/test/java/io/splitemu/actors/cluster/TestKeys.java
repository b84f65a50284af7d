package io.splitemu.actors.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * TLS key material for the cluster tests, made once per test JVM with the JDK's keytool by the
 * steps of docs/cluster.md ("TLS"): a CA, a trust store holding it, a member key signed by it, an
 * intruder's self-signed key that no member trusts (with a trust store of its own that holds the CA
 * and its own certificate, so that the intruder starts), self-signed keys out of their validity or
 * close to its end, another lab's CA, a pinned layout's key and trust store, and the member key
 * with an expired copy of the CA's certificate bundled in its chain.
 *
 * @param dir the folder of the files
 * @param trustStore PKCS12 trust store with the CA certificate
 * @param memberKeyStore PKCS12 key store with a member key signed by the CA, and its chain
 * @param intruderKeyStore PKCS12 key store with a self-signed key
 * @param intruderTrustStore PKCS12 trust store with the CA and the intruder's own certificate
 * @param expiredKeyStore PKCS12 key store with a self-signed key that expired 8 days ago
 * @param futureKeyStore PKCS12 key store with a self-signed key valid from 10 days on
 * @param soonKeyStore PKCS12 key store with a self-signed key that expires in 3 days
 * @param otherTrustStore PKCS12 trust store with the certificate of another CA (another lab's)
 * @param peerKeyStore PKCS12 key store with a self-signed key of a pinned layout (no CA)
 * @param pinnedTrustStore PKCS12 trust store with the intruder's (self-signed) certificate only:
 *     the peer's trust store in a pinned layout, where each member trusts the others' certificates
 * @param bundledKeyStore PKCS12 key store with the member key whose chain ends in an expired copy
 *     of the CA's certificate (same name and key, valid 400 to 370 days ago)
 * @param password the password of every store
 */
record TestKeys(
    Path dir,
    Path trustStore,
    Path memberKeyStore,
    Path intruderKeyStore,
    Path intruderTrustStore,
    Path expiredKeyStore,
    Path futureKeyStore,
    Path soonKeyStore,
    Path otherTrustStore,
    Path peerKeyStore,
    Path pinnedTrustStore,
    Path bundledKeyStore,
    String password) {

  /** The stores' password in the tests (a real lab uses a secret one, see docs/cluster.md). */
  static final String PASSWORD = "splitemu-test-secret";

  private static TestKeys keys;

  /** The key material, made on the first call (about 22 keytool runs). */
  static synchronized TestKeys get() throws IOException, InterruptedException {
    if (keys == null) {
      Path dir = Files.createTempDirectory("splitemu-tls-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "test-keys-cleanup"));
      keys = make(dir);
    }
    return keys;
  }

  private static TestKeys make(Path dir) throws IOException, InterruptedException {
    String pw = PASSWORD;
    String ec = "-keyalg EC -groupname secp256r1";
    // The steps below are those of docs/cluster.md; each keytool run is a JVM of its own (about a
    // second of CPU), so the runs that need no other's files run side by side.
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      // 1. The lab's CA: a key pair whose certificate signs the members' keys.
      Step ca =
          Step.first(
              pool,
              dir,
              "-genkeypair -alias ca -dname CN=splitemu-ca -ext bc:c " + ec,
              "-validity 3650 -keystore ca.p12 -storetype PKCS12 -storepass " + pw);
      Step caPem =
          ca.then("-exportcert -rfc -alias ca -keystore ca.p12 -storepass " + pw, "-file ca.pem");
      // 2. The trust store every member gets: the CA certificate only.
      Step trust =
          caPem.then(
              "-importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12",
              "-storetype PKCS12 -storepass " + pw);
      // 3. A member's key, its signing request, the CA's signature, the chain into its key store.
      Step memberCsr =
          Step.first(
                  pool,
                  dir,
                  "-genkeypair -alias member -dname CN=splitemu-member " + ec,
                  "-validity 365 -keystore member.p12 -storetype PKCS12 -storepass " + pw)
              .then(
                  "-certreq -alias member -keystore member.p12 -storepass " + pw,
                  "-file member.csr");
      Step memberPem =
          memberCsr
              .and(ca)
              .then(
                  "-gencert -alias ca -keystore ca.p12 -storepass " + pw,
                  "-infile member.csr -outfile member.pem -rfc -validity 365",
                  "-ext KeyUsage:critical=digitalSignature -ext"
                      + " ExtendedKeyUsage=serverAuth,clientAuth");
      Step member =
          memberCsr
              .and(caPem)
              .then(
                  "-importcert -noprompt -alias ca -file ca.pem -keystore member.p12",
                  "-storepass " + pw)
              .and(memberPem)
              .then(
                  "-importcert -alias member -file member.pem -keystore member.p12",
                  "-storepass " + pw);
      // 4. An intruder: a key of its own, signed by nobody the members trust.
      Step intruderPem =
          Step.first(
                  pool,
                  dir,
                  "-genkeypair -alias member -dname CN=intruder " + ec,
                  "-validity 365 -keystore intruder.p12 -storetype PKCS12 -storepass " + pw)
              .then(
                  "-exportcert -rfc -alias member -keystore intruder.p12 -storepass " + pw,
                  "-file intruder.pem");
      Step intruderTrust =
          caPem
              .then(
                  "-importcert -noprompt -alias ca -file ca.pem -keystore intruder-trust.p12",
                  "-storetype PKCS12 -storepass " + pw)
              .and(intruderPem)
              .then(
                  "-importcert -noprompt -alias intruder -file intruder.pem -keystore"
                      + " intruder-trust.p12",
                  "-storepass " + pw);
      // 5. Keys out of their validity, or close to its end (each its own trust store).
      Step expired =
          Step.first(
              pool,
              dir,
              "-genkeypair -alias member -dname CN=expired " + ec,
              "-startdate -10d -validity 2 -keystore expired.p12 -storetype PKCS12 -storepass "
                  + pw);
      Step future =
          Step.first(
              pool,
              dir,
              "-genkeypair -alias member -dname CN=future " + ec,
              "-startdate +10d -validity 30 -keystore future.p12 -storetype PKCS12 -storepass "
                  + pw);
      Step soon =
          Step.first(
              pool,
              dir,
              "-genkeypair -alias member -dname CN=soon " + ec,
              "-validity 3 -keystore soon.p12 -storetype PKCS12 -storepass " + pw);
      // 6. Another lab's CA, and the trust store of its members.
      Step other =
          Step.first(
                  pool,
                  dir,
                  "-genkeypair -alias ca -dname CN=other-ca -ext bc:c " + ec,
                  "-validity 3650 -keystore other-ca.p12 -storetype PKCS12 -storepass " + pw)
              .then(
                  "-exportcert -rfc -alias ca -keystore other-ca.p12 -storepass " + pw,
                  "-file other-ca.pem")
              .then(
                  "-importcert -noprompt -alias ca -file other-ca.pem -keystore other-trust.p12",
                  "-storetype PKCS12 -storepass " + pw);
      // 7. A pinned layout: a peer's self-signed key, and a trust store with the intruder's
      //    certificate only (the peer trusts the intruder; the intruder's store would hold the
      //    peer's).
      Step peer =
          Step.first(
              pool,
              dir,
              "-genkeypair -alias member -dname CN=peer " + ec,
              "-validity 365 -keystore peer.p12 -storetype PKCS12 -storepass " + pw);
      Step pinned =
          intruderPem.then(
              "-importcert -noprompt -alias intruder -file intruder.pem -keystore pinned-trust.p12",
              "-storetype PKCS12 -storepass " + pw);
      // 8. An expired copy of the CA's certificate (its own key signs it), bundled at the end of
      //    the member key's chain: the trust store's copy is the anchor, this one is never
      //    validated.
      Step caExpired =
          ca.then("-certreq -alias ca -keystore ca.p12 -storepass " + pw, "-file ca.csr")
              .then(
                  "-gencert -alias ca -keystore ca.p12 -storepass " + pw,
                  "-infile ca.csr -outfile ca-expired.pem -rfc -startdate -400d -validity 30"
                      + " -ext bc:c");
      for (Step s :
          List.of(
              trust,
              member,
              intruderTrust,
              expired,
              future,
              soon,
              other,
              peer,
              pinned,
              caExpired)) {
        s.await();
      }
    } finally {
      pool.shutdownNow();
    }
    bundle(dir, pw);
    return new TestKeys(
        dir,
        dir.resolve("truststore.p12"),
        dir.resolve("member.p12"),
        dir.resolve("intruder.p12"),
        dir.resolve("intruder-trust.p12"),
        dir.resolve("expired.p12"),
        dir.resolve("future.p12"),
        dir.resolve("soon.p12"),
        dir.resolve("other-trust.p12"),
        dir.resolve("peer.p12"),
        dir.resolve("pinned-trust.p12"),
        dir.resolve("bundled.p12"),
        pw);
  }

  /** bundled.p12: member.p12's key with the chain (its certificate, the CA's expired copy). */
  private static void bundle(Path dir, String pw) throws IOException {
    try {
      KeyStore member = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(dir.resolve("member.p12"))) {
        member.load(in, pw.toCharArray());
      }
      Certificate expired;
      try (InputStream in = Files.newInputStream(dir.resolve("ca-expired.pem"))) {
        expired = CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      KeyStore bundled = KeyStore.getInstance("PKCS12");
      bundled.load(null, null);
      bundled.setKeyEntry(
          "member",
          member.getKey("member", pw.toCharArray()),
          pw.toCharArray(),
          new Certificate[] {member.getCertificate("member"), expired});
      try (OutputStream out = Files.newOutputStream(dir.resolve("bundled.p12"))) {
        bundled.store(out, pw.toCharArray());
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("bundled.p12: " + e, e);
    }
  }

  /**
   * A keytool run, started once the runs it reads the files of have ended ({@link #then} starts one
   * after this one, {@link #and} waits for another as well).
   */
  private record Step(ExecutorService pool, Path dir, CompletableFuture<Void> done) {

    /** A run that needs no other's files. */
    static Step first(ExecutorService pool, Path dir, String... args) {
      return new Step(pool, dir, CompletableFuture.completedFuture(null)).then(args);
    }

    /** A run after this one. */
    Step then(String... args) {
      return new Step(
          pool,
          dir,
          done.thenRunAsync(
              () -> {
                try {
                  keytool(dir, args);
                } catch (IOException | InterruptedException e) {
                  throw new CompletionException(e);
                }
              },
              pool));
    }

    /** This run and {@code other}, for a run that needs the files of both. */
    Step and(Step other) {
      return new Step(pool, dir, CompletableFuture.allOf(done, other.done));
    }

    /** Waits for the run, rethrowing its failure. */
    void await() throws IOException, InterruptedException {
      try {
        done.get();
      } catch (ExecutionException e) {
        Throwable cause =
            e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
        if (cause instanceof IOException io) {
          throw io;
        }
        if (cause instanceof InterruptedException ie) {
          throw ie;
        }
        throw new IOException("keytool: " + cause, cause);
      }
    }
  }

  /** Runs the JDK's keytool in {@code dir} with the space-separated arguments. */
  private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.add("-J-XX:TieredStopAtLevel=1");
    for (String a : args) {
      command.addAll(List.of(a.split(" ")));
    }
    Path log = dir.resolve("keytool.log");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool did not finish within 60 s: " + command);
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          "keytool failed (" + p.exitValue() + "): " + command + "\n" + Files.readString(log));
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
