package io.splitemu.net.trace;

/** A trace line that does not fit its format; the message names file, line and expectation. */
public final class MalformedTraceException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedTraceException(String file, long line, String expected, String got) {
    super(file + ":" + line + ": expected " + expected + ", got '" + abbreviate(got) + "'");
  }

  public MalformedTraceException(String file, String problem) {
    super(file + ": " + problem);
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
