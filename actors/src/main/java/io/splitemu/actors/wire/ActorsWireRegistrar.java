package io.splitemu.actors.wire;

import com.esotericsoftware.kryo.Serializer;
import io.splitemu.model.wire.WireRegistrar;
import io.splitemu.model.wire.WireRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.internal.adapter.ActorRefAdapter;
import org.apache.pekko.actor.typed.internal.adapter.ActorSystemAdapter;

/**
 * Registers every splitemu message class ({@link MessageClasses}) and typed actor references with
 * the Kryo wire of a Pekko system; named in this module's {@code reference.conf}.
 */
public final class ActorsWireRegistrar implements WireRegistrar {

  /** Config path of the packages whose message classes are registered. */
  public static final String PACKAGES_PATH = "splitemu.serialization.message-packages";

  @Override
  public void register(WireRegistry.Builder builder, ExtendedActorSystem system) {
    List<String> packages = system.settings().config().getStringList(PACKAGES_PATH);
    Map<String, Class<?>> found =
        MessageClasses.find(packages, ActorsWireRegistrar.class.getClassLoader());
    // Both typed reference classes a message can hold: an actor's (or a probe's, an adapter's, an
    // ask's) and the system's own.
    for (Class<?> ref : List.of(ActorRefAdapter.class, ActorSystemAdapter.class)) {
      add(builder, ref, () -> new ActorRefSerializer(system));
    }
    for (Class<?> type : found.values()) {
      if (!builder.contains(type)) {
        add(builder, type, null);
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void add(
      WireRegistry.Builder builder,
      Class<?> type,
      Supplier<Serializer> serializer) {
    int id = MessageClasses.idOf(type);
    Class<?> taken = builder.classOf(id);
    if (taken != null) {
      throw new IllegalStateException(
          "wire id "
              + id
              + " derived from the name of "
              + type.getName()
              + " is that of "
              + taken.getName()
              + "; rename one of them");
    }
    if (serializer == null) {
      builder.register(type, id);
    } else {
      builder.register((Class) type, id, (Supplier) serializer);
    }
  }
}
