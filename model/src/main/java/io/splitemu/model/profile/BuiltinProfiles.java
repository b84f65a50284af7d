package io.splitemu.model.profile;

import java.util.ArrayList;
import java.util.List;

/**
 * Profiles of published architectures generated in code from their architecture tables.
 *
 * <ul>
 *   <li>{@code efficientnetv2-s}: EfficientNetV2-S for 224x224x3 and 1000 classes as a DAG whose
 *       blocks are split into expansion, depthwise, squeeze-excitation, scaling, projection and
 *       residual-add layers.
 *   <li>{@code vgg19-cifar}: VGG-19 for 32x32x3 and 10 classes, 25 units as in the MP-SL
 *       measurements.
 *   <li>{@code resnet101-cifar}: the 101-layer residual network of the MP-SL measurements for
 *       32x32x3 and 10 classes, 37 units (stem, pool, 33 residual blocks, pool, classifier).
 *   <li>{@code inception-v3}: Inception-v3 for 299x299x3 and 1000 classes (without the auxiliary
 *       classifier), a DAG of wide modules whose branches have different depths: every convolution
 *       with its batch-norm and ReLU is one layer, every pool and concatenation one.
 * </ul>
 *
 * <p>Figures are per sample: 4-byte floats unless an element size is given ({@link #get(String,
 * int)}: 8 for double, as {@code ModelZoo.profile(name, dataType)}), FLOPs = 2 x
 * multiply-accumulates for convolutions and fully connected layers, one FLOP per output element for
 * batch-norm, activations, pooling, element-wise products and residual adds; batch-norm scale and
 * shift count as parameters, its running statistics do not.
 */
public final class BuiltinProfiles {

  /** EfficientNetV2-S (ImageNet, 224x224). */
  public static final String EFFICIENTNETV2_S = "efficientnetv2-s";

  /** EfficientNetV2-S on MNIST-size input (28x28x1, 10 classes). */
  public static final String EFFICIENTNETV2_S_MNIST = "efficientnetv2-s-mnist";

  /** Inception-v3 (ImageNet, 299x299, no auxiliary classifier). */
  public static final String INCEPTION_V3 = "inception-v3";

  /** VGG-19 for CIFAR-10 as measured in MP-SL. */
  public static final String VGG19_CIFAR = "vgg19-cifar";

  /** ResNet-101 for CIFAR-10 as measured in MP-SL. */
  public static final String RESNET101_CIFAR = "resnet101-cifar";

  private static final List<String> NAMES =
      List.of(EFFICIENTNETV2_S, EFFICIENTNETV2_S_MNIST, INCEPTION_V3, RESNET101_CIFAR, VGG19_CIFAR);
  private static final List<String> CHAINS = List.of(RESNET101_CIFAR, VGG19_CIFAR);
  private static final int FLOAT_BYTES = 4;

  private BuiltinProfiles() {}

  /** The built-in model names, sorted. */
  public static List<String> names() {
    return NAMES;
  }

  /** The names that are chains and so also available from {@link #chain(String)}, sorted. */
  public static List<String> chainNames() {
    return CHAINS;
  }

  /** The DAG profile of a built-in model; chains come as their chain DAG. */
  public static DagProfile get(String name) {
    if (EFFICIENTNETV2_S.equals(name)) {
      return efficientNetV2S(EFFICIENTNETV2_S, 3, 224, 1000);
    }
    if (EFFICIENTNETV2_S_MNIST.equals(name)) {
      return efficientNetV2S(EFFICIENTNETV2_S_MNIST, 1, 28, 10);
    }
    if (INCEPTION_V3.equals(name)) {
      return inceptionV3();
    }
    if (CHAINS.contains(name)) {
      return chain(name).toDag();
    }
    throw new IllegalArgumentException(
        "unknown built-in model '" + name + "', known: " + String.join(", ", NAMES));
  }

