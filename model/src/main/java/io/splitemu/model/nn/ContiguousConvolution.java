package io.splitemu.model.nn;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's 2-D convolution with its two slow steps replaced and its forward pass kept for the
 * backward pass (issue 16, "Full fidelity, second").
 *
 * <p>DL4J's own layer writes its im2col matrix through a permuted, strided view of the contiguous
 * {@code [batch, outH, outW, channels, kH, kW]} array it multiplies, and reads its col2im input
 * through another. Those two copies are most of a LeNet step's time (docs/benchmarks.md, "Full
 * fidelity: where the time goes"). Its backward pass also recomputes the whole forward pass, im2col
 * included, because without workspaces it keeps nothing from it.
 *
 * <p>This layer fills the same contiguous array in row order, keeps it and the pre-activation from
 * a training forward pass for the backward pass, and sums the col2im in the order DL4J does. Every
 * other step is the same ND4J call on arrays of the same layout: the same gemms, the bias add, the
 * activation and its derivative, the bias-gradient sum. So it computes bit for bit what DL4J's
 * layer computes ({@code ContiguousConvolutionTest} holds it to that), and the full-fidelity
 * goldens do not move. The parameters, their initialisation and the updater are DL4J's.
 *
 * <p>It covers float NCHW convolutions without dilation, {@code Same} mode, dropout or weight
 * noise, with no DL4J helper (cuDNN, oneDNN) installed and an im2col matrix of at most 2^31 - 1
 * entries. For anything else it is DL4J's layer. It needs workspaces off (as {@code Blueprint} sets
 * them): what it keeps between the passes lives outside DL4J's workspaces.
 *
 * <p>What it keeps: from a training forward pass to the next backward pass, a copy of the
 * pre-activation and of the parameters, and in a last slice also the im2col matrix (the input times
 * the kernel area); a non-last slice remakes it in the backward pass ({@code keepIm2col}). That is
 * one pass per layer; a later forward pass, a backward pass or {@code clear()} drops it. The
 * backward pass uses it only for the same input array (by identity: callers hand a new array to
 * each forward pass and do not write into it) and unchanged parameters; otherwise it recomputes the
 * forward pass as DL4J's layer does. Each thread also keeps two scratch arrays, one as large as the
 * largest im2col it has made and one as large as the largest image.
 */
final class ContiguousConvolution extends ConvolutionLayer {

  private ContiguousConvolution(Builder builder) {
    super(builder);
  }

