package io.splitemu.actors.config;

/**
 * A bad scenario setting: the message names the file and line when known, the full key, and what
 * was expected, on one line.
 */
public final class SettingsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final boolean inputFile;

  public SettingsException(String message) {
    this(message, false);
  }

  /**
   * A bad setting; with {@code inputFile}, a file the scenario names (a profile, a measured table,
   * a data file) that is missing or does not parse: an error even where a scheme's refusal of the
   * scenario is not ({@code --keep-refused}).
   */
  public SettingsException(String message, boolean inputFile) {
    super(escapeControls(message));
    this.inputFile = inputFile;
  }

  /** Whether a file the scenario names is missing or broken (not a scheme's refusal). */
  public boolean inputFile() {
    return inputFile;
  }

  // A quoted value may hold a newline ("x\ny"): escaped, the message stays one line.
  private static String escapeControls(String message) {
    if (message == null || message.chars().noneMatch(Character::isISOControl)) {
      return message;
    }
    StringBuilder sb = new StringBuilder(message.length() + 8);
    for (char c : message.toCharArray()) {
      sb.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return sb.toString();
  }
}
