package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsText;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-device link capacity of a round is over the span from the previous recorded round's end
 * to this one's ({@link Emulation#linkCapacity}), also after a {@code --resume} (from the last row
 * read back, not from 0) and after a crash's rewind (from the kept round's end, not from the end of
 * the last discarded one). Scraped from a real endpoint.
 */
class LinkCapacityWindowTest {

  @TempDir Path tmp;

  /** A link whose "capacity" is the start of the span asked, in seconds (bytes/s once over 8). */
  private static final class SpanStart implements LinkTiming {
    @Override
    public long arrival(long sendNs, long bytes, double share) {
      return sendNs;
    }

    @Override
    public double capacityBps(long fromNs, long toNs) {
      return fromNs / 1e9 * 8;
    }
  }

  private static List<Emulation.LinkPair> links() {
    return List.of(new Emulation.LinkPair(new SpanStart(), new SpanStart()));
  }

  private static Metrics.Run feed(Metrics m, String run) {
    return m.run(
        new Metrics.RunInfo(run, "sc", "psl", "local", 4, 1, true, "edge", 1, Map.of()),
        new PacingLag());
  }

  private static double spanStart(Metrics m, String run) throws Exception {
    String text = MetricsText.scrape(m.port());
    Double up =
        MetricsText.sample(
            text,
            "splitemu_device_link_capacity_bytes_per_second",
            "run=\"" + run + "\"",
            "device=\"0\"",
            "direction=\"up\"");
    assertEquals(
        up,
        MetricsText.sample(
            text,
            "splitemu_device_link_capacity_bytes_per_second",
            "run=\"" + run + "\"",
            "device=\"0\"",
            "direction=\"down\""),
        text);
    return up;
  }

  @Test
  void aResumedRunsFirstRound_spansFromTheLastRowReadBack() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed = feed(m, "r");
      List<RoundRecord> readBack = List.of(round(1, 100), round(2, 200));
      feed.resumed(readBack, 200);
      RecordObserver o = Emulation.linkCapacity(links(), feed, () -> readBack);
      o.onRound(round(3, 300));
      assertEquals(200.0, spanStart(m, "r"), "round 3 of a run resumed after round 2");
      o.onRound(round(4, 400));
      assertEquals(300.0, spanStart(m, "r"));
    }
  }

  @Test
  void theFirstRedoneRoundAfterARewind_spansFromTheKeptRoundsEnd() throws Exception {
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      Metrics.Run feed = feed(m, "w");
      ResultsWriter w = ResultsWriter.open(tmp.resolve("w"), "splitemu {}\n");
      w.observe(feed);
      w.observe(Emulation.linkCapacity(links(), feed, w::rounds));
      w.round(round(1, 100));
      assertEquals(0.0, spanStart(m, "w"));
      w.round(round(2, 200));
      w.round(round(3, 300));
      assertEquals(200.0, spanStart(m, "w"));
      // A crash goes back to round 1's checkpoint; round 2 is redone after the restart.
      w.onRewind(1);
      w.round(round(2, 350));
      assertEquals(100.0, spanStart(m, "w"), "the redone round 2 spans from round 1's end");
      w.round(round(3, 450));
      assertEquals(350.0, spanStart(m, "w"));
      w.close();
    }
  }

  private static RoundRecord round(int round, double emulatedS) {
    return new RoundRecord(
        round, "psl", emulatedS, 100, 1, 1, 1, 0, 1, 0, "3", 1, 0.5, 0.1, round, Double.NaN);
  }
}
