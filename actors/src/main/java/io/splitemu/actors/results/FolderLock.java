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
 * An exclusive lock on a results folder, held while a {@code run}, a {@code --resume} or a {@code
 * compare} writes into it, so that a second process on the same folder is refused in one line
 * rather than cutting and appending to the tables under the first (docs/runtime.md "Results
 * files"). It is an operating-system lock on the folder's hidden file {@value #FILE}: it dies with
 * the process that holds it, however that process ends (a SIGKILL too), so the file left behind
 * never blocks a later run. The file itself stays (deleting it could let two processes lock two
 * different files of one name); it is empty.
 */
public final class FolderLock implements AutoCloseable {

  /** The file of a results folder that is locked. */
  public static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private FolderLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks results folder {@code dir}, which must exist; one line naming the folder if another
   * process (or another run of this one) holds it. Where the lock's file cannot be made or the file
   * system has no locks, a warning line, and no lock.
   */
  public static FolderLock take(Path dir) {
    Path f = dir.resolve(FILE);
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
      l = null; // held by this JVM
    } catch (IOException e) {
      closeQuietly(ch);
      return unlocked(dir, e, f); // a file system without locks
    }
    if (l == null) {
      closeQuietly(ch);
      throw new IllegalArgumentException(
          "results folder "
              + dir
              + " is in use by another splitemu process (it holds "
              + f
              + "); wait for it to end, or stop it");
    }
    return new FolderLock(ch, l);
  }

  /**
   * Locks {@code dir}, creating it first where it does not exist; {@code reserved}: the caller
   * created it for this run ({@link ResultsWriter#reserveRunFolder}). Where the folder was created
   * for this run, the lock's release removes it again if nothing was written into it (a run that
   * failed before it started).
   */
  public static Held takeCreating(Path dir, boolean reserved) {
    boolean created = reserved;
    if (!Files.isDirectory(dir)) {
      try {
        if (Files.exists(dir)) {
          throw new java.nio.file.FileAlreadyExistsException(dir.toString());
        }
        Files.createDirectories(dir);
        created = true;
      } catch (IOException e) {
        throw new UncheckedIOException(IoReasons.cannotCreateFolder(dir, e), e);
      }
    }
    try {
      return new Held(take(dir), dir, created);
    } catch (RuntimeException e) {
      if (created) {
        removeIfUnused(dir, e);
      }
      throw e;
    }
  }

  /**
   * A lock taken by {@link #takeCreating}: its close releases it and, where the folder was created
   * for this run and holds nothing but the lock file, removes the folder again.
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

  // Removes dir where it holds nothing but the lock file; a failure is added to e, if any.
  private static void removeIfUnused(Path dir, RuntimeException e) {
    try {
      if (Files.isDirectory(dir) && ResultsWriter.holdsOnly(dir, FILE)) {
        Files.deleteIfExists(dir.resolve(FILE));
        Files.deleteIfExists(dir);
      }
    } catch (IOException c) {
      if (e != null) {
        e.addSuppressed(c); // an empty folder left behind; the run's own line matters more
      }
    }
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
    return new FolderLock(null, null);
  }

  /** Releases the lock; the file stays. */
  @Override
  public void close() {
    if (channel == null) {
      return;
    }
    try {
      lock.release();
    } catch (IOException e) {
      // Closing the channel releases it too.
    } finally {
      closeQuietly(channel);
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
