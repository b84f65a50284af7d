package io.splitemu.planner.edgesplit;

import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;

/** The memory a device needs to train units 1..p at batch b. */
public interface DeviceMemoryModel {

  /** Bytes needed for cut {@code cut} at batch {@code batch}. */
  long bytes(CutCosts costs, int cut, int batch);

  /**
   * The default: weights plus the activations retained for backward, {@code W(p) + b sum_{j<=p}
   * a_j}. Gradients and optimizer state are left out, as in the EdgeSplit formulation.
   */
  DeviceMemoryModel WEIGHTS_PLUS_ACTIVATIONS =
      (c, p, b) -> c.deviceParamBytes(p) + (long) b * c.retainedActivationBytes(p);

  /**
   * The refusal of device {@code d}, whose memory holds no cut in {@code minCut..maxCut}, the least
   * of which needs {@code minNeed} bytes.
   */
  static IllegalArgumentException holdsNoCut(DeviceState d, int minCut, int maxCut, long minNeed) {
    return new IllegalArgumentException(
        "device "
            + d.id()
            + " ("
            + d.memoryBytes()
            + " bytes) cannot hold any cut in "
            + minCut
            + ".."
            + maxCut
            + "; cut "
            + minCut
            + " needs "
            + minNeed);
  }
}
