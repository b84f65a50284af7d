package io.splitemu.actors.pipeline;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.EmulatedLink;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.FaultPlan;
import io.splitemu.actors.runtime.LinkTiming;
import io.splitemu.actors.runtime.PipelineControl;
import io.splitemu.actors.runtime.Recorder;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.Supervisor;
import io.splitemu.actors.runtime.SupervisorSetup;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.stream.PacingLag;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An {@code mpsl} or {@code mpsl-horizontal} run on the supervisor (its epochs are the rounds,
 * {@link PipelineControl}): one {@code rounds.csv} row per epoch, one {@code devices.csv} row per
 * device and epoch, the plan and the FedAvg barriers in {@code events.csv}, and per-node peak model
 * memory in {@code summary.json}.
 *
 * <p>In a pipeline the parts of an epoch overlap, so the breakdown of a row does not add up to its
 * latency: {@code server_compute_s} is the busiest hop's processor time, {@code device_compute_s}
 * and {@code communication_s} are those of the device that finished last, and {@code aggregation_s}
 * runs from the last device's end to the last download of the aggregate.
 *
 * <p>With {@code metrics.enabled} the rows feed the Prometheus endpoint as every scheme's rows do,
 * and every hop's (or helper's) peak model memory and the device's are exported as {@code
 * splitemu_node_model_memory_bytes{role="hop-1"}} and so on.
 */
public final class PipelineEmulation {

  /**
   * How to run a plan: the devices' links (by device id), the hung devices and the deadline after
   * an epoch's start at which each is given up, where the rows go ({@code writer} null: no files)
   * with the {@code faults} they report, and pacing ({@code speedup} 0: virtual; else each delivery
   * waits for its emulated instant / speedup, its lag recorded into {@code lag}), and the run's
   * wall-clock watchdog ({@code barrierTimeout}: barrier.timeout, 60 s unless set).
   */
  public record Options(
      List<LinkTiming> uplinks,
      List<LinkTiming> downlinks,
      List<SupervisorSetup.Hang> hangs,
      long deadlineNs,
      ResultsWriter writer,
      RunListener listener,
      List<Settings.Fault> faults,
      double speedup,
      PacingLag lag,
      java.time.Duration barrierTimeout) {

    /** The plan's constant-rate links, no fault, no files, virtual. */
    public static Options of(PipelinePlan plan) {
      return new Options(
          links(plan, plan.uplinkBps()),
          links(plan, plan.downlinkBps()),
          List.of(),
          0,
          null,
          RunListener.NONE,
          List.of(),
          0,
          new PacingLag(),
          PipelineControl.Setup.DEFAULT_BARRIER_TIMEOUT);
    }

    /** These options over other links. */
    public Options withLinks(List<LinkTiming> up, List<LinkTiming> down) {
      return new Options(
          up, down, hangs, deadlineNs, writer, listener, faults, speedup, lag, barrierTimeout);
    }

    /** These options with {@code hung} devices, each given up {@code deadline} ns late. */
    public Options withHangs(List<SupervisorSetup.Hang> hung, long deadline) {
      return new Options(
          uplinks,
          downlinks,
          hung,
          deadline,
          writer,
          listener,
          faults,
          speedup,
          lag,
          barrierTimeout);
    }

    /** These options recording to {@code to} and {@code l}, reporting {@code fs}. */
    public Options recording(ResultsWriter to, RunListener l, List<Settings.Fault> fs) {
      return new Options(
          uplinks, downlinks, hangs, deadlineNs, to, l, fs, speedup, lag, barrierTimeout);
    }

    /** These options paced at {@code s} emulated seconds per wall-clock second. */
    public Options paced(double s) {
      return new Options(
          uplinks, downlinks, hangs, deadlineNs, writer, listener, faults, s, lag, barrierTimeout);
    }

    /** These options with the wall-clock watchdog {@code t} (barrier.timeout). */
    public Options withBarrierTimeout(java.time.Duration t) {
      return new Options(
          uplinks, downlinks, hangs, deadlineNs, writer, listener, faults, speedup, lag, t);
    }
  }

  private PipelineEmulation() {}

