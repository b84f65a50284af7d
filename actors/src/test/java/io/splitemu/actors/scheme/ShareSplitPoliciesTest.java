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
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.BuiltinProfiles;
import io.splitemu.planner.edgesplit.DeviceMemoryModel;
import io.splitemu.planner.edgesplit.EdgeSplitPlan;
import io.splitemu.planner.edgesplit.EdgeSplitPlanner;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.sfl.RobustSflPlanner;
import io.splitemu.planner.sfl.SflPlanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EdgeSplit and SFL-compute as the edge server's depth per device: with static links each round
 * lasts what the planner predicts for its own decision (up to the integer-nanosecond clock), and
 * both beat their one-cut, equal-share baselines on heterogeneous devices.
 */
class ShareSplitPoliciesTest {

  // Rates chosen so that the 64 KiB probe takes a whole number of nanoseconds: probed = true rate.
  private static final double[] FLOPS = {2e8, 1e9, 5e9};
  private static final double[] UP = {8e6, 2e7, 4e7};
  private static final double[] DOWN = {1e7, 4e7, 4e7};
  private static final double SERVER = 2e10;
  private static final int STEPS = 4;
  private static final int BATCH = 16;

  @TempDir Path tmp;

  private static Settings settings(String scheme, String extra) {
    String conf =
        "splitemu {\n  scenario = share-test\n  scheme = "
            + scheme
            + "\n  fidelity = timing\n  rounds = 2\n  local-steps = "
            + STEPS
            + "\n  batch-size = "
            + BATCH
            + "\n  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 3, flops = ["
            + FLOPS[0]
            + ", "
            + FLOPS[1]
            + ", "
            + FLOPS[2]
            + "], memory-bytes = 4e9 }\n  server.flops = "
            + SERVER
            + "\n  links { kind = static, static { uplink-bps = ["
            + UP[0]
            + ", "
            + UP[1]
            + ", "
            + UP[2]
            + "], downlink-bps = ["
            + DOWN[0]
            + ", "
            + DOWN[1]
            + ", "
            + DOWN[2]
            + "] } }\n  output.plots = false\n"
            + extra
            + "}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("share-test.conf"));
  }

  /** The three devices with 4 GB each and a propagation delay of {@code propagationSeconds}. */
  private static List<DeviceState> states(double propagationSeconds) {
    return states(4_000_000_000L, propagationSeconds);
  }

  /** The three devices with {@code memory} bytes each, no propagation delay. */
  private static List<DeviceState> states(long memory) {
    return states(memory, 0);
  }

  private static List<DeviceState> states(long memory, double propagationSeconds) {
    List<DeviceState> out = new ArrayList<>();
    for (int d = 0; d < 3; d++) {
      out.add(
          new DeviceState(
              "device-" + d,
              FLOPS[d],
              (long) STEPS * BATCH,
              RateFunction.linear(UP[d]),
              RateFunction.linear(DOWN[d]),
              memory,
              propagationSeconds));
    }
    return out;
  }

