package io.splitemu.planner.cpsl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import io.splitemu.planner.latency.ClusterAssignment;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.TestChains;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CpslPlannerTest {

  @Test
  void planRound_withAPropagationDelay_predictsWhatSchemeLatencyPrices() {
    CutCosts c = CutCosts.of(TestChains.cnn(3, 12));
    List<DeviceState> devices = new ArrayList<>();
    for (DeviceState d : TestChains.shannonDevices(3, 23)) {
      devices.add(
          new DeviceState(
              d.id(),
              d.flopsPerSecond(),
              d.samples(),
              d.uplink(),
              d.downlink(),
              Long.MAX_VALUE,
              0.02));
    }
    ServerState server = new ServerState(3e11);
    CpslPlanner p = new CpslPlanner(c, 16, 4, 5, new GibbsClustering());
    RoundPlan plan = p.planRound(4, devices, server, 11);
    double direct = SchemeLatency.cpslRound(c, 4, 16, 4, devices, plan.clusters(), server).total();
    assertEquals(direct, plan.predicted().total(), 1e-12 * direct);
    // Each of the 5 visits pays (2 E + 2) delays of 20 ms with E = 4 (every transfer's, in each
    // phase and the model's broadcast and upload): 1 s over the same plan without them.
    List<DeviceState> none = TestChains.shannonDevices(3, 23);
    double without = SchemeLatency.cpslRound(c, 4, 16, 4, none, plan.clusters(), server).total();
    assertEquals(without + 5 * (2 * 4 + 2) * 0.02, direct, 1e-9 * direct);
    // SAA's T*(l, state), which the drift trigger compares with the emulated rounds, prices them.
    assertEquals(direct, p.optimum(4, devices, server, 11), 1e-9 * direct);
  }

  @Test
  void localStepsZero_eachVisitRunsItsLargestMembersEpoch_inThePlanAndSaa() {
    // Shards of 200..999 samples at batch 16: epochs of 13..63 steps, so E_C differs per cluster.
    CutCosts c = CutCosts.of(TestChains.cnn(3, 12));
    List<DeviceState> devices = TestChains.shannonDevices(3, 23);
    ServerState server = new ServerState(3e11);
    CpslPlanner p = new CpslPlanner(c, 16, 0, 5, new GibbsClustering());
    RoundPlan plan = p.planRound(4, devices, server, 11);
    // What the runtime runs and SchemeLatency prices: E_C = max over C's members of I_n.
    double direct = SchemeLatency.cpslRound(c, 4, 16, 0, devices, plan.clusters(), server).total();
    assertEquals(direct, plan.predicted().total(), 1e-12 * direct);
    assertEquals(direct, p.optimum(4, devices, server, 11), 1e-9 * direct);
    // Not E = the largest epoch of all devices for every cluster (what it optimised before).
    long most = 0;
    for (DeviceState d : devices) {
      most = Math.max(most, d.stepsPerEpoch(16));
    }
    double allMax =
        SchemeLatency.cpslRound(c, 4, 16, (int) most, devices, plan.clusters(), server).total();
    assertTrue(direct < allMax, direct + " vs " + allMax);
    int[] e = new int[plan.clusters().size()];
    for (int k = 0; k < e.length; k++) {
      List<DeviceState> members = new ArrayList<>();
      for (int m : plan.clusters().get(k).members()) {
        members.add(devices.get(m));
      }
      e[k] = SchemeLatency.visitSteps(0, members, 16);
    }
    assertTrue(java.util.Arrays.stream(e).distinct().count() > 1, java.util.Arrays.toString(e));
  }

  @Test
  void planRound_predictionEqualsSchemeLatencyAndCoversEveryDeviceOnce() {
    CutCosts c = CutCosts.of(TestChains.cnn(3, 12));
    List<DeviceState> devices = TestChains.shannonDevices(3, 23);
    ServerState server = new ServerState(3e11);
    CpslPlanner p = new CpslPlanner(c, 16, 4, 5, new GibbsClustering());
    RoundPlan plan = p.planRound(4, devices, server, 11);
    double direct = SchemeLatency.cpslRound(c, 4, 16, 4, devices, plan.clusters(), server).total();
    assertEquals(direct, plan.predicted().total(), 1e-12 * direct);
    boolean[] seen = new boolean[devices.size()];
    for (ClusterAssignment a : plan.clusters()) {
      assertTrue(a.members().length == 4 || a.members().length == 5, "sizes differ by at most one");
      double su = 0;
      double sd = 0;
      for (int i = 0; i < a.members().length; i++) {
        assertFalse(seen[a.members()[i]]);
        seen[a.members()[i]] = true;
        su += a.uplinkShares()[i];
        sd += a.downlinkShares()[i];
      }
      assertEquals(1, su, 1e-9);
      assertEquals(1, sd, 1e-9);
    }
    RoundPlan again = p.planRound(4, devices, server, 11);
    assertEquals(plan.predicted(), again.predicted(), "same inputs and seed, same plan");
    assertArrayEquals(plan.clusters().get(0).members(), again.clusters().get(0).members());
  }

  /**
   * Singleton clusters, linear links and Uniform(0.5, 1.5) compute and channel factors: the round
   * latency is linear in 1/factor, so E[T(l)] is the formula with E[1/U] = ln 3 in place of each
   * 1/factor.
   */
  @Test
  void saa_picksTheCutWithLeastAnalyticExpectation() {
    List<UnitProfile> units = new ArrayList<>();
    long[] act = {120000, 4000, 3000, 900, 800};
    for (int j = 0; j < act.length; j++) {
      double f = 4e6 * (act.length - j);
      units.add(
          new UnitProfile(
              "u" + j, f, 2 * f, act[j], 1000L * (j + 1) * (j + 1), 4000L * (j + 1) * (j + 1)));
    }
    CutCosts c = CutCosts.of(new ChainProfile("saa", 12288, units));
    List<DeviceState> base = TestChains.linearDevices(21, 4);
    ServerState server = new ServerState(2e11);
    int b = 8;
    int e = 3;
    double inv = Math.log(3);
    int[] cuts = {1, 2, 3, 4};
    double[] analytic = new double[cuts.length];
    for (int k = 0; k < cuts.length; k++) {
      int l = cuts[k];
      double sum = 0;
      for (DeviceState d : base) {
        double rU = d.uplink().bitsPerSecond(1);
        double rD = d.downlink().bitsPerSecond(1);
        double w = 8.0 * c.deviceParamBytes(l);
        double a = c.cutBytes(l);
        double tau =
            b * c.deviceFlops(l) * inv / d.flopsPerSecond()
                + 8.0 * (b * a + b * 4.0) * inv / rU
                + b * c.serverFlops(l) / server.flopsPerSecond()
                + 8.0 * b * a * inv / rD;
        sum += w * inv / rD + e * tau + w * inv / rU;
      }
      analytic[k] = sum;
    }
    int best = 0;
    for (int k = 1; k < cuts.length; k++) {
      if (analytic[k] < analytic[best]) {
        best = k;
      }
    }
    double second = Double.POSITIVE_INFINITY;
    for (int k = 0; k < cuts.length; k++) {
      if (k != best) {
        second = Math.min(second, analytic[k]);
      }
    }
    assertTrue(second > 1.05 * analytic[best], "instance must separate the cuts clearly");
    CpslPlanner p = new CpslPlanner(c, b, e, base.size(), new GibbsClustering());
    NetworkStateSampler sampler =
        NetworkStateSampler.iid(
            NetworkStateSampler.Distribution.uniform(0.5, 1.5),
            NetworkStateSampler.Distribution.uniform(0.5, 1.5));
    CutPlan plan = p.planCut(base, server, cuts, sampler, 2000, 42);
    assertEquals(cuts[best], plan.cut());
    for (int k = 0; k < cuts.length; k++) {
      assertEquals(analytic[k], plan.meanLatency()[k], 0.02 * analytic[k], "cut " + cuts[k]);
    }
    CutPlan again = p.planCut(base, server, cuts, sampler, 2000, 42);
    assertArrayEquals(plan.meanLatency(), again.meanLatency());
    // A plan whose caller has gone stops before its next optimum: after 10 here.
    AtomicInteger asked = new AtomicInteger();
    assertThrows(
        CancellationException.class,
        () -> p.planCut(base, server, cuts, sampler, 2000, 42, () -> asked.incrementAndGet() > 10));
    assertTrue(asked.get() < 2000 * cuts.length, asked.get() + " optima asked");
  }

  @Test
  void replanPolicy_firesOnPeriodOrDrift() {
    ReplanPolicy r = new ReplanPolicy(10, 0.2);
    assertFalse(r.shouldReplan(3, 1.1, 1.0));
    assertTrue(r.shouldReplan(3, 1.3, 1.0));
    assertTrue(r.shouldReplan(10, 1.0, 1.0));
  }

  @Test
  void pslAndVanilla_areTheOneAndNClusterCases() {
    CutCosts c = CutCosts.of(TestChains.cnn(5, 8));
    List<DeviceState> d = TestChains.linearDevices(5, 6);
    ServerState s = new ServerState(1e11);
    RoundPlan vanilla = new CpslPlanner(c, 8, 2, 6, new SortedClustering()).planRound(2, d, s, 1);
    double direct = SchemeLatency.vanillaSlRound(c, 2, 8, 2, d, s).total();
    assertEquals(direct, vanilla.predicted().total(), 1e-12 * direct);
    RoundPlan psl = new CpslPlanner(c, 8, 2, 1, new GibbsClustering()).planRound(2, d, s, 1);
    double[] eq = {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0};
    double equal = SchemeLatency.pslRound(c, 2, 8, 2, d, eq, eq, s).total();
    assertTrue(psl.predicted().total() <= equal, "min-max shares never worse than equal ones");
  }

  /**
   * A cut whose activation has 0 bytes (a unit with outputBytes = 0, which the DAG chains allow)
   * sends no cut-layer gradient down: no member needs the downlink band in that phase. The min-max
   * allocation left every downlink share at 0, and pricing the visit threw "share must be in (0,
   * 1], got 0.0" for the gibbs and sorted clusterings, on linear and Shannon links. Now the idle
   * band is spread equally and the 0-bit transfer costs its propagation delay only, as the
   * runtime's links time it (LATENCY-MODEL.md section 2).
   */
  @Test
  void planRound_atACutWithAZeroByteActivation_spreadsTheIdleDownlink() {
    List<UnitProfile> units =
        List.of(
            new UnitProfile("a", 1e6, 2e6, 4000, 10, 40),
            new UnitProfile("b", 1e6, 2e6, 0, 10, 40),
            new UnitProfile("c", 1e6, 2e6, 40, 10, 40));
    CutCosts c = CutCosts.of(new ChainProfile("zero-out", 3072, units));
    ServerState server = new ServerState(5e10);
    List<List<DeviceState>> pools = new ArrayList<>();
    pools.add(TestChains.linearDevices(3, 4));
    List<DeviceState> delayed = new ArrayList<>();
    for (DeviceState d : TestChains.shannonDevices(3, 4)) {
      delayed.add(
          new DeviceState(
              d.id(),
              d.flopsPerSecond(),
              d.samples(),
              d.uplink(),
              d.downlink(),
              Long.MAX_VALUE,
              0.01));
    }
    pools.add(delayed);
    for (List<DeviceState> devices : pools) {
      for (String name : List.of("gibbs", "sorted", "random", "exhaustive")) {
        RoundPlan p =
            new CpslPlanner(c, 16, 1, 2, Clusterings.byName(name)).planRound(2, devices, server, 1);
        for (ClusterAssignment a : p.clusters()) {
          double sum = 0;
          for (double x : a.downlinkShares()) {
            assertTrue(x > 0, name + ": downlink share " + x);
            sum += x;
          }
          assertEquals(1, sum, 1e-12, name);
        }
        double direct = SchemeLatency.cpslRound(c, 2, 16, 1, devices, p.clusters(), server).total();
        assertEquals(direct, p.predicted().total(), 1e-9 * direct, name);
      }
    }
    // The downlink phase of one step is then the slowest member's backward pass plus its delay.
    DeviceState d = delayed.get(0);
    var step = SchemeLatency.step(c, 2, 16, d, 1, 0);
    assertEquals(0.01, step.downlink(), 0);
    assertThrows(IllegalArgumentException.class, () -> SchemeLatency.step(c, 1, 16, d, 1, 0));
  }
}
