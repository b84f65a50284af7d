package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The core correctness property: k steps of a split model give the parameters of k steps of the
 * unsplit network trained by DL4J's own {@code fit()}.
 */
class SplitExactnessTest {

  private static final int STEPS = 3;
  private static final int BATCH = 4;
  private static final double TOLERANCE = 1e-6;

  static Stream<Arguments> everyBoundary() {
    List<Arguments> cases = new ArrayList<>();
    for (String model : ModelZoo.names()) {
      int units = ModelZoo.profile(model).size();
      for (int cut = 1; cut < units; cut++) {
        cases.add(Arguments.of(model, UpdaterKind.SGD_MOMENTUM, new int[] {cut}));
      }
    }
    cases.add(Arguments.of("mlp", UpdaterKind.ADAM, new int[] {1}));
    return cases.stream();
  }

  static Stream<Arguments> threeSlices() {
    return Stream.of(
        Arguments.of("lenet5", UpdaterKind.SGD_MOMENTUM, new int[] {2, 5}),
        Arguments.of("lenet5", UpdaterKind.ADAM, new int[] {1, 4}),
        Arguments.of("resnet8", UpdaterKind.SGD_MOMENTUM, new int[] {2, 4}),
        Arguments.of("resnet8", UpdaterKind.ADAM, new int[] {1, 5}),
        // A middle slice without parameters (a pooling unit alone) must pass gradients through.
        Arguments.of("lenet5", UpdaterKind.SGD_MOMENTUM, new int[] {3, 4}),
        Arguments.of("resnet8", UpdaterKind.SGD_MOMENTUM, new int[] {4, 5}));
  }

  @ParameterizedTest(name = "{0} {1} cut {2}")
  @MethodSource("everyBoundary")
  void twoSlices_kSteps_equalUnsplitFit(String model, UpdaterKind kind, int[] cuts) {
    assertSplitEqualsUnsplit(model, kind, cuts);
  }

  @ParameterizedTest(name = "{0} {1} cuts {2}")
  @MethodSource("threeSlices")
  void threeSlices_kSteps_equalUnsplitFit(String model, UpdaterKind kind, int[] cuts) {
    assertSplitEqualsUnsplit(model, kind, cuts);
  }

  static Stream<Arguments> recuts() {
    return Stream.of(
        Arguments.of("lenet5", UpdaterKind.ADAM, new int[] {2}, new int[] {1, 5}),
        Arguments.of("resnet8", UpdaterKind.SGD_MOMENTUM, new int[] {1, 3}, new int[] {4}));
  }

  @ParameterizedTest(name = "{0} {1} cuts {2} then {3}")
  @MethodSource("recuts")
  void recutMidRun_keepsWeightsAndOptimizerState_equalsUnsplitFit(
      String model, UpdaterKind kind, int[] firstCuts, int[] laterCuts) {
    ChainModel chain = ModelZoo.create(model, doubleOptions(kind));
    ComputationGraph reference = chain.toComputationGraph();
    SplitModel split = chain.split(firstCuts);
    for (int step = 0; step < STEPS; step++) {
      INDArray[] batch = TestData.batch(200 + step, BATCH, DataType.DOUBLE);
      reference.fit(new DataSet(batch[0], batch[1]));
      split.trainStep(batch[0], batch[1]);
      if (step == 1) {
        split = split.resplit(laterCuts);
      }
    }
    assertEquals(STEPS, split.slice(0).iterationCount());
    double worst = worstRelativeError(reference.paramTable(false), split.paramTable());
    assertTrue(worst <= TOLERANCE, model + ": rel " + worst);
  }

  private static ModelOptions doubleOptions(UpdaterKind kind) {
    return ModelOptions.defaults()
        .withSeed(11)
        .withDataType(DataType.DOUBLE)
        .withUpdater(kind, kind == UpdaterKind.ADAM ? 0.01 : 0.1);
  }

  private static double worstRelativeError(
      Map<String, INDArray> expected, Map<String, INDArray> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    double worst = 0;
    for (String key : expected.keySet()) {
      INDArray e = expected.get(key);
      double scale = Math.max(e.norm2Number().doubleValue(), 1e-12);
      worst = Math.max(worst, e.sub(actual.get(key)).norm2Number().doubleValue() / scale);
    }
    return worst;
  }

  static void assertSplitEqualsUnsplit(String model, UpdaterKind kind, int[] cuts) {
    ChainModel chain = ModelZoo.create(model, doubleOptions(kind));
    ComputationGraph reference = chain.toComputationGraph();
    SplitModel split = chain.split(cuts);
    Map<String, INDArray> initial = chain.paramTable();

    for (int step = 0; step < STEPS; step++) {
      INDArray[] batch = TestData.batch(100 + step, BATCH, DataType.DOUBLE);
      reference.fit(new DataSet(batch[0], batch[1]));
      double loss = split.trainStep(batch[0], batch[1]);
      double expectedLoss = reference.score();
      assertEquals(expectedLoss, loss, 1e-9 * Math.abs(expectedLoss), "loss at step " + step);
    }

    Map<String, INDArray> expected = reference.paramTable(false);
    Map<String, INDArray> actual = split.paramTable();
    assertEquals(expected.keySet(), actual.keySet());
    double worst = 0;
    double moved = 0;
    for (String key : expected.keySet()) {
      INDArray e = expected.get(key);
      INDArray a = actual.get(key);
      double scale = Math.max(e.norm2Number().doubleValue(), 1e-12);
      worst = Math.max(worst, e.sub(a).norm2Number().doubleValue() / scale);
      moved = Math.max(moved, e.sub(initial.get(key)).norm2Number().doubleValue() / scale);
    }
    assertTrue(worst <= TOLERANCE, model + " cuts " + Arrays.toString(cuts) + ": rel " + worst);
    // Guards against a vacuous pass: training must have changed the weights.
    assertTrue(moved > 1e-4, "parameters did not move: " + moved);
  }
}
