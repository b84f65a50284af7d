package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.ShareSplitRun;
import io.splitemu.actors.runtime.SplitPolicy;
import java.util.List;

/**
 * SFL with server compute allocation ({@code sfl-compute}): per-device cut and server compute share
 * by the alternation, dedicated links, each device uploads its model after its own steps; {@code
 * sfl-compute-uniform} is its baseline (the best single cut, equal server shares). LATENCY-MODEL.md
 * section 5.
 */
final class SflComputeScheme extends SplitScheme {

  private final boolean uniform;

  SflComputeScheme(String name, boolean uniform) {
    super(name);
    this.uniform = uniform;
  }

  @Override
  protected void check(Settings s) {
    ShareSplitRun.check(s);
  }

  @Override
  public SplitPolicy policy(Settings s) {
    return ShareSplitRun.sflComputePolicy(s, uniform);
  }

  @Override
  protected List<Emulation.LinkPair> links(Settings s, int n) {
    return ShareSplitRun.links(s, n);
  }
}
