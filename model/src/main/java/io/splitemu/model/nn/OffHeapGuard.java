package io.splitemu.model.nn;

import java.util.function.LongSupplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Keeps ND4J's off-heap garbage bounded during training.
 *
 * <p>The slices run with DL4J workspaces off (they hold layer inputs between a forward pass and the
 * backward pass that comes back over the network), so every intermediate tensor is a fresh off-heap
 * buffer, freed only when the garbage collector finds its small Java wrapper unreachable. The heap
 * barely grows while the process's resident memory does, by gigabytes per minute: a 36-round MNIST
 * run reached 14 GB and was killed. After each training step and each inference batch the slices
 * ask this guard, which forces a collection whenever the resident size has grown by {@link
 * #stepBytes()} since the last one (default 128 MiB; system property {@code
 * splitemu.offheap.collect-every}, bytes). Growth that is live data raises the baseline, so a large
 * model does not make it collect over and over. A collection changes no result. docs/benchmarks.md
 * has the resident sizes with and without it.
 */
public final class OffHeapGuard {

  private static final OffHeapGuard SHARED =
      new OffHeapGuard(
          Long.getLong("splitemu.offheap.collect-every", 128L << 20),
          Pointer::physicalBytes,
          System::gc);

  private final long stepBytes;
  private final LongSupplier residentBytes;
  private final Runnable collect;
  private long baseline = -1;
  private long collections;

  /**
   * A guard that runs {@code collect} when {@code residentBytes} has grown by {@code stepBytes}
   * since the last collection (or the first check).
   */
  public OffHeapGuard(long stepBytes, LongSupplier residentBytes, Runnable collect) {
    if (stepBytes <= 0) {
      throw new IllegalArgumentException(
          "splitemu.offheap.collect-every must be > 0 bytes, got " + stepBytes);
    }
    this.stepBytes = stepBytes;
    this.residentBytes = residentBytes;
    this.collect = collect;
  }

  /** The guard every slice reports to. */
  public static OffHeapGuard shared() {
    return SHARED;
  }

  /** Growth of the resident size that triggers a collection. */
  public long stepBytes() {
    return stepBytes;
  }

  /** Collections forced so far. */
  public synchronized long collections() {
    return collections;
  }

  /** Called after a training step: collects if the resident size grew by a step since the last. */
  public synchronized void afterStep() {
    long rss = residentBytes.getAsLong();
    if (baseline < 0) {
      baseline = rss;
      return;
    }
    if (rss - baseline < stepBytes) {
      // Memory given back since (or reused): follow it down so the bound stays a step above.
      baseline = Math.min(baseline, rss);
      return;
    }
    collect.run();
    collections++;
    baseline = residentBytes.getAsLong();
  }
}
