package io.splitemu.actors.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * TLS key material for the cluster tests, made once per test JVM with the JDK's keytool by the
 * steps of docs/cluster.md ("TLS"): a CA, a trust store holding it, a member key signed by it, an
 * intruder's self-signed key that no member trusts (with a trust store of its own that holds the CA
 * and its own certificate, so that the intruder starts), and self-signed keys out of their validity
 * or close to its end.
 *
 * @param dir the folder of the files
 * @param trustStore PKCS12 trust store with the CA certificate
 * @param memberKeyStore PKCS12 key store with a member key signed by the CA, and its chain
 * @param intruderKeyStore PKCS12 key store with a self-signed key
 * @param intruderTrustStore PKCS12 trust store with the CA and the intruder's own certificate
 * @param expiredKeyStore PKCS12 key store with a self-signed key that expired 8 days ago
 * @param futureKeyStore PKCS12 key store with a self-signed key valid from 10 days on
 * @param soonKeyStore PKCS12 key store with a self-signed key that expires in 3 days
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
    String password) {

  /** The stores' password in the tests (a real lab uses a secret one, see docs/cluster.md). */
  static final String PASSWORD = "splitemu-test-secret";

  private static TestKeys keys;

  /** The key material, made on the first call (about 15 keytool runs). */
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
    // 1. The lab's CA: a key pair whose certificate signs the members' keys.
    keytool(
        dir,
        "-genkeypair -alias ca -dname CN=splitemu-ca -ext bc:c " + ec,
        "-validity 3650 -keystore ca.p12 -storetype PKCS12 -storepass " + pw);
    keytool(dir, "-exportcert -rfc -alias ca -keystore ca.p12 -storepass " + pw, "-file ca.pem");
    // 2. The trust store every member gets: the CA certificate only.
    keytool(
        dir,
        "-importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12",
        "-storetype PKCS12 -storepass " + pw);
    // 3. A member's key, its signing request, the CA's signature, the chain into its key store.
    keytool(
        dir,
        "-genkeypair -alias member -dname CN=splitemu-member " + ec,
        "-validity 365 -keystore member.p12 -storetype PKCS12 -storepass " + pw);
    keytool(
        dir, "-certreq -alias member -keystore member.p12 -storepass " + pw, "-file member.csr");
    keytool(
        dir,
        "-gencert -alias ca -keystore ca.p12 -storepass " + pw,
        "-infile member.csr -outfile member.pem -rfc -validity 365",
        "-ext KeyUsage:critical=digitalSignature -ext ExtendedKeyUsage=serverAuth,clientAuth");
    keytool(
        dir,
        "-importcert -noprompt -alias ca -file ca.pem -keystore member.p12",
        "-storepass " + pw);
    keytool(
        dir, "-importcert -alias member -file member.pem -keystore member.p12", "-storepass " + pw);
    // 4. An intruder: a key of its own, signed by nobody the members trust.
    keytool(
        dir,
        "-genkeypair -alias member -dname CN=intruder " + ec,
        "-validity 365 -keystore intruder.p12 -storetype PKCS12 -storepass " + pw);
    keytool(
        dir,
        "-exportcert -rfc -alias member -keystore intruder.p12 -storepass " + pw,
        "-file intruder.pem");
    keytool(
        dir,
        "-importcert -noprompt -alias ca -file ca.pem -keystore intruder-trust.p12",
        "-storetype PKCS12 -storepass " + pw);
    keytool(
        dir,
        "-importcert -noprompt -alias intruder -file intruder.pem -keystore intruder-trust.p12",
        "-storepass " + pw);
    // 5. Keys out of their validity, or close to its end (each its own trust store).
    keytool(
        dir,
        "-genkeypair -alias member -dname CN=expired " + ec,
        "-startdate -10d -validity 2 -keystore expired.p12 -storetype PKCS12 -storepass " + pw);
    keytool(
        dir,
        "-genkeypair -alias member -dname CN=future " + ec,
        "-startdate +10d -validity 30 -keystore future.p12 -storetype PKCS12 -storepass " + pw);
    keytool(
        dir,
        "-genkeypair -alias member -dname CN=soon " + ec,
        "-validity 3 -keystore soon.p12 -storetype PKCS12 -storepass " + pw);
    return new TestKeys(
        dir,
        dir.resolve("truststore.p12"),
        dir.resolve("member.p12"),
        dir.resolve("intruder.p12"),
        dir.resolve("intruder-trust.p12"),
        dir.resolve("expired.p12"),
        dir.resolve("future.p12"),
        dir.resolve("soon.p12"),
        pw);
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
