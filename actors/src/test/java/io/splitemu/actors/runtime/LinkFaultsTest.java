package io.splitemu.actors.runtime;

import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.num;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.run;
import static io.splitemu.actors.runtime.FaultsOnEverySchemeTest.scenario;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.FaultsOnEverySchemeTest.Tables;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.net.SeededStreams;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.PacketLink;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.PacketTrace;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Link faults (link-outage, link-degradation, message-loss, partition) in real timing runs on
 * static links, against the fault-free run and the latency model: FaultsOnEverySchemeTest's
 * scenario (3 devices, lenet5 cut 2, 2 local steps of 16 samples; device 0 is the slowest in
 * compute, uplink 8e6 bit/s and downlink 1e7 bit/s, so it is the critical device of every psl
 * step).
 */
class LinkFaultsTest {

  private static final double NS = 1e9;

  @TempDir Path tmp;

  private static Map<String, String> device(Tables t, int round, int device) {
    return t.devices().stream()
        .filter(
            d ->
                d.get("round").equals(Integer.toString(round))
                    && d.get("device").equals(Integer.toString(device)))
        .findFirst()
        .orElseThrow();
  }

  private static double latency(Tables t, int round) {
    return num(t.rounds().get(round - 1), "round_latency_s");
  }

  @Test
  void anOutageAcrossAnUpload_delaysItsArrivalByExactlyItsLength() throws Exception {
    // Device 0's first activations leave when the model broadcast reached it (it is the weakest
    // member, so the step starts then) and its forward pass ended: the latency model's terms.
    ChainProfile p = ModelZoo.profile("lenet5", DataType.FLOAT);
    double sent = p.deviceParamBytes(2) * 8 / 1e7 + 16 * p.deviceForwardFlops(2) / 2e8;
    double through = 16 * (p.cutBytes(2) + 4) * 8 / 8e6;
    long from = (long) ((sent + through / 2) * NS);
    long length = 2_500_000_000L;
    assertTrue(through > 1e-3, "the window starts inside the transfer");
    Tables clean = run(scenario("psl", ""), tmp.resolve("clean"));
    Tables t =
        run(
            scenario(
                "psl",
                "{ kind = link-outage, device = 0, direction = up, at = "
                    + from
                    + " ns, until = "
                    + (from + length)
                    + " ns }"),
            tmp.resolve("outage"));
    // Nothing flows for 2.5 s in the middle of the upload; its last bit, and everything that waits
    // for it, is 2.5 s later.
    assertEquals(2.5, latency(t, 1) - latency(clean, 1), 1e-9);
    assertEquals(
        2.5, num(device(t, 1, 0), "uplink_s") - num(device(clean, 1, 0), "uplink_s"), 1e-9);
    assertEquals(device(clean, 1, 0).get("bytes_up"), device(t, 1, 0).get("bytes_up"));
    for (int d = 1; d < 3; d++) {
      assertEquals(device(clean, 1, d).get("uplink_s"), device(t, 1, d).get("uplink_s"));
    }
    // Later rounds are the fault-free rounds, shifted.
    assertEquals(latency(clean, 2), latency(t, 2), 1e-9);
    assertEquals(List.of("0", "0", "0"), t.rounds().stream().map(r -> r.get("failed")).toList());
  }

  @Test
  void aDegradationFromARoundsStart_stretchesEachTransferOfTheRoundBy1OverFactor()
      throws Exception {
    Tables clean = run(scenario("psl", ""), tmp.resolve("clean"));
    Tables t =
        run(
            scenario(
                "psl",
                "{ kind = link-degradation, device = 0, direction = down, factor = 0.25,"
                    + " round = 2 }"),
            tmp.resolve("slow"));
    // Round 1 is before the window: untouched.
    assertEquals(clean.rounds().get(0), withWall(t.rounds().get(0), clean.rounds().get(0)));
    // From round 2's start, device 0's downlink carries a quarter of the bits per second: each
    // transfer (broadcast and gradients, all inside the window) lasts 4 times as long, to the
    // nanosecond each transfer is rounded up to.
    for (int r = 2; r <= 3; r++) {
      double before = num(device(clean, r, 0), "downlink_s");
      assertEquals(4 * before, num(device(t, r, 0), "downlink_s"), 4e-9, "round " + r);
      assertEquals(device(clean, r, 0).get("uplink_s"), device(t, r, 0).get("uplink_s"));
    }
    assertTrue(latency(t, 2) > latency(clean, 2));
  }

