package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.data.Dataset;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.UpdaterKind;
import io.splitemu.model.profile.ChainProfile;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A device that rejoins after a crash restarts its optimizer as a fresh slice would: zero state and
 * update count 0, so its first Adam step after the rejoin is a fresh slice's step (with zero
 * moments but its old count, Adam's bias correction would scale that step).
 */
class DeviceRejoinTest {

  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  @Test
  void rejoinAfterCrash_firstAdamStepEqualsAFreshSlicesStep() {
    ModelOptions opts = new ModelOptions(3, UpdaterKind.ADAM, 1e-3, 0.0, DataType.DOUBLE);
    ChainModel model = ModelZoo.create("lenet5", opts);
    ChainProfile profile = model.profile();
    int cut = 2;
    Slice slice = model.split(cut).slice(0);
    int b = 4;
    Dataset train = VanillaSlExactnessTest.randomDataset(16, 5);
    INDArray x = train.batch(new int[] {0, 1, 2, 3}, DataType.DOUBLE).features();
    long[] out = slice.outputShape();
    long[] shape = new long[out.length + 1];
    shape[0] = b;
    System.arraycopy(out, 0, shape, 1, out.length);
    Nd4j.getRandom().setSeed(11);
    INDArray g = Nd4j.randn(DataType.DOUBLE, shape);
    // The device has trained: moments and a count of 6 updates.
    for (int i = 0; i < 6; i++) {
      slice.forward(x);
      slice.backwardToData(g);
    }
    assertEquals(6, slice.iterationCount());

    int[] shard = new int[16];
    for (int i = 0; i < shard.length; i++) {
      shard[i] = i;
    }
    DeviceSetup setup =
        new DeviceSetup(
            0,
            shard,
            train,
            slice,
            profile.deviceForwardFlops(cut),
            profile.deviceBackwardFlops(cut),
            profile.cutBytes(cut),
            profile.deviceParamBytes(cut),
            b,
            DataType.DOUBLE,
            1e9,
            7,
            VanillaSlExactnessTest.link(10e6),
            VanillaSlExactnessTest.link(20e6),
            new EmulatedCpu("device-0"),
            new EdgeBands(1));
    ActorRef<Device.Command> device = testKit.spawn(Device.create(setup, null, null, -1));
    device.tell(Device.SaveState.INSTANCE);
    device.tell(new Device.Crash(-1));
    device.tell(new Device.Resume(0));
    TestProbe<Device.Snapshot> probe = testKit.createTestProbe();
    device.tell(new Device.TakeSnapshot(probe.getRef()));
    Device.Snapshot s = probe.receiveMessage(Duration.ofSeconds(30));
    assertEquals(0, s.iterations(), "the rejoined device's update count");
    assertEquals(0.0, s.updater().amaxNumber().doubleValue(), "the rejoined device's state");
    testKit.stop(device);

    // The rejoined slice's next step against a fresh slice's with the same weights.
    Slice fresh = ModelZoo.create("lenet5", opts).split(cut).slice(0);
    fresh.setParams(slice.params());
    INDArray before = slice.params();
    slice.forward(x);
    slice.backwardToData(g);
    fresh.forward(x);
    fresh.backwardToData(g);
    INDArray rejoinStep = slice.params().sub(before);
    INDArray freshStep = fresh.params().sub(before);
    assertTrue(freshStep.norm2Number().doubleValue() > 0, "the fresh slice moved");
    assertEquals(
        freshStep.norm2Number().doubleValue(),
        rejoinStep.norm2Number().doubleValue(),
        1e-12 * freshStep.norm2Number().doubleValue(),
        "first update's magnitude after the rejoin");
    assertEquals(0.0, rejoinStep.sub(freshStep).amaxNumber().doubleValue(), 1e-15);
  }
}
