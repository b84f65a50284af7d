package io.splitemu.actors.runtime;

import io.splitemu.actors.config.CpslSettings;
import io.splitemu.net.SeededStreams;
import io.splitemu.planner.cpsl.ClusterCostModel;
import io.splitemu.planner.cpsl.Clustering;
import io.splitemu.planner.cpsl.Clusterings;
import io.splitemu.planner.cpsl.CpslPlanner;
import io.splitemu.planner.cpsl.CutPlan;
import io.splitemu.planner.cpsl.GibbsClustering;
import io.splitemu.planner.cpsl.ReplanPolicy;
import io.splitemu.planner.cpsl.RoundPlan;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.ServerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The two timescales of CPSL as the supervisor runs them, without actors: the cut by SAA at the
 * start and on re-plan (every K rounds or on drift of the observed mean round latency from the
 * prediction), or from a fixed schedule, and every round the clusters and spectrum shares from the
 * device states observed in the last round.
 *
 * <p>Every decision is a pure function of the scenario seed and the observed states: the SAA of
 * plan k draws from stream {@code cpsl/saa/k}, the clustering of round r from {@code
 * cpsl/cluster/round-r}.
 */
final class CpslControl {

  /**
   * Where the supervisor computes its plans, off its own thread: a daemon thread per plan under
   * way, gone after a minute idle. Not the common pool: SAA runs its optima there, and a plan
   * started from one of the pool's workers would leave it a thread short (one worker on 2 cores).
   */
  static final ExecutorService PLANNERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "splitemu-cpsl-planner");
            t.setDaemon(true);
            return t;
          });

  /** A device as the supervisor knows it: compute rate before the round factor and data size. */
  record Device(int id, double flopsPerSecond, long samples) {}

  private final CpslSetup setup;
  private final CpslSettings settings;
  private final CutCosts costs;
  private final int batch;
  private final int plannerSteps;
  private final ServerState server;
  private final ReplanPolicy policy;
  private final Clustering clustering;
  private int plans;
  private int roundsSincePlan;
  private double latencySincePlan;
  private String pendingReason;

  /**
   * @param plannerSteps E of the latency model as the scenario's local steps: with 0 each cluster
   *     visit runs its largest member's epoch (the runtime runs a cluster so), which the planner
   *     reads from the devices' sample counts
   */
  CpslControl(CpslSetup setup, int batch, int plannerSteps, double serverFlops) {
    this.setup = setup;
    this.settings = setup.settings();
    this.costs = CutCosts.of(setup.profile());
    this.batch = batch;
    this.plannerSteps = plannerSteps;
    this.server = new ServerState(serverFlops);
    this.policy =
        settings.replanEvery() > 0 || settings.driftThreshold() > 0
            ? new ReplanPolicy(
                settings.replanEvery() > 0 ? settings.replanEvery() : Integer.MAX_VALUE,
                settings.driftThreshold() > 0 ? settings.driftThreshold() : Double.MAX_VALUE)
            : null;
    this.clustering = clustering(settings);
  }

  /** The strategy of the settings with the settings' spectrum policy. */
  static Clustering clustering(CpslSettings s) {
    Clustering base =
        s.clustering().equals("gibbs")
            ? new GibbsClustering(
                new GibbsClustering.Config(
                    0,
                    s.gibbsIterationsPerDevice(),
                    GibbsClustering.Config.DEFAULT.initialTemperature(),
                    GibbsClustering.Config.DEFAULT.alpha(),
                    s.gibbsExactMaxDevices(),
                    s.gibbsMaxIterations()))
            : Clusterings.byName(s.clustering());
    ClusterCostModel.SharePolicy p =
        s.spectrum().equals("equal")
            ? ClusterCostModel.SharePolicy.EQUAL
            : ClusterCostModel.SharePolicy.OPTIMAL;
    return new Clustering() {
      @Override
      public String name() {
        return base.name();
      }

      @Override
      public ClusterCostModel.SharePolicy sharePolicy() {
        return p;
      }

      @Override
      public int[][] cluster(ClusterCostModel model, int clusters, SplittableRandom rng) {
        // The search compares partitions at the shares the round runs with.
        return base.cluster(model, clusters, rng, p);
      }
    };
  }

  /** The seed of round {@code round}'s clustering. */
  static long roundSeed(long seed, int round) {
    return SeededStreams.seedFor(seed, "cpsl/cluster/round-" + round);
  }

  /** Whether the cut is chosen by SAA (otherwise it stays at {@code model.cut}). */
  boolean saa() {
    return settings.cut().equals("saa");
  }

  /** Whether the cut follows {@code cpsl.cut-schedule} (a research run's known re-cuts). */
  boolean scheduled() {
    return settings.cut().equals("schedule");
  }

  /**
   * The scheduled cut of round {@code round} (1-based): entry {@code round - 1} of {@code
   * cpsl.cut-schedule}, the last entry once the list has ended.
   */
  int scheduledCut(int round) {
    List<Integer> s = settings.cutSchedule();
    return s.get(Math.min(round, s.size()) - 1);
  }

  /** The planner for {@code clusters} clusters (capped at the devices running). */
  private CpslPlanner planner(int devices) {
    return new CpslPlanner(
        costs, batch, plannerSteps, Math.min(settings.clusters(), devices), clustering);
  }

  /**
   * Large timescale: SAA over the nominal states of {@code devices} (path loss only, factor 1);
   * resets the drift statistics.
   */
  CutPlan planCut(List<Device> devices) {
    CutPlan p = saa(nominal(devices), candidates(devices.size()), nextSaaSeed(), () -> false);
    planned(p);
    return p;
  }

  /**
   * Small timescale for round {@code round}: clusters and shares from the states observed in round
   * {@code round - 1} (the nominal states in round 1), with {@code factors} the compute factor of a
   * device in a round.
   */
  RoundPlan planRound(
      int round, int cut, List<Device> devices, SupervisorSetup.ComputeFactors factors) {
    return planner(devices.size())
        .planRound(cut, observed(round, devices, factors), server, roundSeed(setup.seed(), round));
  }

  /**
   * What one round's plan needs, taken on the caller's thread (the states, the candidate cuts and
   * the seeds, so that the controller's own state moves only there), for {@link #compute} on any
   * thread.
   *
   * @param nominal the nominal states for SAA, or null when the round keeps {@code cut}
   * @param cut the round's cut unless SAA chooses one: the cut in force or the scheduled one
   * @param observed the states the round's clusters and shares are planned from
   */
  record Work(
      List<DeviceState> nominal,
      int[] candidates,
      long saaSeed,
      int cut,
      List<DeviceState> observed,
      long roundSeed) {}

  /** A round's plan: the cut by SAA (null when none was due) and the clusters and shares. */
  record Planned(CutPlan cut, RoundPlan round) {}

  /**
   * The work of round {@code round}'s plan: SAA first when {@code saaDue} (the SAA seed is taken
   * now, as {@link #planCut} takes it), then the round's clusters at the cut SAA chooses or at
   * {@code cut}. Give the SAA plan back with {@link #planned} on this thread.
   */
  Work work(
      int round,
      int cut,
      boolean saaDue,
      List<Device> devices,
      SupervisorSetup.ComputeFactors factors) {
    return saaDue
        ? new Work(
            nominal(devices),
            candidates(devices.size()),
            nextSaaSeed(),
            cut,
            observed(round, devices, factors),
            roundSeed(setup.seed(), round))
        : new Work(
            null, null, 0, cut, observed(round, devices, factors), roundSeed(setup.seed(), round));
  }

  /**
   * The plan of {@code w}: a pure function of it, safe on any thread (SAA runs its optima on the
   * common pool), touching nothing of this controller's state. Gives up with a {@link
   * java.util.concurrent.CancellationException} once {@code stop} answers true before an SAA
   * optimum.
   */
  Planned compute(Work w, BooleanSupplier stop) {
    CutPlan p = w.nominal() == null ? null : saa(w.nominal(), w.candidates(), w.saaSeed(), stop);
    RoundPlan r =
        planner(w.observed().size())
            .planRound(p == null ? w.cut() : p.cut(), w.observed(), server, w.roundSeed());
    return new Planned(p, r);
  }

  /** Takes a cut plan made from {@link #work}'s SAA: resets the drift statistics. */
  void planned(CutPlan p) {
    roundsSincePlan = 0;
    latencySincePlan = 0;
    pendingReason = null;
    lastPredicted = p.predictedLatency();
  }

  private List<DeviceState> nominal(List<Device> devices) {
    List<DeviceState> base = new ArrayList<>(devices.size());
    for (Device d : devices) {
      base.add(state(d, 0, 1.0));
    }
    return base;
  }

  private List<DeviceState> observed(
      int round, List<Device> devices, SupervisorSetup.ComputeFactors factors) {
    List<DeviceState> observed = new ArrayList<>(devices.size());
    for (Device d : devices) {
      observed.add(state(d, round - 1, round > 1 ? factors.of(d.id(), round - 1) : 1.0));
    }
    return observed;
  }

  private int[] candidates(int devices) {
    return settings.cutCandidates().isEmpty()
        ? planner(devices).interiorCuts()
        : settings.cutCandidates().stream().mapToInt(Integer::intValue).toArray();
  }

  // The seed of the next SAA plan: plan k draws from stream cpsl/saa/k.
  private long nextSaaSeed() {
    return SeededStreams.seedFor(setup.seed(), "cpsl/saa/" + plans++);
  }

  private CutPlan saa(
      List<DeviceState> nominal, int[] candidates, long seed, BooleanSupplier stop) {
    return planner(nominal.size())
        .planCut(nominal, server, candidates, setup.sampler(), settings.saaSamples(), seed, stop);
  }

  /** Device {@code d} as observed in {@code round} (0: nominal). */
  DeviceState state(Device d, int round, double factor) {
    return new DeviceState(
        Integer.toString(d.id()),
        d.flopsPerSecond() * factor,
        d.samples(),
        setup.links().uplink(d.id(), round),
        setup.links().downlink(d.id(), round),
        Long.MAX_VALUE,
        setup.propagationSeconds());
  }

  /**
   * Records a finished round's emulated latency; returns why the cut should be re-planned before
   * the next round, or null.
   */
  String observe(double latencySeconds) {
    if (!saa() || Double.isNaN(lastPredicted) || policy == null) {
      return null;
    }
    roundsSincePlan++;
    latencySincePlan += latencySeconds;
    double mean = latencySincePlan / roundsSincePlan;
    double predicted = lastPredicted;
    if (policy.shouldReplan(roundsSincePlan, mean, predicted)) {
      pendingReason =
          roundsSincePlan >= policy.everyRounds()
              ? roundsSincePlan + " rounds since the last plan"
              : String.format(
                  Locale.ROOT,
                  "mean round latency %.4f s drifted from the predicted %.4f s",
                  mean,
                  predicted);
    }
    return pendingReason;
  }

  /** Why a re-plan is due, or null. */
  String pendingReplan() {
    return pendingReason;
  }

  /** A one-line description of a cut plan for events.csv. */
  static String describe(CutPlan p) {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "cut %d by SAA over %d states, predicted %.4f s per round; mean per cut:",
                p.cut(),
                p.samples(),
                p.predictedLatency()));
    for (int i = 0; i < p.candidates().length; i++) {
      b.append(String.format(Locale.ROOT, " %d=%.4f", p.candidates()[i], p.meanLatency()[i]));
    }
    return b.toString();
  }

  /** A one-line description of a round plan for events.csv: clusters by device id, shares. */
  static String describe(RoundPlan p, String clustering, String spectrum) {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s clustering, %s spectrum, predicted %.4f s:",
                clustering,
                spectrum,
                p.predicted().total()));
    for (int c = 0; c < p.clusters().size(); c++) {
      b.append(c == 0 ? " " : " | ");
      List<String> ids = p.deviceIds().get(c);
      double[] up = p.clusters().get(c).uplinkShares();
      for (int i = 0; i < ids.size(); i++) {
        b.append(i == 0 ? "" : " ")
            .append(ids.get(i))
            .append(String.format(Locale.ROOT, "@%.3f", up[i]));
      }
    }
    return b.toString();
  }

  /** Cluster members by device id in visiting order, each cluster in ascending id order. */
  static List<List<Integer>> clusters(RoundPlan p, Map<Integer, double[]> sharesOut) {
    List<List<Integer>> out = new ArrayList<>();
    for (int c = 0; c < p.clusters().size(); c++) {
      List<Integer> members = new ArrayList<>();
      List<String> ids = p.deviceIds().get(c);
      for (int i = 0; i < ids.size(); i++) {
        int id = Integer.parseInt(ids.get(i));
        members.add(id);
        sharesOut.put(
            id,
            new double[] {
              p.clusters().get(c).uplinkShares()[i], p.clusters().get(c).downlinkShares()[i]
            });
      }
      members.sort(null);
      out.add(List.copyOf(members));
    }
    return out;
  }

  // The last plan's prediction (NaN before the first), what the drift test compares with.
  private double lastPredicted = Double.NaN;

  /**
   * What the controller carries from one round to the next, for a checkpoint: the SAA plans made
   * (the seed of the next), the last plan's predicted latency, and the drift statistics since.
   */
  record State(
      int plans,
      double lastPredicted,
      int roundsSincePlan,
      double latencySincePlan,
      String pendingReason) {}

  /** This controller's state between rounds. */
  State state() {
    return new State(plans, lastPredicted, roundsSincePlan, latencySincePlan, pendingReason);
  }

  /** Takes a checkpoint's state. */
  void restore(State s) {
    plans = s.plans();
    lastPredicted = s.lastPredicted();
    roundsSincePlan = s.roundsSincePlan();
    latencySincePlan = s.latencySincePlan();
    pendingReason = s.pendingReason();
  }
}
