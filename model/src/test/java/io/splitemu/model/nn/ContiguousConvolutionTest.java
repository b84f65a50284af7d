package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * splitemu's convolution computes bit for bit what DL4J's own layer computes: the same losses,
 * parameters, activations and input gradients, step after step. The full-fidelity goldens rest on
 * it. The zoo's convolutions cover kernels 5, 3 and 1, padding 0, 1 and 2, strides 1 and 2, one to
 * 16 input channels, and ReLU and identity activations.
 */
class ContiguousConvolutionTest {

  private static final int STEPS = 4;

  static Stream<Arguments> splits() {
    return Stream.of(
        Arguments.of("lenet5", UpdaterKind.SGD_MOMENTUM, new int[] {1}),
        Arguments.of("lenet5", UpdaterKind.ADAM, new int[] {2, 4}),
        Arguments.of("lenet5", UpdaterKind.SGD_MOMENTUM, new int[] {}),
        Arguments.of("resnet8", UpdaterKind.SGD_MOMENTUM, new int[] {2}),
        Arguments.of("resnet8", UpdaterKind.ADAM, new int[] {}));
  }

  @ParameterizedTest(name = "{0} {1} cuts {2}")
  @MethodSource("splits")
  void training_matchesDl4jsLayerBitForBit(String model, UpdaterKind kind, int[] cuts) {
    ModelOptions options = ModelOptions.defaults().withUpdater(kind, 0.01);
    SplitModel ours = ModelZoo.create(model, options).split(cuts);
    SplitModel stock = ModelZoo.create(model, options.withStockConvolution(true)).split(cuts);
    assertTrue(countOurs(ours) > 0, "the model uses splitemu's convolution");
    assertEquals(0, countOurs(stock), "the stock model uses DL4J's own convolution");
    for (int step = 0; step < STEPS; step++) {
      INDArray[] batch = TestData.batch(300 + step, 7, DataType.FLOAT);
      double lossOurs = ours.trainStep(batch[0], batch[1]);
      double lossStock = stock.trainStep(batch[0], batch[1]);
      assertEquals(lossStock, lossOurs, 0.0, "loss of step " + step);
      for (int s = 0; s < ours.numSlices(); s++) {
        assertBits(stock.slice(s).params(), ours.slice(s).params(), "slice " + s + " step " + step);
        assertBits(
            stock.slice(s).updaterState(),
            ours.slice(s).updaterState(),
            "optimizer state of slice " + s + " step " + step);
      }
    }
    INDArray[] test = TestData.batch(99, 5, DataType.FLOAT);
    assertBits(stock.output(test[0]), ours.output(test[0]), "inference output");
  }

  @Test
  void inputGradient_matchesDl4jsLayerBitForBit() {
    // The whole model's gradient at its raw input passes through conv1's col2im (padding 2).
    Slice ours = ModelZoo.create("lenet5", ModelOptions.defaults()).whole();
    Slice stock =
        ModelZoo.create("lenet5", ModelOptions.defaults().withStockConvolution(true)).whole();
    for (int step = 0; step < 3; step++) {
      INDArray[] batch = TestData.batch(500 + step, 5, DataType.FLOAT);
      LossStep a = ours.trainStep(batch[0], batch[1]);
      LossStep b = stock.trainStep(batch[0], batch[1]);
      assertEquals(b.loss(), a.loss(), 0.0);
      assertBits(b.inputGradient(), a.inputGradient(), "input gradient of step " + step);
    }
  }