  @Test
  void roundsLastWhatThePlannerPredicts_andThePlannedSchemesBeatTheirBaselines() {
    CutCosts costs = CutCosts.of(ModelZoo.profile("lenet5"));
    ServerState server = new ServerState(SERVER);
    EdgeSplitPlanner edge = new EdgeSplitPlanner(costs, BATCH);
    SflPlanner sfl = new SflPlanner(costs, BATCH);
    Map<String, Double> predicted = new HashMap<>();
    // EdgeSplit rounds: the planner's own round (the epoch makespan, then every model up and the
    // aggregate down with the band shared min-max over the model transfers).
    EdgeSplitPlan ep = edge.plan(states(0.0), server);
    predicted.put("edgesplit", ep.round().total());
    EdgeSplitPlan eu = edge.uniformBaseline(states(0.0), server);
    predicted.put("edgesplit-uniform", eu.round().total());
    predicted.put("sfl-compute", sfl.plan(states(0.0), server).makespan());
    predicted.put(
        "sfl-compute-uniform",
        ShareSplitPolicies.uniformSfl(costs, BATCH, states(0.0), SERVER).makespan());

    Map<String, Double> emulated = new HashMap<>();
    for (String scheme : ShareSplitPolicies.SCHEMES) {
      Emulation.Outcome out =
          Emulation.run(settings(scheme, ""), tmp.resolve(scheme), RunListener.NONE);
      for (RoundRecord r : out.rounds()) {
        // Each operation on the critical path is rounded up to a whole nanosecond; from round 2
        // on the plan uses the rates the devices achieved, which carry that rounding too.
        double tolerance = r.round() == 1 ? (STEPS * 5 + 4) * 1e-9 : 1e-7 * predicted.get(scheme);
        assertEquals(
            predicted.get(scheme), r.roundLatencyS(), tolerance, scheme + " round " + r.round());
        assertEquals(
            r.roundLatencyS(),
            r.deviceComputeS() + r.serverComputeS() + r.communicationS() + r.aggregationS(),
            1e-9);
      }
      emulated.put(scheme, out.rounds().get(0).roundLatencyS());
    }
    assertTrue(emulated.get("edgesplit") < emulated.get("edgesplit-uniform"), emulated.toString());
    assertTrue(
        emulated.get("sfl-compute") < emulated.get("sfl-compute-uniform"), emulated.toString());
  }

  /**
   * With a propagation delay on every transfer, EdgeSplitPlan.round() is the emulated round,
   * aggregation included: the planner prices the model transfers at the shares the runtime moves
   * them with, each ending its propagation delay after its last bit. (The planner's round used to
   * charge each device's model at its training share, max_n 8 W(p_n) / (beta_n R_n) each way.)
   * Round 2 is planned from the rates the devices achieved (serialisation time only), so it matches
   * to the clock's rounding; round 1 is planned from the idle-link probe, which counts the 20 ms
   * propagation into its 10-second window and so estimates each rate about 1e-4 low here (the
   * runtime's own first plan is off by as much).
   */
  @Test
  void edgeSplitPlanRound_isTheEmulatedRound_withPropagation() {
    CutCosts costs = CutCosts.of(ModelZoo.profile("lenet5"));
    ServerState server = new ServerState(SERVER);
    EdgeSplitPlanner edge = new EdgeSplitPlanner(costs, BATCH);
    String extra = "links.propagation-delay = 20 ms\n";
    for (String scheme : List.of("edgesplit", "edgesplit-uniform")) {
      EdgeSplitPlan p =
          scheme.equals("edgesplit")
              ? edge.plan(states(0.02), server)
              : edge.uniformBaseline(states(0.02), server);
      List<RoundRecord> rows =
          Emulation.run(settings(scheme, extra), tmp.resolve(scheme), RunListener.NONE).rounds();
      double predicted = p.round().total();
      RoundRecord two = rows.get(1);
      assertEquals(predicted, two.roundLatencyS(), 1e-7 * predicted, scheme + " round 2");
      assertEquals(
          p.round().aggregation(),
          two.aggregationS(),
          1e-7 * predicted,
          scheme + " aggregation of round 2");
      assertEquals(predicted, rows.get(0).roundLatencyS(), 2e-4 * predicted, scheme + " round 1");
    }
  }

  @Test
  void edgeSplitCutsFollowThePlan_andDeviceRowsCarryTheModelTransfers() throws Exception {
    Emulation.Outcome out =
        Emulation.run(settings("edgesplit", ""), tmp.resolve("e"), RunListener.NONE);
    CutCosts costs = CutCosts.of(ModelZoo.profile("lenet5"));
    EdgeSplitPlan p = new EdgeSplitPlanner(costs, BATCH).plan(states(0.0), new ServerState(SERVER));
    List<String> lines = Files.readAllLines(out.dir().resolve("devices.csv"));
    assertEquals(1 + 2 * 3, lines.size());
    for (int d = 0; d < 3; d++) {
      String[] f = lines.get(1 + d).split(",");
      assertEquals(Integer.toString(p.cuts()[d]), f[3], "cut of device " + d);
      long expectUp =
          (long) STEPS * BATCH * (costs.cutBytes(p.cuts()[d]) + 4)
              + costs.deviceParamBytes(p.cuts()[d]);
      assertEquals(expectUp, Long.parseLong(f[7]), "bytes up of device " + d);
    }
  }

