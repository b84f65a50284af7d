package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RuntimeSchemesTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sl", "psl", "sfl-v1", "sfl-v2"})
  void fullAndTiming_giveIdenticalEmulatedTimesAndBytes(String scheme) {
    ResultsWriter full = new RuntimeFixture(scheme, true).run(testKit, tmp.resolve("full"));
    ResultsWriter timing = new RuntimeFixture(scheme, false).run(testKit, tmp.resolve("timing"));
    List<RoundRecord> a = full.rounds();
    List<RoundRecord> b = timing.rounds();
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).emulatedTimeS(), b.get(i).emulatedTimeS(), 0.0);
      assertEquals(a.get(i).roundLatencyS(), b.get(i).roundLatencyS(), 0.0);
      assertEquals(a.get(i).deviceComputeS(), b.get(i).deviceComputeS(), 0.0);
      assertEquals(a.get(i).communicationS(), b.get(i).communicationS(), 0.0);
      assertEquals(a.get(i).aggregationS(), b.get(i).aggregationS(), 0.0);
      assertFalse(Double.isNaN(a.get(i).testAccuracy()));
      assertTrue(Double.isNaN(b.get(i).testAccuracy()));
      RoundRecord r = a.get(i);
      assertEquals(
          r.roundLatencyS(),
          r.deviceComputeS() + r.serverComputeS() + r.communicationS() + r.aggregationS(),
          1e-9 * r.roundLatencyS(),
          "breakdown of round " + r.round() + " sums to its latency");
    }
    List<DeviceRecord> da = full.devices();
    List<DeviceRecord> db = timing.devices();
    assertEquals(da, db);
    assertTrue(da.stream().allMatch(d -> d.bytesUp() > 0 && d.bytesDown() > 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1"})
  void onStep_deviceStopsAnswering_roundCompletesWithoutIt_andLaterRoundsGoOn(String scheme) {
    RuntimeFixture f = new RuntimeFixture(scheme, true);
    f.rounds = 4;
    f.timeout = Duration.ofSeconds(5); // generous: a loaded machine must not drop live devices
    f.hangs = List.of(new SupervisorSetup.Hang(1, 2));
    ResultsWriter w = f.run(testKit, tmp.resolve("hang"));
    List<RoundRecord> rounds = w.rounds();
    assertEquals(4, rounds.size());
    assertEquals(3, rounds.get(0).participants());
    assertEquals(0, rounds.get(0).failed());
    assertEquals(2, rounds.get(1).participants());
    assertEquals(1, rounds.get(1).failed());
    assertEquals(2, rounds.get(2).participants());
    assertEquals(0, rounds.get(2).failed());
    List<EventRecord> events = w.events();
    EventRecord fault = only(events, "fault");
    EventRecord deadline = only(events, "deadline");
    assertEquals(2, fault.round());
    assertEquals("device-1", deadline.subject());
    // Hung from round 2's start, it misses the model broadcast sent then: given up 30 s later.
    assertEquals(rounds.get(0).emulatedTimeS(), fault.emulatedS(), 0.0);
    assertEquals(fault.emulatedS() + 30, deadline.emulatedS(), 1e-9);
    assertTrue(rounds.get(1).roundLatencyS() >= 30, "round 2 waits out the deadline");
    RoundRecord r2 = rounds.get(1);
    assertEquals(
        r2.roundLatencyS(),
        r2.deviceComputeS() + r2.serverComputeS() + r2.communicationS() + r2.aggregationS(),
        1e-9 * r2.roundLatencyS(),
        "the breakdown of the faulted round sums to its latency");
    assertTrue(
        w.devices().stream().anyMatch(d -> d.round() == 2 && d.device() == 1 && !d.completed()));
    assertFalse(w.devices().stream().anyMatch(d -> d.round() == 3 && d.device() == 1));
    assertFalse(Double.isNaN(rounds.get(3).testAccuracy()));
  }

  private static EventRecord only(List<EventRecord> events, String kind) {
    List<EventRecord> of = events.stream().filter(e -> e.kind().equals(kind)).toList();
    assertEquals(1, of.size(), events.toString());
    return of.get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1"})
  void sameSeed_twice_givesIdenticalEmulatedColumns(String scheme) {
    List<RoundRecord> a = new RuntimeFixture(scheme, true).run(testKit, tmp.resolve("a")).rounds();
    List<RoundRecord> b = new RuntimeFixture(scheme, true).run(testKit, tmp.resolve("b")).rounds();
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).emulatedTimeS(), b.get(i).emulatedTimeS(), 0.0);
      assertEquals(a.get(i).testAccuracy(), b.get(i).testAccuracy(), 0.0);
      assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 0.0);
    }
  }
}