  @Test
  void secondForward_replacesTheFirst_asDl4jsLayerDoes() {
    // The kept im2col belongs to the forward pass the backward pass follows, not an earlier one.
    ChainModel oursModel = ModelZoo.create("resnet8", ModelOptions.defaults());
    ChainModel stockModel =
        ModelZoo.create("resnet8", ModelOptions.defaults().withStockConvolution(true));
    Slice ours = oursModel.split(3).slice(0);
    Slice stock = stockModel.split(3).slice(0);
    INDArray[] first = TestData.batch(7, 4, DataType.FLOAT);
    INDArray[] second = TestData.batch(8, 4, DataType.FLOAT);
    ours.forward(first[0]);
    stock.forward(first[0]);
    INDArray outOurs = ours.forward(second[0]);
    INDArray outStock = stock.forward(second[0]);
    assertBits(outStock, outOurs, "second forward");
    // The fast path ran (else these tests would compare DL4J with itself) and keeps one pass.
    assertTrue(keptPasses(ours) > 0, "a training forward pass is kept");
    // ... without its im2col: a non-last slice waits for the rest of the model in between.
    for (Layer l : ours.network().getLayers()) {
      if (l instanceof ContiguousConvolution.Impl c) {
        assertTrue(!c.keepsIm2col(), "a non-last slice remakes its im2col");
      }
    }
    INDArray cutGradient = outOurs.mul(0.01);
    assertBits(stock.backward(cutGradient), ours.backward(cutGradient), "input gradient");
    assertEquals(0, keptPasses(ours), "the backward pass drops what was kept");
    assertBits(stock.params(), ours.params(), "parameters after the update");
  }

