package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code device-slowdown} over the whole run on static links: every round lasts what {@link
 * SchemeLatency} predicts with the slowed device's rate divided by the factor, to 1e-9 relative,
 * breakdown included (psl, as {@code LatencyAgreementTest}; sfl-compute-uniform of the split
 * family, against the SFL round its policy plans with), while the fault-free run agrees with the
 * undivided rates.
 */
class SlowdownAgreementTest {

  private static final double[] FLOPS = {2.7e6, 1.9e6, 1.2e6, 0.55e6};
  private static final double[] UP = {3.9e5, 2.1e5, 1.5e5, 0.65e5};
  private static final double[] DOWN = {8.5e5, 4.2e5, 3.0e5, 1.6e5};
  private static final double SERVER = 2.9e8;
  private static final double PROPAGATION = 0.003;
  private static final int BATCH = 16;
  private static final int CUT = 2;
  private static final int ROUNDS = 2;
  private static final int SLOWED = 3;
  private static final double FACTOR = 2.5;

  @TempDir Path tmp;

  private static Settings settings(String scheme, int localSteps, String faults) {
    String conf =
        "splitemu {\n  scenario = slowdown\n  seed = 7\n  scheme = "
            + scheme
            + "\n  rounds = "
            + ROUNDS
            + "\n  local-steps = "
            + localSteps
            + "\n  batch-size = "
            + BATCH
            + "\n  fidelity = timing\n  model { name = lenet5, cut = "
            + CUT
            + " }\n  data { train-samples = 480, test-samples = 64 }\n"
            + "  devices { count = 4, flops = "
            + Arrays.toString(FLOPS)
            + " }\n  server.flops = "
            + SERVER
            + "\n  links { kind = static, propagation-delay = "
            + (PROPAGATION * 1000)
            + " ms, static.uplink-bps = "
            + Arrays.toString(UP)
            + ", static.downlink-bps = "
            + Arrays.toString(DOWN)
            + " }\n  output.plots = false\n  faults = ["
            + faults
            + "]\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("slowdown.conf"));
  }

  private static String slowdown() {
    return "{ kind = device-slowdown, device = "
        + SLOWED
        + ", round = 1, factor = "
        + FACTOR
        + " }";
  }

  /** The devices as the planner sees them, device SLOWED's rate divided by {@code factor}. */
  private static List<DeviceState> devices(long[] samples, double factor) {
    List<DeviceState> out = new ArrayList<>();
    for (int d = 0; d < FLOPS.length; d++) {
      out.add(
          new DeviceState(
                  "device-" + d,
                  d == SLOWED ? FLOPS[d] / factor : FLOPS[d],
                  samples[d],
                  RateFunction.linear(UP[d]),
                  RateFunction.linear(DOWN[d]))
              .withPropagation(PROPAGATION));
    }
    return out;
  }

  private static void assertRounds(LatencyBreakdown p, List<RoundRecord> rounds, String what) {
    double t = p.total();
    assertEquals(ROUNDS, rounds.size());
    for (RoundRecord r : rounds) {
      String at = what + " round " + r.round() + ": ";
      assertEquals(t, r.roundLatencyS(), 1e-9 * t, at + "latency");
      assertEquals(p.deviceCompute(), r.deviceComputeS(), 1e-9 * t, at + "device compute");
      assertEquals(p.serverCompute(), r.serverComputeS(), 1e-9 * t, at + "server compute");
      assertEquals(p.communication(), r.communicationS(), 1e-9 * t, at + "communication");
      assertEquals(p.aggregation(), r.aggregationS(), 1e-9 * t, at + "aggregation");
    }
  }

  @Test
  void psl_slowedDevice_roundsEqualTheFormulaWithItsRateDividedByTheFactor() {
    Settings clean = settings("psl", 4, "");
    SupervisorSetup setup = Emulation.prepare(clean).factory().create(null, RunListener.NONE);
    long[] samples = new long[FLOPS.length];
    for (int d = 0; d < FLOPS.length; d++) {
      samples[d] = setup.devices().get(d).shard().length;
    }
    CutCosts c = CutCosts.of(ModelZoo.profile("lenet5"));
    ServerState server = new ServerState(SERVER);
    LatencyBreakdown free = SchemeLatency.pslRound(c, CUT, BATCH, 4, devices(samples, 1), server);
    LatencyBreakdown slowed =
        SchemeLatency.pslRound(c, CUT, BATCH, 4, devices(samples, FACTOR), server);
    assertTrue(
        slowed.deviceCompute() > free.deviceCompute() * 1.2, "the slowed device is critical");
    assertRounds(free, Emulation.run(clean, tmp.resolve("a"), RunListener.NONE).rounds(), "free");
    Settings s = settings("psl", 4, slowdown());
    assertRounds(slowed, Emulation.run(s, tmp.resolve("b"), RunListener.NONE).rounds(), "slowed");
  }

  @Test
  void sflComputeUniform_slowedDevice_roundsEqualTheSflFormulaWithItsRateDivided() {
    int steps = 3;
    Settings clean = settings("sfl-compute-uniform", steps, "");
    List<RoundRecord> free = Emulation.run(clean, tmp.resolve("a"), RunListener.NONE).rounds();
    Settings s = settings("sfl-compute-uniform", steps, slowdown());
    List<RoundRecord> slow = Emulation.run(s, tmp.resolve("b"), RunListener.NONE).rounds();
    // The policy plans from the nominal rates: the same cut for every device in both runs.
    int cut = Integer.parseInt(free.get(0).cut().split(";")[0]);
    assertEquals(free.get(0).cut(), slow.get(0).cut());
    int[] cuts = new int[FLOPS.length];
    Arrays.fill(cuts, cut);
    double[] rates = new double[FLOPS.length];
    Arrays.fill(rates, SERVER / FLOPS.length);
    long[] samples = new long[FLOPS.length];
    Arrays.fill(samples, (long) steps * BATCH);
    CutCosts c = CutCosts.of(ModelZoo.profile("lenet5"));
    double tFree = SchemeLatency.sflRound(c, cuts, BATCH, devices(samples, 1), rates).total();
    double tSlow = SchemeLatency.sflRound(c, cuts, BATCH, devices(samples, FACTOR), rates).total();
    assertTrue(tSlow > tFree * 1.05, "the slowed device is critical: " + tFree + " " + tSlow);
    for (int r = 0; r < ROUNDS; r++) {
      assertEquals(tFree, free.get(r).roundLatencyS(), 1e-9 * tFree, "free round " + (r + 1));
      assertEquals(tSlow, slow.get(r).roundLatencyS(), 1e-9 * tSlow, "slowed round " + (r + 1));
    }
  }
}