  private static Map<String, String> withWall(Map<String, String> row, Map<String, String> from) {
    Map<String, String> m = new java.util.LinkedHashMap<>(row);
    m.put("wall_time_s", from.get("wall_time_s"));
    m.put("cpu_time_s", from.get("cpu_time_s"));
    return m;
  }

  @Test
  void messageLoss_isSeeded_andChargesATimeoutAndTheResentBytesPerLoss() throws Exception {
    String loss =
        "{ kind = message-loss, device = 0, direction = up, probability = 0.5,"
            + " retransmit-timeout = 3 s, round = 1 }";
    Tables clean = run(scenario("psl", ""), tmp.resolve("clean"));
    Tables t = run(scenario("psl", loss), tmp.resolve("a"));
    Tables again = run(scenario("psl", loss), tmp.resolve("b"));
    assertEquals(
        FaultsOnEverySchemeTest.emulated(t.rounds()),
        FaultsOnEverySchemeTest.emulated(again.rounds()));
    assertEquals(t.devices(), again.devices());

    // The losses, drawn here from the fault's named stream in the order device 0 uploads: per
    // round its 2 steps' activations, then its model.
    ChainProfile p = ModelZoo.profile("lenet5", DataType.FLOAT);
    long acts = 16 * (p.cutBytes(2) + 4);
    long model = p.deviceParamBytes(2);
    SplittableRandom draws =
        SeededStreams.stream(
            1, "faults/message-loss/round-1-end/p=0.5/timeout=3000000000/up/device-0/up");
    int all = 0;
    for (int r = 1; r <= 3; r++) {
      int k = 0;
      long lostBytes = 0;
      for (long size : new long[] {acts, acts, model}) {
        while (draws.nextDouble() < 0.5) {
          k++;
          lostBytes += size;
        }
      }
      all += k;
      Map<String, String> c = device(clean, r, 0);
      Map<String, String> f = device(t, r, 0);
      // Each loss: a 3 s timeout (longer than any upload, so the resend finds the link idle) and
      // the attempt's bytes on the wire.
      assertEquals(3.0 * k, num(f, "uplink_s") - num(c, "uplink_s"), 1e-9, "round " + r);
      assertEquals(
          Long.parseLong(c.get("bytes_up")) + lostBytes,
          Long.parseLong(f.get("bytes_up")),
          "round " + r);
      assertEquals(c.get("bytes_down"), f.get("bytes_down"));
    }
    assertTrue(all > 0, "the seed loses something (else the test shows nothing)");
    assertEquals(
        List.of("3", "3", "3"), t.rounds().stream().map(r -> r.get("participants")).toList());
  }

  @Test
  void messageLoss_drawsFromTheScenarioSeed() throws Exception {
    String loss =
        "{ kind = message-loss, device = 0, probability = 0.5, retransmit-timeout = 3 s,"
            + " round = 1 }";
    Tables one = run(scenario("psl", loss), tmp.resolve("1"));
    Tables two = run(scenario("psl", loss, "seed = 2"), tmp.resolve("2"));
    assertFalse(
        one.devices().equals(two.devices()),
        "another seed draws other losses: " + one.devices() + " vs " + two.devices());
  }

