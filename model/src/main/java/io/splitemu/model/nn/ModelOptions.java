package io.splitemu.model.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * How a zoo model is built: weight-init seed, optimizer and numeric precision.
 *
 * @param seed seed of the weight initialisation
 * @param updater optimizer kind
 * @param learningRate learning rate, finite and > 0
 * @param momentum momentum of {@link UpdaterKind#SGD_MOMENTUM} in [0, 1); ignored by Adam
 * @param dataType {@code FLOAT} (production) or {@code DOUBLE} (exactness tests)
 * @param stockConvolution build convolutions as DL4J's own layer rather than {@link
 *     ContiguousConvolution}, which computes the same bits faster; for the plain-DL4J baseline of
 *     the overhead benchmark and for the tests that compare the two
 */
public record ModelOptions(
    long seed,
    UpdaterKind updater,
    double learningRate,
    double momentum,
    DataType dataType,
    boolean stockConvolution) {

  /** Options with splitemu's own convolution. */
  public ModelOptions(
      long seed, UpdaterKind updater, double learningRate, double momentum, DataType dataType) {
    this(seed, updater, learningRate, momentum, dataType, false);
  }

  public ModelOptions {
    if (updater == null) {
      throw new IllegalArgumentException("updater must not be null");
    }
    if (!Double.isFinite(learningRate) || learningRate <= 0) {
      throw new IllegalArgumentException(
          "learningRate must be finite and > 0, got " + learningRate);
    }
    if (!Double.isFinite(momentum) || momentum < 0 || momentum >= 1) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
      throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
    }
  }

  /** Seed 42, SGD with momentum 0.9, learning rate 0.01, float32. */
  public static ModelOptions defaults() {
    return new ModelOptions(42, UpdaterKind.SGD_MOMENTUM, 0.01, 0.9, DataType.FLOAT);
  }

  /** A copy with another seed. */
  public ModelOptions withSeed(long newSeed) {
    return new ModelOptions(newSeed, updater, learningRate, momentum, dataType, stockConvolution);
  }

  /** A copy with another optimizer and learning rate. */
  public ModelOptions withUpdater(UpdaterKind kind, double lr) {
    return new ModelOptions(seed, kind, lr, momentum, dataType, stockConvolution);
  }

  /** A copy with another momentum. */
  public ModelOptions withMomentum(double newMomentum) {
    return new ModelOptions(seed, updater, learningRate, newMomentum, dataType, stockConvolution);
  }

  /** A copy with another precision. */
  public ModelOptions withDataType(DataType type) {
    return new ModelOptions(seed, updater, learningRate, momentum, type, stockConvolution);
  }

  /** A copy whose convolutions are DL4J's own layer ({@code true}) or splitemu's. */
  public ModelOptions withStockConvolution(boolean stock) {
    return new ModelOptions(seed, updater, learningRate, momentum, dataType, stock);
  }

  /** The DL4J updater configuration. */
  IUpdater toUpdater() {
    return switch (updater) {
      case SGD_MOMENTUM -> new Nesterovs(learningRate, momentum);
      case ADAM -> new Adam(learningRate);
    };
  }
}
