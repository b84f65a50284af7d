package io.splitemu.actors.runtime;

import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.model.data.Dataset;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
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
import org.nd4j.linalg.api.buffer.DataType;

/** Builds small runs of the runtime for tests: devices with heterogeneous rates and links. */
final class RuntimeFixture {

  final String scheme;
  final boolean full;
  int devices = 3;
  int rounds = 3;
  int localSteps = 2;
  int batch = 8;
  int samplesPerDevice = 24;
  String model = "mlp";
  int cut = 1;
  Duration timeout = Duration.ofSeconds(30);
  long deadlineNs = 30_000_000_000L;
  List<SupervisorSetup.Hang> hangs = new ArrayList<>();

  RuntimeFixture(String scheme, boolean full) {
    this.scheme = scheme;
    this.full = full;
  }

  /** Runs to the end and returns the writer (closed) with every recorded row. */
  ResultsWriter run(ActorTestKit kit, Path dir) {
    ModelOptions opts = new ModelOptions(5, UpdaterKind.SGD_MOMENTUM, 0.05, 0.9, DataType.FLOAT);
    ChainModel m = ModelZoo.create(model, opts);
    ChainProfile profile = m.profile();
    SplitModel split = m.split(cut);
    Dataset train = VanillaSlExactnessTest.randomDataset(devices * samplesPerDevice, 1);
    List<DeviceSetup> devs = new ArrayList<>();
    EdgeBands bands = new EdgeBands(devices);
    for (int d = 0; d < devices; d++) {
      int[] shard = new int[samplesPerDevice];
      for (int i = 0; i < shard.length; i++) {
        shard[i] = d * samplesPerDevice + i;
      }
      devs.add(
          new DeviceSetup(
              d,
              shard,
              full ? train : null,
              full ? split.slice(0).copy() : null,
              profile.deviceForwardFlops(cut),
              profile.deviceBackwardFlops(cut),
              profile.cutBytes(cut),
              profile.deviceParamBytes(cut),
              batch,
              DataType.FLOAT,
              1e8 * (d + 1),
              100 + d,
              VanillaSlExactnessTest.link(2e6 * (d + 1)),
              VanillaSlExactnessTest.link(5e6),
              new EmulatedCpu("device-" + d),
              bands));
    }
    java.util.Map<Integer, EmulatedCpu> copies = new java.util.HashMap<>();
    ServerSetup srv =
        new ServerSetup(
            full ? split.slice(1) : null,
            full ? m.split(cut) : null,
            full ? VanillaSlExactnessTest.randomDataset(30, 2) : null,
            0,
            DataType.FLOAT,
            profile.serverFlops(cut),
            1e10,
            new EmulatedCpu("edge"),
            d -> copies.computeIfAbsent(d, k -> new EmulatedCpu("edge/copy-" + k)),
            timeout,
            deadlineNs,
            false,
            null,
            bands);
    ResultsWriter writer = ResultsWriter.open(dir, "test");
    SupervisorSetup setup =
        new SupervisorSetup(
            scheme,
            rounds,
            localSteps,
            batch,
            1,
            0.99,
            false,
            false,
            (d, r) -> 1.0 - 0.1 * ((d + r) % 3),
            Integer.toString(cut),
            full ? split.slice(0).params() : null,
            devs,
            srv,
            hangs,
            writer,
            RunListener.NONE,
            null,
            null,
            null,
            false,
            FaultPlan.ofHangs(hangs),
            SupervisorSetup.Checkpointing.NONE);
    TestProbe<Supervisor.Finished> done = kit.createTestProbe();
    kit.spawn(Supervisor.create(setup, new PacingLag()))
        .tell(new Supervisor.Start(done.getRef(), 0));
    Supervisor.Finished f = done.receiveMessage(Duration.ofSeconds(120));
    if (f.error() != null) {
      throw new AssertionError("run failed: " + f.error());
    }
    writer.close();
    return writer;
  }
}
