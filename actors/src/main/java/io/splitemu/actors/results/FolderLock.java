package io.splitemu.actors.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a results folder, held while a {@code run}, a {@code --resume}, the JVM that
 * holds a {@code --failover} lease or a {@code compare} writes into it, so that a second process on
 * the same folder is refused in one line rather than cutting and appending to the tables under the
 * first (docs/runtime.md "Results files"). It is an operating-system lock on the folder's hidden
 * file {@value #FILE}: it dies with the process that holds it, however that process ends (a SIGKILL
 * too), so the file left behind never blocks a later run. The file itself stays (deleting it could
 * let two processes lock two different files of one name); it is empty. Nothing in this process may
 * open and close the file while it is held: on Linux the close of any descriptor of the file
 * releases the process's lock.
 */
public final class FolderLock implements AutoCloseable {

  /** The file of a results folder that is locked. */
  public static final String FILE = ".lock";

  /**
   * The folders (their real paths) whose {@link #FILE} this JVM holds. The OS lock belongs to the
   * process: a second channel on a held file would be refused by the JDK (OverlappingFileLock), and
   * closing that second channel would release the lock held through the first (on Linux), so
   * another process could then take it. This JVM therefore asks this set first and never opens a
   * channel on a file it holds.
   */
  private static final java.util.Set<Path> HELD = new java.util.HashSet<>();

  /** Channels that met an overlapping lock: never closed, as closing one releases the lock. */
  private static final java.util.List<FileChannel> NEVER_CLOSED = new java.util.ArrayList<>();

  private final FileChannel channel;
  private final FileLock lock;
  private final Path key;

  private FolderLock(FileChannel channel, FileLock lock, Path key) {
    this.channel = channel;
    this.lock = lock;
    this.key = key;
  }

