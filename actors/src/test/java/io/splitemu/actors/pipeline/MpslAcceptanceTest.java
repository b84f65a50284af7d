package io.splitemu.actors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.metrics.MetricsText;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.PipelineControl;
import io.splitemu.actors.runtime.RunListener;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MP-SL acceptance items that {@link MpslEstimateAgreementTest} (VGG-19 only) does not reach:
 * the ResNet-101 scenario agrees with the EdgeSys estimate and its per-hop memory falls with the
 * hops, {@code mpsl-horizontal} gives each helper the device count of the planner's min-max
 * allocation, the device keeps at least one head and one tail unit, and the per-hop memory reaches
 * the metrics endpoint.
 */
class MpslAcceptanceTest {

  @TempDir Path tmp;

  /** The measured-profile folder with the ResNet-101 tables checked too. */
  private static Path profiles() {
    Path dir = MpslEstimateAgreementTest.profiles();
    for (String f : List.of("resnet101_cifar_times.csv", "resnet101_cifar_memory.csv")) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), "missing shared data file " + dir.resolve(f));
    }
    return dir;
  }

  /** The settings of {@code scenarios/mpsl-resnet101.conf} at K devices and N hops, one epoch. */
  private static Settings resnet(int devices, int hops, String extra) {
    return MpslEstimateAgreementTest.scenario(
        profiles(),
        "mpsl",
        devices,
        hops,
        "mpsl { model = resnet101, head-units = 2, tail-units = 2 }\n" + extra);
  }

  @Test
  void resnet101_epochWithinFivePercentOfTheEstimate_andPeakMemoryFallsWithHops() {
    for (int n : new int[] {1, 3, 5}) {
      PipelinePlan plan = MpslPlanner.plan(resnet(50, n, ""));
      double emulated = PipelineEmulation.simulate(plan).epochs().get(0).seconds();
      double err = Math.abs(emulated / plan.predictedEpochS() - 1);
      assertTrue(
          err < 0.05,
          "N=" + n + ": emulated " + emulated + " s, estimate " + plan.predictedEpochS());
    }
    List<Long> peaks = new ArrayList<>();
    for (int n = 1; n <= 5; n++) {
      // One batch per device instantiates every device's slice on every hop.
      PipelinePlan plan = MpslPlanner.plan(resnet(50, n, "local-steps = 1\n"));
      PipelineControl.Result r = PipelineEmulation.simulate(plan);
      long peak = 0;
      for (PipelinePlan.Stage st : plan.lanes().get(0).hops()) {
        long got = r.hopPeakBytes().get(st.name());
        assertEquals(st.predictedPeakBytes(), got, 100.0, st.name() + " of " + n);
        peak = Math.max(peak, got);
      }
      peaks.add(peak);
    }
    for (int n = 1; n < 5; n++) {
      assertTrue(peaks.get(n) < peaks.get(n - 1), "peak per hop " + peaks);
    }
  }

  @Test
  void horizontal_helpersGetTheMinMaxDeviceCounts_andTheEpochMatchesTheMakespan() {
    Path p = profiles();
    // Equal helpers: the devices spread as evenly as they go.
    PipelinePlan even =
        MpslPlanner.plan(MpslEstimateAgreementTest.scenario(p, "mpsl-horizontal", 31, 3, ""));
    List<Integer> evenCounts = counts(even);
    assertEquals(31, evenCounts.stream().mapToInt(Integer::intValue).sum());
    assertTrue(
        evenCounts.stream().mapToInt(Integer::intValue).max().getAsInt()
                - evenCounts.stream().mapToInt(Integer::intValue).min().getAsInt()
            <= 1,
        "equal helpers " + evenCounts);
    // Helpers 1, 2 and 4 times as slow: a slower helper serves fewer devices.
    PipelinePlan mixed =
        MpslPlanner.plan(
            MpslEstimateAgreementTest.scenario(
                p, "mpsl-horizontal", 31, 3, "local-steps = 2\nmpsl.hop-slowdown = [1, 2, 4]\n"));
    List<Integer> c = counts(mixed);
    assertEquals(3, c.size(), "every helper serves someone " + c);
    assertEquals(31, c.stream().mapToInt(Integer::intValue).sum());
    assertTrue(c.get(0) > c.get(1) && c.get(1) > c.get(2), "devices per helper " + c);
    PipelineControl.Result r = PipelineEmulation.simulate(mixed);
    double emulated = r.epochs().get(0).seconds();
    assertTrue(
        Math.abs(emulated / mixed.predictedEpochS() - 1) < 0.05,
        "emulated " + emulated + " s, makespan " + mixed.predictedEpochS() + " s");
    // Each helper holds the whole middle block once per device it serves.
    for (PipelinePlan.Lane lane : mixed.lanes()) {
      PipelinePlan.Stage st = lane.hops().get(0);
      assertEquals(
          (double) lane.devices().length * st.instanceBytes(),
          r.hopPeakBytes().get(st.name()),
          0.5,
          st.name());
    }
  }

  private static List<Integer> counts(PipelinePlan plan) {
    List<Integer> out = new ArrayList<>();
    for (PipelinePlan.Lane l : plan.lanes()) {
      assertEquals(1, l.hops().size(), "a helper is one hop");
      out.add(l.devices().length);
    }
    return out;
  }

  @Test
  void headOrTailOfZeroUnits_isRefused_theInputAndLabelsStayOnTheDevice() {
    // Outside assertThrows: without the data the test must be skipped, not fail.
    Path p = profiles();
    for (String key : List.of("head-units", "tail-units")) {
      SettingsException e =
          assertThrows(
              SettingsException.class,
              () ->
                  MpslPlanner.plan(
                      MpslEstimateAgreementTest.scenario(
                          p, "mpsl", 10, 2, "mpsl." + key + " = 0\n")));
      assertTrue(e.getMessage().contains("mpsl." + key), e.getMessage());
    }
  }

  @Test
  void fedAvgEveryEpoch_ofTheDeviceSlices_andOfTheHopInstancesAsASetting() throws Exception {
    Path p = profiles();
    List<Emulation.Outcome> runs = new ArrayList<>();
    for (boolean hops : new boolean[] {false, true}) {
      Settings s =
          MpslEstimateAgreementTest.scenario(
              p, "mpsl", 6, 2, "rounds = 3, local-steps = 1\nmpsl.aggregate-hops = " + hops + "\n");
      runs.add(Emulation.run(s, tmp.resolve("hops-" + hops), RunListener.NONE));
    }
    for (int i = 0; i < 2; i++) {
      List<String> aggregates =
          Files.readAllLines(runs.get(i).dir().resolve("events.csv")).stream()
              .filter(l -> l.contains(",aggregate,aggregator,"))
              .toList();
      assertEquals(3, aggregates.size(), "one FedAvg per epoch " + aggregates);
      for (String a : aggregates) {
        assertTrue(a.contains("FedAvg of 6 device-held slices"), a);
        assertEquals(i == 1, a.contains("every hop's instances"), a);
      }
      // The barrier is part of every epoch: the device slices move up and down after the last
      // batch.
      runs.get(i).rounds().forEach(r -> assertTrue(r.aggregationS() > 0, "epoch " + r.round()));
    }
    // Averaging on the hop moves nothing over a link and takes no emulated time.
    for (int e = 0; e < 3; e++) {
      assertEquals(
          runs.get(0).rounds().get(e).emulatedTimeS(), runs.get(1).rounds().get(e).emulatedTimeS());
    }
  }

  @Test
  void perHopPeakMemory_isExportedToTheMetricsEndpoint() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Settings s =
        MpslEstimateAgreementTest.scenario(
            profiles(),
            "mpsl",
            6,
            3,
            "local-steps = 1\nmetrics { enabled = true, port = " + port + " }\n");
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Emulation.Outcome o = Emulation.run(s, tmp.resolve("run"), RunListener.NONE);
      String text = MetricsText.scrape(port);
      Map<String, Long> memory = o.summary().peakModelMemoryBytes();
      assertEquals(4, memory.size(), memory.toString());
      for (Map.Entry<String, Long> e : memory.entrySet()) {
        Double got = gauge(text, "splitemu_node_model_memory_bytes", e.getKey());
        assertNotNull(got, "no memory series for " + e.getKey() + " in\n" + text);
        assertEquals(e.getValue(), got, 1.0, e.getKey());
      }
      assertNotNull(gauge(text, "splitemu_rounds_total", null), "rounds are fed too\n" + text);
    } finally {
      endpoint.close();
    }
  }

  /** The value of the mpsl sample of {@code name} (with {@code member} if given), or null. */
  private static Double gauge(String text, String name, String member) {
    return member == null
        ? MetricsText.sample(text, name, "scheme=\"mpsl\"")
        : MetricsText.sample(text, name, "scheme=\"mpsl\"", "member=\"" + member + "\"");
  }
}
