package io.splitemu.actors.scheme;

import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.runtime.RoundPlanner;
import io.splitemu.actors.runtime.VisitPlan;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.SchemeLatency;
import java.util.Arrays;
import java.util.List;

/**
 * SplitFed v1 ({@code sfl-v1}): every device on its own server copy with an equal share of the
 * server, each running its own epoch; the copies are averaged and the aggregate goes down.
 */
final class SflV1Scheme extends BarrierScheme {

  SflV1Scheme() {
    super("sfl-v1");
  }

  @Override
  public RoundPlanner.Clusters visits(List<Integer> devices) {
    return new RoundPlanner.Clusters(
        List.of(List.copyOf(devices)), VisitPlan.Mode.PER_DEVICE_COPIES);
  }

  @Override
  protected SchemePlan plan(RoundOne.BarrierInputs in) {
    int n = in.devices().size();
    double[] link = linkShares(in, n);
    double[] server = new double[n];
    Arrays.fill(server, 1.0 / n);
    long[] steps = new long[n];
    for (int d = 0; d < n; d++) {
      steps[d] =
          in.localSteps() > 0 ? in.localSteps() : in.devices().get(d).stepsPerEpoch(in.batch());
    }
    LatencyBreakdown p;
    if (traced(in)) {
      p = RoundOne.walkPerDeviceCopies(in);
    } else if (in.sharedSpectrum()) {
      p =
          SchemeLatency.splitFedV1Round(
              in.costs(),
              in.cut(),
              in.batch(),
              in.localSteps(),
              in.devices(),
              link,
              link,
              server,
              in.server());
    } else {
      p =
          SchemeLatency.splitFedV1Round(
              in.costs(), in.cut(), in.batch(), in.localSteps(), in.devices(), server, in.server());
    }
    return plan(
        in,
        Integer.toString(in.cut()),
        List.of(new SchemePlan.Visit(indexes(n), steps, link, link, server)),
        List.of("every device on its own server copy with 1/" + n + " of the server"),
        p);
  }
}
