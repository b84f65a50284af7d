package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.cluster.Ports;
import io.splitemu.actors.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A devices member that leaves gracefully (Cluster Leave, what SIGTERM does) in the middle of a psl
 * run, while another devices member stays: sharding hands its devices over, and the run goes on
 * with them (docs/cluster.md, "Losing a member"). Before, the request a device of the leaving
 * member was answering when sharding stopped its entity for the hand-over, or one that sharding
 * dropped during the hand-over ("Dropping [1] buffered messages to shard [N] during hand off"), was
 * lost without a word, and the run stalled until barrier.timeout ended it ("devices [1] sent
 * nothing within barrier.timeout"), or, for a lost request for its state, "did not send their
 * state".
 */
class ClusterGracefulLeaveTest {

  @TempDir Path tmp;

  private final List<ActorSystem<?>> started = new ArrayList<>();
  private final ExecutorService runs = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws Exception {
    runs.shutdownNow();
    stopMembers();
  }

  private void stopMembers() throws Exception {
    for (ActorSystem<?> m : started) {
      m.terminate();
      m.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    started.clear();
  }

  private ActorSystem<Void> node(Set<String> roles, int port, int seed) {
    ActorSystem<Void> s = member(roles, port, seed);
    started.add(s);
    return s;
  }

  /** A cluster member of {@code roles} on 127.0.0.1:{@code port}, joining the seed's port. */
  static ActorSystem<Void> member(Set<String> roles, int port, int seed) {
    return ActorSystem.create(
        ClusterMember.guardian(roles, CompletableFuture.completedFuture(null)),
        "splitemu",
        ClusterPipelineRunTest.member(
            port, seed, "\"" + String.join("\",\"", new TreeSet<>(roles)) + "\""));
  }

  /** The lines of {@code file}, 0 while it is missing or unreadable (a run still writing it). */
  static int lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /**
   * Four times: a seed (edge, devices) and two devices members D and X, D's devices slow to answer
   * (each command waits 50 ms on D, {@link DeviceEntities#holdCommands}), so that one of them is at
   * work on a request when the hand-over stops it; D leaves after round 3 of a 30-round psl run.
   * Every run ends with its 30 rounds, D's device re-created on another member from its kept state,
   * and no phase waits for barrier.timeout (10 s). Before, 6 of 8 such runs stalled and failed.
   */
  @Test
  void aDevicesMemberLeavingMidRun_handsItsDevicesOver_andTheRunGoesOnWithoutAStall()
      throws Exception {
    Settings psl =
        Settings.load(
            Path.of("../scenarios/quickstart.conf"),
            List.of(
                "splitemu.rounds=30",
                "splitemu.local-steps=2",
                "splitemu.fidelity=timing",
                "splitemu.barrier.timeout=10s"));
    List<String> failures = new ArrayList<>();
    for (int rep = 0; rep < 4; rep++) {
      int n = Ports.free();
      node(Set.of("edge", "devices"), n, n);
      ActorSystem<Void> d = node(Set.of("devices"), Ports.free(), n);
      // D's devices are slow to answer: as it leaves, one of them is at work on a request.
      DeviceEntities.get(Adapter.toClassic(d)).holdCommands(Duration.ofMillis(50));
      node(Set.of("devices"), Ports.free(), n);
      Path dir = tmp.resolve("psl-" + rep);
      CompletableFuture<Emulation.Outcome> run = startPastRound3(psl, dir, null, n, rep);
      Cluster.get(d).manager().tell(Leave.create(Cluster.get(d).selfMember().address()));
      try {
        Emulation.Outcome done = run.get(2, TimeUnit.MINUTES);
        assertEquals(30, done.rounds().size(), "run " + rep + " went on to its end");
        String events = Files.readString(dir.resolve("events.csv"));
        assertTrue(events.contains(",member-lost,"), events);
        assertTrue(events.contains(",rejoin,"), events);
      } catch (ExecutionException e) {
        failures.add("run " + rep + ": " + e.getCause());
      }
      stopMembers();
    }
    assertEquals(List.of(), failures);
  }

  /**
   * Twice: a seed (edge, devices) and two devices members D and X; D leaves after round 3 of a psl
   * run stopped 20 rounds and 4 s after D's devices rejoined. D's devices are lost once (one {@code
   * member-lost} row, one {@code rejoin} row) and re-created on a surviving member: no {@code
   * placement} row names D after its leave. Before, the run re-created them at the next round
   * boundary while sharding still homed their shards on D (its region up until it hands them over),
   * so they started on D again, were handed over a moment later and lost a second time (a second
   * {@code member-lost} row, and a round more without them).
   */
  @Test
  void aLeavingMembersDevices_areNotPlacedBackOnIt_andAreLostOnce() throws Exception {
    Settings psl =
        Settings.load(
            Path.of("../scenarios/quickstart.conf"),
            List.of(
                "splitemu.rounds=" + LONG_RUN,
                "splitemu.local-steps=2",
                "splitemu.fidelity=timing",
                "splitemu.barrier.timeout=10s"));
    List<String> failures = new ArrayList<>();
    for (int rep = 0; rep < 2; rep++) {
      int n = Ports.free();
      node(Set.of("edge", "devices"), n, n);
      int dPort = Ports.free();
      ActorSystem<Void> d = node(Set.of("devices"), dPort, n);
      node(Set.of("devices"), Ports.free(), n);
      Path dir = tmp.resolve("placed-" + rep);
      StopSwitch stop = new StopSwitch();
      CompletableFuture<Emulation.Outcome> run = startPastRound3(psl, dir, stop, n, rep);
      Cluster.get(d).manager().tell(Leave.create(Cluster.get(d).selfMember().address()));
      Emulation.Outcome done = stopAfterRejoin(run, stop, dir, Duration.ZERO);
      assertTrue(done.rounds().size() < LONG_RUN, "run " + rep + " stopped after the rejoin");
      List<String> events = Files.readAllLines(dir.resolve("events.csv"));
      String dMember = "member 127.0.0.1:" + dPort;
      boolean left = false;
      int lostRows = 0;
      int rejoinRows = 0;
      Set<Integer> onD = new TreeSet<>();
      Set<Integer> placedAgain = new TreeSet<>();
      for (String e : events) {
        if (e.contains(",member-lost,")) {
          lostRows++;
          left = true;
        } else if (e.contains(",rejoin,")) {
          rejoinRows++;
        } else if (e.contains(",placement,")) {
          Set<Integer> ids = ids(e.substring(e.indexOf("started: ") + 9));
          if (!left && e.contains(dMember)) {
            onD.addAll(ids);
          } else if (left && e.contains(dMember)) {
            failures.add("run " + rep + ": placed on D after it left: " + e);
          } else if (left) {
            placedAgain.addAll(ids);
          }
        }
      }
      String all = String.join("\n", events);
      assertFalse(onD.isEmpty(), "D had devices before it left:\n" + all);
      if (!placedAgain.containsAll(onD)) {
        failures.add(
            "run "
                + rep
                + ": D's devices "
                + onD
                + " not placed on a survivor after it left:\n"
                + all);
      }
      if (lostRows != 1 || rejoinRows != 1) {
        failures.add(
            "run "
                + rep
                + ": "
                + lostRows
                + " member-lost, "
                + rejoinRows
                + " rejoin rows:\n"
                + all);
      }
      stopMembers();
    }
    assertEquals(List.of(), failures);
  }

  /**
   * Three times: a seed (edge, devices) and two devices members D and X; D shuts down as on SIGTERM
   * (coordinated shutdown: sharding hands its shards over first, then it leaves) mid-run, while the
   * survivors' device entities tell the run about themselves 4 s late (a report slower than the
   * restore's answer). A command on its way to one of D's devices as the hand-over begins
   * re-creates it on a survivor without its state, and that entity's report comes after the run has
   * re-created the device from its kept state: it is about the incarnation before, and is dropped.
   * So D's devices are lost once: after the {@code rejoin} row no {@code member-lost} row, and
   * every later round has all 4 devices. Before, the late report took the re-created device out
   * again (a second {@code member-lost} row, "re-created on ... without its state", and a round
   * with 3): in 2 of 3 runs, with a re-creation without state in each.
   */
  @Test
  void aLateReportAboutAnEntityBeforeItsRestore_isDropped() throws Exception {
    Settings psl =
        Settings.load(
            Path.of("../scenarios/quickstart.conf"),
            List.of(
                "splitemu.rounds=" + LONG_RUN,
                "splitemu.local-steps=4",
                "splitemu.fidelity=timing",
                "splitemu.barrier.timeout=10s"));
    List<String> failures = new ArrayList<>();
    int relocations = 0;
    for (int rep = 0; rep < 3; rep++) {
      int n = Ports.free();
      ActorSystem<Void> seed = node(Set.of("edge", "devices"), n, n);
      ActorSystem<Void> d = node(Set.of("devices"), Ports.free(), n);
      ActorSystem<Void> x = node(Set.of("devices"), Ports.free(), n);
      for (ActorSystem<Void> m : List.of(seed, x)) {
        DeviceEntities.get(Adapter.toClassic(m)).holdReports(REPORT_HOLD);
      }
      Path dir = tmp.resolve("late-" + rep);
      StopSwitch stop = new StopSwitch();
      CompletableFuture<Emulation.Outcome> run = startPastRound3(psl, dir, stop, n, rep);
      org.apache.pekko.actor.CoordinatedShutdown.get(Adapter.toClassic(d))
          .runAll(org.apache.pekko.actor.CoordinatedShutdown.clusterLeavingReason());
      Emulation.Outcome done = stopAfterRejoin(run, stop, dir, REPORT_HOLD);
      assertTrue(done.rounds().size() < LONG_RUN, "run " + rep + " stopped after the rejoin");
      List<String> events = Files.readAllLines(dir.resolve("events.csv"));
      String all = String.join("\n", events);
      int rejoinRound = -1;
      for (String e : events) {
        if (e.contains(",rejoin,") && rejoinRound < 0) {
          rejoinRound = Integer.parseInt(e.split(",")[1]);
        } else if (e.contains(",member-lost,") && rejoinRound >= 0) {
          failures.add("run " + rep + ": lost again after its rejoin: " + e);
        }
      }
      assertTrue(rejoinRound > 0, "D's devices rejoined:\n" + all);
      List<String> rounds = Files.readAllLines(dir.resolve("rounds.csv"));
      for (String r : rounds.subList(1, rounds.size())) {
        String[] c = r.split(",");
        if (Integer.parseInt(c[0]) > rejoinRound && !c[8].equals("4")) {
          failures.add("run " + rep + ": round " + c[0] + " had " + c[8] + " participants");
        }
      }
      relocations +=
          DeviceEntities.get(Adapter.toClassic(seed)).relocated()
              + DeviceEntities.get(Adapter.toClassic(x)).relocated();
      stopMembers();
    }
    // The case this test is about: a command reached a device of D as its hand-over began.
    assertTrue(relocations > 0, "no device was re-created without its state in 3 runs");
    assertEquals(List.of(), failures);
  }

  /**
   * Starts {@code psl} on the cluster of seed port {@code seed} (the supervisor a member of its
   * own) and returns once round 3 is recorded, the run still going.
   */
  private CompletableFuture<Emulation.Outcome> startPastRound3(
      Settings psl, Path dir, StopSwitch stop, int seed, int rep) throws Exception {
    return startPastRound(psl, dir, stop, seed, 4, 3, Duration.ofSeconds(60), "run " + rep, runs);
  }

  /**
   * Starts {@code s} into {@code dir} on {@code runs}, on the cluster of seed port {@code seed}
   * (the supervisor a member of its own on a free port, waiting for {@code members} members), and
   * returns once {@code round} rounds are recorded within {@code within}, the run still going
   * ({@code what} names it in the failures). The cluster tests of this package share it.
   */
  static CompletableFuture<Emulation.Outcome> startPastRound(
      Settings s,
      Path dir,
      StopSwitch stop,
      int seed,
      int members,
      int round,
      Duration within,
      String what,
      ExecutorService runs)
      throws Exception {
    int supervisorPort = Ports.free();
    CompletableFuture<Emulation.Outcome> run =
        CompletableFuture.supplyAsync(
            () ->
                Emulation.run(
                    s,
                    dir,
                    RunListener.NONE,
                    new Emulation.RunControl(
                        null,
                        stop,
                        new Emulation.Cluster(
                            ClusterPipelineRunTest.member(supervisorPort, seed, "supervisor"),
                            members,
                            null))),
            runs);
    long deadline = System.nanoTime() + within.toNanos();
    while (!run.isDone() && lines(dir.resolve("rounds.csv")) <= round) {
      assertTrue(System.nanoTime() < deadline, what + " did not reach round " + round);
      Thread.sleep(10);
    }
    assertFalse(run.isDone(), what + " ended by round " + round);
    return run;
  }

  /**
   * Rounds of the runs that a member leaves: more than any run here reaches, since each is stopped
   * once the leave has played out ({@link #stopAfterRejoin}); a run of a fixed, smaller length
   * could end before the leave was seen on a fast machine.
   */
  private static final int LONG_RUN = 100_000;

  /**
   * How long the survivors' device entities hold their reports back, in the cases about a report
   * that reaches the run after the restore's answer.
   */
  private static final Duration REPORT_HOLD = Duration.ofSeconds(4);

  /**
   * Wall time watched after the rejoin beyond what a case holds back: what went wrong before came
   * within a second or two of the rejoin (a hand-over that took the devices placed back on the
   * leaving member a moment later), or as soon as a held report arrived, which an entity created
   * before the restore sends at most {@link #REPORT_HOLD} after the rejoin.
   */
  private static final Duration WATCH_AFTER_REJOIN = Duration.ofSeconds(4);

  /**
   * Waits for the run's {@code rejoin} row, then for 20 rounds and {@code held} plus {@link
   * #WATCH_AFTER_REJOIN} of wall time after it, at most 2 min in all; then stops the run at its
   * next round boundary and returns its outcome. ({@code held}: how long the case holds reports
   * back, zero when it does not.)
   */
  private static Emulation.Outcome stopAfterRejoin(
      CompletableFuture<Emulation.Outcome> run, StopSwitch stop, Path dir, Duration held)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    int stopAt = -1;
    long notBefore = Long.MAX_VALUE;
    while (!run.isDone() && System.nanoTime() < deadline) {
      int rows = lines(dir.resolve("rounds.csv"));
      Path events = dir.resolve("events.csv");
      if (stopAt < 0 && Files.exists(events) && Files.readString(events).contains(",rejoin,")) {
        stopAt = rows + 20;
        notBefore = System.nanoTime() + held.plus(WATCH_AFTER_REJOIN).toNanos();
      }
      if (stopAt >= 0 && rows >= stopAt && System.nanoTime() >= notBefore) {
        break;
      }
      Thread.sleep(20);
    }
    stop.request();
    return run.get(2, TimeUnit.MINUTES);
  }

  /**
   * Three times: as above (D shuts down as on SIGTERM mid-run, the device entities tell the run
   * about themselves 4 s late, D's too), with survival.absent = drop-for-run. A device of D that a
   * command re-creates on a survivor without its state answers that request as a crashed device,
   * and its report comes after the round has ended. That answer is no missed deadline: the device
   * is lost with its member, so it gets a {@code member-lost} row and comes back ({@code rejoin}),
   * every round after the rejoin has all 4 devices, and no {@code deadline} row names a device that
   * no {@code member-lost} row named before it. Before, the round took that answer for a deadline
   * miss and dropped the device for the rest of the run (a {@code deadline} row, then neither
   * {@code member-lost} nor {@code rejoin} for it, and 3 participants to the end).
   */
  @Test
  void aDeviceReCreatedWithoutItsState_isLostWithItsMember_notDroppedAtADeadline()
      throws Exception {
    Settings psl =
        Settings.load(
            Path.of("../scenarios/quickstart.conf"),
            List.of(
                "splitemu.rounds=" + LONG_RUN,
                "splitemu.local-steps=4",
                "splitemu.fidelity=timing",
                "splitemu.survival.absent=drop-for-run",
                "splitemu.barrier.timeout=10s"));
    List<String> failures = new ArrayList<>();
    int relocations = 0;
    for (int rep = 0; rep < 3; rep++) {
      int n = Ports.free();
      ActorSystem<Void> seed = node(Set.of("edge", "devices"), n, n);
      ActorSystem<Void> d = node(Set.of("devices"), Ports.free(), n);
      ActorSystem<Void> x = node(Set.of("devices"), Ports.free(), n);
      // D's own reports (its devices handed over) come after it left, if at all: the run learns
      // of the loss from D's leave, which comes after sharding re-created a device elsewhere.
      for (ActorSystem<Void> m : List.of(seed, d, x)) {
        DeviceEntities.get(Adapter.toClassic(m)).holdReports(REPORT_HOLD);
      }
      Path dir = tmp.resolve("missed-" + rep);
      StopSwitch stop = new StopSwitch();
      CompletableFuture<Emulation.Outcome> run = startPastRound3(psl, dir, stop, n, rep);
      org.apache.pekko.actor.CoordinatedShutdown.get(Adapter.toClassic(d))
          .runAll(org.apache.pekko.actor.CoordinatedShutdown.clusterLeavingReason());
      Emulation.Outcome done = stopAfterRejoin(run, stop, dir, REPORT_HOLD);
      assertTrue(done.rounds().size() < LONG_RUN, "run " + rep + " stopped");
      List<String> events = Files.readAllLines(dir.resolve("events.csv"));
      String all = String.join("\n", events);
      Set<Integer> lostSoFar = new TreeSet<>();
      int rejoinRound = -1;
      for (String e : events) {
        if (e.contains(",member-lost,")) {
          String list = e.substring(e.indexOf("its devices [") + 13);
          for (String id : list.substring(0, list.indexOf(']')).split(", ")) {
            lostSoFar.add(Integer.parseInt(id.trim()));
          }
        } else if (e.contains(",rejoin,") && rejoinRound < 0) {
          rejoinRound = Integer.parseInt(e.split(",")[1]);
        } else if (e.contains(",deadline,")) {
          int dev = Integer.parseInt(e.substring(e.indexOf(",device-") + 8).split(",")[0]);
          if (!lostSoFar.contains(dev)) {
            failures.add("run " + rep + ": a deadline row for a device not lost: " + e);
          }
        }
      }
      if (rejoinRound < 0) {
        failures.add("run " + rep + ": D's devices did not rejoin:\n" + all);
      }
      List<String> rounds = Files.readAllLines(dir.resolve("rounds.csv"));
      for (String r : rounds.subList(1, rounds.size())) {
        String[] c = r.split(",");
        if (Integer.parseInt(c[0]) > rejoinRound + 1 && !c[8].equals("4")) {
          failures.add(
              "run " + rep + ": round " + c[0] + " had " + c[8] + " participants:\n" + all);
          break;
        }
      }
      relocations +=
          DeviceEntities.get(Adapter.toClassic(seed)).relocated()
              + DeviceEntities.get(Adapter.toClassic(x)).relocated();
      stopMembers();
    }
    assertTrue(relocations > 0, "no device was re-created without its state in 3 runs");
    assertEquals(List.of(), failures);
  }

  /** The ids of a placement row's detail: {@code 0-3 5}. */
  private static Set<Integer> ids(String ranges) {
    Set<Integer> out = new TreeSet<>();
    for (String r : ranges.trim().split(" ")) {
      String[] ends = r.split("-");
      for (int i = Integer.parseInt(ends[0]); i <= Integer.parseInt(ends[ends.length - 1]); i++) {
        out.add(i);
      }
    }
    return out;
  }
}
