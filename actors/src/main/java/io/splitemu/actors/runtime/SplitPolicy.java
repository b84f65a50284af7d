package io.splitemu.actors.runtime;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a split scheme decides each round: from the link rates estimated at the round's start, one
 * plan per device (its split, link and server shares, model transfer) and the words that explain
 * the decision; the supervisor runs the plans as the edge server's depth-per-device mode.
 */
public interface SplitPolicy {

  /** Bytes of the first link probe at a round's start. */
  long PROBE_BYTES = 1 << 16;

  /** A probe is doubled until it lasts this long (emulated ns)... */
  long PROBE_WINDOW_NS = 10_000_000_000L;

  /** ...or reaches this size. */
  long PROBE_MAX_BYTES = 1L << 30;

  /**
   * One device's plan for a round. Costs are per sample, except {@code modelBytes}.
   *
   * @param steps iterations this round
   * @param deviceForwardFlops forward FLOPs of the device part per sample
   * @param deviceBackwardFlops backward FLOPs of the device part per sample
   * @param serverFlops forward and backward FLOPs of the server part per sample
   * @param upBytes bytes up per sample and iteration
   * @param downBytes bytes down per sample and iteration
   * @param upShare uplink share (0, 1]
   * @param downShare downlink share (0, 1]
   * @param serverFlopsPerSecond the server rate this device gets
   * @param modelBytes device-side model bytes moved for aggregation (0: none)
   * @param modelUpShare uplink share of the model upload
   * @param modelDownShare downlink share of the aggregate's download (barrier form only)
   * @param aggregateAtBarrier upload after every device's steps and download the aggregate
   *     (EdgeSplit), rather than upload right after the device's own steps (SFL)
   * @param cut what {@code rounds.csv} and {@code devices.csv} show as the device's cut
   * @param label the decision in words; a {@code replan} event is written when it changes
   * @param detail what the event adds to the label (for instance the predicted latency)
   * @param deviceModelBytes model (parameter) bytes the device holds at its cut
   * @param serverModelBytes model bytes of the server's copy for this device at its cut
   */
  public record DevicePlan(
      int steps,
      double deviceForwardFlops,
      double deviceBackwardFlops,
      double serverFlops,
      long upBytes,
      long downBytes,
      double upShare,
      double downShare,
      double serverFlopsPerSecond,
      long modelBytes,
      double modelUpShare,
      double modelDownShare,
      boolean aggregateAtBarrier,
      String cut,
      String label,
      String detail,
      long deviceModelBytes,
      long serverModelBytes) {}

  /**
   * The model memory a split round holds, as {@code summary.json} names the nodes: {@code device}
   * the largest device slice among {@code devices}, {@code edge} the sum of the server's copies for
   * them (one per device, each at its own cut, as the server builds them).
   */
  static Map<String, Long> heldMemory(List<DevicePlan> plans, Collection<Integer> devices) {
    long device = 0;
    long edge = 0;
    for (int d : devices) {
      device = Math.max(device, plans.get(d).deviceModelBytes());
      edge += plans.get(d).serverModelBytes();
    }
    return Map.of("device", device, "edge", edge);
  }

  /** The plans of round {@code round} from the probed full-band rates (bit/s) per device. */
  List<DevicePlan> plan(int round, double[] uplinkBps, double[] downlinkBps);

  /**
   * How many of the latest rounds' rates a restore must hand a fresh policy again, in order, for it
   * to plan the next round as this one would (its memory of past rounds). The supervisor keeps and
   * checkpoints only that many, so a long run's checkpoints do not grow by N devices' rates a
   * round. The default keeps every round; a policy that plans a round from its own rates alone says
   * 0 ({@link #remembering}).
   */
  default int roundsRemembered() {
    return Integer.MAX_VALUE;
  }

  /** {@code policy}, saying it needs the rates of its last {@code rounds} rounds on a restore. */
  static SplitPolicy remembering(int rounds, SplitPolicy policy) {
    return new SplitPolicy() {
      @Override
      public List<DevicePlan> plan(int round, double[] uplinkBps, double[] downlinkBps) {
        return policy.plan(round, uplinkBps, downlinkBps);
      }

      @Override
      public int roundsRemembered() {
        return rounds;
      }
    };
  }

  /**
   * The mean rate (bit/s) of an idle link over the next {@link #PROBE_WINDOW_NS} or so from {@code
   * startNs}: a probe of {@link #PROBE_BYTES}, doubled until it lasts the window (packet traces
   * deliver in bursts, so a short probe would overestimate the rate a round's transfers see).
   * Probes measure an idle link and change nothing, so they never delay training traffic. The
   * supervisor estimates a round's rates with it, and so does {@code plan}.
   */
  static double probeRate(LinkTiming link, long startNs) {
    long bytes = PROBE_BYTES;
    long ns;
    while (true) {
      ns = Math.max(1, link.probe(startNs, bytes) - startNs);
      if (ns >= PROBE_WINDOW_NS || bytes >= PROBE_MAX_BYTES) {
        break;
      }
      bytes *= 2;
    }
    return 8.0 * bytes / (ns / 1e9);
  }

  /** Formats a number for an event detail. */
  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }
}
