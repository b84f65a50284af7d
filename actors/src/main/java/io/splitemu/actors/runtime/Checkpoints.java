package io.splitemu.actors.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.splitemu.actors.results.IoReasons;
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

  /**
   * The file format; a checkpoint of another version is refused. 5 since a checkpoint says whether
   * {@code checkpoint.every} scheduled it and which crashes had struck ({@link
   * Checkpoint#scheduledRound}, {@link Checkpoint#crashesStruck}), which a version 4 file does not
   * tell; 6 since a device's state says whether it missed a reply since its last model download
   * ({@code Device.Snapshot#stale}), which a version 5 file does not hold (read as this version,
   * its bytes would decode out of step).
   */
  public static final int VERSION = 6;

  private static final long MAGIC = 0x53504c4954434b50L; // "SPLITCKP"

  private static volatile WireCodec codec;

  private Checkpoints() {}

  /**
   * What a resume of {@code s} must match: the fingerprint of its resolved configuration and of its
   * faults as read, so an edited availability file (its rows are faults, not configuration text) is
   * a different run too. The trace and profile files the run reads are not in it: {@link #recorded}
   * adds their digests, which a resume compares on their own; data set files are not read at all (a
   * resume trusts them). The keys of {@link #UNFINGERPRINTED} are left out: they watch the run or
   * bound its wall-clock waits, and change no emulated figure, so a resume may give them other
   * values. A build whose defaults differ (a new key, another default value) is another
   * configuration: its checkpoints do not resume with this one.
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
   * What a checkpoint records of its run (and {@code compare.conf} of each scheme run): the {@link
   * #fingerprint(io.splitemu.actors.config.Settings)} of its configuration, then a line {@code
   * "SHA-256 kind path"} for each trace and profile file the run reads ({@link #inputFiles}), so a
   * resume sees an edited file the configuration names unchanged. A record of an earlier build is
   * the fingerprint alone: its files are not checked. Data set files are not hashed (large, and
   * read anew each run): a resume trusts them.
   */
  public static String recorded(io.splitemu.actors.config.Settings s) {
    StringBuilder b = new StringBuilder(fingerprint(s));
    for (InputFile f : inputFiles(s)) {
      b.append('\n').append(f.sha256()).append(' ').append(f.kind()).append(' ').append(f.path());
    }
    return b.toString();
  }

  /** The configuration's fingerprint in {@code recorded} ({@link #recorded}), without the files. */
  public static String configurationOf(String recorded) {
    int i = recorded.indexOf('\n');
    return i < 0 ? recorded : recorded.substring(0, i);
  }

  /**
   * The first trace or profile file {@code s} reads whose content differs from what {@code
   * recorded} ({@link #recorded}, of the same configuration) says, as {@code "the trace file
   * /abs/up.csv"}; null if none differs or {@code recorded} holds no file digests (an earlier
   * build's). Files are matched by position (the same configuration names them in the same order),
   * so a scenario folder moved between the run and its resume is no difference.
   */
  public static String inputDiffering(String recorded, io.splitemu.actors.config.Settings s) {
    String[] lines = recorded.split("\n", -1);
    if (lines.length < 2) {
      return null;
    }
    List<InputFile> now = inputFiles(s);
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split(" ", 3);
      if (i - 1 >= now.size()) {
        // A file the run read that this configuration no longer names.
        return "the "
            + kindWords(f.length > 2 ? f[1] : "input")
            + " "
            + (f.length > 2 ? f[2] : lines[i]);
      }
      InputFile here = now.get(i - 1);
      if (f.length < 3 || !f[0].equals(here.sha256()) || !f[1].equals(here.kind())) {
        return "the " + kindWords(here.kind()) + " " + here.path();
      }
    }
    if (now.size() > lines.length - 1) {
      InputFile here = now.get(lines.length - 1);
      return "the " + kindWords(here.kind()) + " " + here.path();
    }
    return null;
  }

  private static String kindWords(String kind) {
    return switch (kind) {
      case "trace" -> "trace file";
      case "profile" -> "profile file";
      default -> kind + " file";
    };
  }

  /**
   * A file a run reads besides its scenario and data set.
   *
   * @param kind {@code trace} (a {@code links.trace} file) or {@code profile} (a {@code
   *     dag.profile}, a profile file as {@code model.name}, or MP-SL's measured tables)
   * @param path the file, absolute
   * @param sha256 the SHA-256 (hex) of its content, {@code "unreadable"} if it cannot be read
   */
  public record InputFile(String kind, Path path, String sha256) {}

  /**
   * The trace and profile files {@code s} reads, in the order its configuration names them: every
   * {@code links.trace} file of a trace-link scenario, a DAG scheme's {@code dag.profile} and a
   * {@code model.name} that is a file rather than a known model name, and an MP-SL scheme's
   * measured tables.
   */
  public static List<InputFile> inputFiles(io.splitemu.actors.config.Settings s) {
    List<InputFile> out = new ArrayList<>();
    if (s.links().kind().equals("trace")) {
      for (Path p : s.links().traces().files()) {
        out.add(new InputFile("trace", p, sha256(p)));
      }
    }
    Config c = ConfigFactory.parseString(s.resolved());
    if (io.splitemu.actors.scheme.DagSplitPolicy.isDag(s.scheme())
        && c.hasPath("splitemu.dag.profile")) {
      profileFile(c.getString("splitemu.dag.profile"), out);
    }
    if (c.hasPath("splitemu.model.name")) {
      profileFile(c.getString("splitemu.model.name"), out);
    }
    if (io.splitemu.actors.config.MpslSettings.isPipeline(s.scheme())) {
      io.splitemu.actors.config.MpslSettings m = io.splitemu.actors.config.MpslSettings.of(s);
      String stem = m.model() + "_" + m.dataset();
      for (String table : List.of("_times.csv", "_memory.csv")) {
        Path p = m.profileDir().resolve(stem + table).toAbsolutePath().normalize();
        out.add(new InputFile("profile", p, sha256(p)));
      }
    }
    return out;
  }

  // A model or profile named as a file (read relative to the working folder, as ModelProfiles
  // reads it); a known name or a file not there (refused elsewhere, or not read) adds none.
  private static void profileFile(String name, List<InputFile> out) {
    if (name.isBlank()
        || io.splitemu.model.profile.ModelProfiles.names().contains(name)
        || !Files.isRegularFile(Path.of(name))) {
      return;
    }
    Path p = Path.of(name).toAbsolutePath().normalize();
    out.add(new InputFile("profile", p, sha256(p)));
  }

  private static String sha256(Path file) {
    try (var in = Files.newInputStream(file)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      return "unreadable";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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
   * the CRC-32 of the version and the body (so a corrupt version field is found corrupt, not taken
   * for another version; files of formats 3 to 6 written before 2026-12-06 hold the body's CRC
   * alone, and are read too).
   */
  public static byte[] encode(Checkpoint c) {
    byte[] body = codec().toBytes(c);
    ByteBuffer out = ByteBuffer.allocate(body.length + 20).putLong(MAGIC).putInt(VERSION).put(body);
    return out.putLong(crc(out.array(), 8, body.length + 4)).array();
  }

  private static long crc(byte[] bytes, int from, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, from, length);
    return crc.getValue();
  }

  /** The checkpoint in {@code file}; one line naming the file if it is no readable checkpoint. */
  public static Checkpoint read(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read checkpoint " + file + ": " + IoReasons.reason(e, file), e);
    }
    ByteBuffer b = ByteBuffer.wrap(all);
    if (all.length < 21 || b.getLong() != MAGIC) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " is corrupt or torn: not a splitemu checkpoint");
    }
    // Format 2 and before had no version here: their first body bytes are no version either.
    int version = b.getInt();
    long stored = b.getLong(all.length - 8);
    // The CRC of bytes 8..: the version and the body (or, format 2 and before, the body alone),
    // or of the body alone (formats 3 to 6 written before 2026-12-06).
    boolean versionChecked = stored == crc(all, 8, all.length - 16);
    if (!versionChecked && stored != crc(all, 12, all.length - 20)) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " is corrupt or torn: its checksum does not match");
    }
    if (version != VERSION) {
      // A whole file: its version field, or a field of format 2 and before, or (a file whose
      // checksum leaves the field out) a field taken at its word.
      throw new OtherFormat(file, version);
    }
    byte[] body = new byte[all.length - 20];
    b.get(body);
    Object o;
    try {
      o = codec().fromBytes(body);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "checkpoint " + file + " cannot be decoded: " + RunGuardian.oneLine(e), e);
    }
    if (!(o instanceof Checkpoint c)) {
      throw new OtherFormat(file, -1);
    }
    if (c.version() != VERSION) {
      throw new OtherFormat(file, c.version());
    }
    return c;
  }

  /**
   * A checkpoint that is whole but of another format version: refused at once, not skipped for an
   * older one (which would be of that version too, and whose refusal would not say why).
   */
  public static final class OtherFormat extends IllegalArgumentException {
    OtherFormat(Path file, int version) {
      super(
          "checkpoint "
              + file
              + " is of "
              + (version >= 1 && version < VERSION + 100
                  ? "checkpoint format version " + version
                  : "another format (version 2 or before)")
              + "; this build reads version "
              + VERSION
              + ": resume it with the splitemu build that wrote it, or run the scenario again");
    }
  }

  /**
   * The newest readable checkpoint of results folder {@code dir}; a newer torn or corrupt one is
   * skipped with one line to {@code warn}, one of another format version is refused (one line
   * naming it and its version). Fails with one line naming the folder if there is none.
   */
  public static Checkpoint newest(Path dir, Consumer<String> warn) {
    return newest(dir, warn, false);
  }

  /**
   * The newest readable checkpoint of results folder {@code dir} that {@code checkpoint.every}
   * scheduled ({@link Checkpoint#scheduled}): what a crash restores, the checkpoint the
   * uninterrupted run would have had, whatever SIGTERM checkpoint a stop and its resume left after
   * it. A newer torn or corrupt one is skipped with one line to {@code warn}, one of another format
   * version refused ({@link OtherFormat}); fails with one line naming the folder if there is none.
   */
  public static Checkpoint newestScheduled(Path dir, Consumer<String> warn) {
    return newest(dir, warn, true);
  }

  /**
   * Why {@code --resume}'s {@code dir}, not a folder, is refused: it does not exist or is a file.
   */
  public static String notAFolder(Path dir) {
    return "--resume: "
        + (Files.isRegularFile(dir)
            ? dir + " is a file, not a results folder"
            : Files.exists(dir)
                ? dir + " is not a folder, so not a results folder"
                : "results folder " + dir + " does not exist");
  }

  private static Checkpoint newest(Path dir, Consumer<String> warn, boolean scheduled) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(notAFolder(dir));
    }
    Path folder = dir.resolve("checkpoints");
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(folder)) {
      try (var s = Files.list(folder)) {
        s.filter(ResultsWriter::isCheckpoint).sorted(ResultsWriter.BY_ROUND).forEach(files::add);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot list " + folder + ": " + IoReasons.reason(e, folder), e);
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
      Checkpoint c;
      try {
        c = read(files.get(i));
      } catch (OtherFormat e) {
        throw e; // the ones before are of that version too: none is resumed from
      } catch (IllegalArgumentException e) {
        last = e;
        if (i > 0) {
          warn.accept(e.getMessage() + "; resuming from the one before");
        }
        continue;
      }
      if (!scheduled || c.scheduled()) {
        return c;
      }
    }
    if (last == null) {
      throw new IllegalArgumentException(
          dir + " holds no checkpoint that checkpoint.every scheduled (only SIGTERM's)");
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
