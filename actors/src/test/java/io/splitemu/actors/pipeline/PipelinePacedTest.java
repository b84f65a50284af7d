package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.net.stream.Pacing;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MP-SL's transfers pass through the link channels: paced, a run waits for the wall clock at each
 * delivery and computes the same epochs as a virtual run.
 */
class PipelinePacedTest {

  @Test
  void paced_sameEpochsAsVirtual_andEveryTransferWaitsForTheWallClock() {
    PipelinePlan plan = PipelineHandTest.handPlan(1); // one 30 s epoch (hand-traced)
    PipelineRun.Result virtual = PipelineRun.simulate(plan);
    double speedup = 60; // 30 emulated seconds in 0.5 s of wall time
    Pacing pacing = Pacing.pacedFromNow(speedup);
    PipelineRun.Ended paced =
        PipelineRun.run(
            plan,
            PipelineRun.links(plan, plan.uplinkBps()),
            PipelineRun.links(plan, plan.downlinkBps()),
            List.of(),
            0,
            PipelineRun.Recording.NONE,
            pacing);
    long wallNs = System.nanoTime() - pacing.clockStartNanoTime();
    assertNull(paced.error());
    assertEquals(virtual.epochs(), paced.result().epochs());
    // The last transfer, the aggregate's download, arrives at 30 s: due at 0.5 s of wall time.
    long lastArrival = virtual.epochs().get(0).endNs();
    assertEquals(30_000_000_000L, lastArrival);
    assertTrue(wallNs >= lastArrival / speedup, "ended after " + wallNs / 1e6 + " ms");
    // Per device: 2 batches x (activations up, down, tail gradient up, down) + model up and down.
    assertEquals(2 * (2 * 4 + 2), pacing.lag().count());
  }
}