  /**
   * The DAG profile of a built-in model with {@code elementBytes}-byte elements (4 float, 8
   * double): input, output and parameter bytes scale from the 4-byte profile; FLOPs do not change.
   */
  public static DagProfile get(String name, int elementBytes) {
    DagProfile p = get(name);
    if (checkWidth(elementBytes) == FLOAT_BYTES) {
      return p;
    }
    List<DagLayer> layers = new ArrayList<>(p.size());
    for (DagLayer l : p.layers()) {
      layers.add(
          new DagLayer(
              l.name(),
              l.inputs(),
              l.forwardFlops(),
              l.backwardFlops(),
              l.outputBytes() / FLOAT_BYTES * elementBytes,
              l.paramBytes() / FLOAT_BYTES * elementBytes));
    }
    return new DagProfile(p.name(), p.inputBytes() / FLOAT_BYTES * elementBytes, layers);
  }

  /** The chain profile of a built-in chain model with {@code elementBytes}-byte elements. */
  public static ChainProfile chain(String name, int elementBytes) {
    ChainProfile p = chain(name);
    if (checkWidth(elementBytes) == FLOAT_BYTES) {
      return p;
    }
    List<UnitProfile> units = new ArrayList<>(p.size());
    for (UnitProfile u : p.units()) {
      units.add(
          new UnitProfile(
              u.name(),
              u.forwardFlops(),
              u.backwardFlops(),
              u.outputBytes() / FLOAT_BYTES * elementBytes,
              u.params(),
              u.paramBytes() / FLOAT_BYTES * elementBytes));
    }
    return new ChainProfile(p.model(), p.inputBytes() / FLOAT_BYTES * elementBytes, units);
  }

  private static int checkWidth(int elementBytes) {
    if (elementBytes != 4 && elementBytes != 8) {
      throw new IllegalArgumentException("element bytes must be 4 or 8, got " + elementBytes);
    }
    return elementBytes;
  }

