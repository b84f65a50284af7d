package io.splitemu.actors.cli;

/** A user's mistake (bad file, bad option value): printed as one line, exit code 1. */
public final class UserException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserException(String message) {
    super(message);
  }

  public UserException(String message, Throwable cause) {
    super(message, cause);
  }
}
