package io.splitemu.actors.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.wire.MessageClasses;
import io.splitemu.model.wire.WireCodec;
import io.splitemu.model.wire.WireRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * Checkpoint files: a magic word, the Kryo bytes of a {@link Checkpoint} through the project's wire
 * codec, and a CRC-32 of those bytes, so a file torn by a kill or damaged later is refused rather
 * than half read.
 */
public final class Checkpoints {

  /** The file format; a checkpoint of another version is refused. */
  public static final int VERSION = 4;

  private static final long MAGIC = 0x53504c4954434b50L; // "SPLITCKP"

  private static volatile WireCodec codec;

  private Checkpoints() {}

  /**
   * What a resume of {@code s} must match: the fingerprint of its resolved configuration and of its
   * faults as read, so an edited availability file (its rows are faults, not configuration text) is
   * a different run too. Data, trace and profile files are not read here: a resume trusts them. The
   * keys of {@link #UNFINGERPRINTED} are left out: they watch the run or bound its wall-clock
   * waits, and change no emulated figure, so a resume may give them other values. A build whose
   * defaults differ (a new key, another default value) is another configuration: its checkpoints do
   * not resume with this one.
   */
  public static String fingerprint(io.splitemu.actors.config.Settings s) {
    Config c = ConfigFactory.parseString(s.resolved());
    for (String path : UNFINGERPRINTED) {
      c = c.withoutPath(path);
    }
    // Keys sorted, without comments: rewording a comment of reference.conf moves no fingerprint.
    return fingerprint(c.root().render(ConfigRenderOptions.concise()) + "\nfaults " + s.faults());
  }

  /**
   * What a resume may change: the metrics endpoint, the cluster run's join and load timeouts and
   * the wall-clock watchdog (docs/runtime.md, "Checkpoints and resume").
   */
  static final List<String> UNFINGERPRINTED =
      List.of("splitemu.metrics", "splitemu.cluster-run", "splitemu.barrier.timeout");

  /** The SHA-256 (hex) of a resolved scenario: what a resume must match. */
  public static String fingerprint(String resolvedScenario) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of()
          .formatHex(sha.digest(resolvedScenario.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The bytes of a checkpoint's file: the magic number, the format version (outside the encoded
   * body, so a file of another version is named as such before anything is decoded), the body and
   * the body's CRC-32.
   */
  public static byte[] encode(Checkpoint c) {
    byte[] body = codec().toBytes(c);
    CRC32 crc = new CRC32();
    crc.update(body);
    return ByteBuffer.allocate(body.length + 20)
        .putLong(MAGIC)
        .putInt(VERSION)
        .put(body)
        .putLong(crc.getValue())
        .array();
  }

  /** The checkpoint in {@code file}; one line naming the file if it is no readable checkpoint. */
  public static Checkpoint read(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read checkpoint " + file + ": " + e, e);
    }
    ByteBuffer b = ByteBuffer.wrap(all);
    if (all.length < 21 || b.getLong() != MAGIC) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " is corrupt or torn: not a splitemu checkpoint");
    }
    // Format 2 and before had no version here: their first body bytes are no version either.
    if (b.getInt() != VERSION) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " is of another format; this build reads version " + VERSION);
    }
    byte[] body = new byte[all.length - 20];
    b.get(body);
    CRC32 crc = new CRC32();
    crc.update(body);
    if (b.getLong() != crc.getValue()) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " is corrupt or torn: its checksum does not match");
    }
    Object o;
    try {
      o = codec().fromBytes(body);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " cannot be decoded: " + RunGuardian.oneLine(e), e);
    }
    if (!(o instanceof Checkpoint c) || c.version() != VERSION) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " is of another format; this build reads version " + VERSION);
    }
    return c;
  }

  /**
   * The newest readable checkpoint of results folder {@code dir}; a newer unreadable one is skipped
   * with one line to {@code warn}. Fails with one line naming the folder if there is none.
   */
  public static Checkpoint newest(Path dir, Consumer<String> warn) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--resume: results folder " + dir + " does not exist");
    }
    Path folder = dir.resolve("checkpoints");
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(folder)) {
      try (var s = Files.list(folder)) {
        s.filter(ResultsWriter::isCheckpoint).sorted(ResultsWriter.BY_ROUND).forEach(files::add);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot list " + folder + ": " + e, e);
      }
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "--resume: "
              + dir
              + " holds no checkpoint (run with checkpoint.every = K, or stop it"
              + " with SIGTERM)");
    }
    IllegalArgumentException last = null;
    for (int i = files.size() - 1; i >= 0; i--) {
      try {
        return read(files.get(i));
      } catch (IllegalArgumentException e) {
        last = e;
        if (i > 0) {
          warn.accept(e.getMessage() + "; resuming from the one before");
        }
      }
    }
    throw last;
  }

  /** The file of round {@code round}'s checkpoint in {@code dir}. */
  public static Path file(Path dir, int round) {
    return ResultsWriter.checkpointFile(dir, round);
  }

  // A codec of every message class of the build without actor references (a checkpoint holds
  // none), with the ids the cluster wire gives them.
  private static WireCodec codec() {
    WireCodec c = codec;
    if (c == null) {
      synchronized (Checkpoints.class) {
        if (codec == null) {
          Config config = ConfigFactory.load(Checkpoints.class.getClassLoader());
          WireRegistry.Builder b = WireRegistry.builderFromConfig(config);
          for (Class<?> type :
              MessageClasses.find(
                      config.getStringList("splitemu.serialization.message-packages"),
                      Checkpoints.class.getClassLoader())
                  .values()) {
            if (!b.contains(type)) {
              b.register(type, MessageClasses.idOf(type));
            }
          }
          codec = WireCodec.fromConfig(config, b.build());
        }
        c = codec;
      }
    }
    return c;
  }
}
