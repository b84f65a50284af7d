package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.DevicePlanRecord;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.MemoryRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.GoldenRunsTest;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.DagLayer;
import io.splitemu.model.profile.ModelProfiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The split schemes record what their plans give each device: {@code devices.csv}'s share is the
 * plan's uplink share, and each round's model memory (the largest device slice, the server's copies
 * at every device's cut) reaches the metric and {@code summary.json}'s peaks, equal to the model
 * profile's bytes at the cuts the run recorded.
 */
class SplitMemoryShareTest {

  @TempDir Path tmp;

  /** What the run published besides its tables. */
  private static final class Seen implements RunListener {
    final List<DevicePlanRecord> plans = new CopyOnWriteArrayList<>();
    final List<MemoryRecord> memory = new CopyOnWriteArrayList<>();

    @Override
    public void onPlan(DevicePlanRecord p) {
      plans.add(p);
    }

    @Override
    public void onMemory(MemoryRecord m) {
      memory.add(m);
    }
  }

  @Test
  void edgesplit_sharesArePlanned_memoryIsTheProfilesAtEachRoundsCuts() throws Exception {
    int port = MetricsContractTest.freePort();
    Settings s = MetricsScenarios.threeDevices("split-memory", "edgesplit", 3, port);
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Seen seen = new Seen();
      Path dir = tmp.resolve("edgesplit");
      Emulation.Outcome o = Emulation.run(s, dir, seen);
      List<DeviceRecord> rows = readDevices(dir);
      assertEquals(9, rows.size());

      // The share column is the plan's uplink share, finite, for every device and round.
      Map<String, Double> planned = new HashMap<>();
      for (DevicePlanRecord p : seen.plans) {
        planned.put(p.round() + "/" + p.device(), p.upShare());
      }
      boolean unequal = false;
      for (DeviceRecord d : rows) {
        assertTrue(Double.isFinite(d.share()), "share of " + d);
        Double plan = planned.get(d.round() + "/" + d.device());
        assertNotNull(plan, "no plan for " + d);
        assertEquals(plan, d.share(), 0.0, d.toString());
        assertTrue(d.share() > 0 && d.share() <= 1, d.toString());
        unequal |= d.share() != 1.0 / 3;
      }
      assertTrue(unequal, "EdgeSplit plans unequal shares for unequal devices: " + rows);

      // Each round's memory from the profile at the cuts devices.csv recorded.
      ChainProfile profile = ModelZoo.profile("lenet5", DataType.FLOAT);
      long total = profile.totalParamBytes();
      Map<Integer, long[]> byRound = new HashMap<>();
      for (DeviceRecord d : rows) {
        long device = profile.deviceParamBytes(Integer.parseInt(d.cut()));
        long[] m = byRound.computeIfAbsent(d.round(), r -> new long[2]);
        m[0] = Math.max(m[0], device);
        m[1] += total - device;
      }
      long devicePeak = 0;
      long edgePeak = 0;
      for (Map.Entry<Integer, long[]> e : byRound.entrySet()) {
        assertEquals(e.getValue()[0], published(seen, e.getKey(), "device"), "round " + e);
        assertEquals(e.getValue()[1], published(seen, e.getKey(), "edge"), "round " + e);
        devicePeak = Math.max(devicePeak, e.getValue()[0]);
        edgePeak = Math.max(edgePeak, e.getValue()[1]);
      }
      assertTrue(devicePeak > 0 && edgePeak > 0, devicePeak + " / " + edgePeak);
      assertEquals(
          Map.of("device", devicePeak, "edge", edgePeak), o.summary().peakModelMemoryBytes());
      JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
      assertEquals(devicePeak, json.at("/peakModelMemoryBytes/device").asLong());
      assertEquals(edgePeak, json.at("/peakModelMemoryBytes/edge").asLong());

      String text = MetricsText.scrape(port);
      String scheme = "scheme=\"edgesplit\"";
      assertEquals(
          (double) devicePeak,
          MetricsText.sample(
              text, "splitemu_node_model_memory_bytes", scheme, "member=\"device\""));
      assertEquals(
          (double) edgePeak,
          MetricsText.sample(
              text,
              "splitemu_node_model_memory_bytes",
              scheme,
              "role=\"edge\"",
              "member=\"edge\""));
    } finally {
      endpoint.close();
    }
  }

  @Test
  void dagSplits_memoryIsTheProfilesLayersOnEachSide() throws Exception {
    long total = 0;
    for (DagLayer l : ModelProfiles.load("efficientnetv2-s").layers()) {
      total += l.paramBytes();
    }
    assertTrue(total > 0);
    // Two devices wholly on the device, or wholly on the server (a copy each), or cut by the
    // min-cut for one device (its two sides make up the model).
    Map<String, Long> device = run("dag-device", 2);
    assertEquals(Map.of("device", total, "edge", 0L), device);
    Map<String, Long> server = run("dag-server", 2);
    assertEquals(Map.of("device", 0L, "edge", 2 * total), server);
    Map<String, Long> cut = run("dag-mincut", 1);
    assertEquals(total, cut.get("device") + cut.get("edge"), cut.toString());
  }

  /** A 2-round run of dag-map.conf; checks the share column (1: dedicated links), the peaks. */
  private Map<String, Long> run(String scheme, int devices) throws Exception {
    int port = MetricsContractTest.freePort();
    Path file = GoldenRunsTest.scenarioDir().resolve("dag-map.conf");
    List<String> sets = new ArrayList<>();
    sets.add("scheme=" + scheme);
    sets.add("rounds=2");
    sets.add("devices.count=" + devices);
    sets.add("metrics.enabled=true");
    sets.add("metrics.port=" + port);
    Settings s = Settings.load(file, sets);
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Path dir = tmp.resolve(scheme);
      Emulation.Outcome o = Emulation.run(s, dir, RunListener.NONE);
      List<DeviceRecord> rows = readDevices(dir);
      assertEquals(2 * devices, rows.size());
      for (DeviceRecord d : rows) {
        assertEquals(1.0, d.share(), 0.0, d.toString());
      }
      Map<String, Long> peaks = o.summary().peakModelMemoryBytes();
      String text = MetricsText.scrape(port);
      for (Map.Entry<String, Long> e : peaks.entrySet()) {
        assertEquals(
            (double) e.getValue(),
            MetricsText.sample(
                text,
                "splitemu_node_model_memory_bytes",
                "scheme=\"" + scheme + "\"",
                "member=\"" + e.getKey() + "\""),
            scheme + " " + e.getKey());
      }
      return peaks;
    } finally {
      endpoint.close();
    }
  }

  private static long published(Seen seen, int round, String node) {
    List<Long> found = new ArrayList<>();
    for (MemoryRecord m : seen.memory) {
      if (m.round() == round && m.node().equals(node)) {
        found.add(m.bytes());
      }
    }
    assertEquals(1, found.size(), "round " + round + " " + node + ": " + seen.memory);
    return found.get(0);
  }

  private static List<DeviceRecord> readDevices(Path dir) {
    List<DeviceRecord> out = new ArrayList<>();
    for (List<String> f : io.splitemu.actors.results.CsvTable.read(dir.resolve("devices.csv"))) {
      out.add(
          new DeviceRecord(
              Integer.parseInt(f.get(0)),
              Integer.parseInt(f.get(1)),
              Integer.parseInt(f.get(2)),
              f.get(3),
              Double.parseDouble(f.get(4)),
              Double.parseDouble(f.get(5)),
              Double.parseDouble(f.get(6)),
              Long.parseLong(f.get(7)),
              Long.parseLong(f.get(8)),
              f.get(9).isEmpty() ? Double.NaN : Double.parseDouble(f.get(9)),
              Boolean.parseBoolean(f.get(10))));
    }
    return out;
  }
}
