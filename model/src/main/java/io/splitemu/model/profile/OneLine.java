package io.splitemu.model.profile;

/** Keeps refusal messages to one short line even when they quote hostile names or values. */
final class OneLine {
  private OneLine() {}

  /** Longest message kept; the file, line and key come first, quoted input last. */
  static final int MAX_CHARS = 400;

  /** {@code message} with control characters escaped and cut to {@link #MAX_CHARS}. */
  static String of(String message) {
    String m = message == null ? "" : message;
    StringBuilder sb = new StringBuilder(Math.min(m.length(), MAX_CHARS + 8));
    for (int i = 0; i < m.length() && sb.length() < MAX_CHARS; i++) {
      char c = m.charAt(i);
      if (Character.isISOControl(c)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (sb.length() >= MAX_CHARS) {
      sb.setLength(MAX_CHARS - 3);
      sb.append("...");
    }
    return sb.toString();
  }

  /** {@code e} itself if its message is already one short line, else a copy that is. */
  static IllegalArgumentException refusal(IllegalArgumentException e) {
    String m = of(e.getMessage());
    return m.equals(e.getMessage()) ? e : new IllegalArgumentException(m, e);
  }
}
