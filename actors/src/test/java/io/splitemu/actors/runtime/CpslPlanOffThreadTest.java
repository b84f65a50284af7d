package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor plans CPSL rounds off its own thread (issue 16): while the SAA cut plan of a few
 * thousand devices runs, the supervisor still takes a failure and ends the run with it, before the
 * plan is done. (Planned on the supervisor's thread, the failure would wait for the whole plan and
 * its {@code cut-plan} event.)
 */
class CpslPlanOffThreadTest {

  private static final ActorTestKit KIT = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static Settings settings(int devices) {
    String conf =
        "splitemu { scenario = cpsl-off-thread, seed = 5, scheme = cpsl, fidelity = timing\n"
            + "rounds = 2, local-steps = 2, batch-size = 16\n"
            + "model { name = lenet5, cut = 2 }\n"
            + "data { train-samples = "
            + 20 * devices
            + ", test-samples = 64, eval-samples = 64 }\n"
            + "devices { count = "
            + devices
            + ", flops { distribution = uniform, min = 5e8, max = 5e9 } }\n"
            + "server.flops = 1e12\n"
            + "links { kind = shannon, shannon { bandwidth-hz = 10e6, device-power-dbm = 23,"
            + " ap-power-dbm = 30, noise-dbm-per-hz = -174,"
            + " distance-m { distribution = uniform, min = 50, max = 500 }, fading = rayleigh } }\n"
            + "cpsl { clusters = 6, clustering = gibbs, spectrum = minmax, cut = saa,"
            + " cut-candidates = [1, 2, 3, 4, 5], saa-samples = 10 }\n"
            + "output.plots = false }";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  /** The planner thread's stack while it computes a plan, or null. */
  private static StackTraceElement[] planning() {
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      if (e.getKey().getName().equals("splitemu-cpsl-planner")
          && Arrays.stream(e.getValue())
              .anyMatch(
                  f ->
                      f.getClassName().equals(CpslControl.class.getName())
                          && f.getMethodName().equals("compute"))) {
        return e.getValue();
      }
    }
    return null;
  }

  @Test
  void aFailureDuringTheSaaPlan_endsTheRunBeforeThePlanIsDone() throws Exception {
    Emulation.Prepared p = Emulation.prepare(settings(3000));
    Path dir = tmp.resolve("run");
    ResultsWriter writer = ResultsWriter.open(dir, "test");
    SupervisorSetup setup = p.factory().create(writer, RunListener.NONE);
    TestProbe<Supervisor.Finished> done = KIT.createTestProbe();
    ActorRef<Supervisor.Command> supervisor = KIT.spawn(Supervisor.create(setup, new PacingLag()));
    supervisor.tell(new Supervisor.Start(done.getRef(), 0));

    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (planning() == null) {
      assertTrue(System.nanoTime() < deadline, "no plan ran on the planner thread within 60 s");
      Thread.sleep(2);
    }
    supervisor.tell(new Supervisor.RemoteFailed("test: a member was lost during the plan"));
    Supervisor.Finished f = done.receiveMessage(Duration.ofSeconds(30));
    writer.close();
    // The plan gives up at its next SAA optimum (it would otherwise run on for seconds, on both
    // cores, into the next test).
    long stopBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (planning() != null) {
      assertTrue(System.nanoTime() < stopBy, "the plan went on 30 s after the run ended");
      Thread.sleep(10);
    }

    assertEquals("test: a member was lost during the plan", f.error());
    assertEquals(1, Files.readAllLines(dir.resolve("rounds.csv")).size(), "rows after the header");
    String events = Files.readString(dir.resolve("events.csv"));
    assertTrue(events.contains("cluster-failure"), events);
    // The run ended before the plan came back: it never took the plan's cut.
    assertFalse(events.contains("cut-plan"), events);
  }
}