  /** Checks a pipeline scenario and builds its run on the supervisor; creates no files. */
  public static Emulation.Prepared prepare(Settings s) {
    PipelinePlan plan = MpslPlanner.plan(s);
    List<PipelineControl.HopCrash> crashes = hopCrashes(s);
    PipelineControl.Replanner replanner = (gone, hop) -> MpslPlanner.afterCrash(s, gone, hop);
    return new Emulation.Prepared(
        s,
        (writer, listener) ->
            setup(
                plan,
                Options.of(plan)
                    .withLinks(
                        Emulation.withLinkFaults(s, links(plan, plan.uplinkBps()), true),
                        Emulation.withLinkFaults(s, links(plan, plan.downlinkBps()), false))
                    // Only the hangs without an end: the devices take the other silences (a hang
                    // with an end, a crash) from the faults themselves (PipelineControl.role).
                    .withHangs(Emulation.hangs(s.faults(), true), s.barrierDeadline().toNanos())
                    .recording(writer, listener, s.faults())
                    .withBarrierTimeout(s.barrierTimeout()),
                crashes,
                replanner,
                !io.splitemu.actors.config.SurvivalSettings.of(s).dropForRun(),
                false),
        plan.device().memoryBytes(),
        0,
        n -> {
          List<LinkTiming> up = links(plan, plan.uplinkBps());
          List<LinkTiming> down = links(plan, plan.downlinkBps());
          List<Emulation.LinkPair> pairs = new ArrayList<>();
          for (int d = 0; d < up.size(); d++) {
            pairs.add(new Emulation.LinkPair(up.get(d), down.get(d)));
          }
          return pairs;
        });
  }

  /**
   * Runs {@code plan} on the supervisor until it ends or one of its actors fails (then with a line
   * naming the actor and the epochs completed before it), keeping every epoch with its per-device
   * records in the result (a scenario's run, {@link #prepare}, keeps only the peaks).
   */
  public static Supervisor.Finished run(PipelinePlan plan, Options o) {
    return Emulation.execute(setup(plan, o, List.of(), null, false, true), o.speedup(), o.lag());
  }

  /** The scenario's hop crashes (checked at start by {@code Emulation.checkFaults}). */
  static List<PipelineControl.HopCrash> hopCrashes(Settings s) {
    List<PipelineControl.HopCrash> out = new ArrayList<>();
    for (int i = 0; i < s.faults().size(); i++) {
      Settings.Fault f = s.faults().get(i);
      if (f.kind().equals("hop-crash")) {
        boolean round = f.start().atRoundStart();
        out.add(
            new PipelineControl.HopCrash(
                i, f.hop(), round ? f.start().round() : -1, round ? -1 : f.start().atNs()));
      }
    }
    return List.copyOf(out);
  }

  /** Runs {@code plan} to its end and returns what it measured; a failure throws its reason. */
  public static PipelineControl.Result simulate(PipelinePlan plan) {
    return simulate(plan, Options.of(plan));
  }

  /** Runs {@code plan} with {@code o} to its end, as {@link #simulate(PipelinePlan)}. */
  public static PipelineControl.Result simulate(PipelinePlan plan, Options o) {
    Supervisor.Finished f = run(plan, o);
    if (f.error() != null) {
      throw new IllegalStateException("epoch " + f.rounds() + ": " + f.error());
    }
    return f.pipeline();
  }

  /** The supervisor's setup: the plan's epochs are its rounds, its hops the server. */
  private static SupervisorSetup setup(
      PipelinePlan plan,
      Options o,
      List<PipelineControl.HopCrash> crashes,
      PipelineControl.Replanner replanner,
      boolean dropForRound,
      boolean keepEpochs) {
    return new SupervisorSetup(
        plan.scheme(),
        plan.epochs(),
        0,
        0,
        1,
        Double.NaN,
        false,
        false,
        null,
        plan.cut(),
        null,
        List.of(),
        null,
        o.hangs(),
        o.writer(),
        o.listener(),
        null,
        null,
        new PipelineControl.Setup(
            plan,
            o.uplinks(),
            o.downlinks(),
            o.deadlineNs(),
            o.faults(),
            crashes,
            replanner,
            dropForRound,
            keepEpochs,
            o.barrierTimeout()),
        false,
        io.splitemu.actors.runtime.FaultPlan.ofHangs(o.hangs()),
        SupervisorSetup.Checkpointing.NONE);
  }

