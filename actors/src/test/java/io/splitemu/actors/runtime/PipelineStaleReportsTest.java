package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.pipeline.ComputeHop;
import io.splitemu.actors.pipeline.MpslPlanner;
import io.splitemu.actors.pipeline.PipelineEmulation;
import io.splitemu.actors.pipeline.PipelinePlan;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.net.stream.Pacing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * MP-SL's live progress drops what it must not show (PipelineControl.onHopProgress): a report of a
 * hop a re-placement stopped (its generation is not the one in force), and a lane's report of an
 * epoch older than the newest reported, which would move the step back. Both are races of message
 * order (a stopped hop's report still queued at the supervisor when its successors report, a slow
 * lane's report behind a faster one's on a cluster) that a local run does not produce on demand, so
 * each run here is a real one (real hops, devices and link channels, driven by a real {@link
 * PipelineControl} inside an actor that plays the supervisor's part), and the late report is sent
 * into that actor's mailbox as the race would deliver it; what the recorder receives (the hop rows
 * and progress behind the live metrics and the progress display) is checked.
 */
class PipelineStaleReportsTest {

  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static final long MB = 1_000_000;
  // An idle total no real hop of these runs reaches (they last under 200 s).
  private static final long STALE_IDLE_NS = 999_000_000_000L;

  /** Two devices, two batches each, on {@code hops} (docs: PipelineHandTest's hand-traced plan). */
  static PipelinePlan plan(int epochs, List<PipelinePlan.Stage> hops, String cut) {
    return new PipelinePlan(
        "mpsl",
        epochs,
        new int[] {2, 2},
        new PipelinePlan.DeviceCosts(1, 1, 1, MB, MB, MB, 0),
        new double[] {8e6, 8e6},
        new double[] {8e6, 8e6},
        0,
        List.of(new PipelinePlan.Lane(hops, new int[] {0, 1})),
        false,
        cut,
        Double.NaN,
        "hand");
  }

  static final List<PipelinePlan.Stage> TWO_HOPS =
      List.of(
          new PipelinePlan.Stage("hop-1", 1, 2, 100, Double.NaN),
          new PipelinePlan.Stage("hop-2", 1, 2, 50, Double.NaN));

  /**
   * The supervisor's part for an MP-SL run of {@code control}: starts it in one JVM, hands it every
   * report, releases a checkpoint it takes, and after handling {@code marker} (the late report)
   * tells the recorder a marker row: every row the late report caused precedes it.
   */
  private static Behavior<Supervisor.Command> supervisorPart(
      PipelineControl control, ComputeHop.Progress marker, ActorRef<Recorder.Command> recorder) {
    return Behaviors.setup(
        ctx -> {
          control.start(ctx, Pacing.virtual(), Placement.LOCAL);
          return Behaviors.receive(Supervisor.Command.class)
              .onMessage(
                  Supervisor.PipelineReport.class,
                  m -> {
                    String line = control.on(m);
                    if (line != null) {
                      recorder.tell(row("failed", line));
                    }
                    if (control.checkpointReady() != null) {
                      control.release();
                    }
                    if (m instanceof Supervisor.HopReported h && marker.equals(h.reply())) {
                      recorder.tell(row("marker", ""));
                    }
                    return Behaviors.same();
                  })
              .onAnyMessage(m -> Behaviors.same())
              // The hops a re-placement stops are watched children.
              .onSignal(Terminated.class, t -> Behaviors.same())
              .build();
        });
  }

  static Recorder.EventRecorded row(String kind, String detail) {
    return new Recorder.EventRecorded(new EventRecord(0, 0, kind, "test", detail));
  }

  /** What the recorder received up to the marker row (none may say the run failed). */
  private static List<Recorder.Command> untilMarker(TestProbe<Recorder.Command> recorder) {
    List<Recorder.Command> got = new ArrayList<>();
    while (true) {
      Recorder.Command c = recorder.receiveMessage(Duration.ofSeconds(30));
      if (c instanceof Recorder.EventRecorded e && e.row().kind().equals("failed")) {
        throw new AssertionError("the run failed: " + e.row().detail());
      }
      if (c instanceof Recorder.EventRecorded e && e.row().kind().equals("marker")) {
        return got;
      }
      got.add(c);
    }
  }

  /** Waits for the first message {@code which} accepts; returns what came before it too. */
  private static List<Recorder.Command> until(
      TestProbe<Recorder.Command> recorder, java.util.function.Predicate<Recorder.Command> which) {
    List<Recorder.Command> got = new ArrayList<>();
    while (true) {
      Recorder.Command c = recorder.receiveMessage(Duration.ofSeconds(30));
      got.add(c);
      if (which.test(c)) {
        return got;
      }
    }
  }