  @Test
  void messageLoss_drawsTheSame_whateverOtherFaultsComeBeforeIt() throws Exception {
    // Losses on all three devices' uplinks, a slowdown that changes no transfer (device 1 from an
    // instant after the run), and a second loss entry identical to the first.
    String loss =
        "{ kind = message-loss, devices = [0, 1, 2], direction = up, probability = 0.3,"
            + " retransmit-timeout = 2 s, round = 1 }";
    String never = "{ kind = device-slowdown, device = 1, at = 100000 s, factor = 2 }";
    Tables alone = run(scenario("psl", loss), tmp.resolve("alone"));
    Tables after = run(scenario("psl", never + ", " + loss), tmp.resolve("after"));
    Tables before = run(scenario("psl", loss + ", " + never), tmp.resolve("before"));
    assertEquals(alone.devices(), after.devices(), "a fault placed before the loss");
    assertEquals(alone.devices(), before.devices(), "the same faults in another order");
    assertEquals(
        FaultsOnEverySchemeTest.emulated(alone.rounds()),
        FaultsOnEverySchemeTest.emulated(after.rounds()));
    // Two identical entries draw from two streams, not one twice.
    assertEquals(
        "faults/message-loss/round-1-end/p=0.3/timeout=2000000000/up/device-1/up",
        LinkFaultWindows.lossStream(settingsFaults(loss + ", " + loss), 0, 1, "up"));
    assertEquals(
        "faults/message-loss/round-1-end/p=0.3/timeout=2000000000/up#1/device-1/up",
        LinkFaultWindows.lossStream(settingsFaults(loss + ", " + loss), 1, 1, "up"));
  }

