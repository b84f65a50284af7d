package io.splitemu.actors.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fencing token of a results folder run under {@code --failover} (docs/cluster.md): the
 * folder's hidden file {@value #FILE}, {@code generation N}, {@code member HOST:PORT} and {@code
 * nonce HEX}, a random number of the JVM that wrote it. The JVM that takes the folder over claims a
 * generation above any found there by creating its claim file {@code .failover-holder.N} (an
 * exclusive create: of two takers that try one generation, one gets it and the other tries the
 * next), then writes the token, whole or not at all (a temporary file, renamed), and removes the
 * claim files of older generations. Before each of its writes that a successor would read (a
 * checkpoint and the pruning of older ones, the summary, report and plots, the end marker, a
 * resume's cut of the tables, the run label, and the removal of a run that never started) it reads
 * the token again: one small read per such write, none per row. Once the token names another holder
 * (generation, member and nonce: a holder that took the folder over while this JVM was cut off),
 * this JVM writes nothing more to the folder, not even a row: it says so once and its run ends. A
 * read that fails is tried three times before it counts. A run that never had {@code --failover} on
 * its folder has no token and writes no such file.
 *
 * <p>The tokens this JVM holds are kept by folder, so that the results writer of a folder finds its
 * token without being handed it.
 */
public final class FailoverToken implements AutoCloseable {

  /** The file of a results folder that names its newest {@code --failover} holder. */
  public static final String FILE = ".failover-holder";

  /** How many reads of the token a check (or a take) tries before a failure counts. */
  static final int TRIES = 3;

  /** The wait before the second read of a check; doubled before the third. */
  private static final long BACKOFF_MS = 50;

  /**
   * What a token file says: its holder's generation, lease member and nonce (null in a file written
   * before nonces existed), or, where the file is gone or cannot be read, a generation of -1 and no
   * member.
   */
  public record Holder(long generation, String member, String nonce) {
    /** Whether the file was there and readable. */
    public boolean known() {
      return generation >= 0;
    }
  }

  /** A token that is there but cannot be read or is not a token: refused, not taken for none. */
  public static final class Unreadable extends IllegalArgumentException {
    Unreadable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final Holder UNKNOWN = new Holder(-1, null, null);

  private static final Pattern TEXT =
      Pattern.compile(
          "generation (\\d{1,18})\\nmember ([^\\n]*)(?:\\nnonce ([0-9a-f]{1,64}))?\\n?",
          Pattern.DOTALL);

  private static final Pattern CLAIM = Pattern.compile(Pattern.quote(FILE) + "\\.(\\d{1,18})");

  private static final SecureRandom NONCES = new SecureRandom();

  private static final Map<Path, FailoverToken> HELD = new ConcurrentHashMap<>();

  private final Path dir;
  private final Path key;
  private final Holder self;
  private final BiConsumer<FailoverToken, Holder> taken;
  private final List<Runnable> onTaken = new CopyOnWriteArrayList<>();
  private volatile boolean takenOver;
  private volatile String resumeNote;

  private FailoverToken(Path dir, Holder self, BiConsumer<FailoverToken, Holder> taken) {
    this.dir = dir;
    this.key = key(dir);
    this.self = self;
    this.taken = taken;
  }

  private static Path key(Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  /**
   * Takes folder {@code dir} (which exists) over for {@code member}: claims the first generation
   * above the token's and every claim file's that no other taker claimed, and writes the token.
   * {@code taken} is told, once, this token and the holder that took the folder from this JVM, when
   * a write finds it. A token that is there but cannot be read is refused ({@link Unreadable}), in
   * one line naming the file.
   */
  public static FailoverToken take(
      Path dir, String member, BiConsumer<FailoverToken, Holder> taken) {
    Holder before;
    try {
      // A missing token is none at once: a fresh folder's first take waits for nothing, and a
      // token being replaced by another taker is no generation lost, its claim file counts.
      before = readTrying(dir, false);
    } catch (IOException e) {
      throw new Unreadable(
          "cannot read the --failover token "
              + dir.resolve(FILE)
              + " ("
              + IoReasons.reason(e, dir.resolve(FILE))
              + "); it is not taken for none, which would reuse a generation: once no other"
              + " process holds "
              + dir
              + " (a --failover JVM or a --resume), remove it and start again",
          e);
    }
    long generation = Math.max(before == null ? 0 : before.generation(), highestClaim(dir));
    String nonce = HexFormat.of().toHexDigits(NONCES.nextLong());
    while (true) {
      generation++;
      Holder h = new Holder(generation, member, nonce);
      Path claim = claimFile(dir, generation);
      try {
        Files.write(
            claim,
            text(h).getBytes(StandardCharsets.UTF_8),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        continue; // another taker claimed it: the next one
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot write " + claim + ": " + IoReasons.reason(e, claim), e);
      }
      CsvTable.writeAtomically(dir.resolve(FILE), text(h));
      removeOlderClaims(dir, generation);
      FailoverToken t = new FailoverToken(dir, h, taken);
      HELD.put(t.key, t);
      return t;
    }
  }

  /** The claim file of {@code generation} in {@code dir}. */
  static Path claimFile(Path dir, long generation) {
    return dir.resolve(FILE + "." + generation);
  }

  /** Whether {@code name} is a token's or a claim's file name (bookkeeping, not a result). */
  static boolean isTokenFile(String name) {
    return name.equals(FILE) || CLAIM.matcher(name).matches();
  }

  /** The highest generation of a claim file in {@code dir}, 0 if none (or it cannot be listed). */
  private static long highestClaim(Path dir) {
    try (var files = Files.list(dir)) {
      return files
          .map(f -> CLAIM.matcher(f.getFileName().toString()))
          .filter(Matcher::matches)
          .mapToLong(m -> Long.parseLong(m.group(1)))
          .max()
          .orElse(0);
    } catch (IOException | UncheckedIOException e) {
      return 0; // the exclusive create still keeps two takers off one generation
    }
  }

  /** Removes the claim files of generations below {@code generation} (best effort). */
  private static void removeOlderClaims(Path dir, long generation) {
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = CLAIM.matcher(f.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(1)) < generation) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // A claim file left behind only keeps its generation from being claimed again.
    }
  }

  /** The token file's text for {@code h}. */
  static String text(Holder h) {
    return "generation "
        + h.generation()
        + "\nmember "
        + h.member()
        + (h.nonce() == null ? "" : "\nnonce " + h.nonce())
        + "\n";
  }

  /** What {@code dir}'s token file says ({@link Holder#known} false if none, or unreadable). */
  public static Holder read(Path dir) {
    try {
      Holder h = readOnce(dir);
      return h == null ? UNKNOWN : h;
    } catch (IOException e) {
      return UNKNOWN;
    }
  }

  /** One read of {@code dir}'s token: null where there is none; a text not a token's throws. */
  private static Holder readOnce(Path dir) throws IOException {
    Path f = dir.resolve(FILE);
    String s;
    try {
      s = Files.readString(f, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
    Matcher m = TEXT.matcher(s.strip() + "\n");
    if (!m.matches()) {
      throw new IOException("not a token (generation N, member HOST:PORT, nonce HEX)");
    }
    try {
      return new Holder(Long.parseLong(m.group(1)), m.group(2), m.group(3));
    } catch (NumberFormatException e) {
      throw new IOException("not a token: " + e.getMessage(), e);
    }
  }

  /**
   * {@link #readOnce}, tried up to {@value #TRIES} times while it fails (an error, or a text that
   * is not a token's: a file system may show a file being replaced for a moment); the last failure
   * is thrown. A missing token is tried again too before null is returned where {@code
   * retryMissing}.
   */
  private static Holder readTrying(Path dir, boolean retryMissing) throws IOException {
    IOException failed = null;
    for (int i = 0; i < TRIES; i++) {
      if (i > 0 && !pause(BACKOFF_MS << (i - 1))) {
        break;
      }
      try {
        Holder h = readOnce(dir);
        if (h != null || !retryMissing) {
          return h;
        }
        failed = null;
      } catch (IOException e) {
        failed = e;
      }
    }
    if (failed != null) {
      throw failed;
    }
    return null;
  }

  private static boolean pause(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
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
    return self.generation();
  }

  /** What this JVM wrote into the token: its generation, member and nonce. */
  public Holder holder() {
    return self;
  }

  /**
   * Whether the folder's token still names this JVM (its generation, member and nonce): a read of
   * the file, tried up to {@value #TRIES} times (with 50 and 100 ms between) where it fails or the
   * file is missing. Once it does not (another holder's, or gone or unreadable three times), never
   * again, without reading: the holder found is told, once, to the consumer given at {@link #take},
   * then the actions {@link #onTaken}.
   */
  public boolean mayWrite() {
    if (takenOver) {
      return false;
    }
    Holder now;
    try {
      now = readTrying(dir, true);
    } catch (IOException e) {
      now = null;
    }
    if (self.equals(now)) {
      return true;
    }
    synchronized (this) {
      if (takenOver) {
        return false;
      }
      takenOver = true;
    }
    taken.accept(this, now == null ? UNKNOWN : now);
    onTaken.forEach(Runnable::run);
    return false;
  }

  /**
   * Has the {@code resume} row of the run this JVM goes on with in the folder end with {@code
   * note}: a {@code --failover} holder that took the run over from a holder that was lost says so
   * there ({@code events.csv} otherwise shows an ordinary resume).
   */
  public void noteOnResume(String note) {
    resumeNote = note;
  }

  /** What the {@code resume} row's detail ends with ({@link #noteOnResume}), or null. */
  public String resumeNote() {
    return resumeNote;
  }

  /** Whether a write found that another holder took the folder over (no read). */
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
