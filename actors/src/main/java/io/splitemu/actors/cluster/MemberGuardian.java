package io.splitemu.actors.cluster;

import io.splitemu.actors.runtime.ClusterMember;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The root behaviour of a {@code splitemu node} member: it spawns what the member's roles ask for
 * ({@link ClusterMember#guardian}: the loader every role registers with the Receptionist, and on
 * {@code devices} the sharded device entities; the edge server and hops are spawned when a run
 * asks).
 */
public final class MemberGuardian {
  private MemberGuardian() {}

  /** The guardian of a member with {@code roles}. */
  public static Behavior<Void> create(Set<String> roles) {
    return ClusterMember.guardian(roles);
  }
}
