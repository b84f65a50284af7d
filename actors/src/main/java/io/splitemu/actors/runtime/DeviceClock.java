package io.splitemu.actors.runtime;

/**
 * What one device spends in a round, and the timing of each part of a step of its own split: the
 * device actor charges every compute here and every transfer its link channels carried ({@link
 * #carried}), and {@code plan}'s walk of round 1 ({@link RoundOne#split}) times a split round with
 * the same methods, calling the links itself in the same order, so the prediction and the run agree
 * to the nanosecond.
 */
final class DeviceClock {

  private long computeNs;
  private long uplinkNs;
  private long downlinkNs;
  private long bytesUp;
  private long bytesDown;
  private double upShareNs;
  private double downShareNs;
  // Whether the link time weighted by share is kept (a split round's rates for the next plan).
  private boolean rates;
  // The links' lost bytes (message loss) already charged, across rounds.
  private long lostUpSeen;
  private long lostDownSeen;

  /** A new round; {@code rates}: keep the share-weighted link time (a split round). */
  void reset(boolean keepRates) {
    computeNs = 0;
    uplinkNs = 0;
    downlinkNs = 0;
    bytesUp = 0;
    bytesDown = 0;
    upShareNs = 0;
    downShareNs = 0;
    rates = keepRates;
  }

  /**
   * The links' lost bytes already charged before this clock counts (a resumed MP-SL device: its
   * links come back from the checkpoint with the bytes lost before it).
   */
  void lostSeen(long up, long down) {
    lostUpSeen = up;
    lostDownSeen = down;
  }

  /** What the device spent so far this round. */
  Device.RoundStats stats() {
    return new Device.RoundStats(
        computeNs, uplinkNs, downlinkNs, bytesUp, bytesDown, upShareNs, downShareNs);
  }

  /** {@code flops} of work ready at {@code readyNs} on {@code cpu} at {@code rate}; its end. */
  long compute(ComputeTiming cpu, long readyNs, double flops, double rate) {
    long end = cpu.end(readyNs, flops, rate);
    computeNs += end - readyNs;
    return end;
  }

  /** {@code bytes} up from {@code sendNs} at {@code share} of the link; their arrival. */
  long up(LinkTiming link, long sendNs, long bytes, double share) {
    long arrival = link.arrival(sendNs, bytes, share);
    carried(true, link, sendNs, arrival, bytes, share);
    return arrival;
  }

  /** {@code bytes} down from {@code sendNs} at {@code share} of the link; their arrival. */
  long down(LinkTiming link, long sendNs, long bytes, double share) {
    long arrival = link.arrival(sendNs, bytes, share);
    carried(false, link, sendNs, arrival, bytes, share);
    return arrival;
  }

  /**
   * A transfer of {@code bytes} that {@code link} (up or down) carried from {@code sendNs} to
   * {@code arrivalNs} at {@code share}: the device actor learns it from its link channels. {@code
   * link} is read where the share-weighted time is kept, and for the bytes of the attempts it lost
   * since the last transfer charged (message loss: on the wire too, so charged with this one); it
   * is null for an MP-SL device.
   */
  void carried(boolean up, LinkTiming link, long sendNs, long arrivalNs, long bytes, double share) {
    double shareNs = rates ? Math.max(0, arrivalNs - sendNs - link.propagationNanos()) * share : 0;
    // A device has one transfer in flight each way, so the lost bytes since are this transfer's.
    long lost = link == null ? 0 : link.lostBytes();
    if (up) {
      uplinkNs += arrivalNs - sendNs;
      bytesUp += bytes + lost - lostUpSeen;
      upShareNs += shareNs;
      lostUpSeen = lost;
    } else {
      downlinkNs += arrivalNs - sendNs;
      bytesDown += bytes + lost - lostDownSeen;
      downShareNs += shareNs;
      lostDownSeen = lost;
    }
  }

  /** A copy: what the device will have spent once a transfer in flight is charged to it. */
  DeviceClock copy() {
    DeviceClock c = new DeviceClock();
    c.computeNs = computeNs;
    c.uplinkNs = uplinkNs;
    c.downlinkNs = downlinkNs;
    c.bytesUp = bytesUp;
    c.bytesDown = bytesDown;
    c.upShareNs = upShareNs;
    c.downShareNs = downShareNs;
    c.rates = rates;
    c.lostUpSeen = lostUpSeen;
    c.lostDownSeen = lostDownSeen;
    return c;
  }

  /** A split step's forward of {@code b} samples through the device part; its end. */
  long forward(SplitPolicy.DevicePlan p, int b, ComputeTiming cpu, double rate, long readyNs) {
    return compute(cpu, readyNs, b * p.deviceForwardFlops(), rate);
  }

  /** What crosses the split goes up (nothing for a split wholly on the device); its arrival. */
  long activationsUp(SplitPolicy.DevicePlan p, int b, LinkTiming link, long sendNs) {
    return p.upBytes() > 0 ? up(link, sendNs, (long) b * p.upBytes(), p.upShare()) : sendNs;
  }

  /** The server part of a split step on the device's copy {@code copy}; its end. */
  static long serve(ComputeTiming copy, SplitPolicy.DevicePlan p, int b, long arrivalNs) {
    return copy.end(arrivalNs, b * p.serverFlops(), p.serverFlopsPerSecond());
  }

  /** The gradients of what crossed the split come down (if any); their arrival. */
  long gradientDown(SplitPolicy.DevicePlan p, int b, LinkTiming link, long sendNs) {
    long bytes = (long) b * p.downBytes();
    return bytes > 0 ? down(link, sendNs, bytes, p.downShare()) : sendNs;
  }

  /** A split step's backward of {@code b} samples through the device part; its end. */
  long backward(SplitPolicy.DevicePlan p, int b, ComputeTiming cpu, double rate, long readyNs) {
    return compute(cpu, readyNs, b * p.deviceBackwardFlops(), rate);
  }

  /**
   * The device-side model up right after the steps, unless the plan uploads it at the aggregation
   * barrier (or has none); when the device is done.
   */
  long modelUp(SplitPolicy.DevicePlan p, LinkTiming link, long readyNs) {
    return p.modelBytes() > 0 && !p.aggregateAtBarrier()
        ? up(link, readyNs, p.modelBytes(), p.modelUpShare())
        : readyNs;
  }
}
