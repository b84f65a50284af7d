package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.SplitPolicy;
import java.util.List;

/**
 * DAG splits of a DAG-profile model ({@code dag-mincut}, {@code dag-chain}, {@code dag-device},
 * {@code dag-server}): each device's layers split into a device and a server set by the scheme's
 * splitter at the rates estimated for it (docs/dag.md).
 */
final class DagScheme extends SplitScheme {

  DagScheme(String name) {
    super(name);
  }

  @Override
  protected void check(Settings s) {
    DagSplitPolicy.check(s);
  }

  @Override
  public String model(Settings s) {
    return DagSplitPolicy.profile(s).name();
  }

  @Override
  public String modelKey() {
    return "dag.profile";
  }

  @Override
  public SplitPolicy policy(Settings s) {
    return DagSplitPolicy.policy(s);
  }

  @Override
  protected List<Emulation.LinkPair> links(Settings s, int n) {
    return Emulation.links(s, n);
  }
}
