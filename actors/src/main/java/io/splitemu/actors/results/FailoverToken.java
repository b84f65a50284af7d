package io.splitemu.actors.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fencing token of a results folder run under {@code --failover} (docs/cluster.md): the
 * folder's hidden file {@value #FILE}, {@code generation N} and {@code member HOST:PORT}. The JVM
 * that takes the folder over writes it with the generation it found there plus one (1 where there
 * was none) and its lease member's address, whole or not at all (a temporary file, renamed). Before
 * each of its writes that a successor would read (a checkpoint and the pruning of older ones, the
 * summary, report and plots, the end marker, a resume's cut of the tables and the run label) it
 * reads the file again: one small read per such write, none per row. Once the file carries another
 * generation (a newer holder took the folder over while this JVM was cut off), this JVM writes
 * nothing more to the folder, not even a row: it says so once and its run ends. A run without
 * {@code --failover} has no token and writes no such file.
 *
 * <p>The tokens this JVM holds are kept by folder, so that the results writer of a folder finds its
 * token without being handed it.
 */
public final class FailoverToken implements AutoCloseable {

  /** The file of a results folder that names its newest {@code --failover} holder. */
  public static final String FILE = ".failover-holder";

  /**
   * What a token file says: its holder's generation and lease member, or, where the file is gone or
   * cannot be read, a generation of -1 and no member.
   */
  public record Holder(long generation, String member) {
    /** Whether the file was there and readable. */
    public boolean known() {
      return generation >= 0;
    }
  }

  private static final Pattern TEXT =
      Pattern.compile("generation (\\d{1,18})\\nmember ([^\\n]*)\\n?", Pattern.DOTALL);

  private static final Map<Path, FailoverToken> HELD = new ConcurrentHashMap<>();

  private final Path dir;
  private final Path key;
  private final long generation;
  private final Consumer<Holder> taken;
  private final List<Runnable> onTaken = new CopyOnWriteArrayList<>();
  private volatile boolean takenOver;

  private FailoverToken(Path dir, Path key, long generation, Consumer<Holder> taken) {
    this.dir = dir;
    this.key = key;
    this.generation = generation;
    this.taken = taken;
  }

  private static Path key(Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  /**
   * Takes folder {@code dir} (which exists) over for lease member {@code member}: writes its token
   * with the generation found there plus one. {@code taken} is told, once, the newer holder that
   * took it over from this JVM, when a write finds it.
   */
  public static FailoverToken take(Path dir, String member, Consumer<Holder> taken) {
    Holder before = read(dir);
    long generation = Math.max(before.generation(), 0) + 1;
    CsvTable.writeAtomically(dir.resolve(FILE), text(generation, member));
    FailoverToken t = new FailoverToken(dir, key(dir), generation, taken);
    HELD.put(t.key, t);
    return t;
  }

  /** The token file's text for {@code generation} and {@code member}. */
  static String text(long generation, String member) {
    return "generation " + generation + "\nmember " + member + "\n";
  }

  /** What {@code dir}'s token file says ({@link Holder#known} false if none, or unreadable). */
  public static Holder read(Path dir) {
    try {
      Matcher m =
          TEXT.matcher(Files.readString(dir.resolve(FILE), StandardCharsets.UTF_8).strip() + "\n");
      return m.matches()
          ? new Holder(Long.parseLong(m.group(1)), m.group(2))
          : new Holder(-1, null);
    } catch (IOException | NumberFormatException e) {
      return new Holder(-1, null); // gone, or unreadable: not this JVM's
    }
  }

  /** The token this JVM holds on {@code dir}, or null (not a {@code --failover} holder's). */
  public static FailoverToken held(Path dir) {
    return HELD.get(key(dir));
  }

  /**
   * Whether this JVM may still write into {@code dir}: true where it holds no token on it (no
   * {@code --failover}), else {@link #mayWrite()}.
   */
  public static boolean mayWrite(Path dir) {
    FailoverToken t = held(dir);
    return t == null || t.mayWrite();
  }

  /** The generation this JVM wrote. */
  public long generation() {
    return generation;
  }

  /**
   * Whether the folder's token still carries this JVM's generation: one read of the file. Once it
   * does not (another holder's, or gone), never again, without reading: the newer holder is told,
   * once, to the consumer given at {@link #take}, then the actions {@link #onTaken}.
   */
  public boolean mayWrite() {
    if (takenOver) {
      return false;
    }
    Holder now = read(dir);
    if (now.generation() == generation) {
      return true;
    }
    synchronized (this) {
      if (takenOver) {
        return false;
      }
      takenOver = true;
    }
    taken.accept(now);
    onTaken.forEach(Runnable::run);
    return false;
  }

  /** Whether a write found that a newer holder took the folder over (no read). */
  public boolean takenOver() {
    return takenOver;
  }

  /** Runs {@code action} once a write finds the folder taken over (at once if it was). */
  public void onTaken(Runnable action) {
    onTaken.add(action);
    if (takenOver) {
      action.run();
    }
  }

  /** This JVM no longer holds the folder (its run has ended): the file stays. */
  @Override
  public void close() {
    HELD.remove(key, this);
  }
}
