package io.splitemu.actors.runtime;

import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.num;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.only;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.run;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.scenario;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.FaultsOnEverySchemeTest.Tables;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sfl-v1's visit under device faults, in real runs: a device whose model went into FedAvg took part
 * in the round even if it misses the aggregate's download; a device silent at a round's start holds
 * the round as one silent in its local phase does (sfl-v1 sends no model then); the round's loss is
 * that of the devices that completed; a device that missed the last aggregate downloads it at its
 * next round's start (docs/faults.md, "Device faults on sfl-v1").
 */
class SflV1FaultsTest {

  @TempDir Path tmp;

  private static final String DROP_FOR_ROUND = "survival.absent = drop-for-round";

  /** A small full-fidelity sfl-v1 run on synthetic data, evaluated every round. */
  private static Settings full(String faults, String extra) {
    return DeviceFaultsTest.full("sfl-v1", faults, "eval-every = 1\n  " + extra);
  }

  private static List<String> column(List<Map<String, String>> rows, String col) {
    return rows.stream().map(r -> r.get(col)).toList();
  }

  private static Map<String, String> device(Tables t, int round, int device) {
    return t.devices().stream()
        .filter(
            d ->
                d.get("round").equals(Integer.toString(round))
                    && d.get("device").equals(Integer.toString(device)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row of device " + device + " in " + round));
  }

  /** Round {@code round}'s end in whole emulated nanoseconds. */
  private static long endNs(Tables t, int round) {
    return new BigDecimal(t.rounds().get(round - 1).get("emulated_time_s"))
        .movePointRight(9)
        .longValueExact();
  }

  /**
   * Hung at exactly round 1's end, device 1 misses only the aggregate's download: its model was
   * averaged, so it took part in round 1 (before, it was recorded failed with a zero row and round
   * 1 waited the whole deadline, yet its model was in the aggregate); it is given up at round 2's
   * request, as psl gives up a hang at a round's end in round 2.
   */
  @Test
  void aHangAtRoundOnesEnd_missesOnlyTheDownload_soTheDeviceTookPartInRoundOne() throws Exception {
    Tables clean = run(full("", ""), tmp.resolve("clean"));
    long r1 = endNs(clean, 1);
    Tables t =
        run(full("{ kind = device-hang, device = 1, at = " + r1 + "ns }", ""), tmp.resolve("a"));
    assertEquals(List.of("3", "2", "2"), column(t.rounds(), "participants"));
    assertEquals(List.of("0", "1", "0"), column(t.rounds(), "failed"));
    // Round 1 is the fault-free one: the same aggregate, the same time.
    for (String col : List.of("round_latency_s", "test_accuracy", "train_loss")) {
      assertEquals(clean.rounds().get(0).get(col), t.rounds().get(0).get(col), col);
    }
    assertEquals("true", device(t, 1, 1).get("completed"));
    assertEquals(device(clean, 1, 1).get("bytes_up"), device(t, 1, 1).get("bytes_up"));
    Map<String, String> deadline = only(t.events(), "deadline");
    assertEquals("2", deadline.get("round"));
    assertEquals((r1 + 30_000_000_000L) / 1e9, num(deadline, "emulated_s"), 1e-9);
    assertEquals("false", device(t, 2, 1).get("completed"));
  }

  /**
   * A hang inside round 1's download that ends at round 2's start: device 1 took part in round 1
   * and, holding no current model, downloads it at round 2's start (the bytes it missed in round 1)
   * and takes part, under the default drop-for-run as well: it was never given up.
   */
  @Test
  void aDeviceThatMissedTheDownload_downloadsTheModelAtTheNextRoundsStart() throws Exception {
    Tables clean = run(full("", ""), tmp.resolve("clean"));
    long r1 = endNs(clean, 1);
    Tables t =
        run(
            full(
                "{ kind = device-hang, device = 1, at = " + (r1 - 1) + "ns, until-round = 2 }", ""),
            tmp.resolve("a"));
    assertEquals(List.of("3", "3", "3"), column(t.rounds(), "participants"));
    assertEquals(List.of("0", "0", "0"), column(t.rounds(), "failed"));
    assertEquals(clean.rounds().get(0).get("train_loss"), t.rounds().get(0).get("train_loss"));
    long model =
        Long.parseLong(device(clean, 1, 1).get("bytes_down"))
            - Long.parseLong(device(t, 1, 1).get("bytes_down"));
    assertTrue(model > 0, "round 1's row lacks the aggregate it missed");
    assertEquals(
        Long.parseLong(device(clean, 2, 1).get("bytes_down")) + model,
        Long.parseLong(device(t, 2, 1).get("bytes_down")));
    assertTrue(num(device(t, 2, 1), "downlink_s") > num(device(clean, 2, 1), "downlink_s"));
    // The others download nothing more.
    for (int d : new int[] {0, 2}) {
      assertEquals(device(clean, 2, d).get("bytes_down"), device(t, 2, d).get("bytes_down"));
    }
  }

  /**
   * sfl-v1 sends no model at a round's start, so a device silent from round 2's start holds the
   * round the same whether it crashed, hung or lost its link: the others start their steps at once
   * and FedAvg waits for the give-up (before, a crash or hang held the others' start until the
   * deadline: 30 s plus a whole round, against 30 s plus the download for the outage).
   */
  @Test
  void silentFromARoundsStart_crashHangOrOutage_holdTheRoundAlike() throws Exception {
    Tables clean = run(scenario("sfl-v1", ""), tmp.resolve("clean"));
    List<String> faults =
        List.of(
            "{ kind = device-crash, device = 1, round = 2, until-round = 3 }",
            "{ kind = device-hang, device = 1, round = 2 }",
            "{ kind = link-outage, device = 1, round = 2, until-round = 3 }");
    Tables crash = run(scenario("sfl-v1", faults.get(0)), tmp.resolve("crash"));
    for (int i = 1; i < faults.size(); i++) {
      Tables t = run(scenario("sfl-v1", faults.get(i)), tmp.resolve("f" + i));
      assertEquals(
          crash.rounds().get(1).get("round_latency_s"),
          t.rounds().get(1).get("round_latency_s"),
          faults.get(i));
      assertEquals(List.of("0", "1", "0"), column(t.rounds(), "failed"), faults.get(i));
    }
    // 30 s after round 2's start and the aggregate's download: less than 30 s plus a round.
    double r2 = num(crash.rounds().get(1), "round_latency_s");
    assertTrue(r2 >= 30, "" + r2);
    assertTrue(r2 < 30 + num(clean.rounds().get(1), "round_latency_s"), "" + r2);
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

  /**
   * A device that missed a round's aggregate (given up under drop-for-round, back from a crash)
   * downloads the current model at its next round's start, charged on its downlink as the
   * aggregate's download is (before, it got the model at no cost: round 3's row equalled the
   * fault-free one).
   */
  @Test
  void aDeviceBackFromACrash_paysForTheModelItMissed() throws Exception {
    Tables clean = run(scenario("sfl-v1", "", DROP_FOR_ROUND), tmp.resolve("clean"));
    Tables t =
        run(
            scenario(
                "sfl-v1",
                "{ kind = device-crash, device = 1, round = 2, until-round = 3 }",
                DROP_FOR_ROUND),
            tmp.resolve("a"));
    assertEquals(List.of("3", "2", "3"), column(t.rounds(), "participants"));
    assertEquals("true", device(t, 3, 1).get("completed"));
    assertTrue(
        Long.parseLong(device(t, 3, 1).get("bytes_down"))
            > Long.parseLong(device(clean, 3, 1).get("bytes_down")),
        device(t, 3, 1).toString());
    assertTrue(num(device(t, 3, 1), "downlink_s") > num(device(clean, 3, 1), "downlink_s"));
    assertEquals(device(clean, 3, 1).get("bytes_up"), device(t, 3, 1).get("bytes_up"));
    for (int d : new int[] {0, 2}) {
      assertEquals(device(clean, 3, d).get("bytes_down"), device(t, 3, d).get("bytes_down"));
    }
  }
}
