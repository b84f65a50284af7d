package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.net.stream.PacingLag;
import io.splitemu.planner.cpsl.RoundPlan;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cpsl scheme on the runtime: emulated rounds last what {@link SchemeLatency#cpslRound}
 * predicts for the clusters and shares the supervisor planned, every decision is an event, the
 * resource management beats random clustering with equal spectrum, one cluster of every device
 * trains exactly as PSL (also across a re-cut before the first round), and scheduled re-cuts in the
 * middle of a run keep the trained weights and every device's batch order.
 */
class CpslSchemeTest {

  private static final int BATCH = 16;
  private static final int STEPS = 2;
  private static final double SERVER = 4e9;

  @TempDir Path tmp;

  private record Run(
      List<RoundRecord> rounds, List<DeviceRecord> devices, List<EventRecord> events) {}

  private static Settings settings(String scheme, String fidelity, String extra) {
    String conf =
        "splitemu {\n"
            + "  scenario = cpsl-test\n"
            + "  seed = 11\n"
            + "  scheme = "
            + scheme
            + "\n"
            + "  rounds = 3\n"
            + "  local-steps = "
            + STEPS
            + "\n"
            + "  batch-size = "
            + BATCH
            + "\n"
            + "  fidelity = "
            + fidelity
            + "\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  data { train-samples = 480, test-samples = 64, eval-samples = 64 }\n"
            + "  server.flops = "
            + SERVER
            + "\n"
            + "  output.plots = false\n"
            + extra
            + "}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("cpsl-test.conf"));
  }

  // Eight devices on static links with rates and compute spread over an order of magnitude.
  private static final String STATIC =
      "  devices { count = 8, flops = [1e8, 3e8, 2e8, 8e8, 1.5e8, 5e8, 4e8, 1e9] }\n"
          + "  links { kind = static, static.uplink-bps = [2e6, 9e6, 4e6, 1.5e7, 3e6, 6e6, 1e7,"
          + " 2e7], static.downlink-bps = [5e6, 2e7, 1e7, 3e7, 8e6, 1.2e7, 2.5e7, 4e7] }\n";

  private Run run(Settings s, String name) {
    Emulation.Prepared p = Emulation.prepare(s);
    ResultsWriter w = ResultsWriter.open(tmp.resolve(name), s.resolved());
    try {
      Supervisor.Finished f =
          Emulation.execute(p.factory().create(w, RunListener.NONE), 0, new PacingLag());
      assertEquals(null, f.error());
    } finally {
      w.close();
    }
    return new Run(w.rounds(), w.devices(), w.events());
  }

  private static List<EventRecord> kind(Run r, String kind) {
    return r.events().stream().filter(e -> e.kind().equals(kind)).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpsl", "cpsl-random"})
  void staticLinks_everyRoundLastsWhatCpslRoundPredictsForThePlannedClusters(String scheme) {
    Settings s = settings(scheme, "timing", STATIC + "  cpsl { clusters = 3, cut = fixed }\n");
    SupervisorSetup setup = Emulation.prepare(s).factory().create(null, RunListener.NONE);
    ChainProfile profile = ModelZoo.profile("lenet5");
    CpslControl control = new CpslControl(setup.cpsl(), BATCH, STEPS, SERVER);
    List<CpslControl.Device> devices = new ArrayList<>();
    for (DeviceSetup d : setup.devices()) {
      devices.add(new CpslControl.Device(d.id(), d.flopsPerSecond(), d.shard().length));
    }
    Run run = run(s, "run");
    assertEquals(3, run.rounds().size());
    for (RoundRecord r : run.rounds()) {
      RoundPlan plan = control.planRound(r.round(), 2, devices, setup.factors());
      List<DeviceState> observed = new ArrayList<>();
      for (CpslControl.Device d : devices) {
        observed.add(control.state(d, r.round() - 1, 1.0));
      }
      LatencyBreakdown p =
          SchemeLatency.cpslRound(
              CutCosts.of(profile),
              2,
              BATCH,
              STEPS,
              observed,
              plan.clusters(),
              new ServerState(SERVER));
      String what = scheme + " round " + r.round() + ": ";
      // Each of the few hundred durations on the critical path rounds up by less than 1 ns.
      assertEquals(p.total(), r.roundLatencyS(), 1e-6, what + "latency");
      assertEquals(p.serverCompute(), r.serverComputeS(), 1e-6, what + "server compute");
      // Min-max shares make every member of a phase finish together, so which one is critical
      // (and how its time splits into compute and communication) is a tie; the sum is not.
      assertEquals(
          p.deviceCompute() + p.communication(),
          r.deviceComputeS() + r.communicationS(),
          1e-6,
          what + "device compute + communication");
      if (scheme.equals("cpsl-random")) {
        assertEquals(p.deviceCompute(), r.deviceComputeS(), 1e-6, what + "device compute");
      }
      assertEquals(p.aggregation(), r.aggregationS(), 1e-6, what + "aggregation");
      assertEquals(3, r.clusters());
      assertEquals("2", r.cut());
      assertEquals(8, r.participants());
      // devices.csv reports the uplink share the plan gave each device.
      for (int c = 0; c < plan.clusters().size(); c++) {
        for (int i = 0; i < plan.deviceIds().get(c).size(); i++) {
          int id = Integer.parseInt(plan.deviceIds().get(c).get(i));
          double share = plan.clusters().get(c).uplinkShares()[i];
          assertTrue(
              run.devices().stream()
                  .anyMatch(d -> d.round() == r.round() && d.device() == id && d.share() == share),
              what + "share of device " + id);
        }
      }
    }
    assertEquals(3, kind(run, "clustering").size());
    assertEquals(1, kind(run, "cut-plan").size());
    assertTrue(kind(run, "cut-plan").get(0).detail().contains("fixed"));
    boolean unequal = run.devices().stream().map(DeviceRecord::share).distinct().count() > 3;
    assertEquals(scheme.equals("cpsl"), unequal, "min-max shares differ, equal shares do not");
  }

  @Test
  void resourceManagement_beatsRandomClusteringWithEqualSpectrum() {
    String extra =
        "  devices { count = 12, flops { distribution = uniform, min = 1e8, max = 1e9 } }\n"
            + "  links { kind = shannon, shannon.fading = none }\n"
            + "  rounds = 2\n"
            + "  cpsl { clusters = 3, cut = fixed, gibbs-iterations-per-device = 5 }\n";
    double managed = 0;
    for (RoundRecord r : run(settings("cpsl", "timing", extra), "managed").rounds()) {
      managed += r.roundLatencyS();
    }
    double random = 0;
    for (RoundRecord r : run(settings("cpsl-random", "timing", extra), "random").rounds()) {
      random += r.roundLatencyS();
    }
    assertTrue(managed < random, "managed " + managed + " s vs random " + random + " s");
  }

  @Test
  void saa_replansEveryRound_roundsReportTheCutInForce() {
    String extra =
        "  devices { count = 6, flops { distribution = uniform, min = 1e8, max = 1e9 },"
            + " round-factor { distribution = uniform, min = 0.5, max = 1.0 } }\n"
            + "  links { kind = shannon }\n"
            + "  cpsl { clusters = 2, cut = saa, cut-candidates = [1, 2, 4], replan-every = 1,"
            + " saa-samples = 4 }\n";
    Run run = run(settings("cpsl", "timing", extra), "saa");
    assertEquals(1, kind(run, "cut-plan").size());
    assertEquals(2, kind(run, "cut-replan").size());
    Pattern chosen = Pattern.compile("cut (\\d+) by SAA over 4 states");
    List<EventRecord> plans = new ArrayList<>(kind(run, "cut-plan"));
    plans.addAll(kind(run, "cut-replan"));
    int previous = 2;
    for (EventRecord e : plans) {
      Matcher m = chosen.matcher(e.detail());
      assertTrue(m.find(), e.detail());
      int cut = Integer.parseInt(m.group(1));
      assertTrue(List.of(1, 2, 4).contains(cut));
      assertEquals(
          Integer.toString(cut), run.rounds().get(e.round() - 1).cut(), "round " + e.round());
      long recuts = kind(run, "recut").stream().filter(r -> r.round() == e.round()).count();
      assertEquals(cut != previous ? 1 : 0, recuts, "re-cut events of round " + e.round());
      previous = cut;
    }
    assertEquals(3, kind(run, "clustering").size());
  }

  @Test
  void oneCluster_equalSpectrum_trainsAndTimesExactlyAsPsl_evenAfterARecutAtTheStart() {
    String links =
        "  devices { count = 4, flops = [2e8, 5e8, 3e8, 8e8] }\n"
            + "  links { kind = shannon }\n"
            + "  rounds = 2\n";
    // CPSL starts at cut 1 and SAA, with 2 the only candidate, moves it before round 1.
    Settings cpsl =
        settings(
            "cpsl",
            "full",
            links
                + "  model.cut = 1\n"
                + "  cpsl { clusters = 1, spectrum = equal, cut = saa, cut-candidates = [2] }\n");
    Settings psl = settings("psl", "full", links);
    Run a = run(cpsl, "cpsl");
    Run b = run(psl, "psl");
    assertEquals(1, kind(a, "recut").size());
    assertEquals(2, a.rounds().size());
    for (int i = 0; i < 2; i++) {
      RoundRecord x = a.rounds().get(i);
      RoundRecord y = b.rounds().get(i);
      assertEquals(y.trainLoss(), x.trainLoss(), 0.0, "loss of round " + (i + 1));
      assertEquals(y.testAccuracy(), x.testAccuracy(), 0.0, "accuracy of round " + (i + 1));
      assertEquals(y.roundLatencyS(), x.roundLatencyS(), 0.0, "latency of round " + (i + 1));
      assertFalse(Double.isNaN(x.testAccuracy()));
      assertEquals("2", x.cut());
    }
  }

  // LeNet-5 with a stateless optimizer (SGD, momentum 0), so that the optimizer restart of a
  // re-cut cannot change the training path.
  private static final String STATELESS =
      "  links { kind = shannon }\n  model { optimizer = sgd-momentum, momentum = 0 }\n";

  private static void assertSameTraining(Run expected, Run actual, String what) {
    assertEquals(expected.rounds().size(), actual.rounds().size(), what + ": rounds");
    for (int i = 0; i < expected.rounds().size(); i++) {
      RoundRecord y = expected.rounds().get(i);
      RoundRecord x = actual.rounds().get(i);
      assertFalse(Double.isNaN(x.trainLoss()), what + ": loss of round " + (i + 1));
      assertFalse(Double.isNaN(x.testAccuracy()), what + ": accuracy of round " + (i + 1));
      // Bit-exact: the same layers run the same DL4J ops on the same batches whichever side of
      // the cut they sit on.
      assertEquals(y.trainLoss(), x.trainLoss(), 0.0, what + ": loss of round " + (i + 1));
      assertEquals(
          y.testAccuracy(), x.testAccuracy(), 0.0, what + ": accuracy of round " + (i + 1));
    }
  }

  @Test
  void scheduledRecutMidRun_keepsTheTrainedWeightsAndTheBatchOrder() {
    // Cuts 1 (after conv1) and 2 (after pool1) differ by a parameter-free max-pool only, so
    // training at either is the same computation: a re-cut from 1 to 2 before round 2 must train
    // exactly as cut 2 all run. It would not if the re-cut lost the weights, loaded stale device
    // weights or restarted any device's batch order (round 2 would repeat round 1's batches).
    String base = "  devices { count = 4, flops = [2e8, 5e8, 3e8, 8e8] }\n" + STATELESS;
    Run scheduled =
        run(
            settings(
                "cpsl",
                "full",
                base
                    + "  model.cut = 1\n"
                    + "  cpsl { clusters = 1, spectrum = equal, cut = schedule,"
                    + " cut-schedule = [1, 2] }\n"),
            "scheduled");
    Run fixed =
        run(
            settings(
                "cpsl", "full", base + "  cpsl { clusters = 1, spectrum = equal, cut = fixed }\n"),
            "fixed");
    Run psl = run(settings("psl", "full", base), "psl");
    assertSameTraining(psl, scheduled, "schedule [1, 2] against psl at cut 2");
    assertSameTraining(fixed, scheduled, "schedule [1, 2] against cpsl at fixed cut 2");
    assertEquals(
        List.of("1", "2", "2"), scheduled.rounds().stream().map(RoundRecord::cut).toList());
    List<EventRecord> recuts = kind(scheduled, "recut");
    assertEquals(1, recuts.size(), recuts.toString());
    assertEquals(2, recuts.get(0).round());
    assertTrue(recuts.get(0).detail().startsWith("cut 1 -> 2"), recuts.get(0).detail());
    assertEquals(1, kind(scheduled, "cut-plan").size());
    assertTrue(kind(scheduled, "cut-plan").get(0).detail().contains("cut 1 scheduled"));
    List<EventRecord> replans = kind(scheduled, "cut-replan");
    assertEquals(1, replans.size(), replans.toString());
    assertEquals(2, replans.get(0).round());
    assertTrue(replans.get(0).detail().contains("cut 2 scheduled"), replans.get(0).detail());
  }

  @Test
  void scheduledRecutsThatMoveWeightedLayers_continueFromTheTrainedModel() {
    // One device: the device-side FedAvg is the identity and the server steps on that device's
    // batch alone, so where the cut sits does not change SGD on the whole model. Moving conv2
    // (and pool2) to the device before round 2 and back before round 3 must then train exactly
    // as psl at cut 2; a re-cut that lost or mixed up weights would not.
    String one = "  devices { count = 1, flops = 5e8 }\n" + STATELESS;
    Run scheduled =
        run(
            settings(
                "cpsl",
                "full",
                one + "  cpsl { clusters = 1, cut = schedule, cut-schedule = [2, 4, 2] }\n"),
            "one-scheduled");
    Run psl = run(settings("psl", "full", one), "one-psl");
    assertSameTraining(psl, scheduled, "one device, schedule [2, 4, 2] against psl at cut 2");
    assertEquals(
        List.of("2", "4", "2"), scheduled.rounds().stream().map(RoundRecord::cut).toList());
    assertEquals(List.of(2, 3), kind(scheduled, "recut").stream().map(EventRecord::round).toList());

    // Four devices with momentum (restarted at each re-cut) train on through both re-cuts, and
    // the schedule holds its last entry after the list ends.
    Run many =
        run(
            settings(
                "cpsl",
                "full",
                "  devices { count = 4, flops = [2e8, 5e8, 3e8, 8e8] }\n"
                    + "  links { kind = shannon }\n"
                    + "  rounds = 4\n"
                    + "  cpsl { clusters = 2, cut = schedule, cut-schedule = [2, 4, 2] }\n"),
            "many-scheduled");
    assertEquals(
        List.of("2", "4", "2", "2"), many.rounds().stream().map(RoundRecord::cut).toList());
    assertEquals(List.of(2, 3), kind(many, "recut").stream().map(EventRecord::round).toList());
    for (RoundRecord r : many.rounds()) {
      assertTrue(Double.isFinite(r.trainLoss()), "loss of round " + r.round());
      assertTrue(r.testAccuracy() >= 0 && r.testAccuracy() <= 1, "accuracy of round " + r.round());
      assertEquals(4, r.participants());
    }
  }

  @Test
  void scheduledRecut_inTheRoundADeviceHangs_dropsItAndTrainsOnWithTheRest() {
    // Device 1 hangs at the start of round 2, just before the re-cut to cut 4: it ignores the
    // re-cut, misses the first phase of round 2 (recorded at its deadline, 30 s after the round's
    // start), and round 3 runs at cut 4 without it.
    Run run =
        run(
            settings(
                "cpsl",
                "timing",
                "  devices { count = 4, flops = [2e8, 5e8, 3e8, 8e8] }\n"
                    + "  links { kind = shannon }\n"
                    + "  barrier.timeout = 5 s\n"
                    + "  faults = [{ kind = device-hang, device = 1, round = 2 }]\n"
                    + "  cpsl { clusters = 2, cut = schedule, cut-schedule = [2, 4] }\n"),
            "hang");
    assertEquals(List.of("2", "4", "4"), run.rounds().stream().map(RoundRecord::cut).toList());
    assertEquals(List.of(4, 3, 3), run.rounds().stream().map(RoundRecord::participants).toList());
    assertEquals(List.of(0, 1, 0), run.rounds().stream().map(RoundRecord::failed).toList());
    assertEquals(List.of(2), kind(run, "recut").stream().map(EventRecord::round).toList());
    List<EventRecord> deadlines = kind(run, "deadline");
    assertEquals(1, deadlines.size(), deadlines.toString());
    assertEquals("device-1", deadlines.get(0).subject());
    EventRecord fault = kind(run, "fault").get(0);
    assertEquals(fault.emulatedS() + 30, deadlines.get(0).emulatedS(), 1e-9);
    assertTrue(
        run.devices().stream().noneMatch(d -> d.round() == 3 && d.device() == 1),
        "the dropped device is in no cluster of round 3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[2, 7]", "[2, 0]", "[2.5]", "[]"})
  void badScheduleEntries_areRefusedWithTheKey(String schedule) {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                Emulation.prepare(
                    settings(
                        "cpsl",
                        "timing",
                        "  cpsl { cut = schedule, cut-schedule = " + schedule + " }\n")));
    String m = e.getMessage();
    assertTrue(m.contains("splitemu.cpsl.cut-schedule: "), m);
    assertFalse(m.contains("\n"), m);
    if (!schedule.equals("[]")) {
      assertTrue(m.contains("entry "), m);
      String bad = schedule.substring(schedule.lastIndexOf(' ') + 1, schedule.length() - 1);
      assertTrue(m.contains(bad.replace("[", "")), m);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gibbs-max-iterations = -1", "gibbs-exact-max-devices = -5"})
  void negativeGibbsLimits_areRefusedWithTheKey(String entry) {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> Emulation.prepare(settings("cpsl", "timing", "  cpsl { " + entry + " }\n")));
    String m = e.getMessage();
    String key = entry.substring(0, entry.indexOf(' '));
    assertTrue(m.contains("splitemu.cpsl." + key + ": "), m);
    assertFalse(m.contains("\n"), m);
  }

  @Test
  void traceLinks_areRefusedWithTheKey() throws java.io.IOException {
    Path trace = tmp.resolve("flat.txt");
    java.nio.file.Files.writeString(trace, "0 5\n1 5\n2 5\n");
    Settings s =
        settings(
            "cpsl",
            "timing",
            "  links { kind = trace, trace.uplink = [\""
                + trace.toString().replace("\\", "/")
                + "\"] }\n");
    SettingsException e = assertThrows(SettingsException.class, () -> Emulation.prepare(s));
    assertTrue(e.getMessage().startsWith("splitemu.links.kind: "), e.getMessage());
  }
}
