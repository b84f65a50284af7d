package io.splitemu.actors.cluster;

import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The root behaviour of a {@code splitemu node} member: it spawns what the member's roles ask for.
 *
 * <p>For now it holds nothing; the core fills in what each role spawns (sharded devices on {@code
 * devices}, edge servers on {@code edge}, compute hops on {@code hops}, the supervisor singleton's
 * proxy), in the layout of the pekko-samples cluster apps.
 */
public final class MemberGuardian {
  private MemberGuardian() {}

  /** The guardian of a member with {@code roles}. */
  public static Behavior<Void> create(Set<String> roles) {
    return Behaviors.setup(
        ctx -> {
          ctx.getLog().debug("member with roles {} started", roles);
          return Behaviors.empty();
        });
  }
}