  /** Each device's link at the plan's constant rate, with the plan's propagation delay. */
  public static List<LinkTiming> links(PipelinePlan plan, double[] bps) {
    List<LinkTiming> out = new ArrayList<>();
    long prop = plan.propagationNs();
    for (double rate : bps) {
      out.add(new EmulatedLink((r, x) -> FluidLink.constant(rate * x, prop)));
    }
    return out;
  }

  /**
   * Device {@code d}'s {@code recovery} row of silence {@code f} (a hang or crash with an end) if
   * it falls to epoch {@code e}'s rows, else null. {@code until-round = R}: at epoch R's start.
   * {@code until = T}: at the device's first own epoch start at or after T (PipelineRole ends the
   * silence there): a device that completed epoch e takes the T in (its start of e, its start of e
   * + 1], the arrival of its aggregate, and answers again from e + 1; a device given up in e takes
   * the T in (its start of e, e's end], one given up before the T in e's span, and it stays out.
   * Under drop-for-round ({@code dropForRound}) a device given up in e is asked again at the
   * aggregate's readiness, its start of e + 1: it takes the T in (its start of e, that readiness]
   * and takes part again. The row is labelled e, so that a checkpoint after e keeps it; its detail
   * names the round. Null if it does not fall to e's rows.
   */
  private static Over silenceOver(
      PipelinePlan plan,
      Settings.Fault f,
      PipelineControl.EpochResult e,
      Map<Integer, Long> starts,
      int d,
      boolean dropForRound) {
    Settings.FaultTime end = f.end();
    long ownStart = starts == null ? e.startNs() : starts.getOrDefault(d, e.startNs());
    // A device whose aggregate never arrived (its downlink cut off for good) starts no next epoch.
    PipelineControl.DeviceEpoch done =
        e.devices().stream()
            .filter(x -> x.device() == d && x.receivedNs() != LinkTiming.NEVER)
            .findFirst()
            .orElse(null);
    int back;
    long ns;
    long own;
    boolean in;
    if (end.atRoundStart()) {
      if (end.round() != e.epoch()) {
        return null;
      }
      back = e.epoch();
      ns = e.startNs();
      own = ownStart;
      in = done != null || e.missedNs().containsKey(d);
    } else {
      long t = end.atNs();
      boolean asked = dropForRound && e.missedNs().containsKey(d);
      long lo = done != null || e.missedNs().containsKey(d) ? ownStart : e.startNs();
      long hi = done != null ? done.receivedNs() : asked ? e.aggregatedNs() : e.endNs();
      if (e.epoch() > 1 && t <= lo || t > hi) {
        return null;
      }
      back = e.epoch() + 1;
      ns = hi;
      own = hi;
      in = done != null || asked;
    }
    Settings.FaultTime t = f.start();
    if (back > plan.epochs() || (t.atRoundStart() && t.round() > back)) {
      return null;
    }
    return new Over(back, ns, own, in);
  }

  /**
   * Where a silence is over for a device: at the start of round {@code back}, recorded at {@code
   * ns}, the device's own start of it {@code ownNs}; {@code in}: whether it takes part again.
   */
  private record Over(int back, long ns, long ownNs, boolean in) {}

  /**
   * Silence {@code f}'s recovery row of device {@code d} where {@code o} says, in epoch e's rows.
   */
  private static Recorder.Command recoveryRow(
      int i, Settings.Fault f, int d, Over o, PipelineControl.EpochResult e, boolean dropForRound) {
    String what =
        f.kind().equals("device-crash")
            ? "device rejoins at round "
                + o.back()
                + "'s start"
                + (dropForRound ? ", downloading the aggregate" : ", its state lost")
            : "device answers again from round " + o.back() + "'s start";
    String stays = o.in() ? "" : "; it stays out of the run (survival.absent = drop-for-run)";
    String why = " (scenario fault, " + FaultPlan.when(f) + ")";
    return event(o.ns(), e.epoch(), "recovery", d, f.kind() + ": " + what + stays + why, i);
  }

