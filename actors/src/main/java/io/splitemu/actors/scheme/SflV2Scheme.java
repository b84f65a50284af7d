package io.splitemu.actors.scheme;

import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.runtime.RoundPlanner;
import io.splitemu.actors.runtime.VisitPlan;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.SchemeLatency;
import java.util.Arrays;
import java.util.List;

/**
 * SplitFed v2 ({@code sfl-v2}): one visit of every device, the server's one model trained on the
 * devices' batches one after another; timed as PSL (LATENCY-MODEL.md's barrier form).
 */
final class SflV2Scheme extends BarrierScheme {

  SflV2Scheme() {
    super("sfl-v2");
  }

  @Override
  public RoundPlanner.Clusters visits(List<Integer> devices) {
    return new RoundPlanner.Clusters(
        List.of(List.copyOf(devices)), VisitPlan.Mode.SHARED_SEQUENTIAL);
  }

  @Override
  protected SchemePlan plan(RoundOne.BarrierInputs in) {
    return barrierOfAll(
        this, in, "one visit of every device; the server trains on their batches in turn");
  }

  /** One visit of all devices, equal shares of a shared band or each on its own link. */
  static SchemePlan barrierOfAll(BarrierScheme scheme, RoundOne.BarrierInputs in, String what) {
    int n = in.devices().size();
    double[] link = linkShares(in, n);
    long e = SchemeLatency.visitSteps(in.localSteps(), in.devices(), in.batch());
    long[] steps = new long[n];
    Arrays.fill(steps, e);
    LatencyBreakdown p;
    if (traced(in)) {
      p = RoundOne.walkVisits(in, List.of(indexes(n)));
    } else if (in.sharedSpectrum()) {
      p =
          SchemeLatency.pslRound(
              in.costs(),
              in.cut(),
              in.batch(),
              in.localSteps(),
              in.devices(),
              link,
              link,
              in.server());
    } else {
      p =
          SchemeLatency.pslRound(
              in.costs(), in.cut(), in.batch(), in.localSteps(), in.devices(), in.server());
    }
    return scheme.plan(
        in,
        Integer.toString(in.cut()),
        List.of(new SchemePlan.Visit(indexes(n), steps, link, link, null)),
        List.of(what),
        p);
  }
}
