package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.model.data.Batch;
import io.splitemu.model.data.Dataset;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.FedAvg;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code model.cut-gradient}: in one barrier step of psl on the devices' concatenated batches, the
 * server steps on the whole batch and each device updates with the gradient of its own batch's loss
 * ({@code device-mean}), or with that gradient times its share of the batch ({@code batch-mean}).
 * Checked against the same step done by hand on copies of the initial slices.
 */
class CutGradientTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void pslBarrierStep_deviceUpdatesFollowTheCutGradientSetting(boolean batchMean) throws Exception {
    // Plain SGD (momentum 0) so one step's update is lr times the gradient, nothing else.
    ModelOptions opts = new ModelOptions(5, UpdaterKind.SGD_MOMENTUM, 0.1, 0.0, DataType.DOUBLE);
    ChainModel model = ModelZoo.create("lenet5", opts);
    ChainProfile profile = model.profile();
    int cut = 2;
    SplitModel split = model.split(cut);
    int devices = 2;
    int b = 8;
    Dataset train = VanillaSlExactnessTest.randomDataset(devices * 16, 7);

    // The hand-made reference starts from copies of the very slices the run starts from.
    List<Slice> refDevices = new ArrayList<>();
    for (int d = 0; d < devices; d++) {
      refDevices.add(split.slice(0).copy());
    }
    Slice refServer = split.slice(1).copy();
    INDArray initialDevice = split.slice(0).params().dup();

    List<DeviceSetup> setups = new ArrayList<>();
    EdgeBands bands = new EdgeBands(devices);
    List<Batch> batches = new ArrayList<>();
    for (int d = 0; d < devices; d++) {
      int[] shard = new int[16];
      for (int i = 0; i < shard.length; i++) {
        shard[i] = d * 16 + i;
      }
      long seed = 40 + d;
      batches.add(train.batch(new BatchCursor(shard, seed).nextBatch(b), DataType.DOUBLE));
      setups.add(
          new DeviceSetup(
              d,
              shard,
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
    SplitModel evalModel = ModelZoo.create("lenet5", opts).split(cut);
    ServerSetup server =
        new ServerSetup(
            split.slice(1),
            evalModel,
            VanillaSlExactnessTest.randomDataset(20, 8),
            0,
            DataType.DOUBLE,
            profile.serverFlops(cut),
            1e11,
            new EmulatedCpu("edge"),
            d -> new EmulatedCpu("copy"),
            Duration.ofSeconds(30),
            30_000_000_000L,
            batchMean,
            null,
            bands);
    ResultsWriter writer = ResultsWriter.open(tmp.resolve("run"), "test");
    SupervisorSetup setup =
        new SupervisorSetup(
            "psl",
            1,
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
    Supervisor.Finished f = done.receiveMessage(Duration.ofSeconds(60));
    assertNull(f.error());
    writer.close();

    // By hand: every device forwards its batch, the server steps once on the concatenation, and
    // each device backpropagates its rows of the server's input gradient, scaled as configured.
    List<INDArray> acts = new ArrayList<>();
    List<INDArray> labels = new ArrayList<>();
    for (int d = 0; d < devices; d++) {
      acts.add(refDevices.get(d).forward(batches.get(d).features()));
      labels.add(batches.get(d).labels());
    }
    INDArray grad =
        refServer
            .trainStep(
                Nd4j.concat(0, acts.toArray(new INDArray[0])),
                Nd4j.concat(0, labels.toArray(new INDArray[0])))
            .inputGradient();
    List<INDArray> trained = new ArrayList<>();
    for (int d = 0; d < devices; d++) {
      INDArray rows = grad.get(NDArrayIndex.interval(d * b, (d + 1) * b)).dup();
      if (batchMean) {
        rows.muli(1.0 / devices);
      }
      refDevices.get(d).backward(rows);
      trained.add(refDevices.get(d).params());
    }
    INDArray expectedDevice = FedAvg.average(trained, List.of((long) b, (long) b));

    assertClose(expectedDevice, evalModel.slice(0).params(), "device-side FedAvg");
    assertClose(refServer.params(), split.slice(1).params(), "server slice");

    // A zero step would make the comparison above vacuous.
    INDArray step = expectedDevice.sub(initialDevice);
    assertTrue(step.norm2Number().doubleValue() > 0, "the devices moved");
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    assertEquals(expected.length(), actual.length(), what + ": size");
    double rel =
        expected.sub(actual).norm2Number().doubleValue()
            / Math.max(1e-12, expected.norm2Number().doubleValue());
    assertTrue(rel <= 1e-9, what + ": relative error " + rel);
  }
}
