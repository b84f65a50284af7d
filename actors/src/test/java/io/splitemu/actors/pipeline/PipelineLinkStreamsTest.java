package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.runtime.PipelineControl;
import io.splitemu.actors.runtime.Supervisor;
import io.splitemu.actors.runtime.SupervisorSetup;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * MP-SL's transfers pass through the link channels: paced, a run waits for the wall clock at each
 * delivery and computes the same epochs as a virtual run; an upload arriving at the device's hang
 * instant is withheld and the device withdraws, on the hand-traced plan.
 */
class PipelineLinkStreamsTest {

  @Test
  void uploadArrivingAtTheHang_isWithheld_deviceWithdraws_andTheOtherKeepsItsTimes() {
    // Hand trace (PipelineHandTest): device 1's batch-1 activations reach hop 1 at 17 s. Hung at
    // 17 s, that upload is withheld; it sent one forward and one backward job, hops stop
    // expecting the rest, and device 0, ahead of it at every hop, keeps its times.
    long s = 1_000_000_000L;
    PipelineControl.Result r =
        PipelineEmulation.simulate(
            PipelineHandTest.handPlan(2),
            PipelineEmulation.Options.of(PipelineHandTest.handPlan(2))
                .withHangs(List.of(SupervisorSetup.Hang.at(1, 17 * s)), 5 * s));
    PipelineControl.EpochResult e1 = r.epochs().get(0);
    assertEquals(Map.of(1, 22 * s), e1.missedNs()); // given up at the hang + the deadline
    assertEquals(1, e1.devices().size());
    PipelineControl.DeviceEpoch d0 = e1.devices().get(0);
    assertEquals(0, d0.device());
    assertEquals(26 * s, d0.finishNs());
    assertEquals(27 * s, e1.aggregatedNs()); // device 0's model upload, after the deadline
    assertEquals(28 * s, e1.endNs());
    // Device 0's links: 2 batches x 2 uploads + the model, 1 s each; the same downloads.
    assertEquals(5 * s, d0.uplinkNs());
    assertEquals(5 * s, d0.downlinkNs());
    // Epoch 2: device 0 alone, 13 s per batch with nobody to wait for, then FedAvg up and down.
    PipelineControl.EpochResult e2 = r.epochs().get(1);
    assertEquals(Map.of(), e2.missedNs());
    assertEquals(1, e2.devices().size());
    assertEquals(28 * s + 2 * 13 * s + 2 * s, e2.endNs());
  }

  @Test
  void paced_sameEpochsAsVirtual_andEveryTransferWaitsForTheWallClock() {
    PipelinePlan plan = PipelineHandTest.handPlan(1); // one 30 s epoch (hand-traced)
    PipelineControl.Result virtual = PipelineEmulation.simulate(plan);
    double speedup = 60; // 30 emulated seconds in 0.5 s of wall time
    PipelineEmulation.Options options = PipelineEmulation.Options.of(plan).paced(speedup);
    long startNs = System.nanoTime();
    Supervisor.Finished paced = PipelineEmulation.run(plan, options);
    long wallNs = System.nanoTime() - startNs;
    assertNull(paced.error());
    assertEquals(virtual.epochs(), paced.pipeline().epochs());
    // The last transfer, the aggregate's download, arrives at 30 s: due at 0.5 s of wall time.
    long lastArrival = virtual.epochs().get(0).endNs();
    assertEquals(30_000_000_000L, lastArrival);
    assertTrue(wallNs >= lastArrival / speedup, "ended after " + wallNs / 1e6 + " ms");
    // Per device: 2 batches x (activations up, down, tail gradient up, down) + model up and down.
    assertEquals(2 * (2 * 4 + 2), options.lag().count());
  }
}
