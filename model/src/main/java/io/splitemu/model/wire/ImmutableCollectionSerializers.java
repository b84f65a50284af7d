package io.splitemu.model.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kryo serializers for the JDK's unmodifiable collections, which have no no-argument constructor.
 *
 * <p>Records validate with {@code List.copyOf} and friends, so these classes appear in almost every
 * message. They are read back as unmodifiable collections with the same elements and order; the
 * concrete JDK class may differ, which {@code equals} ignores.
 */
final class ImmutableCollectionSerializers {

  private ImmutableCollectionSerializers() {}

  /** Writes any list as size + elements and reads an unmodifiable list. */
  static final class ListSerializer extends Serializer<List<?>> {
    ListSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, List<?> list) {
      writeElements(kryo, output, list);
    }

    @Override
    public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
      List<Object> items = readElements(kryo, input, new ArrayList<>());
      return items.contains(null) ? Collections.unmodifiableList(items) : List.copyOf(items);
    }
  }

  /** Writes any set as size + elements and reads an unmodifiable set keeping iteration order. */
  static final class SetSerializer extends Serializer<Set<?>> {
    SetSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Set<?> set) {
      writeElements(kryo, output, set);
    }

    @Override
    public Set<?> read(Kryo kryo, Input input, Class<? extends Set<?>> type) {
      List<Object> items = readElements(kryo, input, new ArrayList<>());
      items.forEach(ImmutableCollectionSerializers::checkHashable);
      return Collections.unmodifiableSet(new LinkedHashSet<>(items));
    }
  }

  /** Writes any map as size + key/value pairs and reads an unmodifiable map keeping order. */
  static final class MapSerializer extends Serializer<Map<?, ?>> {
    MapSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Map<?, ?> map) {
      output.writeVarInt(map.size(), true);
      for (Map.Entry<?, ?> e : map.entrySet()) {
        kryo.writeClassAndObject(output, e.getKey());
        kryo.writeClassAndObject(output, e.getValue());
      }
    }

    @Override
    public Map<?, ?> read(Kryo kryo, Input input, Class<? extends Map<?, ?>> type) {
      int size = checkedSize(input);
      Map<Object, Object> map = new LinkedHashMap<>();
      for (int i = 0; i < size; i++) {
        Object key = checkHashable(kryo.readClassAndObject(input));
        map.put(key, kryo.readClassAndObject(input));
      }
      return Collections.unmodifiableMap(map);
    }
  }

  private static void writeElements(Kryo kryo, Output output, Collection<?> items) {
    output.writeVarInt(items.size(), true);
    for (Object item : items) {
      kryo.writeClassAndObject(output, item);
    }
  }

  private static <C extends Collection<Object>> C readElements(Kryo kryo, Input input, C into) {
    int size = checkedSize(input);
    for (int i = 0; i < size; i++) {
      into.add(kryo.readClassAndObject(input));
    }
    return into;
  }

  /**
   * Refuses a set element or map key that holds a tensor, at any depth of lists, sets, maps and
   * records: hashing it runs a native ND4J op, which crashes the JVM on an empty tensor, so a
   * crafted frame could stop a member (no message keys anything by a tensor). Kryo's own hashed
   * sets and maps are checked through here too ({@link WireLimits}).
   */
  static Object checkHashable(Object key) {
    if (holdsTensor(key, 0)) {
      throw new WireFormatException("a tensor as a set element or map key");
    }
    return key;
  }

  private static boolean holdsTensor(Object o, int depth) {
    if (o == null || o instanceof Number || o instanceof CharSequence || o instanceof Enum<?>) {
      return false;
    }
    if (o instanceof org.nd4j.linalg.api.ndarray.INDArray || depth > 64) {
      return true; // too deep to hash safely either
    }
    if (o instanceof Collection<?> c) {
      for (Object x : c) {
        if (holdsTensor(x, depth + 1)) {
          return true;
        }
      }
      return false;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (holdsTensor(e.getKey(), depth + 1) || holdsTensor(e.getValue(), depth + 1)) {
          return true;
        }
      }
      return false;
    }
    if (o instanceof Record r) {
      for (java.lang.reflect.RecordComponent rc : r.getClass().getRecordComponents()) {
        try {
          java.lang.reflect.Method get = rc.getAccessor();
          get.setAccessible(true);
          if (holdsTensor(get.invoke(r), depth + 1)) {
            return true;
          }
        } catch (ReflectiveOperationException | RuntimeException e) {
          return true; // not inspectable: not hashed either
        }
      }
    }
    return false;
  }

  private static int checkedSize(Input input) {
    int size = input.readVarInt(true);
    // Every element takes at least one byte, so a larger count can only come from corrupt bytes.
    if (size < 0 || (input.getInputStream() == null && size > input.limit() - input.position())) {
      throw new WireFormatException("collection size " + size + " exceeds the remaining bytes");
    }
    return size;
  }
}
