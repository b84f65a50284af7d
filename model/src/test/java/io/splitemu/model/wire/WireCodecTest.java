package io.splitemu.model.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class WireCodecTest {

  record Activations(
      long round, String device, INDArray activations, List<Long> sampleIds, Map<String, Long> tags)
      implements ClusterMessage {}

  record Gradients(long round, List<INDArray> perLayer) implements ClusterMessage {}

  enum Stop implements ClusterMessage {
    INSTANCE
  }

  record Unregistered(int x) implements ClusterMessage {}

  record Holder(Object payload) implements ClusterMessage {}

  private final WireCodec codec =
      WireCodec.of(
          WireRegistry.builder()
              .register(Activations.class, 1000)
              .register(Gradients.class, 1001)
              .register(Stop.class, 1002)
              .register(Holder.class, 1003)
              .build());

  private static Activations sample(Random random) {
    INDArray a = Nd4j.rand(DataType.FLOAT, 4, 3);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(random.nextLong());
    }
    return new Activations(
        7L, "device-3", a, List.copyOf(ids), Map.of("cut", 2L, "hop", random.nextLong()));
  }

  @Test
  void record_withTensorStringListsAndLongs_roundTripsEqual() {
    Activations msg = sample(new Random(1L));
    assertEquals(msg, codec.fromBytes(codec.toBytes(msg)));
  }

  @Test
  void record_withListOfTensorsAndEnum_roundTripEqual() {
    Nd4j.getRandom().setSeed(5L);
    Gradients g =
        new Gradients(3L, List.of(Nd4j.rand(DataType.DOUBLE, 2, 2), Nd4j.zeros(DataType.HALF, 3)));
    assertEquals(g, codec.fromBytes(codec.toBytes(g)));
    assertEquals(Stop.INSTANCE, codec.fromBytes(codec.toBytes(Stop.INSTANCE)));
  }

  @Test
  void modelProfileRecords_areInTheFixedList() {
    ChainProfile p =
        new ChainProfile(
            "tiny",
            3136,
            List.of(
                new UnitProfile("conv1", 1e6, 2e6, 18816, 156, 624),
                new UnitProfile("fc", 5e3, 1e4, 40, 850, 3400)));
    assertEquals(p, codec.fromBytes(codec.toBytes(p), ChainProfile.class));
  }

  @Test
  void unregisteredClass_isRefusedNamingTheClassAndTheFix() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> codec.toBytes(new Unregistered(1)));
    String name = Unregistered.class.getName();
    assertEquals(
        "class "
            + name
            + " is not registered for the splitemu wire; add \""
            + name
            + "\" = <id >= 1000> under splitemu.serialization.classes in its module's"
            + " reference.conf, or call WireRegistry.Builder.register",
        e.getMessage());
  }

  @Test
  void unregisteredClassInsideARegisteredOne_isRefusedNamingTheInnerClass() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> codec.toBytes(new Holder(new StringBuilder("x"))));
    assertTrue(
        e.getMessage().startsWith("class java.lang.StringBuilder is not registered"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void truncatedBytes_atEveryLength_areRefusedWithAOneLineMessage() {
    byte[] bytes = codec.toBytes(sample(new Random(2L)));
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      WireFormatException e = assertThrows(WireFormatException.class, () -> codec.fromBytes(cut));
      assertTrue(
          e.getMessage().startsWith("truncated or corrupt splitemu wire message of " + len)
              || (len == 0 && e.getMessage().equals("empty splitemu wire message")),
          e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void trailingBytes_areRefused() {
    byte[] bytes = codec.toBytes(Stop.INSTANCE);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
    WireFormatException e = assertThrows(WireFormatException.class, () -> codec.fromBytes(longer));
    assertTrue(e.getMessage().contains("3 trailing bytes"), e.getMessage());
  }

  @Test
  void unknownClassId_isRefusedAsCorrupt() {
    WireCodec other = WireCodec.of(WireRegistry.builder().build());
    byte[] bytes = codec.toBytes(Stop.INSTANCE);
    WireFormatException e = assertThrows(WireFormatException.class, () -> other.fromBytes(bytes));
    assertTrue(e.getMessage().startsWith("truncated or corrupt"), e.getMessage());
  }

  @Test
  void builder_refusesReservedAndDuplicateIds() {
    IllegalArgumentException reserved =
        assertThrows(
            IllegalArgumentException.class,
            () -> WireRegistry.builder().register(Activations.class, 999));
    assertTrue(reserved.getMessage().contains("is reserved; use ids >= 1000"));
    IllegalArgumentException taken =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                WireRegistry.builder()
                    .register(Activations.class, 1000)
                    .register(Gradients.class, 1000));
    assertTrue(taken.getMessage().contains("is taken by " + Activations.class.getName()));
  }

  @Test
  void fromConfig_registersClassesAndReportsBadEntriesByPath() {
    String key = "splitemu.serialization.classes.\"" + Activations.class.getName() + "\"";
    WireRegistry r = WireRegistry.fromConfig(ConfigFactory.parseString(key + " = 1500"));
    assertEquals(Activations.class, r.classesById().get(1500));
    ConfigException missing =
        assertThrows(
            ConfigException.class,
            () ->
                WireRegistry.fromConfig(
                    ConfigFactory.parseString(
                        "splitemu.serialization.classes { \"no.such.Type\" = 1001 }")));
    assertTrue(missing.getMessage().contains("no.such.Type"), missing.getMessage());
    assertTrue(missing.getMessage().contains("class not found"), missing.getMessage());
  }
}
