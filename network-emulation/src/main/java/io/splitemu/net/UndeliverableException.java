package io.splitemu.net;

/** Work or a transfer that can never finish, such as a transfer into an endless outage. */
public final class UndeliverableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UndeliverableException(String message) {
    super(message);
  }
}
