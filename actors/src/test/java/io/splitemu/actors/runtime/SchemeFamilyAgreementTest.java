package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.scheme.Scheme;
import io.splitemu.actors.scheme.SchemePlan;
import io.splitemu.actors.scheme.Schemes;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.ChainProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * For each scheme family on static links, the plan's prediction equals the first round of a real
 * timing-fidelity run: the barrier engine (cpsl here; sl, psl, sfl-v1 and sfl-v2 in {@code
 * PlanCommandTest}) within the runtime's rounding of every charged duration up to whole
 * nanoseconds, the split schemes to 1e-9 relative with their breakdown, MP-SL within the 5 % that
 * docs/mpsl.md gives for its epoch estimate. And with {@code model.data-type = double} every tensor
 * on the wire is charged 8 bytes an element (labels stay 4-byte int32), in the run and the plan.
 */
class SchemeFamilyAgreementTest {

  @TempDir Path tmp;

  private static Settings settings(String scenario, String... sets) {
    Path file = GoldenRunsTest.scenarioDir().resolve(scenario);
    List<String> o = new ArrayList<>(GoldenRunsTest.dataOverrides(file));
    o.addAll(List.of(sets));
    o.add("rounds=1");
    o.add("fidelity=timing");
    o.add("output.plots=false");
    return Settings.load(file, o);
  }

