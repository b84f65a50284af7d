package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's two kinds of device restore, a lost device's re-creation (rejoin) and a crash's
 * rewind, answer on one route: Pekko keeps one message adapter per reply class and actor, so before
 * the answer carried its restore's epoch, an answer to one kind that came while the other was
 * awaited counted for it, and the run went on before the device had taken the state it was sent
 * (docs/runtime.md "Crashes"). In one JVM, with devices re-created as on a cluster (a placement
 * that rejoins lost devices, device 0 behind a front that plays its lost member), the rewind and
 * the rejoin each wait for the answer to their own restore, and the run's rows stay whole.
 */
class RestoreRepliesTest {

  static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @TempDir Path tmp;

  /**
   * How long device 0's front holds the restore whose answer the run must wait for: well below the
   * 2 s after which the supervisor sends an unanswered re-creation again (which the front ignores).
   */
  private static final Duration HOLD = Duration.ofMillis(700);

  /**
   * Device 0's member is lost at round 2's first request; it is re-created at round 3's start, when
   * a server crash restores round 2's checkpoint. A late answer to the re-creation's restore (as a
   * re-sent one is answered, RejoinTick) comes as the rewind's restore reaches the device, which
   * takes that one late: the rewind waits for it.
   */
  @Test
  void aRejoinsLateAnswer_doesNotCountForTheRewindsRestore() throws Exception {
    Front front = new Front(true);
    Path dir = run(front);
    assertEquals(List.of(), front.violations, "commands device 0 had before its restore's state");
    assertEquals(2, front.restores, "restores device 0 was sent (its rejoin, the rewind)");
    assertRows(dir);
  }

  /**
   * A server crash at round 3's start restores round 2's checkpoint; device 0's member is lost as
   * the rewind's restore reaches it, which the lost member answers late, when the device's
   * re-creation is under way: the rejoin waits for the answer to its own restore.
   */
  @Test
  void aRewindsLateAnswer_doesNotCountForTheRejoinsRestore() throws Exception {
    Front front = new Front(false);
    Path dir = run(front);
    assertEquals(List.of(), front.violations, "commands device 0 had before its restore's state");
    assertEquals(2, front.restores, "restores device 0 was sent (the rewind, its rejoin)");
    assertRows(dir);
  }

  /** Every round's row once, one loss, one rejoin, the crash's fault and recovery rows. */
  private static void assertRows(Path dir) throws Exception {
    List<String> rounds = Files.readAllLines(dir.resolve("rounds.csv"));
    List<String> ids = new ArrayList<>();
    for (String r : rounds.subList(1, rounds.size())) {
      ids.add(r.split(",")[0]);
    }
    assertEquals(List.of("1", "2", "3", "4"), ids, "rounds.csv:\n" + String.join("\n", rounds));
    String events = Files.readString(dir.resolve("events.csv"));
    for (String kind : List.of(",member-lost,", ",rejoin,", ",fault,", ",recovery,")) {
      assertEquals(
          1, events.split(kind, -1).length - 1, kind + " rows once in events.csv:\n" + events);
    }
  }

  /** Runs psl (4 rounds, a checkpoint after each, a server crash at round 3's start). */
  private Path run(Front front) throws Exception {
    Settings s =
        CrashFaultsTest.scenario(
            "psl",
            false,
            4,
            1,
            "{ kind = server-crash, round = 3, restart-delay = 2000000000 ns }",
            "  barrier.timeout = 30s\n");
    Path dir = tmp.resolve("run");
    ResultsWriter writer = ResultsWriter.open(dir, s.resolved());
    writer.settleEventsAtRoundEnd();
    SupervisorSetup setup =
        Emulation.prepare(s)
            .factory()
            .create(writer, RunListener.NONE)
            .withCheckpointing(
                new SupervisorSetup.Checkpointing(
                    s.checkpointEvery(),
                    Checkpoints.recorded(s),
                    null,
                    null,
                    Emulation.crashes(s)));
    TestProbe<Supervisor.Finished> done = KIT.createTestProbe();
    KIT.spawn(Supervisor.create(setup, new PacingLag(), front))
        .tell(new Supervisor.Start(done.getRef(), 0));
    Supervisor.Finished f = done.receiveMessage(Duration.ofSeconds(60));
    writer.close();
    assertNull(f.error(), "the run's end");
    return dir;
  }

  /**
   * Devices and the edge server as in one JVM, but lost devices are re-created as on a cluster;
   * device 0 is reached through a front that plays its cluster member (ClusterMember's forwarder
   * and entity): it loses the device and answers restores late as the test says.
   */
  private static final class Front implements Placement {
    final boolean lostBeforeTheCrash;
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    volatile int restores;
    // The device's answer to the first restore it was sent.
    final AtomicReference<Device.Restored> firstAnswer = new AtomicReference<>();

    Front(boolean lostBeforeTheCrash) {
      this.lostBeforeTheCrash = lostBeforeTheCrash;
    }

    @Override
    public boolean rejoinsLostDevices() {
      return true;
    }

    @Override
    public ActorRef<EdgeServer.Command> server(
        ActorContext<Supervisor.Command> ctx,
        Behavior<EdgeServer.Command> local,
        ActorRef<Recorder.Command> recorder) {
      return Placement.LOCAL.server(ctx, local, recorder);
    }

