package io.splitemu.model.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A local cache of downloaded data files, each verified against a known SHA-256 so that a file is
 * fetched at most once and never used when corrupt.
 *
 * <p>The default location is {@code $XDG_CACHE_HOME/splitemu}, or {@code ~/.cache/splitemu} when
 * that variable is unset; tests pass their own folder.
 */
public final class DataCache {
  /**
   * A file with a known content hash.
   *
   * @param name file name
   * @param sha256 lower-case hex SHA-256 of its bytes
   */
  public record KnownFile(String name, String sha256) {}

  /** The four official gzip MNIST files, so a mirror's copy is checked against the original. */
  public static final List<KnownFile> MNIST_FILES =
      List.of(
          new KnownFile(
              "train-images-idx3-ubyte.gz",
              "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
          new KnownFile(
              "train-labels-idx1-ubyte.gz",
              "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
          new KnownFile(
              "t10k-images-idx3-ubyte.gz",
              "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
          new KnownFile(
              "t10k-labels-idx1-ubyte.gz",
              "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"));

  private static final int CONNECT_TIMEOUT_MILLIS = 15_000;
  private static final int READ_TIMEOUT_MILLIS = 60_000;

  private final Path dir;

  /** A cache rooted at {@code dir} (created on first download). */
  public DataCache(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  /** The cache at the user's default location. */
  public static DataCache defaultCache() {
    return new DataCache(defaultDirectory(System.getenv("XDG_CACHE_HOME"),
        System.getProperty("user.home")));
  }

  /**
   * The default cache folder: {@code xdgCacheHome/splitemu} when that is set, else {@code
   * userHome/.cache/splitemu}.
   */
  static Path defaultDirectory(String xdgCacheHome, String userHome) {
    if (xdgCacheHome != null && !xdgCacheHome.isBlank()) {
      return Path.of(xdgCacheHome, "splitemu");
    }
    return Path.of(userHome, ".cache", "splitemu");
  }

  /** The folder this cache keeps files in. */
  public Path directory() {
    return dir;
  }

  /** Fetches {@code url} into a cache file named like the last segment of the URL's path. */
  public Path fetch(URI url, String sha256) throws IOException {
    String path = url.getPath();
    if (path == null || path.isEmpty() || path.endsWith("/")) {
      throw new IllegalArgumentException(url + ": expected a URL naming a file, found none");
    }
    return fetch(url, sha256, path.substring(path.lastIndexOf('/') + 1));
  }

  /**
   * Returns the cached file {@code fileName}, downloading it from {@code url} first unless a copy
   * with the expected hash is already there.
   *
   * <p>The download goes to a {@code .part} file that is moved into place only after its hash
   * matched; on a mismatch the partial file is deleted and an {@link IOException} names the URL
   * and both hashes.
   *
   * @param url where to download from (any scheme {@link java.net.URL} supports)
   * @param sha256 expected SHA-256, hex, either case
   * @param fileName name of the file in the cache
   */
  public Path fetch(URI url, String sha256, String fileName) throws IOException {
    Objects.requireNonNull(url, "url");
    String expected = sha256.toLowerCase(Locale.ROOT);
    if (!expected.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("expected a 64-digit hex sha256 for " + url + ", found "
          + sha256);
    }
    if (fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\")
        || fileName.equals("..") || fileName.equals(".")) {
      throw new IllegalArgumentException("expected a plain cache file name, found " + fileName);
    }
    Path target = dir.resolve(fileName);
    if (Files.isRegularFile(target) && expected.equals(sha256Of(target))) {
      return target;
    }
    Files.createDirectories(dir);
    Path part = dir.resolve(fileName + ".part");
    String actual;
    try {
      actual = download(url, part);
    } catch (IOException e) {
      Files.deleteIfExists(part);
      throw new IOException(url + ": download failed: " + e.getMessage(), e);
    }
    if (!expected.equals(actual)) {
      Files.deleteIfExists(part);
      throw new IOException(url + ": sha256 mismatch, expected " + expected + ", found " + actual);
    }
    try {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  /**
   * Fetches the four MNIST files from {@code baseUrl} (a folder URL ending in {@code /}) into a
   * {@code mnist} sub-folder of this cache, verifying the official hashes, and returns that folder
   * for {@link MnistLoader#load(Path)}.
   */
  public Path fetchMnist(URI baseUrl) throws IOException {
    String base = baseUrl.toString();
    if (!base.endsWith("/")) {
      base = base + "/";
    }
    DataCache sub = new DataCache(dir.resolve("mnist"));
    for (KnownFile file : MNIST_FILES) {
      sub.fetch(URI.create(base + file.name()), file.sha256(), file.name());
    }
    return sub.directory();
  }

  /** Hex SHA-256 of a file's bytes. */
  public static String sha256Of(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int r;
      while ((r = in.read(buf)) > 0) {
        md.update(buf, 0, r);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static String download(URI url, Path part) throws IOException {
    MessageDigest md = sha256();
    URLConnection conn = url.toURL().openConnection();
    conn.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
    conn.setReadTimeout(READ_TIMEOUT_MILLIS);
    try (InputStream in = conn.getInputStream();
        OutputStream out = Files.newOutputStream(part)) {
      byte[] buf = new byte[1 << 16];
      int r;
      while ((r = in.read(buf)) > 0) {
        md.update(buf, 0, r);
        out.write(buf, 0, r);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256, so this cannot happen on a conforming JVM.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
