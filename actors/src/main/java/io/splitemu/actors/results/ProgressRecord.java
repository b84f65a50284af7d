package io.splitemu.actors.results;

/**
 * How far a run is within a round: published while the round runs, for the progress display and the
 * live metrics; never written to a results file (the round's row is the record).
 *
 * @param round the round under way (MP-SL: the epoch)
 * @param step steps (or batches) done in the round so far
 * @param steps steps (or batches) the round runs in all, 0 when not known ahead
 * @param emulatedS the emulated instant the run has reached, in seconds since its start
 */
public record ProgressRecord(int round, int step, int steps, double emulatedS) {}
