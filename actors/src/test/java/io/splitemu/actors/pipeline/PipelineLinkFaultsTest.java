package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.PipelineControl;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.net.SeededStreams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Link faults (link-outage, link-degradation, message-loss, partition) on MP-SL's device links, in
 * real pipeline runs (the actors, every message serialised as across JVMs): on hand plans whose
 * every figure follows from the plan's costs and constant rates (PipelineHandTest's costs: each
 * device step 1 s, each transfer 1 MB at 8 Mbit/s, hops F = 1 s and B = 2 s), and through {@code
 * Emulation} on a lenet5 scenario for the rows of {@code events.csv}.
 */
class PipelineLinkFaultsTest {

  private static final long S = 1_000_000_000L;

  @TempDir Path tmp;

  /** A hand plan of {@code devices} devices, 2 batches each, 2 hops, every link at {@code bps}. */
  private static PipelinePlan plan(int devices, int epochs, double bps) {
    long mb = 1_000_000;
    PipelinePlan.DeviceCosts dev = new PipelinePlan.DeviceCosts(1, 1, 1, mb, mb, mb, 0);
    List<PipelinePlan.Stage> hops =
        List.of(
            new PipelinePlan.Stage("hop-1", 1, 2, 100, Double.NaN),
            new PipelinePlan.Stage("hop-2", 1, 2, 50, Double.NaN));
    int[] batches = new int[devices];
    double[] rates = new double[devices];
    int[] ids = new int[devices];
    for (int d = 0; d < devices; d++) {
      batches[d] = 2;
      rates[d] = bps;
      ids[d] = d;
    }
    return new PipelinePlan(
        "mpsl",
        epochs,
        batches,
        dev,
        rates,
        rates.clone(),
        0,
        List.of(new PipelinePlan.Lane(hops, ids)),
        false,
        "1-2-3",
        Double.NaN,
        "hand");
  }

  /** A scenario that holds only {@code faults} (its devices, seed 1), for the plans' links. */
  private static Settings scenario(String faults) {
    return scenario(faults, "", 3);
  }

  /** An mpsl lenet5 scenario of {@code devices} devices and 3 epochs with {@code faults}. */
  private static Settings scenario(String faults, String extra, int devices) {
    return scenario("mpsl", faults, extra, devices);
  }

  /** As {@link #scenario(String, String, int)} on {@code scheme}. */
  private static Settings scenario(String scheme, String faults, String extra, int devices) {
    String conf =
        "splitemu {\n  scenario = mpsl-link-faults\n  scheme = "
            + scheme
            + "\n  fidelity = timing\n"
            + "  rounds = 3\n  local-steps = 2\n  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = "
            + devices
            + ", memory-bytes = 4e9 }\n"
            + "  links { kind = static, static { uplink-bps = 8e6, downlink-bps = 1e7 } }\n"
            + "  barrier.deadline = 30 s\n"
            + "  output.plots = false\n"
            + "  faults = ["
            + faults
            + "]\n  "
            + extra
            + "\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("link-test.conf"));
  }

  /** Runs {@code plan} on its links under {@code s}'s link faults; devices given up after 30 s. */
  private static PipelineControl.Result run(PipelinePlan plan, Settings s) {
    return PipelineEmulation.simulate(plan, options(plan, s));
  }

  /** The options of {@link #run}. */
  private static PipelineEmulation.Options options(PipelinePlan plan, Settings s) {
    return PipelineEmulation.Options.of(plan)
        .withLinks(
            Emulation.withLinkFaults(s, PipelineEmulation.links(plan, plan.uplinkBps()), true),
            Emulation.withLinkFaults(s, PipelineEmulation.links(plan, plan.downlinkBps()), false))
        .withHangs(List.of(), 30 * S);
  }

  private static long transferNs(PipelinePlan plan, long bytes, double bps) {
    return Math.round(bytes * 8 / bps * 1e9);
  }

