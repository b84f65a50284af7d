package io.splitemu.planner.multihop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.profile.MeasuredProfile;
import io.splitemu.planner.memory.MemoryAccounting;
import io.splitemu.planner.memory.MemoryModel;
import io.splitemu.planner.memory.UnitMemory;
import io.splitemu.planner.multihop.PricedNodes.Node;
import io.splitemu.planner.multihop.PricedNodes.Plan;
import io.splitemu.planner.multihop.PricedNodes.Setting;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The cost study of docs/mpsl.md on the pool of scenarios/mpsl-cost-effective.conf. */
class PricedNodesTest {

  private static final Node VM = new Node("VM", 32e9, 0.384);
  private static final Node LAPTOP = new Node("laptop", 16e9, 0.045);
  private static final Node JETSON = new Node("jetson-gpu", 8e9, 0.0175);
  private static final List<Node> POOL =
      List.of(VM, LAPTOP, LAPTOP, JETSON, JETSON, JETSON, JETSON);

  private static Setting setting(String model, int head, int tail, int devices) {
    MeasuredProfile p = MeasuredData.load(model + "_cifar");
    int l = p.unitCount();
    double[] mu = new double[l];
    UnitMemory um = UnitMemory.of(p);
    for (int j = 1; j <= l; j++) {
      mu[j - 1] = MemoryModel.unitBytes(um, j, 128, MemoryAccounting.PAPER, 0);
    }
    DeviceSide side = DeviceSide.fromMeasured(p, "d1", 128, 8e6, 8e6);
    int batches = ((50_000 + devices - 1) / devices + 127) / 128;
    return new Setting(p, side, mu, head, l - tail, devices, batches, 128);
  }

  @Test
  void distinctOrders_ofAMultiset_eachSequenceOnce() {
    assertEquals(105, PricedNodes.distinctOrders(POOL).size()); // 7! / (2! 4!)
    assertEquals(3 * 2 * 5 - 1, PricedNodes.subMultisets(POOL).size());
  }

  @Test
  void resnet101_horizontalIsCheaperPerEpochThanMultihop_onEveryPoolTried() {
    Setting s = setting("resnet101", 2, 2, 100);
    for (List<Node> nodes : List.of(List.of(JETSON, JETSON, JETSON, JETSON, JETSON), POOL)) {
      Plan m = PricedNodes.multihop(s, nodes).orElseThrow();
      Plan h = PricedNodes.horizontal(s, nodes).orElseThrow();
      assertTrue(h.costPerEpoch() < m.costPerEpoch(), nodes + ": " + h + " vs " + m);
      assertEquals(
          m.costPerEpoch(),
          m.epochSeconds() / 3600 * nodes.stream().mapToDouble(Node::pricePerHour).sum(),
          1e-12);
    }
    Plan cm = PricedNodes.cheapest(s, POOL, true).orElseThrow();
    Plan ch = PricedNodes.cheapest(s, POOL, false).orElseThrow();
    assertTrue(ch.costPerEpoch() < cm.costPerEpoch());
    // the cheapest plans use the cheap Jetsons only, well under the VMs' cost
    assertTrue(cm.nodes().stream().allMatch(n -> n.type().equals("jetson-gpu")), cm.toString());
  }

  @Test
  void vgg19_aHundredInstancesOfTheFirstFullyConnectedLayerFitNoNode_soOnlyHelpersRun() {
    Setting s = setting("vgg19", 3, 1, 100);
    Optional<Plan> m = PricedNodes.multihop(s, POOL);
    assertTrue(m.isEmpty(), "multihop placed: " + m);
    Plan h = PricedNodes.horizontal(s, POOL).orElseThrow();
    for (int i = 0; i < POOL.size(); i++) {
      assertTrue(h.memoryBytes()[i] <= POOL.get(i).memoryBytes(), "helper " + i);
    }
  }

  /**
   * A chain of more nodes than middle units has an empty hop in every order: that subset is
   * infeasible, like one whose memory does not fit. ResNet-101 with the device keeping units 1..2
   * and 6..L leaves 3 middle units; four Jetsons used to abort with "middle units 3..5 cannot fill
   * 4 hops", and with them the cheapest-subset search over the pool (MpslCostStudy's row), although
   * three of them plan fine.
   */
  @Test
  void moreNodesThanMiddleUnits_isInfeasibleNotAnAbort() {
    Setting base = setting("resnet101", 2, 2, 10);
    Setting s = new Setting(base.profile(), base.device(), base.mu(), 2, 5, 10, 40, 128);
    List<Node> four = List.of(JETSON, JETSON, JETSON, JETSON);
    assertTrue(PricedNodes.multihop(s, four).isEmpty());
    Plan three = PricedNodes.multihop(s, four.subList(0, 3)).orElseThrow();
    assertEquals(472, three.epochSeconds(), 1);
    Plan cheapest = PricedNodes.cheapest(s, four, true).orElseThrow();
    double best = Double.POSITIVE_INFINITY;
    for (int k = 1; k <= 3; k++) {
      best =
          Math.min(best, PricedNodes.multihop(s, four.subList(0, k)).orElseThrow().costPerEpoch());
    }
    assertEquals(best, cheapest.costPerEpoch());
    assertTrue(cheapest.nodes().size() <= 3);
  }
}
