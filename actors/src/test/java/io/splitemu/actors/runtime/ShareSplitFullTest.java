package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.scheme.ShareSplitPolicies;
import io.splitemu.model.data.Batch;
import io.splitemu.model.data.DatasetSplit;
import io.splitemu.model.data.Partition;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.FedAvg;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.SplitModel;
import io.splitemu.model.nn.UpdaterKind;
import io.splitemu.net.SeededStreams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Full fidelity of EdgeSplit and SFL-compute on the embedded synthetic data: with per-device server
 * copies the cuts do not change the learning (each device plus its copy is the whole model trained
 * locally, then FedAvg), so the runs match a plain FedAvg of whole models; the tensors never change
 * the emulated times.
 */
class ShareSplitFullTest {

  private static final int DEVICES = 3;
  private static final int STEPS = 4;
  private static final int BATCH = 16;
  private static final int ROUNDS = 2;
  private static final long SEED = 7;
  private static final double LR = 0.05;
  private static final double MOMENTUM = 0.9;

  @TempDir static Path tmp;

  // Runs shared by the tests (each costs a few seconds of real training).
  private static final Map<String, Emulation.Outcome> RUNS = new HashMap<>();

  private static Settings settings(String scheme, String fidelity, String extra) {
    String conf =
        "splitemu {\n  scenario = share-full-test\n  seed = "
            + SEED
            + "\n  scheme = "
            + scheme
            + "\n  fidelity = "
            + fidelity
            + "\n  rounds = "
            + ROUNDS
            + "\n  local-steps = "
            + STEPS
            + "\n  batch-size = "
            + BATCH
            + "\n  eval-every = 1\n"
            + "  model { name = lenet5, cut = 2, optimizer = sgd-momentum, learning-rate = "
            + LR
            + ", momentum = "
            + MOMENTUM
            + " }\n"
            + "  data { dataset = synthetic, train-samples = 600, test-samples = 200,"
            + " partition = dirichlet, dirichlet-alpha = 0.5 }\n"
            + "  devices { count = "
            + DEVICES
            + ", flops = [2e8, 1e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [8e6, 2e7, 4e7],"
            + " downlink-bps = [1e7, 4e7, 4e7] } }\n"
            + "  output.plots = false\n"
            + extra
            + "}\n";
    return Settings.from(
        ConfigFactory.parseString(conf), List.of(), Path.of("share-full-test.conf"));
  }

  private static synchronized Emulation.Outcome run(String scheme, String fidelity, String tag) {
    String key = scheme + "/" + fidelity + "/" + tag;
    return RUNS.computeIfAbsent(
        key,
        k ->
            Emulation.run(
                settings(scheme, fidelity, ""),
                tmp.resolve(k.replace('/', '-')),
                RunListener.NONE));
  }

  @Test
  void edgesplitAndUniformBaseline_differentCuts_sameLearningDifferentTimes() {
    List<RoundRecord> planned = run("edgesplit", "full", "a").rounds();
    List<RoundRecord> uniform = run("edgesplit-uniform", "full", "a").rounds();
    assertEquals(ROUNDS, planned.size());
    assertEquals(ROUNDS, uniform.size());
    // The premise: the two schemes really cut differently.
    assertNotEquals(planned.get(0).cut(), uniform.get(0).cut());
    for (int r = 0; r < ROUNDS; r++) {
      RoundRecord p = planned.get(r);
      RoundRecord u = uniform.get(r);
      assertTrue(Double.isFinite(p.trainLoss()), "round " + p.round() + " loss " + p.trainLoss());
      assertTrue(Double.isFinite(p.testAccuracy()), "round " + p.round());
      assertEquals(p.trainLoss(), u.trainLoss(), 1e-5, "train loss of round " + p.round());
      assertEquals(p.testAccuracy(), u.testAccuracy(), 1e-5, "accuracy of round " + p.round());
      assertNotEquals(p.roundLatencyS(), u.roundLatencyS(), "latency of round " + p.round());
    }
  }

  @Test
  void everyRound_matchesFedAvgOfWholeModelsTrainedLocallyOnTheSameBatches() {
    Reference ref = reference(settings("edgesplit", "full", ""), true);
    for (String scheme : List.of("edgesplit", "sfl-compute")) {
      List<RoundRecord> rounds = run(scheme, "full", "a").rounds();
      for (int r = 0; r < ROUNDS; r++) {
        assertEquals(ref.loss[r], rounds.get(r).trainLoss(), 1e-5, scheme + " loss round " + r);
        assertEquals(
            ref.accuracy[r], rounds.get(r).testAccuracy(), 1e-5, scheme + " accuracy round " + r);
      }
    }
  }

  @Test
  void roundTwo_startsFromRoundOnesAverage_notFromTheInitialModel() {
    List<RoundRecord> rounds = run("edgesplit", "full", "a").rounds();
    Reference restart = reference(settings("edgesplit", "full", ""), false);
    // Same first round; a second round from the initial weights learns something else.
    assertEquals(restart.loss[0], rounds.get(0).trainLoss(), 1e-5);
    assertTrue(
        Math.abs(restart.loss[1] - rounds.get(1).trainLoss()) > 1e-3,
        "round 2 loss " + rounds.get(1).trainLoss() + " vs restarted " + restart.loss[1]);
  }

