package io.splitemu.actors.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.ModelProfiles;
import io.splitemu.planner.dag.SplitRates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DAG-split runs: with static links every round lasts exactly its iterations times the cost
 * LATENCY-MODEL.md section 5 gives the chosen split (up to the integer-nanosecond clock), the
 * min-cut policy is never slower than the others, and bad DAG scenarios fail at start.
 */
class DagSplitPolicyTest {

  private static final double[] DEVICE_FLOPS = {4e9, 3e10};
  private static final double[] UP_BPS = {8e6, 40e6};
  private static final double[] DOWN_BPS = {20e6, 80e6};
  private static final double SERVER_FLOPS = 2e12;
  private static final int STEPS = 3;
  private static final int BATCH = 16;

  @TempDir Path tmp;

  private static Settings settings(String scheme, String extra) {
    String conf =
        "splitemu {\n"
            + "  scenario = dag-test\n"
            + "  scheme = "
            + scheme
            + "\n  fidelity = timing\n"
            + "  rounds = 2\n"
            + "  local-steps = "
            + STEPS
            + "\n  batch-size = "
            + BATCH
            + "\n  dag.profile = efficientnetv2-s\n"
            + "  devices { count = 2, flops = ["
            + DEVICE_FLOPS[0]
            + ", "
            + DEVICE_FLOPS[1]
            + "] }\n"
            + "  server.flops = "
            + SERVER_FLOPS
            + "\n  links { kind = static, static { uplink-bps = ["
            + UP_BPS[0]
            + ", "
            + UP_BPS[1]
            + "], downlink-bps = ["
            + DOWN_BPS[0]
            + ", "
            + DOWN_BPS[1]
            + "] } }\n"
            + "  output.plots = false\n"
            + extra
            + "}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("dag-test.conf"));
  }

  @Test
  void staticRoundsLastTheirIterationsTimesTheSplitCost_andMinCutIsNeverSlower() {
    DagProfile dag = ModelProfiles.load("efficientnetv2-s");
    Map<String, Double> totals = new HashMap<>();
    for (String scheme : DagSplitPolicy.SCHEMES) {
      Emulation.Outcome out =
          Emulation.run(settings(scheme, ""), tmp.resolve(scheme), RunListener.NONE);
      double expected = 0;
      for (int d = 0; d < 2; d++) {
        SplitRates rates =
            new SplitRates(DEVICE_FLOPS[d], SERVER_FLOPS / 2, UP_BPS[d], DOWN_BPS[d], BATCH);
        expected =
            Math.max(expected, STEPS * DagSplitPolicy.plan(scheme, dag, rates).costSeconds());
      }
      List<RoundRecord> rounds = out.rounds();
      assertEquals(2, rounds.size());
      for (RoundRecord r : rounds) {
        // Each of the 5 operations of an iteration is rounded up to a whole nanosecond.
        assertEquals(expected, r.roundLatencyS(), STEPS * 5e-9, scheme + " round " + r.round());
        assertEquals(
            r.roundLatencyS(),
            r.deviceComputeS() + r.serverComputeS() + r.communicationS(),
            1e-9,
            "breakdown of " + scheme);
      }
      totals.put(scheme, rounds.get(1).emulatedTimeS());
    }
    double mincut = totals.get("dag-mincut");
    for (Map.Entry<String, Double> e : totals.entrySet()) {
      assertTrue(mincut <= e.getValue() + 1e-6, "min-cut " + mincut + " slower than " + e);
    }
    // The baselines really differ here, so the comparison above is not vacuous.
    assertTrue(
        totals.get("dag-device") > mincut * 1.05 || totals.get("dag-server") > mincut * 1.05);
  }

  @Test
  void replansAreEvents_andTheSameSeedGivesTheSameRows() throws Exception {
    Emulation.Outcome a =
        Emulation.run(settings("dag-mincut", ""), tmp.resolve("a"), RunListener.NONE);
    Emulation.Outcome b =
        Emulation.run(settings("dag-mincut", ""), tmp.resolve("b"), RunListener.NONE);
    List<String> events = Files.readAllLines(a.dir().resolve("events.csv"));
    // One plan per device in round 1; static links give no re-plan later.
    assertEquals(3, events.size(), String.join("\n", events));
    assertTrue(events.get(1).contains("replan") && events.get(1).contains("device-0"));
    for (int i = 0; i < a.rounds().size(); i++) {
      List<Object> fa = a.rounds().get(i).fields();
      List<Object> fb = b.rounds().get(i).fields();
      // All but the host's columns, wall_time_s and cpu_time_s, the last two.
      assertEquals(fa.subList(0, fa.size() - 2), fb.subList(0, fb.size() - 2));
    }
  }

  @Test
  void badDagScenariosFailAtStartNamingTheKey() {
    SettingsException noProfile =
        assertThrows(
            SettingsException.class,
            () -> Emulation.prepare(settings("dag-chain", "dag.profile = \"\"\n")));
    assertTrue(noProfile.getMessage().contains("splitemu.dag.profile"), noProfile.getMessage());
    SettingsException full =
        assertThrows(
            SettingsException.class,
            () -> Emulation.prepare(settings("dag-chain", "fidelity = full\n")));
    assertTrue(full.getMessage().startsWith("splitemu.fidelity"), full.getMessage());
    SettingsException missing =
        assertThrows(
            SettingsException.class,
            () ->
                Emulation.prepare(
                    settings(
                        "dag-chain", "dag.profile = \"" + tmp.resolve("no.prototxt") + "\"\n")));
    assertTrue(missing.getMessage().contains("no.prototxt"), missing.getMessage());
    assertTrue(Files.notExists(tmp.resolve("results")));
  }
}
