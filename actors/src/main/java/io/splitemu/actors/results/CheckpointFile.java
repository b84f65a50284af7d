package io.splitemu.actors.results;

/**
 * A checkpoint of a run as its file will hold it (encoded by the recorder), taken at the end of
 * round {@code round}, at emulated instant {@code emulatedS}.
 *
 * @param keep the round of the newest checkpoint {@code checkpoint.every} scheduled at or before
 *     this one (its own round if it is one; 0 if none is): the folder keeps its file beside the
 *     newest ones, since a crash restores it, not a checkpoint SIGTERM took off that schedule
 */
public record CheckpointFile(int round, double emulatedS, byte[] bytes, int keep) {

  /** A checkpoint that {@code checkpoint.every} scheduled. */
  public CheckpointFile(int round, double emulatedS, byte[] bytes) {
    this(round, emulatedS, bytes, round);
  }
}
