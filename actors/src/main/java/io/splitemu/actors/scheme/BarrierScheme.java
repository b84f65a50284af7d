package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.runtime.RoundPlanner;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.LatencyBreakdown;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A scheme of cluster visits of barrier steps, run by the supervisor: a subclass decides the visits
 * of a round and predicts round 1 from the devices as they stand then ({@link
 * RoundOne.BarrierInputs}): on static and Shannon links by LATENCY-MODEL.md's closed forms, on
 * trace links by integrating every transfer over the traces from the instant it starts.
 */
public abstract class BarrierScheme implements Scheme {

  /** How a prediction on trace links is made. */
  static final String TRACE_BASIS =
      "each transfer integrated over the device's trace from the instant it starts, from the"
          + " round's start";

  /** How a prediction on static and Shannon links is made. */
  static final String CLOSED_BASIS = "closed form of LATENCY-MODEL.md on the round-1 rates";

  private final String name;

  /** A barrier scheme named {@code name}. */
  protected BarrierScheme(String name) {
    this.name = name;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Family family() {
    return Family.BARRIER;
  }

  @Override
  public String model(Settings s) {
    return s.model().name();
  }

  @Override
  public Emulation.Prepared prepare(Settings s) {
    return Emulation.prepareBarrier(s);
  }

  /** The cluster visits of a round over the running {@code devices} (ascending ids). */
  public abstract RoundPlanner.Clusters visits(List<Integer> devices);

  /**
   * Checks {@code given} as {@link #prepare} does (in {@code full} fidelity its data too), then
   * plans round 1 in {@code timing}, which builds the same devices, shards and links without
   * models.
   */
  @Override
  public SchemePlan plan(Settings given) {
    Emulation.checkBarrierData(given);
    return plan(RoundOne.barrier(given.withFidelity(Settings.Fidelity.TIMING)));
  }

  /** Round 1 from the devices as they stand then. */
  protected abstract SchemePlan plan(RoundOne.BarrierInputs in);

  /** Whether {@code in} is on trace links (predicted by the walk, not the closed forms). */
  static boolean traced(RoundOne.BarrierInputs in) {
    return in.links() != null;
  }

  /**
   * A finished plan of this scheme at the scenario's cut, predicted by the walk over the run's
   * links ({@link RoundOne#walkVisits}, {@link RoundOne#walkPerDeviceCopies}) on trace links, else
   * by the closed forms.
   */
  SchemePlan plan(
      RoundOne.BarrierInputs in,
      String cut,
      List<SchemePlan.Visit> visits,
      List<String> decisions,
      LatencyBreakdown predicted) {
    return plan(in, cut, visits, decisions, predicted, traced(in));
  }

  /**
   * A finished plan of this scheme at the scenario's cut; {@code walked}: predicted by the walk
   * over {@code in}'s links, which carry the scenario's link faults, else by the closed forms,
   * which know no faults.
   */
  SchemePlan plan(
      RoundOne.BarrierInputs in,
      String cut,
      List<SchemePlan.Visit> visits,
      List<String> decisions,
      LatencyBreakdown predicted,
      boolean walked) {
    return new SchemePlan(
        name,
        Family.BARRIER,
        in.settings().model().name(),
        cut,
        visits,
        decisions,
        views(in),
        predicted.total(),
        predicted,
        walked ? TRACE_BASIS : CLOSED_BASIS,
        walked ? SchemePlan.FaultsTimed.LINK : SchemePlan.FaultsTimed.NONE);
  }

  /** The devices as the planner sees them. */
  static List<SchemePlan.DeviceView> views(RoundOne.BarrierInputs in) {
    List<SchemePlan.DeviceView> out = new ArrayList<>();
    for (DeviceState d : in.devices()) {
      out.add(
          new SchemePlan.DeviceView(
              Integer.parseInt(d.id()),
              d.flopsPerSecond(),
              d.samples(),
              d.uplink().bitsPerSecond(1),
              d.downlink().bitsPerSecond(1),
              d.propagationSeconds()));
    }
    return out;
  }

  /** Equal shares of one band when the spectrum is shared, else 1 on each device's own link. */
  static double[] linkShares(RoundOne.BarrierInputs in, int members) {
    double[] x = new double[members];
    Arrays.fill(x, in.sharedSpectrum() ? 1.0 / members : 1.0);
    return x;
  }

  static int[] indexes(int n) {
    int[] x = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
    }
    return x;
  }

  static List<Integer> ids(int n) {
    List<Integer> x = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      x.add(i);
    }
    return x;
  }
}
