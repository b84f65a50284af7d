package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.pipeline.PipelinePlan;
import io.splitemu.net.stream.Pacing;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * MP-SL's control holds the ends of the last recorded epoch and the one before (the next epochs'
 * deadlines count from them), not every epoch's: a real 30-epoch run (real hops, devices and link
 * channels, driven by a real {@link PipelineControl} inside an actor that plays the supervisor's
 * part, as {@link PipelineStaleReportsTest}'s) ends holding at most 3.
 */
class PipelineEpochEndsTest {

  private static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void aLongRun_holdsTheEndsOfItsLastEpochsOnly() {
    int epochs = 30;
    TestProbe<Recorder.Command> recorder = KIT.createTestProbe();
    PipelinePlan plan =
        PipelineStaleReportsTest.plan(epochs, PipelineStaleReportsTest.TWO_HOPS, "1-2-3");
    PipelineControl control =
        PipelineStaleReportsTest.control(plan, List.of(), null, recorder.ref());
    Behavior<Supervisor.Command> part =
        Behaviors.setup(
            ctx -> {
              control.start(ctx, Pacing.virtual(), Placement.LOCAL);
              return Behaviors.receive(Supervisor.Command.class)
                  .onMessage(
                      Supervisor.PipelineReport.class,
                      m -> {
                        String line = control.on(m);
                        if (line != null) {
                          recorder.tell(PipelineStaleReportsTest.row("failed", line));
                        }
                        if (control.checkpointReady() != null) {
                          control.release();
                        }
                        if (control.done()) {
                          recorder.tell(
                              PipelineStaleReportsTest.row(
                                  "done", Integer.toString(control.epochEndsHeld())));
                          return Behaviors.stopped();
                        }
                        return Behaviors.same();
                      })
                  .onAnyMessage(m -> Behaviors.same())
                  .onSignal(Terminated.class, t -> Behaviors.same())
                  .build();
            });
    KIT.spawn(part);
    while (true) {
      Recorder.Command c = recorder.receiveMessage(Duration.ofSeconds(60));
      if (c instanceof Recorder.EventRecorded e && e.row().kind().equals("failed")) {
        throw new AssertionError("the run failed: " + e.row().detail());
      }
      if (c instanceof Recorder.EventRecorded e && e.row().kind().equals("done")) {
        int held = Integer.parseInt(e.row().detail());
        assertTrue(held <= 3, "epoch ends held after " + epochs + " epochs: " + held);
        return;
      }
    }
  }
}
