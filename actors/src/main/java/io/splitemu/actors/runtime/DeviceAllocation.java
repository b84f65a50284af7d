package io.splitemu.actors.runtime;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.dispatch.Futures;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;

/**
 * Where the device shards of a cluster run go: shard {@code RUN/N} (N the device modulo 1000,
 * {@link ClusterMember#deviceShard}) to the {@code devices} member at index N modulo their number,
 * the members sorted by {@code HOST:PORT} as text (round robin over the members by address), and
 * never a rebalance of a running run's shards (those of a run that ended are released). So the same
 * scenario over the same members gives every device the same member, whatever the order in which
 * the shard coordinator hears of the shards, provided the members the shards go round (regions the
 * coordinator counts: registered, not shutting down, their member up) are the same from the run's
 * first shard allocation to its last: N's modulus is their number at each allocation, so a member
 * that joins, leaves, is lost or is no longer up while the run's shards are placed gives the shards
 * placed after it another split (each still has one member), and a coordinator started again on
 * another member in the middle places the rest as shards allocated again ({@link #again}); before
 * 2026-12-07 a new shard went to the member with the fewest shards of the run, ties to the lowest
 * address, and which member got which device followed that order, which changed from run to run
 * (the placement rows and each member's load, not the emulated times). The shards of other runs do
 * not count: before they were released (and those of runs before a member joined, which it does not
 * release) they stayed on long-lived members. A device's state lives in its entity for the whole
 * run, so moving a shard of a running emulation would restart its devices from nothing; only a lost
 * (or departed) member's shards move, re-created when next addressed on the up member with the
 * fewest shards of the run, ties to the lowest address ({@link #fewest}: a member that joined
 * since, usually), such a shard told apart by the coordinator's state and this strategy's own
 * allocations ({@link #again}), so also by a coordinator that started again on another member (the
 * oldest devices member's lost).
 *
 * <p>A member that is not up (Leaving, Exiting, Down...) gets no new shard while another one can
 * take it: it is left out of the members the shards go round (sharding itself stops giving shards
 * to a region only once the region asks to shut down, during its member's coordinated shutdown, a
 * moment after the member is seen leaving, and a device started there would be handed over again at
 * once).
 */
final class DeviceAllocation extends ShardCoordinator.AbstractShardAllocationStrategy {

  /** The most shards of ended runs released at a time (sharding asks every 10 s). */
  static final int RELEASED_AT_ONCE = 100;

  private final Cluster cluster;
  private final Predicate<String> ended;
  // The shards this strategy allocated, of runs that have not ended here, each to its region:
  // one asked for again is a lost or departed member's ({@link #again}).
  private final Map<String, ActorRef> allocated = new HashMap<>();

  /**
   * {@code ended} says whether a run (its name) ended on this member: the shards of such a run are
   * released ({@link #rebalance}).
   */
  DeviceAllocation(ActorSystem<?> system, Predicate<String> ended) {
    this.cluster = Cluster.get(system);
    this.ended = ended;
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    Set<Address> up = new HashSet<>();
    for (Member m : cluster.state().getMembers()) {
      if (m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp()) {
        up.add(m.address());
      }
    }
    Comparator<ActorRef> order =
        Comparator.comparing((ActorRef r) -> ClusterMember.hostPort(address(r)));
    Predicate<ActorRef> isUp = r -> up.contains(address(r));
    ActorRef home = home(shardId, asJava(current), allocated, isUp, order);
    if (home == null) {
      home = requester;
    }
    allocated.put(shardId, home);
    return Futures.successful(home);
  }

  /**
   * The region of {@code current} (each region's shards) that gets shard {@code shardId}, {@code
   * allocatedHere} the shards this strategy allocated before (each to its region): a shard
   * allocated again ({@link #again}) goes where the run has the fewest ({@link #fewest}), else by
   * its number ({@link #byShard}).
   */
  static <R> R home(
      String shardId,
      Map<R, ? extends Collection<String>> current,
      Map<String, R> allocatedHere,
      Predicate<R> up,
      Comparator<R> order) {
    return again(shardId, current, allocatedHere)
        ? fewest(shardId, current, up, order)
        : byShard(shardId, current.keySet(), up, order);
  }

  /**
   * Whether shard {@code shardId} is allocated again (its member lost or gone), not a run's first
   * placement, from the regions' shards the coordinator holds ({@code current}, its state, which a
   * coordinator started again on another member reads back) and {@code allocatedHere} (this
   * strategy's, which that one does not have): a shard of a run of which {@code current} holds a
   * shard this strategy did not allocate (a coordinator before this one placed the run, and lost
   * its member, or left), or one this strategy gave to a region that is no longer in {@code
   * current}. A shard given to a region still in {@code current}, which does not hold it (the
   * coordinator asks only for a shard without a home), was never committed: still a first
   * placement.
   */
  static <R> boolean again(
      String shardId, Map<R, ? extends Collection<String>> current, Map<String, R> allocatedHere) {
    String run = shardId.substring(0, shardId.lastIndexOf('/') + 1);
    for (Collection<String> shards : current.values()) {
      for (String s : shards) {
        if (s.startsWith(run) && !allocatedHere.containsKey(s)) {
          return true;
        }
      }
    }
    R before = allocatedHere.get(shardId);
    return before != null && !current.containsKey(before);
  }

