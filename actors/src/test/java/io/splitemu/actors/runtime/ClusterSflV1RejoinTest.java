package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.cluster.Ports;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.DeviceRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sfl-v1 on a cluster whose devices member D leaves mid-run (docs/cluster.md "Losing a member"):
 * D's devices miss the rest of round R, its aggregate too, and are re-created at round R + 1's
 * start from the state kept at round R's start. Under sfl-v1's rule (docs/faults.md "Device faults
 * on sfl-v1": a device that missed the last aggregate downloads the model first) each of them pays
 * the model's download in round R + 1. Before, the re-created device took its flag from the kept
 * state's hang, false at a round's start after its fault commands, so it trained on the current
 * model without paying for it: its round R + 1 {@code bytes_down} equal to a surviving device's.
 */
class ClusterSflV1RejoinTest {

  @TempDir Path tmp;

  private final List<ActorSystem<?>> started = new ArrayList<>();
  private final ExecutorService runs = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws Exception {
    runs.shutdownNow();
    for (ActorSystem<?> m : started) {
      m.terminate();
      m.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    started.clear();
  }

  private ActorSystem<Void> node(Set<String> roles, int port, int seed) {
    ActorSystem<Void> s = ClusterGracefulLeaveTest.member(roles, port, seed);
    started.add(s);
    return s;
  }

  /**
   * A seed (edge, devices) and devices members D and X; D leaves after round 3 of a long sfl-v1 run
   * in timing fidelity with a checkpoint after every round, stopped 3 rounds after D's devices
   * rejoined. In round R + 1 each re-created device's {@code bytes_down} is a survivor's plus the
   * device side of the model (624 bytes: lenet5 at cut 2, as docs/faults.md's quickstart); round
   * R's checkpoint, taken while they wait to rejoin, holds their kept states marked stale, so a run
   * resumed from it charges the same download.
   */
  @Test
  void devicesReCreatedAfterAMemberLeft_downloadTheModelAtTheirFirstRound() throws Exception {
    Settings sfl =
        Settings.load(
            Path.of("../scenarios/quickstart.conf"),
            List.of(
                "splitemu.scheme=sfl-v1",
                "splitemu.rounds=100000",
                "splitemu.local-steps=2",
                "splitemu.fidelity=timing",
                "splitemu.checkpoint.every=1",
                "splitemu.barrier.timeout=10s"));
    int n = Ports.free();
    node(Set.of("edge", "devices"), n, n);
    ActorSystem<Void> d = node(Set.of("devices"), Ports.free(), n);
    node(Set.of("devices"), Ports.free(), n);
    Path dir = tmp.resolve("run");
    Path copies = Files.createDirectories(tmp.resolve("checkpoints"));
    StopSwitch stop = new StopSwitch();
    int supervisorPort = Ports.free();
    CompletableFuture<Emulation.Outcome> run =
        CompletableFuture.supplyAsync(
            () ->
                Emulation.run(
                    sfl,
                    dir,
                    RunListener.NONE,
                    new Emulation.RunControl(
                        null,
                        stop,
                        new Emulation.Cluster(
                            ClusterPipelineRunTest.member(supervisorPort, n, "supervisor"),
                            4,
                            null))),
            runs);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!run.isDone() && ClusterGracefulLeaveTest.lines(dir.resolve("rounds.csv")) < 4) {
      assertTrue(System.nanoTime() < deadline, "the run did not reach round 3");
      Thread.sleep(10);
    }
    assertFalse(run.isDone(), "the run ended before D left");
    Cluster.get(d).manager().tell(Leave.create(Cluster.get(d).selfMember().address()));
    // Every checkpoint as it appears (only the newest two stay in the results folder).
    int stopAt = -1;
    while (!run.isDone() && System.nanoTime() < deadline) {
      copyCheckpoints(dir.resolve("checkpoints"), copies);
      int rows = ClusterGracefulLeaveTest.lines(dir.resolve("rounds.csv"));
      Path events = dir.resolve("events.csv");
      if (stopAt < 0 && Files.exists(events) && Files.readString(events).contains(",rejoin,")) {
        stopAt = rows + 3;
      }
      if (stopAt >= 0 && rows >= stopAt) {
        break;
      }
      Thread.sleep(5);
    }
    stop.request();
    run.get(2, TimeUnit.MINUTES);

    List<String> events = Files.readAllLines(dir.resolve("events.csv"));
    String all = String.join("\n", events);
    int lostRound = -1;
    Set<Integer> lost = new TreeSet<>();
    for (String e : events) {
      if (e.contains(",member-lost,") && lostRound < 0) {
        lostRound = Integer.parseInt(e.split(",")[1]);
        String list = e.substring(e.indexOf("its devices [") + 13);
        for (String id : list.substring(0, list.indexOf(']')).split(", ")) {
          lost.add(Integer.parseInt(id.trim()));
        }
      }
    }
    assertTrue(lostRound > 0 && !lost.isEmpty(), "D's devices were lost:\n" + all);
    assertTrue(all.contains(",rejoin,"), "D's devices rejoined:\n" + all);

    // Round R's checkpoint holds them as they will be re-created: stale, so a resume from it
    // charges the download as the running supervisor's re-creation does.
    Path ckpt = copies.resolve(String.format("round-%06d.ckpt", lostRound));
    assertTrue(Files.exists(ckpt), "round " + lostRound + "'s checkpoint was copied");
    for (Device.Snapshot s : Checkpoints.read(ckpt).devices()) {
      assertEquals(
          lost.contains(s.device()),
          s.stale(),
          "device " + s.device() + "'s flag in round " + lostRound + "'s checkpoint");
    }

    // Round R + 1: each re-created device downloads the model at its start.
    List<String> devices = Files.readAllLines(dir.resolve("devices.csv"));
    List<String> header = List.of(devices.get(0).split(","));
    int roundCol = header.indexOf("round");
    int deviceCol = header.indexOf("device");
    int downCol = header.indexOf("bytes_down");
    assertEquals(DeviceRecord.HEADER, header);
    TreeMap<Integer, Long> down = new TreeMap<>();
    for (String r : devices.subList(1, devices.size())) {
      String[] c = r.split(",");
      if (Integer.parseInt(c[roundCol]) == lostRound + 1) {
        down.put(Integer.parseInt(c[deviceCol]), Long.parseLong(c[downCol]));
      }
    }
    assertEquals(4, down.size(), "round " + (lostRound + 1) + " rows: " + down);
    Set<Long> survivors = new TreeSet<>();
    down.forEach(
        (dev, b) -> {
          if (!lost.contains(dev)) {
            survivors.add(b);
          }
        });
    assertEquals(1, survivors.size(), "the survivors' bytes down: " + down);
    long survivor = survivors.iterator().next();
    for (int dev : lost) {
      assertEquals(
          survivor + 624,
          down.get(dev),
          "re-created device "
              + dev
              + "'s bytes down in round "
              + (lostRound + 1)
              + " (lost in round "
              + lostRound
              + "): "
              + down);
    }
  }

  /** Copies the checkpoints of {@code from} not yet in {@code to} (a torn copy is taken again). */
  private static void copyCheckpoints(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      return;
    }
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".ckpt")).toList()) {
        Path copy = to.resolve(f.getFileName());
        try {
          if (Files.exists(copy) && Files.size(copy) == Files.size(f)) {
            continue;
          }
          Files.copy(f, copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException gone) {
          // Pruned meanwhile.
        }
      }
    }
  }
}
