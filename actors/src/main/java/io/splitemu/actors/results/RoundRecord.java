package io.splitemu.actors.results;

import java.util.List;

/**
 * One row of {@code rounds.csv}: a round's emulated timing breakdown and its learning figures.
 *
 * <p>Times are emulated seconds except {@code wallTimeS}. {@code cut} is text because a round may
 * have one cut ("3"), one per device ("2;3;3") or several along a pipeline ("2-5"). Accuracy and
 * loss are {@code NaN} when the round did not measure them (for instance in {@code timing} runs);
 * they are written as empty fields.
 */
public record RoundRecord(
    int round,
    String scheme,
    double emulatedTimeS,
    double roundLatencyS,
    double deviceComputeS,
    double serverComputeS,
    double communicationS,
    double aggregationS,
    int participants,
    int failed,
    String cut,
    int clusters,
    double testAccuracy,
    double trainLoss,
    double wallTimeS) {

  /** The CSV header, in FORMATS.md order. */
  public static final List<String> HEADER =
      List.of(
          "round",
          "scheme",
          "emulated_time_s",
          "round_latency_s",
          "device_compute_s",
          "server_compute_s",
          "communication_s",
          "aggregation_s",
          "participants",
          "failed",
          "cut",
          "clusters",
          "test_accuracy",
          "train_loss",
          "wall_time_s");

  /** The row's fields, in {@link #HEADER} order. */
  public List<Object> fields() {
    return List.of(
        round,
        scheme,
        emulatedTimeS,
        roundLatencyS,
        deviceComputeS,
        serverComputeS,
        communicationS,
        aggregationS,
        participants,
        failed,
        cut,
        clusters,
        testAccuracy,
        trainLoss,
        wallTimeS);
  }
}