  /**
   * The region of {@code regions} that gets new shard {@code shardId} ({@code RUN/N}): the one at
   * index N modulo their number, the regions in {@code order}, among those {@code up} if any (else
   * among all). A function of the shard and the regions alone, not of the shards they hold nor of
   * the order the shards come in; null when there is no region.
   */
  static <R> R byShard(
      String shardId, Collection<R> regions, Predicate<R> up, Comparator<R> order) {
    List<R> upOnes = regions.stream().filter(up).sorted(order).toList();
    List<R> from = upOnes.isEmpty() ? regions.stream().sorted(order).toList() : upOnes;
    if (from.isEmpty()) {
      return null;
    }
    String n = shardId.substring(shardId.lastIndexOf('/') + 1);
    int shard;
    try {
      shard = Integer.parseInt(n);
    } catch (NumberFormatException e) {
      shard = n.hashCode(); // not a device shard (ClusterMember.deviceShard): still a fixed home
    }
    return from.get(Math.floorMod(shard, from.size()));
  }

  /**
   * The region of {@code current} (each region's shards) that gets shard {@code shardId} (of run
   * {@code RUN/}) again, its member lost or gone: the one with the fewest shards of that run, ties
   * to the first in {@code order}, among those {@code up} if any.
   */
  static <R> R fewest(
      String shardId,
      Map<R, ? extends Collection<String>> current,
      Predicate<R> up,
      Comparator<R> order) {
    // Only the shards of the run being placed count (ClusterMember.deviceShard): a long-lived
    // member keeps the shards of every earlier run.
    String run = shardId.substring(0, shardId.lastIndexOf('/') + 1);
    R best = null;
    int bestCount = 0;
    for (boolean upOnly : new boolean[] {true, false}) {
      for (Map.Entry<R, ? extends Collection<String>> e : current.entrySet()) {
        if (upOnly && !up.test(e.getKey())) {
          continue;
        }
        int count = 0;
        for (String s : e.getValue()) {
          if (s.startsWith(run)) {
            count++;
          }
        }
        if (best == null
            || count < bestCount
            || (count == bestCount && order.compare(e.getKey(), best) < 0)) {
          best = e.getKey();
          bestCount = count;
        }
      }
      if (best != null) {
        break; // else no region's member is up: the fewest of all, as before
      }
    }
    return best;
  }

  /** Each region's shards, as the Java collections {@link #fewest} and {@link #released} read. */
  private static Map<ActorRef, List<String>> asJava(Map<ActorRef, IndexedSeq<String>> current) {
    Map<ActorRef, List<String>> shards = new HashMap<>();
    current.forEach((r, s) -> shards.put(r, scala.jdk.javaapi.CollectionConverters.asJava(s)));
    return shards;
  }

  /** The member address of a region (the coordinator's own region has a local one). */
  private Address address(ActorRef region) {
    Address a = region.path().address();
    return a.hasLocalScope() ? cluster.selfMember().address() : a;
  }

  /**
   * Releases the shards of runs that ended (sharding hands them off, and they hold no entity by
   * then: a run's end retires its devices), at most {@link #RELEASED_AT_ONCE} at a time; never a
   * shard of a run that has not ended here. Without it every run left up to 1000 shards on the
   * long-lived members for good, each written again with every later allocation.
   */
  @Override
  public Future<Set<String>> rebalance(
      Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    allocated
        .keySet()
        .removeIf(shard -> ended.test(shard.substring(0, Math.max(0, shard.lastIndexOf('/')))));
    return Futures.successful(released(asJava(current), inProgress, ended, RELEASED_AT_ONCE));
  }

  /**
   * The shards of {@code current} whose run has {@code ended}, not {@code inProgress}, at most
   * {@code max}.
   */
  static <R> Set<String> released(
      Map<R, ? extends Collection<String>> current,
      Set<String> inProgress,
      Predicate<String> ended,
      int max) {
    Set<String> out = new HashSet<>();
    for (Collection<String> shards : current.values()) {
      for (String shard : shards) {
        if (out.size() >= max) {
          return out;
        }
        int slash = shard.lastIndexOf('/');
        if (slash > 0 && !inProgress.contains(shard) && ended.test(shard.substring(0, slash))) {
          out.add(shard);
        }
      }
    }
    return out;
  }
}
