package io.splitemu.model.data;

/**
 * A seeded rule that splits the samples of one shared dataset over devices, returning index
 * arrays rather than copies.
 *
 * <p>Every partitioner here assigns every sample to exactly one device, gives every device at
 * least one sample, and returns the same partition for the same dataset, device count and seed.
 */
public interface Partitioner {
  /** The registry name of this partitioner, as used in scenario files. */
  String name();

  /**
   * Splits {@code dataset} over {@code devices} devices.
   *
   * @throws IllegalArgumentException if there are fewer samples than the rule needs
   */
  Partition partition(Dataset dataset, int devices, long seed);

  /** Checks the arguments every partitioner shares. */
  static void checkArguments(String name, Dataset dataset, int devices) {
    if (devices < 1) {
      throw new IllegalArgumentException(name + " partitioner: expected at least 1 device, found "
          + devices);
    }
    if (dataset.size() < devices) {
      throw new IllegalArgumentException(name + " partitioner: expected at least one sample per "
          + "device, found " + dataset.size() + " samples in " + dataset.name() + " for "
          + devices + " devices");
    }
  }
}
