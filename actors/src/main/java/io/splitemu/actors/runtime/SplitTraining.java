package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.model.data.Dataset;
import io.splitemu.model.data.DatasetSplit;
import io.splitemu.model.data.Partition;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.FedAvg;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.SplitModel;
import io.splitemu.model.nn.TestAccuracy;
import io.splitemu.net.SeededStreams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The real model of a {@code full}-fidelity per-device split run (EdgeSplit, SFL-compute): the
 * global whole model that every round is cut at each device's cut, and that the round's trained
 * device slices and per-device server copies are averaged back into (FedAvg by samples, in device
 * order). Data, shards, batch seeds and the initial weights are drawn exactly as the barrier engine
 * draws them ({@link Emulation#prepare}), so the same scenario and seed see the same batches.
 *
 * <p>Optimizer state is fresh every round: the slices are rebuilt from the averaged weights at the
 * round's cuts with zero momentum (Adam moments) and step 0, for every scheme alike.
 *
 * <p>Owned by the controller actor; only it calls these methods.
 */
final class SplitTraining {

  /**
   * What one device trains on.
   *
   * @param train the shared training set
   * @param shard the device's indices into it
   * @param batchSeed seed of its batch order (continues across rounds)
   * @param dataType precision of the batches
   */
  record DeviceData(Dataset train, int[] shard, long batchSeed, DataType dataType) {}

  /** Evaluation runs in chunks of this many test samples, as the barrier engine's. */
  private final ChainModel global;

  private final Dataset test;
  private final int evalSamples;
  private final DataType dataType;
  private final List<DeviceData> devices;

  private SplitTraining(
      ChainModel global,
      Dataset test,
      int evalSamples,
      DataType dataType,
      List<DeviceData> devices) {
    this.global = global;
    this.test = test;
    this.evalSamples = evalSamples;
    this.dataType = dataType;
    this.devices = devices;
  }

  /**
   * Loads the data, shares it out and builds the initial model of a zoo-model scenario; fails on
   * bad input with a message naming the key, before any results folder exists.
   */
  static SplitTraining of(Settings s) {
    int n = s.devices().count();
    DatasetSplit data = Emulation.loadData(s);
    Partition partition = Emulation.partition(s, data.train());
    ModelOptions opts = Emulation.modelOptions(s);
    List<DeviceData> devices = new ArrayList<>();
    for (int d = 0; d < n; d++) {
      int[] shard = partition.indices(d);
      if (shard.length == 0) {
        throw new SettingsException(
            "splitemu.data.partition: device-"
                + d
                + " got no training samples; use fewer devices or a less skewed partition");
      }
      devices.add(
          new DeviceData(
              data.train(),
              shard,
              SeededStreams.seedFor(s.seed(), "batches/device-" + d),
              opts.dataType()));
    }
    return new SplitTraining(
        ModelZoo.create(s.model().name(), opts),
        data.test(),
        s.data().evalSamples(),
        opts.dataType(),
        devices);
  }

  /** A maker of this model's slices at any cut, for the devices and the server copies. */
  SliceMaker slices() {
    return new SliceMaker(global);
  }

  /** What device {@code d} trains on. */
  DeviceData device(int d) {
    return devices.get(d);
  }

  /** The current global weights as one vector laid out as {@link ChainModel#fullParams()}. */
  INDArray globalParams() {
    return global.fullParams();
  }

  /**
   * The global model cut at {@code cut}: slice 0 for the device, slice 1 for its server copy, both
   * with fresh optimizer state.
   */
  SplitModel split(int cut) {
    return global.split(cut);
  }

  /**
   * Folds each device's slice and server copy (weights by name) into a whole model and makes the
   * FedAvg of the whole models, weighted by {@code samples} and taken in list (device) order, the
   * new global model.
   */
  void average(
      List<Map<String, INDArray>> deviceTables,
      List<Map<String, INDArray>> serverTables,
      List<Long> samples) {
    List<String> names = new ArrayList<>(global.paramTable().keySet());
    List<INDArray> wholes = new ArrayList<>();
    for (int d = 0; d < deviceTables.size(); d++) {
      Map<String, INDArray> whole = new LinkedHashMap<>(deviceTables.get(d));
      whole.putAll(serverTables.get(d));
      List<INDArray> parts = new ArrayList<>();
      for (String name : names) {
        INDArray p = whole.get(name);
        if (p == null) {
          throw new IllegalStateException("device-" + d + " returned no value for " + name);
        }
        parts.add(p);
      }
      wholes.add(Nd4j.toFlattened('c', parts));
    }
    global.setFullParams(FedAvg.average(wholes, samples));
  }

  /**
   * Test accuracy of the global model on the first {@code eval-samples} test samples (all when 0),
   * as the barrier engine measures it.
   */
  double evaluate() {
    return TestAccuracy.of(global.whole()::output, test, evalSamples, dataType);
  }
}
