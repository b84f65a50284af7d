package io.splitemu.model.nn;

import io.splitemu.model.profile.UnitProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The unit kinds of the zoo, with their DL4J layers and analytical costs.
 *
 * <p>Cost conventions (LATENCY-MODEL.md section 1, issue "Foundation"): convolution and dense FLOPs
 * are 2 x multiply-accumulates, bias and fused activations are free; pooling costs kernel_h x
 * kernel_w FLOPs per output element (global average pooling: h x w); an element-wise add costs 1
 * FLOP per output element; backward = 2 x forward; activations are 4 bytes each.
 */
final class Units {

  /** Bytes of one element on the wire (float32). */
  static final long BYTES_PER_ELEMENT = 4;

  private Units() {}

  static Unit conv(String name, int outChannels, int kernel, int stride, int pad) {
    return new Conv(name, outChannels, kernel, stride, pad);
  }

  static Unit maxPool(String name, int kernel, int stride) {
    return new MaxPool(name, kernel, stride);
  }

  static Unit globalAvgPool(String name) {
    return new GlobalAvgPool(name);
  }

  static Unit dense(String name, int out) {
    return new Dense(name, out, false);
  }

  static Unit output(String name, int classes) {
    return new Dense(name, classes, true);
  }

  static Unit residual(String name, int inChannels, int outChannels, int stride) {
    return new Residual(name, inChannels, outChannels, stride);
  }

  static long elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  static UnitProfile profileOf(String name, double flops, long[] out, long params) {
    return new UnitProfile(
        name,
        flops,
        2 * flops,
        elements(out) * BYTES_PER_ELEMENT,
        params,
        params * BYTES_PER_ELEMENT);
  }

  private static long[] requireImage(String unit, long[] in) {
    if (in.length != 3) {
      throw new IllegalArgumentException(
          "unit " + unit + " needs an image input [c, h, w], got " + Arrays.toString(in));
    }
    return in;
  }

  private static long convOut(long size, int kernel, int stride, int pad) {
    return (size + 2L * pad - kernel) / stride + 1;
  }

  private static ConvolutionLayer convLayer(
      ModelOptions options, int outChannels, int kernel, int stride, int pad, Activation act) {
    ConvolutionLayer.Builder b =
        new ConvolutionLayer.Builder(kernel, kernel)
            .stride(stride, stride)
            .padding(pad, pad)
            .nOut(outChannels)
            .activation(act)
            .weightInit(act == Activation.RELU ? WeightInit.RELU : WeightInit.XAVIER);
    return options.stockConvolution() ? b.build() : ContiguousConvolution.of(b);
  }

  /** Shape, FLOPs and parameters of one convolution. */
  private record ConvCost(long[] out, double flops, long params) {
    static ConvCost of(String unit, long[] in, int outChannels, int kernel, int stride, int pad) {
      requireImage(unit, in);
      long[] out = {
        outChannels, convOut(in[1], kernel, stride, pad), convOut(in[2], kernel, stride, pad)
      };
      long macsPerOutput = (long) kernel * kernel * in[0];
      double flops = 2.0 * macsPerOutput * elements(out);
      return new ConvCost(out, flops, macsPerOutput * outChannels + outChannels);
    }
  }

  private record Conv(String name, int outChannels, int kernel, int stride, int pad)
      implements Unit {
    @Override
    public long[] outputShape(long[] in) {
      return ConvCost.of(name, in, outChannels, kernel, stride, pad).out();
    }

    @Override
    public String addTo(GraphBuilder builder, String input, ModelOptions options) {
      builder.addLayer(
          name, convLayer(options, outChannels, kernel, stride, pad, Activation.RELU), input);
      return name;
    }

    @Override
    public List<String> vertexNames() {
      return List.of(name);
    }

    @Override
    public UnitProfile profile(long[] in) {
      ConvCost c = ConvCost.of(name, in, outChannels, kernel, stride, pad);
      return profileOf(name, c.flops(), c.out(), c.params());
    }
  }

  private record MaxPool(String name, int kernel, int stride) implements Unit {
    @Override
    public long[] outputShape(long[] in) {
      requireImage(name, in);
      return new long[] {
        in[0], convOut(in[1], kernel, stride, 0), convOut(in[2], kernel, stride, 0)
      };
    }

    @Override
    public String addTo(GraphBuilder builder, String input, ModelOptions options) {
      builder.addLayer(
          name,
          new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
              .kernelSize(kernel, kernel)
              .stride(stride, stride)
              .build(),
          input);
      return name;
    }

