package io.splitemu.model.data;

import java.util.Objects;

/**
 * A training set and its held-out test set.
 *
 * @param train samples that devices train on (and that partitioners split)
 * @param test samples used only for evaluation
 */
public record DatasetSplit(Dataset train, Dataset test) {

  public DatasetSplit {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    if (train.featureSize() != test.featureSize() || train.numClasses() != test.numClasses()) {
      throw new IllegalArgumentException(
          "train and test sets disagree: train has "
              + train.featureSize()
              + " features and "
              + train.numClasses()
              + " classes, test has "
              + test.featureSize()
              + " and "
              + test.numClasses());
    }
  }
}
