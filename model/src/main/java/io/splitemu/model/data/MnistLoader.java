package io.splitemu.model.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads an MNIST-format directory (train and t10k image and label IDX files, gzip or raw) into a
 * {@link DatasetSplit}.
 *
 * <p>Each file is looked up under its canonical name with or without {@code .gz}, and also with the
 * dotted variant ({@code train-images.idx3-ubyte}) some mirrors use. Whether it is compressed is
 * decided from its content, not its name.
 */
public final class MnistLoader {
  /** Number of classes in MNIST-format data. */
  public static final int NUM_CLASSES = 10;

  // MNIST images are SIDE x SIDE pixels.
  private static final int SIDE = 28;

  private MnistLoader() {}

  /** Loads both the training and the test set from {@code dir}. */
  public static DatasetSplit load(Path dir) throws IOException {
    return new DatasetSplit(load(dir, "train"), load(dir, "t10k"));
  }

  /**
   * Loads one part ({@code "train"} or {@code "t10k"}) from {@code dir}, checking that images and
   * labels agree in count.
   */
  public static Dataset load(Path dir, String part) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "expected an MNIST directory");
    }
    Path imagesFile = find(dir, part + "-images", "idx3-ubyte");
    Path labelsFile = find(dir, part + "-labels", "idx1-ubyte");
    IdxReader.Images images = IdxReader.readImages(imagesFile);
    checkSize(imagesFile, images.rows(), images.cols());
    byte[] labels = IdxReader.readLabels(labelsFile, NUM_CLASSES);
    if (labels.length != images.count()) {
      throw new InvalidDataFileException(
          IdxReader.shownPath(labelsFile)
              + ": expected "
              + images.count()
              + " labels to match "
              + IdxReader.shownPath(imagesFile)
              + ", found "
              + labels.length);
    }
    return new Dataset(
        IdxReader.displayName(imagesFile),
        images.rows(),
        images.cols(),
        NUM_CLASSES,
        images.pixels(),
        labels);
  }

  /**
   * The labels of one part ({@code "train"} or {@code "t10k"}) from {@code dir} without its images,
   * for a run that needs only the partition over devices; the images file must still be there and
   * its header must agree in count and size, so a run that trains later finds the same data.
   */
  public static Dataset labelsOnly(Path dir, String part) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "expected an MNIST directory");
    }
    Path imagesFile = find(dir, part + "-images", "idx3-ubyte");
    Path labelsFile = find(dir, part + "-labels", "idx1-ubyte");
    IdxReader.ImagesHeader header = IdxReader.readImagesHeader(imagesFile);
    checkSize(imagesFile, header.rows(), header.cols());
    byte[] labels = IdxReader.readLabels(labelsFile, NUM_CLASSES);
    if (labels.length != header.count()) {
      throw new InvalidDataFileException(
          IdxReader.shownPath(labelsFile)
              + ": expected "
              + header.count()
              + " labels to match "
              + IdxReader.shownPath(imagesFile)
              + ", found "
              + labels.length);
    }
    return Dataset.labelsOnly(
        IdxReader.displayName(imagesFile), header.rows(), header.cols(), NUM_CLASSES, labels);
  }

  /** MNIST's images are 28 x 28, the input every model of the zoo takes for it. */
  private static void checkSize(Path imagesFile, int rows, int cols)
      throws InvalidDataFileException {
    if (rows != SIDE || cols != SIDE) {
      throw new InvalidDataFileException(
          IdxReader.shownPath(imagesFile)
              + ": expected MNIST's 28x28 images (the models' input), got "
              + rows
              + "x"
              + cols);
    }
  }

  /** Canonical file names of an MNIST part, in lookup order. */
  static List<String> candidates(String stem, String suffix) {
    List<String> names = new ArrayList<>();
    for (String base : List.of(stem + "-" + suffix, stem + "." + suffix)) {
      names.add(base + ".gz");
      names.add(base);
    }
    return names;
  }

  private static Path find(Path dir, String stem, String suffix) throws IOException {
    List<String> names = candidates(stem, suffix);
    for (String n : names) {
      Path p = dir.resolve(n);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    // One of the names exists but is no file (a folder unpacked under the .gz name): say so, not
    // "found none".
    for (String n : names) {
      Path p = dir.resolve(n);
      if (Files.exists(p)) {
        throw new InvalidDataFileException(
            p
                + ": expected an MNIST file, found "
                + (Files.isDirectory(p) ? "a directory" : "something that is not a regular file"));
      }
    }
    throw new NoSuchFileException(
        dir.toString(), null, "expected one of " + String.join(", ", names) + ", found none");
  }
}
