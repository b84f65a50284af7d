package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PartitionersTest {
  @Test
  void names_listAllFour() {
    assertEquals(List.of("iid", "dirichlet", "shards", "quantity"),
        List.copyOf(Partitioners.names()));
  }

  @Test
  void create_byName_appliesParametersAndDefaults() {
    assertInstanceOf(IidPartitioner.class, Partitioners.create("iid"));
    DirichletPartitioner d =
        (DirichletPartitioner) Partitioners.create("dirichlet", Map.of("alpha", 0.1));
    assertEquals(0.1, d.alpha());
    assertEquals(DirichletPartitioner.DEFAULT_ALPHA,
        ((DirichletPartitioner) Partitioners.create("dirichlet")).alpha());
    ShardPartitioner s =
        (ShardPartitioner) Partitioners.create("shards", Map.of("shards-per-device", 4));
    assertEquals(4, s.shardsPerDevice());
    QuantitySkewPartitioner q =
        (QuantitySkewPartitioner) Partitioners.create("quantity", Map.of("sigma", 2.0));
    assertEquals(2.0, q.sigma());
    for (String name : Partitioners.names()) {
      assertEquals(name, Partitioners.create(name).name());
    }
  }

  @Test
  void create_unknownName_listsKnownOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Partitioners.create("noniid"));
    assertEquals("unknown partitioner 'noniid', known: iid, dirichlet, shards, quantity",
        e.getMessage());
  }

  @Test
  void create_unknownOrBadParameter_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Partitioners.create("dirichlet", Map.of("beta", 1)));
    assertEquals("partitioner 'dirichlet' has no parameter 'beta', known: alpha", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Partitioners.create("shards", Map.of("shards-per-device", 2.5)));
    assertThrows(IllegalArgumentException.class,
        () -> Partitioners.create("dirichlet", Map.of("alpha", -1)));
  }
}
