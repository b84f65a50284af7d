package io.splitemu.model.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Splits a dataset with IID labels but unequal device sizes, proportional to seeded log-normal
 * weights {@code exp(sigma * Z)}, every device keeping at least one sample.
 *
 * <p>Each device first gets one sample; the remaining samples are apportioned to the weights by
 * largest remainder, so sizes sum exactly to the dataset size. {@code sigma = 0} gives equal
 * sizes; larger sigma gives more spread.
 */
public final class QuantitySkewPartitioner implements Partitioner {
  /** Registry name. */
  public static final String NAME = "quantity";

  /** Default log-normal sigma. */
  public static final double DEFAULT_SIGMA = 1.0;

  private final double sigma;

  /** A partitioner with log-normal spread {@code sigma} (finite, >= 0). */
  public QuantitySkewPartitioner(double sigma) {
    if (!(sigma >= 0) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException(NAME + " partitioner: expected sigma >= 0, found "
          + sigma);
    }
    this.sigma = sigma;
  }

  /** The log-normal spread. */
  public double sigma() {
    return sigma;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Partition partition(Dataset dataset, int devices, long seed) {
    Partitioner.checkArguments(NAME, dataset, devices);
    SplittableRandom rng = new SplittableRandom(seed);
    double[] w = new double[devices];
    for (int d = 0; d < devices; d++) {
      w[d] = StrictMath.exp(sigma * Sampling.normal(rng));
    }
    int n = dataset.size();
    int[] extra = Sampling.apportion(w, n - devices);
    int[] order = Sampling.permutation(n, rng);
    int[][] out = new int[devices][];
    int from = 0;
    for (int d = 0; d < devices; d++) {
      int size = 1 + extra[d];
      out[d] = Arrays.copyOfRange(order, from, from + size);
      from += size;
    }
    return new Partition(n, out);
  }

  @Override
  public String toString() {
    return NAME + "(sigma=" + sigma + ")";
  }
}
