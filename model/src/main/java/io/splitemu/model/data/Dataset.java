package io.splitemu.model.data;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An immutable, in-memory image classification dataset holding every sample once as unsigned
 * bytes, from which batches are built by index.
 *
 * <p>Devices never copy samples: they hold index arrays into one shared {@code Dataset} (see
 * {@link Partition}) and ask it for {@link #batch(int[])} tensors.
 */
public final class Dataset {
  private final String name;
  private final int rows;
  private final int cols;
  private final int numClasses;
  // Row-major, sample after sample; unsigned values 0..255 stored in Java's signed bytes.
  private final byte[] pixels;
  private final byte[] labels;

  /**
   * Creates a dataset, taking ownership of the arrays (callers must not modify them afterwards).
   *
   * @param name a short name used in messages, for example the file or generator it came from
   * @param rows image height in pixels
   * @param cols image width in pixels
   * @param numClasses number of classes; every label must lie in {@code 0..numClasses-1}
   * @param pixels {@code size * rows * cols} unsigned bytes, row-major, one sample after another
   * @param labels one label per sample
   */
  public Dataset(String name, int rows, int cols, int numClasses, byte[] pixels, byte[] labels) {
    this(name, rows, cols, numClasses, Objects.requireNonNull(pixels, "pixels"), labels, true);
  }

  /**
   * A dataset of labels alone, for what needs only the classes of the samples (a partition over
   * devices, shard sizes): a timing-fidelity run, which trains nothing, then never holds the
   * images. Its pixels and batches are refused.
   */
  public static Dataset labelsOnly(String name, int rows, int cols, int numClasses, byte[] labels) {
    return new Dataset(name, rows, cols, numClasses, null, labels, false);
  }

  private Dataset(
      String name,
      int rows,
      int cols,
      int numClasses,
      byte[] pixels,
      byte[] labels,
      boolean withPixels) {
    this.name = Objects.requireNonNull(name, "name");
    Objects.requireNonNull(labels, "labels");
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException(name + ": image size must be positive, got "
          + rows + "x" + cols);
    }
    if (numClasses < 1 || numClasses > 256) {
      throw new IllegalArgumentException(name + ": numClasses must be in 1..256, got "
          + numClasses);
    }
    long expected = (long) labels.length * rows * cols;
    if (withPixels && pixels.length != expected) {
      throw new IllegalArgumentException(name + ": expected " + expected + " pixel bytes for "
          + labels.length + " samples of " + rows + "x" + cols + ", found " + pixels.length);
    }
    for (int i = 0; i < labels.length; i++) {
      int l = labels[i] & 0xff;
      if (l >= numClasses) {
        throw new IllegalArgumentException(name + ": label " + l + " at index " + i
            + " is outside 0.." + (numClasses - 1));
      }
    }
    this.rows = rows;
    this.cols = cols;
    this.numClasses = numClasses;
    this.pixels = pixels;
    this.labels = labels;
  }

  /** Short name of where the data came from. */
  public String name() {
    return name;
  }

  /** Number of samples. */
  public int size() {
    return labels.length;
  }

  /** Number of classes. */
  public int numClasses() {
    return numClasses;
  }

  /** Image height in pixels. */
  public int rows() {
    return rows;
  }

  /** Image width in pixels. */
  public int cols() {
    return cols;
  }

  /** Number of features per sample ({@code rows * cols}, one channel). */
  public int featureSize() {
    return rows * cols;
  }

  /** Label of sample {@code i}. */
  public int label(int i) {
    Objects.checkIndex(i, labels.length);
    return labels[i] & 0xff;
  }

  /** All labels, as a fresh array. */
  public int[] labels() {
    int[] out = new int[labels.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = labels[i] & 0xff;
    }
    return out;
  }

  /** Whether the images are held ({@code false} for a {@link #labelsOnly} dataset). */
  public boolean hasPixels() {
    return pixels != null;
  }

  /** Raw pixel {@code p} (0..255) of sample {@code i}. */
  public int pixel(int i, int p) {
    requirePixels();
    Objects.checkIndex(i, labels.length);
    Objects.checkIndex(p, rows * cols);
    return pixels[i * rows * cols + p] & 0xff;
  }

  /** Raw pixels (0..255 as unsigned bytes) of sample {@code i}, as a fresh array. */
  public byte[] samplePixels(int i) {
    requirePixels();
    Objects.checkIndex(i, labels.length);
    int f = rows * cols;
    return Arrays.copyOfRange(pixels, i * f, (i + 1) * f);
  }

  /** Number of samples of each class. */
  public int[] labelHistogram() {
    int[] h = new int[numClasses];
    for (byte l : labels) {
      h[l & 0xff]++;
    }
    return h;
  }

  /** Builds a FLOAT batch of the given samples; see {@link #batch(int[], DataType)}. */
  public Batch batch(int[] indices) {
    return batch(indices, DataType.FLOAT);
  }

  /**
   * Builds a batch of the given samples, in the order given.
   *
   * @param indices sample indices, repeats allowed, at least one
   * @param dataType a floating-point type; FLOAT and DOUBLE are filled directly, others are cast
   * @return features {@code [n, rows*cols]} with pixel/255 and one-hot labels {@code [n,
   *     numClasses]}
   */
  public Batch batch(int[] indices, DataType dataType) {
    requirePixels();
    Objects.requireNonNull(indices, "indices");
    Objects.requireNonNull(dataType, "dataType");
    if (indices.length == 0) {
      throw new IllegalArgumentException(name + ": a batch needs at least one index");
    }
    if (!dataType.isFPType()) {
      throw new IllegalArgumentException(name + ": batch data type must be floating point, got "
          + dataType);
    }
    for (int idx : indices) {
      if (idx < 0 || idx >= labels.length) {
        throw new IndexOutOfBoundsException(name + ": sample index " + idx + " is outside 0.."
            + (labels.length - 1));
      }
    }
    int n = indices.length;
    int f = rows * cols;
    long[] featureShape = {n, f};
    long[] labelShape = {n, numClasses};
    if (dataType == DataType.FLOAT) {
      float[] x = new float[n * f];
      float[] y = new float[n * numClasses];
      for (int b = 0; b < n; b++) {
        int src = indices[b] * f;
        int dst = b * f;
        for (int p = 0; p < f; p++) {
          x[dst + p] = (pixels[src + p] & 0xff) / 255f;
        }
        y[b * numClasses + (labels[indices[b]] & 0xff)] = 1f;
      }
      return new Batch(
          Nd4j.create(x, featureShape, DataType.FLOAT), Nd4j.create(y, labelShape, DataType.FLOAT));
    }
    double[] x = new double[n * f];
    double[] y = new double[n * numClasses];
    for (int b = 0; b < n; b++) {
      int src = indices[b] * f;
      int dst = b * f;
      for (int p = 0; p < f; p++) {
        x[dst + p] = (pixels[src + p] & 0xff) / 255.0;
      }
      y[b * numClasses + (labels[indices[b]] & 0xff)] = 1.0;
    }
    INDArray features = Nd4j.create(x, featureShape, DataType.DOUBLE);
    INDArray oneHot = Nd4j.create(y, labelShape, DataType.DOUBLE);
    if (dataType == DataType.DOUBLE) {
      return new Batch(features, oneHot);
    }
    return new Batch(features.castTo(dataType), oneHot.castTo(dataType));
  }

  private void requirePixels() {
    if (pixels == null) {
      throw new IllegalStateException(name + ": holds labels only (a timing-fidelity run's data)");
    }
  }

  @Override
  public String toString() {
    return name + " (" + size() + " samples, " + rows + "x" + cols + ", " + numClasses
        + " classes)";
  }
}
