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
import io.splitemu.actors.runtime.RunFailedException;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
    ResultsWriter writer = ResultsWriter.open(out, s.resolved());
    MetricsSettings ms = MetricsSettings.of(s);
    Metrics.Run feed = null;
    if (ms.enabled()) {
      feed = Metrics.shared(ms).run(s.scheme(), s.devices().count(), ms.perDeviceBelow());
      feed.memory("device", plan.device().memoryBytes());
      writer.observe(feed);
    }
    long wallStart = System.nanoTime();
    PipelineRun.Result r;
    String error;
    try {
      record(writer, listener, new EventRecord(0, 1, "plan", "planner", plan.planDetail()));
      List<PipelineRun.Hang> hangs = new ArrayList<>();
      for (Settings.Fault f : s.faults()) {
        hangs.add(new PipelineRun.Hang(f.device(), f.start().round(), f.start().atNs()));
      }
      PipelineRun.Ended ended = PipelineRun.run(plan, hangs, s.barrierDeadline().toNanos());
      r = ended.result();
      error = ended.error();
      if (feed != null) {
        // Known only when the run ends: a hop's peak is its instances once every device came by.
        r.hopPeakBytes().forEach(feed::memory);
      }
      double wall = (System.nanoTime() - wallStart) / 1e9;
      Set<Settings.Fault> recorded = new HashSet<>();
      for (PipelineRun.EpochResult e : r.epochs()) {
        faults(writer, listener, s.faults(), recorded, e);
        write(writer, listener, plan, e, wall);
      }
    } finally {
      writer.close();
    }
    if (error != null) {
      // The epochs completed before the failure are in the folder.
      throw new RunFailedException("run stopped in " + error, out);
    }
    Map<String, Long> memory = new TreeMap<>(r.hopPeakBytes());
    memory.put("device", plan.device().memoryBytes());
    Summary summary = writer.finish(s.scenario(), s.scheme(), s.seed(), s.targetAccuracy(), memory);
    return new Emulation.Outcome(out, summary, writer.rounds());
  }

  /**
   * The fault rows of epoch {@code e}: a fault at its start ({@code round = e}) or at an instant
   * within it, each once, and a deadline row per device given up in it.
   */
  private static void faults(
      ResultsWriter w,
      RunListener listener,
      List<Settings.Fault> faults,
      Set<Settings.Fault> recorded,
      PipelineRun.EpochResult e) {
    for (Settings.Fault f : faults) {
      Settings.FaultTime t = f.start();
      boolean now = t.atRoundStart() ? t.round() == e.epoch() : t.atNs() < e.endNs();
      if (now && recorded.add(f)) {
        long at = t.atRoundStart() ? e.startNs() : t.atNs();
        record(
            w,
            listener,
            new EventRecord(
                at / 1e9,
                e.epoch(),
                "fault",
                "device-" + f.device(),
                "device-hang: device stops answering (scenario fault, " + t + ")"));
      }
    }
    e.missedNs()
        .forEach(
            (d, ns) ->
                record(
                    w,
                    listener,
                    new EventRecord(
                        ns / 1e9,
                        e.epoch(),
                        "deadline",
                        "device-" + d,
                        "no upload by barrier.deadline after the epoch's start; its jobs"
                            + " stopped, left out of FedAvg and of later epochs")));
  }

  private static void write(
      ResultsWriter w,
      RunListener listener,
      PipelinePlan plan,
      PipelineRun.EpochResult e,
      double wall) {
    PipelineRun.DeviceEpoch last = null;
    for (PipelineRun.DeviceEpoch d : e.devices()) {
      if (last == null || d.finishNs() > last.finishNs()) {
        last = d;
      }
      w.device(
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
              true));
    }
    for (int d : e.missedNs().keySet()) {
      w.device(
          new DeviceRecord(
              e.epoch(), d, laneOf(plan, d), plan.cut(), 0, 0, 0, 0, 0, Double.NaN, false));
    }
    long busiest = e.hopBusyNs().values().stream().mapToLong(Long::longValue).max().orElse(0);
    String detail =
        String.format(
            Locale.ROOT,
            "FedAvg of %d device-held slices%s; aggregate ready at %.4f s",
            e.devices().size(),
            plan.aggregateHops() ? " and of every hop's instances" : "",
            e.aggregatedNs() / 1e9);
    record(
        w,
        listener,
        new EventRecord(e.aggregatedNs() / 1e9, e.epoch(), "aggregate", "aggregator", detail));
    RoundRecord row =
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
            wall);
    w.round(row);
    listener.onRound(row);
  }

  private static int laneOf(PipelinePlan plan, int device) {
    for (int l = 0; l < plan.lanes().size(); l++) {
      if (java.util.Arrays.stream(plan.lanes().get(l).devices()).anyMatch(d -> d == device)) {
        return l;
      }
    }
    return -1;
  }

  private static void record(ResultsWriter w, RunListener listener, EventRecord e) {
    w.event(e);
    listener.onEvent(e);
  }
}
