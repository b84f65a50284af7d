package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.runtime.EmulatedCpu;
import io.splitemu.actors.runtime.EmulatedLink;
import io.splitemu.actors.runtime.PipelineControl;
import io.splitemu.net.link.FluidLink;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * The actor pipeline against a sequential reference: one global event list processed in emulated
 * time order, which serves every hop first come, first served by (arrival, device, direction)
 * without any synchronisation protocol. Heterogeneous hops, link rates and batch counts, ties
 * included: the conservative actors must give the same instants to the nanosecond.
 */
class PipelineReferenceTest {

  private record Arrival(long ns, int hop, int device, boolean forward, int batch) {}

  private static final Comparator<Arrival> ORDER =
      Comparator.comparingLong(Arrival::ns)
          .thenComparingInt(Arrival::hop)
          .thenComparingInt(Arrival::device)
          .thenComparing(a -> a.forward() ? 0 : 1);

  /** Per epoch: each device's finish of its last batch and arrival of the aggregate. */
  static long[][][] reference(PipelinePlan plan) {
    int n = plan.devices();
    List<PipelinePlan.Stage> hops = plan.lanes().get(0).hops();
    int h = hops.size();
    PipelinePlan.DeviceCosts c = plan.device();
    EmulatedCpu[] hopCpu = new EmulatedCpu[h];
    for (int i = 0; i < h; i++) {
      hopCpu[i] = new EmulatedCpu("ref-hop");
    }
    EmulatedCpu[] cpu = new EmulatedCpu[n];
    EmulatedLink[] up = new EmulatedLink[n];
    EmulatedLink[] down = new EmulatedLink[n];
    for (int d = 0; d < n; d++) {
      double u = plan.uplinkBps()[d];
      double w = plan.downlinkBps()[d];
      cpu[d] = new EmulatedCpu("ref-device");
      up[d] = new EmulatedLink((r, x) -> FluidLink.constant(u * x, 0));
      down[d] = new EmulatedLink((r, x) -> FluidLink.constant(w * x, 0));
    }
    long[][][] out = new long[plan.epochs()][2][n];
    long[] start = new long[n];
    for (int e = 0; e < plan.epochs(); e++) {
      PriorityQueue<Arrival> events = new PriorityQueue<>(ORDER);
      int[] batch = new int[n];
      for (int d = 0; d < n; d++) {
        long f = cpu[d].end(start[d], c.headForwardS(), 1.0);
        events.add(new Arrival(up[d].arrival(f, c.cutBytes(), 1.0), 0, d, true, 0));
      }
      while (!events.isEmpty()) {
        Arrival a = events.poll();
        PipelinePlan.Stage st = hops.get(a.hop());
        long end = hopCpu[a.hop()].end(a.ns(), a.forward() ? st.forwardS() : st.backwardS(), 1.0);
        int d = a.device();
        if (a.forward() && a.hop() < h - 1) {
          events.add(new Arrival(end, a.hop() + 1, d, true, a.batch()));
        } else if (a.forward()) {
          long got = down[d].arrival(end, c.tailCutBytes(), 1.0);
          long t = cpu[d].end(got, c.tailS(), 1.0);
          events.add(
              new Arrival(up[d].arrival(t, c.tailCutBytes(), 1.0), h - 1, d, false, a.batch()));
        } else if (a.hop() > 0) {
          events.add(new Arrival(end, a.hop() - 1, d, false, a.batch()));
        } else {
          long got = down[d].arrival(end, c.cutBytes(), 1.0);
          long t = cpu[d].end(got, c.headBackwardS(), 1.0);
          batch[d]++;
          if (batch[d] < plan.batchesPerDevice()[d]) {
            long f = cpu[d].end(t, c.headForwardS(), 1.0);
            events.add(new Arrival(up[d].arrival(f, c.cutBytes(), 1.0), 0, d, true, batch[d]));
          } else {
            out[e][0][d] = t;
          }
        }
      }
      long agg = 0;
      for (int d = 0; d < n; d++) {
        agg = Math.max(agg, up[d].arrival(out[e][0][d], c.modelBytes(), 1.0));
      }
      for (int d = 0; d < n; d++) {
        out[e][1][d] = down[d].arrival(agg, c.modelBytes(), 1.0);
        start[d] = out[e][1][d];
      }
    }
    return out;
  }

  static PipelinePlan heterogeneous(int epochs) {
    PipelinePlan.DeviceCosts dev =
        new PipelinePlan.DeviceCosts(0.8, 1.7, 0.9, 2_000_000, 300_000, 5_000_000, 0);
    List<PipelinePlan.Stage> hops =
        List.of(
            new PipelinePlan.Stage("hop-1", 0.7, 1.9, 10, Double.NaN),
            new PipelinePlan.Stage("hop-2", 1.3, 0.4, 10, Double.NaN),
            new PipelinePlan.Stage("hop-3", 0.5, 1.1, 10, Double.NaN));
    int n = 7;
    int[] ids = new int[n];
    double[] up = new double[n];
    double[] down = new double[n];
    int[] batches = new int[n];
    for (int d = 0; d < n; d++) {
      ids[d] = d;
      // two pairs of identical devices make ties at the hops
      up[d] = d < 4 ? 8e6 : 4e6 + d * 1.5e6;
      down[d] = d < 4 ? 16e6 : 10e6 + d * 1e6;
      batches[d] = 1 + d % 4;
    }
    return new PipelinePlan(
        "mpsl",
        epochs,
        batches,
        dev,
        up,
        down,
        0,
        List.of(new PipelinePlan.Lane(hops, ids)),
        false,
        "ref",
        Double.NaN,
        "reference");
  }

  @Test
  void heterogeneousChain_matchesTheSequentialReferenceToTheNanosecond() {
    PipelinePlan plan = heterogeneous(2);
    long[][][] ref = reference(plan);
    PipelineControl.Result r = PipelineEmulation.simulate(plan);
    List<String> expected = new ArrayList<>();
    List<String> actual = new ArrayList<>();
    for (int e = 0; e < plan.epochs(); e++) {
      for (int d = 0; d < plan.devices(); d++) {
        PipelineControl.DeviceEpoch de = r.epochs().get(e).devices().get(d);
        expected.add(e + "/" + d + ": " + ref[e][0][d] + " " + ref[e][1][d]);
        actual.add(e + "/" + d + ": " + de.finishNs() + " " + de.receivedNs());
      }
    }
    assertEquals(expected, actual);
  }
}
