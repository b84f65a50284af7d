package io.splitemu.actors.runtime;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.results.Summary;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import io.splitemu.model.wire.ClusterMessage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The per-device split engine: a {@link SplitController}, one {@link SplitDevice} per device and a
 * {@link SplitServer}, driven by a {@link SplitPolicy} (DAG splits, EdgeSplit, SFL with compute
 * allocation). Every device has its own split, shares and server rate; the server serves each at
 * its own rate, so the emulated times never depend on message order. With a {@link SplitTraining}
 * the slices and per-device server copies train real tensors ({@code full} fidelity) at exactly the
 * emulated times of {@code timing} fidelity.
 */
final class SplitRun {

  /** Bytes of the first link probe the controller sends at each round start. */
  static final long PROBE_BYTES = 1 << 16;

  /** A probe is doubled until it lasts this long (emulated ns)... */
  static final long PROBE_WINDOW_NS = 10_000_000_000L;

  /** ...or reaches this size. */
  static final long PROBE_MAX_BYTES = 1L << 30;

  private SplitRun() {}

  /** The run ended: normally ({@code error} null) or with a one-line reason. */
  record Ended(String error) implements ClusterMessage {}

  /** What one device did in a round (emulated ns and bytes). */
  record DeviceRound(
      int device,
      long stepsEndNs,
      long endNs,
      long computeNs,
      long upNs,
      long downNs,
      long serverNs,
      long bytesUp,
      long bytesDown,
      long modelUpNs,
      long modelDownNs) {

    DeviceRound withAggregation(long upLinkNs, long upBytes, long downLinkNs, long downBytes) {
      return new DeviceRound(
          device,
          stepsEndNs,
          endNs,
          computeNs,
          upNs + upLinkNs,
          downNs + downLinkNs,
          serverNs,
          bytesUp + upBytes,
          bytesDown + downBytes,
          modelUpNs + upLinkNs,
          modelDownNs + downLinkNs);
    }
  }

  /**
   * Runs {@code policy} over the scenario's devices and links and reports like {@link Emulation};
   * with {@code training} (full fidelity; null in timing fidelity) the devices and server train its
   * model, and the policy's {@link SplitPolicy.DevicePlan#cut()} must be the device's cut as a
   * number.
   */
  static Emulation.Outcome run(
      Settings s,
      Path dir,
      RunListener listener,
      SplitPolicy policy,
      double[] flops,
      List<Emulation.LinkPair> links,
      List<Emulation.LinkPair> probes,
      SplitTraining training) {
    int n = flops.length;
    Path out =
        dir != null
            ? dir
            : ResultsWriter.newRunFolder(s.outputDir(), s.scenario(), Clock.systemUTC());
    // The endpoint starts before the folder exists, so a bad metrics block or a taken port leaves
    // no folder behind; rows then go to it as they are written, as in the other engines.
    MetricsSettings ms = MetricsSettings.of(s);
    Metrics.Run feed =
        ms.enabled() ? Metrics.shared(ms).run(s.scheme(), n, ms.perDeviceBelow()) : null;
    ResultsWriter writer = ResultsWriter.open(out, s.resolved());
    if (feed != null) {
      writer.observe(feed);
    }
    long wallStart = System.nanoTime();
    SliceMaker slices = training == null ? null : training.slices();
    RunGuardian.Root<Ended> root =
        (ctx, done) -> {
          ActorRef<SplitServer.Command> server = ctx.spawn(SplitServer.create(slices), "server");
          List<ActorRef<SplitDevice.Command>> devices = new ArrayList<>();
          for (int d = 0; d < n; d++) {
            devices.add(
                ctx.spawn(
                    SplitDevice.create(
                        d,
                        flops[d],
                        links.get(d).up(),
                        links.get(d).down(),
                        server,
                        training == null ? null : training.device(d),
                        slices),
                    "device-" + d));
          }
          ctx.spawn(
              SplitController.create(
                  s, policy, probes, devices, writer, listener, wallStart, done, server, training),
              "controller");
        };
    String error;
    try {
      error = Emulation.ask("splitemu-split", Ended.class, root, Ended::new).error();
    } finally {
      writer.close();
    }
    if (error != null) {
      throw new RunFailedException(error, out);
    }
    Map<String, Long> memory = new HashMap<>();
    Summary summary = writer.finish(s.scenario(), s.scheme(), s.seed(), s.targetAccuracy(), memory);
    return new Emulation.Outcome(out, summary, writer.rounds());
  }

  /**
   * The mean rate (bit/s) of an idle link over the next {@link #PROBE_WINDOW_NS} or so from {@code
   * startNs}: a probe of {@link #PROBE_BYTES}, doubled until it lasts the window (packet traces
   * deliver in bursts, so a short probe would overestimate the rate a round's transfers see).
   * Probes measure an idle link and change nothing, so they never delay training traffic. The
   * controller estimates a round's rates with it, and so does {@code plan}.
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

  /**
   * The round row: latency from the round start to {@code endNs}; the breakdown follows the device
   * whose steps end last (compute, server and link time of its steps), aggregation is what the
   * model transfers and the wait for the deadlines of devices given up add after it, and
   * communication the rest; {@code rounds} are the devices that completed the round. Accuracy and
   * loss are NaN where the round did not measure them.
   */
  static RoundRecord roundRow(
      Settings s,
      int round,
      long startNs,
      long endNs,
      List<DeviceRound> rounds,
      int failed,
      String cut,
      double accuracy,
      double trainLoss,
      double wallS) {
    // With every device given up, the round is the wait for their deadlines (aggregation).
    DeviceRound crit =
        rounds.isEmpty()
            ? new DeviceRound(-1, startNs, startNs, 0, 0, 0, 0, 0, 0, 0, 0)
            : rounds.get(0);
    for (DeviceRound r : rounds) {
      if (r.stepsEndNs() > crit.stepsEndNs()) {
        crit = r;
      }
    }
    double latency = (endNs - startNs) / 1e9;
    double compute = crit.computeNs() / 1e9;
    double server = crit.serverNs() / 1e9;
    double aggregation = (endNs - crit.stepsEndNs()) / 1e9;
    double comm = latency - compute - server - aggregation;
    return new RoundRecord(
        round,
        s.scheme(),
        endNs / 1e9,
        latency,
        compute,
        server,
        comm,
        aggregation,
        rounds.size(),
        failed,
        cut,
        1,
        accuracy,
        trainLoss,
        wallS);
  }

  /** A device row for {@code devices.csv}. */
  static DeviceRecord deviceRow(int round, DeviceRound r, String cut) {
    return new DeviceRecord(
        round,
        r.device(),
        0,
        cut,
        r.computeNs() / 1e9,
        r.upNs() / 1e9,
        r.downNs() / 1e9,
        r.bytesUp(),
        r.bytesDown(),
        Double.NaN,
        true);
  }

  /** The {@code devices.csv} row of a device given up this round: nothing completed. */
  static DeviceRecord missedRow(int round, int device, String cut) {
    return new DeviceRecord(round, device, 0, cut, 0, 0, 0, 0, 0, Double.NaN, false);
  }

  /** An event row. */
  static EventRecord event(long ns, int round, String kind, String subject, String detail) {
    return new EventRecord(ns / 1e9, round, kind, subject, detail);
  }
}
