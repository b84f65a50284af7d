package io.splitemu.model.data;

import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Label-skewed split: for each class, the device shares of that class are drawn from a symmetric
 * Dirichlet(alpha) over the devices; smaller alpha concentrates each class on fewer devices.
 *
 * <p>Class sizes are apportioned to the drawn shares by largest remainder, so every sample is used
 * once. Small alpha can leave a device with nothing; each such device then takes one sample from
 * the currently largest device (lowest device number on ties), of that device's most plentiful
 * class. This moves as few samples as possible and keeps the result deterministic.
 */
public final class DirichletPartitioner implements Partitioner {
  /** Registry name. */
  public static final String NAME = "dirichlet";

  /** Default concentration. */
  public static final double DEFAULT_ALPHA = 0.5;

  private final double alpha;

  /** A partitioner with concentration {@code alpha} (finite, > 0). */
  public DirichletPartitioner(double alpha) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException(NAME + " partitioner: expected alpha > 0, found " + alpha);
    }
    this.alpha = alpha;
  }

  /** The Dirichlet concentration. */
  public double alpha() {
    return alpha;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Partition partition(Dataset dataset, int devices, long seed) {
    Partitioner.checkArguments(NAME, dataset, devices);
    SplittableRandom rng = new SplittableRandom(seed);
    int k = dataset.numClasses();
    int n = dataset.size();

    // Samples of each class, shuffled.
    int[] classSize = dataset.labelHistogram();
    int[][] byClass = new int[k][];
    int[] fill = new int[k];
    for (int c = 0; c < k; c++) {
      byClass[c] = new int[classSize[c]];
    }
    for (int i = 0; i < n; i++) {
      int c = dataset.label(i);
      byClass[c][fill[c]++] = i;
    }
    int[][] counts = new int[devices][k];
    for (int c = 0; c < k; c++) {
      Sampling.shuffle(byClass[c], rng);
      double[] p = Sampling.dirichlet(rng, alpha, devices);
      int[] share = Sampling.apportion(p, classSize[c]);
      for (int d = 0; d < devices; d++) {
        counts[d][c] = share[d];
      }
    }
    repairEmpty(counts);

    int[][] out = new int[devices][];
    int[] taken = new int[k];
    for (int d = 0; d < devices; d++) {
      int size = 0;
      for (int c = 0; c < k; c++) {
        size += counts[d][c];
      }
      int[] idx = new int[size];
      int at = 0;
      for (int c = 0; c < k; c++) {
        System.arraycopy(byClass[c], taken[c], idx, at, counts[d][c]);
        taken[c] += counts[d][c];
        at += counts[d][c];
      }
      out[d] = idx;
    }
    return new Partition(n, out);
  }

  /** Gives every empty device one sample from the largest device; needs size >= devices. */
  static void repairEmpty(int[][] counts) {
    int devices = counts.length;
    int[] size = new int[devices];
    for (int d = 0; d < devices; d++) {
      for (int v : counts[d]) {
        size[d] += v;
      }
    }
    // The donor is the largest device, ties to the lower index, taken from a heap of (size, index)
    // keys with lazy deletion (a key whose size is no longer its device's is dropped when it comes
    // up): a scan of all devices per empty one was O(N^2) at many empty devices.
    PriorityQueue<Long> largest = null;
    for (int d = 0; d < devices; d++) {
      if (size[d] > 0) {
        continue;
      }
      if (largest == null) {
        largest = new PriorityQueue<>(devices);
        for (int e = 0; e < devices; e++) {
          if (size[e] > 0) {
            largest.add(key(size[e], e));
          }
        }
      }
      int donor = (int) (long) largest.peek();
      while (largest.peek() != key(size[donor], donor)) {
        largest.poll();
        donor = (int) (long) largest.peek();
      }
      largest.poll();
      int cls = 0;
      for (int c = 1; c < counts[donor].length; c++) {
        if (counts[donor][c] > counts[donor][cls]) {
          cls = c;
        }
      }
      counts[donor][cls]--;
      size[donor]--;
      counts[d][cls]++;
      size[d]++;
      largest.add(key(size[donor], donor));
      largest.add(key(size[d], d));
    }
  }

  /** Orders devices by descending size, then ascending index. */
  private static long key(int size, int device) {
    return ((long) (Integer.MAX_VALUE - size) << 32) | device;
  }

  @Override
  public String toString() {
    return NAME + "(alpha=" + alpha + ")";
  }
}
