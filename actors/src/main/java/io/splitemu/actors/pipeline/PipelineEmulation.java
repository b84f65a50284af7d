package io.splitemu.actors.pipeline;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.results.Summary;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.Recorder;
import io.splitemu.actors.runtime.RunFailedException;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs an {@code mpsl} or {@code mpsl-horizontal} scenario into a results folder: one {@code
 * rounds.csv} row per epoch, one {@code devices.csv} row per device and epoch, the plan and the
 * FedAvg barriers in {@code events.csv}, and per-node peak model memory in {@code summary.json}.
 *
 * <p>In a pipeline the parts of an epoch overlap, so the breakdown of a row does not add up to its
 * latency: {@code server_compute_s} is the busiest hop's processor time, {@code device_compute_s}
 * and {@code communication_s} are those of the device that finished last, and {@code aggregation_s}
 * runs from the last device's end to the last download of the aggregate.
 *
 * <p>With {@code metrics.enabled} the rows feed the Prometheus endpoint as the barrier schemes'
 * rows do, and every hop's (or helper's) peak model memory and the device's are exported as {@code
 * splitemu_node_model_memory_bytes{role="hop-1"}} and so on.
 */
public final class PipelineEmulation {

  private PipelineEmulation() {}

  /** Plans, runs and reports {@code s} into {@code dir} (or a new stamped folder if null). */
  public static Emulation.Outcome run(Settings s, Path dir, RunListener listener) {
    PipelinePlan plan = MpslPlanner.plan(s);
    Path out =
        dir != null
            ? dir
            : ResultsWriter.newRunFolder(s.outputDir(), s.scenario(), Clock.systemUTC());
    // The endpoint starts before the folder exists: a taken port or an unknown address leaves no
    // folder behind.
    MetricsSettings ms = MetricsSettings.of(s);
    Metrics.Run feed =
        ms.enabled()
            ? Metrics.shared(ms).run(s.scheme(), s.devices().count(), ms.perDeviceBelow())
            : null;
    ResultsWriter writer = ResultsWriter.open(out, s.resolved());
    if (feed != null) {
      feed.memory("device", plan.device().memoryBytes());
      writer.observe(feed);
    }
    PipelineRun.Result r;
    String error;
    try {
      List<PipelineRun.Hang> hangs = new ArrayList<>();
      for (Settings.Fault f : s.faults()) {
        hangs.add(new PipelineRun.Hang(f.device(), f.start().round(), f.start().atNs()));
      }
      // The coordinator publishes every row to its recorder as the epochs complete; when the run
      // ends (a failure too) the rows of every epoch completed are in the folder.
      PipelineRun.Ended ended =
          PipelineRun.run(
              plan,
              hangs,
              s.barrierDeadline().toNanos(),
              new PipelineRun.Recording(List.of(writer, listener), s.faults()));
      r = ended.result();
      error = ended.error();
      if (feed != null) {
        // Known only when the run ends: a hop's peak is its instances once every device came by.
        r.hopPeakBytes().forEach(feed::memory);
      }
    } finally {
      writer.close();
    }
    if (error != null) {
      throw new RunFailedException("run stopped in " + error, out);
    }
    Map<String, Long> memory = new TreeMap<>(r.hopPeakBytes());
    memory.put("device", plan.device().memoryBytes());
    Summary summary = writer.finish(s.scenario(), s.scheme(), s.seed(), s.targetAccuracy(), memory);
    return new Emulation.Outcome(out, summary, writer.rounds());
  }

  /** The run's first row: the plan, as an event of epoch 1. */
  static EventRecord planRow(PipelinePlan plan) {
    return new EventRecord(0, 1, "plan", "planner", plan.planDetail());
  }

