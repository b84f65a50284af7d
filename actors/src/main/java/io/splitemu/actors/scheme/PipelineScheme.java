package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.pipeline.MpslPlanner;
import io.splitemu.actors.pipeline.PipelineEmulation;
import io.splitemu.actors.pipeline.PipelinePlan;
import io.splitemu.actors.runtime.Emulation;
import java.util.ArrayList;
import java.util.List;

/**
 * MP-SL on the supervisor, its epochs the rounds ({@code mpsl}: the middle units placed on a chain
 * of compute hops; {@code mpsl-horizontal}: the devices spread over helpers, each with the whole
 * middle): the placement is {@link MpslPlanner}'s, and the prediction is its EdgeSys epoch estimate
 * (docs/mpsl.md gives its error against the emulated epoch).
 */
public class PipelineScheme implements Scheme {

  private final String name;

  /** A pipeline scheme named {@code name}. */
  public PipelineScheme(String name) {
    this.name = name;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public String model(Settings s) {
    return s.mpsl().model();
  }

  @Override
  public String modelKey() {
    return "mpsl.model";
  }

  @Override
  public final Family family() {
    return Family.PIPELINE;
  }

  @Override
  public Emulation.Prepared prepare(Settings s) {
    return PipelineEmulation.prepare(s);
  }

  @Override
  public SchemePlan plan(Settings s) {
    PipelinePlan p = MpslPlanner.plan(s);
    List<SchemePlan.Visit> lanes = new ArrayList<>();
    for (PipelinePlan.Lane lane : p.lanes()) {
      int k = lane.devices().length;
      long[] steps = new long[k];
      double[] one = new double[k];
      for (int i = 0; i < k; i++) {
        steps[i] = p.batchesPerDevice()[lane.devices()[i]];
        one[i] = 1.0;
      }
      lanes.add(new SchemePlan.Visit(lane.devices(), steps, one, one.clone(), null));
    }
    List<SchemePlan.DeviceView> views = new ArrayList<>();
    for (int d = 0; d < p.batchesPerDevice().length; d++) {
      views.add(
          new SchemePlan.DeviceView(
              d,
              Double.NaN,
              (long) p.batchesPerDevice()[d] * s.batchSize(),
              p.uplinkBps()[d],
              p.downlinkBps()[d],
              p.propagationNs() / 1e9));
    }
    return new SchemePlan(
        name,
        Family.PIPELINE,
        s.mpsl().model(),
        p.cut(),
        lanes,
        List.of(p.planDetail()),
        views,
        p.predictedEpochS(),
        null,
        "MpslPlanner's EdgeSys epoch estimate (an epoch is a round; its parts overlap)",
        SchemePlan.FaultsTimed.NONE); // the estimate is from rates and measured times alone
  }
}
