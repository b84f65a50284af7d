package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.DevicePlanRecord;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.net.stream.PacingLag;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A device dropped from a split run leaves no stale per-device plan or compute behind, and the
 * run's speed ratio is computed at each scrape.
 */
class DroppedDeviceMetricsTest {

  private static final String RUN = "run=\"drop\"";

  @Test
  void aDroppedDeviceHasNoCutOrShareAndComputesNothing() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run r =
          m.run(
              new Metrics.RunInfo(
                  "drop", "s", "edgesplit", "local", 3, 2, true, "edge", -1, Map.of()),
              new PacingLag());
      // Round 1: both devices planned and completed.
      for (int d = 0; d < 2; d++) {
        r.onPlan(new DevicePlanRecord(1, d, "4", 0.5, 0.5));
        r.onDevice(new DeviceRecord(1, d, 0, "4", 7.0, 1, 1, 10, 10, 0.5, true));
      }
      r.onRound(round(1, 2, 0));
      String before = MetricsText.scrape(m.port());
      assertEquals(4.0, cut(before, "1"));
      assertEquals(7.0, compute(before, "1"));
      // Round 2: device 1 hangs and is dropped; device 0 completes.
      for (int d = 0; d < 2; d++) {
        r.onPlan(new DevicePlanRecord(2, d, "4", 0.5, 0.5));
      }
      r.onDevice(new DeviceRecord(2, 0, 0, "4", 6.0, 1, 1, 10, 10, 0.5, true));
      r.onDevice(new DeviceRecord(2, 1, 0, "4", 0.0, 0, 0, 0, 0, 0.5, false));
      r.onRound(round(2, 1, 1));
      String after = MetricsText.scrape(m.port());
      assertNull(cut(after, "1"), after);
      assertNull(share(after, "1", "up"), after);
      assertNull(share(after, "1", "down"), after);
      assertEquals(0.0, compute(after, "1"));
      assertEquals(4.0, cut(after, "0"));
      assertEquals(0.5, share(after, "0", "up"));
      assertEquals(6.0, compute(after, "0"));
      // A per-device cut scheme has no single cut, even where every device's cut is the same.
      assertNull(MetricsText.sample(after, "splitemu_cut_layer", RUN), after);
      // The speed ratio is read at each scrape, and holds still once the run ended.
      assertTrue(MetricsText.sample(after, "splitemu_emulation_speed_ratio", RUN) > 0, after);
      r.finished();
      double ended =
          MetricsText.sample(MetricsText.scrape(m.port()), "splitemu_emulation_speed_ratio", RUN);
      Thread.sleep(20);
      assertEquals(
          ended,
          MetricsText.sample(MetricsText.scrape(m.port()), "splitemu_emulation_speed_ratio", RUN));
    }
  }

  private static RoundRecord round(int round, int participants, int failed) {
    return new RoundRecord(
        round,
        "edgesplit",
        round * 10.0,
        10,
        7,
        1,
        1,
        1,
        participants,
        failed,
        "4",
        1,
        Double.NaN,
        Double.NaN,
        0.1,
        Double.NaN);
  }

  private static Double cut(String text, String device) {
    return MetricsText.sample(text, "splitemu_device_cut_layer", RUN, "device=\"" + device + "\"");
  }

  private static Double compute(String text, String device) {
    return MetricsText.sample(
        text, "splitemu_device_compute_seconds", RUN, "device=\"" + device + "\"");
  }

  private static Double share(String text, String device, String dir) {
    return MetricsText.sample(
        text,
        "splitemu_device_link_share",
        RUN,
        "device=\"" + device + "\"",
        "direction=\"" + dir + "\"");
  }
}
