package io.splitemu.actors.results;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The totals of a run, written to {@code summary.json}.
 *
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
   * up} and {@code down}).
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
    double dev = 0;
    double srv = 0;
    double comm = 0;
    double agg = 0;
    double emulated = 0;
    double wall = 0;
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
      wall = Math.max(wall, r.wallTimeS());
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
        wall,
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
}
