package io.splitemu.actors.runtime;

/**
 * A barrier's wall-clock watchdog expired: a real actor sent nothing for {@code barrier.timeout},
 * which no emulated fault explains (a hung emulated device answers at once that it will miss its
 * deadline). The run ends with this one-line message instead of silently dropping the device.
 */
public final class WatchdogExpired extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The one-line reason. */
  public WatchdogExpired(String message) {
    super(message);
  }
}
