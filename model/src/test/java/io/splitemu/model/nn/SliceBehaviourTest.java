package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Slice contracts: shapes, refusals, copies, re-cutting and inference. */
class SliceBehaviourTest {

  private static final ModelOptions DOUBLE =
      ModelOptions.defaults().withSeed(3).withDataType(DataType.DOUBLE);

  @Test
  void lenet5_cnnSlices_takeFlatInput_andPassFourDimensionalActivations() {
    SplitModel split = ModelZoo.create("lenet5", DOUBLE).split(2, 4);
    INDArray[] batch = TestData.batch(1, 2, DataType.DOUBLE);
    INDArray a1 = split.slice(0).forward(batch[0]);
    assertArrayEquals(new long[] {2, 6, 14, 14}, a1.shape());
    INDArray a2 = split.slice(1).forward(a1);
    assertArrayEquals(new long[] {2, 16, 5, 5}, a2.shape());
    assertArrayEquals(new long[] {784}, split.slice(0).inputShape());
    assertEquals(new Slice.UnitRange(2, 4), split.slice(1).unitRange());
    assertEquals(List.of("conv2", "pool2"), split.slice(1).unitNames());
    LossStep step = split.slice(2).trainStep(a2, batch[1]);
    assertArrayEquals(new long[] {2, 16, 5, 5}, step.inputGradient().shape());
    INDArray g1 = split.slice(1).backward(step.inputGradient());
    assertArrayEquals(new long[] {2, 6, 14, 14}, g1.shape());
    assertArrayEquals(new long[] {2, 784}, split.slice(0).backward(g1).shape());
    assertTrue(step.loss() > 0 && Double.isFinite(step.loss()));
  }

