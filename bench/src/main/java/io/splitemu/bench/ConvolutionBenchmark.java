package io.splitemu.bench;

import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.SplitModel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * splitemu's convolution against DL4J's own layer, as the emulator runs them (issue 16, "full
 * fidelity, second"): training steps of a split LeNet-5, the device slice and the server slice each
 * timed apart, once built with DL4J's {@code ConvolutionLayer} and once with {@code
 * ContiguousConvolution}, on the same batches from the same initial weights. It prints the thread
 * CPU time per step of each slice and side, and refuses to print a speed-up unless both sides end
 * with bit-identical parameters.
 *
 * <p>Usage: {@code ConvolutionBenchmark [BATCH [STEPS [CUT]]]} (defaults 32, 200 and 2, the
 * quickstart's cut: conv1 and pool1 on the device); run with {@code OMP_NUM_THREADS=1}, as the
 * launcher does. The first quarter of the steps is a warm-up and is not timed.
 */
public final class ConvolutionBenchmark {

  private ConvolutionBenchmark() {}

  public static void main(String[] args) {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int cut = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    ModelOptions options = ModelOptions.defaults();
    if (cut == 0) {
      whole(options, batch, steps);
      return;
    }
    SplitModel stock = ModelZoo.create("lenet5", options.withStockConvolution(true)).split(cut);
    SplitModel ours = ModelZoo.create("lenet5", options).split(cut);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[][] cpu = new long[2][2]; // [side][slice]
    Random r = new Random(1);
    int warmUp = steps / 4;
    for (int step = 0; step < warmUp + steps; step++) {
      INDArray[] b = batch(r, batch);
      SplitModel[] sides =
          step % 2 == 0 ? new SplitModel[] {stock, ours} : new SplitModel[] {ours, stock};
      for (SplitModel m : sides) {
        int side = m == stock ? 0 : 1;
        long t0 = mx.getCurrentThreadCpuTime();
        INDArray act = m.slice(0).forward(b[0]);
        long t1 = mx.getCurrentThreadCpuTime();
        INDArray cutGrad = m.slice(1).trainStep(act, b[1]).inputGradient();
        long t2 = mx.getCurrentThreadCpuTime();
        m.slice(0).backwardToData(cutGrad); // as the device does
        long t3 = mx.getCurrentThreadCpuTime();
        if (step >= warmUp) {
          cpu[side][0] += (t1 - t0) + (t3 - t2);
          cpu[side][1] += t2 - t1;
        }
      }
    }
    for (int s = 0; s < 2; s++) {
      float[] a = stock.slice(s).params().data().asFloat();
      float[] o = ours.slice(s).params().data().asFloat();
      if (!Arrays.equals(a, o)) {
        throw new IllegalStateException("slice " + s + ": the two sides' parameters differ");
      }
    }
    System.out.printf(
        Locale.ROOT,
        "lenet5 cut %d, batch %d, %d steps after %d warm-up; parameters bit-identical%n",
        cut,
        batch,
        steps,
        warmUp);
    String[] names = {"device slice", "server slice"};
    for (int s = 0; s < 2; s++) {
      double stockMs = cpu[0][s] / 1e6 / steps;
      double oursMs = cpu[1][s] / 1e6 / steps;
      System.out.printf(
          Locale.ROOT,
          "%s: DL4J %.2f ms/step, splitemu %.2f ms/step, %.2fx%n",
          names[s],
          stockMs,
          oursMs,
          stockMs / oursMs);
    }
    double stockAll = (cpu[0][0] + cpu[0][1]) / 1e6 / steps;
    double oursAll = (cpu[1][0] + cpu[1][1]) / 1e6 / steps;
    System.out.printf(
        Locale.ROOT,
        "step: DL4J %.2f ms, splitemu %.2f ms, %.2fx; %.0f against %.0f samples/s of one thread%n",
        stockAll,
        oursAll,
        stockAll / oursAll,
        batch * 1000 / stockAll,
        batch * 1000 / oursAll);
  }

  /** CUT 0: the unsplit model's training step, as the plain DL4J loop runs it. */
  private static void whole(ModelOptions options, int batch, int steps) {
    Slice stock = ModelZoo.create("lenet5", options.withStockConvolution(true)).whole();
    Slice ours = ModelZoo.create("lenet5", options).whole();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[] cpu = new long[2];
    Random r = new Random(1);
    int warmUp = steps / 4;
    for (int step = 0; step < warmUp + steps; step++) {
      INDArray[] b = batch(r, batch);
      Slice[] sides = step % 2 == 0 ? new Slice[] {stock, ours} : new Slice[] {ours, stock};
      for (Slice m : sides) {
        long t0 = mx.getCurrentThreadCpuTime();
        m.trainStep(b[0], b[1]);
        long t1 = mx.getCurrentThreadCpuTime();
        if (step >= warmUp) {
          cpu[m == stock ? 0 : 1] += t1 - t0;
        }
      }
    }
    if (!Arrays.equals(stock.params().data().asFloat(), ours.params().data().asFloat())) {
      throw new IllegalStateException("the two sides' parameters differ");
    }
    double stockMs = cpu[0] / 1e6 / steps;
    double oursMs = cpu[1] / 1e6 / steps;
    System.out.printf(
        Locale.ROOT,
        "lenet5 unsplit, batch %d, %d steps after %d warm-up; parameters bit-identical%n"
            + "step: DL4J %.2f ms, splitemu %.2f ms, %.2fx%n",
        batch,
        steps,
        warmUp,
        stockMs,
        oursMs,
        stockMs / oursMs);
  }

  private static INDArray[] batch(Random r, int n) {
    float[] x = new float[n * 784];
    float[] y = new float[n * 10];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    for (int i = 0; i < n; i++) {
      y[i * 10 + r.nextInt(10)] = 1f;
    }
    return new INDArray[] {
      Nd4j.create(x, new long[] {n, 784}, 'c').castTo(DataType.FLOAT),
      Nd4j.create(y, new long[] {n, 10}, 'c').castTo(DataType.FLOAT)
    };
  }
}
