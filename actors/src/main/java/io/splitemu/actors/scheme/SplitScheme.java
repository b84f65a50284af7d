package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.runtime.SplitPolicy;
import io.splitemu.planner.latency.LatencyBreakdown;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheme of per-device splits, run by the supervisor as the edge server's depth-per-device mode:
 * a subclass gives the scenario check, the policy that decides each device's cut and shares from
 * the link rates the supervisor estimates at a round's start, and the links its devices run on. The
 * plan asks the same policy with the same estimate (the probe of each idle link) and walks round 1
 * over the run's links with the devices' own timing.
 */
public abstract class SplitScheme implements Scheme {

  private final String name;

  /** A split scheme named {@code name}. */
  protected SplitScheme(String name) {
    this.name = name;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Family family() {
    return Family.SPLIT;
  }

  /** Refuses, with one line naming the key, a scenario this scheme cannot run. */
  protected abstract void check(Settings s);

  /** The scheme's planner: per-device plans from the rates estimated at a round's start. */
  public abstract SplitPolicy policy(Settings s);

  /** The name of the model profile the policy plans with. */
  @Override
  public abstract String model(Settings s);

  /** Fresh links of the devices, idle at 0 (shares scale a trace or not, as the engine does). */
  protected abstract List<Emulation.LinkPair> links(Settings s, int n);

  @Override
  public Emulation.Prepared prepare(Settings s) {
    check(s);
    return Emulation.prepareSplit(s, () -> policy(s), n -> links(s, n));
  }

  /**
   * Checks {@code given} as {@link #prepare} does (its fidelity included, and in {@code full}
   * fidelity the data), then plans round 1 in {@code timing}: the run's timing is the same in both.
   */
  @Override
  public SchemePlan plan(Settings given) {
    check(given);
    Emulation.checkSplitData(given);
    Settings s = given.withFidelity(Settings.Fidelity.TIMING);
    int n = s.devices().count();
    double[] flops = ShareSplitPolicies.flops(s, 1); // round 1's compute factors applied
    RoundOne.SplitRoundOne r = RoundOne.split(s, policy(s), flops, links(s, n), links(s, n));
    int[] all = BarrierScheme.indexes(n);
    long[] steps = new long[n];
    double[] up = new double[n];
    double[] down = new double[n];
    double[] server = new double[n];
    List<String> decisions = new ArrayList<>();
    List<SchemePlan.DeviceView> views = new ArrayList<>();
    double prop = s.links().propagationDelay().toNanos() / 1e9;
    for (int d = 0; d < n; d++) {
      SplitPolicy.DevicePlan p = r.plans().get(d);
      steps[d] = p.steps();
      up[d] = p.upShare();
      down[d] = p.downShare();
      server[d] = p.serverFlopsPerSecond() / s.serverFlops();
      decisions.add("device " + d + ": " + p.label() + "; " + p.detail());
      views.add(
          new SchemePlan.DeviceView(
              d,
              flops[d],
              (long) p.steps() * s.batchSize(),
              r.uplinkBps()[d],
              r.downlinkBps()[d],
              prop));
    }
    RoundRecord row = r.row();
    return new SchemePlan(
        name,
        Family.SPLIT,
        model(s),
        row.cut(),
        List.of(new SchemePlan.Visit(all, steps, up, down, server)),
        decisions,
        views,
        row.roundLatencyS(),
        new LatencyBreakdown(
            row.deviceComputeS(), row.serverComputeS(), row.communicationS(), row.aggregationS()),
        "the policy at the rates the supervisor's probe estimates at the round's start; round 1"
            + " walked over the links as the devices time it",
        // The walk's links are the run's (links(s, n): Emulation.links), with its link faults.
        SchemePlan.FaultsTimed.LINK);
  }
}