  private static List<Settings.Fault> settingsFaults(String faults) {
    return scenario("psl", faults).faults();
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1", "edgesplit", "dag-mincut"})
  void anOutageWithoutEnd_makesTheDeviceMissItsBarrier_andTheRunCompletes(String scheme)
      throws Exception {
    Tables t =
        run(
            scenario(scheme, "{ kind = link-outage, device = 1, round = 2 }"),
            tmp.resolve("endless"));
    assertSilentFromRound2(t, List.of(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void anOutageUntilALaterRoundsStart_cannotEndWithinTheRound_soTheDeviceMisses(String scheme)
      throws Exception {
    // Round 3 starts only once round 2 is done, which waits for the device: it misses round 2.
    Tables t =
        run(
            scenario(scheme, "{ kind = link-outage, device = 1, round = 2, until-round = 3 }"),
            tmp.resolve("until-round"));
    assertSilentFromRound2(t, List.of(1));
  }

  /**
   * Under drop-for-round a device cut off by an outage until round 4's start misses rounds 2 and 3
   * (its end is not known while they run) and takes part again from round 4, when its link is no
   * longer cut off.
   */
  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void anOutageUntilALaterRound_underDropForRound_theDeviceTakesPartAgainFromThatRound(
      String scheme) throws Exception {
    Tables clean =
        run(
            scenario(scheme, "", "survival.absent = drop-for-round\n  rounds = 5"),
            tmp.resolve("clean"));
    Tables t =
        run(
            scenario(
                scheme,
                "{ kind = link-outage, device = 2, round = 2, until-round = 4 }",
                "survival.absent = drop-for-round\n  rounds = 5"),
            tmp.resolve("back"));
    assertEquals(
        List.of("0", "1", "1", "0", "0"),
        t.rounds().stream().map(r -> r.get("failed")).toList(),
        t.events().toString());
    assertEquals(
        List.of("3", "2", "2", "3", "3"),
        t.rounds().stream().map(r -> r.get("participants")).toList());
    for (int r = 2; r <= 3; r++) {
      assertEquals("false", device(t, r, 2).get("completed"), "round " + r);
    }
    for (int r = 4; r <= 5; r++) {
      assertEquals("true", device(t, r, 2).get("completed"), "round " + r);
      // Back on its link as before the outage: the same transfers as the fault-free run's.
      // (to the nanoseconds a transfer is rounded to at its shifted instants)
      assertEquals(num(device(clean, r, 2), "uplink_s"), num(device(t, r, 2), "uplink_s"), 1e-8);
      assertEquals(device(clean, r, 2).get("bytes_up"), device(t, r, 2).get("bytes_up"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void aPartitionWithoutEnd_cutsItsDevicesOff(String scheme) throws Exception {
    Tables t =
        run(
            scenario(scheme, "{ kind = partition, devices = [0, 2], round = 2 }"),
            tmp.resolve("partition"));
    assertSilentFromRound2(t, List.of(0, 2));
  }

  /** Hung from round 2's start, each device misses a request of round 2 then, as device-hang. */
  private static void assertSilentFromRound2(Tables t, List<Integer> cut) {
    double start2 = num(t.rounds().get(0), "emulated_time_s");
    List<Map<String, String>> deadlines =
        t.events().stream().filter(e -> e.get("kind").equals("deadline")).toList();
    assertEquals(cut.size(), deadlines.size(), t.events().toString());
    for (Map<String, String> d : deadlines) {
      assertEquals("2", d.get("round"));
      // Silent from round 2's start, and asked then (the broadcast, or the split round's start):
      // given up barrier.deadline later.
      assertEquals(start2 + 30, num(d, "emulated_s"), 1e-9, d.toString());
    }
    int n = cut.size();
    assertEquals(
        List.of("0", Integer.toString(n), "0"),
        t.rounds().stream().map(r -> r.get("failed")).toList());
    assertEquals(
        List.of("3", Integer.toString(3 - n), Integer.toString(3 - n)),
        t.rounds().stream().map(r -> r.get("participants")).toList());
    for (int d : cut) {
      assertEquals("false", device(t, 2, d).get("completed"));
      assertEquals("0", device(t, 2, d).get("bytes_up"));
      assertFalse(
          t.devices().stream()
              .anyMatch(
                  r -> r.get("round").equals("3") && r.get("device").equals(Integer.toString(d))));
    }
    assertEquals(3, t.rounds().size(), "the run completes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void aPartitionWithAnEnd_pausesBothDirections_andEveryDeviceStays(String scheme)
      throws Exception {
    Tables clean = run(scenario(scheme, ""), tmp.resolve("clean"));
    Tables t =
        run(
            scenario(scheme, "{ kind = partition, devices = [0, 2], at = 0 s, until = 20 s }"),
            tmp.resolve("partition"));
    assertTrue(
        num(t.rounds().get(0), "emulated_time_s") >= 20,
        "nothing of devices 0 and 2 crosses before 20 s: " + t.rounds().get(0));
    assertTrue(latency(t, 1) > latency(clean, 1) + 19);
    assertEquals(List.of("0", "0", "0"), t.rounds().stream().map(r -> r.get("failed")).toList());
    assertEquals(
        List.of("3", "3", "3"), t.rounds().stream().map(r -> r.get("participants")).toList());
    if (scheme.equals("psl")) {
      // The broadcast to devices 0 (the critical device) and 2 waits out the window from the
      // round's start: the whole round is the fault-free round 20 s later.
      assertEquals(20, latency(t, 1) - latency(clean, 1), 1e-9);
      // The bytes are those of the fault-free round: a paused transfer is sent once. (edgesplit's
      // probe sees the partition at round 1's start and plans other cuts.)
      for (int d = 0; d < 3; d++) {
        assertEquals(device(clean, 1, d).get("bytes_up"), device(t, 1, d).get("bytes_up"));
        assertEquals(device(clean, 1, d).get("bytes_down"), device(t, 1, d).get("bytes_down"));
      }
    }
  }

  @Test
  void theCapacityReadFirstInARound_leavesTheFaultsOnTheTransfers() {
    // The metrics read a link's capacity at full share, without its faults; the transfers and
    // probes at full share take the faults. Whichever comes first in a round, neither takes the
    // other's model.
    Settings s =
        scenario("psl", "{ kind = link-degradation, device = 0, factor = 0.5, round = 1 }");
    EmulatedLink.Models models = (round, share) -> FluidLink.constant(8e6 * share, 0);
    EmulatedLink capacityFirst =
        new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, true));
    EmulatedLink trafficFirst =
        new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, true));
    long second = 1_000_000_000L;
    assertEquals(8e6, capacityFirst.capacityBps(0, second), 1e-6);
    long degraded = trafficFirst.arrival(0, 1_000_000, 1.0);
    assertEquals(2 * second, degraded, 1e3, "1 MB at half of 1 MB/s");
    assertEquals(degraded, capacityFirst.arrival(0, 1_000_000, 1.0));
    assertEquals(8e6, trafficFirst.capacityBps(0, second), 1e-6);
    assertEquals(capacityFirst.probe(4 * second, 1000), trafficFirst.probe(4 * second, 1000));
  }

  @Test
  void aCopyOfALink_toldItsKeptRoundStarts_timesAsItDoes_andTheCopyFollowsTheCarriersState() {
    // An MP-SL device's downlink on a cluster: the device's copy is told the epoch starts, the
    // hops' copy (the carrier) is told the kept ones later and carries the transfers, and the
    // device's copy takes the carrier's state from each download.
    Settings s =
        scenario(
            "psl",
            "{ kind = link-outage, device = 0, direction = down, round = 2, until-round = 4 },"
                + " { kind = message-loss, device = 0, direction = down, probability = 0.5,"
                + " retransmit-timeout = 1 s, round = 1 }");
    EmulatedLink.Models models = (round, share) -> FluidLink.constant(8e6 * share, 0);
    EmulatedLink own = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, false));
    EmulatedLink carrier = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, false));
    EmulatedLink oneJvm = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, false));
    long second = 1_000_000_000L;
    for (int i = 0; i < 4; i++) {
      long at = i * 2 * second;
      assertEquals(oneJvm.arrival(at, 1_000_000, 1.0), carrier.arrival(at, 1_000_000, 1.0));
    }
    own.follow(carrier.downForGoodNs(), carrier.lostBytes());
    assertTrue(own.lostBytes() > 0, "some of the four lost");
    assertEquals(oneJvm.lostBytes(), own.lostBytes());
    own.roundStarted(2, 10 * second);
    oneJvm.roundStarted(2, 10 * second);
    own.roundStarted(3, 20 * second); // named by no fault: not kept
    oneJvm.roundStarted(3, 20 * second);
    // Rounds 1 (the loss's) and 2 (the outage's start); round 4 (its end) has not started.
    assertArrayEquals(new long[] {1, 0, 2, 10 * second}, own.keptRoundStarts());
    long[] told = own.keptRoundStarts();
    for (int i = 0; i < told.length; i += 2) {
      carrier.roundStarted((int) told[i], told[i + 1]);
    }
    assertEquals(LinkTiming.NEVER, carrier.arrival(21 * second, 1_000_000, 1.0));
    assertEquals(LinkTiming.NEVER, oneJvm.arrival(21 * second, 1_000_000, 1.0));
    own.follow(carrier.downForGoodNs(), carrier.lostBytes());
    assertEquals(10 * second, own.downForGoodNs());
    // Round 4's start ends the outage on each copy as on the one link.
    own.roundStarted(4, 30 * second);
    oneJvm.roundStarted(4, 30 * second);
    assertEquals(LinkTiming.NEVER, own.downForGoodNs());
    told = own.keptRoundStarts();
    for (int i = 0; i < told.length; i += 2) {
      carrier.roundStarted((int) told[i], told[i + 1]);
    }
    assertEquals(
        oneJvm.arrival(31 * second, 1_000_000, 1.0), carrier.arrival(31 * second, 1_000_000, 1.0));
    own.follow(carrier.downForGoodNs(), carrier.lostBytes());
    assertEquals(oneJvm.downForGoodNs(), own.downForGoodNs());
    assertEquals(oneJvm.lostBytes(), own.lostBytes());
  }

