package io.splitemu.bench;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.actors.runtime.SplitPolicy;
import io.splitemu.actors.scheme.Schemes;
import io.splitemu.actors.scheme.ShareSplitPolicies;
import io.splitemu.actors.scheme.SplitScheme;
import io.splitemu.planner.edgesplit.EdgeSplitPlan;
import io.splitemu.planner.edgesplit.EdgeSplitPlanner;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.sfl.SflPlan;
import io.splitemu.planner.sfl.SflPlanner;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cost of one round's plan of the per-device split schemes (EdgeSplit's alternation of cuts and
 * min-max bandwidth shares, SFL's alternation of cuts and server compute shares) at scale, apart
 * from the rest of a run.
 *
 * <p>{@code java -cp benchmarks.jar io.splitemu.bench.SplitPlanBenchmark FILE SCHEME N1,N2,...
 * [repeat=R] [rounds=K] [KEY=VALUE ...]} loads the scenario {@code FILE} with {@code
 * scheme=SCHEME}, {@code devices.count=N} and the other {@code --set} style keys, builds round 1's
 * inputs as the supervisor does (the scheme's fresh links, each idle link probed at the round's
 * start, {@link SplitPolicy#probeRate}), and times, by process CPU and wall clock, R times each
 * (default 1): the planner alone ({@link EdgeSplitPlanner#plan} or {@link SflPlanner#plan} on
 * {@link ShareSplitPolicies#states}; edgesplit and sfl-compute only) and the scheme's whole policy
 * call ({@link SplitPolicy#plan}, what {@code Supervisor.splitRound} calls once per round: the
 * states, the planner and one {@code DevicePlan} per device). Prints a digest of each (FNV-1a over
 * the bits of every decision) so that two builds can be checked to plan alike. With {@code
 * rounds=K} the policy call timed is that of round K, after rounds 1..K-1 planned by the same
 * policy from the same estimates (for sfl-compute-robust, whose plan grows with its history of past
 * rounds' rates; the runtime feeds it the rates achieved instead).
 */
public final class SplitPlanBenchmark {

  private SplitPlanBenchmark() {}

  public static void main(String[] args) {
    if (args.length < 3) {
      System.err.println(
          "usage: SplitPlanBenchmark FILE SCHEME N1,N2,... [repeat=R] [rounds=K] [KEY=VALUE ...]");
      System.exit(2);
    }
    Path file = Path.of(args[0]);
    String scheme = args[1];
    int[] counts = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    int repeat = 1;
    int rounds = 1;
    List<String> overrides = new ArrayList<>();
    for (String a : Arrays.asList(args).subList(3, args.length)) {
      if (a.startsWith("repeat=")) {
        repeat = Integer.parseInt(a.substring("repeat=".length()));
      } else if (a.startsWith("rounds=")) {
        rounds = Integer.parseInt(a.substring("rounds=".length()));
      } else {
        overrides.add(a);
      }
    }
    for (int n : counts) {
      run(file, scheme, n, repeat, rounds, overrides);
    }
  }

  private static final com.sun.management.OperatingSystemMXBean MX =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private static void run(
      Path file, String scheme, int n, int repeat, int rounds, List<String> overrides) {
    List<String> set = new ArrayList<>(overrides);
    set.add("scheme=" + scheme);
    set.add("devices.count=" + n);
    Settings s = Settings.load(file, set);
    SplitScheme sch = (SplitScheme) Schemes.of(scheme);
    long c0 = MX.getProcessCpuTime();
    long w0 = System.nanoTime();
    List<Emulation.LinkPair> probes = Emulation.links(s, n, true);
    double[] up = new double[n];
    double[] down = new double[n];
    for (int d = 0; d < n; d++) {
      up[d] = probe(probes.get(d).up());
      down[d] = probe(probes.get(d).down());
    }
    long c1 = MX.getProcessCpuTime();
    long w1 = System.nanoTime();
    System.out.printf(
        Locale.ROOT,
        "%s %s, %d devices: links and probes CPU %.3f s, wall %.3f s%n",
        file.getFileName(),
        scheme,
        n,
        (c1 - c0) / 1e9,
        (w1 - w0) / 1e9);
    CutCosts costs = CutCosts.of(ShareSplitPolicies.profile(s));
    ServerState server = new ServerState(s.serverFlops());
    boolean planner = scheme.equals("edgesplit") || scheme.equals("sfl-compute");
    long[][] times = new long[2][2 * repeat];
    for (int r = 0; r < repeat && planner; r++) {
      long a0 = MX.getProcessCpuTime();
      long v0 = System.nanoTime();
      List<DeviceState> states = ShareSplitPolicies.states(s, 1, up, down);
      long a1 = MX.getProcessCpuTime();
      long v1 = System.nanoTime();
      long digest;
      String what;
      if (scheme.equals("edgesplit")) {
        EdgeSplitPlan p = new EdgeSplitPlanner(costs, s.batchSize()).plan(states, server);
        digest = digest(p);
        what = "makespan " + p.makespan() + " s, " + (p.history().size() - 1) + " iterations";
      } else {
        SflPlan p = new SflPlanner(costs, s.batchSize()).plan(states, server);
        digest = digest(p);
        what = "makespan " + p.makespan() + " s, " + (p.history().size() - 1) + " iterations";
      }
      long a2 = MX.getProcessCpuTime();
      long v2 = System.nanoTime();
      times[0][r] = a2 - a1;
      times[0][repeat + r] = v2 - v1;
      System.out.printf(
          Locale.ROOT,
          "  planner %d: CPU %.3f s, wall %.3f s, %.2f us CPU per device (states CPU %.3f s);"
              + " %s; digest %016x%n",
          r + 1,
          (a2 - a1) / 1e9,
          (v2 - v1) / 1e9,
          (a2 - a1) / 1e3 / n,
          (a1 - a0) / 1e9,
          what,
          digest);
    }
    for (int r = 0; r < repeat; r++) {
      long a0 = MX.getProcessCpuTime();
      long v0 = System.nanoTime();
      SplitPolicy policy = sch.policy(s);
      // Rounds before the timed one (a policy that learns from past rounds, sfl-compute-robust,
      // then plans over their history), each from the same estimates.
      for (int round = 1; round < rounds; round++) {
        policy.plan(round, up, down);
      }
      long a1 = MX.getProcessCpuTime();
      long v1 = System.nanoTime();
      List<SplitPolicy.DevicePlan> plans = policy.plan(rounds, up, down);
      long a2 = MX.getProcessCpuTime();
      long v2 = System.nanoTime();
      times[1][r] = a2 - a1;
      times[1][repeat + r] = v2 - v1;
      System.out.printf(
          Locale.ROOT,
          "  policy %d, round %d: CPU %.3f s, wall %.3f s, %.2f us CPU per device (policy built"
              + " and earlier rounds planned in %.3f s); digest %016x%n",
          r + 1,
          rounds,
          (a2 - a1) / 1e9,
          (v2 - v1) / 1e9,
          (a2 - a1) / 1e3 / n,
          (a1 - a0) / 1e9,
          digest(plans));
    }
    for (int k = planner ? 0 : 1; k < 2 && repeat > 1; k++) {
      // Process CPU is counted in clock ticks (10 ms here): the mean of the warm plans is finer.
      long cpu = 0;
      long wall = 0;
      for (int r = 1; r < repeat; r++) {
        cpu += times[k][r];
        wall += times[k][repeat + r];
      }
      System.out.printf(
          Locale.ROOT,
          "  %s, mean of plans 2..%d: CPU %.4f s, wall %.4f s, %.2f us CPU per device%n",
          k == 0 ? "planner" : "policy",
          repeat,
          cpu / 1e9 / (repeat - 1),
          wall / 1e9 / (repeat - 1),
          cpu / 1e3 / (repeat - 1) / n);
    }
  }

  // The supervisor's estimate of an idle link at round 1's start (Supervisor.splitRound).
  private static double probe(LinkTiming link) {
    link.round(1);
    return SplitPolicy.probeRate(link, 0);
  }

  private static long digest(EdgeSplitPlan p) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < p.cuts().length; i++) {
      h = mix(h, p.cuts()[i]);
      h = mix(h, Double.doubleToLongBits(p.bandwidthShares()[i]));
      h = mix(h, Double.doubleToLongBits(p.serverShares()[i]));
    }
    for (double x : p.history()) {
      h = mix(h, Double.doubleToLongBits(x));
    }
    h = mix(h, Double.doubleToLongBits(p.round().total()));
    return mix(h, Double.doubleToLongBits(p.makespan()));
  }

  private static long digest(SflPlan p) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < p.cuts().length; i++) {
      h = mix(h, p.cuts()[i]);
      h = mix(h, Double.doubleToLongBits(p.serverFlops()[i]));
    }
    for (double x : p.history()) {
      h = mix(h, Double.doubleToLongBits(x));
    }
    h = mix(h, Double.doubleToLongBits(p.fitAgreement()));
    h = mix(h, Double.doubleToLongBits(p.round().total()));
    return mix(h, Double.doubleToLongBits(p.makespan()));
  }

  // Every field of every device's plan; its cut, label and detail by their 32-bit hashCode (so two
  // labels with equal hash codes digest alike; the recorded digests in docs/benchmarks.md use it).
  private static long digest(List<SplitPolicy.DevicePlan> plans) {
    long h = 0xcbf29ce484222325L;
    for (SplitPolicy.DevicePlan p : plans) {
      h = mix(h, p.steps());
      h = mix(h, Double.doubleToLongBits(p.deviceForwardFlops()));
      h = mix(h, Double.doubleToLongBits(p.deviceBackwardFlops()));
      h = mix(h, Double.doubleToLongBits(p.serverFlops()));
      h = mix(h, p.upBytes());
      h = mix(h, p.downBytes());
      h = mix(h, Double.doubleToLongBits(p.upShare()));
      h = mix(h, Double.doubleToLongBits(p.downShare()));
      h = mix(h, Double.doubleToLongBits(p.serverFlopsPerSecond()));
      h = mix(h, p.modelBytes());
      h = mix(h, Double.doubleToLongBits(p.modelUpShare()));
      h = mix(h, Double.doubleToLongBits(p.modelDownShare()));
      h = mix(h, p.aggregateAtBarrier() ? 1 : 0);
      h = mix(h, p.cut().hashCode());
      h = mix(h, p.label().hashCode());
      h = mix(h, p.detail().hashCode());
      h = mix(h, p.deviceModelBytes());
      h = mix(h, p.serverModelBytes());
    }
    return h;
  }

  private static long mix(long h, long v) {
    for (int i = 0; i < 8; i++) {
      h ^= (v >>> (8 * i)) & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
