package io.splitemu.actors.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.RunGuardian;
import io.splitemu.model.wire.ClusterMessage;
import io.splitemu.model.wire.KryoWireSerializer;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.event.Logging;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every message class of the actors, found by reflection, round-trips the real Pekko serializer
 * (Kryo) with generated field values, and the test suite runs with serialize-messages on.
 */
class MessageWireTest {

  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final TestProbe<Object> PROBE = KIT.createTestProbe();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /**
   * Concrete classes of io.splitemu.actors: permitted subclasses of sealed Commands and markers.
   */
  private static Set<Class<?>> messageClasses() throws ClassNotFoundException {
    ClassLoader loader = MessageWireTest.class.getClassLoader();
    Set<Class<?>> out = new LinkedHashSet<>();
    for (String name : MessageClasses.classNames("io.splitemu.actors", loader)) {
      Class<?> c = Class.forName(name, false, loader);
      if (c.getSimpleName().equals("Command") && c.isInterface()) {
        assertTrue(
            ClusterMessage.class.isAssignableFrom(c), name + " does not extend ClusterMessage");
        permitted(c, out);
      }
      if (ClusterMessage.class.isAssignableFrom(c) && !c.isInterface() && !c.isAnonymousClass()) {
        out.add(c);
      }
    }
    return out;
  }

  /** The classes a sealed {@code type} permits, through its sealed sub-interfaces. */
  private static void permitted(Class<?> type, Set<Class<?>> out) {
    if (!type.isSealed()) {
      return;
    }
    for (Class<?> sub : type.getPermittedSubclasses()) {
      if (sub.isInterface()) {
        permitted(sub, out);
      } else {
        out.add(sub);
      }
    }
  }

