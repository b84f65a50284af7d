package io.splitemu.planner.cpsl;

import io.splitemu.planner.latency.DeviceState;
import java.util.ArrayList;
import java.util.List;

/**
 * One sampled network state: per-device compute factors and uplink/downlink channel factors.
 *
 * @param computeFactors multiplies each device's FLOP/s
 * @param uplinkGains multiplies each uplink's gain (a linear rate, or a Shannon link's h)
 * @param downlinkGains the same for the downlinks
 */
public record NetworkState(double[] computeFactors, double[] uplinkGains, double[] downlinkGains) {

  public NetworkState {
    if (uplinkGains.length != computeFactors.length
        || downlinkGains.length != computeFactors.length) {
      throw new IllegalArgumentException("network state arrays differ in length");
    }
  }

  /** The base devices under this state. */
  public List<DeviceState> apply(List<DeviceState> base) {
    if (base.size() != computeFactors.length) {
      throw new IllegalArgumentException(
          "network state for " + computeFactors.length + " devices applied to " + base.size());
    }
    List<DeviceState> out = new ArrayList<>(base.size());
    for (int i = 0; i < base.size(); i++) {
      out.add(base.get(i).under(computeFactors[i], uplinkGains[i], downlinkGains[i]));
    }
    return out;
  }
}
