package io.splitemu.bench;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import io.splitemu.planner.cpsl.CpslPlanner;
import io.splitemu.planner.cpsl.GibbsClustering;
import io.splitemu.planner.cpsl.RoundPlan;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.ShannonRate;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One CPSL small-timescale round plan (Gibbs clustering with per-cluster spectrum allocation) for
 * 100 and 1,000 devices in clusters of 10, on linear and Shannon links.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpslPlanBenchmark {

  @Param({"100", "1000"})
  int devices;

  @Param({"linear", "shannon"})
  String links;

  @Param({"5"})
  int proposalsPerDevice;

  private CpslPlanner planner;
  private List<DeviceState> state;
  private ServerState server;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(7);
    List<UnitProfile> units = new ArrayList<>();
    double act = 50_000;
    double params = 2_000;
    for (int j = 1; j <= 12; j++) {
      double f = 2e6 * (13 - j);
      units.add(new UnitProfile("u" + j, f, 2 * f, (long) act, (long) params, 4 * (long) params));
      act *= 0.65;
      params *= 2;
    }
    CutCosts costs = CutCosts.of(new ChainProfile("bench-cnn", 12_288, units));
    state = new ArrayList<>();
    for (int i = 0; i < devices; i++) {
      double phi = 1e9 * Math.pow(10, r.nextDouble());
      RateFunction up;
      RateFunction down;
      if (links.equals("linear")) {
        up = RateFunction.linear(5e6 * Math.pow(10, r.nextDouble()));
        down = RateFunction.linear(2e7 * Math.pow(10, r.nextDouble()));
      } else {
        double d = 0.05 + 0.45 * r.nextDouble();
        up = ShannonRate.withPathLoss(10e6, 23, d, -Math.log1p(-r.nextDouble()), -174);
        down = ShannonRate.withPathLoss(10e6, 30, d, -Math.log1p(-r.nextDouble()), -174);
      }
      state.add(new DeviceState("d" + i, phi, 500, up, down));
    }
    server = new ServerState(1e12);
    GibbsClustering.Config cfg = new GibbsClustering.Config(0, proposalsPerDevice, 0.01, 0);
    planner = new CpslPlanner(costs, 16, 5, devices / 10, new GibbsClustering(cfg));
  }

  @Benchmark
  public RoundPlan planRound() {
    return planner.planRound(4, state, server, 1);
  }

  /**
   * CPU time of one plan, for a machine shared with other jobs where JMH's wall-clock figures
   * mostly measure waiting: {@code java -cp benchmarks.jar io.splitemu.bench.CpslPlanBenchmark
   * DEVICES LINKS [PLANS]} prints the median and minimum thread CPU time over PLANS plans (default
   * 30) after as many warm-up plans.
   */
  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: CpslPlanBenchmark DEVICES linear|shannon [PLANS]");
      System.exit(2);
    }
    CpslPlanBenchmark b = new CpslPlanBenchmark();
    b.devices = Integer.parseInt(args[0]);
    b.links = args[1];
    b.proposalsPerDevice = 5;
    int plans = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    b.setup();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int i = 0; i < plans; i++) {
      b.planRound();
    }
    long[] cpu = new long[plans];
    for (int i = 0; i < plans; i++) {
      long t = mx.getCurrentThreadCpuTime();
      b.planRound();
      cpu[i] = mx.getCurrentThreadCpuTime() - t;
    }
    Arrays.sort(cpu);
    System.out.printf(
        "CPSL plan, %d devices, %s links: CPU median %.2f ms, min %.2f ms over %d plans%n",
        b.devices, b.links, cpu[plans / 2] / 1e6, cpu[0] / 1e6, plans);
  }
}
