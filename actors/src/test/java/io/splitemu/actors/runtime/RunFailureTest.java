package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An actor that fails ends the run within seconds with one line naming the actor and the cause, and
 * the rounds recorded before it stay in the results folder: a barrier and a split scheme on the
 * supervisor (the pipeline's is {@code PipelineFailureTest}).
 */
class RunFailureTest {

  @TempDir Path tmp;

  private static Settings settings(String scheme, String extra) {
    String conf =
        "splitemu { scenario = failure-test, scheme = "
            + scheme
            + ", fidelity = timing, rounds = 4, local-steps = 2, batch-size = 8\n"
            + "model { name = lenet5, cut = 2 }\n"
            + "data { dataset = synthetic, train-samples = 240, test-samples = 40 }\n"
            + "devices { count = 3, flops = 1e9 }\n"
            + "links { kind = static, static { uplink-bps = 1e7, downlink-bps = 2e7 } }\n"
            + "output.plots = false\n"
            + extra
            + "}";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  private static DeviceSetup withUplink(DeviceSetup d, LinkTiming up) {
    return new DeviceSetup(
        d.id(),
        d.shard(),
        d.train(),
        d.slice(),
        d.forwardFlops(),
        d.backwardFlops(),
        d.cutBytes(),
        d.paramBytes(),
        d.batchSize(),
        d.dataType(),
        d.flopsPerSecond(),
        d.batchSeed(),
        up,
        d.downlink(),
        d.cpu(),
        d.bands());
  }

  private static long roundRows(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("rounds.csv")).size() - 1;
  }

  private static void assertOneLineNaming(String message, String actor) {
    assertFalse(message.contains("\n"), message);
    assertTrue(message.contains(actor), message);
    assertTrue(message.contains(FailingLink.MESSAGE), message);
  }

  @Test
  void barrierEngine_deviceThrowsInRound3_runEndsWithinSeconds_namingIt_twoRoundsKept()
      throws IOException {
    Settings s = settings("psl", "");
    Emulation.Prepared p = Emulation.prepare(s);
    Emulation.Prepared failing =
        new Emulation.Prepared(
            s,
            (writer, listener) -> {
              SupervisorSetup x = p.factory().create(writer, listener);
              List<DeviceSetup> devices = new ArrayList<>(x.devices());
              DeviceSetup one = devices.get(1);
              devices.set(1, withUplink(one, FailingLink.fromRound(one.uplink(), 3)));
              return new SupervisorSetup(
                  x.scheme(),
                  x.rounds(),
                  x.localSteps(),
                  x.batchSize(),
                  x.evalEvery(),
                  x.targetAccuracy(),
                  x.stopAtTarget(),
                  x.sharedSpectrum(),
                  x.factors(),
                  x.cut(),
                  x.initialDeviceParams(),
                  devices,
                  x.server(),
                  x.hangs(),
                  x.writer(),
                  x.listener(),
                  x.cpsl(),
                  null,
                  null,
                  false,
                  FaultPlan.ofHangs(x.hangs()),
                  SupervisorSetup.Checkpointing.NONE);
            },
            p.peakDevice(),
            p.peakServer(),
            p.links());
    Path dir = tmp.resolve("barrier");
    long start = System.nanoTime();
    RunFailedException e =
        assertThrows(RunFailedException.class, () -> Emulation.run(failing, dir, RunListener.NONE));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    assertOneLineNaming(e.getMessage(), "device-1");
    assertTrue(e.getMessage().startsWith("run stopped in round 3: "), e.getMessage());
    assertEquals(dir, e.resultsDir());
    assertEquals(2, roundRows(dir));
  }

  @Test
  void splitScheme_deviceThrowsInRound2_runEndsWithinSeconds_namingIt_firstRoundKept()
      throws IOException {
    Settings s = settings("dag-mincut", "");
    int n = 3;
    SplitPolicy policy =
        (round, up, down) -> {
          List<SplitPolicy.DevicePlan> plans = new ArrayList<>();
          for (int d = 0; d < n; d++) {
            plans.add(
                new SplitPolicy.DevicePlan(
                    2, 1e6, 2e6, 3e6, 1000, 1000, 1, 1, 1e9, 0, 1, 1, false, "1", "fixed", "test",
                    0, 0));
          }
          return plans;
        };
    Emulation.Prepared p =
        Emulation.prepareSplit(
            s,
            () -> policy,
            count -> {
              List<Emulation.LinkPair> links = new ArrayList<>(Emulation.links(s, count));
              Emulation.LinkPair two = links.get(2);
              links.set(2, new Emulation.LinkPair(FailingLink.fromRound(two.up(), 2), two.down()));
              return links;
            });
    Path dir = tmp.resolve("split");
    long start = System.nanoTime();
    RunFailedException e =
        assertThrows(RunFailedException.class, () -> Emulation.run(p, dir, RunListener.NONE));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    assertOneLineNaming(e.getMessage(), "device-2");
    assertEquals(1, roundRows(dir));
  }

  @Test
  void barrierEngine_aLinkThatCanNeverDeliver_endsTheRunWithOneLine_namingTheDevice_roundsKept()
      throws IOException {
    Path good = Files.writeString(tmp.resolve("good"), "0.0\t10.0\n1.0\t10.0\n");
    String links =
        "links { kind = trace, propagation-delay = 0 ms, trace { format = pensieve,"
            + " end = hold-last, assign = round-robin, downlink = [\""
            + good
            + "\"], uplink = [\""
            + good
            + "\", \"%s\", \""
            + good
            + "\"] } }\n";
    // Where round 2 ends with every link alive; device 1's uplink then drops to 0 for good there,
    // so its first upload of round 3 can never arrive and its band's stream fails.
    Settings alive = settings("psl", String.format(links, good) + "rounds = 2\n");
    List<io.splitemu.actors.results.RoundRecord> two =
        Emulation.run(alive, tmp.resolve("alive"), RunListener.NONE).rounds();
    double outageS = two.get(1).emulatedTimeS() + 1e-6;
    Path dying = Files.writeString(tmp.resolve("dying"), "0.0\t10.0\n" + outageS + "\t0.0\n");
    Settings s = settings("psl", String.format(links, dying));
    Path dir = tmp.resolve("outage");
    long start = System.nanoTime();
    RunFailedException e =
        assertThrows(
            RunFailedException.class,
            () -> Emulation.run(Emulation.prepare(s), dir, RunListener.NONE));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    String line = e.getMessage();
    assertFalse(line.contains("\n"), line);
    assertTrue(line.startsWith("run stopped in round 3: "), line);
    assertTrue(line.contains("device-1 failed: uplink band: "), line);
    assertTrue(line.contains("before the transfer completes"), line);
    assertEquals(2, roundRows(dir));
  }

  /** Not a ClusterMessage: the serializer refuses it under serialize-messages. */
  record Unbound(int value) {}

  @Test
  void guardian_aMessageTheSerializerRefuses_endsTheRunWithinSeconds_namingReceiverAndClass() {
    // Without the check (-Dpekko.actor.serialize-messages=off) the message is simply delivered.
    assumeTrue(ConfigFactory.load().getBoolean("pekko.actor.serialize-messages"));
    long start = System.nanoTime();
    String error =
        Emulation.ask(
                "refusal",
                Supervisor.Finished.class,
                (ctx, done) -> {
                  ActorRef<Object> sink =
                      ctx.spawn(Behaviors.<Object>receive((c, m) -> Behaviors.same()), "sink");
                  sink.tell(new Unbound(7)); // dropped by Pekko: only the guardian notices
                },
                why -> new Supervisor.Finished(-1, 0, why))
            .error();
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 20, "took " + seconds + " s");
    assertFalse(error.contains("\n"), error);
    assertTrue(error.startsWith("a message to sink failed: a "), error);
    assertTrue(error.contains(Unbound.class.getName()), error);
  }
}
