package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.results.RoundRecord;
import io.splitemu.net.stream.PacingLag;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A single-cut run's node memory follows the cut of each round, as a CPSL re-cut moves it. */
class CutMemoryMetricsTest {

  @Test
  void aRecut_movesTheNodesModelMemoryAtTheRoundsEnd() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run r =
          m.run(
              new Metrics.RunInfo(
                  "recut",
                  "s",
                  "cpsl",
                  "local",
                  2,
                  4,
                  true,
                  "edge",
                  true,
                  -1,
                  Map.of("device", 200L, "edge", 800L),
                  cut ->
                      Map.of(
                          "device",
                          Long.parseLong(cut) * 100,
                          "edge",
                          1000 - Long.parseLong(cut) * 100),
                  false),
              new PacingLag());
      assertEquals(200.0, device(MetricsText.scrape(m.port())));
      r.onRound(
          new RoundRecord(
              1, "cpsl", 5, 5, 3, 1, 1, 0, 4, 0, "3", 2, Double.NaN, Double.NaN, 0.1, Double.NaN));
      String text = MetricsText.scrape(m.port());
      assertEquals(300.0, device(text));
      assertEquals(3.0, MetricsText.sample(text, "splitemu_cut_layer", "run=\"recut\""));
      assertEquals(
          700.0,
          MetricsText.sample(
              text, "splitemu_node_model_memory_bytes", "run=\"recut\"", "member=\"edge\""));
    }
  }

  private static Double device(String text) {
    return MetricsText.sample(
        text, "splitemu_node_model_memory_bytes", "run=\"recut\"", "member=\"device\"");
  }
}