  /**
   * Locks results folder {@code dir}, which must exist; one line naming the folder if another
   * process (or another run of this one) holds it. Where the lock's file cannot be made or the file
   * system has no locks, a warning line, and no lock.
   */
  public static FolderLock take(Path dir) {
    Path f = dir.resolve(FILE);
    Path key;
    try {
      key = dir.toRealPath();
    } catch (IOException e) {
      key = dir.toAbsolutePath().normalize();
    }
    synchronized (HELD) {
      if (HELD.contains(key)) {
        throw inUse(dir, f); // held by this JVM: no second channel on its file
      }
      FileChannel ch;
      try {
        ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        return unlocked(dir, e, f);
      }
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        // Locked by this JVM outside this class: closing ch would release that lock.
        NEVER_CLOSED.add(ch);
        throw inUse(dir, f);
      } catch (IOException e) {
        closeQuietly(ch);
        return unlocked(dir, e, f); // a file system without locks
      }
      if (l == null) {
        closeQuietly(ch); // ch holds no lock of this JVM: another process holds the file
        throw inUse(dir, f);
      }
      HELD.add(key);
      return new FolderLock(ch, l, key);
    }
  }

  private static InUse inUse(Path dir, Path f) {
    return new InUse(
        "results folder "
            + dir
            + " is in use by another splitemu process (it holds "
            + f
            + "); wait for it to end, or stop it");
  }

  /** The refusal of a folder that another process (or another run of this one) holds. */
  public static final class InUse extends IllegalArgumentException {
    InUse(String message) {
      super(message);
    }
  }

  /**
   * Locks {@code dir}, creating it first where it does not exist; {@code reserved}: the caller
   * created it for this run ({@link ResultsWriter#reserveRunFolder}). Where the folder was created
   * for this run (by the caller, or here by {@link Files#createDirectory}, which only one process
   * can do), the lock's release removes it again if nothing was written into it (a run that failed
   * before it started). A folder that cannot be locked is never removed: another process holds it.
   */
  public static Held takeCreating(Path dir, boolean reserved) {
    boolean created = reserved;
    if (!Files.isDirectory(dir)) {
      try {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.exists(parent)) {
          Files.createDirectories(parent); // a parent that is a file: createDirectory says so
        }
        Files.createDirectory(dir);
        created = true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (!Files.isDirectory(dir)) {
          throw new UncheckedIOException(IoReasons.cannotCreateFolder(dir, e), e);
        }
        // Another process created it meanwhile: not this run's to remove.
      } catch (IOException e) {
        throw new UncheckedIOException(IoReasons.cannotCreateFolder(dir, e), e);
      }
    }
    Held h = new Held(take(dir), dir, created);
    if (created) {
      synchronized (CREATED) {
        CREATED.add(h);
      }
    }
    return h;
  }

  /**
   * Whether {@code dir} is missing, or holds nothing but the lock's file (and a {@code --failover}
   * holder's {@link FailoverToken#FILE}).
   */
  public static boolean holdsNothing(Path dir) {
    try {
      return !Files.isDirectory(dir) || ResultsWriter.holdsOnlyBookkeeping(dir);
    } catch (IOException e) {
      return false; // cannot be listed: it may hold results
    }
  }

  /** The locks of this JVM on folders created for their run, until released. */
  private static final java.util.Set<Held> CREATED = new java.util.LinkedHashSet<>();

  /**
   * Removes every folder this JVM created for a run and still holds, where it holds nothing but the
   * lock file (and a {@code --failover} token), and says whether it removed any; for a JVM about to
   * end without releasing its locks (a signal's shutdown hook, a halt), so that a run stopped
   * before writing anything leaves no folder that looks like a run's. The locks stay held until the
   * process ends.
   */
  public static boolean removeUnusedCreated() {
    boolean removed = false;
    synchronized (CREATED) {
      for (Held h : CREATED) {
        if (Files.isDirectory(h.dir) && removeIfUnused(h.dir, null)) {
          removed = true;
        }
      }
    }
    return removed;
  }

  /**
   * A lock taken by {@link #takeCreating}: its close releases it and, where the folder was created
   * for this run and holds nothing but the lock file (and a {@code --failover} token), removes the
   * folder again.
   */
  public static final class Held implements AutoCloseable {
    private final FolderLock lock;
    private final Path dir;
    private final boolean created;

    Held(FolderLock lock, Path dir, boolean created) {
      this.lock = lock;
      this.dir = dir;
      this.created = created;
    }

    @Override
    public void close() {
      synchronized (CREATED) {
        CREATED.remove(this);
      }
      try {
        if (created) {
          // Before the release: no one else can lock the folder meanwhile.
          removeIfUnused(dir, null);
        }
      } finally {
        lock.close();
      }
    }
  }

  // Removes dir where it holds nothing but the lock file and a --failover token (whether it did);
  // a failure is added to e, if any. Not where this JVM holds a --failover token on dir that no
  // longer names it: the token and the folder are then another holder's (a successor's that took
  // the folder over while this JVM was cut off), whose next check would fence it. So a --failover
  // holder closes its lock before its token.
  private static boolean removeIfUnused(Path dir, RuntimeException e) {
    try {
      if (Files.isDirectory(dir)
          && ResultsWriter.holdsOnlyBookkeeping(dir)
          && FailoverToken.mayWrite(dir)) {
        ResultsWriter.deleteBookkeeping(dir);
        Files.deleteIfExists(dir);
        return true;
      }
    } catch (IOException c) {
      if (e != null) {
        e.addSuppressed(c); // an empty folder left behind; the run's own line matters more
      }
    }
    return false;
  }

  /**
   * No lock, where the folder's file cannot be made or the file system has no locks (some network
   * and FUSE mounts): the run goes on as before locks existed, with one warning line, rather than
   * being refused for it; what it then writes fails, if it must, with its own line.
   */
  private static FolderLock unlocked(Path dir, IOException e, Path f) {
    System.err.println(
        "splitemu: warning: cannot lock results folder "
            + dir
            + " ("
            + IoReasons.reason(e, f)
            + "); another process could write into it at the same time");
    System.err.flush();
    return new FolderLock(null, null, null);
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() {
    if (channel == null) {
      return;
    }
    synchronized (HELD) {
      if (!channel.isOpen()) {
        return; // released already
      }
      try {
        lock.release();
      } catch (IOException e) {
        // Closing the channel releases it too.
      } finally {
        closeQuietly(channel);
        HELD.remove(key);
      }
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // Nothing was written through it.
    }
  }
}
