package io.splitemu.net.trace;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What a trace-driven link does after one pass of its trace. */
public enum EndPolicy {
  /** Start the trace again (the default, as mahimahi does). */
  LOOP("loop"),
  /** Keep the rate of the trace's last sample forever. */
  HOLD_LAST("hold-last"),
  /** Carry nothing more: a transfer that needs more is reported undeliverable. */
  STOP("stop");

  private final String label;

  EndPolicy(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static EndPolicy parse(String text) {
    for (EndPolicy p : values()) {
      if (p.label.equals(text)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown trace end policy '"
            + text
            + "', expected one of "
            + Arrays.stream(values()).map(EndPolicy::label).collect(Collectors.joining(", ")));
  }
}
