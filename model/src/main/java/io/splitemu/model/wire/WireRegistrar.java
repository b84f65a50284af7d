package io.splitemu.model.wire;

import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * Adds classes to the wire registry when a Pekko system builds its {@link KryoWireSerializer}.
 *
 * <p>Named under {@code splitemu.serialization.registrars} (a list of class names with a public
 * no-argument constructor), so that a module can register classes it finds at run time (its
 * message classes by reflection) and serializers that need the actor system (actor references),
 * which a static {@code classes} table cannot.
 */
public interface WireRegistrar {

  /** Registers this module's classes into {@code builder} for {@code system}. */
  void register(WireRegistry.Builder builder, ExtendedActorSystem system);
}
