package io.splitemu.actors.runtime;

import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.dispatch.Futures;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;

/**
 * Where the device shards of a cluster run go: a new shard to the {@code devices} member with the
 * fewest (ties to the lowest address), and never a rebalance. A device's state lives in its
 * entity for the whole run, so moving a shard of a running emulation would restart its devices
 * from nothing; only a lost member's shards move, re-created on the survivors when next addressed.
 */
final class DeviceAllocation extends ShardCoordinator.AbstractShardAllocationStrategy {

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    ActorRef best = null;
    for (Map.Entry<ActorRef, IndexedSeq<String>> e : current.entrySet()) {
      if (best == null || fewer(e.getKey(), e.getValue().size(), best, current.get(best).size())) {
        best = e.getKey();
      }
    }
    return Futures.successful(best == null ? requester : best);
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