  @Test
  void forward_wrongShape_isRefusedWithExpectedAndActualShape() {
    SplitModel split = ModelZoo.create("lenet5", DOUBLE).split(2);
    INDArray wrong = Nd4j.zeros(DataType.DOUBLE, 3, 6, 14, 13);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> split.slice(1).trainStep(wrong, wrong));
    assertEquals(
        "slice conv2..fc3 input: expected shape [batch, 6, 14, 14] but got [3, 6, 14, 13]",
        e.getMessage());
    IllegalArgumentException flat =
        assertThrows(
            IllegalArgumentException.class,
            () -> split.slice(0).forward(Nd4j.zeros(DataType.DOUBLE, 2, 28, 28)));
    assertTrue(flat.getMessage().contains("expected shape [batch, 784] but got [2, 28, 28]"));
  }

  @Test
  void backward_gradientOfOtherBatchSize_isRefused() {
    Slice device = ModelZoo.create("mlp", DOUBLE).split(1).slice(0);
    device.forward(TestData.batch(1, 4, DataType.DOUBLE)[0]);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> device.backward(Nd4j.zeros(DataType.DOUBLE, 5, 200)));
    assertTrue(e.getMessage().contains("expected shape [4, 200] but got [5, 200]"));
  }

  @Test
  void nanTensors_areRefused_andLeaveTheSliceUntouched() {
    SplitModel split = ModelZoo.create("mlp", DOUBLE).split(1);
    INDArray before = split.fullParams();
    INDArray[] batch = TestData.batch(2, 2, DataType.DOUBLE);
    INDArray poisoned = batch[0].dup();
    poisoned.putScalar(0, 5, Double.NaN);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> split.slice(0).forward(poisoned));
    assertTrue(e.getMessage().contains("NaN"));
    split.slice(0).forward(batch[0]);
    INDArray badGradient = Nd4j.zeros(DataType.DOUBLE, 2, 200);
    badGradient.putScalar(1, 7, Double.NaN);
    assertThrows(IllegalArgumentException.class, () -> split.slice(0).backward(badGradient));
    INDArray activations = Nd4j.zeros(DataType.DOUBLE, 2, 200);
    activations.putScalar(0, 0, Double.POSITIVE_INFINITY);
    assertThrows(
        IllegalArgumentException.class, () -> split.slice(1).trainStep(activations, batch[1]));
    assertTrue(before.equalsWithEps(split.fullParams(), 0.0));
    // A checkpoint's optimizer state with a NaN is refused when restored, the state kept.
    INDArray state = split.slice(0).updaterState();
    assertTrue(state.length() > 0, "an optimizer with state");
    INDArray bad = state.dup();
    bad.putScalar(0, Double.NaN);
    IllegalArgumentException u =
        assertThrows(IllegalArgumentException.class, () -> split.slice(0).setUpdaterState(bad));
    assertTrue(u.getMessage().contains("optimizer state contains NaN"), u.getMessage());
    assertTrue(state.equalsWithEps(split.slice(0).updaterState(), 0.0));
  }

  @Test
  void wrongCallOrder_isRefused() {
    SplitModel split = ModelZoo.create("mlp", DOUBLE).split(1);
    INDArray[] batch = TestData.batch(2, 2, DataType.DOUBLE);
    assertThrows(IllegalStateException.class, () -> split.slice(1).forward(batch[0]));
    assertThrows(IllegalStateException.class, () -> split.slice(0).trainStep(batch[0], batch[1]));
    assertThrows(
        IllegalStateException.class,
        () -> split.slice(0).backward(Nd4j.zeros(DataType.DOUBLE, 2, 200)));
    split.slice(0).forward(batch[0]);
    assertThrows(IllegalStateException.class, () -> split.slice(0).output(batch[0]));
    assertThrows(IllegalArgumentException.class, () -> split.model().split(0));
    assertThrows(IllegalArgumentException.class, () -> split.model().split(1, 1));
    assertThrows(IllegalArgumentException.class, () -> split.model().split(2));
  }

  @Test
  void copy_hasIndependentWeightsAndOptimizerState() {
    ModelOptions adam = DOUBLE.withUpdater(UpdaterKind.ADAM, 0.01);
    SplitModel split = ModelZoo.create("lenet5", adam).split(3);
    INDArray[] b1 = TestData.batch(1, 2, DataType.DOUBLE);
    INDArray[] b2 = TestData.batch(2, 2, DataType.DOUBLE);
    split.trainStep(b1[0], b1[1]);

    SplitModel copy = split.copy();
    INDArray stateBefore = split.slice(0).updaterState();
    assertTrue(stateBefore.norm2Number().doubleValue() > 0);
    assertTrue(stateBefore.equalsWithEps(copy.slice(0).updaterState(), 0.0));
    assertEquals(1, copy.slice(0).iterationCount());

    // Training the copy leaves the original alone.
    INDArray original = split.fullParams();
    copy.trainStep(b2[0], b2[1]);
    assertTrue(original.equalsWithEps(split.fullParams(), 0.0));
    assertFalse(original.equalsWithEps(copy.fullParams(), 1e-9));

    // The same step on the original reproduces the copy: state (Adam moments, step) came along.
    split.trainStep(b2[0], b2[1]);
    assertTrue(copy.fullParams().equalsWithEps(split.fullParams(), 1e-12));

    // Re-cutting carries the optimizer state; after a reset the same weights step differently.
    SplitModel carried = split.resplit(3);
    ChainModel model = split.model();
    model.resetOptimizerState();
    SplitModel fresh = model.split(3);
    SplitModel again = split.copy();
    carried.trainStep(b1[0], b1[1]);
    fresh.trainStep(b1[0], b1[1]);
    again.trainStep(b1[0], b1[1]);
    assertTrue(carried.fullParams().equalsWithEps(again.fullParams(), 1e-12));
    assertFalse(fresh.fullParams().equalsWithEps(again.fullParams(), 1e-9));
  }

  @Test
  void resplit_keepsTrainedWeights_atOtherCuts() {
    ChainModel model = ModelZoo.create("resnet8", DOUBLE);
    SplitModel split = model.split(2);
    INDArray[] batch = TestData.batch(4, 2, DataType.DOUBLE);
    split.trainStep(batch[0], batch[1]);
    INDArray trained = split.fullParams();
    INDArray probs = split.output(batch[0]);

    SplitModel recut = split.resplit(1, 4);
    assertEquals(3, recut.numSlices());
    assertTrue(trained.equalsWithEps(recut.fullParams(), 0.0));
    assertTrue(trained.equalsWithEps(model.fullParams(), 0.0));
    assertTrue(probs.equalsWithEps(recut.output(batch[0]), 1e-12));
    assertTrue(probs.equalsWithEps(model.whole().output(batch[0]), 1e-12));
  }

  @Test
  void setParams_roundTrips_andRefusesWrongLength() {
    ChainModel model = ModelZoo.create("mlp", DOUBLE);
    Slice device = model.split(1).slice(0);
    INDArray p = device.params().mul(2);
    device.setParams(p);
    assertTrue(p.equalsWithEps(device.params(), 0.0));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> device.setParams(Nd4j.zeros(DataType.DOUBLE, 10)));
    assertTrue(e.getMessage().contains("length " + (784 * 200 + 200) + " but got shape [10]"));

    INDArray full = model.fullParams().add(1);
    model.setFullParams(full);
    assertTrue(full.equalsWithEps(model.split(1).fullParams(), 0.0));
    assertEquals(0, model.split(1).slice(1).numParams() - (200 * 10 + 10));
  }

  @Test
  void repeatedSteps_onOneBatch_lowerTheLoss_andFitIt() {
    SplitModel split =
        ModelZoo.create("lenet5", ModelOptions.defaults().withUpdater(UpdaterKind.ADAM, 0.01))
            .split(2);
    INDArray[] batch = TestData.batch(9, 8, DataType.FLOAT);
    double first = split.trainStep(batch[0], batch[1]);
    double last = first;
    for (int i = 0; i < 30; i++) {
      last = split.trainStep(batch[0], batch[1]);
    }
    assertTrue(last < first / 2, "loss " + first + " -> " + last);
    assertEquals(1.0, split.evaluate(batch[0], batch[1]), 0.0);
    assertEquals(DataType.FLOAT, split.output(batch[0]).dataType());
  }

  @Test
  void options_areValidated() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelOptions.defaults().withUpdater(UpdaterKind.ADAM, 0));
    assertThrows(IllegalArgumentException.class, () -> ModelOptions.defaults().withMomentum(1));
    assertThrows(
        IllegalArgumentException.class, () -> ModelOptions.defaults().withDataType(DataType.INT32));
    assertEquals(UpdaterKind.ADAM, UpdaterKind.parse("Adam"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> UpdaterKind.parse("rmsprop"));
    assertTrue(e.getMessage().contains("sgd-momentum, adam"));
  }

  @Test
  void sameSeed_givesSameWeights_otherSeedDiffers() {
    INDArray a = ModelZoo.create("resnet8", DOUBLE).fullParams();
    INDArray b = ModelZoo.create("resnet8", DOUBLE).fullParams();
    INDArray c = ModelZoo.create("resnet8", DOUBLE.withSeed(4)).fullParams();
    assertTrue(a.equalsWithEps(b, 0.0));
    assertFalse(a.equalsWithEps(c, 1e-6));
  }

  @Test
  void divergedWeights_areRefusedWhereTheyDiverged_beforeTheUpdate() {
    SplitModel split = ModelZoo.create("lenet5", DOUBLE).split(2);
    INDArray[] batch = TestData.batch(1, 2, DataType.DOUBLE);
    Slice device = split.slice(0);
    Slice server = split.slice(1);
    INDArray act = device.forward(batch[0]);
    // A server weight of infinity: the loss is not finite, refused before any update.
    INDArray p = server.params();
    p.putScalar(0, Double.POSITIVE_INFINITY);
    server.network().params().assign(p);
    int count = server.iterationCount();
    DivergedException loss =
        assertThrows(DivergedException.class, () -> server.trainStep(act, batch[1]));
    assertEquals("slice conv2..fc3", loss.where());
    assertTrue(loss.what().startsWith("loss "), loss.what());
    assertEquals(count, server.iterationCount(), "no update applied");
    // Device weights blown up (finite, but their sums overflow): its own output is refused,
    // naming it (not the next slice, as its input). A single NaN weight could vanish in a ReLU.
    device.setParams(
        Nd4j.valueArrayOf(new long[] {device.numParams()}, Double.MAX_VALUE, DataType.DOUBLE));
    DivergedException out = assertThrows(DivergedException.class, () -> device.forward(batch[0]));
    assertEquals("slice conv1..pool1", out.where());
    assertEquals("output infinity", out.what());
    DivergedException inference =
        assertThrows(DivergedException.class, () -> device.output(batch[0]));
    assertEquals(out.getMessage(), inference.getMessage());
  }
}
