package io.splitemu.actors.config;

/**
 * A bad scenario setting: the message names the file and line when known, the full key, and what
 * was expected, on one line.
 */
public final class SettingsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SettingsException(String message) {
    super(message);
  }
}
