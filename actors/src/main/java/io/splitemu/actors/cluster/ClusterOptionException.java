package io.splitemu.actors.cluster;

/** A cluster member option that is wrong, in one line that names the option. */
public final class ClusterOptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ClusterOptionException(String message) {
    super(message);
  }

  public ClusterOptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
