package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.metrics.MetricsText;
import io.splitemu.actors.pipeline.MpslPlanner;
import io.splitemu.actors.pipeline.PipelinePlan;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hop-crash} on {@code mpsl} (docs/faults.md, "hop-crash"): at an epoch's start the crashed
 * hop's units are placed again over the hops left, each device uploads its instance of them, and
 * the later epochs run on the new plan at its estimate; a crash that leaves no placement ends the
 * run with one line and keeps its rows; what is not built is refused at start with one line. Real
 * actors, with serialize-messages on (the test configuration). Needs the measured profiles ({@code
 * -Dsplitemu.data}); skipped without them.
 */
class HopCrashTest {

  @TempDir Path tmp;

  private static Path profiles() {
    return io.splitemu.actors.pipeline.MeasuredProfiles.dir(
        "MP-SL hop-crash checks skipped",
        "resnet101_cifar_times.csv",
        "resnet101_cifar_memory.csv");
  }

  /**
   * ResNet-101 on {@code hops} identical VM hops, 50 Pi devices at 8 Mbit/s, 3 epochs of 12,800
   * samples (2 batches per device), with {@code extra} inside the splitemu block.
   */
  private static String conf(String scheme, int hops, String extra) {
    return "splitemu { scenario = hop-crash-test, scheme = "
        + scheme
        + ", fidelity = timing, rounds = 3, batch-size = 128, output.plots = false\n"
        + "data.train-samples = 12800\n"
        + "devices.count = 50\n"
        + "links.static { uplink-bps = 8e6, downlink-bps = 8e6 }\n"
        + "mpsl { profile-dir = \""
        + profiles()
        + "\", model = resnet101, dataset = cifar, device-type = d1, hop-type = VM\n"
        + "hops = "
        + hops
        + ", helpers = "
        + hops
        + ", head-units = 2, tail-units = 2 }\n"
        + extra
        + "}";
  }

