package io.splitemu.actors.runtime;

import io.splitemu.net.UndeliverableException;
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
   * @param upShare uplink share (0, 1]; 0 for a device out of the round ({@link #ABSENT})
   * @param downShare downlink share (0, 1]; 0 for a device out of the round
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

  /**
   * The plan of a device out of the round ({@link #plan}): no steps and no cost, shares 0 of the
   * band and of the server, cut {@code -} (as {@code rounds.csv} shows it in the round's cut list).
   */
  DevicePlan ABSENT =
      new DevicePlan(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, "-", "out of the round", "", 0, 0);

  /**
   * The plans of round {@code round} from the probed full-band rates (bit/s) per device, one per
   * device, in device order. A device whose rates are NaN ({@link #present}) takes no part in the
   * round (dropped for the run, or lost with its cluster member and not re-created yet): the policy
   * plans the round over the others alone, as if it did not exist, and gives it {@link #ABSENT}, so
   * it holds no share of the band or of the server.
   */
  List<DevicePlan> plan(int round, double[] uplinkBps, double[] downlinkBps);

  /**
   * The devices a round is planned over, ascending: those whose rates are numbers ({@link #plan}:
   * NaN marks a device out of the round).
   */
  static int[] present(double[] uplinkBps, double[] downlinkBps) {
    int[] out = new int[uplinkBps.length];
    int k = 0;
    for (int d = 0; d < uplinkBps.length; d++) {
      if (!Double.isNaN(uplinkBps[d]) && !Double.isNaN(downlinkBps[d])) {
        out[k++] = d;
      }
    }
    return java.util.Arrays.copyOf(out, k);
  }

  /** {@code all}'s entries at {@code devices}, in that order. */
  static double[] of(double[] all, int[] devices) {
    double[] out = new double[devices.length];
    for (int i = 0; i < devices.length; i++) {
      out[i] = all[devices[i]];
    }
    return out;
  }

  /**
   * The plans of all {@code n} devices from the plans of {@code devices} (in their order): {@link
   * #ABSENT} for every other device.
   */
  static List<DevicePlan> spread(int n, int[] devices, List<DevicePlan> plans) {
    if (plans.size() != devices.length) {
      throw new IllegalArgumentException(
          plans.size() + " plans for " + devices.length + " devices in the round");
    }
    List<DevicePlan> out = new java.util.ArrayList<>(java.util.Collections.nCopies(n, ABSENT));
    for (int i = 0; i < devices.length; i++) {
      out.set(devices[i], plans.get(i));
    }
    return out;
  }

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
   *
   * <p>A probe never throws: on a link that cannot deliver it (a trace with {@code end = stop} that
   * ends within the window) the rate is that of the last size that went through; when not even the
   * first went through, of the largest smaller size that does (halving down to one byte); and 0
   * when nothing can be delivered any more, which the callers refuse as a link that carries
   * nothing, naming the device.
   */
  static double probeRate(LinkTiming link, long startNs) {
    long delivered = 0;
    long deliveredNs = 0;
    for (long bytes = PROBE_BYTES; ; bytes *= 2) {
      long ns = probeNanos(link, startNs, bytes);
      if (ns < 0) {
        break;
      }
      delivered = bytes;
      deliveredNs = ns;
      if (ns >= PROBE_WINDOW_NS || bytes >= PROBE_MAX_BYTES) {
        break;
      }
    }
    for (long bytes = PROBE_BYTES / 2; delivered == 0 && bytes >= 1; bytes /= 2) {
      long ns = probeNanos(link, startNs, bytes);
      if (ns >= 0) {
        delivered = bytes;
        deliveredNs = ns;
      }
    }
    return delivered == 0 ? 0 : 8.0 * delivered / (deliveredNs / 1e9);
  }

  /** How long a probe of {@code bytes} takes (at least 1 ns), or -1 if it cannot be delivered. */
  private static long probeNanos(LinkTiming link, long startNs, long bytes) {
    try {
      return Math.max(1, link.probe(startNs, bytes) - startNs);
    } catch (UndeliverableException e) {
      return -1;
    }
  }

  /**
   * The line that refuses to plan round {@code round} with a link that carries nothing ({@link
   * #probeRate} 0 from {@code fromNs}): device {@code device}'s {@code direction} ("uplink" or
   * "downlink").
   */
  static String carriesNothing(int device, String direction, long fromNs, int round) {
    return String.format(
        Locale.ROOT,
        "device-%d %s can deliver nothing from %.3f s on (its trace ended with links.trace.end ="
            + " stop, or holds a rate of 0 for good): no rate to plan round %d with",
        device,
        direction,
        fromNs / 1e9,
        round);
  }

  /** Formats a number for an event detail. */
  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }
}