  /**
   * Whether a silence of device {@code d} among {@code faults} other than the {@code i}th holds it
   * where {@code o} says, as PipelineRole sees it at its start of round {@code o.back()}: started
   * (at a round up to it, or an instant up to its start) and not over there (no end, or an end
   * after it). {@code silences}: each device's hangs and crashes (FaultPlan.silencesByDevice).
   */
  private static boolean heldByAnother(
      List<Settings.Fault> faults, Map<Integer, int[]> silences, int i, int d, Over o) {
    for (int j : silences.getOrDefault(d, new int[0])) {
      if (j == i) {
        continue;
      }
      Settings.Fault g = faults.get(j);
      boolean started = g.start().reachedBy(o.back(), o.ownNs());
      boolean over = g.end() != null && g.end().reachedBy(o.back(), o.ownNs());
      if (started && !over) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the instant falls to epoch {@code e}'s rows: before its end and at or after {@code
   * fromNs} (its start, or the end of the epoch before a restart; epoch 1 takes any instant before
   * its end).
   */
  private static boolean within(long ns, PipelineControl.EpochResult e, long fromNs) {
    return ns < e.endNs() && (e.epoch() == 1 || ns >= fromNs);
  }

  private static Recorder.Command event(long ns, int epoch, String kind, int d, String detail) {
    return event(ns, epoch, kind, d, detail, -1);
  }

  /**
   * A row of device {@code d}; {@code fault}: the index of the scenario fault (or run hang) it is a
   * {@code fault} or {@code recovery} row of, -1 for none (EventRecord#fault: the live counters
   * count such a row once where a crash's rewind cuts it and the redone epochs write it again).
   */
  private static Recorder.Command event(
      long ns, int epoch, String kind, int d, String detail, int fault) {
    return new Recorder.EventRecorded(
        new EventRecord(ns / 1e9, epoch, kind, "device-" + d, detail, fault));
  }

  /** The run's first row: the plan, as an event of epoch 1. */
  public static EventRecord planRow(PipelinePlan plan) {
    return new EventRecord(0, 1, "plan", "planner", plan.planDetail());
  }

  /**
   * The rows of epoch {@code e}, in the order they are recorded: its fault and deadline events, its
   * device rows, the aggregate event and its round row, whose wall clock is {@code wallS} and whose
   * {@code cpu_time_s} is this process's CPU time now (the control calls this where the epoch ends
   * in the engine, not where the recorder writes the row).
   *
   * <p>A fault is reported once, in the epoch it hits: a fault at the start of epoch {@code e}, or
   * at an instant within {@code e} (epoch 1 takes any instant before its end). Epochs are
   * contiguous, each starting at the previous one's end, so the instant falls in exactly one
   * ({@code fromNs}: where epoch {@code e}'s instants begin, its start or, after a crash's restore,
   * the end of the epoch before). Under survival.absent = drop-for-round if {@code dropForRound}: a
   * device given up is asked again at its next epoch start, which its deadline and recovery rows
   * say. Every entry of the list is its own fault, with its own rows. A window {@code at = T,
   * until-round = R} that {@code empty} finds empty for a device has one row, at T, that says so,
   * and no recovery row; so has one {@code round = R, until = T}, its row at R's start. A hang or
   * crash that ends while another silence of the same device still holds it has its recovery row
   * where the device answers again, beside the last silence's: {@code held} keeps, per device, the
   * indexes of the silences waiting for it (Supervisor.resume's rule); {@code silences} indexes the
   * hangs and crashes of {@code silenceFaults} by device (FaultPlan.silencesByDevice): the
   * scenario's faults, at their indexes, then the run's hangs they do not hold
   * (PipelineControl.silenceFaults), which hold a device as well. The control passes that list as
   * {@code faults} too, so such a hang has its {@code fault} row as a listed one has, as the
   * supervisor families record a setup's hangs among its faults (FaultPlan.ofHangs); before
   * 2026-12-06 it had none on mpsl.
   */
  public static List<Recorder.Command> epochRows(
      PipelinePlan plan,
      List<Settings.Fault> faults,
      PipelineControl.EpochResult e,
      Map<Integer, Long> starts,
      long fromNs,
      double wallS,
      boolean dropForRound,
      PipelineControl.EmptyWindows empty,
      Map<Integer, java.util.SortedSet<Integer>> held,
      List<Settings.Fault> silenceFaults,
      Map<Integer, int[]> silences) {
    List<Recorder.Command> out = new ArrayList<>();
    List<Recorder.Command> after = new ArrayList<>();
    for (int i = 0; i < faults.size(); i++) {
      Settings.Fault f = faults.get(i);
      if (f.devices().isEmpty() || Emulation.isLinkFault(f.kind())) {
        // A hop's or the server's fault, or a link's (PipelineLinkFaults): the control records
        // their rows.
        continue;
      }
      Settings.FaultTime t = f.start();
      boolean now = t.atRoundStart() ? t.round() == e.epoch() : within(t.atNs(), e, fromNs);
      long at = t.atRoundStart() ? e.startNs() : t.atNs();
      String why = " (scenario fault, " + FaultPlan.when(f) + ")";
      for (int d : now ? f.devices() : List.<Integer>of()) {
        long until = empty.until(i, d);
        String effect = until >= 0 ? FaultPlan.emptyWindow(f, until) : FaultPlan.effect(f);
        out.add(event(at, e.epoch(), "fault", d, f.kind() + ": " + effect + why, i));
      }
      Settings.FaultTime end = f.end();
      if (end == null) {
        continue;
      }
      // An empty window ends nothing: no recovery row. At = T, until-round = R: decided by R's rows
      // at the latest; round = R, until = T: where its row would be.
      int index = i;
      List<Integer> hit =
          end.atRoundStart() && end.round() == e.epoch()
              ? f.devices().stream().filter(d -> empty.until(index, d) < 0).toList()
              : f.devices();
      boolean fromRound = t.atRoundStart() && !end.atRoundStart();
      boolean silence = f.kind().equals("device-hang") || f.kind().equals("device-crash");
      if (silence) {
        // Over at the device's first epoch start at or after the end (PipelineRole), as a barrier
        // scheme's round start.
        for (int d : hit) {
          Over o = silenceOver(plan, f, e, starts, d, dropForRound);
          if (o == null || fromRound && empty.until(i, d) >= 0) {
            continue;
          }
          java.util.SortedSet<Integer> waiting =
              held.computeIfAbsent(d, k -> new java.util.TreeSet<>());
          waiting.add(i);
          if (heldByAnother(silenceFaults, silences, i, d, o)) {
            continue; // its row waits until the device answers again
          }
          // At the epoch's start with its first rows, or at the next epoch's start after them:
          // this silence's row and those of the device's silences that ended while one held it.
          for (int k : waiting) {
            (end.atRoundStart() ? out : after)
                .add(recoveryRow(k, faults.get(k), d, o, e, dropForRound));
          }
          held.remove(d);
        }
      } else {
        // A window from round R whose end falls before epoch R - 1's rows ends before any start
        // of R: empty.
        boolean over =
            end.atRoundStart()
                ? end.round() == e.epoch()
                : within(end.atNs(), e, fromNs) && !(fromRound && t.round() > e.epoch() + 1);
        long ns = end.atRoundStart() ? e.startNs() : end.atNs();
        for (int d : over ? hit : List.<Integer>of()) {
          if (!(fromRound && empty.until(i, d) >= 0)) {
            out.add(event(ns, e.epoch(), "recovery", d, f.kind() + ": fault over" + why, i));
          }
        }
      }
    }
    e.missedNs()
        .forEach(
            (d, ns) ->
                out.add(
                    event(
                        ns,
                        e.epoch(),
                        "deadline",
                        d,
                        "no upload by barrier.deadline after the epoch's start; its jobs"
                            + (dropForRound
                                ? " stopped, left out of this epoch's FedAvg, asked again at"
                                    + " its next epoch start (survival.absent ="
                                    + " drop-for-round)"
                                : " stopped, left out of FedAvg and of later epochs"))));
    PipelineControl.DeviceEpoch last = null;
    for (PipelineControl.DeviceEpoch d : e.devices()) {
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
    // An epoch no device completed records no device's work, as devices.csv does: the hops' time
    // on the jobs of devices given up is left out with them, and aggregation_s (from the epoch's
    // start, no device having finished) is its whole latency, as on the other families.
    long busiest =
        e.devices().isEmpty()
            ? 0
            : e.hopBusyNs().values().stream().mapToLong(Long::longValue).max().orElse(0);
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
                last == null ? 0 : last.computeNs() / 1e9,
                busiest / 1e9,
                last == null ? 0 : (last.uplinkNs() + last.downlinkNs()) / 1e9,
                (e.endNs() - e.lastFinishNs()) / 1e9,
                e.devices().size(),
                e.missedNs().size(),
                plan.cut(),
                plan.lanes().size(),
                Double.NaN,
                Double.NaN,
                wallS,
                RoundRecord.processCpuS())));
    out.addAll(after);
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
