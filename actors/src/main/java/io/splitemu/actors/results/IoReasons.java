package io.splitemu.actors.results;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Words an I/O failure for a person, in a few words and without a Java class name: a {@link
 * FileSystemException} of the JDK often has only the path as its message ({@code /tmp/ro/out} for
 * "permission denied"), which says nothing on its own.
 */
public final class IoReasons {

  private IoReasons() {}

  /**
   * {@code cannot create results folder DIR: REASON}, the line {@code run} and {@code compare}
   * give.
   */
  public static String cannotCreateFolder(Path dir, IOException e) {
    return "cannot create results folder " + dir + ": " + reason(e, dir);
  }

  /**
   * Why {@code e} failed, as {@code permission denied}, {@code not a directory}, {@code a file of
   * that name exists}, {@code read-only file system}...; the file it names is added in parentheses
   * where it is not {@code about} (a parent folder, a file inside it).
   */
  public static String reason(IOException e, Path about) {
    String why;
    if (e instanceof AccessDeniedException) {
      why = "permission denied";
    } else if (e instanceof FileAlreadyExistsException) {
      why = "a file of that name exists";
    } else if (e instanceof NoSuchFileException) {
      why = "no such file or directory";
    } else if (e instanceof NotDirectoryException) {
      why = "not a directory";
    } else if (e instanceof DirectoryNotEmptyException) {
      why = "directory not empty";
    } else if (e instanceof FileSystemException f && f.getReason() != null) {
      String r = f.getReason().strip();
      why = r.isEmpty() ? "failed" : r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
    } else if (e instanceof FileSystemException) {
      why = "failed";
    } else {
      why =
          e.getMessage() == null || e.getMessage().isBlank()
              ? "input/output error"
              : e.getMessage();
    }
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String file = f.getFile();
      if (about == null || !Path.of(file).equals(about)) {
        why += " (" + file + (f.getOtherFile() != null ? ", " + f.getOtherFile() : "") + ")";
      }
    }
    return why.replace('\n', ' ').replace('\r', ' ');
  }
}
