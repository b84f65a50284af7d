package io.splitemu.model.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Resolves the dataset a scenario names: the embedded synthetic set when nothing is configured,
 * otherwise an MNIST-format directory.
 */
public final class Datasets {
  /** The source name of the embedded generator. */
  public static final String SYNTHETIC = "synthetic";

  private Datasets() {}

  /**
   * Opens {@code source}: {@code null}, blank or {@code "synthetic"} gives {@link
   * SyntheticDataset#generate(int, int, long)} with the given sizes and seed; anything else is a
   * directory read by {@link MnistLoader#load(Path)} (sizes and seed are then unused).
   */
  public static DatasetSplit open(String source, int syntheticTrain, int syntheticTest, long seed)
      throws IOException {
    if (source == null || source.isBlank() || source.equals(SYNTHETIC)) {
      return SyntheticDataset.generate(syntheticTrain, syntheticTest, seed);
    }
    return MnistLoader.load(Path.of(source));
  }

  /** Opens {@code source} with the default synthetic sizes. */
  public static DatasetSplit open(String source, long seed) throws IOException {
    return open(source, SyntheticDataset.DEFAULT_TRAIN_SIZE, SyntheticDataset.DEFAULT_TEST_SIZE,
        seed);
  }
}
