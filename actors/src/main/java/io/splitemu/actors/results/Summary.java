package io.splitemu.actors.results;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The totals of a run, written to {@code summary.json}.
 *
 * @param wallTimeS wall-clock seconds the run took: the sum over the processes that wrote its
 *     rounds (a run resumed with {@code --resume} is several), each the largest {@code wall_time_s}
 *     of its rows, as each process counts from its own start ({@link #wallTimeS(List, Collection)})
 * @param timeToTargetS emulated seconds until test accuracy first reached {@code targetAccuracy},
 *     {@code NaN} if it never did
 * @param peakModelMemoryBytes per node (role or actor name), the peak bytes of model state held
 */
public record Summary(
    String scenario,
    String scheme,
    long seed,
    int rounds,
    double emulatedTimeS,
    double wallTimeS,
    double deviceComputeS,
    double serverComputeS,
    double communicationS,
    double aggregationS,
    long bytesUp,
    long bytesDown,
    int failedParticipations,
    double finalAccuracy,
    double bestAccuracy,
    double targetAccuracy,
    double timeToTargetS,
    double finalLoss,
    Map<String, Long> peakModelMemoryBytes) {

  public Summary {
    peakModelMemoryBytes = Map.copyOf(new TreeMap<>(peakModelMemoryBytes));
  }

  /**
   * Computes the summary from the recorded rounds and the byte totals of the device rows ({@code
   * up} and {@code down}), for a run never resumed.
   */
  public static Summary of(
      String scenario,
      String scheme,
      long seed,
      List<RoundRecord> rounds,
      long up,
      long down,
      double targetAccuracy,
      Map<String, Long> peakModelMemoryBytes) {
    return of(
        scenario, scheme, seed, rounds, List.of(), up, down, targetAccuracy, peakModelMemoryBytes);
  }

  /**
   * Computes the summary from the recorded rounds, the rounds of the checkpoints the run was
   * resumed from ({@code resume} rows of {@code events.csv}) and the byte totals of the device rows
   * ({@code up} and {@code down}).
   */
  public static Summary of(
      String scenario,
      String scheme,
      long seed,
      List<RoundRecord> rounds,
      Collection<Integer> resumedFrom,
      long up,
      long down,
      double targetAccuracy,
      Map<String, Long> peakModelMemoryBytes) {
    double dev = 0;
    double srv = 0;
    double comm = 0;
    double agg = 0;
    double emulated = 0;
    int failed = 0;
    double finalAcc = Double.NaN;
    double best = Double.NaN;
    double toTarget = Double.NaN;
    double finalLoss = Double.NaN;
    for (RoundRecord r : rounds) {
      dev += r.deviceComputeS();
      srv += r.serverComputeS();
      comm += r.communicationS();
      agg += r.aggregationS();
      emulated = Math.max(emulated, r.emulatedTimeS());
      failed += r.failed();
      if (!Double.isNaN(r.testAccuracy())) {
        finalAcc = r.testAccuracy();
        best = Double.isNaN(best) ? finalAcc : Math.max(best, finalAcc);
        if (Double.isNaN(toTarget) && finalAcc >= targetAccuracy) {
          toTarget = r.emulatedTimeS();
        }
      }
      if (!Double.isNaN(r.trainLoss())) {
        finalLoss = r.trainLoss();
      }
    }
    return new Summary(
        scenario,
        scheme,
        seed,
        rounds.size(),
        emulated,
        wallTimeS(rounds, resumedFrom),
        dev,
        srv,
        comm,
        agg,
        up,
        down,
        failed,
        finalAcc,
        best,
        targetAccuracy,
        toTarget,
        finalLoss,
        peakModelMemoryBytes);
  }

  /**
   * The wall-clock seconds of the processes that wrote {@code rounds}: each process's {@code
   * wall_time_s} counts from its own start, so the rows are cut into one segment per process (a new
   * one where {@code wall_time_s} drops, or at the first row after the round of a checkpoint the
   * run was resumed from, {@code resumedFrom}) and each segment's largest figure is added. What a
   * stopped process did after its last checkpoint (rows the resume dropped) is not counted.
   */
  public static double wallTimeS(List<RoundRecord> rounds, Collection<Integer> resumedFrom) {
    double total = 0;
    double segment = 0;
    RoundRecord prev = null;
    for (RoundRecord r : rounds) {
      if (prev != null && startsProcess(prev, r, resumedFrom)) {
        total += segment;
        segment = 0;
      }
      if (!Double.isNaN(r.wallTimeS())) {
        segment = Math.max(segment, r.wallTimeS());
      }
      prev = r;
    }
    return total + segment;
  }

  private static boolean startsProcess(
      RoundRecord prev, RoundRecord r, Collection<Integer> resumedFrom) {
    if (r.wallTimeS() < prev.wallTimeS()) {
      return true;
    }
    for (int from : resumedFrom) {
      if (prev.round() <= from && r.round() > from) {
        return true;
      }
    }
    return false;
  }
}
