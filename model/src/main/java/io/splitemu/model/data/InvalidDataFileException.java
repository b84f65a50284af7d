package io.splitemu.model.data;

import java.io.IOException;

/**
 * A data file that exists but does not hold what it should; the message is one line that names
 * the file and what was expected versus found.
 */
public final class InvalidDataFileException extends IOException {
  private static final long serialVersionUID = 1L;

  public InvalidDataFileException(String message) {
    super(message);
  }

  public InvalidDataFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
