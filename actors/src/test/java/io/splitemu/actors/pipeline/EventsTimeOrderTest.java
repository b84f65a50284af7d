package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code events.csv} is in emulated-time order on every family (docs/faults.md "Recording"), in
 * real runs with every message serialized (surefire's setting): faults at instants inside a round
 * listed latest first (recorded together where the run passes them), a hang's deadline row, a link
 * fault beside device faults on mpsl (recorded with the epoch's rows, link rows first), and on mpsl
 * a link fault at a round start after a checkpoint (a device's own start of the epoch comes before
 * the checkpoint's instant, the previous epoch's end). The same scenario twice gives the same file,
 * byte for byte. Before 2026-12-06 the rows came in the order the run recorded them.
 */
class EventsTimeOrderTest {

  @TempDir Path tmp;

  private static Settings barrier(String scheme, String extra) {
    String conf =
        "splitemu {\n  scenario = order-test\n  scheme = "
            + scheme
            + "\n  fidelity = timing\n  rounds = 3\n  local-steps = 2\n  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [8e6, 2e7, 4e7],"
            + " downlink-bps = [1e7, 4e7, 4e7] } }\n"
            + "  barrier.deadline = 5 s\n"
            + "  output.plots = false\n"
            + extra
            + "\n}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of("order-test.conf"));
  }

  private static Settings mpsl(String extra) {
    return MpslEstimateAgreementTest.scenario(
        MpslEstimateAgreementTest.profiles(),
        "mpsl",
        10,
        2,
        "rounds = 3, local-steps = 2\nbarrier.deadline = 30 s\n" + extra + "\n");
  }

  private static String at(double s) {
    return String.format(Locale.ROOT, "%.6f s", s);
  }

  /**
   * The run's events.csv lines, after checking that its instants never fall, and, on the barrier
   * and split families, that every event recorded by a round's row is on disk when the row is
   * (checked as the row is recorded: the writer gets each row before the listener). From 2026-12-06
   * until this was fixed a round's events reached the file only with the next round's row, so a run
   * killed after a round's row lacked them.
   */
  private List<String> orderedEvents(Settings s, String name) throws Exception {
    Path dir = tmp.resolve(name);
    boolean settled = !s.scheme().startsWith("mpsl");
    List<String> lagging = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger seen =
        new java.util.concurrent.atomic.AtomicInteger();
    RunListener check =
        new RunListener() {
          @Override
          public void onEvent(EventRecord e) {
            seen.incrementAndGet();
          }

          @Override
          public void onRound(RoundRecord r) {
            int onDisk = CsvTable.read(dir.resolve("events.csv")).size();
            if (settled && onDisk != seen.get()) {
              lagging.add("round " + r.round() + ": " + onDisk + " of " + seen + " rows on disk");
            }
          }
        };
    Emulation.run(Emulation.prepare(s), dir, check);
    assertEquals(List.of(), lagging, "a round's events are on disk with its row");
    List<String> lines = Files.readAllLines(tmp.resolve(name).resolve("events.csv"));
    double last = Double.NEGATIVE_INFINITY;
    for (String line : lines.subList(1, lines.size())) {
      double t = Double.parseDouble(CsvTable.parseLine(line).get(0));
      assertTrue(
          t >= last, "events.csv goes back in time at\n" + line + "\n" + String.join("\n", lines));
      last = t;
    }
    return lines;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sl", "psl", "edgesplit"})
  void faultsInsideARound_andADeadline_areInTimeOrder(String scheme) throws Exception {
    RunTables clean = RunTables.run(barrier(scheme, ""), tmp.resolve("clean"));
    double r1 = clean.end(1);
    double r2 = clean.end(2);
    // Listed latest first, all inside round 2; device 2 hangs inside it, so its deadline row falls
    // between the faults' instants and the round's end.
    String faults =
        "faults = [\n"
            + "{ kind = device-slowdown, device = 1, at = "
            + at(r1 + 0.8 * (r2 - r1))
            + ", until = "
            + at(r1 + 0.9 * (r2 - r1))
            + ", factor = 2 },\n"
            + "{ kind = link-degradation, device = 0, direction = both, at = "
            + at(r1 + 0.5 * (r2 - r1))
            + ", factor = 0.5 },\n"
            + "{ kind = device-slowdown, device = 0, at = "
            + at(r1 + 0.2 * (r2 - r1))
            + ", factor = 1.5 },\n"
            + "{ kind = device-hang, device = 2, at = "
            + at(r1 + 0.1 * (r2 - r1))
            + ", until-round = 3 }\n"
            + "]";
    Settings s = barrier(scheme, faults);
    List<String> first = orderedEvents(s, "faults");
    assertTrue(first.size() > 6, String.join("\n", first));
    assertEquals(first, orderedEvents(s, "again"), "same scenario, same events.csv");
  }

  @Test
  void mpsl_linkAndDeviceFaultsInsideAnEpoch_areInTimeOrder() throws Exception {
    RunTables clean = RunTables.run(mpsl(""), tmp.resolve("clean"));
    double e1 = clean.end(1);
    double e2 = clean.end(2);
    String faults =
        "faults = [\n"
            + "{ kind = link-degradation, device = 3, direction = up, at = "
            + at(e1 + 0.7 * (e2 - e1))
            + ", until = "
            + at(e1 + 0.8 * (e2 - e1))
            + ", factor = 0.5 },\n"
            + "{ kind = device-slowdown, device = 1, at = "
            + at(e1 + 0.3 * (e2 - e1))
            + ", until = "
            + at(e1 + 0.6 * (e2 - e1))
            + ", factor = 2 },\n"
            + "{ kind = device-hang, device = 4, at = "
            + at(e1 + 0.1 * (e2 - e1))
            + " }\n"
            + "]";
    Settings s = mpsl(faults);
    List<String> first = orderedEvents(s, "faults");
    assertEquals(first, orderedEvents(s, "again"), "same scenario, same events.csv");
  }

  @Test
  void mpsl_aLinkFaultAtAnEpochStartAfterACheckpoint_comesBeforeTheCheckpointRow()
      throws Exception {
    // Devices 0 and 5 download each aggregate 5 times faster than the others: their starts of
    // epochs 2 and 3 come before the epoch's end, where its checkpoint is.
    String faults =
        "checkpoint.every = 1\n"
            + "links.static.downlink-bps = [4e7, 8e6, 8e6, 8e6, 8e6, 4e7, 8e6, 8e6, 8e6, 8e6]\n"
            + "faults = [ { kind = link-degradation, devices = [0, 5, 9], direction = up,"
            + " round = 2, until-round = 3, factor = 0.5 } ]";
    Settings s = mpsl(faults);
    List<String> first = orderedEvents(s, "faults");
    assertTrue(first.stream().anyMatch(l -> l.contains(",checkpoint,")), String.join("\n", first));
    assertEquals(first, orderedEvents(s, "again"), "same scenario, same events.csv");
  }
}
