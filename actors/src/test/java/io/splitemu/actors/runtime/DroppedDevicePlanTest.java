package io.splitemu.actors.runtime;

import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.num;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.run;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.scenario;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.FaultsOnEverySchemeTest.Tables;
import io.splitemu.actors.scheme.DagSplitPolicy;
import io.splitemu.actors.scheme.Schemes;
import io.splitemu.actors.scheme.ShareSplitPolicies;
import io.splitemu.actors.scheme.SplitScheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A split scheme plans each round over the devices the round asks: a device dropped for the run
 * (survival.absent = drop-for-run) is not probed, gets no share of the band or of the server and no
 * more {@code replan} rows, and its cut shows as {@code -}. Before, the supervisor probed its link
 * and the policy planned it with the others every round: on edgesplit the devices left shared less
 * than the whole band (0.948 in round 9 of faults-edgesplit-links.conf) and a third of the server
 * went to nobody here, and a dropped device whose trace had ended stopped the run.
 */
class DroppedDevicePlanTest {

  @TempDir Path tmp;

  private static final String HANG = "{ kind = device-hang, device = 1, round = 2 }";

  private static List<Map<String, String>> rowsOf(List<Map<String, String>> rows, int round) {
    return rows.stream().filter(r -> r.get("round").equals(Integer.toString(round))).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"edgesplit", "edgesplit-uniform", "sfl-compute", "dag-mincut"})
  void aDeviceDroppedForTheRun_isPlannedNoMore(String scheme) throws Exception {
    Tables t = run(scenario(scheme, HANG, "rounds = 4"), tmp.resolve(scheme));
    assertEquals(
        List.of("3", "2", "2", "2"), t.rounds().stream().map(r -> r.get("participants")).toList());
    double dropped =
        num(FaultsOnEverySchemeTest.only(t.events(), "deadline"), "emulated_s"); // in round 2
    for (Map<String, String> e : t.events()) {
      if (e.get("kind").equals("replan") && e.get("subject").equals("device-1")) {
        assertTrue(num(e, "emulated_s") < dropped, "replanned after its drop: " + e);
      }
    }
    for (int round : List.of(3, 4)) {
      String cut = t.rounds().get(round - 1).get("cut");
      assertEquals("-", cut.split(";", -1)[1], "round " + round + "'s cuts " + cut);
      List<Map<String, String>> rows = rowsOf(t.devices(), round);
      assertEquals(List.of("0", "2"), rows.stream().map(r -> r.get("device")).toList());
      if (scheme.startsWith("edgesplit")) {
        // The band is shared by the devices in the round, whole.
        assertEquals(1.0, num(rows.get(0), "share") + num(rows.get(1), "share"), 1e-12);
      }
    }
    if (scheme.startsWith("edgesplit")) {
      // Round 3 replans both devices left: half of the server each, where a third went before.
      for (String d : List.of("device-0", "device-2")) {
        Map<String, String> replan =
            rowsOf(t.events(), 3).stream()
                .filter(e -> e.get("kind").equals("replan") && e.get("subject").equals(d))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no replan of " + d + " in round 3"));
        assertTrue(replan.get("detail").contains("server share 0.500"), replan.toString());
      }
    }
  }

  /**
   * The policies themselves: a device with NaN rates is out of the round and gets {@code
   * SplitPolicy.ABSENT}, the others share the band and the server.
   */
  @ParameterizedTest
  @ValueSource(strings = {"edgesplit", "edgesplit-uniform", "sfl-compute", "dag-mincut"})
  void policies_shareEverythingAmongTheDevicesInTheRound(String scheme) {
    Settings s = scenario(scheme, "", "");
    SplitPolicy policy =
        scheme.startsWith("dag-")
            ? DagSplitPolicy.policy(s)
            : scheme.startsWith("edgesplit")
                ? ShareSplitPolicies.edgeSplitPolicy(s, scheme.endsWith("-uniform"))
                : ShareSplitPolicies.sflComputePolicy(s, false);
    double[] up = {8e6, Double.NaN, 4e7};
    double[] down = {1e7, Double.NaN, 4e7};
    List<SplitPolicy.DevicePlan> plans = policy.plan(3, up, down);
    assertEquals(3, plans.size());
    // Device 1 is out of the round (SplitPolicy.ABSENT): no steps, no share, no cut.
    SplitPolicy.DevicePlan out = plans.get(1);
    assertEquals(
        List.of(0, 0.0, 0.0, 0.0, "-"),
        List.of(
            out.steps(), out.upShare(), out.downShare(), out.serverFlopsPerSecond(), out.cut()));
    SplitPolicy.DevicePlan a = plans.get(0);
    SplitPolicy.DevicePlan b = plans.get(2);
    assertEquals(
        s.serverFlops(),
        a.serverFlopsPerSecond() + b.serverFlopsPerSecond(),
        1e-9 * s.serverFlops());
    if (scheme.startsWith("edgesplit")) {
      assertEquals(1.0, a.upShare() + b.upShare(), 1e-12);
      assertEquals(s.serverFlops() / 2, a.serverFlopsPerSecond(), 1e-9 * s.serverFlops());
    }
    // Every device in the round: the plans are those of the rates alone, as before.
    List<SplitPolicy.DevicePlan> all =
        policy.plan(3, new double[] {8e6, 2e7, 4e7}, new double[] {1e7, 4e7, 4e7});
    assertTrue(all.stream().noneMatch(p -> p.upShare() == 0), all.toString());
  }

  /**
   * sfl-compute-robust plans a round over the devices in it, from the past rounds in which all of
   * them took part: a round a device was out of is no scenario of its return.
   */
  @Test
  void robustPolicy_plansOverTheDevicesInTheRound_fromTheRoundsTheyAllTookPartIn() {
    Settings s = scenario("sfl-compute-robust", "", "");
    SplitPolicy policy = ((SplitScheme) Schemes.of("sfl-compute-robust")).policy(s);
    double nan = Double.NaN;
    for (int r = 1; r <= 6; r++) {
      boolean out = r == 4 || r == 5;
      double[] up = {8e6 * (1 + 0.1 * r), out ? nan : 2e7 / r, 4e7};
      double[] down = {1e7, out ? nan : 4e7 / r, 4e7 * (1 + 0.1 * r)};
      List<SplitPolicy.DevicePlan> plans = policy.plan(r, up, down);
      double server = 0;
      for (SplitPolicy.DevicePlan p : plans) {
        server += p.serverFlopsPerSecond();
      }
      assertEquals(s.serverFlops(), server, 1e-9 * s.serverFlops(), "round " + r);
      assertEquals(out, plans.get(1).serverFlopsPerSecond() == 0, "round " + r);
      // Round r's history is rounds 1 to r - 1; device 1 took no part in rounds 3 and 4 (its
      // rates handed in rounds 4 and 5 are what it achieved in rounds 3 and 4): no scenario of
      // round 6, where it is back, though they are of rounds 4 and 5, planned without it.
      int past = r <= 5 ? r - 1 : r - 1 - 2;
      String detail = plans.get(0).detail();
      assertTrue(detail.contains("over " + past + " past rounds"), "round " + r + ": " + detail);
    }
  }

  /**
   * A dropped device's link is not probed: its trace ending (end = stop) after its drop does not
   * stop the run, as it did at the first round start after the end ("device-1 uplink can deliver
   * nothing from ... s on").
   */
  @ParameterizedTest
  @ValueSource(strings = {"edgesplit", "sfl-compute"})
  void aDroppedDevicesEndedTrace_doesNotStopTheRun(String scheme) throws Exception {
    Path longTrace = tmp.resolve("long");
    Path shortTrace = tmp.resolve("short");
    Files.writeString(longTrace, "0 50\n1000 50\n");
    Files.writeString(shortTrace, "0 50\n3 50\n");
    Path f = tmp.resolve(scheme + ".conf");
    Files.writeString(
        f,
        "splitemu {\n  scenario = dropped-trace\n  scheme = "
            + scheme
            + "\n  fidelity = timing\n  rounds = 4\n  local-steps = 2\n  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 3, flops = 1e9 }\n"
            + "  links { kind = trace, trace { uplink = [\"long\", \"short\", \"long\"],"
            + " format = pensieve, end = stop } }\n"
            + "  faults = ["
            + HANG
            + "]\n"
            + "  output.plots = false\n}\n");
    Settings s = Settings.load(f, List.of());
    List<RoundRecord> rows =
        Emulation.run(s, tmp.resolve("run-" + scheme), RunListener.NONE).rounds();
    assertEquals(4, rows.size(), scheme);
    // Round 2 waits for device 1's deadline, past the end of its trace at 3 s.
    assertTrue(rows.get(1).emulatedTimeS() > 3, scheme + ": " + rows.get(1).emulatedTimeS());
    assertEquals(2, rows.get(3).participants(), scheme);
  }
}