  /**
   * One device alone: nothing overlaps, so its epoch is the sum of its batches' chain (head
   * forward, up, the hops' forwards, down, tail, up, the hops' backwards, down, head backward) and
   * of the model's upload and download, each transfer at {@code bps}.
   */
  private static long oneDeviceEpochNs(PipelinePlan plan, double bps) {
    PipelinePlan.DeviceCosts c = plan.device();
    double hops = 0;
    for (PipelinePlan.Stage h : plan.lanes().get(0).hops()) {
      hops += h.forwardS() + h.backwardS();
    }
    long batch =
        Math.round((c.headForwardS() + c.tailS() + c.headBackwardS() + hops) * 1e9)
            + 2 * transferNs(plan, c.cutBytes(), bps)
            + 2 * transferNs(plan, c.tailCutBytes(), bps);
    return plan.batchesPerDevice()[0] * batch + 2 * transferNs(plan, c.modelBytes(), bps);
  }

  @Test
  void degradationOverTheWholeRun_stretchesEveryTransferBy1OverFactor_asThePlanAtThatRate() {
    double f = 0.5;
    String degrade =
        "{ kind = link-degradation, devices = [0, 1], direction = both, factor = 0.5, at = 0 s }";
    // One device: the epoch is the closed form of its chain at the degraded rate.
    PipelinePlan one = plan(1, 2, 8e6);
    PipelineControl.Result clean1 = PipelineEmulation.simulate(one);
    PipelineControl.Result slow1 = run(one, scenario(degrade));
    assertEquals(oneDeviceEpochNs(one, 8e6), clean1.epochs().get(0).endNs());
    assertEquals(oneDeviceEpochNs(one, 8e6 * f), slow1.epochs().get(0).endNs());
    assertEquals(2 * oneDeviceEpochNs(one, 8e6 * f), slow1.epochs().get(1).endNs());
    // Two devices overlapping in the pipeline: every upload and download time is 1/f times the
    // fault-free one, and the run is the plan's run at f times its rates, to the nanosecond.
    PipelinePlan two = plan(2, 2, 8e6);
    PipelineControl.Result clean = PipelineEmulation.simulate(two);
    PipelineControl.Result slow = run(two, scenario(degrade));
    PipelineControl.Result atRate = PipelineEmulation.simulate(plan(2, 2, 8e6 * f));
    for (int e = 0; e < 2; e++) {
      for (int d = 0; d < 2; d++) {
        PipelineControl.DeviceEpoch c = clean.epochs().get(e).devices().get(d);
        PipelineControl.DeviceEpoch s = slow.epochs().get(e).devices().get(d);
        assertEquals(2 * c.uplinkNs(), s.uplinkNs(), "epoch " + (e + 1) + " device " + d);
        assertEquals(2 * c.downlinkNs(), s.downlinkNs(), "epoch " + (e + 1) + " device " + d);
        assertEquals(c.bytesUp(), s.bytesUp());
      }
    }
    assertEquals(atRate.epochs(), slow.epochs());
    assertTrue(slow.epochs().get(1).endNs() > clean.epochs().get(1).endNs());
  }

  @Test
  void anOutageOnTheUplink_delaysTheDeviceByThePartOfItsWindowItsTransferOverlaps() {
    PipelinePlan one = plan(1, 2, 8e6);
    PipelinePlan.DeviceCosts c = one.device();
    long send = Math.round(c.headForwardS() * 1e9); // the first activations leave after head F
    long through = transferNs(one, c.cutBytes(), 8e6);
    long clean = oneDeviceEpochNs(one, 8e6);
    // Inside the transfer: it stops for the whole window.
    long from = send + through / 2;
    long w = 700_000_000L;
    PipelineControl.Result inside =
        run(
            one,
            scenario(
                "{ kind = link-outage, device = 0, direction = up, at = "
                    + from
                    + " ns, until = "
                    + (from + w)
                    + " ns }"));
    assertEquals(clean + w, inside.epochs().get(0).endNs());
    assertEquals(2 * clean + w, inside.epochs().get(1).endNs(), "epoch 2 is only shifted");
    PipelineControl.DeviceEpoch d = inside.epochs().get(0).devices().get(0);
    PipelineControl.DeviceEpoch base =
        PipelineEmulation.simulate(one).epochs().get(0).devices().get(0);
    assertEquals(base.uplinkNs() + w, d.uplinkNs());
    assertEquals(base.downlinkNs(), d.downlinkNs(), "the downlink is not down");
    // Starting before the send: only the part after the send delays it.
    PipelineControl.Result before =
        run(
            one,
            scenario(
                "{ kind = link-outage, device = 0, direction = up, at = "
                    + (send - w / 2)
                    + " ns, until = "
                    + (send + w / 2)
                    + " ns }"));
    assertEquals(clean + w / 2, before.epochs().get(0).endNs());
    // From the device's start of epoch 2 (where its aggregate arrived) until an instant: the
    // window is placed at that start and overlaps epoch 2's first upload by half of W.
    PipelineControl.Result round2 =
        run(
            one,
            scenario(
                "{ kind = link-outage, device = 0, direction = up, round = 2, until = "
                    + (clean + send + w / 2)
                    + " ns }"));
    assertEquals(clean, round2.epochs().get(0).endNs(), "epoch 1 is before the window");
    assertEquals(2 * clean + w / 2, round2.epochs().get(1).endNs());
  }

