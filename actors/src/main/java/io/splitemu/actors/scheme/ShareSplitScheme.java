package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.SplitPolicy;
import java.util.List;
import java.util.function.Function;

/**
 * A split scheme on the zoo's chain models whose policy decides a cut and shares per device:
 * EdgeSplit ({@code edgesplit}, {@code edgesplit-uniform}: LATENCY-MODEL.md section 4) and SFL with
 * server compute allocation ({@code sfl-compute}, {@code sfl-compute-uniform}, {@code
 * sfl-compute-robust}: section 5). They share the scenario check and the links; only the policy
 * differs.
 */
final class ShareSplitScheme extends SplitScheme {

  private final Function<Settings, SplitPolicy> policy;

  /** The scheme {@code name} whose rounds {@code policy} of the scenario plans. */
  ShareSplitScheme(String name, Function<Settings, SplitPolicy> policy) {
    super(name);
    this.policy = policy;
  }

  @Override
  protected void check(Settings s) {
    ShareSplitPolicies.check(s);
  }

  @Override
  public String model(Settings s) {
    return ShareSplitPolicies.profile(s).model();
  }

  @Override
  public SplitPolicy policy(Settings s) {
    return policy.apply(s);
  }

  @Override
  protected List<Emulation.LinkPair> links(Settings s, int n) {
    return Emulation.links(s, n, true);
  }
}
