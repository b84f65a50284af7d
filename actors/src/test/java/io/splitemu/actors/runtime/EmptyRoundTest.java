package io.splitemu.actors.runtime;

import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A barrier round that no device takes part in, every device having gone silent within it after
 * some of its work (docs/faults.md, "Survival policies"): its {@code rounds.csv} row records no
 * device's work, as its {@code devices.csv} rows do (completed = false, no spending), and its whole
 * latency, the wait for the devices' deadlines, as {@code aggregation_s}, as a split round or a
 * barrier round silent from its start does. Before 2026-12-07 the row showed the critical path of
 * the forward passes, transfers and server steps made before the devices went silent.
 */
class EmptyRoundTest {

  @TempDir Path tmp;

  /**
   * Every device hangs at {@code fraction} of the clean run's round 2 (after round 2's first steps,
   * before any device completes it) until round 3, under drop-for-round: round 2 is empty and round
   * 3 has every device again. sl and cpsl visit their devices (cpsl: three one-device clusters) one
   * after another, so the hang falls within the first visit's steps.
   */
  @ParameterizedTest
  @CsvSource({"psl, 0.3", "sfl-v2, 0.3", "sl, 0.15", "cpsl, 0.08"})
  void roundEveryDeviceLeavesWithin_recordsNoWork_andItsLatencyAsAggregation(
      String scheme, double fraction) throws Exception {
    String absent = "survival.absent = drop-for-round";
    FaultsOnEverySchemeTest.Tables clean =
        FaultsOnEverySchemeTest.run(
            FaultsOnEverySchemeTest.scenario(scheme, "", absent), tmp.resolve("clean"));
    Map<String, String> cleanRound2 = clean.rounds().get(1);
    double start = num(clean.rounds().get(0), "emulated_time_s");
    double at = start + fraction * num(cleanRound2, "round_latency_s");
    String fault =
        String.format(
            Locale.ROOT,
            "{ kind = device-hang, devices = [0, 1, 2], at = %.9f s, until-round = 3 }",
            at);
    FaultsOnEverySchemeTest.Tables t =
        FaultsOnEverySchemeTest.run(
            FaultsOnEverySchemeTest.scenario(scheme, fault, absent), tmp.resolve("empty"));

    assertEquals(
        List.of("3", "0", "3"), t.rounds().stream().map(r -> r.get("participants")).toList());
    assertEquals(List.of("0", "3", "0"), t.rounds().stream().map(r -> r.get("failed")).toList());
    // The devices did work in round 2 before going silent: its first steps took emulated time.
    assertTrue(
        t.events().stream()
            .filter(e -> e.get("kind").equals("fault"))
            .allMatch(e -> num(e, "emulated_s") > start),
        t.events().toString());

    Map<String, String> r = t.rounds().get(1);
    List<Map<String, String>> devices =
        t.devices().stream().filter(d -> d.get("round").equals("2")).toList();
    assertEquals(3, devices.size(), devices.toString());
    double compute = 0;
    double links = 0;
    for (Map<String, String> d : devices) {
      assertEquals("false", d.get("completed"), d.toString());
      compute += num(d, "compute_s");
      links += num(d, "uplink_s") + num(d, "downlink_s");
    }
    assertEquals(compute, num(r, "device_compute_s"), 0, "device compute as devices.csv: " + r);
    assertEquals(links, num(r, "communication_s"), 0, "communication as devices.csv: " + r);
    assertEquals(0, num(r, "device_compute_s"), 0, r.toString());
    assertEquals(0, num(r, "server_compute_s"), 0, r.toString());
    assertEquals(0, num(r, "communication_s"), 0, r.toString());
    assertEquals(num(r, "round_latency_s"), num(r, "aggregation_s"), 1e-9, r.toString());
    // The round lasts until the deadline of a device that hung inside it, at least.
    assertTrue(num(r, "emulated_time_s") >= at + 30 - 1e-9, r.toString());
    // The rounds with participants keep their critical path.
    assertTrue(num(t.rounds().get(2), "device_compute_s") > 0, t.rounds().toString());
  }
}