  /**
   * The rows of epoch {@code e}, in the order they are recorded: its fault and deadline events, its
   * device rows, the aggregate event and its round row, whose wall clock is {@code wallS}.
   *
   * <p>A fault is reported once, in the epoch it hits: a fault at the start of epoch {@code e}, or
   * at an instant within {@code e} (epoch 1 takes any instant before its end). Epochs are
   * contiguous, each starting at the previous one's end, so the instant falls in exactly one.
   */
  static List<Recorder.Command> epochRows(
      PipelinePlan plan, List<Settings.Fault> faults, PipelineRun.EpochResult e, double wallS) {
    List<Recorder.Command> out = new ArrayList<>();
    for (Settings.Fault f : new LinkedHashSet<>(faults)) { // a fault listed twice is one
      Settings.FaultTime t = f.start();
      boolean now =
          t.atRoundStart()
              ? t.round() == e.epoch()
              : t.atNs() < e.endNs() && (e.epoch() == 1 || t.atNs() >= e.startNs());
      if (now) {
        long at = t.atRoundStart() ? e.startNs() : t.atNs();
        out.add(
            new Recorder.EventRecorded(
                new EventRecord(
                    at / 1e9,
                    e.epoch(),
                    "fault",
                    "device-" + f.device(),
                    "device-hang: device stops answering (scenario fault, " + t + ")")));
      }
    }
    e.missedNs()
        .forEach(
            (d, ns) ->
                out.add(
                    new Recorder.EventRecorded(
                        new EventRecord(
                            ns / 1e9,
                            e.epoch(),
                            "deadline",
                            "device-" + d,
                            "no upload by barrier.deadline after the epoch's start; its jobs"
                                + " stopped, left out of FedAvg and of later epochs"))));
    PipelineRun.DeviceEpoch last = null;
    for (PipelineRun.DeviceEpoch d : e.devices()) {
      if (last == null || d.finishNs() > last.finishNs()) {
        last = d;
      }
      out.add(
          new Recorder.DeviceRecorded(
              new DeviceRecord(
                  e.epoch(),
                  d.device(),
                  d.lane(),
                  plan.cut(),
                  d.computeNs() / 1e9,
                  d.uplinkNs() / 1e9,
                  d.downlinkNs() / 1e9,
                  d.bytesUp(),
                  d.bytesDown(),
                  Double.NaN,
                  true)));
    }
    for (int d : e.missedNs().keySet()) {
      out.add(
          new Recorder.DeviceRecorded(
              new DeviceRecord(
                  e.epoch(), d, laneOf(plan, d), plan.cut(), 0, 0, 0, 0, 0, Double.NaN, false)));
    }
    long busiest = e.hopBusyNs().values().stream().mapToLong(Long::longValue).max().orElse(0);
    String detail =
        String.format(
            Locale.ROOT,
            "FedAvg of %d device-held slices%s; aggregate ready at %.4f s",
            e.devices().size(),
            plan.aggregateHops() ? " and of every hop's instances" : "",
            e.aggregatedNs() / 1e9);
    out.add(
        new Recorder.EventRecorded(
            new EventRecord(e.aggregatedNs() / 1e9, e.epoch(), "aggregate", "aggregator", detail)));
    out.add(
        new Recorder.RoundCompleted(
            new RoundRecord(
                e.epoch(),
                plan.scheme(),
                e.endNs() / 1e9,
                e.seconds(),
                last.computeNs() / 1e9,
                busiest / 1e9,
                (last.uplinkNs() + last.downlinkNs()) / 1e9,
                (e.endNs() - e.lastFinishNs()) / 1e9,
                e.devices().size(),
                e.missedNs().size(),
                plan.cut(),
                plan.lanes().size(),
                Double.NaN,
                Double.NaN,
                wallS)));
    return List.copyOf(out);
  }

  private static int laneOf(PipelinePlan plan, int device) {
    for (int l = 0; l < plan.lanes().size(); l++) {
      if (java.util.Arrays.stream(plan.lanes().get(l).devices()).anyMatch(d -> d == device)) {
        return l;
      }
    }
    return -1;
  }
}
