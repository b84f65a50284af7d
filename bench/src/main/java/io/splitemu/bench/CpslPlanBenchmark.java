package io.splitemu.bench;

import io.splitemu.actors.config.CpslSettings;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.CpslSetup;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import io.splitemu.net.SeededStreams;
import io.splitemu.planner.cpsl.CpslPlanner;
import io.splitemu.planner.cpsl.CutPlan;
import io.splitemu.planner.cpsl.GibbsClustering;
import io.splitemu.planner.cpsl.RoundPlan;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.ShannonRate;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
   * 30) after as many warm-up plans. {@code ... CpslPlanBenchmark scenario FILE N1,N2,...
   * [KEY=VALUE ...]} prints the CPU seconds of the whole plan of round 1 of that cpsl scenario run
   * with N devices (see {@link #scenarioPlans}).
   */
  public static void main(String[] args) {
    if (args.length >= 3 && args[0].equals("scenario")) {
      int[] counts = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
      scenarioPlans(Path.of(args[1]), counts, Arrays.asList(args).subList(3, args.length));
      return;
    }
    if (args.length < 2) {
      System.err.println(
          "usage: CpslPlanBenchmark DEVICES linear|shannon [PLANS]\n"
              + "       CpslPlanBenchmark scenario FILE N1,N2,... [KEY=VALUE ...]");
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

  /**
   * The plan round 1 of a cpsl run of {@code file} with each device count needs, made as the
   * supervisor makes it (CpslControl): the cut by SAA over the nominal states (cpsl.saa-samples
   * states, every candidate cut, Gibbs clustering of each) when cpsl.cut = saa, then the round's
   * Gibbs clusters and min-max shares at that cut. Devices, links, compute factors and seeds are
   * the run's own (devices.flops, the Shannon or static link draws, the scenario seed's streams).
   * Prints the process CPU seconds of each part and a digest of the plan, so that two builds can be
   * checked to plan alike. {@code overrides} are {@code --set} style scenario keys (for example
   * {@code cpsl.saa-samples=1} to time one SAA state).
   */
  static void scenarioPlans(Path file, int[] counts, List<String> overrides) {
    // Process CPU: SAA runs its optima on the common pool's threads.
    com.sun.management.OperatingSystemMXBean mx =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int n : counts) {
      List<String> set = new ArrayList<>(overrides);
      set.add("devices.count=" + n);
      Settings s = Settings.load(file, set);
      ChainProfile profile = ModelZoo.profile(s.model().name(), Emulation.dataType(s));
      CpslSetup setup = CpslSetup.of(s, profile, null);
      CpslSettings c = setup.settings();
      if (!c.clustering().equals("gibbs") || !c.spectrum().equals("minmax")) {
        throw new IllegalArgumentException(
            file
                + ": the benchmark plans gibbs clustering with minmax spectrum, got cpsl.clustering"
                + " = "
                + c.clustering()
                + ", cpsl.spectrum = "
                + c.spectrum());
      }
      double[] flops = Emulation.perDevice(s.devices().flops(), n, s.seed(), "devices/flops");
      long samples = Math.max(1, s.data().trainSamples() / n);
      List<DeviceState> nominal = new ArrayList<>(n);
      for (int d = 0; d < n; d++) {
        nominal.add(
            new DeviceState(
                Integer.toString(d),
                flops[d],
                samples,
                setup.links().uplink(d, 0),
                setup.links().downlink(d, 0)));
      }
      GibbsClustering gibbs =
          new GibbsClustering(
              new GibbsClustering.Config(
                  0,
                  c.gibbsIterationsPerDevice(),
                  GibbsClustering.Config.DEFAULT.initialTemperature(),
                  GibbsClustering.Config.DEFAULT.alpha(),
                  c.gibbsExactMaxDevices(),
                  c.gibbsMaxIterations()));
      CpslPlanner planner =
          new CpslPlanner(
              CutCosts.of(profile),
              s.batchSize(),
              Math.max(1, s.localSteps()),
              Math.min(c.clusters(), n),
              gibbs);
      ServerState server = new ServerState(s.serverFlops());
      long t0 = mx.getProcessCpuTime();
      int cut = s.model().cut();
      CutPlan cutPlan = null;
      if (c.cut().equals("saa")) {
        int[] candidates =
            c.cutCandidates().isEmpty()
                ? planner.interiorCuts()
                : c.cutCandidates().stream().mapToInt(Integer::intValue).toArray();
        cutPlan =
            planner.planCut(
                nominal,
                server,
                candidates,
                setup.sampler(),
                c.saaSamples(),
                SeededStreams.seedFor(s.seed(), "cpsl/saa/0"));
        cut = cutPlan.cut();
        System.out.println("SAA means by cut " + java.util.Arrays.toString(cutPlan.meanLatency()));
      }
      long t1 = mx.getProcessCpuTime();
      RoundPlan round =
          planner.planRound(
              cut, nominal, server, SeededStreams.seedFor(s.seed(), "cpsl/cluster/round-1"));
      long t2 = mx.getProcessCpuTime();
      System.out.printf(
          Locale.ROOT,
          "cpsl plan of %s, %d devices, %d clusters: CPU %.2f s (cut by SAA %.2f s, round plan"
              + " %.2f s); cut %d, predicted %s s, digest %016x%n",
          file.getFileName(),
          n,
          Math.min(c.clusters(), n),
          (t2 - t0) / 1e9,
          (t1 - t0) / 1e9,
          (t2 - t1) / 1e9,
          cut,
          Double.toString(round.predicted().total()),
          digest(cutPlan, round));
    }
  }

  // FNV-1a over the bits of everything a plan decides: each cut's mean, clusters, shares.
  private static long digest(CutPlan cut, RoundPlan round) {
    long h = 0xcbf29ce484222325L;
    if (cut != null) {
      for (double m : cut.meanLatency()) {
        h = mix(h, Double.doubleToLongBits(m));
      }
    }
    for (int i = 0; i < round.clusters().size(); i++) {
      for (String id : round.deviceIds().get(i)) {
        h = mix(h, Integer.parseInt(id));
      }
      for (double x : round.clusters().get(i).uplinkShares()) {
        h = mix(h, Double.doubleToLongBits(x));
      }
      for (double x : round.clusters().get(i).downlinkShares()) {
        h = mix(h, Double.doubleToLongBits(x));
      }
    }
    return mix(h, Double.doubleToLongBits(round.predicted().total()));
  }

  private static long mix(long h, long v) {
    for (int i = 0; i < 8; i++) {
      h ^= (v >>> (8 * i)) & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
