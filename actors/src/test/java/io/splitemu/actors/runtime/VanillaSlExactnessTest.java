package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.model.data.Batch;
import io.splitemu.model.data.Dataset;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.SplitModel;
import io.splitemu.model.nn.UpdaterKind;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class VanillaSlExactnessTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  static Dataset randomDataset(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) rng.nextInt(10);
      for (int p = 0; p < 784; p++) {
        pixels[i * 784 + p] = (byte) rng.nextInt(256);
      }
    }
    return new Dataset("random", 28, 28, 10, pixels, labels);
  }

  /** A static link of the network-emulation module, its rate scaled by the share. */
  static LinkTiming link(double bps) {
    return new EmulatedLink((round, share) -> FluidLink.constant(bps * share, 0));
  }

  @Test
  void vanillaSl_oneDevice_equalsUnsplitTrainingOnTheSameBatches() throws Exception {
    ModelOptions opts = new ModelOptions(11, UpdaterKind.SGD_MOMENTUM, 0.05, 0.9, DataType.DOUBLE);
    ChainModel model = ModelZoo.create("lenet5", opts);
    ChainProfile profile = model.profile();
    int cut = 2;
    SplitModel split = model.split(cut);
    ChainModel reference = ModelZoo.create("lenet5", opts);
    Slice whole = reference.whole();

    Dataset train = randomDataset(40, 3);
    int[] shard = new int[40];
    for (int i = 0; i < shard.length; i++) {
      shard[i] = i;
    }
    int b = 8;
    long batchSeed = 99;
    EdgeBands bands = new EdgeBands(1);
    DeviceSetup dev =
        new DeviceSetup(
            0,
            shard,
            train,
            split.slice(0),
            profile.deviceForwardFlops(cut),
            profile.deviceBackwardFlops(cut),
            profile.cutBytes(cut),
            profile.deviceParamBytes(cut),
            b,
            DataType.DOUBLE,
            1e9,
            batchSeed,
            link(10e6),
            link(20e6),
            new EmulatedCpu("device-0"),
            bands);
    ServerSetup srv =
        new ServerSetup(
            split.slice(1),
            model.split(cut),
            randomDataset(20, 4),
            0,
            DataType.DOUBLE,
            profile.serverFlops(cut),
            1e11,
            new EmulatedCpu("edge"),
            d -> new EmulatedCpu("copy"),
            Duration.ofSeconds(30),
            30_000_000_000L,
            false,
            null,
            bands);
    ResultsWriter writer = ResultsWriter.open(tmp.resolve("run"), "test");
    int rounds = 2;
    int steps = 3;
    SupervisorSetup setup =
        new SupervisorSetup(
            "sl",
            rounds,
            steps,
            b,
            1,
            0.99,
            false,
            false,
            (d, r) -> 1.0,
            Integer.toString(cut),
            split.slice(0).params(),
            List.of(dev),
            srv,
            List.of(),
            writer,
            RunListener.NONE,
            null,
            null,
            null,
            false,
            FaultPlan.ofHangs(List.of()),
            SupervisorSetup.Checkpointing.NONE);
    TestProbe<Supervisor.Finished> done = testKit.createTestProbe();
    ActorRef<Supervisor.Command> sup = testKit.spawn(Supervisor.create(setup, new PacingLag()));
    sup.tell(new Supervisor.Start(done.getRef(), 0));
    Supervisor.Finished f = done.receiveMessage(Duration.ofSeconds(60));
    assertNull(f.error());
    assertEquals(rounds, f.rounds());

    // The same batches, in the same order, through the unsplit model.
    BatchCursor cursor = new BatchCursor(shard, batchSeed);
    for (int i = 0; i < rounds * steps; i++) {
      Batch batch = train.batch(cursor.nextBatch(b), DataType.DOUBLE);
      whole.trainStep(batch.features(), batch.labels());
    }
    Map<String, INDArray> expected = whole.paramTable();
    Map<String, INDArray> actual = split.paramTable();
    assertEquals(expected.keySet(), actual.keySet());
    for (String k : expected.keySet()) {
      INDArray e = expected.get(k);
      INDArray a = actual.get(k);
      double rel =
          e.sub(a).norm2Number().doubleValue() / Math.max(1e-12, e.norm2Number().doubleValue());
      assertTrue(rel <= 1e-9, k + ": relative error " + rel);
    }

    // Emulated time of a round is the broadcast, E barrier steps and the upload.
    List<RoundRecord> rows = writer.rounds();
    assertEquals(rounds, rows.size());
    double tf = b * profile.deviceForwardFlops(cut) / 1e9;
    double tb = b * profile.deviceBackwardFlops(cut) / 1e9;
    double tu = 8.0 * (b * profile.cutBytes(cut) + 4 * b) / 10e6;
    double td = 8.0 * b * profile.cutBytes(cut) / 20e6;
    double ts = b * profile.serverFlops(cut) / 1e11;
    double w = 8.0 * profile.deviceParamBytes(cut);
    double expectedRound = w / 20e6 + steps * (tf + tu + ts + td + tb) + w / 10e6;
    assertEquals(expectedRound, rows.get(0).roundLatencyS(), 1e-7);
    RoundRecord r = rows.get(0);
    assertEquals(
        r.roundLatencyS(),
        r.deviceComputeS() + r.serverComputeS() + r.communicationS() + r.aggregationS(),
        1e-9);
    assertTrue(rows.get(1).testAccuracy() >= 0);
    writer.close();
  }
}
