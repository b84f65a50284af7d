package io.splitemu.model.nn;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The trainable models of the emulator, by name: {@code mlp}, {@code lenet5} and {@code resnet8},
 * each for 28x28x1 inputs (arriving flat as 784 values) and 10 classes.
 */
public final class ModelZoo {

  private static final List<String> NAMES = List.of("lenet5", "mlp", "resnet8");
  private static final int CLASSES = 10;
  private static final int FEATURES = 784;

  private ModelZoo() {}

  /** Known model names, sorted. */
  public static List<String> names() {
    return NAMES;
  }

  /** A new model with weights drawn from {@code options.seed()}. */
  public static ChainModel create(String name, ModelOptions options) {
    if (options == null) {
      throw new IllegalArgumentException("options must not be null");
    }
    return new ChainModel(blueprint(name), options);
  }

  /** The analytical per-unit profile of a zoo model in float32 (no network is built). */
  public static ChainProfile profile(String name) {
    return blueprint(name).profile();
  }

  /**
   * The profile of a zoo model whose tensors and weights are {@code dataType} elements: activation,
   * input and parameter bytes scale from the float32 profile's 4 bytes an element to {@code
   * dataType.width()} (8 for double); FLOPs do not change.
   */
  public static ChainProfile profile(String name, DataType dataType) {
    ChainProfile p = profile(name);
    long width = dataType.width();
    if (width == Units.BYTES_PER_ELEMENT) {
      return p;
    }
    List<UnitProfile> units = new ArrayList<>();
    for (UnitProfile u : p.units()) {
      units.add(
          new UnitProfile(
              u.name(),
              u.forwardFlops(),
              u.backwardFlops(),
              u.outputBytes() / Units.BYTES_PER_ELEMENT * width,
              u.params(),
              u.params() * width));
    }
    return new ChainProfile(p.model(), p.inputBytes() / Units.BYTES_PER_ELEMENT * width, units);
  }

  static Blueprint blueprint(String name) {
    if (name == null) {
      throw unknown(null);
    }
    return switch (name) {
      case "mlp" -> mlp();
      case "lenet5" -> lenet5();
      case "resnet8" -> resnet8();
      default -> throw unknown(name);
    };
  }

  private static IllegalArgumentException unknown(String name) {
    return new IllegalArgumentException(
        "unknown model '" + name + "', known: " + String.join(", ", NAMES));
  }

  private static Blueprint mlp() {
    return new Blueprint(
        "mlp",
        List.of(Units.dense("fc1", 200), Units.output("fc2", CLASSES)),
        new long[] {FEATURES},
        FEATURES);
  }

  private static Blueprint lenet5() {
    return new Blueprint(
        "lenet5",
        List.of(
            Units.conv("conv1", 6, 5, 1, 2),
            Units.maxPool("pool1", 2, 2),
            Units.conv("conv2", 16, 5, 1, 0),
            Units.maxPool("pool2", 2, 2),
            Units.dense("fc1", 120),
            Units.dense("fc2", 84),
            Units.output("fc3", CLASSES)),
        new long[] {1, 28, 28},
        FEATURES);
  }

  /** Stem conv, three basic residual blocks (8, 16, 32 channels), global average pool, fc. */
  private static Blueprint resnet8() {
    return new Blueprint(
        "resnet8",
        List.of(
            Units.conv("conv1", 8, 3, 1, 1),
            Units.residual("block1", 8, 8, 1),
            Units.residual("block2", 8, 16, 2),
            Units.residual("block3", 16, 32, 2),
            Units.globalAvgPool("pool"),
            Units.output("fc", CLASSES)),
        new long[] {1, 28, 28},
        FEATURES);
  }
}