  private static Settings settings(String conf) {
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  private static final String CRASH = "faults = [{ kind = hop-crash, hop = 1, round = 2 }]\n";

  @Test
  void crashAtEpoch2_epoch1AsWithout_laterEpochsOnTwoHopsAtTheEstimate_plusTheUpload()
      throws IOException {
    Settings crash = settings(conf("mpsl", 3, CRASH));
    Settings none = settings(conf("mpsl", 3, ""));
    Path a = tmp.resolve("crash-a");
    Path b = tmp.resolve("crash-b");
    Path w = tmp.resolve("without");
    Emulation.run(crash, a, RunListener.NONE);
    Emulation.run(crash, b, RunListener.NONE);
    Emulation.run(none, w, RunListener.NONE);

    // Same scenario and seed, same rows (but the wall clock).
    assertEquals(rows(a, "rounds.csv", "wall_time_s"), rows(b, "rounds.csv", "wall_time_s"));
    assertEquals(rows(a, "devices.csv", ""), rows(b, "devices.csv", ""));
    assertEquals(rows(a, "events.csv", ""), rows(b, "events.csv", ""));

    List<Map<String, String>> rounds = table(a.resolve("rounds.csv"));
    List<Map<String, String>> free = table(w.resolve("rounds.csv"));
    // Epoch 1 is the fault-free run's, row for row.
    assertEquals(
        rows(w, "rounds.csv", "wall_time_s").get(1), rows(a, "rounds.csv", "wall_time_s").get(1));
    assertEquals(
        epochRows(w, "devices.csv", 1), epochRows(a, "devices.csv", 1), "devices.csv, epoch 1");

    // From epoch 2 the chain has the two hops left: with identical hops, the 2-hop plan's cuts.
    PipelinePlan three = MpslPlanner.plan(none);
    PipelinePlan two = MpslPlanner.plan(settings(conf("mpsl", 2, "")));
    MpslPlanner.Replaced replaced = MpslPlanner.afterCrash(crash, Set.of(), 1);
    assertEquals(two.cut(), replaced.plan().cut());
    assertEquals(
        List.of("hop-1", "hop-3"),
        replaced.plan().lanes().get(0).hops().stream().map(PipelinePlan.Stage::name).toList());
    assertEquals(three.cut(), rounds.get(0).get("cut"));
    for (int e = 2; e <= 3; e++) {
      assertEquals(two.cut(), rounds.get(e - 1).get("cut"), "epoch " + e);
      for (Map<String, String> d : epoch(a, e)) {
        assertEquals(two.cut(), d.get("cut"));
      }
    }
    assertEquals(3, two.cut().split("-").length); // s_1 and the ends of two hops

    // The move: each device uploads its instance of hop-2's units (their weight bytes) before
    // epoch 2's first batch, over its 8 Mbit/s uplink.
    String[] cuts3 = three.cut().split("-");
    assertEquals(Integer.parseInt(cuts3[1]) + 1, replaced.fromUnit());
    assertEquals(Integer.parseInt(cuts3[2]), replaced.toUnit());
    assertTrue(replaced.moveBytes() > 1_000_000, "moved " + replaced.moveBytes());
    double moveS = replaced.moveBytes() * 8 / 8e6;
    List<Map<String, String>> d2 = epoch(a, 2);
    List<Map<String, String>> d2free = epoch(w, 2);
    for (int i = 0; i < d2.size(); i++) {
      assertEquals(
          Long.parseLong(d2free.get(i).get("bytes_up")) + replaced.moveBytes(),
          Long.parseLong(d2.get(i).get("bytes_up")),
          "device " + i + " bytes up in epoch 2");
    }
    for (Map<String, String> d : epoch(a, 3)) {
      assertEquals(epoch(w, 3).get(0).get("bytes_up"), d.get("bytes_up"));
    }

    // Epoch 3 runs on the new plan at its estimate (docs/mpsl.md: within 5 %); epoch 2 takes the
    // same plus the upload.
    double e2 = Double.parseDouble(rounds.get(1).get("round_latency_s"));
    double e3 = Double.parseDouble(rounds.get(2).get("round_latency_s"));
    double est = replaced.plan().predictedEpochS();
    assertTrue(Math.abs(e3 / est - 1) < 0.05, "epoch 3 " + e3 + " s, estimate " + est + " s");
    assertEquals(e3 + moveS, e2, 1e-6, "epoch 2 = epoch 3 + the upload of " + moveS + " s");
    // And differ from the fault-free run's: one hop fewer is slower.
    double f3 = Double.parseDouble(free.get(2).get("round_latency_s"));
    assertTrue(e3 > f3 * 1.2, "epoch 3: " + e3 + " s with the crash, " + f3 + " s without");

    // The crash and the re-placement in events.csv at epoch 1's end (epoch 2's start).
    double end1 = Double.parseDouble(rounds.get(0).get("emulated_time_s"));
    List<Map<String, String>> events = table(a.resolve("events.csv"));
    Map<String, String> fault = only(events, "fault");
    Map<String, String> recovery = only(events, "recovery");
    for (Map<String, String> r : List.of(fault, recovery)) {
      assertEquals(end1, Double.parseDouble(r.get("emulated_s")), 1e-9);
      assertEquals("2", r.get("round"));
      assertEquals("hop-1", r.get("subject"));
      assertTrue(r.get("detail").startsWith("hop-crash: "), r.get("detail"));
    }
    assertTrue(fault.get("detail").contains("hop-2"), fault.get("detail"));
    assertTrue(
        recovery
            .get("detail")
            .contains(
                "units "
                    + replaced.fromUnit()
                    + ".."
                    + replaced.toUnit()
                    + " of hop-2 re-placed; new chain hop-1, hop-3"),
        recovery.get("detail"));
    assertTrue(
        recovery.get("detail").contains("(" + replaced.moveBytes() + " bytes)"),
        recovery.get("detail"));
    assertTrue(recovery.get("detail").contains("cuts " + two.cut()), recovery.get("detail"));
    // Without the crash: no fault row.
    assertTrue(
        table(w.resolve("events.csv")).stream().noneMatch(r -> r.get("kind").equals("fault")));

    // The summary keeps the crashed hop's peak (from epoch 1) beside the survivors'.
    JsonNode peaks =
        new ObjectMapper().readTree(a.resolve("summary.json").toFile()).get("peakModelMemoryBytes");
    for (String hop : List.of("hop-1", "hop-2", "hop-3")) {
      assertTrue(peaks.get(hop).asLong() > 0, hop + " in " + peaks);
    }
    JsonNode freePeaks =
        new ObjectMapper().readTree(w.resolve("summary.json").toFile()).get("peakModelMemoryBytes");
    assertEquals(freePeaks.get("hop-2").asLong(), peaks.get("hop-2").asLong());
    assertNotEquals(freePeaks.get("hop-3").asLong(), peaks.get("hop-3").asLong());
  }

  @Test
  void crashAtAnInstant_redoesItsEpochFromTheStart_beginningAtTheInstant() throws IOException {
    Path w = tmp.resolve("without");
    Path round = tmp.resolve("round");
    Emulation.run(settings(conf("mpsl", 3, "")), w, RunListener.NONE);
    Emulation.run(settings(conf("mpsl", 3, CRASH)), round, RunListener.NONE);
    List<Map<String, String>> free = table(w.resolve("rounds.csv"));
    double end1 = Double.parseDouble(free.get(0).get("emulated_time_s"));
    double end2 = Double.parseDouble(free.get(1).get("emulated_time_s"));
    // Halfway through epoch 2: its work so far is lost, and it runs again from T on two hops.
    long atNs = Math.round((end1 + end2) / 2 * 1e9);
    double t = atNs / 1e9;
    String fault = "faults = [{ kind = hop-crash, hop = 1, at = " + atNs + " ns }]\n";
    Settings s = settings(conf("mpsl", 3, fault));
    Path a = tmp.resolve("at-a");
    Path b = tmp.resolve("at-b");
    Emulation.run(s, a, RunListener.NONE);
    Emulation.run(s, b, RunListener.NONE);
    assertEquals(rows(a, "rounds.csv", "wall_time_s"), rows(b, "rounds.csv", "wall_time_s"));
    assertEquals(rows(a, "devices.csv", ""), rows(b, "devices.csv", ""));
    assertEquals(rows(a, "events.csv", ""), rows(b, "events.csv", ""));
    List<Map<String, String>> at = table(a.resolve("rounds.csv"));
    List<Map<String, String>> byRound = table(round.resolve("rounds.csv"));
    assertEquals(
        rows(w, "rounds.csv", "wall_time_s").get(1), rows(a, "rounds.csv", "wall_time_s").get(1));
    // Epoch 2 is the epoch-start crash's epoch 2, begun at T instead of at epoch 1's end: every
    // device starts it afresh from its start state at T, on the new chain, after the upload.
    assertEquals(
        Double.parseDouble(byRound.get(1).get("round_latency_s")) + (t - end1),
        Double.parseDouble(at.get(1).get("round_latency_s")),
        1e-6);
    assertEquals(byRound.get(2).get("round_latency_s"), at.get(2).get("round_latency_s"));
    assertEquals(byRound.get(1).get("cut"), at.get(1).get("cut"));
    // The devices' rows count the redone epoch only (the lost part shows in the latency).
    assertEquals(rows(round, "devices.csv", ""), rows(a, "devices.csv", ""));
    List<Map<String, String>> events = table(a.resolve("events.csv"));
    for (String kind : List.of("fault", "recovery")) {
      Map<String, String> r = only(events, kind);
      assertEquals(t, Double.parseDouble(r.get("emulated_s")), 1e-9);
      assertEquals("2", r.get("round"));
      assertEquals("hop-1", r.get("subject"));
    }
    assertTrue(
        only(events, "fault").get("detail").contains("epoch 2's work since its start is lost"));

    // Within epoch 1: the run's start state; epoch 1 = T + the upload + the 2-hop chain's epoch.
    Path two = tmp.resolve("two-hops");
    Emulation.run(settings(conf("mpsl", 2, "")), two, RunListener.NONE);
    // Early enough that the lost run's processors and links were busy past T + the upload.
    long early = Math.round(end1 / 20 * 1e9);
    Path e1 = tmp.resolve("at-epoch-1");
    Emulation.run(
        settings(
            conf("mpsl", 3, "faults = [{ kind = hop-crash, hop = 1, at = " + early + " ns }]\n")),
        e1,
        RunListener.NONE);
    MpslPlanner.Replaced r = MpslPlanner.afterCrash(s, Set.of(), 1);
    assertEquals(
        early / 1e9
            + r.moveBytes() * 8 / 8e6
            + Double.parseDouble(table(two.resolve("rounds.csv")).get(0).get("round_latency_s")),
        Double.parseDouble(table(e1.resolve("rounds.csv")).get(0).get("round_latency_s")),
        1e-6);
    // Every device's epoch is the 2-hop chain's but for the upload: its processor and links went
    // back to the run's start (the lost run had them busy past T + the upload).
    List<Map<String, String>> redone = epoch(e1, 1);
    List<Map<String, String>> fresh = epoch(two, 1);
    assertEquals(fresh.size(), redone.size());
    for (int i = 0; i < fresh.size(); i++) {
      for (String col : List.of("compute_s", "downlink_s", "bytes_down")) {
        assertEquals(fresh.get(i).get(col), redone.get(i).get(col), col + " of device " + i);
      }
      assertEquals(
          Long.parseLong(fresh.get(i).get("bytes_up")) + r.moveBytes(),
          Long.parseLong(redone.get(i).get("bytes_up")),
          "bytes up of device " + i);
    }
  }

  @Test
  void theCrashAndItsReplacement_areCountedByKindOnTheMetricsEndpoint() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Settings s =
        settings(conf("mpsl", 3, CRASH + "metrics { enabled = true, port = " + port + " }\n"));
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Emulation.run(s, tmp.resolve("metrics"), RunListener.NONE);
      String text = MetricsText.scrape(port);
      for (String name : List.of("splitemu_faults_injected_total", "splitemu_recoveries_total")) {
        assertEquals(
            1.0,
            MetricsText.sample(text, name, "scheme=\"mpsl\"", "kind=\"hop-crash\""),
            name + " in\n" + text);
      }
    } finally {
      endpoint.close();
    }
  }

  @Test
  void noPlacementLeft_endsTheRunWithOneLineNamingTheFault_andKeepsTheRows() throws IOException {
    // Memory per hop just above the 3-hop plan's peak: 3 hops fit, the 2 left do not.
    long peak =
        (long)
                MpslPlanner.plan(settings(conf("mpsl", 3, ""))).lanes().get(0).hops().stream()
                    .mapToDouble(PipelinePlan.Stage::predictedPeakBytes)
                    .max()
                    .orElseThrow()
            + 1;
    String mem = "mpsl.hop-memory-bytes = " + peak + "\n";
    MpslPlanner.plan(settings(conf("mpsl", 3, mem))); // fits
    Path file = tmp.resolve("infeasible.conf");
    Files.writeString(file, conf("mpsl", 3, mem + CRASH), StandardCharsets.UTF_8);
    Path out = tmp.resolve("infeasible");
    ProfileCommandTest.Result r = ProfileCommandTest.cli("run", file.toString(), "--out", "" + out);
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("splitemu.faults[0]: hop-crash of hop 1 at round 2"), r.err());
    assertTrue(r.err().contains("fit in no placement over the 2 hops left"), r.err());
    assertTrue(r.err().contains("hop-memory-bytes = " + peak), r.err());
    // Epoch 1's rows are kept, and the crash's fault row.
    List<Map<String, String>> rounds = table(out.resolve("rounds.csv"));
    assertEquals(1, rounds.size());
    assertEquals(1, epoch(out, 1).size() / 50);
    Map<String, String> fault = only(table(out.resolve("events.csv")), "fault");
    assertEquals("hop-1", fault.get("subject"));
    assertTrue(
        table(out.resolve("events.csv")).stream().noneMatch(e -> e.get("kind").equals("recovery")));
  }

  @Test
  void whatIsNotBuilt_isRefusedAtStartWithOneLineNamingIndexAndKey() {
    String ok = "{ kind = device-hang, device = 0, round = 2 }, ";
    assertRefused(
        conf("mpsl", 3, "faults = [" + ok + "{ kind = hop-crash, hop = 1, at = 30 s }]\n"),
        "splitemu.faults[1].at: hop-crash at an instant does not combine with device-hang"
            + " (faults[0]) on mpsl yet; give round = R");
    assertRefused(
        conf("mpsl", 3, "faults = [{ kind = hop-crash, hop = 1, round = 2, until-round = 3 }]\n"),
        "splitemu.faults[0].until-round: hop-crash has no end: a crashed hop does not come back");
    assertRefused(
        conf("mpsl", 3, "faults = [{ kind = hop-crash, hop = 1, round = 2, until = 90 s }]\n"),
        "splitemu.faults[0].until: hop-crash has no end: a crashed hop does not come back");
    assertRefused(
        conf("mpsl", 3, "faults = [{ kind = hop-crash, hop = 3, round = 2 }]\n"),
        "splitemu.faults[0].hop: hop 3 is not a hop of the plan (3 hops: 0..2, 0 next to the"
            + " devices)");
    assertRefused(
        conf("mpsl", 3, "faults = [{ kind = hop-crash, hop = 1, round = 1 }]\n"),
        "splitemu.faults[0].round: hop-crash at round 1 is the run's start");
    assertRefused(
        conf("mpsl", 3, "faults = [{ kind = hop-crash, hop = 1, at = 0 s }]\n"),
        "splitemu.faults[0].at: hop-crash at 0 s is the run's start");
    assertRefused(
        conf(
            "mpsl",
            3,
            "faults = [{ kind = hop-crash, hop = 1, round = 2 },"
                + " { kind = hop-crash, hop = 1, round = 3 }]\n"),
        "splitemu.faults[1].hop: hop 1 crashes already in faults[0]");
    assertRefused(
        conf(
            "mpsl",
            3,
            "faults = [{ kind = hop-crash, hop = 0, round = 2 },"
                + " { kind = hop-crash, hop = 1, round = 2 }]\n"),
        "splitemu.faults[1].round: faults[0] crashes a hop at round 2 already");
    assertRefused(
        conf("mpsl", 3, "checkpoint.every = 1\n" + CRASH),
        "splitemu.faults[0].kind: hop-crash does not take splitemu.checkpoint.every > 0 on mpsl");
    assertRefused(
        conf("mpsl-horizontal", 3, CRASH),
        "splitemu.faults[0].kind: hop-crash is not injected on mpsl-horizontal yet");
  }

  @Test
  void resumingAScenarioWithAHopCrash_isRefusedWithOneLine() throws IOException {
    Path file = tmp.resolve("crash.conf");
    Files.writeString(file, conf("mpsl", 3, CRASH), StandardCharsets.UTF_8);
    Path dir = Files.createDirectories(tmp.resolve("stopped"));
    ProfileCommandTest.Result r = ProfileCommandTest.cli("run", "" + file, "--resume", "" + dir);
    assertNotEquals(0, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err().contains("has a hop-crash (faults[0]); a run with a hop crash cannot be resumed"),
        r.err());
  }

  @Test
  void withHangs_andPaced_theCrashKeepsItsRows() throws IOException {
    // Hangs with a crash at an epoch's start: one from that start, one inside the move's upload
    // (its upload is withheld), one later; each given up at the deadline, twice the same rows.
    String hangs =
        "faults = [{ kind = hop-crash, hop = 1, round = 2 },"
            + " { kind = device-hang, devices = [0, 1], round = 2 },"
            + " { kind = device-hang, device = 2, at = 80 s },"
            + " { kind = device-hang, device = 3, at = 160 s }]\n";
    Settings s = settings(conf("mpsl", 3, hangs));
    Path a = tmp.resolve("hangs-a");
    Path b = tmp.resolve("hangs-b");
    Emulation.run(s, a, RunListener.NONE);
    Emulation.run(s, b, RunListener.NONE);
    assertEquals(rows(a, "rounds.csv", "wall_time_s"), rows(b, "rounds.csv", "wall_time_s"));
    assertEquals(rows(a, "devices.csv", ""), rows(b, "devices.csv", ""));
    assertEquals(rows(a, "events.csv", ""), rows(b, "events.csv", ""));
    List<Map<String, String>> rounds = table(a.resolve("rounds.csv"));
    assertEquals("4", rounds.get(1).get("failed"));
    assertEquals("46", rounds.get(1).get("participants"));
    assertEquals("46", rounds.get(2).get("participants"));
    assertEquals(
        4,
        table(a.resolve("events.csv")).stream()
            .filter(e -> e.get("kind").equals("deadline"))
            .count());

    // Paced: the rows of the virtual run, with a crash at an instant.
    String at = "faults = [{ kind = hop-crash, hop = 1, at = 120 s }]\n";
    Path virtual = tmp.resolve("virtual");
    Path paced = tmp.resolve("paced");
    Emulation.run(settings(conf("mpsl", 3, at)), virtual, RunListener.NONE);
    Emulation.run(
        settings(conf("mpsl", 3, at + "mode = paced\nspeedup = 400\n")), paced, RunListener.NONE);
    assertEquals(
        rows(virtual, "rounds.csv", "wall_time_s"), rows(paced, "rounds.csv", "wall_time_s"));
    assertEquals(rows(virtual, "devices.csv", ""), rows(paced, "devices.csv", ""));
    assertEquals(
        "2-25-35", table(paced.resolve("rounds.csv")).get(1).get("cut"), "crashed in epoch 2");
  }

  @Test
  void twoCrashes_eachHopOfTheFirstPlanOnce_leaveOneHop() throws IOException {
    Settings s =
        settings(
            conf(
                "mpsl",
                3,
                "faults = [{ kind = hop-crash, hop = 2, round = 3 },"
                    + " { kind = hop-crash, hop = 0, round = 2 }]\n"));
    Path out = tmp.resolve("two");
    Emulation.run(s, out, RunListener.NONE);
    List<Map<String, String>> rounds = table(out.resolve("rounds.csv"));
    PipelinePlan one = MpslPlanner.plan(settings(conf("mpsl", 1, "")));
    assertEquals(MpslPlanner.plan(settings(conf("mpsl", 2, ""))).cut(), rounds.get(1).get("cut"));
    assertEquals(one.cut(), rounds.get(2).get("cut"));
    List<String> details =
        table(out.resolve("events.csv")).stream()
            .filter(e -> e.get("kind").equals("recovery"))
            .map(e -> e.get("detail"))
            .toList();
    assertEquals(2, details.size(), details.toString());
    assertTrue(
        details.get(0).contains("of hop-1 re-placed; new chain hop-2, hop-3"), details.get(0));
    assertTrue(details.get(1).contains("of hop-3 re-placed; new chain hop-2;"), details.get(1));
  }

  @Test
  void aRoundCrashAndAnInstantCrashInOneEpoch_uploadEachMovedUnitOnce() throws IOException {
    Path round = tmp.resolve("round-only");
    Emulation.run(settings(conf("mpsl", 3, CRASH)), round, RunListener.NONE);
    List<Map<String, String>> r = table(round.resolve("rounds.csv"));
    double end1 = Double.parseDouble(r.get(0).get("emulated_time_s"));
    double end2 = Double.parseDouble(r.get(1).get("emulated_time_s"));
    long atNs = Math.round((end1 + end2) / 2 * 1e9); // inside epoch 2, after hop 1's crash
    Settings s =
        settings(
            conf(
                "mpsl",
                3,
                "faults = [{ kind = hop-crash, hop = 1, round = 2 },"
                    + " { kind = hop-crash, hop = 2, at = "
                    + atNs
                    + " ns }]\n"));
    Path both = tmp.resolve("both");
    Emulation.run(s, both, RunListener.NONE);
    // The redone epoch uploads hop 1's moved units and those of hop 2 in the plan after hop 1's
    // crash, each unit once (hop 2 then holds some of hop 1's units).
    MpslPlanner.Replaced first = MpslPlanner.afterCrash(s, Set.of(), 1);
    MpslPlanner.Replaced second = MpslPlanner.afterCrash(s, Set.of(1), 2);
    long extra = 0;
    for (int j = 0; j < second.unitBytes().size(); j++) {
      int unit = second.fromUnit() + j;
      if (unit < first.fromUnit() || unit > first.toUnit()) {
        extra += second.unitBytes().get(j);
      }
    }
    assertTrue(
        second.fromUnit() <= first.toUnit() && second.toUnit() >= first.fromUnit(),
        "the second crash moves some of the first's units again: " + first + " " + second);
    List<Map<String, String>> once = epoch(round, 2);
    List<Map<String, String>> twice = epoch(both, 2);
    assertEquals(once.size(), twice.size());
    for (int i = 0; i < once.size(); i++) {
      assertEquals(
          Long.parseLong(once.get(i).get("bytes_up")) + extra,
          Long.parseLong(twice.get(i).get("bytes_up")),
          "bytes up of device " + i);
    }
    // Each recovery row states what each device really uploads: the first crash's units, then,
    // at the second crash, the union (before, the second row gave only its own hop's units).
    Map<String, Long> stated = new java.util.TreeMap<>();
    for (Map<String, String> e : table(both.resolve("events.csv"))) {
      if (e.get("kind").equals("recovery") && e.get("detail").startsWith("hop-crash:")) {
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("\\((\\d+) bytes").matcher(e.get("detail"));
        assertTrue(m.find(), e.get("detail"));
        stated.put(e.get("subject"), Long.parseLong(m.group(1)));
      }
    }
    assertEquals(
        Map.of("hop-1", first.moveBytes(), "hop-2", first.moveBytes() + extra),
        stated,
        "bytes each recovery row states");
  }

  /** A CSV file's rows by column name. */
  private static List<Map<String, String>> table(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> header = CsvTable.parseLine(lines.get(0));
    List<Map<String, String>> out = new ArrayList<>();
    for (List<String> row : CsvTable.read(file)) {
      Map<String, String> m = new java.util.LinkedHashMap<>();
      for (int i = 0; i < row.size(); i++) {
        m.put(header.get(i), row.get(i));
      }
      out.add(m);
    }
    return out;
  }

  private static void assertRefused(String conf, String line) {
    SettingsException e =
        assertThrows(SettingsException.class, () -> Emulation.prepare(settings(conf)));
    assertTrue(e.getMessage().startsWith(line), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  private static Map<String, String> only(List<Map<String, String>> events, String kind) {
    List<Map<String, String>> got =
        events.stream().filter(e -> e.get("kind").equals(kind)).collect(Collectors.toList());
    assertEquals(1, got.size(), kind + " rows " + got);
    return got.get(0);
  }

  private static List<Map<String, String>> epoch(Path dir, int e) throws IOException {
    return table(dir.resolve("devices.csv")).stream()
        .filter(r -> r.get("round").equals(Integer.toString(e)))
        .toList();
  }

  private static List<String> epochRows(Path dir, String file, int e) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(file))) {
      if (line.startsWith(e + ",")) {
        out.add(line);
      }
    }
    return out;
  }

  /** The file's lines without column {@code drop} (none if empty). */
  private static List<String> rows(Path dir, String file, String drop) throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve(file));
    List<String> header = CsvTable.parseLine(lines.get(0));
    int skip = header.indexOf(drop);
    // The host's CPU time goes with its wall clock.
    int cpu = drop.equals("wall_time_s") ? header.indexOf("cpu_time_s") : -1;
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      List<String> f = new ArrayList<>(CsvTable.parseLine(line));
      if (cpu >= 0) {
        f.remove(cpu);
      }
      if (skip >= 0) {
        f.remove(skip);
      }
      out.add(String.join(",", f));
    }
    return out;
  }
}
