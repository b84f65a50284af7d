package io.splitemu.actors.pipeline;

import java.util.Comparator;
import java.util.TreeSet;

/**
 * The jobs waiting for a hop's processor, in the hop's first come, first served order (emulated
 * arrival, device id, forward before backward, then epoch and batch), kept as one ordered set per
 * direction: the next job is the earlier of the two sets' first, and each direction's earliest
 * arrival is its own set's first job, both in O(log n). A single set in that order had to be walked
 * past every job of one direction to find the other direction's first, O(queue) per event when the
 * queue held only one direction (issue 16: 94% of a 30,000-device mpsl run's samples were in that
 * walk).
 *
 * <p>Jobs equal in the order (same arrival, device, direction, epoch and batch) are one job, as in
 * a single set. Two batches of one device that arrive at the same nanosecond (a device whose
 * compute rounds to no time at all) are two jobs, served batch by batch; before the epoch and batch
 * were in the order, the second was dropped and the hop waited for it until the run's watchdog.
 */
final class JobQueue {

  /** The hop's service order. */
  static final Comparator<ComputeHop.Job> FCFS =
      Comparator.comparingLong(ComputeHop.Job::arrivalNs)
          .thenComparingInt(ComputeHop.Job::device)
          .thenComparing(j -> j.forward() ? 0 : 1)
          .thenComparingInt(ComputeHop.Job::epoch)
          .thenComparingInt(ComputeHop.Job::batch);

  private final TreeSet<ComputeHop.Job> forward = new TreeSet<>(FCFS);
  private final TreeSet<ComputeHop.Job> backward = new TreeSet<>(FCFS);

  /** Adds {@code j}; false if an equal job is queued already. */
  boolean add(ComputeHop.Job j) {
    return (j.forward() ? forward : backward).add(j);
  }

  boolean isEmpty() {
    return forward.isEmpty() && backward.isEmpty();
  }

  int size() {
    return forward.size() + backward.size();
  }

  /** The next job to serve, or null if none waits. */
  ComputeHop.Job first() {
    TreeSet<ComputeHop.Job> q = next();
    return q == null ? null : q.first();
  }

  /** Takes the next job to serve, or null if none waits. */
  ComputeHop.Job pollFirst() {
    TreeSet<ComputeHop.Job> q = next();
    return q == null ? null : q.pollFirst();
  }

  /** The earliest arrival of the jobs of direction {@code forward} waiting, or {@code none}. */
  long firstArrival(boolean forward, long none) {
    TreeSet<ComputeHop.Job> q = forward ? this.forward : backward;
    return q.isEmpty() ? none : q.first().arrivalNs();
  }

  private TreeSet<ComputeHop.Job> next() {
    if (forward.isEmpty()) {
      return backward.isEmpty() ? null : backward;
    }
    if (backward.isEmpty()) {
      return forward;
    }
    return FCFS.compare(forward.first(), backward.first()) <= 0 ? forward : backward;
  }
}
