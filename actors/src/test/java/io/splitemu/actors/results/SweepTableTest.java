package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The sweep table's header and the short names of its plot. */
class SweepTableTest {

  @Test
  void header_isTheKeysTheComparisonsColumnsAndRefused() {
    List<String> h = SweepTable.header(List.of("a", "b.c"));
    assertEquals(List.of("a", "b.c", "scheme"), h.subList(0, 3));
    assertEquals(Comparison.HEADER, h.subList(2, h.size() - 1));
    assertEquals("refused", h.get(h.size() - 1));
  }

  @Test
  void shortName_keepsTheLastPartOfPathsAndSubstitutions() {
    assertEquals("DenseNet_121.prototxt", SweepTable.shortName("../data/DenseNet_121.prototxt"));
    assertEquals("x.json", SweepTable.shortName("\"C:\\\\m\\\\x.json\""));
    assertEquals("reference-pool", SweepTable.shortName("${cost-study.reference-pool}"));
    assertEquals("1e11", SweepTable.shortName("1e11"));
    assertEquals("[1e6, 2e6]", SweepTable.shortName("[1e6, 2e6]"));
  }
}
