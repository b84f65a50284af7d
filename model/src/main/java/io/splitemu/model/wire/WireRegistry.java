package io.splitemu.model.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.TimeSerializers;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.DagLayer;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.UnitProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The classes allowed on the wire, each with a stable Kryo id, and the factory of Kryo instances.
 *
 * <p>Id ranges: 0..9 are Kryo's own (primitives, String); 10..999 are this class's fixed list
 * (tensors, boxed values, arrays, JDK collections, model records), append only; 1000 and up
 * belong to other modules, which add their message classes under the Pekko config key {@code
 * splitemu.serialization.classes} as {@code "fully.qualified.Name" = id} in their own {@code
 * reference.conf} (an object, so the files of several modules merge) or, outside Pekko, through
 * {@link Builder#register(Class, int)}. Every JVM of a cluster must agree on the ids.
 */
public final class WireRegistry {

  /** Lowest id open to other modules; lower ids are reserved for the fixed list. */
  public static final int FIRST_MODULE_ID = 1000;

  /** Config path of the class-to-id object. */
  public static final String CLASSES_PATH = "splitemu.serialization.classes";

  private final Map<Integer, Entry> byId;

  private record Entry(Class<?> type, int id, Supplier<Serializer<?>> serializer) {}

  private WireRegistry(Map<Integer, Entry> byId) {
    this.byId = Collections.unmodifiableMap(new TreeMap<>(byId));
  }

  /** A builder holding the fixed list, to which callers add their classes (ids >= 1000). */
  public static Builder builder() {
    return new Builder();
  }

  /** The fixed list plus the classes under {@value #CLASSES_PATH} of {@code config}. */
  public static WireRegistry fromConfig(Config config) {
    return builderFromConfig(config).build();
  }

  /**
   * A builder holding the fixed list and the classes under {@value #CLASSES_PATH} of {@code
   * config}, to which a {@link WireRegistrar} may add more.
   */
  public static Builder builderFromConfig(Config config) {
    Builder b = builder();
    if (!config.hasPath(CLASSES_PATH)) {
      return b;
    }
    for (Map.Entry<String, ConfigValue> e : config.getObject(CLASSES_PATH).entrySet()) {
      String name = e.getKey();
      String path = CLASSES_PATH + ".\"" + name + "\"";
      ConfigValue v = e.getValue();
      if (v.valueType() != ConfigValueType.NUMBER || !(v.unwrapped() instanceof Integer)) {
        throw new ConfigException.BadValue(path, "must be an integer id >= " + FIRST_MODULE_ID);
      }
      Class<?> type;
      try {
        type = Class.forName(name, false, WireRegistry.class.getClassLoader());
      } catch (ClassNotFoundException ex) {
        throw new ConfigException.BadValue(path, "class not found on the classpath");
      }
      try {
        b.register(type, (Integer) v.unwrapped());
      } catch (IllegalArgumentException ex) {
        throw new ConfigException.BadValue(path, ex.getMessage());
      }
    }
    return b;
  }

  /** The registered classes by id, for diagnostics and tests. */
  public Map<Integer, Class<?>> classesById() {
    Map<Integer, Class<?>> out = new TreeMap<>();
    byId.forEach((id, e) -> out.put(id, e.type()));
    return out;
  }

  /** A new Kryo with registration required and every class of this registry registered. */
  public Kryo newKryo() {
    Kryo kryo = new StrictKryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setMaxDepth(WireLimits.MAX_DEPTH);
    kryo.addDefaultSerializer(INDArray.class, TensorSerializer.class);
    for (Entry e : byId.values()) {
      Serializer<?> capped =
          e.serializer() == null ? WireLimits.cappedFor(kryo, e.type()) : null;
      if (capped != null) {
        kryo.register(e.type(), capped, e.id());
      } else if (e.serializer() == null) {
        kryo.register(e.type(), e.id());
      } else {
        kryo.register(e.type(), e.serializer().get(), e.id());
      }
    }
    return kryo;
  }

  /** Collects classes and ids, refusing clashes. */
  public static final class Builder {
    private final Map<Integer, Entry> byId = new HashMap<>();
    private final Map<Class<?>, Integer> byClass = new HashMap<>();

    private Builder() {
      registerFixedList();
    }

    /** Registers {@code type} under {@code id} (>= 1000) with Kryo's default serializer. */
    public Builder register(Class<?> type, int id) {
      checkModuleId(type, id);
      return put(type, id, null);
    }

    /** Registers {@code type} under {@code id} (>= 1000) with a serializer of its own. */
    public <T> Builder register(Class<T> type, int id, Supplier<Serializer<T>> serializer) {
      checkModuleId(type, id);
      return put(type, id, serializer::get);
    }

    /** Whether {@code type} is registered already (the fixed list, the config or a registrar). */
    public boolean contains(Class<?> type) {
      return byClass.containsKey(type);
    }

    /** The registered class of {@code id}, or null. */
    public Class<?> classOf(int id) {
      Entry e = byId.get(id);
      return e == null ? null : e.type();
    }

    /** The registry; Kryo instances made from it are independent of later builder changes. */
    public WireRegistry build() {
      return new WireRegistry(byId);
    }

    private static void checkModuleId(Class<?> type, int id) {
      if (id < FIRST_MODULE_ID) {
        throw new IllegalArgumentException(
            "id " + id + " for " + type.getName() + " is reserved; use ids >= " + FIRST_MODULE_ID);
      }
    }

    private Builder put(Class<?> type, int id, Supplier<Serializer<?>> serializer) {
      if (type.isInterface() && type != INDArray.class) {
        throw new IllegalArgumentException(
            "cannot register interface " + type.getName() + "; register its concrete classes");
      }
      Entry old = byId.get(id);
      if (old != null) {
        throw new IllegalArgumentException(
            "id " + id + " of " + type.getName() + " is taken by " + old.type().getName());
      }
      Integer oldId = byClass.get(type);
      if (oldId != null) {
        throw new IllegalArgumentException(type.getName() + " is already registered as " + oldId);
      }
      byId.put(id, new Entry(type, id, serializer));
      byClass.put(type, id);
      return this;
    }

    // The fixed list. Append only: changing an id breaks the wire between builds.
    private void registerFixedList() {
      put(INDArray.class, 10, TensorSerializer::new);
      put(DataType.class, 11, null);
      Class<?>[] arrays = {
        byte[].class, int[].class, long[].class, float[].class, double[].class,
        boolean[].class, short[].class, char[].class, String[].class, Object[].class
      };
      for (int i = 0; i < arrays.length; i++) {
        put(arrays[i], 12 + i, null);
      }
      Class<?>[] boxed = {
        Integer.class, Long.class, Float.class, Double.class,
        Boolean.class, Byte.class, Short.class, Character.class
      };
      for (int i = 0; i < boxed.length; i++) {
        put(boxed[i], 22 + i, null);
      }
      Class<?>[] mutable = {
        ArrayList.class, LinkedList.class, HashMap.class, LinkedHashMap.class,
        TreeMap.class, HashSet.class, LinkedHashSet.class, TreeSet.class
      };
      for (int i = 0; i < mutable.length; i++) {
        put(mutable[i], 30 + i, null);
      }
      Supplier<Serializer<?>> list = ImmutableCollectionSerializers.ListSerializer::new;
      Supplier<Serializer<?>> set = ImmutableCollectionSerializers.SetSerializer::new;
      Supplier<Serializer<?>> map = ImmutableCollectionSerializers.MapSerializer::new;
      put(List.of(1).getClass(), 40, list);
      put(List.of(1, 2, 3).getClass(), 41, list);
      put(List.of(1, 2, 3).subList(0, 2).getClass(), 42, list);
      put(Set.of(1).getClass(), 43, set);
      put(Set.of(1, 2, 3).getClass(), 44, set);
      put(Map.of(1, 1).getClass(), 45, map);
      put(Map.of(1, 1, 2, 2).getClass(), 46, map);
      put(Collections.emptyList().getClass(), 47, list);
      put(Collections.emptySet().getClass(), 48, set);
      put(Collections.emptyMap().getClass(), 49, map);
      put(Collections.unmodifiableList(new ArrayList<>()).getClass(), 50, list);
      put(Collections.unmodifiableList(new LinkedList<>()).getClass(), 51, list);
      put(Collections.unmodifiableSet(new HashSet<>()).getClass(), 52, set);
      put(Collections.unmodifiableMap(new HashMap<>()).getClass(), 53, map);
      put(Arrays.asList(1, 2).getClass(), 54, list);
      put(Collections.singletonList(1).getClass(), 55, list);
      put(Collections.singleton(1).getClass(), 56, set);
      put(Collections.singletonMap(1, 1).getClass(), 57, map);
      // Explicit serializers: field-by-field access to JDK internals is closed on Java 17.
      put(Duration.class, 60, TimeSerializers.DurationSerializer::new);
      put(Instant.class, 61, TimeSerializers.InstantSerializer::new);
      put(UUID.class, 62, DefaultSerializers.UUIDSerializer::new);
      put(UnitProfile.class, 100, null);
      put(ChainProfile.class, 101, null);
      put(DagLayer.class, 102, null);
      put(DagProfile.class, 103, null);
    }
  }

  /** Kryo that files every INDArray implementation under one id and names the fix when refusing. */
  private static final class StrictKryo extends Kryo {
    @Override
    @SuppressWarnings("rawtypes")
    public Registration getRegistration(Class type) {
      if (type != INDArray.class && INDArray.class.isAssignableFrom(type)) {
        return super.getRegistration(INDArray.class);
      }
      return super.getRegistration(type);
    }

    @Override
    @SuppressWarnings("rawtypes")
    protected String unregisteredClassMessage(Class type) {
      return unregisteredMessage(type);
    }
  }

  static String unregisteredMessage(Class<?> type) {
    String name = type.getName();
    return "class "
        + name
        + UNREGISTERED_MARK
        + "; add \""
        + name
        + "\" = <id >= "
        + FIRST_MODULE_ID
        + "> under "
        + CLASSES_PATH
        + " in its module's reference.conf, or call WireRegistry.Builder.register";
  }

  static final String UNREGISTERED_MARK = " is not registered for the splitemu wire";
}