  @Test
  void anOutageThatCutTheLinkOff_endsAtItsUntilRound_evenWithALaterEndlessOne() {
    Settings s =
        scenario(
            "psl",
            "{ kind = link-outage, device = 0, direction = up, round = 2, until-round = 3 },"
                + " { kind = link-outage, device = 0, direction = up, at = 1000 s }");
    EmulatedLink link =
        new EmulatedLink((round, share) -> FluidLink.constant(8e6 * share, 0))
            .withFaults(LinkFaultWindows.of(s, 0, true));
    long second = 1_000_000_000L;
    link.round(2);
    link.roundStarted(2, 10 * second);
    // Round 3's start is not known yet: the outage has no end in sight, so the link is cut off.
    assertEquals(LinkTiming.NEVER, link.arrival(10 * second, 1_000_000, 1.0));
    assertEquals(10 * second, link.downForGoodNs());
    link.round(3);
    link.roundStarted(3, 20 * second);
    // Now it ends at 20 s; the outage at 1000 s is another one, still to come.
    assertEquals(LinkTiming.NEVER, link.downForGoodNs());
    assertEquals(21 * second, link.arrival(20 * second, 1_000_000, 1.0));
  }

  @Test
  void aPacketLinksOpportunityAtAnOutagesStart_isInsideIt_withOrWithoutAnEnd() {
    long ms = 1_000_000L;
    EmulatedLink.Models models =
        (round, share) ->
            new PacketLink(
                new PacketTrace("ten-ms", new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
                EndPolicy.LOOP,
                0);
    Settings endless = scenario("psl", "{ kind = link-outage, device = 0, at = 5 ms }");
    Settings ended = scenario("psl", "{ kind = link-outage, device = 0, at = 5 ms, until = 6 ms }");
    EmulatedLink cut = new EmulatedLink(models).withFaults(LinkFaultWindows.of(endless, 0, true));
    EmulatedLink back = new EmulatedLink(models).withFaults(LinkFaultWindows.of(ended, 0, true));
    // A packet sent at 4.5 ms: the opportunity at 5 ms is the outage's start.
    assertEquals(6 * ms, back.arrival(4 * ms + ms / 2, 1500, 1.0));
    assertEquals(LinkTiming.NEVER, cut.arrival(4 * ms + ms / 2, 1500, 1.0));
    assertEquals(5 * ms, cut.downForGoodNs());
  }

  @Test
  void anEndlessOutage_isIdenticalRunToRun() throws Exception {
    Settings s =
        scenario("edgesplit", "{ kind = link-outage, device = 2, direction = down, round = 2 }");
    Tables a = run(s, tmp.resolve("a"));
    Tables b = run(s, tmp.resolve("b"));
    assertEquals(
        FaultsOnEverySchemeTest.emulated(a.rounds()), FaultsOnEverySchemeTest.emulated(b.rounds()));
    assertEquals(a.devices(), b.devices());
    assertEquals(a.events(), b.events());
    assertEquals("1", a.rounds().get(1).get("failed"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "edgesplit"})
  void pacedRunsWithLinkFaults_keepTheVirtualFigures(String scheme) throws Exception {
    String faults =
        "{ kind = link-outage, device = 1, round = 2 },"
            + " { kind = message-loss, device = 0, probability = 0.3, retransmit-timeout = 1 s,"
            + " round = 1 },"
            + " { kind = partition, devices = [2], at = 0 s, until = 2 s }";
    Tables virtual = run(scenario(scheme, faults), tmp.resolve("virtual"));
    // The endless outage's transfer is released at once, not at its never-instant.
    Tables paced =
        run(scenario(scheme, faults, "mode = paced, speedup = 40"), tmp.resolve("paced"));
    assertEquals(
        FaultsOnEverySchemeTest.emulated(virtual.rounds()),
        FaultsOnEverySchemeTest.emulated(paced.rounds()));
    assertEquals(virtual.devices(), paced.devices());
    assertEquals("1", paced.rounds().get(1).get("failed"));
  }

  @Test
  void mpsl_takesLinkFaultsWithEnds_butNotWithAHopCrashAtAnInstant() {
    // MP-SL's device links carry them (PipelineLinkFaultsTest runs them).
    Emulation.prepare(
        scenario("mpsl", "{ kind = link-outage, device = 0, round = 2, until-round = 3 }"));
    Emulation.prepare(
        scenario(
            "mpsl-horizontal", "{ kind = partition, devices = [0, 1], at = 1 s, until = 2 s }"));
    // An epoch redone from its start would take back a device cut off within it.
    Settings s =
        scenario(
            "mpsl",
            "{ kind = message-loss, device = 0, probability = 0.1,"
                + " retransmit-timeout = 1 s, round = 1 },"
                + " { kind = hop-crash, hop = 0, at = 5 s }");
    SettingsException e = assertThrows(SettingsException.class, () -> Emulation.prepare(s));
    assertTrue(
        e.getMessage()
            .startsWith(
                "splitemu.faults[1].at: hop-crash at an instant does not combine with"
                    + " message-loss (faults[0])"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void linkFaults_takeAnEnd() {
    Emulation.prepare(scenario("psl", "{ kind = link-outage, device = 0, at = 1 s, until = 2 s }"));
    Emulation.prepare(
        scenario(
            "edgesplit",
            "{ kind = link-degradation, device = 0, factor = 0.5, round = 1,"
                + " until-round = 2 }"));
  }

  /**
   * A link keeps the starts of the rounds its faults name, not every round's: its state (and each
   * checkpoint, which holds it) is as large after 1,000 rounds as after the last named round, and a
   * link restored from it times transfers as the link it was saved from.
   */
  @Test
  void aLinksState_keepsOnlyTheRoundStartsItsFaultsName_howeverLongTheRun() {
    Settings s =
        scenario(
            "psl",
            "{ kind = link-degradation, device = 0, factor = 0.5, round = 3, until-round = 5 },"
                + " { kind = link-outage, device = 0, at = 1 s, until = 2 s },"
                + " { kind = message-loss, device = 0, probability = 0.5, retransmit-timeout"
                + " = 1 s, round = 2, until-round = 3 }",
            "rounds = 1000");
    EmulatedLink.Models models = (round, share) -> FluidLink.constant(8e6 * share, 0);
    EmulatedLink link = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, true));
    long second = 1_000_000_000L;
    long[] atRound4 = null;
    long[] atRound5 = null;
    for (int r = 1; r <= 1000; r++) {
      link.round(r);
      link.roundStarted(r, 10 * r * second);
      if (r == 4) {
        atRound4 = link.saveState();
      }
      if (r == 5) {
        atRound5 = link.saveState();
      }
    }
    // {round, free at, next opportunity}, {cut off, down for good, lost bytes, starts kept},
    // rounds 2, 3 and 5 with their starts, one loss stream's draws.
    assertEquals(3 + 4 + 2 * 3 + 1, atRound5.length);
    assertEquals(atRound5.length, link.saveState().length);
    assertEquals(atRound5.length - 2, atRound4.length, "round 5's start is not known in round 4");
    // Restored in round 4 (inside the degradation, its end not yet known), a fresh link times
    // transfers as the link saved then, and both end the degradation at round 5's start.
    EmulatedLink saved = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, true));
    for (int r = 1; r <= 4; r++) {
      saved.round(r);
      saved.roundStarted(r, 10 * r * second);
    }
    assertEquals(Arrays.toString(atRound4), Arrays.toString(saved.saveState()));
    EmulatedLink restored = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, true));
    restored.restoreState(atRound4);
    assertEquals(Arrays.toString(atRound4), Arrays.toString(restored.saveState()));
    // A checkpoint of an earlier build held every round's start: restored, the same state.
    EmulatedLink fromOld = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, true));
    fromOld.restoreState(
        new long[] {
          4,
          0,
          0,
          0,
          LinkTiming.NEVER,
          0,
          4,
          1,
          10 * second,
          2,
          20 * second,
          3,
          30 * second,
          4,
          40 * second,
          0
        });
    assertEquals(Arrays.toString(atRound4), Arrays.toString(fromOld.saveState()));
    for (EmulatedLink l : List.of(saved, restored)) {
      assertEquals(42 * second, l.arrival(40 * second, 1_000_000, 1.0), "1 MB at half rate");
      l.round(5);
      l.roundStarted(5, 50 * second);
      assertEquals(51 * second, l.arrival(50 * second, 1_000_000, 1.0), "at full rate again");
    }
  }

  /**
   * A probe sees the fault windows that have started by its send instant, each whole (a measurement
   * then can observe them), and none still to come.
   */
  @Test
  void aProbe_seesTheWindowsStartedByItsSendInstant_andNoneToCome() {
    Settings s =
        scenario(
            "psl",
            "{ kind = link-outage, device = 0, at = 5 s, until = 6 s },"
                + " { kind = link-degradation, device = 0, factor = 0.5, round = 1,"
                + " until = 3 s }");
    EmulatedLink.Models models = (round, share) -> FluidLink.constant(8e6 * share, 0);
    EmulatedLink clean = new EmulatedLink(models);
    EmulatedLink link = new EmulatedLink(models).withFaults(LinkFaultWindows.of(s, 0, true));
    long second = 1_000_000_000L;
    // At 0 the degradation has started (to 3 s: 1.5 MB at half rate, the rest at full), the
    // outage has not: 8 MB end at 9.5 s, not 10.5 s.
    assertEquals(9_500_000_000L, link.probe(0, 8_000_000));
    // At 4 s nothing has started that is not over: as the clean link.
    assertEquals(clean.probe(4 * second, 8_000_000), link.probe(4 * second, 8_000_000));
    // At 5 s the outage has started: the probe waits it out.
    assertEquals(14 * second, link.probe(5 * second, 8_000_000));
    // The transfers take every window placed, started or not.
    assertEquals(8_500_000_000L, link.arrival(4 * second, 3_500_000, 1.0));
  }

  /**
   * A link fault that starts after round 1 ends, inside the window the round's idle-link probes
   * span, leaves round 1 as the fault-free run's: its plan (replan rows and their link estimates),
   * its row and its devices' rows. The probe used to see the outage ahead and plan round 1 for it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"edgesplit", "sfl-compute"})
  void aFaultAfterRound1_leavesRound1AsTheFaultFreeRun(String scheme) throws Exception {
    Tables clean = run(scenario(scheme, ""), tmp.resolve("clean"));
    double end1 = num(clean.rounds().get(0), "emulated_time_s");
    long from = (long) (end1 * NS) + 1_000_000L;
    assertTrue(from < 5 * NS, "the outage falls inside round 1's probes' window: " + end1);
    Tables t =
        run(
            scenario(
                scheme,
                "{ kind = link-outage, devices = [0, 1, 2], direction = both, at = "
                    + from
                    + " ns, until = "
                    + (from + 200_000_000L)
                    + " ns }"),
            tmp.resolve("later"));
    assertEquals(
        FaultsOnEverySchemeTest.emulated(clean.rounds()).get(0),
        FaultsOnEverySchemeTest.emulated(t.rounds()).get(0));
    assertEquals(inRound(clean.devices(), 1), inRound(t.devices(), 1));
    assertEquals(inRound(clean.events(), 1), inRound(t.events(), 1));
    assertFalse(inRound(t.events(), 1).isEmpty(), "round 1 has its replan rows");
    // The outage does hit round 2.
    assertTrue(latency(t, 2) > latency(clean, 2), t.rounds().get(1).toString());
  }

  private static List<Map<String, String>> inRound(List<Map<String, String>> rows, int round) {
    return rows.stream().filter(r -> r.get("round").equals(Integer.toString(round))).toList();
  }
}
