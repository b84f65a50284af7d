package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.ShareSplitRun;
import io.splitemu.actors.runtime.SplitPolicy;
import java.util.List;

/**
 * EdgeSplit ({@code edgesplit}): per-device cut and bandwidth share by the alternation, equal
 * server shares, aggregation at a barrier; {@code edgesplit-uniform} is its baseline (one cut,
 * equal shares). LATENCY-MODEL.md section 4.
 */
final class EdgeSplitScheme extends SplitScheme {

  private final boolean uniform;

  EdgeSplitScheme(String name, boolean uniform) {
    super(name);
    this.uniform = uniform;
  }

  @Override
  protected void check(Settings s) {
    ShareSplitRun.check(s);
  }

  @Override
  public SplitPolicy policy(Settings s) {
    return ShareSplitRun.edgeSplitPolicy(s, uniform);
  }

  @Override
  protected List<Emulation.LinkPair> links(Settings s, int n) {
    return ShareSplitRun.links(s, n);
  }
}
