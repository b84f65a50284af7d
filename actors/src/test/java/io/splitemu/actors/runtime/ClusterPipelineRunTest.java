package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MP-SL across a cluster of actor systems in this JVM (the supervisor's, a {@code hops} member and
 * two {@code devices} members): the rows equal those of one JVM, the placement rows are all there
 * even when the devices' start reports reach the run after its one epoch ended, and each device's
 * member follows from its id and the members' addresses.
 */
class ClusterPipelineRunTest {

  private static int freePort() throws Exception {
    return io.splitemu.actors.cluster.Ports.free();
  }

  /** A member of this JVM's test cluster on 127.0.0.1 (ClusterLateMemberTest's too). */
  static Config member(int port, int seed, String roles) {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "pekko.actor.provider = cluster",
                "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"",
                "pekko.remote.artery.canonical.port = " + port,
                "pekko.cluster.seed-nodes = [\"pekko://splitemu@127.0.0.1:" + seed + "\"]",
                "pekko.cluster.roles = [" + roles + "]",
                "pekko.cluster.sharding.passivation.strategy = none",
                "pekko.loglevel = WARNING",
                "pekko.coordinated-shutdown.exit-jvm = off",
                // The supervisor's system, the seed, leaves with its run: a member then stops
                // without waiting to leave a cluster that is gone.
                "pekko.coordinated-shutdown.run-by-actor-system-terminate = off"));
    // Joins, loads and leaves without waiting for Pekko's second-long ticks.
    lines.addAll(io.splitemu.actors.cluster.LabTimings.hocon());
    return ConfigFactory.parseString(String.join("\n", lines)).withFallback(ConfigFactory.load());
  }

  /** A run's rows but their wall-clock column. */
  private static List<String> emulated(List<RoundRecord> rows) {
    List<String> out = new ArrayList<>();
    for (RoundRecord r : rows) {
      String row = r.toString();
      out.add(row.substring(0, row.indexOf("wallTimeS=")));
    }
    return out;
  }

  /** A placement row: at 0 s and round 0, its member, its number of devices and their ranges. */
  private static final Pattern PLACEMENT =
      Pattern.compile(
          "0\\.0,0,placement,member (127\\.0\\.0\\.1:\\d+),\"?(\\d+) devices? started: ([0-9"
              + " -]+)\"?");

  /** The ids of ranges such as {@code 0-3 5}, in their order. */
  private static List<Integer> ids(String ranges) {
    List<Integer> out = new ArrayList<>();
    for (String r : ranges.trim().split(" ")) {
      String[] ends = r.split("-");
      int to = Integer.parseInt(ends[ends.length - 1]);
      for (int d = Integer.parseInt(ends[0]); d <= to; d++) {
        out.add(d);
      }
    }
    return out;
  }

  @Test
  void mpslAndHorizontal_onAHopsAndTwoDevicesMembers_equalOneJvm(@TempDir Path tmp)
      throws Exception {
    for (String scheme : List.of("mpsl-horizontal", "mpsl")) {
      // mpsl: one epoch (ClusterRunTest runs two over three JVMs), its devices' start reports held
      // back past the run's end (before 2026-12-07 it then had no placement row).
      boolean oneEpoch = scheme.equals("mpsl");
      int rounds = oneEpoch ? 1 : 2;
      Settings s =
          Settings.load(
              Path.of("../scenarios/mpsl-cost-effective.conf"),
              List.of(
                  "splitemu.scheme=" + scheme,
                  "splitemu.rounds=" + rounds,
                  "splitemu.devices.count=24",
                  "splitemu.data.train-samples=12000"));
      Emulation.Outcome one = Emulation.run(s, tmp.resolve("one-" + scheme), RunListener.NONE);
      // Fresh members per run: the supervisor's system is the seed and leaves with its run.
      int seed = freePort();
      int a = freePort();
      int b = freePort();
      int c = freePort();
      // Each member is stopped even when a later one fails to start: a member left running keeps
      // trying to join its seed for the rest of the test JVM's life.
      List<ActorSystem<Void>> started = new ArrayList<>();
      try {
        started.add(
            ActorSystem.create(
                ClusterMember.guardian(Set.of("hops")), "splitemu", member(c, seed, "hops")));
        started.add(
            ActorSystem.create(
                ClusterMember.guardian(Set.of("devices")), "splitemu", member(a, seed, "devices")));
        started.add(
            ActorSystem.create(
                ClusterMember.guardian(Set.of("devices")), "splitemu", member(b, seed, "devices")));
        if (oneEpoch) {
          for (ActorSystem<Void> m : started.subList(1, 3)) {
            DeviceEntities.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(m))
                .holdStarts(java.time.Duration.ofSeconds(3));
          }
        }
        Emulation.Outcome three =
            Emulation.run(
                s,
                tmp.resolve("three-" + scheme),
                RunListener.NONE,
                new Emulation.RunControl(
                    null, null, new Emulation.Cluster(member(seed, seed, "supervisor"), 4, null)));
        assertEquals(rounds, three.rounds().size(), scheme);
        assertEquals(emulated(one.rounds()), emulated(three.rounds()), scheme);
        assertEquals(
            Files.readAllLines(one.dir().resolve("devices.csv")),
            Files.readAllLines(three.dir().resolve("devices.csv")),
            scheme);
        // The devices were spread over both devices members: one placement row per member, as the
        // other schemes' (at 0 s, round 0, members by address, ids ascending), whatever order the
        // devices started in. Before, a row per device as it started, at round 1. Device d is on
        // the member d modulo 2 in the order of their HOST:PORT as text, whatever the order the
        // shard coordinator hears of the shards (before 2026-12-07 that order decided, and it
        // changed from run to run).
        List<String> events = Files.readAllLines(three.dir().resolve("events.csv"));
        List<String> members = new ArrayList<>();
        Set<Integer> ids = new TreeSet<>();
        int first = -1;
        for (int i = 0; i < events.size(); i++) {
          String line = events.get(i);
          if (!line.contains(",placement,member ")) {
            continue;
          }
          first = first < 0 ? i : first;
          assertEquals(first + members.size(), i, "placement rows together: " + events);
          Matcher m = PLACEMENT.matcher(line);
          assertTrue(m.matches(), scheme + ": " + line);
          members.add(m.group(1));
          List<Integer> row = ids(m.group(3));
          assertEquals(Integer.parseInt(m.group(2)), row.size(), line);
          assertEquals(new ArrayList<>(new TreeSet<>(row)), row, line);
          row.forEach(d -> assertTrue(ids.add(d), "device " + d + " placed twice: " + events));
        }
        assertEquals(
            new ArrayList<>(new TreeSet<>(List.of("127.0.0.1:" + a, "127.0.0.1:" + b))),
            members,
            scheme + ": " + events);
        assertEquals(24, ids.size(), scheme + ": " + events);
        for (int i = 0; i < members.size(); i++) {
          Matcher m = PLACEMENT.matcher(events.get(first + i));
          assertTrue(m.matches());
          for (int d : ids(m.group(3))) {
            assertEquals(i, d % 2, scheme + ": device " + d + " on " + members.get(i) + events);
          }
        }
        assertTrue(
            oneEpoch || one.rounds().get(1).emulatedTimeS() > one.rounds().get(0).emulatedTimeS());
      } finally {
        for (ActorSystem<Void> m : started) {
          m.terminate();
          m.getWhenTerminated().toCompletableFuture().get();
        }
      }
    }
  }
}
