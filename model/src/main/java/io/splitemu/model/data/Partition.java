package io.splitemu.model.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An assignment of sample indices of one shared dataset to devices, where no index is given to
 * two devices.
 *
 * <p>Each device's indices are kept sorted ascending; devices draw their own seeded batch order.
 */
public final class Partition {
  private final int datasetSize;
  private final int[][] devices;

  /**
   * Creates a partition, checking that every index lies in {@code 0..datasetSize-1} and appears at
   * most once over all devices.
   *
   * @param datasetSize number of samples in the dataset the indices point into
   * @param devices one index array per device (copied)
   */
  public Partition(int datasetSize, int[][] devices) {
    Objects.requireNonNull(devices, "devices");
    if (devices.length == 0) {
      throw new IllegalArgumentException("a partition needs at least one device");
    }
    boolean[] seen = new boolean[datasetSize];
    int[][] copy = new int[devices.length][];
    for (int d = 0; d < devices.length; d++) {
      int[] idx = devices[d].clone();
      Arrays.sort(idx);
      for (int i : idx) {
        if (i < 0 || i >= datasetSize) {
          throw new IllegalArgumentException("device " + d + ": index " + i
              + " is outside 0.." + (datasetSize - 1));
        }
        if (seen[i]) {
          throw new IllegalArgumentException("device " + d + ": index " + i
              + " is already assigned to another device");
        }
        seen[i] = true;
      }
      copy[d] = idx;
    }
    this.datasetSize = datasetSize;
    this.devices = copy;
  }

  /** Number of devices. */
  public int numDevices() {
    return devices.length;
  }

  /** Number of samples in the dataset this partition points into. */
  public int datasetSize() {
    return datasetSize;
  }

  /** The sorted sample indices of {@code device}, as a fresh array. */
  public int[] indices(int device) {
    return devices[Objects.checkIndex(device, devices.length)].clone();
  }

  /** Number of samples on {@code device}. */
  public int size(int device) {
    return devices[Objects.checkIndex(device, devices.length)].length;
  }

  /** Sample counts of all devices. */
  public int[] sizes() {
    int[] s = new int[devices.length];
    for (int d = 0; d < s.length; d++) {
      s[d] = devices[d].length;
    }
    return s;
  }

  /** Total number of assigned samples. */
  public int assigned() {
    int n = 0;
    for (int[] d : devices) {
      n += d.length;
    }
    return n;
  }

  /** Whether every sample of the dataset is assigned to some device. */
  public boolean isComplete() {
    return assigned() == datasetSize;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Partition p
        && p.datasetSize == datasetSize
        && Arrays.deepEquals(p.devices, devices);
  }

  @Override
  public int hashCode() {
    return 31 * datasetSize + Arrays.deepHashCode(devices);
  }

  @Override
  public String toString() {
    return "Partition(" + devices.length + " devices, " + assigned() + " of " + datasetSize
        + " samples)";
  }
}
