package io.splitemu.model.wire;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
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

  /** Config path of the list of {@link WireRegistrar} class names. */
  public static final String REGISTRARS_PATH = "splitemu.serialization.registrars";

  /**
   * Called reflectively by Pekko with the system whose config holds the registry; the registrars
   * under {@value #REGISTRARS_PATH} add their classes in list order.
   */
  public KryoWireSerializer(ExtendedActorSystem system) {
    Config config = system.settings().config();
    WireRegistry.Builder builder = WireRegistry.builderFromConfig(config);
    if (config.hasPath(REGISTRARS_PATH)) {
      for (String name : config.getStringList(REGISTRARS_PATH)) {
        registrar(name).register(builder, system);
      }
    }
    this.codec = WireCodec.fromConfig(config, builder.build());
  }

  private static WireRegistrar registrar(String name) {
    try {
      Class<?> type = Class.forName(name, true, KryoWireSerializer.class.getClassLoader());
      return (WireRegistrar) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new ConfigException.BadValue(
          REGISTRARS_PATH,
          "\"" + name + "\" is not a WireRegistrar with a public no-argument constructor");
    }
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