  @Test
  void backwardToData_trainsAsBackwardDoes_withoutTheInputGradient() {
    ModelOptions options = ModelOptions.defaults();
    SplitModel toData = ModelZoo.create("lenet5", options).split(2);
    SplitModel full = ModelZoo.create("lenet5", options).split(2);
    SplitModel stock = ModelZoo.create("lenet5", options.withStockConvolution(true)).split(2);
    for (int step = 0; step < 3; step++) {
      INDArray[] b = TestData.batch(60 + step, 6, DataType.FLOAT);
      toData
          .slice(0)
          .backwardToData(
              toData.slice(1).trainStep(toData.slice(0).forward(b[0]), b[1]).inputGradient());
      full.slice(0)
          .backward(full.slice(1).trainStep(full.slice(0).forward(b[0]), b[1]).inputGradient());
      stock
          .slice(0)
          .backwardToData(
              stock.slice(1).trainStep(stock.slice(0).forward(b[0]), b[1]).inputGradient());
      assertBits(full.slice(0).params(), toData.slice(0).params(), "step " + step);
      assertBits(stock.slice(0).params(), toData.slice(0).params(), "stock, step " + step);
      assertBits(full.slice(0).updaterState(), toData.slice(0).updaterState(), "optimizer state");
    }
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> toData.slice(1).backwardToData(Nd4j.zeros(DataType.FLOAT, 1, 10)));
    assertTrue(e.getMessage().contains("does not start at the data"), e.getMessage());
  }

  @Test
  void parametersLoadedBetweenThePasses_areUsedAsDl4jsLayerUsesThem() {
    // DL4J's layer recomputes its forward pass in the backward pass with the parameters of then.
    Slice ours = ModelZoo.create("lenet5", ModelOptions.defaults()).split(2).slice(0);
    Slice stock =
        ModelZoo.create("lenet5", ModelOptions.defaults().withStockConvolution(true))
            .split(2)
            .slice(0);
    INDArray x = TestData.batch(11, 4, DataType.FLOAT)[0];
    INDArray out = ours.forward(x);
    stock.forward(x);
    INDArray other = ours.params().mul(-0.5);
    ours.setParams(other);
    stock.setParams(other);
    INDArray grad = out.mul(0.1);
    assertBits(stock.backward(grad), ours.backward(grad), "input gradient");
    assertBits(stock.params(), ours.params(), "parameters after the update");
  }

  @Test
  void permutedInputAndGradient_areReadByTheirStrides() {
    // A cut activation that arrives as a permuted array (c order by its flag, not by its strides),
    // and a gradient at the cut that does too.
    Slice ours = ModelZoo.create("lenet5", ModelOptions.defaults()).split(2, 4).slice(1);
    Slice stock =
        ModelZoo.create("lenet5", ModelOptions.defaults().withStockConvolution(true))
            .split(2, 4)
            .slice(1);
    Random r = new Random(3);
    float[] values = new float[3 * 14 * 14 * 6];
    for (int i = 0; i < values.length; i++) {
      values[i] = r.nextFloat();
    }
    INDArray channelsLast = Nd4j.create(values, new long[] {3, 14, 14, 6}, 'c');
    INDArray input = channelsLast.permute(0, 3, 1, 2); // [3, 6, 14, 14]
    INDArray outOurs = ours.forward(input);
    INDArray outStock = stock.forward(input.dup('c'));
    assertBits(outStock, outOurs, "forward on a permuted input");
    INDArray gradLast = outOurs.permute(0, 2, 3, 1).dup('c').mul(0.1); // [3, 5, 5, 16]
    INDArray grad = gradLast.permute(0, 3, 1, 2);
    assertBits(stock.backward(grad.dup('c')), ours.backward(grad), "input gradient");
    assertBits(stock.params(), ours.params(), "parameters after the update");
  }

  @Test
  void doublePrecision_isLeftToDl4jsLayer_andStillMatches() {
    ModelOptions options = ModelOptions.defaults().withDataType(DataType.DOUBLE);
    SplitModel ours = ModelZoo.create("lenet5", options).split(2);
    SplitModel stock = ModelZoo.create("lenet5", options.withStockConvolution(true)).split(2);
    for (int step = 0; step < 2; step++) {
      INDArray[] batch = TestData.batch(40 + step, 3, DataType.DOUBLE);
      assertEquals(stock.trainStep(batch[0], batch[1]), ours.trainStep(batch[0], batch[1]), 0.0);
    }
    assertArrayEquals(
        stock.slice(0).params().toDoubleVector(), ours.slice(0).params().toDoubleVector());
  }

  private static int keptPasses(Slice slice) {
    int n = 0;
    for (Layer l : slice.network().getLayers()) {
      if (l instanceof ContiguousConvolution.Impl c && c.keepsForwardPass()) {
        n++;
      }
    }
    return n;
  }

  /** One convolution layer's shapes and settings. */
  record Case(
      String name,
      int batch,
      int in,
      int h,
      int w,
      int out,
      int[] kernel,
      int[] stride,
      int[] pad,
      boolean bias,
      IActivation activation,
      ConvolutionMode mode) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> layers() {
    return Stream.of(
        new Case(
            "3x3 pad 1, 2 channels, 7x5, relu",
            3,
            2,
            7,
            5,
            4,
            sq(3),
            sq(1),
            sq(1),
            true,
            new ActivationReLU(),
            ConvolutionMode.Truncate),
        new Case(
            "3x2 stride 2x1 pad 1x0, batch 1, leaky relu",
            1,
            3,
            6,
            5,
            2,
            new int[] {3, 2},
            new int[] {2, 1},
            new int[] {1, 0},
            true,
            new ActivationLReLU(0.1),
            ConvolutionMode.Truncate),
        new Case(
            "relu with max, threshold and slope",
            2,
            2,
            6,
            6,
            3,
            sq(3),
            sq(1),
            sq(0),
            true,
            new ActivationReLU(2.0, 0.1, 0.05),
            ConvolutionMode.Truncate),
        new Case(
            "tanh without bias",
            2,
            2,
            6,
            6,
            3,
            sq(3),
            sq(1),
            sq(1),
            false,
            new ActivationTanH(),
            ConvolutionMode.Truncate),
        new Case(
            "1x1 stride 2 on 6x7",
            2,
            3,
            6,
            7,
            4,
            sq(1),
            sq(2),
            sq(0),
            true,
            new ActivationIdentity(),
            ConvolutionMode.Truncate),
        new Case(
            "3x3 stride 3x2 pad 2x1 with a leftover",
            2,
            2,
            8,
            7,
            3,
            sq(3),
            new int[] {3, 2},
            new int[] {2, 1},
            true,
            new ActivationReLU(),
            ConvolutionMode.Truncate),
        new Case(
            "1x1 output at batch 1",
            1,
            2,
            5,
            5,
            1,
            sq(5),
            sq(1),
            sq(0),
            true,
            new ActivationReLU(),
            ConvolutionMode.Truncate),
        new Case(
            "identity without bias, pad 2 (more than half the kernel)",
            2,
            1,
            5,
            5,
            2,
            sq(3),
            sq(1),
            sq(2),
            false,
            new ActivationIdentity(),
            ConvolutionMode.Truncate),
        new Case(
            "Same mode (DL4J's layer)",
            2,
            2,
            6,
            6,
            3,
            sq(3),
            sq(2),
            sq(0),
            true,
            new ActivationReLU(),
            ConvolutionMode.Same));
  }

  private static int[] sq(int v) {
    return new int[] {v, v};
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void oneLayer_matchesDl4jsLayerBitForBit(Case c) {
    Layer ours = oneLayer(c, true);
    Layer stock = oneLayer(c, false);
    assertTrue(ours instanceof ContiguousConvolution.Impl);
    stock.setParams(ours.params().dup());
    Random r = new Random(c.name().hashCode());
    INDArray x = random(r, c.batch(), c.in(), c.h(), c.w());
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    ours.setInput(x, mgr);
    stock.setInput(x, mgr);
    INDArray outOurs = ours.activate(true, mgr).dup();
    INDArray outStock = stock.activate(true, mgr).dup();
    boolean fast = c.mode() != ConvolutionMode.Same;
    assertEquals(fast, ((ContiguousConvolution.Impl) ours).keepsIm2col(), "keeps its im2col");
    assertBits(outStock, outOurs, c + ": training output");
    long[] s = outOurs.shape();
    INDArray eps = random(r, s[0], s[1], s[2], s[3]);
    INDArray gradOurs = ours.backpropGradient(eps, mgr).getSecond().dup();
    INDArray gradStock = stock.backpropGradient(eps, mgr).getSecond().dup();
    assertBits(gradStock, gradOurs, c + ": input gradient");
    assertBits(
        stock.getGradientsViewArray(), ours.getGradientsViewArray(), c + ": parameter gradients");
    assertBits(stock.activate(false, mgr), ours.activate(false, mgr), c + ": inference output");
  }

  private static Layer oneLayer(Case c, boolean ours) {
    ConvolutionLayer.Builder b =
        new ConvolutionLayer.Builder(c.kernel())
            .stride(c.stride())
            .padding(c.pad())
            .nOut(c.out())
            .hasBias(c.bias())
            .activation(c.activation())
            .convolutionMode(c.mode());
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(5)
                .dataType(DataType.FLOAT)
                .trainingWorkspaceMode(WorkspaceMode.NONE)
                .inferenceWorkspaceMode(WorkspaceMode.NONE)
                .list()
                .layer(ours ? ContiguousConvolution.of(b) : b.build())
                .setInputType(InputType.convolutional(c.h(), c.w(), c.in()))
                .build());
    net.init();
    net.initGradientsView();
    return net.getLayer(0);
  }

  private static INDArray random(Random r, long... shape) {
    float[] v = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() - 0.5f;
    }
    return Nd4j.create(v, shape, 'c');
  }

  private static int countOurs(SplitModel split) {
    int n = 0;
    for (Slice s : split.slices()) {
      for (Layer l : s.network().getLayers()) {
        if (l instanceof ContiguousConvolution.Impl) {
          n++;
        }
      }
    }
    return n;
  }

  private static void assertBits(INDArray expected, INDArray actual, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    float[] e = expected.castTo(DataType.FLOAT).dup('c').data().asFloat();
    float[] a = actual.castTo(DataType.FLOAT).dup('c').data().asFloat();
    List<Integer> differ = new ArrayList<>();
    for (int i = 0; i < e.length && differ.size() < 5; i++) {
      if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
        differ.add(i);
      }
    }
    assertTrue(
        differ.isEmpty(),
        () ->
            what
                + ": differs at "
                + differ
                + ", e.g. "
                + e[differ.get(0)]
                + " (DL4J) vs "
                + a[differ.get(0)]);
  }
}
