package io.splitemu.model.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A decoded set element or map key is hashed, and hashing a tensor runs a native ND4J op that
 * crashes the JVM on an empty tensor. Every hashed collection on the wire (the JDK's mutable ones
 * through Kryo, the unmodifiable ones through splitemu's own serializers) must refuse a frame that
 * puts a tensor there, at any depth, before hashing it. Before the check, each case below killed
 * the test JVM.
 */
class HashedTensorWireTest {

  record Holder(Object payload) implements ClusterMessage {}

  record Wrapped(Object inner) implements ClusterMessage {}

  private final WireCodec codec =
      WireCodec.of(
          WireRegistry.builder()
              .register(Holder.class, 1000)
              .register(Wrapped.class, 1001)
              .build());

  /** Holder(payload) encoded with {@code type}'s own serializer, writing {@code contents}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private byte[] frame(Class<?> type, Object contents) {
    Kryo kryo = codec.registry().newKryo();
    Output out = new Output(256, -1);
    kryo.writeClass(out, Holder.class);
    kryo.writeClass(out, type);
    ((Serializer) kryo.getSerializer(type)).write(kryo, out, contents);
    return out.toBytes();
  }

  /** A set that never hashes its elements, to write what a crafted frame would carry. */
  private static Set<Object> identitySet(Object element) {
    Set<Object> set = Collections.newSetFromMap(new IdentityHashMap<>());
    set.add(element);
    return set;
  }

  private static Map<Object, Object> identityMap(Object key) {
    Map<Object, Object> map = new IdentityHashMap<>();
    map.put(key, 1L);
    return map;
  }

  private static List<Object> tensorKeys() {
    return List.of(
        Nd4j.create(DataType.FLOAT, 0),
        List.of("x", Nd4j.create(DataType.FLOAT, 0)),
        new Wrapped(List.of(Nd4j.create(DataType.DOUBLE, 0))),
        Map.of("k", Nd4j.create(DataType.FLOAT, 0)));
  }

  @Test
  void theCraftedFrames_matchWhatTheCodecWrites() {
    assertArrayEquals(
        codec.toBytes(new Holder(new HashSet<>(List.of("a")))),
        frame(HashSet.class, identitySet("a")));
    assertArrayEquals(
        codec.toBytes(new Holder(new HashMap<>(Map.of("a", 1L)))),
        frame(HashMap.class, identityMap("a")));
    assertArrayEquals(
        codec.toBytes(new Holder(Set.of("a"))), frame(Set.of("a").getClass(), identitySet("a")));
    assertArrayEquals(
        codec.toBytes(new Holder(Map.of("a", 1L))),
        frame(Map.of("a", 1L).getClass(), identityMap("a")));
  }

  @Test
  void aTensorAsAnElementOfAnyHashedSet_isRefused() {
    for (Class<?> type :
        List.of(
            HashSet.class, LinkedHashSet.class, Set.of(1).getClass(), Set.of(1, 2).getClass())) {
      for (Object key : tensorKeys()) {
        byte[] bytes = frame(type, identitySet(key));
        WireFormatException e =
            assertThrows(WireFormatException.class, () -> codec.fromBytes(bytes), type.getName());
        assertTrue(e.getMessage().contains("a tensor as a set element or map key"), e.getMessage());
      }
    }
  }

  @Test
  void aTensorInAnyHashedMapsKey_isRefused() {
    for (Class<?> type :
        List.of(HashMap.class, LinkedHashMap.class, Map.of(1, 1).getClass(), Map.of().getClass())) {
      for (Object key : tensorKeys()) {
        byte[] bytes = frame(type, identityMap(key));
        WireFormatException e =
            assertThrows(WireFormatException.class, () -> codec.fromBytes(bytes), type.getName());
        assertTrue(e.getMessage().contains("a tensor as a set element or map key"), e.getMessage());
      }
    }
  }

  @Test
  void hashedCollections_withoutTensorKeys_stillRoundTripWithTheirClassAndOrder() {
    LinkedHashSet<Object> ordered = new LinkedHashSet<>(List.of("c", "a", 3L, List.of("b")));
    Holder back = (Holder) codec.fromBytes(codec.toBytes(new Holder(ordered)));
    assertEquals(LinkedHashSet.class, back.payload().getClass());
    assertEquals(new ArrayList<>(ordered), new ArrayList<>((Set<?>) back.payload()));

    LinkedHashMap<Object, Object> map = new LinkedHashMap<>();
    map.put(
        "z", Nd4j.ones(DataType.FLOAT, 2)); // a tensor as a value is fine: values are not hashed
    map.put(new Wrapped("w"), 2L);
    Holder mapBack = (Holder) codec.fromBytes(codec.toBytes(new Holder(map)));
    assertEquals(LinkedHashMap.class, mapBack.payload().getClass());
    assertEquals(map, mapBack.payload());
    assertEquals(
        new ArrayList<>(map.keySet()), new ArrayList<>(((Map<?, ?>) mapBack.payload()).keySet()));

    HashSet<Long> plain = new HashSet<>(List.of(5L, 7L));
    assertEquals(new Holder(plain), codec.fromBytes(codec.toBytes(new Holder(plain))));

    // A hash table's iteration order depends on its capacity: the decoder sizes a HashSet and a
    // HashMap as Kryo always did (n / 0.75 + 1 buckets), so the order a receiver sees is the one
    // it saw before the checked read (12 keys: 32 buckets, where the default 16 would put 16
    // right after 0).
    List<Integer> keys = List.of(0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    HashSet<Integer> sized = new HashSet<>(32);
    sized.addAll(keys);
    HashMap<Integer, Integer> sizedMap = new HashMap<>(17);
    keys.forEach(k -> sizedMap.put(k, k));
    Object setBack = ((Holder) codec.fromBytes(codec.toBytes(new Holder(sized)))).payload();
    Object sizedMapBack = ((Holder) codec.fromBytes(codec.toBytes(new Holder(sizedMap)))).payload();
    assertEquals(new ArrayList<>(sized), new ArrayList<>((Set<?>) setBack));
    assertEquals(
        new ArrayList<>(sizedMap.keySet()), new ArrayList<>(((Map<?, ?>) sizedMapBack).keySet()));
  }
}
