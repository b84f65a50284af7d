package io.splitemu.actors.results;

import java.util.List;

/**
 * One row of {@code devices.csv}: what one device spent in one round.
 *
 * @param share the device's share of the contended resource it was allotted (spectrum, bandwidth or
 *     server compute), {@code NaN} when the scheme allots none
 * @param cluster the cluster the device ran in, 0 when the scheme has one cluster
 */
public record DeviceRecord(
    int round,
    int device,
    int cluster,
    String cut,
    double computeS,
    double uplinkS,
    double downlinkS,
    long bytesUp,
    long bytesDown,
    double share,
    boolean completed) {

  /** The CSV header. */
  public static final List<String> HEADER =
      List.of(
          "round",
          "device",
          "cluster",
          "cut",
          "compute_s",
          "uplink_s",
          "downlink_s",
          "bytes_up",
          "bytes_down",
          "share",
          "completed");

  /** The row's fields, in {@link #HEADER} order. */
  public List<Object> fields() {
    return List.of(
        round, device, cluster, cut, computeS, uplinkS, downlinkS, bytesUp, bytesDown, share,
        completed);
  }
}
