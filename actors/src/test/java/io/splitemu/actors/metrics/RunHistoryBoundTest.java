package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.HopRecord;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.net.stream.PacingLag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a run's metrics feed holds of its rows: each round's row with a per-device cut list as its
 * count per cut while the run goes on (a rewind reads them), and nothing once it ended, though the
 * endpoint keeps serving the run's last values.
 */
class RunHistoryBoundTest {

  private static String perDeviceCut() {
    List<String> cuts = new ArrayList<>();
    for (int d = 0; d < 200; d++) {
      cuts.add(d % 2 == 0 ? "11" : "16");
    }
    return String.join(";", cuts);
  }

  /** The feed of an edgesplit run "long" of 200 devices and 50 rounds. */
  private static Metrics.Run edgesplitRun(Metrics m) {
    return m.run(
        new Metrics.RunInfo(
            "long", "s", "edgesplit", "local", 50, 200, false, "edge", -1, Map.of()),
        new PacingLag());
  }

  /** Round {@code i}'s row of that run, with {@code cut} its cut column. */
  private static RoundRecord edgesplitRow(int i, String cut) {
    return new RoundRecord(
        i, "edgesplit", i, 1, 0, 0, 0, 0, 200, 0, cut, 1, Double.NaN, 1.0 / i, i, i);
  }

  @Test
  void aFeedKeepsAPerDeviceCutListAsItsCountPerCut() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run r = edgesplitRun(m);
      for (int i = 1; i <= 3; i++) {
        r.onRound(edgesplitRow(i, perDeviceCut()));
      }
      assertEquals("11\u00d7100, 16\u00d7100", r.recordedRow(3).cut());
      assertSame(r.recordedRow(1).cut(), r.recordedRow(3).cut());
    }
  }

  @Test
  void aFeedHoldsNoRowOnceTheRunEnded_yetServesItsLastValues() throws Exception {
    String cut = perDeviceCut();
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run r = edgesplitRun(m);
      for (int i = 1; i <= 50; i++) {
        r.onRound(edgesplitRow(i, cut));
      }
      assertEquals(50, r.recordedHeld());
      r.onRewind(40);
      assertEquals(40, r.recordedHeld());
      String before = MetricsText.scrape(m.port());
      r.finished();
      assertEquals(0, r.recordedHeld());
      String text = MetricsText.scrape(m.port());
      assertEquals(
          MetricsText.sample(before, "splitemu_rounds_recorded", "run=\"long\""),
          MetricsText.sample(text, "splitemu_rounds_recorded", "run=\"long\""));
      assertEquals(
          MetricsText.sample(before, "splitemu_train_loss", "run=\"long\""),
          MetricsText.sample(text, "splitemu_train_loss", "run=\"long\""));
    }
  }

  @Test
  void aRowAfterTheRunEnded_isIgnored_notHeldAgain() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run r =
          m.run(
              new Metrics.RunInfo("late", "s", "sl", "local", 3, 2, false, "server", -1, Map.of()),
              new PacingLag());
      for (int i = 1; i <= 3; i++) {
        r.onDevice(new DeviceRecord(i, 0, 0, "2", 0.1, 1.0, 1.0, 1000, 1000, Double.NaN, true));
        r.onHop(new HopRecord(i, "h0", 2, i, 0, i, false));
        r.onRound(
            new RoundRecord(i, "sl", i, 1, 0, 0, 0, 0, 1, 0, "2", 1, Double.NaN, 1.0 / i, i, i));
      }
      r.finished();
      String before = MetricsText.scrape(m.port());
      r.onDevice(new DeviceRecord(4, 0, 0, "2", 0.1, 1.0, 1.0, 9000, 9000, Double.NaN, true));
      r.onHop(new HopRecord(4, "h0", 7, 9, 0, 4, false));
      r.onRound(new RoundRecord(4, "sl", 4, 1, 0, 0, 0, 0, 1, 0, "2", 1, Double.NaN, 0.1, 4, 4));
      assertEquals(0, r.recordedHeld());
      String text = MetricsText.scrape(m.port());
      for (String name :
          List.of(
              "splitemu_rounds_total",
              "splitemu_rounds_recorded",
              "splitemu_train_loss",
              "splitemu_link_rate_bytes_per_second",
              "splitemu_link_bytes_total",
              "splitemu_hop_queue_length",
              "splitemu_hop_run_idle_seconds")) {
        assertEquals(
            MetricsText.sample(before, name, "run=\"late\""),
            MetricsText.sample(text, name, "run=\"late\""),
            name);
      }
    }
  }
}
