package io.splitemu.actors.results;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * One row of {@code rounds.csv}: a round's emulated timing breakdown and its learning figures.
 *
 * <p>Times are emulated seconds except {@code wallTimeS} and {@code cpuTimeS}, which are the host's
 * ({@link #HOST_COLUMNS}): the wall-clock seconds since the supervisor started and the CPU seconds
 * the process running the supervisor had used since its start, both read when the engine ended the
 * round. {@code cut} is text because a round may have one cut ("3"), one per device ("2;3;3") or
 * several along a pipeline ("2-5"). Accuracy and loss are {@code NaN} when the round did not
 * measure them (for instance in {@code timing} runs); they are written as empty fields, as is
 * {@code cpuTimeS} where the JVM cannot tell the process's CPU time.
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
    double wallTimeS,
    double cpuTimeS) {

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
          "wall_time_s",
          "cpu_time_s");

  /**
   * The columns that depend on the host, not on the scenario and seed: two runs of one scenario
   * differ in them, so comparisons and the goldens leave them out.
   */
  public static final List<String> HOST_COLUMNS = List.of("wall_time_s", "cpu_time_s");

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
        wallTimeS,
        cpuTimeS);
  }

  /**
   * This row as a run keeps it in memory for the whole run (the results writer's rows, the live
   * metrics' and a comparison's): a {@code cut} of more than {@code 64} per-device parts (a split
   * scheme's, one per device, thousands of characters) as the count per cut the report shows for
   * it, such as {@code 11\u00d7375, 21\u00d72250}; any other cut as it is. The cut is {@code
   * previous}'s very string where it reads the same, so that a run of alike rounds holds one.
   * {@code rounds.csv} keeps every row's full cut. Nothing that reads the kept rows parses such a
   * list: the report shows it in this form, and a cut's model memory is known only for one layer
   * index.
   *
   * @param previous the row kept before this one, or null
   */
  public RoundRecord compacted(RoundRecord previous) {
    String c = cut.isEmpty() ? cut : Report.cut(cut);
    if (previous != null && previous.cut.equals(c)) {
      c = previous.cut;
    }
    return c == cut
        ? this
        : new RoundRecord(
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
            c,
            clusters,
            testAccuracy,
            trainLoss,
            wallTimeS,
            cpuTimeS);
  }

  /** {@code rows}, each {@link #compacted} after the one before it. */
  public static List<RoundRecord> compacted(List<RoundRecord> rows) {
    List<RoundRecord> out = new java.util.ArrayList<>(rows.size());
    RoundRecord previous = null;
    for (RoundRecord r : rows) {
      previous = r.compacted(previous);
      out.add(previous);
    }
    return out;
  }

  private static final java.lang.management.OperatingSystemMXBean OS =
      ManagementFactory.getOperatingSystemMXBean();

  /**
   * The CPU seconds this process has used since its start (user and system, every thread: the
   * engine's, the recorder's, the garbage collector's and the JIT compiler's, and those of threads
   * that have ended), for {@code cpu_time_s}; {@code NaN} where the JVM cannot tell. It is the
   * kernel's count for the whole process, read in about a microsecond, and monotonic; on Linux it
   * moves in clock ticks (10 ms). A sum of {@code ThreadMXBean}'s per-thread times would be finer,
   * but it misses the collector's and compiler's threads and every thread that has ended, so it
   * could fall between rounds, and it costs a call per live thread.
   */
  public static double processCpuS() {
    if (OS instanceof com.sun.management.OperatingSystemMXBean os) {
      long ns = os.getProcessCpuTime();
      return ns < 0 ? Double.NaN : ns / 1e9;
    }
    return Double.NaN;
  }
}
