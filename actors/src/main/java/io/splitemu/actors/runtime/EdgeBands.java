package io.splitemu.actors.runtime;

import io.splitemu.actors.link.LinkChannel;
import io.splitemu.net.stream.Pacing;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.apache.pekko.stream.Materializer;

/**
 * An edge server's uplink and downlink band as two {@link LinkChannel}s with its devices as lanes;
 * a spawn-time local object of one run (never in a message), shared by the server, which opens the
 * channels on its own materializer, and its devices, which enter their links as lanes and hand in
 * their transfers.
 */
public final class EdgeBands {

  private final int devices;
  // Device id -> its link, one reference per lane and band (a device is entered on its own thread,
  // read on the channel's).
  private final AtomicReferenceArray<LinkTiming> uplinks;
  private final AtomicReferenceArray<LinkTiming> downlinks;
  private volatile LinkChannel uplink;
  private volatile LinkChannel downlink;

  /** The bands of a server of {@code devices} devices. */
  public EdgeBands(int devices) {
    this.devices = devices;
    this.uplinks = new AtomicReferenceArray<>(devices);
    this.downlinks = new AtomicReferenceArray<>(devices);
  }

  /** A device enters its links (the lane of {@code device} in each band) before it sends. */
  void lane(int device, LinkTiming up, LinkTiming down) {
    uplinks.set(device, up);
    downlinks.set(device, down);
  }

  /** Whether the server has opened the channels. */
  boolean isOpen() {
    return uplink != null;
  }

  /**
   * The owner opens both channels on {@code materializer}, named {@code prefix} + "uplink band" and
   * "downlink band" (the edge server: no prefix; an MP-SL lane: its first hop's name and a space);
   * {@code failed} is told one line naming the device, the band and the cause if either fails.
   */
  void open(String prefix, Pacing pacing, Materializer materializer, Consumer<String> failed) {
    open(prefix, pacing, materializer, failed, failed);
  }

  /** As {@link #open(String, Pacing, Materializer, Consumer)}, told apart by band. */
  void open(
      String prefix,
      Pacing pacing,
      Materializer materializer,
      Consumer<String> uplinkFailed,
      Consumer<String> downlinkFailed) {
    // A device has at most one transfer in flight each way; the rest is headroom.
    int capacity = Math.max(1024, 4 * devices);
    downlink =
        LinkChannel.open(
            prefix + "downlink band",
            downlinks::get,
            d -> "device-" + d,
            capacity,
            pacing,
            materializer,
            downlinkFailed);
    uplink =
        LinkChannel.open(
            prefix + "uplink band",
            uplinks::get,
            d -> "device-" + d,
            capacity,
            pacing,
            materializer,
            uplinkFailed);
  }

  /** The uplink band (open). */
  LinkChannel uplink() {
    return uplink;
  }

  /** The downlink band (open). */
  LinkChannel downlink() {
    return downlink;
  }
}
