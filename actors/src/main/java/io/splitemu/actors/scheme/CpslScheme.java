package io.splitemu.actors.scheme;

import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.runtime.RoundPlanner;
import io.splitemu.planner.cpsl.RoundPlan;
import io.splitemu.planner.latency.ClusterAssignment;
import io.splitemu.planner.latency.SchemeLatency;
import java.util.ArrayList;
import java.util.List;

/**
 * CPSL ({@code cpsl}) and its aliases ({@code cpsl-random}, {@code cpsl-fixed}, which replace
 * settings of the {@code cpsl} block): the cut on the large timescale, clusters and spectrum shares
 * every round; the supervisor's CPSL controller makes both decisions, and the plan asks the same
 * controller for round 1's.
 */
final class CpslScheme extends BarrierScheme {

  CpslScheme(String name) {
    super(name);
  }

  @Override
  public RoundPlanner.Clusters visits(List<Integer> devices) {
    // The supervisor plans a cpsl round with its CPSL controller, never through here.
    throw new IllegalStateException(name() + " rounds are planned by the CPSL controller");
  }

  @Override
  protected SchemePlan plan(RoundOne.BarrierInputs in) {
    RoundOne.CpslRoundOne r = RoundOne.cpsl(in);
    RoundPlan plan = r.plan();
    List<SchemePlan.Visit> visits = new ArrayList<>();
    for (ClusterAssignment a : plan.clusters()) {
      List<io.splitemu.planner.latency.DeviceState> members = new ArrayList<>();
      for (int m : a.members()) {
        members.add(in.devices().get(m));
      }
      long e = SchemeLatency.visitSteps(in.localSteps(), members, in.batch());
      long[] steps = new long[a.members().length];
      java.util.Arrays.fill(steps, e);
      visits.add(
          new SchemePlan.Visit(a.members(), steps, a.uplinkShares(), a.downlinkShares(), null));
    }
    return plan(
        in,
        Integer.toString(r.cut()),
        visits,
        List.of(r.cutDecision(), plan.clusters().size() + " clusters, shares by the planner"),
        r.predicted(),
        false); // SchemeLatency.cpslRound's closed forms, on any links
  }
}
