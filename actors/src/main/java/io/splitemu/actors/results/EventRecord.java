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
 */
public record EventRecord(double emulatedS, int round, String kind, String subject, String detail) {

  /** The CSV header. */
  public static final List<String> HEADER =
      List.of("emulated_s", "round", "kind", "subject", "detail");

  /** The row's fields, in {@link #HEADER} order. */
  public List<Object> fields() {
    return List.of(emulatedS, round, kind, subject, detail);
  }
}
