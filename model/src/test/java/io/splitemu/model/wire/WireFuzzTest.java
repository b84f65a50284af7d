package io.splitemu.model.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import io.splitemu.model.profile.DagLayer;
import io.splitemu.model.profile.DagProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A few crafted bytes cannot drive the decoder to OutOfMemoryError or StackOverflowError, and
 * seeded random and mutated messages decode to a message or fail with one WireFormatException line.
 */
class WireFuzzTest {
  /** Fuzzed messages: half random bytes, half mutated encodings of valid messages. */
  static final int INPUTS = 4_000;

  private static final Kryo KRYO = WireRegistry.builder().build().newKryo();
  private final WireCodec codec = WireCodec.of(WireRegistry.builder().build());

  /** Bytes of a class id followed by what {@code body} writes, as a message would be. */
  private static byte[] crafted(Class<?> type, Consumer<Output> body) {
    Output out = new Output(64, -1);
    KRYO.writeClass(out, type);
    body.accept(out);
    return out.toBytes();
  }

  private String refusal(byte[] bytes) {
    String m = assertThrows(WireFormatException.class, () -> codec.fromBytes(bytes)).getMessage();
    assertFalse(m.contains("\n"), m);
    return m;
  }

  @Test
  void arrayLengthsBeyondTheMessage_refusedBeforeAllocating() {
    for (Class<?> type :
        List.of(int[].class, long[].class, double[].class, byte[].class, String[].class,
            Object[].class, char[].class)) {
      byte[] b = crafted(type, o -> o.writeVarInt(Integer.MAX_VALUE, true));
      String m = refusal(b);
      assertTrue(
          m.contains("an array length of 2147483646 exceeds the 0 bytes left"),
          type.getSimpleName() + ": " + m);
    }
  }

  @Test
  void stringLengthBeyondTheMessage_refusedBeforeAllocating() {
    // a UTF-8 string: flagged char count + 1, then the chars
    byte[] b = crafted(String.class, o -> o.writeVarIntFlag(true, Integer.MAX_VALUE, true));
    assertTrue(refusal(b).contains("a string length of 2147483646 exceeds"), refusal(b));
  }

  @Test
  void collectionAndMapSizesBeyondTheMessage_refusedBeforeAllocating() {
    for (Class<?> type :
        List.of(ArrayList.class, LinkedList.class, HashMap.class, TreeMap.class, TreeSet.class)) {
      byte[] b = crafted(type, o -> o.writeVarInt(Integer.MAX_VALUE, true));
      String m = refusal(b);
      assertTrue(m.matches(".*a (collection|map) size of \\d+ exceeds the 0 bytes left.*"), m);
    }
  }

  @Test
  void deepNesting_refusedAtTheDepthCap() {
    // Object[] holding Object[] holding ...: the encoding of depth d + 1 is a prefix + depth d
    byte[] two = codec.toBytes(new Object[] {new Object[] {new Object[0]}});
    byte[] one = codec.toBytes(new Object[] {new Object[0]});
    byte[] prefix = Arrays.copyOf(two, two.length - one.length);
    assertArrayEquals(two, concat(prefix, one));
    byte[] bomb = new byte[prefix.length * 100_000 + one.length];
    for (int i = 0; i < 100_000; i++) {
      System.arraycopy(prefix, 0, bomb, i * prefix.length, prefix.length);
    }
    System.arraycopy(one, 0, bomb, prefix.length * 100_000, one.length);
    assertTrue(refusal(bomb).contains("Max depth exceeded"), refusal(bomb));
    // a message 50 deep still decodes
    Object nested = new Object[0];
    for (int i = 0; i < 50; i++) {
      nested = new Object[] {nested};
    }
    assertEquals(
        Arrays.deepToString((Object[]) nested),
        Arrays.deepToString((Object[]) codec.fromBytes(codec.toBytes(nested))));
  }

  @Test
  void randomAndMutatedMessages_decodeOrRefuseInOneLine() {
    List<Object> valid =
        List.of(
            new DagProfile(
                "m",
                4,
                List.of(
                    new DagLayer("a", List.of("input"), 10, 20, 8, 4),
                    new DagLayer("b", List.of("a", "input"), 1.5, 3, 2, 0))),
            new ArrayList<>(List.of("x", "ünïcode", 3L, 2.5, new int[] {1, 2, 3})),
            new HashMap<>(Map.of("k", List.of(1, 2), "l", Map.of(1L, "v"))),
            new TreeMap<>(Map.of("a", new long[] {5, 6}, "b", new String[] {"p", null})),
            new Object[] {new double[] {1, 2}, new byte[] {7}, new char[] {'c'}, "s"},
            Nd4j.rand(DataType.FLOAT, 2, 3),
            List.of(Nd4j.rand(DataType.DOUBLE, 3), "after"));
    List<byte[]> encoded = new ArrayList<>();
    for (Object v : valid) {
      encoded.add(codec.toBytes(v));
    }
    Random rnd = new Random(0x15_0004L);
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < INPUTS; i++) {
            byte[] b =
                i % 2 == 0
                    ? random(rnd, encoded)
                    : mutate(encoded.get(rnd.nextInt(encoded.size())), rnd);
            outcomes[check(b, i)]++;
          }
        });
    assertEquals(INPUTS, outcomes[0] + outcomes[1]);
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, outcomes[0] + "/" + outcomes[1]);
  }

  private int check(byte[] bytes, int i) {
    try {
      Object o = codec.fromBytes(bytes);
      if (o instanceof DagProfile p) {
        for (DagLayer l : p.layers()) {
          assertTrue(Double.isFinite(l.forwardFlops()) && l.forwardFlops() >= 0);
        }
      }
      return 1;
    } catch (WireFormatException e) {
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      return 0;
    } catch (RuntimeException | Error e) {
      throw new AssertionError(
          "input #" + i + " threw " + e + " for " + Arrays.toString(bytes), e);
    }
  }

  /** Random bytes, often behind a valid class id so the serializers' own readers get fuzzed. */
  private static byte[] random(Random rnd, List<byte[]> encoded) {
    byte[] b = new byte[1 + rnd.nextInt(40)];
    rnd.nextBytes(b);
    if (rnd.nextBoolean()) {
      byte[] head = encoded.get(rnd.nextInt(encoded.size()));
      b[0] = head[0];
    }
    return b;
  }

  /** A valid encoding with one to three edits: a byte, a huge varint, a cut or an extension. */
  private static byte[] mutate(byte[] valid, Random rnd) {
    byte[] b = valid.clone();
    for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
      int p = rnd.nextInt(b.length);
      switch (rnd.nextInt(5)) {
        case 0 -> b[p] = (byte) rnd.nextInt(256);
        case 1 -> b[p] ^= (byte) (1 << rnd.nextInt(8));
        case 2 -> { // a maximal varint where a length or id might be
          byte[] big = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x07};
          b = concat(concat(Arrays.copyOf(b, p), big), Arrays.copyOfRange(b, p + 1, b.length));
        }
        case 3 -> b = Arrays.copyOf(b, Math.max(1, p));
        default -> b = concat(b, Arrays.copyOf(b, rnd.nextInt(b.length)));
      }
    }
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
