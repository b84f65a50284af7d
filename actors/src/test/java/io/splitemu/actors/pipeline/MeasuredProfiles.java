package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The measured MP-SL profiles of the shared data, for the tests that need them. */
public final class MeasuredProfiles {

  private MeasuredProfiles() {}

  /**
   * {@code profiles/mpsl-measured} of {@code -Dsplitemu.data}, holding {@code files}: a test
   * without the property is skipped with {@code skipped} as its reason; with it, a missing file
   * fails the test.
   */
  public static Path dir(String skipped, String... files) {
    String data = System.getProperty("splitemu.data", "");
    if (data.isBlank()) {
      Assumptions.abort("splitemu.data is not set: " + skipped);
    }
    Path dir = Path.of(data, "profiles", "mpsl-measured");
    for (String f : files) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), "missing shared data file " + dir.resolve(f));
    }
    return dir;
  }
}