  /** The chain profile of a built-in chain model. */
  public static ChainProfile chain(String name) {
    if (VGG19_CIFAR.equals(name)) {
      return vgg19Cifar();
    }
    if (RESNET101_CIFAR.equals(name)) {
      return resnet101Cifar();
    }
    throw new IllegalArgumentException(
        "unknown built-in chain model '"
            + name
            + "', known chains: "
            + String.join(", ", CHAINS)
            + (name.startsWith(EFFICIENTNETV2_S) ? " (" + name + " is a DAG, use get)" : ""));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * VGG-19 with biased 3x3 convolutions and ReLU (no batch-norm), as the measured weights show.
   *
   * <p>The measured activations show 17, 9, 5, 3 and 2 pixels after the five max-pools, that is 2x2
   * stride-2 windows with one pixel of padding, and an adaptive average pool to 7x7 before the
   * 25088-input classifier; the profile reproduces both so that cut sizes match the table.
   */
  private static ChainProfile vgg19Cifar() {
    List<UnitProfile> units = new ArrayList<>();
    int[][] stages = {{64, 2}, {128, 2}, {256, 4}, {512, 4}, {512, 4}};
    Op x = Op.input("", 3, 32, 32);
    for (int s = 0; s < stages.length; s++) {
      for (int i = 1; i <= stages[s][1]; i++) {
        x = x.next("conv" + (s + 1) + "_" + i).conv(stages[s][0], 3, 1, 1, 1, true).act();
        units.add(x.unit());
      }
      x = x.next("pool" + (s + 1)).maxPool(2, 2, 1);
      units.add(x.unit());
    }
    x = x.next("avgpool").adaptivePool(7, 7);
    units.add(x.unit());
    x = x.next("fc6").fc(4096, true).act();
    units.add(x.unit());
    x = x.next("fc7").fc(4096, true).act();
    units.add(x.unit());
    x = x.next("fc8").fc(10, true);
    units.add(x.unit());
    return new ChainProfile(VGG19_CIFAR, FLOAT_BYTES * 3L * 32 * 32, units);
  }

  /**
   * The measured 101-layer residual network: stages of 3, 4, 23 and 3 blocks of 64, 128, 256 and
   * 512 channels.
   *
   * <p>The measured table has 64 to 512 channels with a 512-input classifier and about 18 c^2
   * weights per block, so each block is two 3x3 convolutions with batch-norm (expansion 1), with a
   * strided 1x1 convolution and batch-norm on the shortcut where the shape changes.
   */
  private static ChainProfile resnet101Cifar() {
    List<UnitProfile> units = new ArrayList<>();
    Op x = Op.input("", 3, 32, 32).next("conv1").conv(64, 7, 2, 3, 1, false).bn().act();
    units.add(x.unit());
    x = x.next("pool1").maxPool(3, 2, 1);
    units.add(x.unit());
    int[][] stages = {{64, 3}, {128, 4}, {256, 23}, {512, 3}};
    for (int s = 0; s < stages.length; s++) {
      int channels = stages[s][0];
      for (int b = 1; b <= stages[s][1]; b++) {
        int stride = s > 0 && b == 1 ? 2 : 1;
        Op in = x;
        x = x.next("layer" + (s + 1) + "." + b);
        x.conv(channels, 3, stride, 1, 1, false).bn().act().conv(channels, 3, 1, 1, 1, false).bn();
        if (stride != 1 || in.c != channels) {
          x.absorb(in.next("shortcut").conv(channels, 1, stride, 0, 1, false).bn());
        }
        x.add().act();
        units.add(x.unit());
      }
    }
    x = x.next("avgpool").globalPool();
    units.add(x.unit());
    x = x.next("fc").fc(10, true);
    units.add(x.unit());
    return new ChainProfile(RESNET101_CIFAR, FLOAT_BYTES * 3L * 32 * 32, units);
  }

  /**
   * EfficientNetV2-S from the stage table of the EfficientNetV2 paper, with SiLU activations and
   * squeeze-excitation reduced to a quarter of the block's input channels.
   *
   * <p>Each block is several DAG layers so that its residual add and its squeeze-excitation branch
   * are real DAG edges: {@code expand} (or {@code fused}), {@code dw}, {@code se} (global pool and
   * two biased 1x1 convolutions), {@code scale} (reads {@code dw} and {@code se}), {@code project},
   * and {@code add} (reads {@code project} and the block input) when the block keeps its shape.
   */
  private static DagProfile efficientNetV2S(String name, int channels, int size, int classes) {
    List<DagLayer> layers = new ArrayList<>();
    Op x =
        Op.input(DagProfile.INPUT, channels, size, size).next("stem").conv(24, 3, 2, 1, 1, false);
    x.bn().act();
    layers.add(x.layer());
    // {fused (1) or MBConv (0), expansion, kernel, stride, channels, repeats, SE ratio in %}
    int[][] stages = {
      {1, 1, 3, 1, 24, 2, 0},
      {1, 4, 3, 2, 48, 4, 0},
      {1, 4, 3, 2, 64, 4, 0},
      {0, 4, 3, 2, 128, 6, 25},
      {0, 6, 3, 1, 160, 9, 25},
      {0, 6, 3, 2, 256, 15, 25}
    };
    for (int s = 0; s < stages.length; s++) {
      int[] st = stages[s];
      for (int b = 1; b <= st[5]; b++) {
        String prefix = "s" + (s + 1) + ".b" + b + ".";
        int stride = b == 1 ? st[3] : 1;
        int expanded = x.c * st[1];
        int k = st[2];
        Op in = x;
        if (st[0] == 1) {
          if (st[1] == 1) {
            x = x.next(prefix + "fused").conv(st[4], k, stride, k / 2, 1, false).bn().act();
            layers.add(x.layer());
          } else {
            x = x.next(prefix + "fused").conv(expanded, k, stride, k / 2, 1, false).bn().act();
            layers.add(x.layer());
            x = x.next(prefix + "project").conv(st[4], 1, 1, 0, 1, false).bn();
            layers.add(x.layer());
          }
        } else {
          x = x.next(prefix + "expand").conv(expanded, 1, 1, 0, 1, false).bn().act();
          layers.add(x.layer());
          Op dw = x.next(prefix + "dw").conv(expanded, k, stride, k / 2, expanded, false);
          dw.bn().act();
          layers.add(dw.layer());
          int reduced = Math.max(1, in.c * st[6] / 100);
          Op se = dw.next(prefix + "se").globalPool().fc(reduced, true).act();
          se.fc(expanded, true).act();
          layers.add(se.layer());
          x = dw.next(prefix + "scale").also(se).mul();
          layers.add(x.layer());
          x = x.next(prefix + "project").conv(st[4], 1, 1, 0, 1, false).bn();
          layers.add(x.layer());
        }
        if (stride == 1 && in.c == x.c) {
          x = x.next(prefix + "add").also(in).add();
          layers.add(x.layer());
        }
      }
    }
    x = x.next("head").conv(1280, 1, 1, 0, 1, false).bn().act();
    layers.add(x.layer());
    x = x.next("pool").globalPool();
    layers.add(x.layer());
    x = x.next("fc").fc(classes, true);
    layers.add(x.layer());
    return new DagProfile(name, FLOAT_BYTES * (long) channels * size * size, layers);
  }

  /**
   * Inception-v3 (Szegedy et al., "Rethinking the Inception Architecture", 2016) in the layout of
   * the common reference implementation: a stem of five convolutions and two max-pools, three 35x35
   * modules (A), a grid reduction (B), four 17x17 modules with factorised 7x7 convolutions (C), a
   * second grid reduction (D), two 8x8 modules with split 1x3/3x1 outputs (E), global average pool
   * and the classifier. Every convolution is biasless with batch-norm and ReLU.
   */
  private static DagProfile inceptionV3() {
    List<DagLayer> layers = new ArrayList<>();
    Op x = Op.input(DagProfile.INPUT, 3, 299, 299);
    x = basic(layers, x, "conv1a", 32, 3, 3, 2, 0, 0);
    x = basic(layers, x, "conv2a", 32, 3, 3, 1, 0, 0);
    x = basic(layers, x, "conv2b", 64, 3, 3, 1, 1, 1);
    x = x.next("pool1").maxPool(3, 2, 0);
    layers.add(x.layer());
    x = basic(layers, x, "conv3b", 80, 1, 1, 1, 0, 0);
    x = basic(layers, x, "conv4a", 192, 3, 3, 1, 0, 0);
    x = x.next("pool2").maxPool(3, 2, 0);
    layers.add(x.layer());
    int[] poolFeatures = {32, 64, 64};
    for (int m = 0; m < 3; m++) {
      String p = "mixed5" + (char) ('b' + m) + ".";
      Op b1 = basic(layers, x, p + "1x1", 64, 1, 1, 1, 0, 0);
      Op b5 = basic(layers, x, p + "5x5_reduce", 48, 1, 1, 1, 0, 0);
      b5 = basic(layers, b5, p + "5x5", 64, 5, 5, 1, 2, 2);
      Op b3 = basic(layers, x, p + "3x3dbl_reduce", 64, 1, 1, 1, 0, 0);
      b3 = basic(layers, b3, p + "3x3dbl_1", 96, 3, 3, 1, 1, 1);
      b3 = basic(layers, b3, p + "3x3dbl_2", 96, 3, 3, 1, 1, 1);
      Op bp = x.next(p + "pool").avgPool(3, 1, 1);
      layers.add(bp.layer());
      bp = basic(layers, bp, p + "pool_proj", poolFeatures[m], 1, 1, 1, 0, 0);
      x = concat(layers, p + "concat", b1, b5, b3, bp);
    }
    {
      String p = "mixed6a.";
      Op b3 = basic(layers, x, p + "3x3", 384, 3, 3, 2, 0, 0);
      Op bd = basic(layers, x, p + "3x3dbl_reduce", 64, 1, 1, 1, 0, 0);
      bd = basic(layers, bd, p + "3x3dbl_1", 96, 3, 3, 1, 1, 1);
      bd = basic(layers, bd, p + "3x3dbl_2", 96, 3, 3, 2, 0, 0);
      Op bp = x.next(p + "pool").maxPool(3, 2, 0);
      layers.add(bp.layer());
      x = concat(layers, p + "concat", b3, bd, bp);
    }
    int[] c7 = {128, 160, 160, 192};
    for (int m = 0; m < 4; m++) {
      String p = "mixed6" + (char) ('b' + m) + ".";
      int c = c7[m];
      Op b1 = basic(layers, x, p + "1x1", 192, 1, 1, 1, 0, 0);
      Op b7 = basic(layers, x, p + "7x7_reduce", c, 1, 1, 1, 0, 0);
      b7 = basic(layers, b7, p + "7x7_1", c, 1, 7, 1, 0, 3);
      b7 = basic(layers, b7, p + "7x7_2", 192, 7, 1, 1, 3, 0);
      Op bd = basic(layers, x, p + "7x7dbl_reduce", c, 1, 1, 1, 0, 0);
      bd = basic(layers, bd, p + "7x7dbl_1", c, 7, 1, 1, 3, 0);
      bd = basic(layers, bd, p + "7x7dbl_2", c, 1, 7, 1, 0, 3);
      bd = basic(layers, bd, p + "7x7dbl_3", c, 7, 1, 1, 3, 0);
      bd = basic(layers, bd, p + "7x7dbl_4", 192, 1, 7, 1, 0, 3);
      Op bp = x.next(p + "pool").avgPool(3, 1, 1);
      layers.add(bp.layer());
      bp = basic(layers, bp, p + "pool_proj", 192, 1, 1, 1, 0, 0);
      x = concat(layers, p + "concat", b1, b7, bd, bp);
    }
    {
      String p = "mixed7a.";
      Op b3 = basic(layers, x, p + "3x3_reduce", 192, 1, 1, 1, 0, 0);
      b3 = basic(layers, b3, p + "3x3", 320, 3, 3, 2, 0, 0);
      Op b7 = basic(layers, x, p + "7x7x3_reduce", 192, 1, 1, 1, 0, 0);
      b7 = basic(layers, b7, p + "7x7x3_1", 192, 1, 7, 1, 0, 3);
      b7 = basic(layers, b7, p + "7x7x3_2", 192, 7, 1, 1, 3, 0);
      b7 = basic(layers, b7, p + "7x7x3_3", 192, 3, 3, 2, 0, 0);
      Op bp = x.next(p + "pool").maxPool(3, 2, 0);
      layers.add(bp.layer());
      x = concat(layers, p + "concat", b3, b7, bp);
    }
    for (int m = 0; m < 2; m++) {
      String p = "mixed7" + (char) ('b' + m) + ".";
      Op b1 = basic(layers, x, p + "1x1", 320, 1, 1, 1, 0, 0);
      Op b3 = basic(layers, x, p + "3x3_reduce", 384, 1, 1, 1, 0, 0);
      Op b3a = basic(layers, b3, p + "3x3_1x3", 384, 1, 3, 1, 0, 1);
      Op b3b = basic(layers, b3, p + "3x3_3x1", 384, 3, 1, 1, 1, 0);
      Op bd = basic(layers, x, p + "3x3dbl_reduce", 448, 1, 1, 1, 0, 0);
      bd = basic(layers, bd, p + "3x3dbl_1", 384, 3, 3, 1, 1, 1);
      Op bda = basic(layers, bd, p + "3x3dbl_1x3", 384, 1, 3, 1, 0, 1);
      Op bdb = basic(layers, bd, p + "3x3dbl_3x1", 384, 3, 1, 1, 1, 0);
      Op bp = x.next(p + "pool").avgPool(3, 1, 1);
      layers.add(bp.layer());
      bp = basic(layers, bp, p + "pool_proj", 192, 1, 1, 1, 0, 0);
      x = concat(layers, p + "concat", b1, b3a, b3b, bda, bdb, bp);
    }
    x = x.next("pool").globalPool();
    layers.add(x.layer());
    x = x.next("fc").fc(1000, true);
    layers.add(x.layer());
    return new DagProfile(INCEPTION_V3, FLOAT_BYTES * 3L * 299 * 299, layers);
  }

  /** One biasless convolution with batch-norm and ReLU as a layer reading {@code in}. */
  private static Op basic(
      List<DagLayer> layers,
      Op in,
      String name,
      int out,
      int kh,
      int kw,
      int stride,
      int ph,
      int pw) {
    Op o = in.next(name).conv(out, kh, kw, stride, ph, pw, 1, false).bn().act();
    layers.add(o.layer());
    return o;
  }

  /** A channel concatenation of same-size branch outputs (no FLOPs, a copy). */
  private static Op concat(List<DagLayer> layers, String name, Op... branches) {
    Op o = branches[0].next(name);
    o.c = 0;
    for (int i = 0; i < branches.length; i++) {
      if (i > 0) {
        o.also(branches[i]);
      }
      o.c += branches[i].c;
    }
    layers.add(o.layer());
    return o;
  }

  /** A layer or unit under construction: the ops applied so far, their costs and output shape. */
  private static final class Op {
    final String name;
    final List<String> inputs = new ArrayList<>();
    double flops;
    long params;
    int c;
    int h;
    int w;

    private Op(String name, int c, int h, int w) {
      this.name = name;
      this.c = c;
      this.h = h;
      this.w = w;
    }

    static Op input(String name, int c, int h, int w) {
      return new Op(name, c, h, w);
    }

    /** A new op reading this one's output. */
    Op next(String nextName) {
      Op o = new Op(nextName, c, h, w);
      if (!name.isEmpty()) {
        o.inputs.add(name);
      }
      return o;
    }

    /** Also reads another op's output (a DAG edge). */
    Op also(Op other) {
      inputs.add(other.name);
      return this;
    }

    long elements() {
      return (long) c * h * w;
    }

    Op conv(int out, int k, int stride, int pad, int groups, boolean bias) {
      return conv(out, k, k, stride, pad, pad, groups, bias);
    }

    Op conv(int out, int kh, int kw, int stride, int ph, int pw, int groups, boolean bias) {
      int oh = (h + 2 * ph - kh) / stride + 1;
      int ow = (w + 2 * pw - kw) / stride + 1;
      long perOutput = (long) (c / groups) * kh * kw;
      flops += 2.0 * out * oh * ow * perOutput;
      params += out * perOutput + (bias ? out : 0);
      c = out;
      h = oh;
      w = ow;
      return this;
    }

    Op fc(int out, boolean bias) {
      long in = elements();
      flops += 2.0 * in * out;
      params += in * out + (bias ? out : 0);
      c = out;
      h = 1;
      w = 1;
      return this;
    }

    Op bn() {
      flops += elements();
      params += 2L * c;
      return this;
    }

    Op act() {
      flops += elements();
      return this;
    }

    Op add() {
      flops += elements();
      return this;
    }

    Op mul() {
      flops += elements();
      return this;
    }

    Op maxPool(int k, int stride, int pad) {
      h = (h + 2 * pad - k) / stride + 1;
      w = (w + 2 * pad - k) / stride + 1;
      flops += elements();
      return this;
    }

    Op avgPool(int k, int stride, int pad) {
      h = (h + 2 * pad - k) / stride + 1;
      w = (w + 2 * pad - k) / stride + 1;
      flops += elements();
      return this;
    }

    Op globalPool() {
      h = 1;
      w = 1;
      flops += elements();
      return this;
    }

    Op adaptivePool(int oh, int ow) {
      h = oh;
      w = ow;
      flops += elements();
      return this;
    }

    /** Adds the costs of a side branch (a shortcut) whose output this op consumes. */
    void absorb(Op branch) {
      flops += branch.flops;
      params += branch.params;
    }

    UnitProfile unit() {
      return new UnitProfile(
          name, flops, 2 * flops, FLOAT_BYTES * elements(), params, FLOAT_BYTES * params);
    }

    DagLayer layer() {
      return new DagLayer(
          name,
          List.copyOf(inputs),
          flops,
          2 * flops,
          FLOAT_BYTES * elements(),
          FLOAT_BYTES * params);
    }
  }
}