  @Test
  void everyMessageClass_roundTripsTheKryoPekkoSerializer_withItsContent() throws Exception {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(KIT.system()));
    Set<Class<?>> classes = messageClasses();
    // Both engines and the guardian: far more than a hand-kept list would hold.
    assertTrue(classes.size() > 50, "found only " + classes);
    List<String> checked = new ArrayList<>();
    for (Class<?> c : classes) {
      for (Object m : instances(c)) {
        Serializer s = serialization.findSerializerFor(m);
        assertInstanceOf(KryoWireSerializer.class, s, c.getName() + " is not bound to the wire");
        byte[] bytes = s.toBinary(m);
        Object back = s.fromBinary(bytes, m.getClass());
        assertEquals(m.getClass(), back.getClass(), c.getName());
        assertTrue(same(m, back), c.getName() + ": " + m + " came back as " + back);
      }
      checked.add(c.getSimpleName());
    }
    assertTrue(checked.contains("Start") && checked.contains("MoveCut"), checked.toString());
  }

  /** Frames fed to a member's wire decoder by the fuzz test below. */
  static final int FUZZED_FRAMES = 20_000;

  /**
   * What a cluster member decodes from the wire: 20,000 frames, half random bytes behind a real
   * message class id, half real messages of every class with one to three edits (a byte, a maximal
   * varint where a length may be, a cut, an extension), each decodes to a message or is refused
   * with one line; none raises an OutOfMemoryError or StackOverflowError, and all take bounded
   * time.
   */
  @Test
  void twentyThousandFuzzedFrames_decodeOrAreRefusedInOneLine() throws Exception {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(KIT.system()));
    List<byte[]> valid = new ArrayList<>();
    Serializer wire = null;
    for (Class<?> c : messageClasses()) {
      for (Object m : instances(c)) {
        wire = serialization.findSerializerFor(m);
        valid.add(wire.toBinary(m));
      }
    }
    Serializer decoder = wire;
    java.util.Random rnd = new java.util.Random(0x12_20000L);
    int[] outcomes = new int[2];
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        Duration.ofSeconds(120),
        () -> {
          for (int i = 0; i < FUZZED_FRAMES; i++) {
            byte[] frame = i % 2 == 0 ? randomFrame(rnd, valid) : mutated(rnd, valid);
            try {
              decoder.fromBinary(frame, ClusterMessage.class);
              outcomes[1]++;
            } catch (RuntimeException e) {
              String m = String.valueOf(e.getMessage());
              assertFalse(m.contains("\n"), "frame #" + i + ": " + m);
              outcomes[0]++;
            } catch (Error e) {
              throw new AssertionError("frame #" + i + " raised " + e, e);
            }
          }
        });
    assertEquals(FUZZED_FRAMES, outcomes[0] + outcomes[1]);
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, outcomes[0] + " refused, " + outcomes[1]);
  }

  private static byte[] randomFrame(java.util.Random rnd, List<byte[]> valid) {
    byte[] head = valid.get(rnd.nextInt(valid.size()));
    byte[] b = new byte[1 + rnd.nextInt(64)];
    rnd.nextBytes(b);
    // A real class id first (the first bytes of a real frame), so its reader gets the noise.
    System.arraycopy(head, 0, b, 0, Math.min(Math.min(4, head.length), b.length));
    return b;
  }

  private static byte[] mutated(java.util.Random rnd, List<byte[]> valid) {
    byte[] b = valid.get(rnd.nextInt(valid.size())).clone();
    for (int edits = 1 + rnd.nextInt(3); edits > 0 && b.length > 0; edits--) {
      int p = rnd.nextInt(b.length);
      switch (rnd.nextInt(4)) {
        case 0 -> b[p] = (byte) rnd.nextInt(256);
        case 1 -> {
          byte[] big = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x07};
          byte[] c = java.util.Arrays.copyOf(b, b.length + big.length);
          System.arraycopy(big, 0, c, p, big.length);
          System.arraycopy(b, p, c, p + big.length, b.length - p);
          b = c;
        }
        case 2 -> b = java.util.Arrays.copyOf(b, Math.max(1, p));
        default -> b = java.util.Arrays.copyOf(b, b.length + rnd.nextInt(1 + b.length));
      }
    }
    return b;
  }

  @Test
  void derivedIds_areTheSameForTheSameName_andDistinctAcrossEveryMessageClass() throws Exception {
    Set<Integer> ids = new TreeSet<>();
    for (Class<?> c : messageClasses()) {
      int id = MessageClasses.idOf(c);
      assertEquals(id, MessageClasses.idOf(Class.forName(c.getName())));
      assertTrue(id >= MessageClasses.FIRST_ID, c.getName());
      assertTrue(ids.add(id), "id clash at " + c.getName());
    }
  }

  @Test
  void theTestSuite_runsWithSerializeMessagesOn_andJavaSerializationOff() {
    var config = KIT.system().settings().config();
    assertTrue(config.getBoolean("pekko.actor.serialize-messages"));
    assertFalse(config.getBoolean("pekko.actor.allow-java-serialization"));
    // The systems that Emulation.ask starts read the JVM's system properties.
    assertTrue(ConfigFactory.load().getBoolean("pekko.actor.serialize-messages"));
    // Production (reference.conf without the JVM's system properties) stays off.
    assertFalse(Settings.reference().getBoolean("pekko.actor.serialize-messages"));
  }

  /** Not a ClusterMessage: no serializer is bound to it. */
  record Unbound(int value) {}

  @Test
  void aMessageWithoutTheMarker_isRefusedAndDropped_underSerializeMessages() {
    TestProbe<Object> probe = KIT.createTestProbe();
    TestProbe<Logging.Error> errors = KIT.createTestProbe();
    Adapter.toClassic(KIT.system())
        .getEventStream()
        .subscribe(Adapter.toClassic(errors.getRef()), Logging.Error.class);
    probe.getRef().tell(new Unbound(1));
    Logging.Error e = errors.expectMessageClass(Logging.Error.class);
    assertTrue(String.valueOf(e.cause()).contains(Unbound.class.getName()), e.toString());
    probe.expectNoMessage(Duration.ofMillis(200));
    // A registered message with an actor reference in it arrives, the reference resolved.
    probe.getRef().tell(new RunGuardian.Start<>(probe.getRef()));
    assertEquals(probe.getRef(), probe.expectMessageClass(RunGuardian.Start.class).replyTo());
  }

  // ---- instances with generated field values

  private static List<Object> instances(Class<?> c) throws Exception {
    List<Object> out = new ArrayList<>();
    if (c.isEnum()) {
      out.addAll(List.of(c.getEnumConstants()));
    } else if (c.isRecord()) {
      out.add(record(c, 1));
      // The same record with its text and tensor fields null, as a run sends them (an error of
      // null on a normal end, no weights in timing fidelity), unless the record refuses nulls.
      Object withNulls = recordWithNulls(c);
      if (withNulls != null) {
        out.add(withNulls);
      }
    } else {
      fail(c.getName() + " is a message but neither a record nor an enum");
    }
    return out;
  }

  private static Object record(Class<?> c, int seed) throws Exception {
    RecordComponent[] rc = c.getRecordComponents();
    Class<?>[] types = new Class<?>[rc.length];
    Object[] args = new Object[rc.length];
    for (int i = 0; i < rc.length; i++) {
      types[i] = rc[i].getType();
      args[i] = value(rc[i].getGenericType(), seed + i);
    }
    Constructor<?> k = c.getDeclaredConstructor(types);
    k.setAccessible(true);
    return k.newInstance(args);
  }

  private static Object recordWithNulls(Class<?> c) throws Exception {
    RecordComponent[] rc = c.getRecordComponents();
    Class<?>[] types = new Class<?>[rc.length];
    Object[] args = new Object[rc.length];
    boolean any = false;
    for (int i = 0; i < rc.length; i++) {
      types[i] = rc[i].getType();
      boolean nullable = types[i] == String.class || types[i] == INDArray.class;
      args[i] = nullable ? null : value(rc[i].getGenericType(), 1 + i);
      any |= nullable;
    }
    if (!any) {
      return null;
    }
    Constructor<?> k = c.getDeclaredConstructor(types);
    k.setAccessible(true);
    try {
      return k.newInstance(args);
    } catch (java.lang.reflect.InvocationTargetException refused) {
      return null;
    }
  }

  private static Object value(Type t, int seed) throws Exception {
    Class<?> raw = raw(t);
    if (raw == int.class || raw == Integer.class) {
      return seed;
    } else if (raw == long.class || raw == Long.class) {
      return 1_000_000_007L * seed;
    } else if (raw == byte.class || raw == Byte.class) {
      return (byte) (seed * 31);
    } else if (raw == double.class || raw == Double.class) {
      return seed + 0.25;
    } else if (raw == boolean.class || raw == Boolean.class) {
      return seed % 2 == 0;
    } else if (raw == String.class) {
      return "s" + seed;
    } else if (raw == INDArray.class) {
      return Nd4j.linspace(seed, seed + 5, 6, DataType.FLOAT).reshape(2, 3);
    } else if (raw == DataType.class) {
      return DataType.FLOAT;
    } else if (raw == ActorRef.class) {
      return PROBE.getRef();
    } else if (raw.isEnum()) {
      return raw.getEnumConstants()[0];
    } else if (raw.isArray()) {
      Object a = Array.newInstance(raw.getComponentType(), 2);
      for (int i = 0; i < 2; i++) {
        Array.set(a, i, value(raw.getComponentType(), seed + i));
      }
      return a;
    } else if (List.class.isAssignableFrom(raw) || raw == Collection.class) {
      return List.of(value(arg(t, 0), seed), value(arg(t, 0), seed + 1));
    } else if (Set.class.isAssignableFrom(raw)) {
      return new TreeSet<>(List.of(value(arg(t, 0), seed), value(arg(t, 0), seed + 1)));
    } else if (Map.class.isAssignableFrom(raw)) {
      Map<Object, Object> m = new TreeMap<>();
      m.put(value(arg(t, 0), seed), value(arg(t, 1), seed));
      m.put(value(arg(t, 0), seed + 1), value(arg(t, 1), seed + 1));
      return m;
    } else if (raw.isRecord()) {
      return record(raw, seed);
    } else if (raw.isSealed()) {
      return value(raw.getPermittedSubclasses()[0], seed);
    } else if (raw == Object.class) {
      return seed; // a generic payload (Barrier.Reply's value, a guardian's result)
    }
    throw new AssertionError("no generated value for " + t);
  }

  private static Class<?> raw(Type t) {
    if (t instanceof Class<?> c) {
      return c;
    } else if (t instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    return Object.class; // a type variable or wildcard
  }

  private static Type arg(Type t, int i) {
    return t instanceof ParameterizedType p ? p.getActualTypeArguments()[i] : Object.class;
  }

  /** Equality by content: records component by component, tensors and arrays by value. */
  private static boolean same(Object a, Object b) throws Exception {
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof INDArray x && b instanceof INDArray y) {
      return x.dataType() == y.dataType()
          && java.util.Arrays.equals(x.shape(), y.shape())
          && java.util.Arrays.equals(
              x.dup().reshape(x.length()).toDoubleVector(),
              y.dup().reshape(y.length()).toDoubleVector());
    }
    if (a.getClass().isArray()) {
      if (!b.getClass().isArray() || Array.getLength(a) != Array.getLength(b)) {
        return false;
      }
      for (int i = 0; i < Array.getLength(a); i++) {
        if (!same(Array.get(a, i), Array.get(b, i))) {
          return false;
        }
      }
      return true;
    }
    if (a.getClass().isRecord()) {
      for (RecordComponent rc : a.getClass().getRecordComponents()) {
        var acc = rc.getAccessor();
        acc.setAccessible(true);
        if (!same(acc.invoke(a), acc.invoke(b))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : new LinkedHashMap<>(x).entrySet()) {
        if (!y.containsKey(e.getKey()) || !same(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Collection<?> x && b instanceof Collection<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext()) {
        if (!same(i.next(), j.next())) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
