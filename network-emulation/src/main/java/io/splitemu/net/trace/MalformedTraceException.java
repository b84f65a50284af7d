package io.splitemu.net.trace;

/** A trace line that does not fit its format; the message names file, line and expectation. */
public final class MalformedTraceException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String file;

  public MalformedTraceException(String file, long line, String expected, String got) {
    super(file + ":" + line + ": expected " + expected + ", got '" + abbreviate(got) + "'");
    this.file = file;
  }

  /** A problem with line {@code line} that is not a value of the wrong form. */
  public MalformedTraceException(String file, long line, String problem) {
    super(file + ":" + line + ": " + problem);
    this.file = file;
  }

  public MalformedTraceException(String file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  /**
   * The message after the file's name ({@code ":6: expected ..."} or {@code ": expected ..."}): a
   * caller that knows where the file is names it by its path and goes on with this.
   */
  public String afterFile() {
    return getMessage().substring(file.length());
  }

  /**
   * The line as quoted in the message: control characters escaped so the message stays one line.
   */
  private static String abbreviate(String s) {
    String cut = s.length() <= 80 ? s : s.substring(0, 77) + "...";
    StringBuilder sb = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      if (Character.isISOControl(c)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