  private RoundRecord firstRound(Settings s) {
    return Emulation.run(s, tmp.resolve("run-" + s.scheme()), RunListener.NONE).rounds().get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpsl", "cpsl-random", "cpsl-fixed"})
  void barrier_cpslOnStaticLinks_predictsTheFirstEmulatedRound(String scheme) {
    Settings s = settings("quickstart.conf", "scheme=" + scheme, "local-steps=3");
    Scheme strategy = Schemes.of(scheme);
    assertEquals(Scheme.Family.BARRIER, strategy.family());
    SchemePlan p = strategy.plan(s);
    RoundRecord r = firstRound(s);
    long durations = 0;
    for (SchemePlan.Visit v : p.visits()) {
      durations += 3 + 5 * v.steps()[0];
    }
    double tol = durations * 1e-9;
    assertEquals(p.predictedSeconds(), r.roundLatencyS(), tol, scheme + " latency");
    assertEquals(p.breakdown().serverCompute(), r.serverComputeS(), tol, scheme + " server");
    assertEquals(p.breakdown().aggregation(), r.aggregationS(), tol, scheme + " aggregation");
    assertEquals(p.cut(), r.cut());
    assertEquals(p.visits().size(), r.clusters());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "edgesplit",
        "edgesplit-uniform",
        "sfl-compute",
        "sfl-compute-uniform",
        "dag-mincut",
        "dag-chain",
        "dag-device",
        "dag-server"
      })
  void split_onStaticLinks_predictsTheFirstEmulatedRoundAndItsBreakdown(String scheme) {
    Settings s =
        settings(
            "sfl-compute-effnet.conf",
            "scheme=" + scheme,
            "local-steps=20",
            "dag.profile=efficientnetv2-s-mnist");
    assertEquals("static", s.links().kind());
    Scheme strategy = Schemes.of(scheme);
    assertEquals(Scheme.Family.SPLIT, strategy.family());
    SchemePlan p = strategy.plan(s);
    RoundRecord r = firstRound(s);
    double t = r.roundLatencyS();
    assertTrue(t > 0);
    assertEquals(t, p.predictedSeconds(), 1e-9 * t, scheme + " latency");
    assertEquals(r.deviceComputeS(), p.breakdown().deviceCompute(), 1e-9 * t, scheme);
    assertEquals(r.serverComputeS(), p.breakdown().serverCompute(), 1e-9 * t, scheme);
    assertEquals(r.communicationS(), p.breakdown().communication(), 1e-9 * t, scheme);
    assertEquals(r.aggregationS(), p.breakdown().aggregation(), 1e-9 * t, scheme);
    assertEquals(r.cut(), p.cut(), scheme + ": the run's cuts are the plan's");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mpsl", "mpsl-horizontal"})
  void pipeline_epochEstimate_withinItsDocumentedError(String scheme) {
    Settings s = settings("mpsl-vgg19.conf", "scheme=" + scheme);
    Scheme strategy = Schemes.of(scheme);
    assertEquals(Scheme.Family.PIPELINE, strategy.family());
    SchemePlan p = strategy.plan(s);
    RoundRecord r = firstRound(s);
    assertEquals(r.roundLatencyS(), p.predictedSeconds(), 0.05 * r.roundLatencyS(), scheme);
    assertEquals(r.cut(), p.cut());
  }

  @ParameterizedTest
  @ValueSource(strings = {"edgesplit", "sfl-compute", "dag-mincut"})
  void split_roundFactor_plansAndRunsAtTheBarrierFamilysRates(String scheme) {
    // quickstart.conf draws a compute factor per device and round (uniform 0.6-1.0).
    Settings s =
        settings(
            "quickstart.conf",
            "scheme=" + scheme,
            "local-steps=3",
            "dag.profile=efficientnetv2-s-mnist");
    assertTrue(s.devices().roundFactor().random());
    SchemePlan p = Schemes.of(scheme).plan(s);
    SchemePlan barrier = Schemes.of("psl").plan(s.withScheme("psl"));
    for (int d = 0; d < s.devices().count(); d++) {
      double f = p.devices().get(d).flopsPerSecond();
      assertEquals(barrier.devices().get(d).flopsPerSecond(), f, 0.0, scheme + " device " + d);
    }
    assertNotEquals(1e9, p.devices().get(0).flopsPerSecond(), "device 0 at its round-1 factor");
    RoundRecord r = firstRound(s);
    double t = r.roundLatencyS();
    assertEquals(t, p.predictedSeconds(), 1e-9 * t, scheme + ": plan is the first emulated round");
    assertEquals(r.deviceComputeS(), p.breakdown().deviceCompute(), 1e-9 * t, scheme);
  }

  @Test
  void split_roundFactor_slowsEachDeviceByItsFactorInEveryRound() {
    // dag-device keeps every layer on the device whatever the rates, so only the factor differs.
    Path file = GoldenRunsTest.scenarioDir().resolve("quickstart.conf");
    List<String> o = new ArrayList<>(GoldenRunsTest.dataOverrides(file));
    o.addAll(
        List.of(
            "scheme=dag-device",
            "dag.profile=efficientnetv2-s-mnist",
            "local-steps=2",
            "rounds=3",
            "fidelity=timing",
            "output.plots=false"));
    Settings s = Settings.load(file, o);
    List<String> flat = new ArrayList<>(o);
    flat.add("devices.round-factor=1.0");
    Settings one = Settings.load(file, flat);
    List<double[]> varied = computes(Emulation.run(s, tmp.resolve("f"), RunListener.NONE).dir());
    List<double[]> fixed = computes(Emulation.run(one, tmp.resolve("1"), RunListener.NONE).dir());
    SupervisorSetup.ComputeFactors factors = Emulation.computeFactors(s);
    assertEquals(3 * s.devices().count(), varied.size());
    for (int i = 0; i < varied.size(); i++) {
      int round = (int) varied.get(i)[0];
      int device = (int) varied.get(i)[1];
      double f = factors.of(device, round);
      assertTrue(f >= 0.6 && f <= 1.0, "factor " + f);
      assertEquals(
          fixed.get(i)[2] / f,
          varied.get(i)[2],
          1e-6 * varied.get(i)[2],
          "compute_s of device " + device + " in round " + round);
    }
  }

  /** round, device and compute_s of every row of a run's devices.csv. */
  private static List<double[]> computes(Path dir) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("devices.csv"));
      List<String> header = CsvTable.parseLine(lines.get(0));
      List<double[]> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        List<String> f = CsvTable.parseLine(line);
        out.add(
            new double[] {
              Double.parseDouble(f.get(header.indexOf("round"))),
              Double.parseDouble(f.get(header.indexOf("device"))),
              Double.parseDouble(f.get(header.indexOf("compute_s")))
            });
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** bytes_up and bytes_down of every row of a run's devices.csv. */
  private static List<long[]> bytes(Path dir) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("devices.csv"));
      List<String> header = CsvTable.parseLine(lines.get(0));
      int up = header.indexOf("bytes_up");
      int down = header.indexOf("bytes_down");
      List<long[]> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        List<String> f = CsvTable.parseLine(line);
        out.add(new long[] {Long.parseLong(f.get(up)), Long.parseLong(f.get(down))});
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void doubleDataType_chargesEightBytesAnElement_runAndPlanAgree() {
    int steps = 2;
    Settings f = settings("quickstart.conf", "local-steps=" + steps);
    Settings d = settings("quickstart.conf", "local-steps=" + steps, "model.data-type=double");
    List<long[]> fr = bytes(Emulation.run(f, tmp.resolve("float"), RunListener.NONE).dir());
    List<long[]> dr = bytes(Emulation.run(d, tmp.resolve("double"), RunListener.NONE).dir());
    assertEquals(4, fr.size());
    assertEquals(fr.size(), dr.size());
    long labels = (long) steps * f.batchSize() * DeviceSetup.LABEL_BYTES;
    for (int i = 0; i < fr.size(); i++) {
      // Activations, gradients and the model twice as large; the int32 labels as they were.
      assertEquals(2 * (fr.get(i)[0] - labels) + labels, dr.get(i)[0], "bytes_up of device " + i);
      assertEquals(2 * fr.get(i)[1], dr.get(i)[1], "bytes_down of device " + i);
    }
    ChainProfile p = ModelZoo.profile("lenet5");
    assertEquals(
        2 * p.cutBytes(2),
        ModelZoo.profile("lenet5", org.nd4j.linalg.api.buffer.DataType.DOUBLE).cutBytes(2));
    SchemePlan fp = Schemes.of("psl").plan(f);
    SchemePlan dp = Schemes.of("psl").plan(d);
    assertNotEquals(fp.predictedSeconds(), dp.predictedSeconds());
    RoundRecord r = firstRound(d);
    assertEquals(r.roundLatencyS(), dp.predictedSeconds(), 1e-6, "plan and run agree on double");
  }
}
