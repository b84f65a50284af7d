package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCacheTest {
  private static final byte[] CONTENT = "some data file\n".getBytes(StandardCharsets.UTF_8);

  @TempDir Path source;
  @TempDir Path cacheDir;

  private static String sha(byte[] b) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void fetch_fileUrl_downloadsVerifiesAndCaches() throws Exception {
    Path remote = Files.write(source.resolve("data.bin"), CONTENT);
    DataCache cache = new DataCache(cacheDir);
    Path got = cache.fetch(remote.toUri(), sha(CONTENT));
    assertEquals(cacheDir.resolve("data.bin"), got);
    assertArrayEquals(CONTENT, Files.readAllBytes(got));
    assertFalse(Files.exists(cacheDir.resolve("data.bin.part")));
  }

  @Test
  void fetch_cachedWithRightHash_isNotFetchedAgain() throws Exception {
    Path remote = Files.write(source.resolve("data.bin"), CONTENT);
    DataCache cache = new DataCache(cacheDir);
    URI url = remote.toUri();
    cache.fetch(url, sha(CONTENT));
    // With the source gone, only the cached copy can satisfy the second call.
    Files.delete(remote);
    Path again = cache.fetch(url, sha(CONTENT).toUpperCase());
    assertArrayEquals(CONTENT, Files.readAllBytes(again));
  }

  @Test
  void fetch_cachedWithWrongHash_isReplaced() throws Exception {
    Path remote = Files.write(source.resolve("data.bin"), CONTENT);
    Files.write(cacheDir.resolve("data.bin"), "stale".getBytes(StandardCharsets.UTF_8));
    Path got = new DataCache(cacheDir).fetch(remote.toUri(), sha(CONTENT));
    assertArrayEquals(CONTENT, Files.readAllBytes(got));
  }

  @Test
  void fetch_hashMismatch_deletesPartialAndNamesUrlAndBothHashes() throws Exception {
    Path remote = Files.write(source.resolve("data.bin"), CONTENT);
    String wrong = "0".repeat(64);
    URI url = remote.toUri();
    IOException e =
        assertThrows(IOException.class, () -> new DataCache(cacheDir).fetch(url, wrong));
    assertEquals(
        url + ": sha256 mismatch, expected " + wrong + ", found " + sha(CONTENT), e.getMessage());
    assertFalse(Files.exists(cacheDir.resolve("data.bin")));
    assertFalse(Files.exists(cacheDir.resolve("data.bin.part")));
  }

  @Test
  void fetch_missingSource_failsNamingUrl() throws Exception {
    URI url = source.resolve("absent.bin").toUri();
    IOException e = assertThrows(IOException.class,
        () -> new DataCache(cacheDir).fetch(url, sha(CONTENT)));
    assertTrue(e.getMessage().startsWith(url + ": download failed"), e.getMessage());
    assertFalse(Files.exists(cacheDir.resolve("absent.bin.part")));
  }

  @Test
  void fetch_badHashArgument_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new DataCache(cacheDir).fetch(source.resolve("x").toUri(), "abc"));
  }

  @Test
  void defaultDirectory_prefersXdgCacheHome() {
    Path home = Path.of("/home/u", ".cache", "splitemu");
    assertEquals(
        Path.of("/x/cache", "splitemu"), DataCache.defaultDirectory("/x/cache", "/home/u"));
    assertEquals(home, DataCache.defaultDirectory("", "/home/u"));
    assertEquals(home, DataCache.defaultDirectory(null, "/home/u"));
  }

  @Test
  void fetchMnist_fromLocalMirror_verifiesOfficialHashesAndLoads() throws Exception {
    Path mnist =
        TestData.require("mnist/t10k-labels-idx1-ubyte.gz", "MNIST fetch from a file: URL")
            .getParent();
    Path folder = new DataCache(cacheDir).fetchMnist(mnist.toUri());
    for (DataCache.KnownFile f : DataCache.MNIST_FILES) {
      assertEquals(f.sha256(), DataCache.sha256Of(folder.resolve(f.name())), f.name());
    }
    assertEquals(10000, MnistLoader.load(folder, "t10k").size());
  }
}
