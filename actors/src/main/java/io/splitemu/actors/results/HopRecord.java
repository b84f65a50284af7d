package io.splitemu.actors.results;

/**
 * What an MP-SL compute hop has reached so far: published as its jobs are served, for the live
 * metrics; never written to a results file (the epoch rows and the summary are the record).
 *
 * @param epoch the epoch the hop is serving
 * @param hop the hop's node name ({@code hop-1}, ...)
 * @param queue the mean number of jobs waiting for the hop's processor over the emulated window
 *     since its previous report (Little's law: the jobs' emulated waits summed over the window's
 *     emulated length), a purely emulated figure
 * @param idleS emulated seconds the hop's processor has been idle since the run started, up to the
 *     start of its latest job
 * @param memoryBytes peak model memory of the slice instances the hop holds so far (0: none yet)
 * @param emulatedS the emulated end of the hop's latest job, in seconds since the run's start
 * @param stopped the hop left the run (a hop crash's re-placement without it): it reports no more,
 *     and its live series go (the other fields are its last state)
 */
public record HopRecord(
    int epoch,
    String hop,
    double queue,
    double idleS,
    long memoryBytes,
    double emulatedS,
    boolean stopped) {

  /** A report of a hop that runs. */
  public HopRecord(
      int epoch, String hop, double queue, double idleS, long memoryBytes, double emulatedS) {
    this(epoch, hop, queue, idleS, memoryBytes, emulatedS, false);
  }
}