  @Test
  void messageLoss_isSeeded_andChargesEachLossItsTimeoutAndItsBytes() {
    PipelinePlan one = plan(1, 2, 8e6);
    String loss =
        "{ kind = message-loss, device = 0, direction = up, probability = 0.5,"
            + " retransmit-timeout = 3 s, round = 1 }";
    PipelineControl.Result clean = PipelineEmulation.simulate(one);
    PipelineControl.Result a = run(one, scenario(loss));
    PipelineControl.Result b = run(one, scenario(loss));
    assertEquals(a.epochs(), b.epochs(), "same seed, same run");
    // The draws, in the order the device uploads per epoch: per batch its activations and its
    // tail's gradient, then its model. Every upload takes 1 s on an idle link and T = 3 s, so each
    // loss costs 3 s more uplink time and the 1 MB sent again.
    SplittableRandom draws =
        SeededStreams.stream(
            1, "faults/message-loss/round-1-end/p=0.5/timeout=3000000000/up/device-0/up");
    long lostAll = 0;
    for (int e = 0; e < 2; e++) {
      long lost = 0;
      for (int upload = 0; upload < 2 * 2 + 1; upload++) {
        while (draws.nextDouble() < 0.5) {
          lost++;
        }
      }
      lostAll += lost;
      PipelineControl.DeviceEpoch c = clean.epochs().get(e).devices().get(0);
      PipelineControl.DeviceEpoch d = a.epochs().get(e).devices().get(0);
      assertEquals(c.uplinkNs() + lost * 3 * S, d.uplinkNs(), "epoch " + (e + 1));
      assertEquals(c.bytesUp() + lost * one.device().cutBytes(), d.bytesUp(), "epoch " + (e + 1));
      assertEquals(c.downlinkNs(), d.downlinkNs());
    }
    assertTrue(lostAll > 0, "the seed loses some attempt");
    assertEquals(
        clean.epochs().get(1).endNs() + lostAll * 3 * S, a.epochs().get(1).endNs(), "one device");
    PipelineControl.Result other = run(one, scenario(loss, "seed = 7", 3));
    assertNotEquals(a.epochs(), other.epochs(), "another seed draws other losses");
  }

  @Test
  void anAggregateThatNeverArrives_givesTheDeviceUpAtTheNextEpochsStart() {
    // Two devices: device 0's aggregate of epoch 1 leaves at 29 s for 1 s (PipelineHandTest's
    // trace); its downlink goes down for good at 29.5 s, so it never holds it. Epoch 1 ends when
    // device 1 holds it (30 s); device 0 is given up in epoch 2 at 30 s + the deadline.
    PipelinePlan two = plan(2, 3, 8e6);
    PipelineControl.Result r =
        run(two, scenario("{ kind = link-outage, device = 0, direction = down, at = 29.5 s }"));
    PipelineControl.EpochResult e1 = r.epochs().get(0);
    assertEquals(30 * S, e1.endNs());
    assertEquals(2, e1.devices().size(), "device 0 trained epoch 1; its model is in FedAvg");
    PipelineControl.EpochResult e2 = r.epochs().get(1);
    assertEquals(java.util.Map.of(0, 60 * S), e2.missedNs());
    assertEquals(List.of(1), e2.devices().stream().map(d -> d.device()).toList());
    assertEquals(60 * S, e2.aggregatedNs(), "the barrier waited for device 0's deadline");
    assertTrue(r.epochs().get(2).missedNs().isEmpty(), "out of later epochs");
    assertEquals(1, r.epochs().get(2).devices().size());
  }

