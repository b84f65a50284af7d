package io.splitemu.actors.scheme;

import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.runtime.RoundPlanner;
import io.splitemu.actors.runtime.VisitPlan;
import java.util.List;

/** Parallel split learning ({@code psl}): one visit of every device on a concatenated batch. */
final class PslScheme extends BarrierScheme {

  PslScheme() {
    super("psl");
  }

  @Override
  public RoundPlanner.Clusters visits(List<Integer> devices) {
    return new RoundPlanner.Clusters(
        List.of(List.copyOf(devices)), VisitPlan.Mode.SHARED_CONCATENATED);
  }

  @Override
  protected SchemePlan plan(RoundOne.BarrierInputs in) {
    return SflV2Scheme.barrierOfAll(
        this, in, "one visit of every device; the server trains on the concatenated batch");
  }
}
