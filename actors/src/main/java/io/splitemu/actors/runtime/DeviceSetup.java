package io.splitemu.actors.runtime;

import io.splitemu.model.data.Dataset;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.profile.ChainProfile;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything one device actor is built from.
 *
 * @param shard indices into the shared training set (the device holds indices, never a copy);
 *     {@code null} for a split scheme in timing fidelity, which draws no data
 * @param train the shared training set; {@code null} in timing fidelity
 * @param slice the device-side slice; {@code null} in timing fidelity, and for a split scheme,
 *     whose device rebuilds its slice every round at the round's cut
 * @param forwardFlops device forward FLOPs per sample at the current cut
 * @param backwardFlops device backward FLOPs per sample at the current cut
 * @param cutBytes bytes per sample of the activation at the cut (and of its gradient)
 * @param paramBytes bytes of the device-side parameters, W(l)
 * @param flopsPerSecond the device's compute rate phi_n before the per-round factor
 * @param batchSeed seed of the device's batch order
 * @param bands its edge server's link channels, in which {@code uplink} and {@code downlink} are
 *     the device's lanes
 */
public record DeviceSetup(
    int id,
    int[] shard,
    Dataset train,
    Slice slice,
    double forwardFlops,
    double backwardFlops,
    long cutBytes,
    long paramBytes,
    int batchSize,
    DataType dataType,
    double flopsPerSecond,
    long batchSeed,
    LinkTiming uplink,
    LinkTiming downlink,
    ComputeTiming cpu,
    EdgeBands bands) {

  /** Bytes of the int32 labels that go up with a batch (LATENCY-MODEL.md section 3). */
  public static final int LABEL_BYTES = 4;

  /**
   * This device at another cut (a re-cut): {@code slice} and the FLOPs and bytes of {@code profile}
   * at {@code cut}; the shard, data, batch seed, rate, links and processor are this setup's.
   */
  public DeviceSetup atCut(Slice slice, ChainProfile profile, int cut) {
    return new DeviceSetup(
        id,
        shard,
        train,
        slice,
        profile.deviceForwardFlops(cut),
        profile.deviceBackwardFlops(cut),
        profile.cutBytes(cut),
        profile.deviceParamBytes(cut),
        batchSize,
        dataType,
        flopsPerSecond,
        batchSeed,
        uplink,
        downlink,
        cpu,
        bands);
  }

  /** Whether tensors are real. */
  public boolean full() {
    return train != null;
  }
}
