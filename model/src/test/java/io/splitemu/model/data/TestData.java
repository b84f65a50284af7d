package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the shared test data named by the {@code splitemu.data} system property. */
final class TestData {
  private TestData() {}

  /**
   * The path {@code relative} inside the shared data folder; aborts the test when the property is
   * unset (naming what is skipped) and fails it when the property is set but the path is missing.
   */
  static Path require(String relative, String skipped) {
    String root = System.getProperty("splitemu.data");
    if (root == null || root.isBlank()) {
      Assumptions.abort("splitemu.data is not set: " + skipped);
    }
    Path p = Path.of(root).resolve(relative);
    if (!Files.exists(p)) {
      fail("splitemu.data is " + root + " but " + relative + " is missing there (" + p + ")");
    }
    return p;
  }
}
