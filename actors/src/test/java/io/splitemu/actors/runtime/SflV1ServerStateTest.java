package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.model.data.Batch;
import io.splitemu.model.data.Dataset;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.FedAvg;
import io.splitemu.model.nn.LossStep;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.SplitModel;
import io.splitemu.model.nn.UpdaterKind;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.net.stream.PacingLag;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code sfl-v1} in full fidelity keeps the server side's optimizer state across rounds: at a
 * round's end the shared server slice takes the FedAvg of the per-device copies' weights and of
 * their optimizer state (same weights) and their update count, and the next round's copies start
 * from it. Checked over two rounds with momentum against the same rounds done by hand.
 */
class SflV1ServerStateTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  @Test
  void twoRounds_serverCopiesStartRoundTwoFromTheAveragedOptimizerState() throws Exception {
    ModelOptions opts = new ModelOptions(5, UpdaterKind.SGD_MOMENTUM, 0.05, 0.9, DataType.DOUBLE);
    ChainModel model = ModelZoo.create("lenet5", opts);
    ChainProfile profile = model.profile();
    int cut = 2;
    SplitModel split = model.split(cut);
    int b = 4;
    int rounds = 2;
    // Unequal shards, so FedAvg's weights (8 and 24 samples) are not equal.
    int[][] shards = {new int[8], new int[24]};
    int at = 0;
    for (int[] shard : shards) {
      for (int i = 0; i < shard.length; i++) {
        shard[i] = at++;
      }
    }
    List<Long> weights = List.of(8L, 24L);
    Dataset train = VanillaSlExactnessTest.randomDataset(at, 7);

    List<Slice> refDevices = new ArrayList<>();
    List<BatchCursor> refCursors = new ArrayList<>();
    Slice refShared = split.slice(1).copy();
    INDArray initialDevice = split.slice(0).params().dup();
    List<DeviceSetup> setups = new ArrayList<>();
    EdgeBands bands = new EdgeBands(shards.length);
    for (int d = 0; d < shards.length; d++) {
      long seed = 40 + d;
      refDevices.add(split.slice(0).copy());
      refCursors.add(new BatchCursor(shards[d], seed));
      setups.add(
          new DeviceSetup(
              d,
              shards[d],
              train,
              split.slice(0).copy(),
              profile.deviceForwardFlops(cut),
              profile.deviceBackwardFlops(cut),
              profile.cutBytes(cut),
              profile.deviceParamBytes(cut),
              b,
              DataType.DOUBLE,
              1e9,
              seed,
              VanillaSlExactnessTest.link(10e6),
              VanillaSlExactnessTest.link(20e6),
              new EmulatedCpu("device-" + d),
              bands));
    }
    ServerSetup server =
        new ServerSetup(
            split.slice(1),
            ModelZoo.create("lenet5", opts).split(cut),
            VanillaSlExactnessTest.randomDataset(20, 8),
            0,
            DataType.DOUBLE,
            profile.serverFlops(cut),
            1e11,
            new EmulatedCpu("edge"),
            d -> new EmulatedCpu("copy-" + d),
            Duration.ofSeconds(30),
            30_000_000_000L,
            false,
            null,
            bands);
    ResultsWriter writer = ResultsWriter.open(tmp.resolve("run"), "test");
    SupervisorSetup setup =
        new SupervisorSetup(
            "sfl-v1",
            rounds,
            1,
            b,
            1,
            0.99,
            false,
            true,
            (d, r) -> 1.0,
            Integer.toString(cut),
            initialDevice,
            setups,
            server,
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
    Supervisor.Finished f = done.receiveMessage(Duration.ofSeconds(120));
    assertNull(f.error());
    writer.close();

    // By hand: each round every device steps once against its own copy of the shared server
    // slice; the devices keep their own momentum, the copies start from the shared slice's.
    INDArray deviceModel = initialDevice;
    INDArray stateAfterRoundOne = null;
    for (int r = 1; r <= rounds; r++) {
      List<INDArray> devParams = new ArrayList<>();
      List<INDArray> copyParams = new ArrayList<>();
      List<INDArray> copyStates = new ArrayList<>();
      int count = 0;
      for (int d = 0; d < shards.length; d++) {
        Slice dev = refDevices.get(d);
        dev.setParams(deviceModel);
        Slice copy = refShared.copy();
        Batch batch = train.batch(refCursors.get(d).nextBatch(b), DataType.DOUBLE);
        LossStep s = copy.trainStep(dev.forward(batch.features()), batch.labels());
        dev.backwardToData(s.inputGradient());
        devParams.add(dev.params());
        copyParams.add(copy.params());
        copyStates.add(copy.updaterState());
        count = Math.max(count, copy.iterationCount());
      }
      deviceModel = FedAvg.average(devParams, weights);
      refShared.setParams(FedAvg.average(copyParams, weights));
      refShared.setUpdaterState(FedAvg.average(copyStates, weights));
      refShared.setIterationCount(count);
      if (r == 1) {
        stateAfterRoundOne = refShared.updaterState();
      }
    }
    // The state round 2 starts from is not zero (it was: every copy restarted its momentum).
    assertTrue(stateAfterRoundOne.norm2Number().doubleValue() > 0, "round 1's averaged state");
    assertClose(refShared.params(), split.slice(1).params(), "server slice after round 2");
    assertClose(
        refShared.updaterState(), split.slice(1).updaterState(), "server state after round 2");
    assertEquals(rounds, split.slice(1).iterationCount(), "server update count");
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    assertEquals(expected.length(), actual.length(), what + ": size");
    double rel =
        expected.sub(actual).norm2Number().doubleValue()
            / Math.max(1e-12, expected.norm2Number().doubleValue());
    assertTrue(rel <= 1e-9, what + ": relative error " + rel);
  }
}
