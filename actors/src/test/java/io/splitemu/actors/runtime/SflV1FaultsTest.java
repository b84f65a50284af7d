package io.splitemu.actors.runtime;

import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.FaultsOnEverySchemeTest.Tables;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sfl-v1's visit under device faults, in real runs (docs/faults.md, "Device faults on sfl-v1"). */
class SflV1FaultsTest {

  @TempDir Path tmp;

  /** A small full-fidelity sfl-v1 run on synthetic data, evaluated every round. */
  private static Settings full(String faults, String extra) {
    String conf =
        "splitemu {\n  scenario = sfl-v1-fault\n  scheme = sfl-v1\n  fidelity = full\n"
            + "  rounds = 3\n  local-steps = 3\n  batch-size = 16\n  eval-every = 1\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  data { dataset = synthetic, train-samples = 480, test-samples = 64,"
            + " eval-samples = 64, partition = quantity, quantity-sigma = 0.8 }\n"
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9] }\n  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = 8e6, downlink-bps = 1e7 } }\n"
            + "  barrier.timeout = 300 s\n  output.plots = false\n  faults = ["
            + faults
            + "]\n  "
            + extra
            + "\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("sfl-v1-fault.conf"));
  }

  private static List<String> column(List<Map<String, String>> rows, String col) {
    return rows.stream().map(r -> r.get(col)).toList();
  }

  /** Round {@code round}'s end in whole emulated nanoseconds. */
  private static long endNs(Tables t, int round) {
    return new BigDecimal(t.rounds().get(round - 1).get("emulated_time_s"))
        .movePointRight(9)
        .longValueExact();
  }

  /**
   * The round's loss is that of the devices that completed: a device hung during its local steps
   * adds none of the steps it took on its server copy, so a hang from the run's start and one in
   * the middle of round 1 give the same rows (before, the partial steps were in round 1's loss).
   */
  @Test
  void aDeviceGivenUpInItsLocalSteps_addsNothingToTheRoundsLoss() throws Exception {
    Tables clean = run(full("", ""), tmp.resolve("clean"));
    long mid = endNs(clean, 1) / 2;
    Tables start =
        run(full("{ kind = device-hang, device = 1, at = 1ns }", ""), tmp.resolve("start"));
    Tables middle =
        run(full("{ kind = device-hang, device = 1, at = " + mid + "ns }", ""), tmp.resolve("mid"));
    assertEquals(List.of("1", "0", "0"), column(middle.rounds(), "failed"));
    assertEquals(column(start.rounds(), "test_accuracy"), column(middle.rounds(), "test_accuracy"));
    assertEquals(column(start.rounds(), "train_loss"), column(middle.rounds(), "train_loss"));
    assertNotEquals(
        clean.rounds().get(0).get("train_loss"), middle.rounds().get(0).get("train_loss"));
  }
}
