package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.runtime.FailingLink;
import io.splitemu.actors.runtime.LinkTiming;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pipeline actor that fails ends the run within seconds, naming it, with earlier epochs kept. */
class PipelineFailureTest {

  @Test
  void deviceThrowsInEpoch2_runEndsWithinSeconds_namingIt_firstEpochKept() {
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    List<LinkTiming> up = new ArrayList<>(PipelineRun.links(plan, plan.uplinkBps()));
    // Epoch 1 of device 1 sends 2 x 2 activations and tails and one model: fail the next one.
    up.set(1, FailingLink.atTransfer(up.get(1), 2L * plan.batchesPerDevice()[1] + 2));
    long start = System.nanoTime();
    PipelineRun.Ended e = PipelineRun.run(plan, up, PipelineRun.links(plan, plan.downlinkBps()));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    String why = e.error();
    assertFalse(why.contains("\n"), why);
    assertTrue(why.startsWith("epoch 2: device-1 failed: "), why);
    assertTrue(why.contains(FailingLink.MESSAGE), why);
    assertEquals(1, e.result().epochs().size());
    // The epoch kept is the one a run without the failure records.
    assertEquals(
        PipelineRun.simulate(PipelineHandTest.handPlan(1)).epochs().get(0),
        e.result().epochs().get(0));
  }
}