  @Test
  void sflComputeAndItsBaselines_chooseOnlyCutsEveryDevicesMemoryHolds() {
    CutCosts costs = CutCosts.of(BuiltinProfiles.chain("vgg19-cifar"));
    // The test's devices: sfl-compute cuts some deep without a limit.
    int planned =
        Arrays.stream(
                new SflPlanner(costs, BATCH)
                    .plan(states(Long.MAX_VALUE), new ServerState(SERVER))
                    .cuts())
            .max()
            .getAsInt();
    assertAllHeld(costs, planned - 1, ShareSplitPoliciesTest::states);
    // Fast devices on slow links: the one-cut baseline too cuts deep without a limit.
    int uniform =
        ShareSplitPolicies.uniformSfl(costs, BATCH, fastOnSlowLinks(Long.MAX_VALUE), SERVER)
            .cuts()[0];
    assertAllHeld(costs, uniform - 1, ShareSplitPoliciesTest::fastOnSlowLinks);
  }

  private static List<DeviceState> fastOnSlowLinks(long memory) {
    List<DeviceState> out = new ArrayList<>();
    for (int d = 0; d < 3; d++) {
      out.add(
          new DeviceState(
              "device-" + d,
              1e11,
              (long) STEPS * BATCH,
              RateFunction.linear(1e6),
              RateFunction.linear(1e6),
              memory));
    }
    return out;
  }

  /**
   * With memory for cuts 1..limitCut on every device, sfl-compute, its robust variant and both
   * one-cut baselines choose no deeper cut.
   */
  private static void assertAllHeld(
      CutCosts costs, int limitCut, java.util.function.LongFunction<List<DeviceState>> devices) {
    assertTrue(limitCut >= 1, "the unlimited choice is deep enough to limit: " + (limitCut + 1));
    long limit = DeviceMemoryModel.WEIGHTS_PLUS_ACTIVATIONS.bytes(costs, limitCut, BATCH);
    assertTrue(
        DeviceMemoryModel.WEIGHTS_PLUS_ACTIVATIONS.bytes(costs, limitCut + 1, BATCH) > limit);
    List<DeviceState> held = devices.apply(limit);
    ServerState server = new ServerState(SERVER);
    SflPlanner sfl = new SflPlanner(costs, BATCH);
    Map<String, int[]> cuts = new HashMap<>();
    cuts.put("sfl-compute", sfl.plan(held, server).cuts());
    cuts.put("SflPlanner.uniformBaseline", sfl.uniformBaseline(held, server).cuts());
    cuts.put(
        "sfl-compute-uniform", ShareSplitPolicies.uniformSfl(costs, BATCH, held, SERVER).cuts());
    cuts.put(
        "sfl-compute-robust",
        new RobustSflPlanner(costs, BATCH, new double[] {0.1, 0.5}, 10)
            .plan(held, List.of(), server)
            .plan()
            .cuts());
    cuts.forEach(
        (scheme, c) -> {
          for (int d = 0; d < c.length; d++) {
            assertTrue(
                c[d] >= 1 && c[d] <= limitCut,
                scheme
                    + ": device "
                    + d
                    + " got cut "
                    + c[d]
                    + ", its memory holds 1.."
                    + limitCut);
          }
        });
  }

  @Test
  void badScenariosFailAtStart() {
    SettingsException full =
        assertThrows(
            SettingsException.class,
            () ->
                Emulation.prepare(
                    settings("edgesplit", "fidelity = full\nmodel.name = vgg19-cifar\n")));
    assertTrue(full.getMessage().startsWith("splitemu.fidelity"), full.getMessage());
    SettingsException model =
        assertThrows(
            SettingsException.class,
            () -> Emulation.prepare(settings("sfl-compute", "model.name = lenet9\n")));
    assertTrue(model.getMessage().startsWith("splitemu.model.name"), model.getMessage());
  }
}
