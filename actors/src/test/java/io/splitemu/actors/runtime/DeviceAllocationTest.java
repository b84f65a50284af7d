package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceAllocation} spreads a run's devices over the {@code devices} members by the shards
 * of that run only: long-lived members keep the shards of earlier runs (no passivation, no
 * rebalance), and counting those gave every device of a run to a member that had just been
 * (re)started. Before the fix a member (re)started after three runs on two others got all 6 devices
 * of the next run.
 */
class DeviceAllocationTest {

  /** Allocates {@code devices} shards of run {@code run} one by one; the new run's count each. */
  private static Map<String, Integer> place(
      Map<String, List<String>> current, String run, int devices) {
    Map<String, Integer> placed = new TreeMap<>();
    current.keySet().forEach(r -> placed.put(r, 0));
    for (int d = 0; d < devices; d++) {
      String shard = ClusterMember.deviceShard(run + "/" + d);
      String r =
          DeviceAllocation.fewest(shard, current, x -> true, Comparator.<String>naturalOrder());
      current.get(r).add(shard);
      placed.merge(r, 1, Integer::sum);
    }
    return placed;
  }

  @Test
  void aRunSpreadsOverEveryMember_whateverTheShardsOfEarlierRunsTheyHold() {
    Map<String, List<String>> current = new LinkedHashMap<>();
    current.put("a", new ArrayList<>());
    current.put("b", new ArrayList<>());
    // Three earlier runs on the long-lived members a and b.
    for (String run : List.of("quickstart-1x", "quickstart-2y", "quickstart-3z")) {
      assertEquals(Map.of("a", 2, "b", 2), place(current, run, 4));
    }
    current.put("c", new ArrayList<>()); // c (re)started: it holds nothing
    assertEquals(Map.of("a", 2, "b", 2, "c", 2), place(current, "quickstart-4w", 6));
    assertEquals(Map.of("a", 2, "b", 1, "c", 1), place(current, "quickstart-5v", 4));
  }

  @Test
  void aMemberNotUpGetsNoShardWhileAnotherCan() {
    Map<String, List<String>> current = new LinkedHashMap<>();
    current.put("a", new ArrayList<>());
    current.put("b", new ArrayList<>(List.of(ClusterMember.deviceShard("r-1/0"))));
    Comparator<String> order = Comparator.naturalOrder();
    String shard = ClusterMember.deviceShard("r-1/1");
    assertEquals("b", DeviceAllocation.fewest(shard, current, "b"::equals, order));
    assertEquals("a", DeviceAllocation.fewest(shard, current, x -> false, order));
  }

  @Test
  void aDeviceShardIsOfItsRunOnly() {
    String s = ClusterMember.deviceShard("quickstart-1x/7");
    assertEquals(s, ClusterMember.deviceShard("quickstart-1x/7"));
    assertTrue(s.startsWith("quickstart-1x/"), s);
    for (int d = 0; d < 2000; d++) {
      assertNotEquals(
          ClusterMember.deviceShard("quickstart-1x/" + d),
          ClusterMember.deviceShard("quickstart-2y/" + d));
    }
  }

  @Test
  void theShardsOfEndedRunsAreReleased_neverThoseOfARunning() {
    Map<String, List<String>> current = new LinkedHashMap<>();
    current.put("a", new ArrayList<>());
    current.put("b", new ArrayList<>());
    place(current, "old-1x", 150);
    place(current, "old-2y", 3);
    place(current, "now-3z", 4);
    java.util.function.Predicate<String> ended = r -> r.startsWith("old-");
    java.util.Set<String> inProgress = java.util.Set.of(ClusterMember.deviceShard("old-2y/1"));
    java.util.Set<String> all = new java.util.HashSet<>();
    for (int i = 0; i < 3; i++) { // as sharding asks every rebalance-interval
      java.util.Set<String> released =
          DeviceAllocation.released(current, inProgress, ended, DeviceAllocation.RELEASED_AT_ONCE);
      assertTrue(released.size() <= DeviceAllocation.RELEASED_AT_ONCE, released.toString());
      current.values().forEach(shards -> shards.removeAll(released));
      all.addAll(released);
    }
    assertEquals(152, all.size());
    assertTrue(all.stream().allMatch(s -> s.startsWith("old-")), all.toString());
    assertEquals(
        List.of(ClusterMember.deviceShard("now-3z/0"), ClusterMember.deviceShard("now-3z/2")),
        current.get("a").stream().sorted().toList());
    assertEquals(
        List.of(
            ClusterMember.deviceShard("now-3z/1"),
            ClusterMember.deviceShard("now-3z/3"),
            ClusterMember.deviceShard("old-2y/1")),
        current.get("b").stream().sorted().toList());
  }
}