  static PipelineControl control(
      PipelinePlan plan,
      List<PipelineControl.HopCrash> crashes,
      PipelineControl.Replanner replanner,
      ActorRef<Recorder.Command> recorder) {
    PipelineEmulation.Options o = PipelineEmulation.Options.of(plan);
    return new PipelineControl(
        new PipelineControl.Setup(
            plan,
            o.uplinks(),
            o.downlinks(),
            0,
            List.of(),
            crashes,
            replanner,
            false,
            true,
            PipelineControl.Setup.DEFAULT_BARRIER_TIMEOUT),
        List.of(),
        recorder,
        e -> false,
        null,
        List.of(),
        c -> false);
  }

  @Test
  void aStoppedHopsLateReport_afterTheHopCrashReplacement_isDropped() {
    TestProbe<Recorder.Command> recorder = KIT.createTestProbe();
    // hop-2 (hop 1) crashes at epoch 2's start; hop-1 serves the units of both from then on.
    PipelinePlan after =
        plan(3, List.of(new PipelinePlan.Stage("hop-1", 2, 4, 150, Double.NaN)), "1-3");
    PipelineControl control =
        control(
            plan(3, TWO_HOPS, "1-2-3"),
            List.of(new PipelineControl.HopCrash(0, 1, 2, -1)),
            (gone, hop) -> new MpslPlanner.Replaced(after, 2, 2, MB, "hop-2", List.of(MB)),
            recorder.ref());
    // What the stopped hop-1 (placement 0) sent before its stop took effect, as the race would
    // deliver it after its successor's restored total: an idle total far above it.
    ComputeHop.Progress late =
        new ComputeHop.Progress(0, 0, "hop-1", 1, 4, 0.0, STALE_IDLE_NS, 200, 26_000_000_000L, 0);
    ActorRef<Supervisor.Command> sup = KIT.spawn(supervisorPart(control, late, recorder.ref()));
    List<Recorder.Command> before =
        until(
            recorder,
            c -> c instanceof Recorder.EventRecorded e && e.row().kind().equals("recovery"));
    sup.tell(new Supervisor.HopReported(late));
    List<Recorder.Command> got = untilMarker(recorder);

    // The re-placement stopped hop-2 and placed hop-1 anew (placement 1), its base reported.
    List<Recorder.Command> all = new ArrayList<>(before);
    all.addAll(got);
    assertTrue(
        all.stream()
            .anyMatch(
                c ->
                    c instanceof Recorder.HopReported h
                        && h.hop().hop().equals("hop-2")
                        && h.hop().stopped()));
    assertTrue(
        all.stream()
            .anyMatch(
                c ->
                    c instanceof Recorder.HopReported h
                        && h.hop().hop().equals("hop-1")
                        && h.hop().epoch() == 2));
    for (Recorder.Command c : got) {
      if (c instanceof Recorder.HopReported h) {
        assertTrue(
            h.hop().idleS() < STALE_IDLE_NS / 1e9,
            "a stopped hop's late idle total reached the live metrics: " + h.hop());
      }
    }
  }

  @Test
  void aLanesLateReportOfAnOlderEpoch_doesNotMoveTheStepBack() {
    TestProbe<Recorder.Command> recorder = KIT.createTestProbe();
    PipelineControl control =
        control(plan(3, TWO_HOPS, "1-2-3"), List.of(), (g, h) -> null, recorder.ref());
    // Epoch 1's first report of the lane's first hop, arriving once epoch 2 is under way.
    ComputeHop.Progress late =
        new ComputeHop.Progress(0, 0, "hop-1", 1, 2, 0.0, 9_000_000_000L, 200, 17_000_000_000L, 0);
    ActorRef<Supervisor.Command> sup = KIT.spawn(supervisorPart(control, late, recorder.ref()));
    until(recorder, c -> c instanceof Recorder.ProgressReported p && p.progress().round() == 2);
    sup.tell(new Supervisor.HopReported(late));
    List<Recorder.Command> got = untilMarker(recorder);

    List<ProgressRecord> steps = new ArrayList<>();
    for (Recorder.Command c : got) {
      if (c instanceof Recorder.ProgressReported p) {
        steps.add(p.progress());
      }
    }
    for (ProgressRecord p : steps) {
      assertTrue(p.round() >= 2, "the step went back to an older epoch: " + steps);
    }
    // The hop's own row still goes to the live metrics (its idle total and queue are current).
    assertTrue(
        got.stream()
            .anyMatch(
                c ->
                    c instanceof Recorder.HopReported h
                        && h.hop().epoch() == 1
                        && h.hop().idleS() == 9.0));
  }
}
