package io.splitemu.actors.scheme;

import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.runtime.RoundPlanner;
import io.splitemu.actors.runtime.VisitPlan;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.SchemeLatency;
import java.util.ArrayList;
import java.util.List;

/**
 * Vanilla split learning ({@code sl}): one visit per device in id order, each on the whole band.
 */
final class SlScheme extends BarrierScheme {

  SlScheme() {
    super("sl");
  }

  @Override
  public RoundPlanner.Clusters visits(List<Integer> devices) {
    List<List<Integer>> one = new ArrayList<>();
    for (int d : devices) {
      one.add(List.of(d));
    }
    return new RoundPlanner.Clusters(one, VisitPlan.Mode.SHARED_CONCATENATED);
  }

  @Override
  protected SchemePlan plan(RoundOne.BarrierInputs in) {
    int n = in.devices().size();
    List<SchemePlan.Visit> visits = new ArrayList<>();
    List<int[]> members = new ArrayList<>();
    for (int d = 0; d < n; d++) {
      long e = SchemeLatency.visitSteps(in.localSteps(), List.of(in.devices().get(d)), in.batch());
      visits.add(
          new SchemePlan.Visit(
              new int[] {d}, new long[] {e}, new double[] {1}, new double[] {1}, null));
      members.add(new int[] {d});
    }
    LatencyBreakdown p =
        traced(in)
            ? RoundOne.walkVisits(in, members)
            : SchemeLatency.vanillaSlRound(
                in.costs(), in.cut(), in.batch(), in.localSteps(), in.devices(), in.server());
    return plan(
        in,
        Integer.toString(in.cut()),
        visits,
        List.of("every device alone, in id order, on the whole band"),
        p);
  }
}
