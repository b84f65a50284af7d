package io.splitemu.model.data;

import java.util.Locale;

/**
 * Per-device sample counts and label histograms of a {@link Partition}, with a summary of how
 * unbalanced and how label-skewed it is.
 *
 * <p>Label skew is measured by the total-variation distance between a device's label distribution
 * and the whole dataset's: {@code TV = 1/2 * sum_c |p_device(c) - p_global(c)|}, 0 for a device
 * that looks like the whole set and close to 1 for a device holding one rare class. For class
 * labels with a 0/1 ground distance this equals the earth mover's distance.
 */
public final class PartitionStats {
  private final int[] sizes;
  private final int[][] histograms;
  private final double[] globalDistribution;

  private PartitionStats(int[] sizes, int[][] histograms, double[] globalDistribution) {
    this.sizes = sizes;
    this.histograms = histograms;
    this.globalDistribution = globalDistribution;
  }

  /** Computes the statistics of {@code partition} over the labels of {@code dataset}. */
  public static PartitionStats of(Dataset dataset, Partition partition) {
    if (partition.datasetSize() != dataset.size()) {
      throw new IllegalArgumentException("partition is over " + partition.datasetSize()
          + " samples but " + dataset.name() + " has " + dataset.size());
    }
    int k = dataset.numClasses();
    int[][] h = new int[partition.numDevices()][k];
    for (int d = 0; d < h.length; d++) {
      for (int i : partition.indices(d)) {
        h[d][dataset.label(i)]++;
      }
    }
    int[] global = dataset.labelHistogram();
    double[] g = new double[k];
    for (int c = 0; c < k; c++) {
      g[c] = dataset.size() == 0 ? 0 : (double) global[c] / dataset.size();
    }
    return new PartitionStats(partition.sizes(), h, g);
  }

  /** Number of devices. */
  public int numDevices() {
    return sizes.length;
  }

  /** Sample count of each device. */
  public int[] sizes() {
    return sizes.clone();
  }

  /** Label histogram of {@code device} (count per class). */
  public int[] labelHistogram(int device) {
    return histograms[device].clone();
  }

  /** Number of distinct classes on {@code device}. */
  public int classCount(int device) {
    int n = 0;
    for (int c : histograms[device]) {
      if (c > 0) {
        n++;
      }
    }
    return n;
  }

  /** Total-variation distance of {@code device}'s label distribution from the dataset's. */
  public double totalVariation(int device) {
    int size = sizes[device];
    if (size == 0) {
      return 1.0;
    }
    double tv = 0;
    for (int c = 0; c < globalDistribution.length; c++) {
      tv += Math.abs((double) histograms[device][c] / size - globalDistribution[c]);
    }
    return tv / 2;
  }

  /** Smallest device size. */
  public int minSize() {
    int m = Integer.MAX_VALUE;
    for (int s : sizes) {
      m = Math.min(m, s);
    }
    return m;
  }

  /** Largest device size. */
  public int maxSize() {
    int m = 0;
    for (int s : sizes) {
      m = Math.max(m, s);
    }
    return m;
  }

  /** Mean device size. */
  public double meanSize() {
    long n = 0;
    for (int s : sizes) {
      n += s;
    }
    return (double) n / sizes.length;
  }

  /** Mean number of distinct classes per device. */
  public double meanClassesPerDevice() {
    double n = 0;
    for (int d = 0; d < sizes.length; d++) {
      n += classCount(d);
    }
    return n / sizes.length;
  }

  /** Unweighted mean over devices of {@link #totalVariation(int)}. */
  public double meanTotalVariation() {
    double s = 0;
    for (int d = 0; d < sizes.length; d++) {
      s += totalVariation(d);
    }
    return s / sizes.length;
  }

  /** One-line summary for logs and reports. */
  public String summary() {
    return String.format(Locale.ROOT,
        "%d devices, size min/mean/max %d/%.1f/%d, classes per device %.2f, mean TV %.3f",
        sizes.length, minSize(), meanSize(), maxSize(), meanClassesPerDevice(),
        meanTotalVariation());
  }

  @Override
  public String toString() {
    return summary();
  }
}
