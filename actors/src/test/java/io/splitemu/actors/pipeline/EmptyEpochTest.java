package io.splitemu.actors.pipeline;

import static io.splitemu.actors.pipeline.RunTables.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An MP-SL epoch that no device completes, every device having gone silent within it after its
 * first jobs were served: its {@code rounds.csv} row records no work, as its {@code devices.csv}
 * rows do (completed = false, no spending), and its whole latency as {@code aggregation_s}, as on
 * the other families (docs/faults.md). Before 2026-12-07 its {@code server_compute_s} was the
 * busiest hop's time on the jobs of the devices given up.
 */
class EmptyEpochTest {

  @TempDir Path tmp;

  private static Settings scenario(String scheme, String faults) {
    return MpslEstimateAgreementTest.scenario(
        MpslEstimateAgreementTest.profiles(),
        scheme,
        10,
        2,
        "rounds = 3, local-steps = 2\nbarrier.deadline = 30 s\n"
            + "survival.absent = drop-for-round\nfaults = ["
            + faults
            + "]\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mpsl", "mpsl-horizontal"})
  void epochEveryDeviceLeavesWithin_recordsNoWork_andItsLatencyAsAggregation(String scheme)
      throws Exception {
    RunTables clean = RunTables.run(scenario(scheme, ""), tmp.resolve("clean"));
    double start = clean.end(1);
    double at = start + 0.5 * clean.latency(2);
    RunTables t =
        RunTables.run(
            scenario(
                scheme,
                String.format(
                    Locale.ROOT,
                    "{ kind = device-hang, devices = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
                        + " at = %.9f s, until-round = 3 }",
                    at)),
            tmp.resolve("empty"));

    assertEquals(List.of("10", "0", "10"), t.column("participants"));
    assertEquals(List.of("0", "10", "0"), t.column("failed"));
    Map<String, String> r = t.rounds().get(1);
    List<Map<String, String>> devices =
        t.devices().stream().filter(d -> d.get("round").equals("2")).toList();
    assertEquals(10, devices.size(), devices.toString());
    double compute = 0;
    double links = 0;
    for (Map<String, String> d : devices) {
      assertEquals("false", d.get("completed"), d.toString());
      compute += num(d, "compute_s");
      links += num(d, "uplink_s") + num(d, "downlink_s");
    }
    assertEquals(compute, num(r, "device_compute_s"), 0, "device compute as devices.csv: " + r);
    assertEquals(links, num(r, "communication_s"), 0, "communication as devices.csv: " + r);
    assertEquals(0, num(r, "server_compute_s"), 0, "no hop time for devices given up: " + r);
    assertEquals(num(r, "round_latency_s"), num(r, "aggregation_s"), 1e-9, r.toString());
    assertTrue(num(r, "emulated_time_s") >= at + 30 - 1e-9, r.toString());
    assertTrue(num(t.rounds().get(2), "server_compute_s") > 0, t.rounds().toString());
  }
}
