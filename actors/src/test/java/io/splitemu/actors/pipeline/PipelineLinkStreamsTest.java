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

  @Test
  void paced_deliveriesHeldLongerThanBarrierTimeout_areNoHang_theRunEndsAsVirtual() {
    // Each 1 s transfer is held 167 ms of wall time at speedup 6, and with one batch in flight
    // per device nothing else moves meanwhile: longer than a barrier.timeout of 100 ms. The
    // watchdog takes deliveries held by their schedule (none overdue) for no hang.
    PipelinePlan plan = PipelineHandTest.handPlan(1);
    PipelineControl.Result virtual = PipelineEmulation.simulate(plan);
    Supervisor.Finished paced =
        PipelineEmulation.run(
            plan,
            PipelineEmulation.Options.of(plan)
                .paced(6)
                .withBarrierTimeout(java.time.Duration.ofMillis(100)));
    assertNull(paced.error());
    assertEquals(virtual.epochs(), paced.pipeline().epochs());
  }

  /**
   * Drop-for-run: device 2's only activations reach hop 1 at 39.5 s, after devices 0 and 1 are done
   * with epoch 1, and it hangs at 40 s; given up at 41 s (deadline 1 s), it leaves hop 1 busy until
   * 49.5 s with its forward job. Devices 0 and 1 start epoch 2 when the hops are free, at 49.5 s.
   * Before, they started at 42 s and 41.5 s and their jobs reached hop 1 below its bound on the
   * next epoch's inputs (its last end, 49.5 s), so it served them in the order their messages came
   * rather than their emulated arrivals (device 0 first, though device 1 arrived first).
   */
  @Test
  void aDeviceGivenUpLeavesAHopBusy_theNextEpochStartsWhenTheHopsAreFree() {
    long s = 1_000_000_000L;
    PipelinePlan plan = busyAfterTheAggregate();
    PipelineControl.Result r = PipelineEmulation.simulate(plan, hungAt40(plan));
    PipelineControl.EpochResult e1 = r.epochs().get(0);
    assertEquals(Map.of(2, 41 * s), e1.missedNs());
    assertEquals(34 * s, e1.hopBusyNs().get("hop-1"), "devices 0 and 1 (10 + 2 s each), device 2");
    // Device 0 (hand-traced): head 49.5-50.5 s, up to 51.5 s, hop 1 to 61.5 s, hop 2 to 62.5 s,
    // down to 63.5 s, tail to 64.5 s, up to 65.5 s, hop 2 back to 67.5 s; hop 1 serves device 1's
    // forward job (arrived at 51.5 s too, after device 0 by id) to 71.5 s, then device 0's
    // backward to 73.5 s; down to 74.5 s, head backward to 75.5 s, its model up at 76.5 s.
    PipelineControl.EpochResult e2 = r.epochs().get(1);
    assertEquals(76 * s + s / 2, e2.devices().get(0).finishNs(), e2.toString());
    assertEquals(81 * s + s / 2, e2.devices().get(1).finishNs(), e2.toString());
    // The same on another run.
    assertEquals(r.epochs(), PipelineEmulation.simulate(plan, hungAt40(plan)).epochs());
  }

  /** Device 2 hangs at 40 s, right after its activations reached hop 1; a deadline of 1 s. */
  private static PipelineEmulation.Options hungAt40(PipelinePlan plan) {
    long s = 1_000_000_000L;
    return PipelineEmulation.Options.of(plan)
        .withHangs(List.of(SupervisorSetup.Hang.at(2, 40 * s)), s);
  }

  /**
   * Three devices of one batch, two hops; device 2's activations take 38.5 s up (1 MB at 8e6 / 38.5
   * bit/s: they reach hop 1 at 1 s + 38.5 s, just before its hang at 40 s).
   */
  private static PipelinePlan busyAfterTheAggregate() {
    long mb = 1_000_000;
    PipelinePlan.DeviceCosts dev = new PipelinePlan.DeviceCosts(1, 1, 1, mb, mb, mb, 0);
    List<PipelinePlan.Stage> hops =
        List.of(
            new PipelinePlan.Stage("hop-1", 10, 2, 100, Double.NaN),
            new PipelinePlan.Stage("hop-2", 1, 2, 50, Double.NaN));
    return new PipelinePlan(
        "mpsl",
        2,
        new int[] {1, 1, 1},
        dev,
        new double[] {8e6, 8e6, 8e6 / 38.5},
        new double[] {8e6, 1.6e7, 8e6},
        0,
        List.of(new PipelinePlan.Lane(hops, new int[] {0, 1, 2})),
        false,
        "1-2-3",
        Double.NaN,
        "hand");
  }
}
