package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.runtime.PipelineControl;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A pipeline small enough to trace by hand: 2 devices, 2 hops, 2 batches each, constant costs.
 *
 * <p>Every device step (head forward, head backward, tail) takes 1 s and every transfer 1 s (1 MB
 * at 8 Mbit/s); both hops take F = 1 s and B = 2 s. Trace, in seconds (d0 wins ties by id):
 *
 * <pre>
 * batch 0  d0, d1: head F [0,1], up [1,2]          both reach hop 1 at 2
 *          hop 1 F: d0 [2,3], d1 [3,4]             hop 2 F: d0 [3,4], d1 [4,5]
 *          d0: down [4,5] tail [5,6] up [6,7]      d1: down [5,6] tail [6,7] up [7,8]
 *          hop 2 B: d0 [7,9], d1 [9,11]            hop 1 B: d0 [9,11], d1 [11,13]
 *          d0: down [11,12] head B [12,13]         d1: down [13,14] head B [14,15]
 * batch 1  d0: head F [13,14] up [14,15]           d1: head F [15,16] up [16,17]
 *          hop 1 F: d0 [15,16], d1 [17,18]         hop 2 F: d0 [16,17], d1 [18,19]
 *          d0: down [17,18] tail [18,19] up [19,20] d1: down [19,20] tail [20,21] up [21,22]
 *          hop 2 B: d0 [20,22], d1 [22,24]         hop 1 B: d0 [22,24], d1 [24,26]
 *          d0: down [24,25] head B [25,26]         d1: down [26,27] head B [27,28]
 * FedAvg   uploads d0 [26,27], d1 [28,29]; aggregate at 29; downloads [29,30]
 * </pre>
 *
 * So an epoch takes 30 s, the second starts at 30 for both devices and repeats the first.
 */
class PipelineHandTest {

  static PipelinePlan handPlan(int epochs) {
    long mb = 1_000_000;
    PipelinePlan.DeviceCosts dev = new PipelinePlan.DeviceCosts(1, 1, 1, mb, mb, mb, 0);
    List<PipelinePlan.Stage> hops =
        List.of(
            new PipelinePlan.Stage("hop-1", 1, 2, 100, Double.NaN),
            new PipelinePlan.Stage("hop-2", 1, 2, 50, Double.NaN));
    return new PipelinePlan(
        "mpsl",
        epochs,
        new int[] {2, 2},
        dev,
        new double[] {8e6, 8e6},
        new double[] {8e6, 8e6},
        0,
        List.of(new PipelinePlan.Lane(hops, new int[] {0, 1})),
        false,
        "1-2-3",
        Double.NaN,
        "hand");
  }

  @Test
  void twoDevicesTwoHops_epochTakesTheHandTracedThirtySeconds() {
    PipelineControl.Result r = PipelineEmulation.simulate(handPlan(2));
    assertEquals(2, r.epochs().size());
    PipelineControl.EpochResult e1 = r.epochs().get(0);
    assertEquals(0, e1.startNs());
    assertEquals(28_000_000_000L, e1.lastFinishNs());
    assertEquals(29_000_000_000L, e1.aggregatedNs());
    assertEquals(30_000_000_000L, e1.endNs());
    assertEquals(26_000_000_000L, e1.devices().get(0).finishNs());
    // 2 devices x 2 batches x (F 1 s + B 2 s) on each hop
    assertEquals(12_000_000_000L, e1.hopBusyNs().get("hop-1"));
    assertEquals(12_000_000_000L, e1.hopBusyNs().get("hop-2"));
    PipelineControl.EpochResult e2 = r.epochs().get(1);
    assertEquals(30_000_000_000L, e2.startNs());
    assertEquals(60_000_000_000L, e2.endNs());
  }

  @Test
  void hopMemory_countsOneSliceInstancePerDevice() {
    PipelineControl.Result r = PipelineEmulation.simulate(handPlan(1));
    assertEquals(200L, r.hopPeakBytes().get("hop-1"));
    assertEquals(100L, r.hopPeakBytes().get("hop-2"));
    assertEquals(8L, r.hopJobs().get("hop-1"));
  }
}
