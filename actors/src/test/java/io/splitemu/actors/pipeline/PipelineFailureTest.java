package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.FailingLink;
import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.Supervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline actor that fails ends the run within seconds, naming it, with earlier epochs kept. */
class PipelineFailureTest {

  @Test
  void deviceThrowsInEpoch2_runEndsWithinSeconds_namingIt_firstEpochKept() {
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    List<LinkTiming> up = failingInEpoch2(plan);
    long start = System.nanoTime();
    Supervisor.Finished e =
        PipelineEmulation.run(
            plan,
            PipelineEmulation.Options.of(plan)
                .withLinks(up, PipelineEmulation.links(plan, plan.downlinkBps())));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    String why = e.error();
    assertFalse(why.contains("\n"), why);
    assertEquals(2, e.rounds());
    assertTrue(why.startsWith("device-1 failed: hop-1 uplink band: "), why);
    assertTrue(why.contains(FailingLink.MESSAGE), why);
    assertEquals(1, e.pipeline().epochs().size());
    // The epoch kept is the one a run without the failure records.
    assertEquals(
        PipelineEmulation.simulate(PipelineHandTest.handPlan(1)).epochs().get(0),
        e.pipeline().epochs().get(0));
  }

  @Test
  void epochOnesRows_areOnDiskAsItCompletes_andStayWhenEpoch2Fails(@TempDir Path tmp)
      throws IOException {
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    Path dir = tmp.resolve("run");
    ResultsWriter writer = ResultsWriter.open(dir, "hand plan");
    // What rounds.csv holds when the progress display (subscribed after the writer) sees a round.
    List<List<String>> onDisk = new CopyOnWriteArrayList<>();
    RunListener listener =
        new RunListener() {
          @Override
          public void onRound(RoundRecord r) {
            try {
              onDisk.add(Files.readAllLines(dir.resolve("rounds.csv")));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        };
    Supervisor.Finished e;
    try {
      e =
          PipelineEmulation.run(
              plan,
              PipelineEmulation.Options.of(plan)
                  .withLinks(
                      failingInEpoch2(plan), PipelineEmulation.links(plan, plan.downlinkBps()))
                  .recording(writer, listener, List.of()));
    } finally {
      writer.close();
    }
    assertEquals(2, e.rounds());
    assertTrue(e.error().startsWith("device-1 failed: "), e.error());
    // Epoch 1's row was on disk when the listener saw it, before the run ended.
    assertEquals(1, onDisk.size(), onDisk.toString());
    assertEquals(2, onDisk.get(0).size(), onDisk.toString());
    assertTrue(onDisk.get(0).get(1).startsWith("1,mpsl,"), onDisk.toString());
    // After the failure the folder keeps epoch 1: its round, both devices, the plan and barrier.
    List<String> rounds = Files.readAllLines(dir.resolve("rounds.csv"));
    assertEquals(onDisk.get(0), rounds);
    List<String> devices = Files.readAllLines(dir.resolve("devices.csv"));
    assertEquals(3, devices.size(), devices.toString());
    assertTrue(
        devices.get(1).startsWith("1,0,") && devices.get(2).startsWith("1,1,"), devices.toString());
    String events = Files.readString(dir.resolve("events.csv"));
    assertTrue(events.contains(",plan,planner,"), events);
    assertTrue(events.contains(",aggregate,aggregator,"), events);
  }

  @Test
  void uplinkFailsWhileAnotherDeviceIsStillDownloading_epochBeforeIsKept() {
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    // Device 0 holds epoch 1's aggregate first (its download goes out first) and fails on its
    // first send of epoch 2, while the downlink band is still carrying device 1's aggregate (its
    // link takes wall time): the failure line comes before device 1 reports its download.
    List<LinkTiming> up = new ArrayList<>(PipelineEmulation.links(plan, plan.uplinkBps()));
    up.set(0, FailingLink.atTransfer(up.get(0), 2L * plan.batchesPerDevice()[0] + 2));
    List<LinkTiming> down = new ArrayList<>(PipelineEmulation.links(plan, plan.downlinkBps()));
    down.set(1, new SlowLink(down.get(1), 300));
    Supervisor.Finished e =
        PipelineEmulation.run(plan, PipelineEmulation.Options.of(plan).withLinks(up, down));
    assertTrue(e.error().startsWith("device-0 failed: hop-1 uplink band: "), e.error());
    assertEquals(2, e.rounds());
    assertEquals(1, e.pipeline().epochs().size());
    assertEquals(
        PipelineEmulation.simulate(PipelineHandTest.handPlan(1)).epochs().get(0),
        e.pipeline().epochs().get(0));
  }

  @Test
  void downlinkFailsAfterTheAggregateWentOut_epochBeforeIsKept() {
    // Two lanes, a band each: device 0's downlink fails on its first transfer of epoch 2 (2 x 2
    // tails and gradients and the aggregate came before), while device 1's aggregate, on the other
    // band, takes wall time: the failure line comes before device 1 reports its download.
    PipelinePlan plan = twoLanes(3);
    List<LinkTiming> down = new ArrayList<>(PipelineEmulation.links(plan, plan.downlinkBps()));
    down.set(0, FailingLink.atTransfer(down.get(0), 2L * plan.batchesPerDevice()[0] + 2));
    down.set(1, new SlowLink(down.get(1), 300));
    Supervisor.Finished e =
        PipelineEmulation.run(
            plan,
            PipelineEmulation.Options.of(plan)
                .withLinks(PipelineEmulation.links(plan, plan.uplinkBps()), down));
    assertTrue(e.error().startsWith("device-0 failed: hop-1 downlink band: "), e.error());
    assertEquals(2, e.rounds());
    assertEquals(PipelineEmulation.simulate(twoLanes(1)).epochs(), e.pipeline().epochs());
  }

  /** The hand plan's devices and hops, one lane per device (hops 1-2 and 3-4). */
  private static PipelinePlan twoLanes(int epochs) {
    PipelinePlan one = PipelineHandTest.handPlan(epochs);
    List<PipelinePlan.Stage> first = one.lanes().get(0).hops();
    List<PipelinePlan.Stage> second = new ArrayList<>();
    for (PipelinePlan.Stage h : first) {
      second.add(
          new PipelinePlan.Stage(
              "hop-" + (first.size() + second.size() + 1),
              h.forwardS(),
              h.backwardS(),
              h.instanceBytes(),
              h.predictedPeakBytes()));
    }
    return new PipelinePlan(
        one.scheme(),
        epochs,
        one.batchesPerDevice(),
        one.device(),
        one.uplinkBps(),
        one.downlinkBps(),
        one.propagationNs(),
        List.of(
            new PipelinePlan.Lane(first, new int[] {0}),
            new PipelinePlan.Lane(second, new int[] {1})),
        one.aggregateHops(),
        one.cut(),
        one.predictedEpochS(),
        one.planDetail());
  }

  @Test
  void theAggregatesDownloadFails_itsEpochIsNotKept_andTheRunEndsAtOnce() {
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    // Device 0's download of epoch 1's aggregate fails: device 1's, after it on the band, is lost
    // with it, so epoch 1 can never be recorded and nothing is waited for.
    List<LinkTiming> down = new ArrayList<>(PipelineEmulation.links(plan, plan.downlinkBps()));
    down.set(0, FailingLink.atTransfer(down.get(0), 2L * plan.batchesPerDevice()[0] + 1));
    long start = System.nanoTime();
    Supervisor.Finished e =
        PipelineEmulation.run(
            plan,
            PipelineEmulation.Options.of(plan)
                .withLinks(PipelineEmulation.links(plan, plan.uplinkBps()), down));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    assertTrue(e.error().startsWith("device-0 failed: hop-1 downlink band: "), e.error());
    assertEquals(1, e.rounds());
    assertEquals(List.of(), e.pipeline().epochs());
  }

  @Test
  void aLinkStuckInEpoch2_nothingHeardForBarrierTimeout_endsTheRunNamingEpochAndHops_epoch1Kept() {
    // A stuck host: device 1's first transfer of epoch 2 holds its uplink band's thread for 6 s of
    // wall time, so no hop, device or channel moves. With barrier.timeout = 1 s the watchdog ends
    // the run within about 1.25 s of the last report, naming the epoch and the hops still
    // waiting, epoch 1's rows kept. Before, MP-SL had no such watchdog: the run waited (up to the
    // 200 days of Emulation's ask) and here ended normally once the link came back.
    PipelinePlan plan = PipelineHandTest.handPlan(3);
    List<LinkTiming> up = new ArrayList<>(PipelineEmulation.links(plan, plan.uplinkBps()));
    up.set(1, new StuckLink(up.get(1), 2L * plan.batchesPerDevice()[1] + 2, 6_000));
    long start = System.nanoTime();
    Supervisor.Finished e =
        PipelineEmulation.run(
            plan,
            PipelineEmulation.Options.of(plan)
                .withLinks(up, PipelineEmulation.links(plan, plan.downlinkBps()))
                .withBarrierTimeout(java.time.Duration.ofSeconds(1)));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    assertTrue(e.error() != null, "the run ended normally");
    assertTrue(
        e.error()
            .startsWith(
                "epoch 2: no hop progress, device report or checkpoint state within barrier.timeout"
                    + " (1 s of wall-clock time); hops still waiting: hop-1, hop-2;"),
        e.error());
    assertFalse(e.error().contains("\n"), e.error());
    assertEquals(2, e.rounds());
    assertEquals(1, e.pipeline().epochs().size());
    assertEquals(
        PipelineEmulation.simulate(PipelineHandTest.handPlan(1)).epochs().get(0),
        e.pipeline().epochs().get(0));
  }

  /**
   * A link whose {@code n}-th transfer (1-based) holds the channel's thread for {@code millis} of
   * wall time: a stuck host.
   */
  private static final class StuckLink implements LinkTiming {
    private final LinkTiming inner;
    private final long n;
    private final long millis;
    private long transfers;

    StuckLink(LinkTiming inner, long n, long millis) {
      this.inner = inner;
      this.n = n;
      this.millis = millis;
    }

    @Override
    public synchronized long arrival(long sendNs, long bytes, double share) {
      if (++transfers == n) {
        try {
          Thread.sleep(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return inner.arrival(sendNs, bytes, share);
    }

    @Override
    public void round(int round) {
      inner.round(round);
    }

    @Override
    public long propagationNanos() {
      return inner.propagationNanos();
    }
  }

  /** A link that takes {@code millis} of wall time for each transfer, on the channel's thread. */
  private record SlowLink(LinkTiming inner, long millis) implements LinkTiming {
    @Override
    public long arrival(long sendNs, long bytes, double share) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return inner.arrival(sendNs, bytes, share);
    }

    @Override
    public void round(int round) {
      inner.round(round);
    }

    @Override
    public long propagationNanos() {
      return inner.propagationNanos();
    }
  }

  /** The hand plan's uplinks, device 1's failing on its first transfer of epoch 2. */
  private static List<LinkTiming> failingInEpoch2(PipelinePlan plan) {
    List<LinkTiming> up = new ArrayList<>(PipelineEmulation.links(plan, plan.uplinkBps()));
    // Epoch 1 of device 1 sends 2 x 2 activations and tails and one model: fail the next one.
    up.set(1, FailingLink.atTransfer(up.get(1), 2L * plan.batchesPerDevice()[1] + 2));
    return up;
  }
}
