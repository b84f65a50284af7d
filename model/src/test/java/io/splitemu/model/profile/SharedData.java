package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates files of the shared test data folder given by the {@code splitemu.data} property. */
final class SharedData {

  private SharedData() {}

  /**
   * The path of a file below the shared data folder.
   *
   * <p>Aborts the calling test when the property is unset (the data is optional for a quick build)
   * but fails it when the property is set and the file is missing, since that is a broken setup.
   *
   * @param relative path below the data folder, e.g. {@code models/caffe/x.prototxt}
   * @param skipped what is skipped without the data, for the abort message
   */
  static Path file(String relative, String skipped) {
    String root = System.getProperty("splitemu.data");
    if (root == null || root.isBlank()) {
      Assumptions.abort("splitemu.data is not set: " + skipped);
    }
    Path file = Path.of(root).resolve(relative);
    if (!Files.isRegularFile(file)) {
      fail("splitemu.data is " + root + " but " + relative + " is missing there (" + file + ")");
    }
    return file;
  }
}