  /** A configured convolution of this kind, from DL4J's own builder (and its checks). */
  static ContiguousConvolution of(Builder builder) {
    builder.build(); // DL4J's checks of the kernel, stride, padding and mode
    return new ContiguousConvolution(builder);
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDataType) {
    // As DL4J's ConvolutionLayer.instantiate, with this layer's implementation.
    LayerValidation.assertNInNOutSet(
        "ContiguousConvolution", getLayerName(), layerIndex, getNIn(), getNOut());
    Impl layer = new Impl(conf, networkDataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(paramsView);
    Map<String, INDArray> params = initializer().init(conf, paramsView, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  /** The shapes of one convolution, in DL4J's names. */
  private record Geometry(
      int batch,
      int inDepth,
      int inH,
      int inW,
      int outDepth,
      int kH,
      int kW,
      int sH,
      int sW,
      int pH,
      int pW,
      int outH,
      int outW) {

    /** Rows of the im2col matrix: one per output position. */
    int rows() {
      return batch * outH * outW;
    }

    /** Columns of the im2col matrix: one per weight of an output channel. */
    int cols() {
      return inDepth * kH * kW;
    }
  }

  /** The layer: DL4J's, with its im2col, col2im and forward-pass cache replaced. */
  static final class Impl extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {

    // What the last training forward pass keeps for the backward pass; all null when none.
    private INDArray keptFor; // the input it was computed from (by identity)
    private Forward kept; // a copy of its pre-activation, and its im2col
    private float[] keptParams; // the parameters it was computed with
    private boolean inputGradientUnused; // set by Slice.backwardToData for the pass it runs
    private boolean keepIm2col = true; // off in slices whose backward pass waits on others

    // Java-side copies of an im2col matrix and of an image, one pair per thread (not per layer: a
    // full-fidelity run has a layer per device), grown to the largest seen.
    private static final ThreadLocal<float[][]> SCRATCH =
        ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});
    private static final int COLS = 0;
    private static final int IMAGE = 1;

    Impl(NeuralNetConfiguration conf, DataType dataType) {
      super(conf, dataType);
    }

    private boolean covered() {
      if (input != null && !fits(input)) {
        return false;
      }
      ConvolutionLayer c = layerConf();
      int[] dilation = c.getDilation();
      return helper == null
          && dataType == DataType.FLOAT
          && c.getCnn2dDataFormat() == CNN2DFormat.NCHW
          && convolutionMode != ConvolutionMode.Same
          && dilation[0] == 1
          && dilation[1] == 1
          && c.getIDropout() == null
          && c.getWeightNoise() == null;
    }

    /** Whether the im2col matrix of {@code in} fits a Java array (else DL4J's layer runs). */
    private boolean fits(INDArray in) {
      if (in.rank() != 4) {
        return true; // DL4J's checks will refuse it with their message
      }
      int[] k = layerConf().getKernelSize();
      int[] st = layerConf().getStride();
      int[] pad = layerConf().getPadding();
      long outH = (in.size(2) + 2L * pad[0] - k[0]) / st[0] + 1;
      long outW = (in.size(3) + 2L * pad[1] - k[1]) / st[1] + 1;
      long entries = in.size(0) * Math.max(outH, 0) * Math.max(outW, 0) * in.size(1) * k[0] * k[1];
      return entries <= Integer.MAX_VALUE && in.length() <= Integer.MAX_VALUE;
    }

    /**
     * Whether a training forward pass keeps its im2col matrix for the backward pass (faster) or the
     * backward pass remakes it (less memory while the pass awaits its gradient).
     */
    void keepIm2col(boolean keep) {
      keepIm2col = keep;
    }

    /** Whether the next backward passes may skip the input gradient (zeros stand for it). */
    void inputGradientUnused(boolean unused) {
      inputGradientUnused = unused;
    }

    /** Whether a training forward pass is kept for the backward pass (for tests). */
    boolean keepsForwardPass() {
      return kept != null;
    }

    /** Whether the kept forward pass holds its im2col matrix (for tests). */
    boolean keepsIm2col() {
      return kept != null && kept.cols() != null;
    }

    private Geometry geometry(INDArray input, INDArray weights) {
      int[] pad = layerConf().getPadding();
      int[] strides = layerConf().getStride();
      int[] out =
          ConvolutionUtils.getOutputSize(
              input,
              layerConf().getKernelSize(),
              strides,
              pad,
              convolutionMode,
              layerConf().getDilation(),
              CNN2DFormat.NCHW); // also validates the sizes
      return new Geometry(
          Math.toIntExact(input.size(0)),
          Math.toIntExact(input.size(1)),
          Math.toIntExact(input.size(2)),
          Math.toIntExact(input.size(3)),
          Math.toIntExact(weights.size(0)),
          Math.toIntExact(weights.size(2)),
          Math.toIntExact(weights.size(3)),
          strides[0],
          strides[1],
          pad[0],
          pad[1],
          out[0],
          out[1]);
    }

    private void forget() {
      keptFor = null;
      kept = null;
      keptParams = null;
    }

    @Override
    public void clear() {
      super.clear();
      forget();
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(
        boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
      if (!covered()) {
        forget();
        return super.preOutput(training, forBackprop, workspaceMgr);
      }
      Forward f = forBackprop ? forBackward(workspaceMgr) : forward(training, false, workspaceMgr);
      return new Pair<>(asImage(f.z(), f.g()), forBackprop ? f.cols() : null);
    }

    /** A forward pass before the activation: {@code [rows, outDepth]} in f order, its im2col. */
    private record Forward(INDArray z, INDArray cols, Geometry g) {}

    private Forward forward(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
      assertInputSet(false);
      INDArray bias =
          getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
      INDArray weights =
          getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
      validateInputRank();
      INDArray in = input.castTo(dataType);
      validateInputDepth(weights.size(1));
      Geometry g = geometry(in, weights);

      INDArray cols = im2col(in, g);
      // From here on, DL4J's own steps: [rows, cols] x [cols, outDepth] in f order, plus the bias.
      INDArray w2d = weights.permute(3, 2, 1, 0).reshape('f', g.cols(), g.outDepth());
      INDArray z =
          workspaceMgr.createUninitialized(
              ArrayType.ACTIVATIONS, weights.dataType(), new long[] {g.rows(), g.outDepth()}, 'f');
      cols.mmuli(w2d, z);
      if (layerConf().hasBias()) {
        z.addiRowVector(bias);
      }
      if (training && !forBackprop) {
        // The activation is applied in place to what this returns: keep a copy of the same layout.
        keptFor = input;
        kept = new Forward(z.dup('f'), keepIm2col ? cols : null, g);
        keptParams = params().toFloatVector();
      }
      return new Forward(z, cols, g);
    }

    /** What the last training forward pass kept for this backward pass, or a new forward pass. */
    private Forward forBackward(LayerWorkspaceMgr workspaceMgr) {
      // DL4J's layer recomputes the forward pass here, with the parameters as they are now: so
      // does this one if they changed since (a model loaded between the two passes).
      boolean valid =
          kept != null && keptFor == input && Arrays.equals(keptParams, params().toFloatVector());
      Forward f = valid ? kept : forward(true, true, workspaceMgr);
      forget(); // kept for one backward pass
      if (f.cols() == null) {
        f = new Forward(f.z(), im2col(input.castTo(dataType), f.g()), f.g());
      }
      return f;
    }

    private static boolean elementWise(IActivation afn) {
      return afn instanceof ActivationReLU || afn instanceof ActivationIdentity;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
      IActivation afn = layerConf().getActivationFn();
      if (input == null || !covered() || !elementWise(afn)) {
        return super.activate(training, workspaceMgr);
      }
      Forward f = forward(training, false, workspaceMgr);
      // Element by element, so the same bits when applied at unit stride to the array under the
      // image view (DL4J applies it through the strided view).
      afn.getActivation(f.z(), training);
      return asImage(f.z(), f.g());
    }

    /** {@code [rows, outDepth]} in f order as {@code [batch, outDepth, outH, outW]}, no copy. */
    private static INDArray asImage(INDArray z, Geometry g) {
      return Shape.newShapeNoCopy(z, new long[] {g.outW(), g.outH(), g.batch(), g.outDepth()}, true)
          .permute(2, 3, 1, 0);
    }

    /**
     * The im2col matrix DL4J multiplies: row {@code (b, oy, ox)}, column {@code (c, ky, kx)}, zero
     * where the kernel lies on the padding. Written in row order into a contiguous c-order array.
     */
    private static INDArray im2col(INDArray in, Geometry g) {
      int inH = g.inH();
      int inW = g.inW();
      int kH = g.kH();
      int kW = g.kW();
      int depth = g.inDepth();
      float[] image = floatsOf(in, g.batch() * depth * inH * inW);
      int cols = g.cols();
      int n = g.rows() * cols;
      float[] col = scratch(COLS, n);
      int plane = inH * inW;
      int at = 0;
      for (int b = 0; b < g.batch(); b++) {
        int imageAt = b * depth * plane;
        for (int oy = 0; oy < g.outH(); oy++) {
          int y0 = oy * g.sH() - g.pH();
          for (int ox = 0; ox < g.outW(); ox++) {
            int x0 = ox * g.sW() - g.pW();
            // The kernel columns that fall on the image; the others read the zero padding.
            int lo = Math.max(0, -x0);
            int hi = Math.min(kW, inW - x0);
            for (int c = 0; c < depth; c++) {
              int channelAt = imageAt + c * plane + x0;
              for (int ky = 0; ky < kH; ky++, at += kW) {
                int y = y0 + ky;
                if (y < 0 || y >= inH || lo >= hi) {
                  Arrays.fill(col, at, at + kW, 0f);
                  continue;
                }
                int rowAt = channelAt + y * inW;
                for (int kx = 0; kx < lo; kx++) {
                  col[at + kx] = 0f;
                }
                for (int kx = lo; kx < hi; kx++) {
                  col[at + kx] = image[rowAt + kx];
                }
                for (int kx = hi; kx < kW; kx++) {
                  col[at + kx] = 0f;
                }
              }
            }
          }
        }
      }
      INDArray out = Nd4j.createUninitialized(DataType.FLOAT, new long[] {g.rows(), cols}, 'c');
      out.data().asNioFloat().put(0, col, 0, n);
      return out;
    }

    /** The elements of {@code a} in c order, in this thread's image scratch array. */
    private static float[] floatsOf(INDArray a, int n) {
      return copyOf(dense(a, 'c') && a.length() == n ? a : a.dup('c'), IMAGE);
    }

    /**
     * Whether {@code a} is its whole buffer in {@code order}, with that order's strides: a permuted
     * array can report c order and no view while its strides say otherwise.
     */
    private static boolean dense(INDArray a, char order) {
      return a.dataType() == DataType.FLOAT
          && a.offset() == 0
          && a.data().length() == a.length()
          && Arrays.equals(a.stride(), Nd4j.getStrides(a.shape(), order));
    }

    /** This thread's scratch array {@code which}, at least {@code n} long. */
    private static float[] scratch(int which, int n) {
      float[][] s = SCRATCH.get();
      if (s[which].length < n) {
        s[which] = new float[n];
      }
      return s[which];
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(
        INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
      if (!covered()) {
        forget();
        return super.backpropGradient(epsilon, workspaceMgr);
      }
      assertInputSet(true);
      INDArray weights =
          getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
      INDArray in = input.castTo(dataType);
      if (epsilon.dataType() != dataType) {
        epsilon = epsilon.castTo(dataType);
      }
      Geometry g = geometry(in, weights);

      INDArray biasGradView = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
      INDArray weightGradView = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
      INDArray weightGradView2df =
          Shape.newShapeNoCopy(weightGradView, new long[] {g.outDepth(), g.cols()}, false)
              .transpose();

      Forward f = forBackward(workspaceMgr);
      IActivation afn = layerConf().getActivationFn();
      INDArray delta2d; // [outDepth, rows] in c order
      if (elementWise(afn)) {
        // Element by element: the same bits at unit stride, on [outDepth, rows] arrays in c order
        // (the pre-activation's buffer is one), where DL4J works through strided views.
        INDArray z2d =
            Nd4j.create(
                f.z().data(),
                new long[] {g.outDepth(), g.rows()},
                new long[] {g.rows(), 1},
                0,
                'c');
        delta2d = afn.backprop(z2d, channelsFirst(epsilon, g)).getFirst();
      } else {
        INDArray delta = afn.backprop(asImage(f.z(), g), epsilon).getFirst();
        delta2d = delta.permute(1, 0, 2, 3).reshape('c', new long[] {g.outDepth(), g.rows()});
      }
      INDArray cols = f.cols();

      // DL4J's gemms: the weight gradient, then the gradient of each im2col entry.
      Nd4j.gemm(cols, delta2d, weightGradView2df, true, true, 1.0, 0.0);
      INDArray epsNextOrig;
      if (inputGradientUnused) {
        // Nothing reads it (the input is data); the graph still expects an array.
        epsNextOrig =
            workspaceMgr.create(
                ArrayType.ACTIVATION_GRAD,
                dataType,
                new long[] {g.inDepth(), g.batch(), g.inH(), g.inW()},
                'c');
      } else {
        INDArray w2d = weights.permute(3, 2, 1, 0).reshape('f', g.cols(), g.outDepth());
        // [cols, rows] in f order, im2col's row order: the same gemm as DL4J's mmul, which makes it
        // in f order and then copies it into c order.
        INDArray colGrad = w2d.mmul(delta2d, 'f');

        epsNextOrig =
            workspaceMgr.createUninitialized(
                ArrayType.ACTIVATION_GRAD,
                dataType,
                new long[] {g.inDepth(), g.batch(), g.inH(), g.inW()},
                'c');
        col2im(colGrad, g, epsNextOrig);
      }
      INDArray epsNext = epsNextOrig.permute(1, 0, 2, 3);

      Gradient ret = new DefaultGradient();
      if (layerConf().hasBias()) {
        delta2d.sum(biasGradView, 1);
        ret.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
      }
      ret.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
      weightNoiseParams.clear();
      return new Pair<>(ret, epsNext);
    }

    /** {@code [batch, outDepth, outH, outW]} as {@code [outDepth, rows]} in c order (a copy). */
    private static INDArray channelsFirst(INDArray eps, Geometry g) {
      int positions = g.outH() * g.outW();
      int n = g.batch() * g.outDepth() * positions;
      float[] from = floatsOf(eps, n);
      float[] to = scratch(COLS, n);
      for (int b = 0; b < g.batch(); b++) {
        for (int c = 0; c < g.outDepth(); c++) {
          System.arraycopy(
              from,
              (b * g.outDepth() + c) * positions,
              to,
              (c * g.batch() + b) * positions,
              positions);
        }
      }
      INDArray out =
          Nd4j.createUninitialized(DataType.FLOAT, new long[] {g.outDepth(), g.rows()}, 'c');
      out.data().asNioFloat().put(0, to, 0, n);
      return out;
    }

    /**
     * Sums the gradients of the im2col entries back onto the input image, stored as {@code
     * [inDepth, batch, inH, inW]}. Each pixel takes its terms in the order DL4J's col2im adds them:
     * output positions ascending, that is kernel offsets descending, which this loop visits in that
     * order while it reads each row of {@code colGrad} front to back.
     */
    private static void col2im(INDArray colGrad, Geometry g, INDArray into) {
      int cols = g.cols();
      INDArray a =
          dense(colGrad, 'f') && colGrad.length() == (long) g.rows() * cols
              ? colGrad
              : colGrad.dup('f');
      float[] grad = copyOf(a, COLS);
      int imageN = g.inDepth() * g.batch() * g.inH() * g.inW();
      float[] image = scratch(IMAGE, imageN);
      Arrays.fill(image, 0, imageN, 0f);
      int inH = g.inH();
      int inW = g.inW();
      int kH = g.kH();
      int kW = g.kW();
      int depth = g.inDepth();
      int plane = inH * inW;
      int at = 0;
      for (int b = 0; b < g.batch(); b++) {
        for (int oy = 0; oy < g.outH(); oy++) {
          int y0 = oy * g.sH() - g.pH();
          for (int ox = 0; ox < g.outW(); ox++) {
            int x0 = ox * g.sW() - g.pW();
            int lo = Math.max(0, -x0);
            int hi = Math.min(kW, inW - x0);
            for (int c = 0; c < depth; c++) {
              int channelAt = (c * g.batch() + b) * plane + x0;
              for (int ky = 0; ky < kH; ky++, at += kW) {
                int y = y0 + ky;
                if (y < 0 || y >= inH) {
                  continue;
                }
                int rowAt = channelAt + y * inW;
                for (int kx = lo; kx < hi; kx++) {
                  image[rowAt + kx] += grad[at + kx];
                }
              }
            }
          }
        }
      }
      into.data().asNioFloat().put(0, image, 0, imageN);
    }

    /** The whole buffer of a non-view float array, in this thread's scratch array {@code which}. */
    private static float[] copyOf(INDArray a, int which) {
      int n = Math.toIntExact(a.data().length());
      float[] out = scratch(which, n);
      a.data().asNioFloat().get(0, out, 0, n);
      return out;
    }
  }
}
