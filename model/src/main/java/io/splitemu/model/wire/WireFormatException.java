package io.splitemu.model.wire;

/** Thrown when bytes cannot be decoded into a message: truncated, corrupt or of another version. */
public final class WireFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public WireFormatException(String message) {
    super(message);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
