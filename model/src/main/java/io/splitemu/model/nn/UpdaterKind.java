package io.splitemu.model.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The optimizers a model slice can train with. */
public enum UpdaterKind {
  /** SGD with Nesterov momentum (DL4J {@code Nesterovs}). */
  SGD_MOMENTUM("sgd-momentum"),
  /** Adam with the default betas and epsilon. */
  ADAM("adam");

  private final String key;

  UpdaterKind(String key) {
    this.key = key;
  }

  /** The name scenario files use. */
  public String key() {
    return key;
  }

  /** Parses a scenario name such as {@code "adam"} or {@code "sgd-momentum"}. */
  public static UpdaterKind parse(String name) {
    for (UpdaterKind k : values()) {
      if (k.key.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "unknown updater '"
            + name
            + "', known: "
            + Arrays.stream(values()).map(UpdaterKind::key).collect(Collectors.joining(", ")));
  }
}
