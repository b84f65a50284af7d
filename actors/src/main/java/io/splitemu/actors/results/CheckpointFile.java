package io.splitemu.actors.results;

/**
 * A checkpoint of a run as its file will hold it (encoded by the recorder), taken at the end of
 * round {@code round}, at emulated instant {@code emulatedS}.
 */
public record CheckpointFile(int round, double emulatedS, byte[] bytes) {}
