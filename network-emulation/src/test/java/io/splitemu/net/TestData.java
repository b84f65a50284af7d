package io.splitemu.net;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the shared data folder given by the {@code splitemu.data} system property. */
public final class TestData {
  private TestData() {}

  /** The folder or file below the data folder; skips if unset, fails if set but missing. */
  public static Path require(String relative, String skipped) {
    String root = System.getProperty("splitemu.data", "");
    if (root.isBlank()) {
      Assumptions.abort("splitemu.data is not set: " + skipped);
    }
    Path p = Path.of(root).resolve(relative);
    if (!Files.exists(p)) {
      fail("splitemu.data=" + root + " has no " + relative + " (needed for " + skipped + ")");
    }
    return p;
  }
}