  @Test
  void aHopsMessageThatNeverArrives_silencesTheDeviceFromTheOutagesStart() {
    // Device 0's first activations come back down at [4 s, 5 s] (PipelineHandTest's trace); its
    // downlink goes down for good at 4.5 s: it withdraws from the hops after its one forward job,
    // and the barrier gives it up 30 s after that instant.
    PipelinePlan two = plan(2, 2, 8e6);
    PipelineControl.Result r =
        run(two, scenario("{ kind = link-outage, device = 0, direction = down, at = 4.5 s }"));
    PipelineControl.EpochResult e1 = r.epochs().get(0);
    assertEquals(java.util.Map.of(0, 34_500_000_000L), e1.missedNs());
    assertEquals(34_500_000_000L, e1.aggregatedNs());
    assertEquals(List.of(1), e1.devices().stream().map(d -> d.device()).toList());
    assertEquals(1, r.epochs().get(1).devices().size());
    assertTrue(r.epochs().get(1).missedNs().isEmpty());
  }

  @Test
  void everyDeviceCutOff_endsTheRunWithOneLine_neverHangs() {
    PipelinePlan one = plan(1, 3, 8e6);
    PipelinePlan.DeviceCosts c = one.device();
    // Cut off in its first upload: given up in epoch 1.
    long send = Math.round(c.headForwardS() * 1e9);
    io.splitemu.actors.runtime.Supervisor.Finished up =
        PipelineEmulation.run(
            one,
            options(one, scenario("{ kind = partition, device = 0, at = " + (send + 1) + " ns }")));
    assertEquals("no device is left to train", up.error());
    // Cut off in its download of epoch 1's aggregate: given up at epoch 2's start.
    long end = oneDeviceEpochNs(one, 8e6);
    long download = transferNs(one, c.modelBytes(), 8e6);
    io.splitemu.actors.runtime.Supervisor.Finished down =
        PipelineEmulation.run(
            one,
            options(
                one,
                scenario(
                    "{ kind = link-outage, device = 0, direction = down, at = "
                        + (end - download / 2)
                        + " ns }")));
    assertEquals("no device is left to train", down.error());
    // Epoch 1 completed before the device was given up: its rows are kept.
    assertEquals(1, down.pipeline().epochs().size(), "epoch 1 recorded");
    assertEquals(1, down.pipeline().epochs().get(0).devices().size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mpsl", "mpsl-horizontal"})
  void partitionWithoutEnd_dropsTheDevices_theRunEnds_andItsRowsAreTheSameTwice(String scheme)
      throws Exception {
    String faults =
        "{ kind = partition, devices = [1, 2], round = 2 },"
            + " { kind = link-degradation, device = 0, direction = up, factor = 0.5, round = 2,"
            + " until-round = 3 }";
    Settings s = scenario(scheme, faults, "", 4);
    List<String> a = rows(s, "a");
    List<String> b = rows(s, "b");
    assertEquals(a, b, "same scenario, same emulated rows");
    Path dir = tmp.resolve("a");
    List<List<String>> rounds = CsvTable.read(dir.resolve("rounds.csv"));
    List<String> header = CsvTable.parseLine(Files.readAllLines(dir.resolve("rounds.csv")).get(0));
    int participants = header.indexOf("participants");
    int failed = header.indexOf("failed");
    assertEquals(List.of("4", "2", "2"), rounds.stream().map(r -> r.get(participants)).toList());
    assertEquals(List.of("0", "2", "0"), rounds.stream().map(r -> r.get(failed)).toList());
    List<List<String>> events = CsvTable.read(dir.resolve("events.csv"));
    double end1 = Double.parseDouble(rounds.get(0).get(header.indexOf("emulated_time_s")));
    for (String device : List.of("device-1", "device-2")) {
      List<List<String>> faultRows =
          events.stream().filter(e -> e.get(2).equals("fault") && e.get(3).equals(device)).toList();
      assertEquals(1, faultRows.size(), events.toString());
      assertEquals("2", faultRows.get(0).get(1));
      assertTrue(faultRows.get(0).get(4).startsWith("partition: "), faultRows.toString());
      double at = Double.parseDouble(faultRows.get(0).get(0));
      assertTrue(at > 0 && at <= end1 + 1e-9, "at the device's own start of epoch 2: " + at);
      List<List<String>> deadline =
          events.stream()
              .filter(e -> e.get(2).equals("deadline") && e.get(3).equals(device))
              .toList();
      assertEquals(1, deadline.size(), events.toString());
      assertEquals("2", deadline.get(0).get(1));
      // Cut off from its epoch's start (its first upload never arrives): a deadline later.
      assertEquals(end1 + 30, Double.parseDouble(deadline.get(0).get(0)), 1e-6);
    }
    List<List<String>> degradation =
        events.stream().filter(e -> e.get(3).equals("device-0")).toList();
    assertEquals(
        List.of(List.of("2", "fault"), List.of("3", "recovery")),
        degradation.stream().map(e -> List.of(e.get(1), e.get(2))).toList());
    assertTrue(degradation.get(0).get(4).startsWith("link-degradation: link rate x 0.5 (up)"));
    assertEquals(
        "link-degradation: fault over (scenario fault, round 2 until round 3)",
        degradation.get(1).get(4));
    assertFalse(events.stream().anyMatch(e -> e.get(4).startsWith("device-hang")), "no hang rows");
  }

  @Test
  void outageWithAnEnd_writesItsFaultAndRecoveryRowsAtItsInstants() throws Exception {
    Settings s =
        scenario(
            "{ kind = link-outage, device = 0, direction = both, at = 1.5 s, until = 4 s }", "", 2);
    Settings clean = scenario("", "", 2);
    Path dir = tmp.resolve("outage");
    Emulation.run(Emulation.prepare(s), dir, RunListener.NONE);
    Emulation.run(Emulation.prepare(clean), tmp.resolve("clean"), RunListener.NONE);
    List<List<String>> events = CsvTable.read(dir.resolve("events.csv"));
    List<List<String>> rows = events.stream().filter(e -> e.get(3).equals("device-0")).toList();
    assertEquals(2, rows.size(), events.toString());
    assertEquals(List.of("1.5", "1", "fault"), rows.get(0).subList(0, 3));
    assertEquals(
        "link-outage: link carries nothing (both) (scenario fault, at 1.5 s until 4 s)",
        rows.get(0).get(4));
    assertEquals(List.of("4.0", "1", "recovery"), rows.get(1).subList(0, 3));
    double faulted = Double.parseDouble(CsvTable.read(dir.resolve("rounds.csv")).get(0).get(2));
    double plain = Double.parseDouble(CsvTable.read(tmp.resolve("clean/rounds.csv")).get(0).get(2));
    assertTrue(faulted > plain, faulted + " vs " + plain);
  }

  @Test
  void paced_givesTheVirtualRunsRows_aTransferThatNeverArrivesIsReleasedAtOnce() throws Exception {
    String faults =
        "{ kind = partition, devices = [1], round = 2 },"
            + " { kind = link-outage, device = 0, direction = up, at = 1 s, until = 1.5 s }";
    List<String> virtual = rows(scenario(faults, "", 3), "virtual");
    // The run lasts about 100 emulated seconds (30 s of them the deadline): 0.5 s of wall time.
    List<String> paced = rows(scenario(faults, "mode = paced, speedup = 200", 3), "paced");
    paced.removeIf(l -> l.contains(",pacing,"));
    assertEquals(virtual, paced);
  }

  /** The emulated rows of a run: rounds.csv without the wall clock, devices.csv, events.csv. */
  private List<String> rows(Settings s, String name) throws Exception {
    Emulation.Outcome o = Emulation.run(Emulation.prepare(s), tmp.resolve(name), RunListener.NONE);
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(o.dir().resolve("rounds.csv"))) {
      // Without the host's columns, wall_time_s and cpu_time_s, the last two.
      String emulated = line.substring(0, line.lastIndexOf(','));
      out.add(emulated.substring(0, emulated.lastIndexOf(',')));
    }
    out.addAll(Files.readAllLines(o.dir().resolve("devices.csv")));
    out.addAll(Files.readAllLines(o.dir().resolve("events.csv")));
    return out;
  }
}
