package io.splitemu.model.wire;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko serializer for {@link ClusterMessage}s over Kryo with registration required.
 *
 * <p>Bound in this module's {@code reference.conf} under the name {@code splitemu-kryo} with
 * identifier {@value #IDENTIFIER}. No manifest is written: the Kryo class id at the start of the
 * bytes says which registered class follows.
 */
public final class KryoWireSerializer extends JSerializer {

  /** Pekko serializer identifier; stable, and above Pekko's reserved range 0..40. */
  public static final int IDENTIFIER = 7401;

  private final WireCodec codec;

  /** Called reflectively by Pekko with the system whose config holds the registry. */
  public KryoWireSerializer(ExtendedActorSystem system) {
    this.codec = WireCodec.fromConfig(system.settings().config());
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object o) {
    return codec.toBytes(o);
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    return codec.fromBytes(bytes);
  }
}
