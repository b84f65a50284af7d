package io.splitemu.planner.cpsl;

import io.splitemu.planner.latency.ClusterAssignment;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/**
 * The two-timescale CPSL planner: {@link #planCut} picks the cut by sample average approximation
 * over sampled network states, {@link #planRound} clusters the devices of an observed round and
 * allocates each cluster's spectrum.
 *
 * <p>SAA uses common random numbers: the same S states (drawn from {@code seed}) and the same
 * clustering seeds for every candidate cut, so the comparison between cuts is not blurred by
 * sampling noise. The result is a pure function of the inputs and the seed.
 *
 * <p>The S x |candidates| optima of SAA are independent and run in parallel on the common pool;
 * each sum is then taken in sample order, so the means are those of a sequential run to the bit.
 */
public final class CpslPlanner {

  private final CutCosts costs;
  private final int batch;
  private final int localSteps;
  private final int clusters;
  private final Clustering clustering;

  /**
   * A planner for one model and training setting.
   *
   * @param costs the model's cut sums
   * @param batch batch size b
   * @param localSteps E, local steps per cluster visit; 0: each visit runs its largest member's
   *     epoch, {@code max_{n in C} ceil(|D_n| / b)} from the devices' sample counts
   * @param clusters M, the number of clusters (sizes differ by at most one)
   * @param clustering the clustering strategy (see {@link Clusterings})
   */
  public CpslPlanner(
      CutCosts costs, int batch, int localSteps, int clusters, Clustering clustering) {
    if (batch <= 0 || localSteps < 0 || clusters < 1) {
      throw new IllegalArgumentException(
          "CPSL needs batch > 0, local steps >= 0 and clusters >= 1, got "
              + batch
              + ", "
              + localSteps
              + ", "
              + clusters);
    }
    this.costs = costs;
    this.batch = batch;
    this.localSteps = localSteps;
    this.clusters = clusters;
    this.clustering = clustering;
  }

  /**
   * Large timescale: {@code argmin_l (1/S) sum_s T*(l, state_s)} over {@code candidates}; ties go
   * to the earlier candidate.
   */
  public CutPlan planCut(
      List<DeviceState> base,
      ServerState server,
      int[] candidates,
      NetworkStateSampler sampler,
      int samples,
      long seed) {
    return planCut(base, server, candidates, sampler, samples, seed, () -> false);
  }

  /**
   * {@link #planCut(List, ServerState, int[], NetworkStateSampler, int, long)} that gives up, with
   * a {@link CancellationException}, once {@code stop} answers true before an optimum: a caller
   * whose run has ended stops paying for its plan within one optimum.
   */
  public CutPlan planCut(
      List<DeviceState> base,
      ServerState server,
      int[] candidates,
      NetworkStateSampler sampler,
      int samples,
      long seed,
      BooleanSupplier stop) {
    if (samples < 1 || candidates.length == 0) {
      throw new IllegalArgumentException("SAA needs samples >= 1 and at least one candidate cut");
    }
    SplittableRandom master = new SplittableRandom(seed);
    List<List<DeviceState>> states = new ArrayList<>(samples);
    long[] clusterSeeds = new long[samples];
    for (int s = 0; s < samples; s++) {
      states.add(sampler.sample(base.size(), master.split()).apply(base));
      clusterSeeds[s] = master.nextLong();
    }
    double[] optima = new double[candidates.length * samples];
    IntStream.range(0, optima.length)
        .parallel()
        .forEach(
            j -> {
              if (stop.getAsBoolean()) {
                throw new CancellationException("the SAA cut plan was stopped");
              }
              int s = j % samples;
              optima[j] = optimum(candidates[j / samples], states.get(s), server, clusterSeeds[s]);
            });
    double[] mean = new double[candidates.length];
    int best = 0;
    for (int c = 0; c < candidates.length; c++) {
      double sum = 0;
      for (int s = 0; s < samples; s++) {
        sum += optima[c * samples + s];
      }
      mean[c] = sum / samples;
      if (mean[c] < mean[best]) {
        best = c;
      }
    }
    return new CutPlan(candidates[best], candidates.clone(), mean, samples);
  }

  /** All cuts 1..L-1 (each side keeps at least one unit). */
  public int[] interiorCuts() {
    int[] c = new int[Math.max(0, costs.units() - 1)];
    for (int i = 0; i < c.length; i++) {
      c[i] = i + 1;
    }
    return c;
  }

  /** T*(l, state): the round latency of the clustering strategy's plan for that state. */
  public double optimum(int cut, List<DeviceState> devices, ServerState server, long seed) {
    ClusterCostModel model = new ClusterCostModel(costs, cut, batch, localSteps, devices, server);
    int[][] groups = clustering.cluster(model, clusters, new SplittableRandom(seed));
    return Clustering.roundLatency(model, groups, clustering.sharePolicy());
  }

  /** Small timescale: clusters and shares for the observed round state, with the prediction. */
  public RoundPlan planRound(int cut, List<DeviceState> observed, ServerState server, long seed) {
    ClusterCostModel model = new ClusterCostModel(costs, cut, batch, localSteps, observed, server);
    int[][] groups = clustering.cluster(model, clusters, new SplittableRandom(seed));
    List<ClusterAssignment> plans = new ArrayList<>(groups.length);
    List<List<String>> ids = new ArrayList<>(groups.length);
    List<LatencyBreakdown> per = new ArrayList<>(groups.length);
    LatencyBreakdown total = LatencyBreakdown.ZERO;
    for (int[] g : groups) {
      ClusterAssignment a = model.assignment(g, clustering.sharePolicy());
      List<DeviceState> members = new ArrayList<>(g.length);
      List<String> names = new ArrayList<>(g.length);
      for (int m : g) {
        members.add(observed.get(m));
        names.add(observed.get(m).id());
      }
      LatencyBreakdown visit =
          SchemeLatency.clusterVisit(
              costs,
              cut,
              batch,
              model.visitSteps(g),
              members,
              a.uplinkShares(),
              a.downlinkShares(),
              server);
      plans.add(a);
      ids.add(List.copyOf(names));
      per.add(visit);
      total = total.plus(visit);
    }
    return new RoundPlan(cut, List.copyOf(plans), List.copyOf(ids), total, List.copyOf(per));
  }
}
