package io.splitemu.actors.config;

/**
 * A bad scenario setting: the message names the file and line when known, the full key, and what
 * was expected, on one line.
 */
public final class SettingsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SettingsException(String message) {
    super(escapeControls(message));
  }

  // A quoted value may hold a newline ("x\ny"): escaped, the message stays one line.
  private static String escapeControls(String message) {
    if (message == null || message.chars().noneMatch(Character::isISOControl)) {
      return message;
    }
    StringBuilder sb = new StringBuilder(message.length() + 8);
    for (char c : message.toCharArray()) {
      sb.append(
          Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return sb.toString();
  }
}
