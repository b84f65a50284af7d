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
 * of the next run. Which member gets which device is a function of the device and the members
 * sorted by address (round robin), not of the order the shards are asked for: before 2026-12-07
 * (the fewest shards of the run, ties to the lowest address) two orders of the same 24 devices gave
 * different homes.
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
          DeviceAllocation.byShard(
              shard, current.keySet(), x -> true, Comparator.<String>naturalOrder());
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
    assertEquals("b", DeviceAllocation.byShard(shard, current.keySet(), "b"::equals, order));
    assertEquals("b", DeviceAllocation.fewest(shard, current, "b"::equals, order));
    // No member up: the shards go round all of them (a re-created one: the fewest of all).
    assertEquals("b", DeviceAllocation.byShard(shard, current.keySet(), x -> false, order));
    assertEquals(
        "a",
        DeviceAllocation.byShard(
            ClusterMember.deviceShard("r-1/2"), current.keySet(), x -> false, order));
    assertEquals("a", DeviceAllocation.fewest(shard, current, x -> false, order));
    assertEquals(null, DeviceAllocation.byShard(shard, List.of(), x -> true, order));
  }

  /**
   * Each device's member when the shards of {@code order}'s devices are asked for in that order.
   */
  private static Map<Integer, String> homes(List<String> members, List<Integer> order) {
    Map<String, List<String>> current = new LinkedHashMap<>();
    members.forEach(m -> current.put(m, new ArrayList<>()));
    Map<Integer, String> home = new TreeMap<>();
    for (int d : order) {
      String shard = ClusterMember.deviceShard("mpsl-1x/" + d);
      String r =
          DeviceAllocation.byShard(
              shard, current.keySet(), x -> true, Comparator.<String>naturalOrder());
      current.get(r).add(shard);
      home.put(d, r);
    }
    return home;
  }

  @Test
  void aDevicesMemberIsAFunctionOfTheDeviceAndTheSortedMembers_notOfTheOrderShardsCome() {
    List<Integer> ascending = new ArrayList<>();
    for (int d = 0; d < 24; d++) {
      ascending.add(d);
    }
    // Two orders a run's shard requests came in (ClusterPipelineRunTest saw such orders).
    List<Integer> shuffled = new ArrayList<>(ascending);
    java.util.Collections.shuffle(shuffled, new java.util.Random(7));
    List<Integer> descending = new ArrayList<>(ascending);
    java.util.Collections.reverse(descending);
    List<String> members = List.of("127.0.0.1:9001", "127.0.0.1:10001");
    Map<Integer, String> home = homes(members, ascending);
    assertEquals(home, homes(members, shuffled));
    assertEquals(home, homes(members, descending));
    // Round robin over the members sorted by HOST:PORT as text (the placement rows' order),
    // whatever order they are listed in.
    assertEquals(home, homes(List.of("127.0.0.1:10001", "127.0.0.1:9001"), shuffled));
    for (int d = 0; d < 24; d++) {
      assertEquals(d % 2 == 0 ? "127.0.0.1:10001" : "127.0.0.1:9001", home.get(d), "device " + d);
    }
    // Devices beyond 1000 share a shard (the device modulo 1000), and so its member.
    assertEquals(
        DeviceAllocation.byShard(
            ClusterMember.deviceShard("r-1/1003"), members, x -> true, Comparator.naturalOrder()),
        DeviceAllocation.byShard(
            ClusterMember.deviceShard("r-1/3"), members, x -> true, Comparator.naturalOrder()));
  }

  @Test
  void aLostMembersShardsGoWhereTheRunHasFewest_aLateMemberFirst() {
    Comparator<String> order = Comparator.naturalOrder();
    Map<String, List<String>> current = new LinkedHashMap<>();
    current.put("a", new ArrayList<>());
    current.put("c", new ArrayList<>());
    place(current, "r-1", 6); // a: 0 2 4, c: 1 3 5
    current.remove("c"); // c lost; d joined
    current.put("d", new ArrayList<>());
    for (int d : List.of(1, 3, 5)) {
      String shard = ClusterMember.deviceShard("r-1/" + d);
      String to = DeviceAllocation.fewest(shard, current, x -> true, order);
      current.get(to).add(shard);
    }
    assertEquals(3, current.get("a").size());
    assertEquals(3, current.get("d").size());
  }

  /**
   * The shard coordinator is a singleton on the oldest devices member, with that member's strategy:
   * lost, it starts again on another member whose strategy allocated nothing. The shards the lost
   * member held are still allocated again (the fewest of the run: the member that joined since),
   * not placed by their number over the members left (before the fix: all four on c, none on d).
   */
  @Test
  void aCoordinatorStartedAgainElsewhere_placesALostMembersShardsOnTheFewest() {
    Comparator<String> order = Comparator.naturalOrder();
    Map<String, List<String>> current = new LinkedHashMap<>();
    for (String m : List.of("a", "b", "c")) {
      current.put(m, new ArrayList<>());
    }
    place(current, "r-1", 12); // a: 0 3 6 9, b: 1 4 7 10, c: 2 5 8 11
    place(current, "old-1x", 3); // an earlier run's shards, also unknown to the new coordinator
    current.remove("b"); // b lost, with the coordinator; d joined
    current.put("d", new ArrayList<>());
    Map<String, String> allocatedHere = new java.util.HashMap<>(); // the new coordinator's
    for (int d : List.of(1, 4, 7, 10)) {
      String shard = ClusterMember.deviceShard("r-1/" + d);
      String to = DeviceAllocation.home(shard, current, allocatedHere, x -> true, order);
      allocatedHere.put(shard, to);
      current.get(to).add(shard);
    }
    assertEquals(
        List.of(4, 4, 4), List.of(size(current, "a"), size(current, "c"), size(current, "d")));
    // A new run's first placement on that coordinator is still by number, whatever the shards of
    // other runs it did not allocate.
    for (int d = 0; d < 3; d++) {
      String shard = ClusterMember.deviceShard("r-2/" + d);
      assertEquals(
          List.of("a", "c", "d").get(d),
          DeviceAllocation.home(shard, current, allocatedHere, x -> true, order));
    }
  }

  private static int size(Map<String, List<String>> current, String member) {
    return (int) current.get(member).stream().filter(s -> s.startsWith("r-1/")).count();
  }

  /**
   * A shard this strategy allocated that the coordinator asks for again while the region it was
   * given to is still registered and does not hold it: the allocation was not committed, so it is
   * still the run's first placement (by number); only when that region is gone is it a lost
   * member's shard (the fewest). Before: the fewest in both cases (here a, not b).
   */
  @Test
  void aShardAskedForAgainBeforeItsAllocationWasCommitted_staysByNumber() {
    Comparator<String> order = Comparator.naturalOrder();
    Map<String, List<String>> current = new LinkedHashMap<>();
    current.put("a", new ArrayList<>());
    current.put("b", new ArrayList<>());
    Map<String, String> allocatedHere = new java.util.HashMap<>();
    for (int d : List.of(0, 2)) {
      allocatedHere.put(ClusterMember.deviceShard("r-1/" + d), "a");
      current.get("a").add(ClusterMember.deviceShard("r-1/" + d));
    }
    for (int d : List.of(1, 3, 5)) {
      allocatedHere.put(ClusterMember.deviceShard("r-1/" + d), "b");
      current.get("b").add(ClusterMember.deviceShard("r-1/" + d));
    }
    String seven = ClusterMember.deviceShard("r-1/7");
    allocatedHere.put(seven, "b"); // given to b, not committed
    assertEquals("b", DeviceAllocation.home(seven, current, allocatedHere, x -> true, order));
    allocatedHere.put(seven, "c"); // given to c, which is gone
    assertEquals("a", DeviceAllocation.home(seven, current, allocatedHere, x -> true, order));
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