  @Test
  void fullFidelity_hasExactlyTheEmulatedTimesOfTimingFidelity() throws IOException {
    for (String scheme : ShareSplitPolicies.SCHEMES) {
      Emulation.Outcome timing = run(scheme, "timing", "a");
      Emulation.Outcome full = run(scheme, "full", "a");
      for (int r = 0; r < ROUNDS; r++) {
        RoundRecord t = timing.rounds().get(r);
        RoundRecord f = full.rounds().get(r);
        assertEquals(t.emulatedTimeS(), f.emulatedTimeS(), 0.0, scheme + " round " + r);
        assertEquals(t.roundLatencyS(), f.roundLatencyS(), 0.0, scheme + " round " + r);
        assertEquals(t.communicationS(), f.communicationS(), 0.0, scheme + " round " + r);
        assertEquals(t.aggregationS(), f.aggregationS(), 0.0, scheme + " round " + r);
        assertEquals(t.cut(), f.cut(), scheme + " round " + r);
        assertTrue(Double.isNaN(t.trainLoss()) && Double.isNaN(t.testAccuracy()));
      }
      assertEquals(
          Files.readAllLines(timing.dir().resolve("devices.csv")),
          Files.readAllLines(full.dir().resolve("devices.csv")),
          scheme);
      assertEquals(
          Files.readAllLines(timing.dir().resolve("events.csv")),
          Files.readAllLines(full.dir().resolve("events.csv")),
          scheme);
    }
  }

  @Test
  void sameSeedTwice_givesIdenticalRows() throws IOException {
    Emulation.Outcome a = run("sfl-compute-uniform", "full", "a");
    Emulation.Outcome b = run("sfl-compute-uniform", "full", "b");
    assertEquals(withoutWallTime(a.dir()), withoutWallTime(b.dir()));
    assertEquals(
        Files.readAllLines(a.dir().resolve("devices.csv")),
        Files.readAllLines(b.dir().resolve("devices.csv")));
  }

  private static List<String> withoutWallTime(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    int wall = RoundRecord.HEADER.indexOf("wall_time_s");
    for (String line : Files.readAllLines(dir.resolve("rounds.csv"))) {
      List<String> f = new ArrayList<>(List.of(line.split(",", -1)));
      f.remove(wall + 1); // cpu_time_s
      f.remove(wall);
      out.add(String.join(",", f));
    }
    return out;
  }

  @Test
  void profileThatIsNoZooModel_isRefusedInFullFidelity() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> Emulation.prepare(settings("edgesplit", "full", "model.name = vgg19-cifar\n")));
    assertTrue(e.getMessage().startsWith("splitemu.fidelity"), e.getMessage());
    assertTrue(e.getMessage().contains("splitemu.model.name"), e.getMessage());
    assertTrue(e.getMessage().contains("vgg19-cifar"), e.getMessage());
  }

  @Test
  void divergingLoss_stopsTheRunNamingDeviceAndRound() {
    Settings s = settings("sfl-compute", "full", "model.learning-rate = 1e9\n");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Emulation.run(s, tmp.resolve("nan"), RunListener.NONE));
    // The supervisor's one line for a failed actor: the round, where the model diverged (the
    // server copy of a device: its loss is checked before the gradient goes down) and the cause.
    assertTrue(
        e.getMessage()
            .matches(
                "run stopped in round \\d+: edge server failed: slice \\S+ \\(the server copy for"
                    + " device-\\d\\): .* at round \\d+, step \\d+ .*"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("NaN") || e.getMessage().contains("infinity"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  /** Per-round mean training loss and test accuracy of the plain computation. */
  private record Reference(double[] loss, double[] accuracy) {}

  /**
   * FedAvg of whole models, weighted by shard size, each trained locally on its device's batches
   * (drawn as the runtime draws them), fresh optimizer state every round; with {@code carry} false
   * every round starts again from the initial weights.
   */
  private static Reference reference(Settings s, boolean carry) {
    DatasetSplit data = Emulation.loadData(s);
    Partition partition = Emulation.partition(s, data.train());
    ModelOptions opts =
        new ModelOptions(
            SeededStreams.seedFor(SEED, "model/init"),
            UpdaterKind.SGD_MOMENTUM,
            LR,
            MOMENTUM,
            DataType.FLOAT);
    ChainModel global = ModelZoo.create("lenet5", opts);
    INDArray initial = global.fullParams();
    List<BatchCursor> cursors = new ArrayList<>();
    for (int d = 0; d < DEVICES; d++) {
      cursors.add(
          new BatchCursor(
              partition.indices(d), SeededStreams.seedFor(SEED, "batches/device-" + d)));
    }
    double[] loss = new double[ROUNDS];
    double[] accuracy = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      if (!carry) {
        global.setFullParams(initial);
      }
      List<INDArray> wholes = new ArrayList<>();
      List<Long> samples = new ArrayList<>();
      double sum = 0;
      for (int d = 0; d < DEVICES; d++) {
        SplitModel m = global.split(1);
        for (int i = 0; i < STEPS; i++) {
          Batch b = data.train().batch(cursors.get(d).nextBatch(BATCH), DataType.FLOAT);
          sum += m.trainStep(b.features(), b.labels());
        }
        wholes.add(m.fullParams());
        samples.add((long) partition.indices(d).length); // FedAvg weighs by shard size
      }
      global.setFullParams(FedAvg.average(wholes, samples));
      loss[r] = sum / (DEVICES * STEPS);
      int[] all = new int[data.test().size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      Batch test = data.test().batch(all, DataType.FLOAT);
      accuracy[r] = global.split(1).evaluate(test.features(), test.labels());
    }
    return new Reference(loss, accuracy);
  }
}
