package io.splitemu.model.profile;

import io.splitemu.model.nn.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a model given on the command line or in a scenario to its DAG profile.
 *
 * <p>The argument is either a known model name (the trainable zoo or the built-in published
 * architectures) or a path to a {@code *.dag.json} or {@code *.prototxt} file.
 */
public final class ModelProfiles {

  private ModelProfiles() {}

  /**
   * The DAG profile of a model name or file.
   *
   * @throws IllegalArgumentException with a one-line reason: unknown name (listing the known ones),
   *     missing file, unknown extension, or bad file content
   */
  public static DagProfile load(String fileOrName) {
    if (fileOrName == null || fileOrName.isBlank()) {
      throw new IllegalArgumentException("no model given; known names: " + knownList());
    }
    if (ModelZoo.names().contains(fileOrName)) {
      return ModelZoo.profile(fileOrName).toDag();
    }
    if (BuiltinProfiles.names().contains(fileOrName)) {
      return BuiltinProfiles.get(fileOrName);
    }
    boolean looksLikeFile =
        fileOrName.contains("/")
            || fileOrName.contains("\\")
            || fileOrName.endsWith(DagJson.SUFFIX)
            || fileOrName.endsWith(CaffePrototxt.SUFFIX)
            || fileOrName.contains(".");
    if (!looksLikeFile) {
      throw new IllegalArgumentException(
          "unknown model '" + fileOrName + "', known: " + knownList() + " (or a file)");
    }
    Path file = Path.of(fileOrName);
    if (!Files.isRegularFile(file)) {
      // A relative path is read from the working folder: the path looked for says which.
      throw new IllegalArgumentException(
          fileOrName
              + ": no such file (looked for "
              + file.toAbsolutePath().normalize()
              + "; and not a known model name: "
              + knownList()
              + ")");
    }
    if (fileOrName.endsWith(DagJson.SUFFIX)) {
      return DagJson.read(file);
    }
    if (fileOrName.endsWith(CaffePrototxt.SUFFIX)) {
      return CaffePrototxt.read(file).dag();
    }
    throw new IllegalArgumentException(
        fileOrName
            + ": unknown model file type; expected a name ending in "
            + DagJson.SUFFIX
            + " or "
            + CaffePrototxt.SUFFIX);
  }

  /** Every model name {@link #load} accepts, zoo first, then the built-in architectures. */
  public static List<String> names() {
    List<String> all = new ArrayList<>(ModelZoo.names());
    all.addAll(BuiltinProfiles.names());
    return all;
  }

  private static String knownList() {
    return String.join(", ", names());
  }
}
