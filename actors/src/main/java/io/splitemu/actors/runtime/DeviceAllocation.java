package io.splitemu.actors.runtime;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
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
 * Where the device shards of a cluster run go: a new shard to the {@code devices} member with the
 * fewest (ties to the lowest address), and never a rebalance. A device's state lives in its entity
 * for the whole run, so moving a shard of a running emulation would restart its devices from
 * nothing; only a lost member's shards move, re-created on the survivors when next addressed.
 *
 * <p>A member that is not up (Leaving, Exiting, Down...) gets no new shard while another one can
 * take it: sharding itself stops giving shards to a region only once the region asks to shut down
 * (during its member's coordinated shutdown), a moment after the member is seen leaving, and a
 * device started there would be handed over again at once.
 */
final class DeviceAllocation extends ShardCoordinator.AbstractShardAllocationStrategy {

  private final Cluster cluster;

  DeviceAllocation(ActorSystem<?> system) {
    this.cluster = Cluster.get(system);
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
    ActorRef best = null;
    for (boolean upOnly : new boolean[] {true, false}) {
      for (Map.Entry<ActorRef, IndexedSeq<String>> e : current.entrySet()) {
        if (upOnly && !up.contains(address(e.getKey()))) {
          continue;
        }
        if (best == null
            || fewer(e.getKey(), e.getValue().size(), best, current.get(best).size())) {
          best = e.getKey();
        }
      }
      if (best != null) {
        break; // else no region's member is up: the fewest of all, as before
      }
    }
    return Futures.successful(best == null ? requester : best);
  }

  /** The member address of a region (the coordinator's own region has a local one). */
  private Address address(ActorRef region) {
    Address a = region.path().address();
    return a.hasLocalScope() ? cluster.selfMember().address() : a;
  }

  private static boolean fewer(ActorRef a, int shardsA, ActorRef b, int shardsB) {
    if (shardsA != shardsB) {
      return shardsA < shardsB;
    }
    return a.path().address().toString().compareTo(b.path().address().toString()) < 0;
  }

  @Override
  public Future<Set<String>> rebalance(
      Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    return Futures.successful(Set.of());
  }
}