    @Override
    public List<String> vertexNames() {
      return List.of(name);
    }

    @Override
    public UnitProfile profile(long[] in) {
      long[] out = outputShape(in);
      return profileOf(name, (double) kernel * kernel * elements(out), out, 0);
    }
  }

  private record GlobalAvgPool(String name) implements Unit {
    @Override
    public long[] outputShape(long[] in) {
      requireImage(name, in);
      return new long[] {in[0]};
    }

    @Override
    public String addTo(GraphBuilder builder, String input, ModelOptions options) {
      builder.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), input);
      return name;
    }

    @Override
    public List<String> vertexNames() {
      return List.of(name);
    }

    @Override
    public UnitProfile profile(long[] in) {
      long[] out = outputShape(in);
      // The pooling window is the whole h x w map, once per channel.
      return profileOf(name, (double) in[1] * in[2] * in[0], out, 0);
    }
  }

  private record Dense(String name, int out, boolean isOutput) implements Unit {
    @Override
    public long[] outputShape(long[] in) {
      return new long[] {out};
    }

    @Override
    public String addTo(GraphBuilder builder, String input, ModelOptions options) {
      if (isOutput) {
        builder.addLayer(
            name,
            new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(out)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER)
                .build(),
            input);
      } else {
        builder.addLayer(
            name,
            new DenseLayer.Builder()
                .nOut(out)
                .activation(Activation.RELU)
                .weightInit(WeightInit.RELU)
                .build(),
            input);
      }
      return name;
    }

    @Override
    public List<String> vertexNames() {
      return List.of(name);
    }

    @Override
    public UnitProfile profile(long[] in) {
      long n = elements(in);
      return profileOf(name, 2.0 * n * out, outputShape(in), n * out + out);
    }
  }

  /**
   * A basic residual block: conv3x3(stride)-ReLU, conv3x3, plus the input (or a 1x1 projection when
   * the shape changes), then ReLU. No batch norm: it is left out of the zoo on purpose.
   */
  private record Residual(String name, int inChannels, int outChannels, int stride)
      implements Unit {
    private boolean hasProjection() {
      return stride != 1 || inChannels != outChannels;
    }

    private void checkInput(long[] in) {
      requireImage(name, in);
      if (in[0] != inChannels) {
        throw new IllegalArgumentException(
            "unit " + name + " expects " + inChannels + " input channels, got " + in[0]);
      }
    }

    @Override
    public long[] outputShape(long[] in) {
      checkInput(in);
      return ConvCost.of(name, in, outChannels, 3, stride, 1).out();
    }

    @Override
    public String addTo(GraphBuilder builder, String input, ModelOptions options) {
      builder.addLayer(
          name + "_conv1", convLayer(options, outChannels, 3, stride, 1, Activation.RELU), input);
      builder.addLayer(
          name + "_conv2",
          convLayer(options, outChannels, 3, 1, 1, Activation.IDENTITY),
          name + "_conv1");
      String shortcut = input;
      if (hasProjection()) {
        builder.addLayer(
            name + "_proj",
            convLayer(options, outChannels, 1, stride, 0, Activation.IDENTITY),
            input);
        shortcut = name + "_proj";
      }
      builder.addVertex(
          name + "_add",
          new ElementWiseVertex(ElementWiseVertex.Op.Add),
          name + "_conv2",
          shortcut);
      builder.addLayer(
          name, new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_add");
      return name;
    }

    @Override
    public List<String> vertexNames() {
      List<String> names = new ArrayList<>(List.of(name + "_conv1", name + "_conv2"));
      if (hasProjection()) {
        names.add(name + "_proj");
      }
      names.add(name + "_add");
      names.add(name);
      return names;
    }

    @Override
    public UnitProfile profile(long[] in) {
      checkInput(in);
      ConvCost c1 = ConvCost.of(name, in, outChannels, 3, stride, 1);
      ConvCost c2 = ConvCost.of(name, c1.out(), outChannels, 3, 1, 1);
      double flops = c1.flops() + c2.flops() + elements(c2.out());
      long params = c1.params() + c2.params();
      if (hasProjection()) {
        ConvCost p = ConvCost.of(name, in, outChannels, 1, stride, 0);
        flops += p.flops();
        params += p.params();
      }
      return profileOf(name, flops, c2.out(), params);
    }
  }
}