    @Override
    public ActorRef<Device.Command> device(
        ActorContext<Supervisor.Command> ctx, int id, Behavior<Device.Command> local) {
      ActorRef<Device.Command> device = Placement.LOCAL.device(ctx, id, local);
      if (id != 0) {
        return device;
      }
      ActorRef<Supervisor.Command> supervisor = ctx.getSelf();
      return ctx.spawn(
          Behaviors.<Device.Command>setup(c -> new Run(c, supervisor, device).forwarding()),
          "front-0");
    }

    /** The front of one run. */
    private final class Run {
      final ActorContext<Device.Command> ctx;
      final ActorRef<Supervisor.Command> supervisor;
      final ActorRef<Device.Command> device;
      Device.Request last;
      Device.Restore held; // the rewind's restore, withheld as the lost member's (second case)
      int lastEpoch = -1; // of the last restore taken: one sent again is not taken again

      Run(
          ActorContext<Device.Command> ctx,
          ActorRef<Supervisor.Command> supervisor,
          ActorRef<Device.Command> device) {
        this.ctx = ctx;
        this.supervisor = supervisor;
        this.device = device;
      }

      Behavior<Device.Command> forwarding() {
        return Behaviors.receive(Device.Command.class)
            .onMessageEquals(Device.Retire.INSTANCE, this::retired)
            .onMessage(
                Device.BeginVisit.class,
                b -> {
                  if (lostBeforeTheCrash && b.round() == 2 && restores == 0) {
                    // Its member is lost with the request: no answer but the forwarder's Missed.
                    last = b;
                    supervisor.tell(new Supervisor.MemberLost("test-member", List.of(0), null));
                    return Behaviors.same();
                  }
                  last = b;
                  device.tell(b);
                  return Behaviors.same();
                })
            .onMessage(
                Device.Restore.class,
                r -> {
                  if (r.epoch() <= lastEpoch) {
                    return Behaviors.same(); // sent again: the one taken answers
                  }
                  lastEpoch = r.epoch();
                  restores++;
                  if (!lostBeforeTheCrash && restores == 1) {
                    // The rewind's restore reaches a member that is lost now: it answers late.
                    held = r;
                    last = null;
                    supervisor.tell(new Supervisor.MemberLost("test-member", List.of(0), null));
                    return Behaviors.same();
                  }
                  if (lostBeforeTheCrash && restores == 2) {
                    // The rewind's restore: the rejoin's re-sent restore was answered first.
                    r.replyTo().tell(firstAnswer.get());
                  }
                  return holding(r);
                })
            .onMessage(
                Device.Command.class,
                c -> {
                  if (c instanceof Device.Request q) {
                    last = q;
                  }
                  device.tell(c);
                  return Behaviors.same();
                })
            .build();
      }

      Behavior<Device.Command> retired() {
        if (last != null) {
          last.replyTo().tell(new Barrier.Missed(0, Long.MIN_VALUE));
        }
        return Behaviors.receive(Device.Command.class)
            .onMessage(
                Device.Request.class,
                q -> {
                  q.replyTo().tell(new Barrier.Missed(0, Long.MIN_VALUE));
                  return Behaviors.same();
                })
            .onMessage(
                Device.Restore.class,
                r -> {
                  if (r.epoch() <= lastEpoch) {
                    return Behaviors.same();
                  }
                  lastEpoch = r.epoch();
                  restores++;
                  if (held != null) {
                    // The lost member's late answer to the rewind's restore, as the rejoin's goes.
                    device.tell(held);
                    held = null;
                    return holding(r);
                  }
                  // The re-creation: its answer is kept, to come again later.
                  ActorRef<Device.Restored> keep =
                      ctx.spawn(
                          Behaviors.receive(Device.Restored.class)
                              .onMessage(
                                  Device.Restored.class,
                                  a -> {
                                    firstAnswer.set(a);
                                    r.replyTo().tell(a);
                                    return Behaviors.same();
                                  })
                              .build(),
                          "answers");
                  device.tell(new Device.Restore(r.snapshot(), keep, r.epoch()));
                  return forwarding();
                })
            .onMessage(Device.Command.class, c -> Behaviors.same())
            .build();
      }

      /**
       * Hands {@code r} to the device {@link #HOLD} from now: what comes meanwhile came before the
       * device took the state the run restores, and is handed after it.
       */
      Behavior<Device.Command> holding(Device.Restore r) {
        ArrayDeque<Device.Command> queue = new ArrayDeque<>();
        return Behaviors.withTimers(
            timers -> {
              timers.startSingleTimer(Device.AwaitRun.INSTANCE, HOLD);
              return Behaviors.receive(Device.Command.class)
                  .onMessageEquals(
                      Device.AwaitRun.INSTANCE,
                      () -> {
                        device.tell(r);
                        queue.forEach(device::tell);
                        return forwarding();
                      })
                  .onMessage(
                      Device.Command.class,
                      c -> {
                        if (c instanceof Device.Restore again && again.epoch() <= lastEpoch) {
                          return Behaviors.same();
                        }
                        violations.add(c.getClass().getSimpleName());
                        queue.add(c);
                        return Behaviors.same();
                      })
                  .build();
            });
      }
    }
  }
}
