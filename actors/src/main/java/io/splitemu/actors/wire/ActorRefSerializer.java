package io.splitemu.actors.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Kryo serializer of typed actor references: the reference's serialization format (its path with
 * the system's address) out, and back through {@link ActorRefResolver} of the receiving system.
 */
final class ActorRefSerializer extends Serializer<ActorRef<?>> {

  private final ExtendedActorSystem system;
  // Looked up on first use: the resolver is an extension, and the serializer is built while the
  // system's serialization extension is itself being created.
  private volatile ActorRefResolver resolver;

  ActorRefSerializer(ExtendedActorSystem system) {
    this.system = system;
    setImmutable(true);
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  @Override
  public void write(Kryo kryo, Output output, ActorRef<?> ref) {
    output.writeString(resolver().toSerializationFormat(ref));
  }

  @Override
  public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
    return resolver().resolveActorRef(input.readString());
  }
}
