package io.splitemu.model.profile;

import io.splitemu.model.nn.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

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
    return load(fileOrName, DataType.FLOAT);
  }

  /**
   * The DAG profile of a model name or file whose tensors and weights are {@code dataType} elements
   * (FLOAT or DOUBLE). Models described by shapes (the zoo, the built-in architectures, a prototxt)
   * are charged {@code dataType.width()} bytes an element; a {@code *.dag.json} states its bytes
   * outright and is refused for DOUBLE ({@link #statesBytes}).
   *
   * @throws IllegalArgumentException as {@link #load(String)}, or a {@code *.dag.json} for DOUBLE
   */
  public static DagProfile load(String fileOrName, DataType dataType) {
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("data type must be FLOAT or DOUBLE, got " + dataType);
    }
    int width = dataType == DataType.DOUBLE ? 8 : 4;
    if (fileOrName == null || fileOrName.isBlank()) {
      throw new IllegalArgumentException("no model given; known names: " + knownList());
    }
    if (ModelZoo.names().contains(fileOrName)) {
      return ModelZoo.profile(fileOrName, dataType).toDag();
    }
    if (BuiltinProfiles.names().contains(fileOrName)) {
      return BuiltinProfiles.get(fileOrName, width);
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
    String why = TextFiles.notAFile(file);
    if (why != null && Files.exists(file)) {
      throw new IllegalArgumentException(fileOrName + ": " + why);
    }
    if (why != null) {
      // A relative path is read from the working folder: the path looked for says which.
      throw new IllegalArgumentException(
          fileOrName
              + ": no such file (looked for "
              + file.toAbsolutePath().normalize()
              + (file.isAbsolute()
                  ? ""
                  : "; a relative path is taken from the working directory, "
                      + Path.of("").toAbsolutePath())
              + "; and not a known model name: "
              + knownList()
              + ")");
    }
    if (fileOrName.endsWith(DagJson.SUFFIX)) {
      if (width != 4) {
        throw new IllegalArgumentException(
            fileOrName
                + ": a *.dag.json profile states its bytes outright, so it cannot be charged at "
                + width
                + " bytes an element (data type "
                + dataType.name().toLowerCase(java.util.Locale.ROOT)
                + ")");
      }
      return DagJson.read(file);
    }
    if (fileOrName.endsWith(CaffePrototxt.SUFFIX)) {
      return CaffePrototxt.read(file, width).dag();
    }
    throw new IllegalArgumentException(
        fileOrName
            + ": unknown model file type; expected a name ending in "
            + DagJson.SUFFIX
            + " or "
            + CaffePrototxt.SUFFIX);
  }

  /**
   * Whether {@code fileOrName} names a profile that states its bytes outright (a {@code *.dag.json}
   * file, not a known name), which {@link #load(String, DataType)} cannot charge at another element
   * size.
   */
  public static boolean statesBytes(String fileOrName) {
    return fileOrName != null
        && !names().contains(fileOrName)
        && fileOrName.endsWith(DagJson.SUFFIX);
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
