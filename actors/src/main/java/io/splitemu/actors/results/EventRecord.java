package io.splitemu.actors.results;

import java.util.List;

/**
 * One row of {@code events.csv}: a fault, timeout, re-plan or checkpoint at an emulated instant.
 *
 * @param emulatedS the emulated instant in seconds since the run's start
 * @param round the round in which it happened
 * @param kind a short stable word, such as {@code timeout}, {@code replan}, {@code fault}
 * @param subject who it concerns, such as {@code device-3}, {@code supervisor}
 * @param detail free text for a person
 * @param fault where this is a {@code fault} or {@code recovery} row of a scenario fault the
 *     supervisor records (Supervisor's generic fault rows), that fault's index in {@code
 *     splitemu.faults}; -1 for every other row, and for every row read back from {@code
 *     events.csv}, which does not hold it. With the subject and the kind it names the row across a
 *     crash's rewind, which cuts such a row and has it written again (the live counters count it
 *     once: docs/metrics.md)
 */
public record EventRecord(
    double emulatedS, int round, String kind, String subject, String detail, int fault) {

  /** A row of no scenario fault's index ({@code fault} = -1). */
  public EventRecord(double emulatedS, int round, String kind, String subject, String detail) {
    this(emulatedS, round, kind, subject, detail, -1);
  }

  /** The CSV header. */
  public static final List<String> HEADER =
      List.of("emulated_s", "round", "kind", "subject", "detail");

  /** The row's fields, in {@link #HEADER} order. */
  public List<Object> fields() {
    return List.of(emulatedS, round, kind, subject, detail);
  }
}
