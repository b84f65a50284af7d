package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecorderTest {

  private static final ActorTestKit KIT = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static RoundRecord round(int i) {
    return new RoundRecord(
        i, "psl", i, 1, 0.1, 0.2, 0.6, 0.1, 2, 0, "2", 1, Double.NaN, Double.NaN, 0, Double.NaN);
  }

  @Test
  void onFlush_everyEarlierEventIsWrittenInOrderToEverySubscriber() {
    ResultsWriter writer = ResultsWriter.open(tmp.resolve("run"), "x");
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    RecordObserver listener =
        new RecordObserver() {
          @Override
          public void onRound(RoundRecord r) {
            seen.add("round " + r.round());
          }

          @Override
          public void onDevice(DeviceRecord d) {
            seen.add("device " + d.device());
          }

          @Override
          public void onEvent(EventRecord e) {
            seen.add("event " + e.kind());
          }
        };
    ActorRef<Recorder.Command> rec = KIT.spawn(Recorder.create(List.of(writer, listener)));
    for (int r = 1; r <= 3; r++) {
      rec.tell(
          new Recorder.DeviceRecorded(
              new DeviceRecord(r, 0, 0, "2", 0.1, 0.2, 0.3, 10, 20, Double.NaN, true)));
      rec.tell(new Recorder.RoundCompleted(round(r)));
    }
    rec.tell(new Recorder.EventRecorded(new EventRecord(3, 3, "replan", "supervisor", "cut 2")));
    TestProbe<Recorder.Flushed> probe = KIT.createTestProbe();
    rec.tell(new Recorder.Flush(probe.getRef()));
    probe.expectMessage(Recorder.Flushed.INSTANCE);
    assertEquals(
        List.of(
            "device 0", "round 1", "device 0", "round 2", "device 0", "round 3", "event replan"),
        seen);
    assertEquals(3, writer.rounds().size());
    assertEquals(3, writer.devices().size());
    assertEquals(60, writer.devices().stream().mapToLong(DeviceRecord::bytesDown).sum());
    assertEquals("cut 2", writer.events().get(0).detail());
    writer.close();
  }

  @Test
  void aFailingSubscriberStopsTheRecorder_soItsWatcherEndsTheRun() {
    RecordObserver broken =
        new RecordObserver() {
          @Override
          public void onRound(RoundRecord r) {
            throw new UncheckedIOException("disk full", new java.io.IOException("disk full"));
          }
        };
    ActorRef<Recorder.Command> rec = KIT.spawn(Recorder.create(List.of(broken)));
    TestProbe<Recorder.Flushed> probe = KIT.createTestProbe();
    rec.tell(new Recorder.RoundCompleted(round(1)));
    probe.expectTerminated(rec);
  }
}
