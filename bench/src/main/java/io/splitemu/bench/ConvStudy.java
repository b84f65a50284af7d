package io.splitemu.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How much of a DL4J convolution step is math (issue 16, "full fidelity, second"): one LeNet-5
 * convolution's forward and backward pass through DL4J's {@code ConvolutionLayer} against the same
 * arithmetic as a contiguous im2col (a plain Java loop), one ND4J gemm per product and a col2im, on
 * the same input, weights and output gradient. Checks that both give the same output, weight
 * gradient and input gradient (relative 1e-4), then prints the thread CPU time per step of each.
 *
 * <p>Usage: {@code ConvStudy [BATCH [STEPS]]} (defaults 32 and 200); run with {@code
 * OMP_NUM_THREADS=1}, as the launcher does.
 */
public final class ConvStudy {

  private ConvStudy() {}

  /** One convolution: input channels and size, output channels, square kernel, padding. */
  record Conv(String name, int in, int size, int out, int k, int pad) {
    int outSize() {
      return size + 2 * pad - k + 1;
    }
  }

  public static void main(String[] args) {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    for (Conv c :
        new Conv[] {new Conv("conv1", 1, 28, 6, 5, 2), new Conv("conv2", 6, 14, 16, 5, 0)}) {
      study(c, batch, steps);
    }
  }

  private static void study(Conv c, int batch, int steps) {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(1)
            .dataType(DataType.FLOAT)
            .list()
            .layer(
                new ConvolutionLayer.Builder(c.k(), c.k())
                    .padding(c.pad(), c.pad())
                    .nOut(c.out())
                    .activation(Activation.IDENTITY)
                    .build())
            .setInputType(InputType.convolutional(c.size(), c.size(), c.in()))
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    net.initGradientsView();
    INDArray x = Nd4j.rand(DataType.FLOAT, batch, c.in(), c.size(), c.size());
    int o = c.outSize();
    INDArray eps = Nd4j.rand(DataType.FLOAT, batch, c.out(), o, o).subi(0.5);
    INDArray w = net.getLayer(0).getParam("W"); // [out, in, k, k]
    INDArray b = net.getLayer(0).getParam("b"); // [1, out]

    // DL4J.
    INDArray[] dl4j = dl4jStep(net, x, eps);
    // Contiguous im2col + gemm.
    Direct direct = new Direct(c, batch);
    INDArray[] mine = direct.step(x, w, b, eps);
    String[] what = {"output", "weight gradient", "input gradient"};
    for (int i = 0; i < 3; i++) {
      double scale = dl4j[i].norm2Number().doubleValue();
      double diff = dl4j[i].sub(mine[i].reshape(dl4j[i].shape())).norm2Number().doubleValue();
      if (!(diff <= 1e-4 * scale)) {
        throw new IllegalStateException(
            c.name() + ": " + what[i] + " differs: |d| = " + diff + ", |dl4j| = " + scale);
      }
    }

    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int warm = 0; warm < steps; warm++) {
      dl4jStep(net, x, eps);
      direct.step(x, w, b, eps);
    }
    long t0 = mx.getCurrentThreadCpuTime();
    for (int s = 0; s < steps; s++) {
      dl4jStep(net, x, eps);
    }
    long t1 = mx.getCurrentThreadCpuTime();
    for (int s = 0; s < steps; s++) {
      direct.step(x, w, b, eps);
    }
    long t2 = mx.getCurrentThreadCpuTime();
    double flops = 3.0 * 2 * batch * c.out() * (double) o * o * c.in() * c.k() * c.k();
    double a = (t1 - t0) / 1e6 / steps;
    double d = (t2 - t1) / 1e6 / steps;
    System.out.printf(
        Locale.ROOT,
        "%s, batch %d (%d->%d channels, %dx%d, k %d): forward+backward per step: DL4J %.3f ms"
            + " (%.2f GFLOP/s), contiguous im2col + gemm %.3f ms (%.2f GFLOP/s): %.1fx;"
            + " same results to 1e-4%n",
        c.name(),
        batch,
        c.in(),
        c.out(),
        c.size(),
        c.size(),
        c.k(),
        a,
        flops / a / 1e6,
        d,
        flops / d / 1e6,
        a / d);
  }

  private static INDArray[] dl4jStep(MultiLayerNetwork net, INDArray x, INDArray eps) {
    // The layer's own forward and backward, as a network runs them (no workspaces).
    Layer layer = net.getLayer(0);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    INDArray out = layer.activate(x, true, mgr);
    Pair<Gradient, INDArray> g = layer.backpropGradient(eps, mgr);
    return new INDArray[] {out, g.getFirst().getGradientFor("W"), g.getSecond()};
  }

  /** The convolution as a contiguous im2col, gemm and col2im. */
  private static final class Direct {
    private final Conv c;
    private final int batch;
    private final int kk;
    private final int p;
    private final float[] col;
    private final float[] in;
    private final float[] dx;

    Direct(Conv c, int batch) {
      this.c = c;
      this.batch = batch;
      this.kk = c.in() * c.k() * c.k();
      this.p = c.outSize() * c.outSize();
      this.col = new float[kk * batch * p];
      this.in = new float[batch * c.in() * c.size() * c.size()];
      this.dx = new float[in.length];
    }

    // col[(ci k + ky) k + kx][b P + oy O + ox] = x[b][ci][oy + ky - pad][ox + kx - pad]
    private void im2col(float[] x) {
      int n = c.size();
      int o = c.outSize();
      int k = c.k();
      int bp = batch * p;
      for (int ci = 0; ci < c.in(); ci++) {
        for (int ky = 0; ky < k; ky++) {
          for (int kx = 0; kx < k; kx++) {
            int row = ((ci * k + ky) * k + kx) * bp;
            for (int bi = 0; bi < batch; bi++) {
              int src = (bi * c.in() + ci) * n * n;
              int dst = row + bi * p;
              for (int oy = 0; oy < o; oy++) {
                int iy = oy + ky - c.pad();
                for (int ox = 0; ox < o; ox++) {
                  int ix = ox + kx - c.pad();
                  col[dst + oy * o + ox] =
                      iy >= 0 && iy < n && ix >= 0 && ix < n ? x[src + iy * n + ix] : 0f;
                }
              }
            }
          }
        }
      }
    }

    private void col2im(float[] dcol) {
      java.util.Arrays.fill(dx, 0f);
      int n = c.size();
      int o = c.outSize();
      int k = c.k();
      int bp = batch * p;
      for (int ci = 0; ci < c.in(); ci++) {
        for (int ky = 0; ky < k; ky++) {
          for (int kx = 0; kx < k; kx++) {
            int row = ((ci * k + ky) * k + kx) * bp;
            for (int bi = 0; bi < batch; bi++) {
              int dst = (bi * c.in() + ci) * n * n;
              int src = row + bi * p;
              for (int oy = 0; oy < o; oy++) {
                int iy = oy + ky - c.pad();
                if (iy < 0 || iy >= n) {
                  continue;
                }
                for (int ox = 0; ox < o; ox++) {
                  int ix = ox + kx - c.pad();
                  if (ix >= 0 && ix < n) {
                    dx[dst + iy * n + ix] += dcol[src + oy * o + ox];
                  }
                }
              }
            }
          }
        }
      }
    }

    /** Output [out, batch P], weight gradient [out, kk], input gradient (as x). */
    INDArray[] step(INDArray x, INDArray w, INDArray b, INDArray eps) {
      x.data().asNioFloat().get(in);
      im2col(in);
      INDArray colM = Nd4j.createFromArray(col).reshape('c', kk, (long) batch * p);
      INDArray w2 = w.reshape('c', c.out(), kk);
      INDArray out = w2.mmul(colM).addiColumnVector(b.reshape(c.out(), 1)); // [out, B P]
      // [out, B, P] -> [B, out, P] as the layer's output.
      INDArray y = out.reshape('c', c.out(), batch, p).permute(1, 0, 2).dup('c');
      INDArray e = eps.reshape('c', batch, c.out(), p).permute(1, 0, 2).dup('c');
      INDArray e2 = e.reshape('c', c.out(), (long) batch * p);
      INDArray dw = e2.mmul(colM.transpose()); // [out, kk]
      INDArray dcol = w2.transpose().mmul(e2); // [kk, B P]
      col2im(dcol.data().asFloat());
      INDArray dxa = Nd4j.createFromArray(dx).reshape('c', x.shape());
      return new INDArray[] {y, dw.reshape(w.shape()), dxa};
    }
  }
}
