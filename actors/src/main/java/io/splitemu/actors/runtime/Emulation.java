package io.splitemu.actors.runtime;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.CpslSettings;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.config.ValueSource;
import io.splitemu.actors.metrics.MemberMetrics;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.FailoverToken;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.results.Summary;
import io.splitemu.actors.scheme.Scheme;
import io.splitemu.actors.scheme.Schemes;
import io.splitemu.model.data.Dataset;
import io.splitemu.model.data.DatasetSplit;
import io.splitemu.model.data.MnistLoader;
import io.splitemu.model.data.Partition;
import io.splitemu.model.data.Partitioners;
import io.splitemu.model.data.SyntheticDataset;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.ModelOptions;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.SplitModel;
import io.splitemu.model.nn.UpdaterKind;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.net.SeededStreams;
import io.splitemu.net.link.FaultSchedule;
import io.splitemu.net.link.FluidLink;
import io.splitemu.net.link.LinkFaults;
import io.splitemu.net.link.LinkModel;
import io.splitemu.net.link.ShannonChannel;
import io.splitemu.net.stream.PacingLag;
import io.splitemu.net.trace.EndPolicy;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds a run from its settings (data, partition, model slices, device rates, links) and runs it
 * on a fresh actor system; everything random is a named stream of the scenario seed.
 *
 * <p>Everything that can fail on a user's input is checked before the results folder is created, so
 * a bad scenario leaves no half results behind.
 */
public final class Emulation {

  /**
   * A built run, ready to start: its folder does not exist yet. {@code links} gives fresh copies of
   * the links its devices use (by device count), which the per-device metrics read the offered
   * capacity from without touching the run's own.
   */
  public record Prepared(
      Settings settings,
      SupervisorSetupFactory factory,
      long peakDevice,
      long peakServer,
      java.util.function.IntFunction<List<LinkPair>> links) {}

  /** Creates the supervisor's setup once the results writer exists. */
  @FunctionalInterface
  public interface SupervisorSetupFactory {
    /** The setup, recording into {@code writer}. */
    SupervisorSetup create(ResultsWriter writer, RunListener listener);
  }

  /** What a finished run left: its folder, summary and rounds. */
  public record Outcome(Path dir, Summary summary, List<RoundRecord> rounds) {}

  private static final long ONE_ROUND_COHERENCE = Long.MAX_VALUE / 4;

  private Emulation() {}

  /** Builds, runs and reports one scenario into {@code dir} (or a new stamped folder if null). */
  public static Outcome run(Settings s, Path dir, RunListener listener) {
    return run(prepare(s), dir, listener);
  }

  /**
   * What the command line adds to a run: the checkpoint it resumes from (null: from the start), the
   * switch that stops it at a round boundary (null: none), the cluster it runs on (null: this JVM)
   * and the comparison folder its metrics {@code run} label extends ({@link #runLabel(Path, Path,
   * Path)}; null: the run is labelled by its own folder).
   */
  public record RunControl(Checkpoint resumeFrom, StopSwitch stop, Cluster cluster, Path labelTop) {
    /** A plain run. */
    public static final RunControl NONE = new RunControl(null, null, null, null);

    /** A run resumed, stoppable or on a cluster, labelled from {@code output.dir}. */
    public RunControl(Checkpoint resumeFrom, StopSwitch stop, Cluster cluster) {
      this(resumeFrom, stop, cluster, null);
    }
  }

  /**
   * A run across a cluster: this JVM's actor system {@code system} (a cluster member with the
   * supervisor role) waits until {@code minMembers} members, itself included, serve the run; {@code
   * up} is told this member's host:port once its system is up (null: nobody).
   */
  public record Cluster(
      com.typesafe.config.Config system, int minMembers, java.util.function.Consumer<String> up) {}

  /**
   * The fault kinds an MP-SL run takes on a cluster: each device applies its own device faults and
   * its uplink's; its downlink's the hops' member applies (PipelineMember), told the device's round
   * starts by its jobs.
   */
  private static final Set<String> PIPELINE_CLUSTER =
      Set.of(
          "device-hang",
          "device-crash",
          "device-slowdown",
          "link-outage",
          "link-degradation",
          "message-loss",
          "partition");

  /**
   * Refuses, with one line, what a run across a cluster does not do yet: MP-SL's hop crashes and
   * crashes (server-crash and supervisor-crash, which the barrier and split families restore on a
   * cluster as in one JVM), and paced mode (the wall clocks of the members are not one). MP-SL's
   * checkpoints and resume run on a cluster (PipelineMember builds a resumed run's hops, devices
   * and links from the checkpoint).
   */
  private static void refuseOnCluster(Settings s, RunControl control) {
    String why = null;
    String key = null;
    boolean pipeline = Schemes.of(s.scheme()).family() == Scheme.Family.PIPELINE;
    // The barrier and split families restore every device entity on its member and the edge
    // server from the checkpoint, as a cluster --resume does (Supervisor.restore); MP-SL's hops,
    // devices and links are not restored across members yet.
    String crash =
        !pipeline
            ? null
            : s.faults().stream()
                .map(Settings.Fault::kind)
                .filter(k -> k.equals("server-crash") || k.equals("supervisor-crash"))
                .findFirst()
                .orElse(null);
    // An MP-SL device applies its own faults, built on its member from the scenario: the device
    // kinds (an availability file's churn is device-crash faults) and the link kinds run on a
    // cluster; hop-crash not yet.
    Settings.Fault oneJvm =
        !pipeline
            ? null
            : s.faults().stream()
                .filter(f -> !PIPELINE_CLUSTER.contains(f.kind()))
                .filter(
                    f -> !f.kind().equals("server-crash") && !f.kind().equals("supervisor-crash"))
                .findFirst()
                .orElse(null);
    if (oneJvm != null) {
      throw new SettingsException(
          oneJvm.where()
              + ".kind: "
              + oneJvm.kind()
              + " on "
              + s.scheme()
              + " runs in one JVM only for now, not with --cluster (the device and link faults"
              + " do)");
    } else if (crash != null) {
      key = "faults";
      why =
          crash
              + " on "
              + s.scheme()
              + " restores its checkpoint within the running process, which an MP-SL run with"
              + " --cluster does not do yet";
    } else if (s.mode() == Settings.Mode.PACED) {
      key = "mode";
      why = "paced mode runs in one JVM only for now; --cluster runs in virtual mode";
    }
    if (why != null) {
      throw new SettingsException("splitemu." + key + ": " + why);
    }
  }

  /** {@link #run(Settings, Path, RunListener)} under {@code control}. */
  public static Outcome run(Settings s, Path dir, RunListener listener, RunControl control) {
    Prepared p = prepare(s);
    return Schemes.of(s.scheme()).run(p, dir, listener, control);
  }

  /**
   * Runs and reports a prepared scenario into {@code dir} (or a new stamped folder if null), on the
   * engine of the scheme's family ({@link Schemes}).
   */
  public static Outcome run(Prepared p, Path dir, RunListener listener) {
    return Schemes.of(p.settings().scheme()).run(p, dir, listener);
  }

  /** {@link #run(Prepared, Path, RunListener)} under {@code control}. */
  public static Outcome run(Prepared p, Path dir, RunListener listener, RunControl control) {
    return Schemes.of(p.settings().scheme()).run(p, dir, listener, control);
  }

  /**
   * Runs a prepared scenario on the supervisor (every scheme family), resuming from {@code
   * control}'s checkpoint into {@code dir} if it has one, and stopping at a round boundary when its
   * switch is thrown.
   */
  public static Outcome runSupervised(
      Prepared p, Path dir, RunListener listener, RunControl control) {
    Settings s = p.settings();
    if (control.cluster() != null) {
      refuseOnCluster(s, control);
    }
    Path out =
        dir != null
            ? dir
            : ResultsWriter.newRunFolder(s.outputDir(), s.scenario(), Clock.systemUTC());
    boolean paced = s.mode() == Settings.Mode.PACED;
    PacingLag lag = new PacingLag();
    // The endpoint starts before the folder exists: a taken port or an unknown address leaves no
    // folder behind.
    MetricsSettings ms = MetricsSettings.of(s);
    // A split scheme's slices differ per device and round: the supervisor publishes each round's
    // memory from its plans (Recorder.MemoryReported). MP-SL's server is its hops, whose peaks are
    // known at the run's end.
    Map<String, Long> memory = new HashMap<>();
    if (p.peakDevice() > 0) {
      memory.put("device", p.peakDevice());
    }
    if (p.peakServer() > 0) {
      memory.put("edge", p.peakServer());
    }
    // A cluster run's supervisor JVM is the node "supervisor" unless metrics.node names it.
    String node =
        control.cluster() != null && ms.node().equals(MetricsSettings.OFF.node())
            ? "supervisor"
            : ms.node();
    // A resume keeps the label the run's first process recorded in the folder, wherever it is
    // started from and however the folder is spelt (not in a copy of the folder).
    // What is said of the label waits until the resume has started (a refused one changes none).
    List<String> labelNotes = new java.util.ArrayList<>();
    KeptLabel kept = control.resumeFrom() == null ? null : keptRunLabel(out, labelNotes);
    String label =
        kept != null
            ? kept.label()
            : control.labelTop() == null
                ? runLabel(out, s.outputDir())
                : runLabel(out, control.labelTop(), s.outputDir());
    Metrics.RunInfo info = runInfo(s, ms, node, label, memory);
    Metrics endpoint = ms.enabled() ? Metrics.shared(ms) : null;
    boolean outExisted = Files.isDirectory(out);
    // The supervisor families record a round's events before the next round's: a resume refuses
    // an events.csv whose round column falls (docs/runtime.md "Checkpoints and resume").
    boolean eventsInRoundOrder = Schemes.of(s.scheme()).family() != Scheme.Family.PIPELINE;
    ResultsWriter writer =
        control.resumeFrom() == null
            ? ResultsWriter.open(out, s.resolved())
            : ResultsWriter.resume(
                out,
                control.resumeFrom().round(),
                eventsInRoundOrder,
                control.resumeFrom().nowNs() / 1e9);
    if (eventsInRoundOrder) {
      // The supervisor families record no row before a round's end after its row: the round's
      // events reach events.csv with it (docs/faults.md "Order").
      writer.settleEventsAtRoundEnd();
    }
    // Not into a folder that another holder of its --failover token took over (one read of it).
    if ((kept == null || !kept.current()) && FailoverToken.mayWrite(out)) {
      // A fresh run, a folder moved, copied or written before the label was kept, or a file that
      // breaks the rule: the label and the folder's real path are recorded. A failed write leaves
      // no open writer and no live run on the endpoint.
      try {
        recordRunLabel(out, info.run());
      } catch (RuntimeException e) {
        try {
          writer.close();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
        throw e;
      }
    }
    labelNotes.forEach(System.err::println);
    Metrics.Run feed = endpoint != null ? endpoint.run(info, lag, ms.perDeviceBelow()) : null;
    if (feed != null) {
      if (control.resumeFrom() != null) {
        // The rows read back are in rounds.csv already, and this process starts at the
        // checkpoint's emulated instant.
        feed.resumed(
            writer.rounds(), writer.latestDeviceRows(), control.resumeFrom().nowNs() / 1e9);
      }
      // A crash's rewind shows the device rows it kept, as a resume shows those read back.
      feed.deviceRowsFrom(writer::latestDeviceRows);
      writer.observe(feed);
      if (info.perDevice()) {
        writer.observe(linkCapacity(p.links().apply(s.devices().count()), feed, writer::rounds));
      }
    }
    Supervisor.Finished f;
    try {
      // Only the per-device metrics read the devices' plans.
      SupervisorSetup setup =
          p.factory()
              .create(writer, listener)
              .withLivePlans(feed != null && info.perDevice())
              .withCheckpointing(
                  new SupervisorSetup.Checkpointing(
                      s.checkpointEvery(),
                      Checkpoints.recorded(s),
                      control.resumeFrom(),
                      control.stop(),
                      crashes(s)));
      // A paced run asked to stop (SIGTERM) no longer waits for the wall clock: the round under way
      // ends at virtual speed with the same emulated instants, so that it stops within seconds
      // rather than after the round's paced wall time, and its checkpoint is the paced run's.
      Runnable unhook =
          paced && control.stop() != null ? control.stop().onRequest(lag::releaseAtOnce) : () -> {};
      try {
        f =
            control.cluster() == null
                ? execute(setup, paced ? s.speedup() : 0, lag)
                : executeOnCluster(
                    setup,
                    s,
                    info.run(),
                    paced ? s.speedup() : 0,
                    lag,
                    control.cluster(),
                    feed == null
                        ? null
                        : system ->
                            MemberMetrics.register(
                                Metrics.shared(ms).registry(),
                                system,
                                node,
                                List.of("supervisor"),
                                DeviceEntities.get(system)::running));
      } finally {
        unhook.run();
        // The run is over: paced actions it left waiting (a failed or aborted run's) go now rather
        // than stay on the shared pacer, holding its actors, until their wall-clock due time.
        lag.dropWaiting();
        if (feed != null) {
          feed.finished();
        }
      }
      if (f.pipeline() != null) {
        // A hop's peak is its instances once every device came by.
        memory.putAll(f.pipeline().hopPeakBytes());
        if (feed != null) {
          f.pipeline().hopPeakBytes().forEach(feed::memory);
        }
      }
      // A run stopped by SIGTERM writes no pacing row: its resume goes on in the same tables and
      // writes the run's one row at its end (the resume's cut keeps rows up to the stop's round).
      boolean stopped = control.stop() != null && control.stop().stoppedAfterRound() >= 0;
      if (paced && !stopped) {
        PacingLag.Snapshot l = lag.snapshot();
        writer.event(
            new EventRecord(
                f.emulatedNs() / 1e9,
                f.rounds(),
                "pacing",
                "run",
                String.format(
                    java.util.Locale.ROOT,
                    "speedup %s: %d paced releases (transfers and barriers), lag behind schedule"
                        + " mean %.3f ms, max %.3f ms",
                    s.speedup(),
                    l.count(),
                    l.meanNanos() / 1e6,
                    l.maxNanos() / 1e6)));
      }
    } catch (RuntimeException | Error e) {
      try {
        writer.close();
      } catch (RuntimeException c) {
        e.addSuppressed(c); // the run's own failure is its line
      }
      throw e;
    }
    // A failure to close the tables (a full disk) never hides why the run stopped: that stays the
    // line, the close's failure after it.
    RuntimeException closeFailed = null;
    try {
      writer.close();
    } catch (RuntimeException c) {
      closeFailed = c;
    }
    if (closeFailed != null && f.error() == null) {
      throw closeFailed;
    }
    String alsoClose =
        closeFailed == null || f.error().contains(String.valueOf(closeFailed.getMessage()))
            ? ""
            : " (closing the results folder failed too: " + closeFailed.getMessage() + ")";
    if (f.error() != null && f.rounds() == ClusterRun.NOT_STARTED) {
      // A --failover holder stopped by SIGTERM keeps the folder (and its token): it records there
      // that the run ended with 143, and its standbys exit with it rather than run it (before
      // 2026-12-07 the folder went, and a standby ran the run whole).
      boolean stoppedHolder =
          control.stop() != null
              && control.stop().stoppedBeforeRunStarted()
              && FailoverToken.held(out) != null;
      if (control.resumeFrom() == null && writer.recordedNothing() && !stoppedHolder) {
        // Its members never came: the folder would only block a retry with the same --out.
        writer.discard(outExisted);
        throw new RunFailedException(
            "the cluster run did not start: "
                + f.error()
                + "; nothing was recorded, so no results folder is left",
            null);
      }
      throw new RunFailedException("the cluster run did not start: " + f.error() + alsoClose, out);
    }
    if (f.error() != null) {
      // A failure the guardian saw knows no round: the next one after those recorded.
      int round = f.rounds() >= 0 ? f.rounds() : writer.rounds().size() + 1;
      throw new RunFailedException(
          "run stopped in round " + round + ": " + f.error() + alsoClose, out);
    }
    Summary summary =
        writer.finish(
            s.scenario(),
            s.scheme(),
            s.seed(),
            s.targetAccuracy(),
            memory,
            f.pipeline() == null && p.peakDevice() > 0 ? barrierMemory(s) : cut -> Map.of());
    if (feed != null) {
      // A re-cut (CPSL) moves the peaks to the cuts in force.
      summary.peakModelMemoryBytes().forEach(feed::memory);
    }
    return new Outcome(out, summary, writer.rounds());
  }

  /**
   * Sets, at each round's end, every device's link capacity of the round: the mean rate its uplink
   * and downlink offered at full share from the previous round's end to this one's ({@link
   * LinkTiming#capacityBps}), read from {@code links}, copies that carry no traffic. {@code rows}
   * gives the rows in {@code rounds.csv} now (those of a {@code --resume}, read back, at the start;
   * after a crash's rewind to round R, those up to R): the next round's span starts at the last
   * one's end, and a rewind's at round R's end. They are read at the start and at a rewind only, so
   * the observer keeps no round's end but the last (it kept every round's, for the rewinds). A
   * resume's last row read back sets the capacity of its round at once, as the process that
   * recorded it showed it until the resumed round's end; so does a rewind's last row kept (none
   * kept: 0, as at the run's start).
   */
  static RecordObserver linkCapacity(
      List<LinkPair> links, Metrics.Run feed, java.util.function.Supplier<List<RoundRecord>> rows) {
    long lastEndNs = showLast(links, feed, rows.get(), Integer.MAX_VALUE);
    return new RecordObserver() {
      private long startNs = lastEndNs;

      @Override
      public void onRound(RoundRecord r) {
        long endNs = Math.round(r.emulatedTimeS() * 1e9);
        show(links, feed, r.round(), startNs, endNs);
        startNs = endNs;
      }

      @Override
      public void onRewind(int round) {
        startNs = showLast(links, feed, rows.get(), round);
      }
    };
  }

  /**
   * Sets every device's link capacity of the latest of {@code rows} up to round {@code round} (0
   * where none is), from the end of the round before it; returns its end (ns), 0 if none is.
   */
  private static long showLast(
      List<LinkPair> links, Metrics.Run feed, List<RoundRecord> rows, int round) {
    long endNs = lastEnd(rows, round);
    int last = rows.stream().mapToInt(RoundRecord::round).filter(r -> r <= round).max().orElse(0);
    if (last > 0) {
      show(links, feed, last, lastEnd(rows, last - 1), endNs);
    } else {
      for (int d = 0; d < links.size(); d++) {
        feed.linkCapacity(d, 0, 0);
      }
    }
    return endNs;
  }

  /** Sets every device's link capacity of round {@code round}, over [fromNs, toNs). */
  private static void show(
      List<LinkPair> links, Metrics.Run feed, int round, long fromNs, long toNs) {
    for (int d = 0; d < links.size(); d++) {
      LinkPair l = links.get(d);
      l.up().round(round);
      l.down().round(round);
      feed.linkCapacity(
          d, l.up().capacityBps(fromNs, toNs) / 8, l.down().capacityBps(fromNs, toNs) / 8);
    }
  }

  /** The end (ns) of the latest of {@code rows} up to round {@code round}; 0 if none is. */
  private static long lastEnd(List<RoundRecord> rows, int round) {
    int latest = 0;
    long end = 0;
    for (RoundRecord r : rows) {
      if (r.round() <= round && r.round() >= latest) {
        latest = r.round();
        end = Math.round(r.emulatedTimeS() * 1e9);
      }
    }
    return end;
  }

  /**
   * A barrier scheme's model bytes per node at a cut of {@code rounds.csv}, as {@link
   * #prepareBarrier} counts them at the configured cut: the device slice's parameters, and the
   * server slice's (one per device for sfl-v1); none for a cut that is not one chain cut.
   */
  static Function<String, Map<String, Long>> barrierMemory(Settings s) {
    if (!ModelZoo.names().contains(s.model().name())) {
      return cut -> Map.of();
    }
    ChainProfile profile = ModelZoo.profile(s.model().name(), dataType(s));
    long copies = s.scheme().equals("sfl-v1") ? s.devices().count() : 1;
    return label -> {
      int cut;
      try {
        cut = Integer.parseInt(label);
      } catch (NumberFormatException e) {
        return Map.of();
      }
      if (cut < 1 || cut >= profile.size()) {
        return Map.of();
      }
      long device = profile.deviceParamBytes(cut);
      return Map.of("device", device, "edge", (profile.totalParamBytes() - device) * copies);
    };
  }

  /** What the metrics of a run labelled {@code label} carry and start from. */
  private static Metrics.RunInfo runInfo(
      Settings s, MetricsSettings ms, String node, String label, Map<String, Long> memory) {
    Scheme.Family family = Schemes.of(s.scheme()).family();
    boolean singleCut = family == Scheme.Family.BARRIER;
    boolean fixedCut = singleCut && !CpslSettings.isCpsl(s.scheme());
    return new Metrics.RunInfo(
        label,
        s.scenario(),
        s.scheme(),
        node,
        s.rounds(),
        s.devices().count(),
        s.devices().count() < ms.perDeviceBelow(),
        family == Scheme.Family.PIPELINE ? "hops" : "edge",
        singleCut,
        fixedCut ? s.model().cut() : -1,
        Map.copyOf(memory),
        // A barrier scheme's memory follows its cut (CPSL re-cuts); a split scheme's comes from
        // its plans, published each round.
        singleCut && memory.containsKey("device") ? barrierMemory(s) : cut -> Map.of(),
        s.faults().stream()
            .map(Settings.Fault::kind)
            .anyMatch(k -> k.equals("server-crash") || k.equals("supervisor-crash")));
  }

  /**
   * The file of a results folder that holds its metrics {@code run} label, written when the run
   * starts (docs/runtime.md "Results files"): the label on its first line and the real path of the
   * folder it was made for on the second; a {@code --resume} reads it back, so that every process
   * of a run feeds the same series.
   */
  public static final String RUN_LABEL_FILE = "run-label.txt";

  /** The longest label {@link #RUN_LABEL_FILE} may hold, in characters (docs/metrics.md). */
  public static final int RUN_LABEL_MAX = 200;

  // What is read of the file at most: a label's 200 characters take up to 800 bytes of UTF-8, a
  // path up to 4096 bytes (Linux's PATH_MAX). A longer file is not a label file.
  private static final int RUN_LABEL_FILE_MAX = 8192;

  /**
   * Why {@code label} breaks the rule of a {@code run} label ({@link #RUN_LABEL_MAX} characters at
   * most, at least one, no control characters), or null where it keeps it.
   */
  public static String runLabelProblem(String label) {
    if (label.isEmpty()) {
      return "the label is empty";
    }
    if (label.length() > RUN_LABEL_MAX) {
      return "the label has " + label.length() + " characters, more than " + RUN_LABEL_MAX;
    }
    for (int i = 0; i < label.length(); i++) {
      if (Character.isISOControl(label.charAt(i))) {
        return String.format(
            java.util.Locale.ROOT,
            "the label holds the control character U+%04X at character %d",
            (int) label.charAt(i),
            i + 1);
      }
    }
    return null;
  }

  /**
   * What {@link #RUN_LABEL_FILE} holds: the {@code run} label, and the real path of the folder it
   * was made for (null in a file written before the path was kept).
   */
  public record RecordedLabel(String label, String path) {}

  /**
   * The label and path recorded in results folder {@code out} ({@link #RUN_LABEL_FILE}), or null
   * where the folder has none (written before the label was kept); throws an {@link
   * IllegalArgumentException} saying why where the file is unreadable or its label breaks the rule
   * ({@link #runLabelProblem}). At most 8 KiB are read.
   */
  public static RecordedLabel recordedRunLabel(Path out) {
    Path f = out.resolve(RUN_LABEL_FILE);
    if (!Files.isRegularFile(f)) {
      return null;
    }
    byte[] bytes;
    try (java.io.InputStream in = Files.newInputStream(f)) {
      bytes = in.readNBytes(RUN_LABEL_FILE_MAX + 1);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read it (" + e.getMessage() + ")", e);
    }
    if (bytes.length > RUN_LABEL_FILE_MAX) {
      throw new IllegalArgumentException("it is larger than " + RUN_LABEL_FILE_MAX + " bytes");
    }
    String text;
    try {
      text =
          java.nio.charset.StandardCharsets.UTF_8
              .newDecoder()
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException("it is not UTF-8 text", e);
    }
    // The label's line, and the path's where there is one; nothing else.
    String[] lines = text.split("\n", -1);
    int n = lines.length;
    if (n > 0 && lines[n - 1].isEmpty()) {
      n--;
    }
    if (n > 2) {
      throw new IllegalArgumentException("it has " + n + " lines, not a label and a path");
    }
    String label = n == 0 ? "" : lines[0];
    String problem = runLabelProblem(label);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    String path = n == 2 ? lines[1] : null;
    if (path != null && (path.isEmpty() || path.chars().anyMatch(Character::isISOControl))) {
      throw new IllegalArgumentException("its second line is not a path");
    }
    return new RecordedLabel(label, path);
  }

  /**
   * The label a resume into {@code out} keeps, and whether the file says so for {@code out} itself
   * ({@code current}; otherwise it is recorded again).
   */
  private record KeptLabel(String label, boolean current) {}

  /**
   * The label the run recorded in {@code out} where a resume keeps it, or null where the label is
   * computed from the path as for a first run: a folder without the file, a file that breaks the
   * rule (one line saying so), or a copy of the run's folder (the path recorded is another folder
   * that still exists; one line saying so, added to {@code notes} to be printed once the resume has
   * started), so that two runs never feed one series. A folder moved (its recorded path gone, or
   * the same folder by another mount) keeps the label, as does a file without a path.
   */
  private static KeptLabel keptRunLabel(Path out, List<String> notes) {
    Path f = out.resolve(RUN_LABEL_FILE);
    RecordedLabel r;
    try {
      r = recordedRunLabel(out);
    } catch (IllegalArgumentException e) {
      System.err.println(
          "splitemu: warning: "
              + f
              + " ignored: "
              + e.getMessage()
              + "; the run is labelled by its folder's path, and the file written again");
      return null;
    }
    if (r == null) {
      return null;
    }
    if (r.path() == null) {
      return new KeptLabel(r.label(), false);
    }
    String here = realPath(out).toString();
    if (r.path().equals(here)) {
      return new KeptLabel(r.label(), true);
    }
    Path recorded;
    try {
      recorded = Path.of(r.path());
    } catch (java.nio.file.InvalidPathException e) {
      return new KeptLabel(r.label(), false);
    }
    boolean copy;
    try {
      copy = Files.exists(recorded) && !Files.isSameFile(recorded, out);
    } catch (IOException e) {
      copy = false;
    }
    if (copy) {
      notes.add(
          "splitemu: "
              + out
              + " is a copy of the run in "
              + r.path()
              + " (run label "
              + r.label()
              + "): this run gets a label of its own, written to "
              + f);
      return null;
    }
    // Moved (or the same folder by another path): the label stays, the new path is recorded.
    return new KeptLabel(r.label(), false);
  }

  /**
   * Records {@code label} and the real path of {@code out} in results folder {@code out}, whole or
   * not at all (a path too long to read back, or with a control character, is left out).
   */
  private static void recordRunLabel(Path out, String label) {
    String path = realPath(out).toString();
    String text = label + "\n" + path + "\n";
    if (path.chars().anyMatch(Character::isISOControl)
        || text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > RUN_LABEL_FILE_MAX) {
      text = label + "\n";
    }
    io.splitemu.actors.results.CsvTable.writeAtomically(out.resolve(RUN_LABEL_FILE), text);
  }

  /**
   * {@code p} absolute, with the symbolic links of its longest existing ancestor resolved ({@link
   * Path#toRealPath}) before the rest is appended and normalised: the same path however the folder
   * is reached, also before it exists. The ancestor is found on the path as written, so that {@code
   * link/../exp} is where the system puts it (beside the link's target), not {@code exp} beside the
   * link.
   */
  static Path realPath(Path p) {
    Path a = p.toAbsolutePath();
    Path existing = a;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return a.normalize();
    }
    try {
      Path real = existing.toRealPath();
      int n = existing.getNameCount();
      return (n == a.getNameCount() ? real : real.resolve(a.subpath(n, a.getNameCount())))
          .normalize();
    } catch (IOException e) {
      return a.normalize();
    }
  }

  /**
   * The {@code run} label of a run into {@code out}: under the scenario's output folder its path
   * from there ({@code compare-.../psl}), so that the schemes and sweep points of every compare
   * stay apart; elsewhere its folder's name, a dash and the first 6 hex digits of the SHA-256 of
   * its real path ({@code exp-1a2b3c}, {@link #realPath}), so that {@code --out a/exp} and {@code
   * --out b/exp} differ. A {@code --resume} does not compute it again: it reads the label the run
   * recorded ({@link #RUN_LABEL_FILE}).
   */
  public static String runLabel(Path out, Path outputDir) {
    Path o = realPath(out);
    Path base = realPath(outputDir);
    if (o.startsWith(base) && !o.equals(base)) {
      return fit(base.relativize(o).toString().replace(File.separatorChar, '/'));
    }
    Path name = o.getFileName();
    return fit((name == null ? "" : name + "-") + hex6(o.toString()));
  }

  /** The first 6 hex digits of the SHA-256 of {@code text}'s UTF-8 bytes. */
  private static String hex6(String text) {
    return Checkpoints.fingerprint(text).substring(0, 6);
  }

  /**
   * {@code label} made to keep the rule of {@link #runLabelProblem}: a control character (a folder
   * name may hold one) becomes {@code ?}, and a label longer than {@link #RUN_LABEL_MAX} characters
   * keeps its start, a dash and the first 6 hex digits of the SHA-256 of the whole.
   */
  private static String fit(String label) {
    StringBuilder b = new StringBuilder(label.length());
    label.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    if (b.length() <= RUN_LABEL_MAX) {
      return b.toString();
    }
    int cut = RUN_LABEL_MAX - 7;
    if (Character.isHighSurrogate(b.charAt(cut - 1))) {
      cut--;
    }
    return b.substring(0, cut) + "-" + hex6(label);
  }

  /**
   * The {@code run} label of a run into {@code out} within the comparison folder {@code top}: the
   * label of {@code top} ({@link #runLabel(Path, Path)}) and the path from there, so that every
   * scheme and sweep point of a comparison has its own ({@code quickstart-compare-.../psl} in the
   * output folder, {@code cmp-1a2b3c/002-seed=2/psl} elsewhere), {@code compare --out a/cmp} and
   * {@code --out b/cmp} differ; a resume of one of its runs reads the label back ({@link
   * #RUN_LABEL_FILE}). A run folder outside {@code top} is labelled as by {@link #runLabel(Path,
   * Path)}.
   */
  public static String runLabel(Path out, Path top, Path outputDir) {
    Path o = realPath(out);
    Path t = realPath(top);
    if (!o.startsWith(t) || o.equals(t)) {
      return runLabel(out, outputDir);
    }
    return fit(
        runLabel(t, outputDir) + "/" + t.relativize(o).toString().replace(File.separatorChar, '/'));
  }

  /**
   * Starts an actor system with the supervisor and waits for the run to end; with {@code speedup >
   * 0} the run is paced from the moment the supervisor starts, recording its lag into {@code lag}.
   */
  public static Supervisor.Finished execute(SupervisorSetup setup, double speedup, PacingLag lag) {
    return ask(
        "splitemu",
        Supervisor.Finished.class,
        (ctx, done) ->
            ctx.spawn(Supervisor.create(setup, lag), "supervisor")
                .tell(new Supervisor.Start(done, speedup)),
        error -> new Supervisor.Finished(-1, 0, error));
  }

  /**
   * Runs {@code setup} on a cluster: this JVM joins as the supervisor member ({@link ClusterRun}),
   * the devices and the edge server live on the members that serve those roles.
   */
  static Supervisor.Finished executeOnCluster(
      SupervisorSetup setup,
      Settings s,
      String run,
      double speedup,
      PacingLag lag,
      Cluster cluster,
      Function<org.apache.pekko.actor.ActorSystem, MemberMetrics> memberMetrics) {
    // The run's name is in entity ids and actor names: only letters, digits, '-', '_' and '.'; a
    // nonce, so that a run into the same folder on long-lived members never meets an entity left
    // by an earlier one (only names: no emulated figure depends on it).
    String id =
        run.replaceAll("[^-\\w.]", "_")
            + "-"
            + Long.toString(System.currentTimeMillis() % (36L * 36 * 36 * 36 * 36 * 36), 36);
    // This member's own series (the cluster as it sees it), for the run's length.
    java.util.concurrent.atomic.AtomicReference<MemberMetrics> members =
        new java.util.concurrent.atomic.AtomicReference<>();
    try {
      return ask(
          "splitemu",
          cluster.system(),
          true,
          Supervisor.Finished.class,
          (ctx, done) -> {
            if (cluster.up() != null) {
              cluster.up().accept(ClusterMember.address(ctx));
            }
            if (memberMetrics != null) {
              members.set(
                  memberMetrics.apply(
                      org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem())));
            }
            ctx.spawn(
                ClusterRun.create(id, s, setup, lag, speedup, cluster.minMembers(), done),
                "cluster-run");
          },
          error -> new Supervisor.Finished(-1, 0, error));
    } finally {
      if (members.get() != null) {
        members.get().close();
      }
    }
  }

  // A run answers for itself (its result, or a failure within RunGuardian.GRACE of an actor's
  // end), so this only bounds a host that stopped scheduling; it stays below the scheduler's
  // longest delay (about 248 days).
  private static final Duration RUN_TIMEOUT = Duration.ofDays(200);

  /**
   * Starts an actor system whose {@link RunGuardian} spawns the run's actors with {@code root},
   * asks it for the run's result, and terminates the system whatever happened; shared by every
   * engine of the runtime. The system's config is this module's reference configuration under the
   * JVM's system properties (a test suite turns {@code pekko.actor.serialize-messages} on there),
   * with quiet logging and no JVM exit.
   *
   * @param failure the result that reports a failure, from its one-line description
   */
  public static <R> R ask(
      String name, Class<R> type, RunGuardian.Root<R> root, Function<String, R> failure) {
    return ask(
        name,
        ConfigFactory.load(
            Emulation.class.getClassLoader(),
            ConfigFactory.parseString(
                "pekko.loglevel = WARNING\n"
                    + "pekko.log-dead-letters = off\n"
                    + "pekko.log-dead-letters-during-shutdown = off\n"
                    + "pekko.coordinated-shutdown.exit-jvm = off\n")),
        false,
        type,
        root,
        failure);
  }

  /**
   * {@link #ask(String, Class, RunGuardian.Root, Function)} on a system of {@code config}; a {@code
   * member} of a cluster leaves it gracefully before its system ends ({@link #leave}). The guardian
   * stays once it answered: its stopping would end the system at once, before the leave.
   */
  static <R> R ask(
      String name,
      com.typesafe.config.Config config,
      boolean member,
      Class<R> type,
      RunGuardian.Root<R> root,
      Function<String, R> failure) {
    ActorSystem<RunGuardian.Command> system =
        ActorSystem.create(RunGuardian.create(type, root, failure), name, config);
    try {
      CompletionStage<R> answer =
          AskPattern.ask(
              system,
              (ActorRef<R> replyTo) -> new RunGuardian.Start<>(replyTo),
              RUN_TIMEOUT,
              system.scheduler());
      // A cluster member's system can also end from outside (the Split Brain Resolver downed it):
      // then no answer comes, and the run ends with that reason rather than waiting. An answer
      // sent just before a normal end still wins (it is given a few seconds to arrive).
      CompletableFuture<R> got = answer.toCompletableFuture();
      CompletableFuture.anyOf(got, system.getWhenTerminated().toCompletableFuture()).get();
      try {
        return got.get(5, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stopped) {
        return failure.apply(
            "this member's actor system stopped before the run ended ("
                + org.apache.pekko.actor.CoordinatedShutdown.get(
                        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
                    .getShutdownReason()
                    .map(Object::toString)
                    .orElse("no reason given")
                + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the run was going on", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("run failed: " + e.getCause(), e.getCause());
    } finally {
      if (member) {
        leave(system);
      } else {
        system.terminate();
      }
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // The run's results are already recorded; a slow shutdown loses nothing.
      }
    }
  }

  /** How long a cluster member's graceful leave may take before its system is ended anyway. */
  static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Leaves the cluster gracefully and ends {@code system}: coordinated shutdown with the
   * cluster-leaving reason hands over this member's shards and singletons, takes it through Leaving
   * and Exiting, waits until the others confirmed it (each phase bounded by Pekko's phase
   * timeouts), and then terminates the system. The other members see it removed, never unreachable,
   * so the Split Brain Resolver downs nobody. A system already shutting down (downed, or SIGTERM's
   * hook) goes on with its own shutdown.
   */
  private static void leave(ActorSystem<?> system) {
    var classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system);
    try {
      org.apache.pekko.actor.CoordinatedShutdown.get(classic)
          .runAll(org.apache.pekko.actor.CoordinatedShutdown.clusterLeavingReason())
          .toCompletableFuture()
          .get(LEAVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      // The run's results are recorded; the system is ended below however the leave went.
    }
    system.terminate();
  }

  /**
   * Builds everything the run needs and checks the user's input; creates no files. The scheme's
   * strategy ({@link Schemes}) decides how: an unknown scheme fails listing the known ones.
   */
  public static Prepared prepare(Settings s) {
    Scheme scheme = Schemes.of(s.scheme());
    checkFaults(s, scheme.family());
    io.splitemu.actors.config.ClusterRunSettings.of(s); // a bad cluster-run block fails here
    // A scheme that refuses trace links (cpsl, mpsl) says so first.
    Prepared p = scheme.prepare(s);
    if (s.links().kind().equals("trace")) {
      // Every trace is read (and kept) here: a bad one fails before any results folder exists,
      // whichever scheme reads its links only once the run starts.
      s.links().traces().readAll();
    }
    return p;
  }

  /**
   * The fault kinds each engine family injects so far; a scenario that lists another kind, an end
   * or a survival policy the family cannot apply yet, is refused at start (and by {@code plan})
   * with the entry's index and key rather than run as if the fault were not there.
   */
  public static void checkFaults(Settings s, Scheme.Family family) {
    io.splitemu.actors.config.SurvivalSettings.of(s); // a bad survival block fails here
    // Every family injects the device and link kinds with their ends (docs/faults.md, with both
    // survival policies) and the crashes, which restore checkpoints within
    // a running process (docs/runtime.md "Crashes"); mpsl stops a hop for good (its units placed
    // again, docs/faults.md "Hop crash on mpsl").
    boolean pipeline = family == Scheme.Family.PIPELINE;
    Set<String> supported = new TreeSet<>(Set.of("device-hang", "device-crash", "device-slowdown"));
    supported.addAll(SupervisorSetup.Crash.KINDS);
    if (s.scheme().equals("mpsl")) {
      supported.add("hop-crash"); // a chain of hops; a helper's lane has one hop only
    }
    // mpsl*'s devices' own links to and from the first hop carry the link faults, with their ends
    // (docs/faults.md "Link faults").
    supported.addAll(Set.of("link-outage", "link-degradation", "message-loss", "partition"));
    for (int i = 0; i < s.faults().size(); i++) {
      Settings.Fault f = s.faults().get(i);
      if (SupervisorSetup.Crash.ownRows(f.kind())) {
        checkCrash(s, f);
        if (pipeline) {
          checkPipelineCrash(s, f);
        }
      }
      if (!supported.contains(f.kind())) {
        throw new SettingsException(
            s.where(f, "kind")
                + ": "
                + f.kind()
                + " is not injected on "
                + s.scheme()
                + " yet (supported: "
                + String.join(", ", new TreeSet<>(supported))
                + ")");
      }
      if (f.kind().equals("hop-crash")) {
        checkHopCrash(s, i);
      }
    }
    // The pipeline takes both survival policies (PipelineControl); it runs in timing fidelity
    // only, where FedAvg's weighting moves no figure, so either weighting is taken.
    if (pipeline && !io.splitemu.actors.config.SurvivalSettings.of(s).dropForRun()) {
      checkPipelineDropForRound(s);
    }
  }

  /**
   * MP-SL under {@code survival.absent = drop-for-round} (docs/faults.md "Device faults on mpsl"):
   * a device given up is asked again at its next epoch start. Not yet with a hop crash (a device
   * given up would rejoin a chain placed again without its moved units) nor with an outage or
   * partition that cuts a link off until an end not known as an instant (the link's cut-off is
   * cleared only at a round start the device, given up before it, never reaches as a participant).
   */
  private static void checkPipelineDropForRound(Settings s) {
    String policy = " on " + s.scheme() + " under survival.absent = drop-for-round yet";
    for (int i = 0; i < s.faults().size(); i++) {
      Settings.Fault f = s.faults().get(i);
      if (f.kind().equals("hop-crash")) {
        throw new SettingsException(
            s.where(f, "kind")
                + ": hop-crash is not injected"
                + policy
                + " (a device given up would rejoin a chain placed again without it)");
      }
      boolean cuts = f.kind().equals("link-outage") || f.kind().equals("partition");
      if (cuts && f.end() == null) {
        throw new SettingsException(
            s.where(f, "kind")
                + ": "
                + f.kind()
                + " without an end cuts the device's link off for good, which is not taken"
                + policy
                + " (give until = T)");
      }
      if (cuts && f.end().atRoundStart()) {
        throw new SettingsException(
            s.where(f, "until-round")
                + ": "
                + f.kind()
                + " until a round's start cuts the device's link off until then, which is not"
                + " taken"
                + policy
                + " (give until = T)");
      }
    }
  }

  /**
   * An {@code mpsl} hop crash (docs/faults.md, "hop-crash"): at an epoch's start after the first or
   * at an instant (then without device hangs), for good, on a hop of the plan, each hop once and
   * one crash per epoch start, without checkpoints.
   */
  private static void checkHopCrash(Settings s, int i) {
    Settings.Fault f = s.faults().get(i);
    if (f.end() != null) {
      throw new SettingsException(
          s.where(f, f.end().atRoundStart() ? "until-round" : "until")
              + ": "
              + "hop-crash has no end: a crashed hop does not come back");
    }
    if (f.start().atRoundStart() && f.start().round() == 1) {
      throw new SettingsException(
          s.where(f, "round")
              + ": hop-crash at round 1 is the run's start, before any hop holds a unit;"
              + " give round >= 2 or plan with fewer hops (mpsl.hops)");
    }
    if (!f.start().atRoundStart() && f.start().atNs() == 0) {
      throw new SettingsException(
          s.where(f, "at")
              + ": hop-crash at 0 s is the run's start, before any hop holds a unit;"
              + " give an instant after it or plan with fewer hops (mpsl.hops)");
    }
    int hops = io.splitemu.actors.pipeline.MpslPlanner.firstHops(s);
    if (f.hop() >= hops) {
      throw new SettingsException(
          s.where(f, "hop")
              + ": hop "
              + f.hop()
              + " is not a hop of the plan ("
              + hops
              + " hops: 0.."
              + (hops - 1)
              + ", 0 next to the devices)");
    }
    for (int j = 0; j < s.faults().size(); j++) {
      Settings.Fault g = s.faults().get(j);
      // An epoch redone from its start would take back a device given up (or cut off) within
      // it, and a link's losses.
      if (!f.start().atRoundStart()
          && (isLinkFault(g.kind())
              || g.kind().equals("device-hang")
              || g.kind().equals("device-crash"))) {
        throw new SettingsException(
            s.where(f, "at")
                + ": hop-crash at an instant does not combine with "
                + g.kind()
                + " ("
                + g.origin()
                + ") on "
                + s.scheme()
                + " yet; give round = R");
      }
      if (j >= i || !g.kind().equals("hop-crash")) {
        continue;
      }
      if (g.hop() == f.hop()) {
        throw new SettingsException(
            s.where(f, "hop") + ": hop " + f.hop() + " crashes already in " + g.origin());
      }
      if (g.start().atRoundStart()
          && f.start().atRoundStart()
          && g.start().round() == f.start().round()) {
        throw new SettingsException(
            s.where(f, "round")
                + ": "
                + g.origin()
                + " crashes a hop at round "
                + f.start().round()
                + " already; one hop crash per epoch start");
      }
    }
    if (s.checkpointEvery() > 0) {
      throw new SettingsException(
          s.where(f, "kind")
              + ": hop-crash does not take "
              + Settings.NS
              + ".checkpoint.every > 0 on "
              + s.scheme()
              + " yet (a checkpoint holds the hops of one plan)");
    }
  }

  /**
   * A crash restores the last checkpoint (docs/runtime.md, "Crashes"), or the run's initial state
   * (round 0) before the first one: it has no end.
   */
  private static void checkCrash(Settings s, Settings.Fault f) {
    if (f.end() != null) {
      throw new SettingsException(
          s.where(f, f.end().atRoundStart() ? "until-round" : "until")
              + ": "
              + f.kind()
              + " has no end: the run restores its last checkpoint"
              + (f.kind().equals("server-crash") ? " after restart-delay" : ""));
    }
  }

  /**
   * A crash on the pipeline restores the drained boundary of a checkpoint with fresh hops and
   * rechained devices: a device given up (hung) or a hop crashed after that checkpoint would not
   * come back as it was, so neither combines with it yet.
   */
  private static void checkPipelineCrash(Settings s, Settings.Fault f) {
    for (Settings.Fault g : s.faults()) {
      String kind = g.kind();
      if (kind.equals("device-hang")
          || kind.equals("device-crash")
          || kind.equals("hop-crash")
          || isLinkFault(kind)) {
        throw new SettingsException(
            s.where(f, "kind")
                + ": "
                + f.kind()
                + " does not combine with "
                + kind
                + " ("
                + g.origin()
                + ") on "
                + s.scheme()
                + " yet");
      }
    }
  }

  /** The scenario's server and supervisor crashes, in the list's order. */
  public static List<SupervisorSetup.Crash> crashes(Settings s) {
    List<SupervisorSetup.Crash> out = new ArrayList<>();
    for (int i = 0; i < s.faults().size(); i++) {
      Settings.Fault f = s.faults().get(i);
      if (SupervisorSetup.Crash.ownRows(f.kind())) {
        out.add(
            new SupervisorSetup.Crash(
                i,
                f.kind(),
                f.start().atRoundStart() ? f.start().round() : -1,
                f.start().atRoundStart() ? -1 : f.start().atNs(),
                Math.max(0, f.restartDelayNs())));
      }
    }
    return out;
  }

  /** Builds a barrier-family run (sl, psl, sfl-v1, sfl-v2, cpsl*) and checks its input. */
  public static Prepared prepareBarrier(Settings s) {
    long seed = s.seed();
    int n = s.devices().count();
    boolean full = s.fidelity() == Settings.Fidelity.FULL;

    MetricsSettings.of(s); // a bad metrics block fails here, before any folder exists
    if (!ModelZoo.names().contains(s.model().name())) {
      String name = s.model().name();
      String zoo = String.join(", ", ModelZoo.names());
      boolean profile =
          io.splitemu.model.profile.ModelProfiles.names().contains(name)
              || name.endsWith(".dag.json")
              || name.endsWith(".prototxt");
      throw new SettingsException(
          s.where("model.name")
              + ": "
              + (profile
                  ? s.scheme()
                      + " trains zoo models only ("
                      + zoo
                      + "); \""
                      + name
                      + "\" is a profile, for "
                      + String.join(", ", io.splitemu.actors.scheme.ShareSplitPolicies.SCHEMES)
                      + ", sfl-compute-robust (fidelity = timing)"
                  : "unknown model \"" + name + "\"; " + s.scheme() + " trains the zoo's: " + zoo));
    }
    // Tensors and weights on the wire at the element size of model.data-type (labels stay int32).
    ChainProfile profile = ModelZoo.profile(s.model().name(), dataType(s));
    int cut = s.model().cut();
    if (cut < 1 || cut >= profile.size()) {
      throw new SettingsException(
          s.where("model.cut")
              + ": must be in 1.."
              + (profile.size() - 1)
              + " for model "
              + profile.model()
              + ", got "
              + cut);
    }

    // A timing run trains nothing: it needs the partition's shard sizes, so only the labels.
    DatasetSplit data = full ? loadData(s) : null;
    Partition partition = partition(s, full ? data.train() : loadTrainLabels(s));

    DataType dtype = dataType(s);
    SplitModel split = null;
    SplitModel evalModel = null;
    ChainModel model = null;
    if (full) {
      model = ModelZoo.create(s.model().name(), modelOptions(s));
      split = model.split(cut);
      evalModel = model.split(cut);
    }

    double[] flops = perDevice(s.devices().flops(), n, seed, "devices/flops");
    List<LinkPair> links = links(s, n);

    EdgeBands bands = new EdgeBands(n);
    List<DeviceSetup> devices = new ArrayList<>();
    for (int d = 0; d < n; d++) {
      devices.add(
          new DeviceSetup(
              d,
              partition.indices(d),
              full ? data.train() : null,
              full ? split.slice(0).copy() : null,
              profile.deviceForwardFlops(cut),
              profile.deviceBackwardFlops(cut),
              profile.cutBytes(cut),
              profile.deviceParamBytes(cut),
              s.batchSize(),
              dtype,
              flops[d],
              SeededStreams.seedFor(seed, "batches/device-" + d),
              links.get(d).up(),
              links.get(d).down(),
              new EmulatedCpu("device-", d),
              bands));
    }
    Map<Integer, EmulatedCpu> copyCpus = new HashMap<>();
    ServerSetup server =
        new ServerSetup(
            full ? split.slice(1) : null,
            evalModel,
            full ? data.test() : null,
            s.data().evalSamples(),
            dtype,
            profile.serverFlops(cut),
            s.serverFlops(),
            new EmulatedCpu("edge"),
            d -> copyCpus.computeIfAbsent(d, k -> new EmulatedCpu("edge/copy-" + k)),
            s.barrierTimeout(),
            s.barrierDeadline().toNanos(),
            s.model().batchMeanCutGradient(),
            null,
            bands);
    SupervisorSetup.ComputeFactors factors = computeFactors(s);
    long serverParamBytes = profile.totalParamBytes() - profile.deviceParamBytes(cut);
    long peakServer = s.scheme().equals("sfl-v1") ? serverParamBytes * n : serverParamBytes;
    List<SupervisorSetup.Hang> hangs = hangs(s.faults(), false);
    FaultPlan faultPlan = FaultPlan.of(s);
    org.nd4j.linalg.api.ndarray.INDArray initial = full ? split.slice(0).params() : null;
    CpslSetup cpsl = CpslSettings.isCpsl(s.scheme()) ? CpslSetup.of(s, profile, model) : null;
    SupervisorSetupFactory factory =
        (writer, listener) ->
            new SupervisorSetup(
                s.scheme(),
                s.rounds(),
                s.localSteps(),
                s.batchSize(),
                s.evalEvery(),
                s.targetAccuracy(),
                s.stopAtTarget(),
                s.links().kind().equals("shannon"),
                factors,
                Integer.toString(cut),
                initial,
                devices,
                server,
                hangs,
                writer,
                listener,
                cpsl,
                null,
                null,
                false,
                faultPlan,
                SupervisorSetup.Checkpointing.NONE);
    return new Prepared(
        s, factory, profile.deviceParamBytes(cut), peakServer, count -> links(s, count));
  }

  /**
   * The per-round compute factor of each device ({@code devices.round-factor}): device n's factor
   * in round r is drawn from its own seeded stream {@code round-factor/device-n/r}, so it is the
   * same under every scheme (barrier and split families alike) and however often it is asked.
   */
  public static SupervisorSetup.ComputeFactors computeFactors(Settings s) {
    ValueSource factor = s.devices().roundFactor();
    long seed = s.seed();
    return (d, r) ->
        factor.random()
            ? factor.value(d, SeededStreams.stream(seed, "round-factor/device-" + d + "/" + r))
            : factor.value(d, null);
  }

  /**
   * The device-hangs of {@code faults} as the supervisor's hangs; with {@code endlessOnly} those
   * without end.
   */
  public static List<SupervisorSetup.Hang> hangs(List<Settings.Fault> faults, boolean endlessOnly) {
    List<SupervisorSetup.Hang> hangs = new ArrayList<>();
    for (Settings.Fault f : faults) {
      if (!f.kind().equals("device-hang") || endlessOnly && f.end() != null) {
        continue;
      }
      for (int d : f.devices()) {
        hangs.add(
            f.start().atRoundStart()
                ? new SupervisorSetup.Hang(d, f.start().round())
                : SupervisorSetup.Hang.at(d, f.start().atNs()));
      }
    }
    return hangs;
  }

  /**
   * Builds a run of a split scheme (a depth per device: edgesplit*, sfl-compute*, dag-*) on the
   * supervisor, the scheme already checked: devices at their drawn compute rates times each round's
   * compute factor ({@link #computeFactors}, the barrier family's draws) on {@code links} (fresh
   * links per call), every duration rounded up to whole nanoseconds ({@link RoundedCpu}). In {@code
   * full} fidelity the devices train on the partition's shards and the server holds the whole zoo
   * model, drawn exactly as {@link #prepareBarrier} draws them, so the same scenario and seed see
   * the same data and initial weights; bad data input fails here, before any results folder exists.
   */
  public static Prepared prepareSplit(
      Settings s,
      java.util.function.Supplier<SplitPolicy> policy,
      java.util.function.IntFunction<List<LinkPair>> links) {
    MetricsSettings.of(s);
    int n = s.devices().count();
    boolean full = s.fidelity() == Settings.Fidelity.FULL;
    DataType dtype = dataType(s);
    DatasetSplit data = full ? loadData(s) : null;
    Partition partition = full ? partition(s, data.train()) : null;
    ChainModel global = full ? ModelZoo.create(s.model().name(), modelOptions(s)) : null;
    double[] flops = perDevice(s.devices().flops(), n, s.seed(), "devices/flops");
    int[][] shards = full ? splitShards(s, partition) : new int[n][];
    List<SupervisorSetup.Hang> hangs = hangs(s.faults(), false);
    FaultPlan faultPlan = FaultPlan.of(s);
    // A crash restores in-process: the policy and probes a restarted process would build.
    java.util.function.Supplier<SupervisorSetup.Split> freshSplit =
        new java.util.function.Supplier<>() {
          @Override
          public SupervisorSetup.Split get() {
            return new SupervisorSetup.Split(policy.get(), links.apply(n), this);
          }
        };
    SupervisorSetupFactory factory =
        (writer, listener) -> {
          List<LinkPair> run = links.apply(n);
          EdgeBands bands = new EdgeBands(n);
          List<DeviceSetup> devices = new ArrayList<>();
          for (int d = 0; d < n; d++) {
            devices.add(
                new DeviceSetup(
                    d,
                    shards[d],
                    full ? data.train() : null,
                    null,
                    0,
                    0,
                    0,
                    0,
                    s.batchSize(),
                    dtype,
                    flops[d],
                    SeededStreams.seedFor(s.seed(), "batches/device-" + d),
                    run.get(d).up(),
                    run.get(d).down(),
                    new RoundedCpu(),
                    bands));
          }
          Map<Integer, RoundedCpu> copyCpus = new HashMap<>();
          ServerSetup server =
              new ServerSetup(
                  null,
                  null,
                  full ? data.test() : null,
                  s.data().evalSamples(),
                  dtype,
                  0,
                  s.serverFlops(),
                  new RoundedCpu(),
                  d -> copyCpus.computeIfAbsent(d, k -> new RoundedCpu()),
                  s.barrierTimeout(),
                  s.barrierDeadline().toNanos(),
                  false,
                  global,
                  bands);
          return new SupervisorSetup(
              s.scheme(),
              s.rounds(),
              s.localSteps(),
              s.batchSize(),
              s.evalEvery(),
              s.targetAccuracy(),
              s.stopAtTarget(),
              false,
              computeFactors(s),
              "",
              null,
              devices,
              server,
              hangs,
              writer,
              listener,
              null,
              freshSplit.get(),
              null,
              false,
              faultPlan,
              SupervisorSetup.Checkpointing.NONE);
        };
    return new Prepared(s, factory, 0, 0, links);
  }

  /**
   * A split scheme's shards in {@code full} fidelity, each device's indices of {@code partition};
   * refuses a device with none.
   */
  private static int[][] splitShards(Settings s, Partition partition) {
    int n = s.devices().count();
    int[][] shards = new int[n][];
    for (int d = 0; d < n; d++) {
      shards[d] = partition.indices(d);
      if (shards[d].length == 0) {
        throw new SettingsException(
            "splitemu.data.partition: device-"
                + d
                + " got no training samples; use fewer devices or a less skewed partition");
      }
    }
    return shards;
  }

  /**
   * Refuses, with {@link #prepareSplit}'s line, the data a split scheme's {@code full}-fidelity run
   * would refuse (data that does not load, a device without training samples); in {@code timing}
   * fidelity a split run reads no data, and this reads none. {@code plan} checks with it.
   */
  public static void checkSplitData(Settings s) {
    if (s.fidelity() == Settings.Fidelity.FULL) {
      checkDataLoads(s);
      // The partition is the labels' alone (a timing run's is the same).
      splitShards(s, partition(s, loadTrainLabels(s)));
    }
  }

  /**
   * Refuses, with {@link #prepareBarrier}'s line, data a barrier scheme's {@code full}-fidelity run
   * would refuse and its {@code timing} run would not (the images, beside the labels, must load).
   * {@code plan} checks with it.
   */
  public static void checkBarrierData(Settings s) {
    if (s.fidelity() == Settings.Fidelity.FULL) {
      checkDataLoads(s);
    }
  }

  /** The data settings (with the seed) whose data {@link #checkDataLoads} has seen load. */
  private static final java.util.Set<String> DATA_LOADED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Loads the scenario's data once per data settings and seed, to refuse what a full-fidelity run
   * would refuse: {@code plan} asks it for each scheme it plans, and the data (60,000 MNIST images,
   * or millions of synthetic ones) would otherwise be read or drawn again for every scheme. Nothing
   * of it is kept.
   */
  private static void checkDataLoads(Settings s) {
    String key = s.data() + "|" + s.seed();
    if (DATA_LOADED.contains(key)) {
      return;
    }
    loadData(s);
    if (DATA_LOADED.size() >= 64) {
      DATA_LOADED.clear();
    }
    DATA_LOADED.add(key);
  }

  /**
   * The model options of a scenario: the seeded initial weights ({@code model/init}), optimizer,
   * learning rate, momentum and precision. Every engine and benchmark builds its model from these,
   * so the same scenario and seed start from the same weights everywhere.
   */
  public static ModelOptions modelOptions(Settings s) {
    return new ModelOptions(
        SeededStreams.seedFor(s.seed(), "model/init"),
        s.model().optimizer().equals("adam") ? UpdaterKind.ADAM : UpdaterKind.SGD_MOMENTUM,
        s.model().learningRate(),
        Math.min(s.model().momentum(), 0.999999),
        dataType(s));
  }

  /** The floating-point type of the scenario's model and tensors. */
  public static DataType dataType(Settings s) {
    return s.model().dataType().equals("double") ? DataType.DOUBLE : DataType.FLOAT;
  }

  /** The scenario's data set (MNIST files or the seeded synthetic set). */
  public static DatasetSplit loadData(Settings s) {
    if (s.data().dataset().equals("mnist")) {
      try {
        return MnistLoader.load(s.data().dir());
      } catch (IOException e) {
        throw new SettingsException(s.where("data.dir") + ": " + e.getMessage(), true);
      }
    }
    return SyntheticDataset.generate(
        s.data().trainSamples(),
        s.data().testSamples(),
        SeededStreams.seedFor(s.seed(), "data/synthetic"));
  }

  /**
   * The labels of the scenario's training set without its images (the same labels {@link #loadData}
   * gives), for a run that needs only the partition over devices.
   */
  public static Dataset loadTrainLabels(Settings s) {
    if (s.data().dataset().equals("mnist")) {
      try {
        return MnistLoader.labelsOnly(s.data().dir(), "train");
      } catch (IOException e) {
        throw new SettingsException(s.where("data.dir") + ": " + e.getMessage(), true);
      }
    }
    return SyntheticDataset.trainLabels(
        s.data().trainSamples(), SeededStreams.seedFor(s.seed(), "data/synthetic"));
  }

  /** The scenario's seeded partition of {@code train} over its devices. */
  public static Partition partition(Settings s, Dataset train) {
    Map<String, Number> params = new HashMap<>();
    switch (s.data().partition()) {
      case "dirichlet":
        params.put("alpha", s.data().dirichletAlpha());
        break;
      case "shards":
        params.put("shards-per-device", s.data().shardsPerDevice());
        break;
      case "quantity":
        params.put("sigma", s.data().quantitySigma());
        break;
      default:
        break;
    }
    try {
      return Partitioners.create(s.data().partition(), params)
          .partition(train, s.devices().count(), SeededStreams.seedFor(s.seed(), "partition"));
    } catch (IllegalArgumentException e) {
      throw new SettingsException("splitemu.data.partition: " + e.getMessage());
    }
  }

  /**
   * The draws of {@code v} for devices 0..n-1 from the scenario's named stream {@code stream}: the
   * one place every engine and the planners take a per-device value from (compute rates, memory,
   * link rates, distances), so a device draws the same value everywhere.
   */
  public static double[] perDevice(ValueSource v, int n, long seed, String stream) {
    SplittableRandom rng = SeededStreams.stream(seed, stream);
    double[] out = new double[n];
    for (int d = 0; d < n; d++) {
      out[d] = v.value(d, rng);
    }
    return out;
  }

  /** A device's uplink and downlink as the runtime times them. */
  public record LinkPair(LinkTiming up, LinkTiming down) {}

  /**
   * Fresh links of the scenario's devices (static, Shannon with per-round fading, or traces), each
   * idle at emulated time 0: what a run times its transfers on, and what the planners integrate
   * their predicted transfers over.
   */
  public static List<LinkPair> links(Settings s, int n) {
    return links(s, n, false);
  }

  /**
   * The links of {@link #links(Settings, int)}; with {@code sharedTraces} a share of the band also
   * carries that share of a trace's capacity (schemes that divide a trace-driven band: edgesplit,
   * sfl-compute), where otherwise a trace is the capacity of the device's own link.
   */
  public static List<LinkPair> links(Settings s, int n, boolean sharedTraces) {
    List<LinkPair> out = plainLinks(s, n, sharedTraces);
    if (s.faults().stream().noneMatch(f -> isLinkFault(f.kind()))) {
      return out;
    }
    // The scenario's link faults on each device's own links (docs/faults.md "Link faults").
    List<LinkPair> faulted = new ArrayList<>();
    for (int d = 0; d < n; d++) {
      LinkPair p = out.get(d);
      faulted.add(
          new LinkPair(
              ((EmulatedLink) p.up()).withFaults(LinkFaultWindows.of(s, d, true)),
              ((EmulatedLink) p.down()).withFaults(LinkFaultWindows.of(s, d, false))));
    }
    return faulted;
  }

  /** Whether {@code kind} is a fault of a device's links (outage, degradation, loss, partition). */
  public static boolean isLinkFault(String kind) {
    return LinkFaultWindows.isLinkKind(kind) || kind.equals("partition");
  }

  /**
   * {@code links} (each device's uplink if {@code up}, else downlink, by device id: {@link
   * EmulatedLink}s idle at 0) under the scenario's link faults on that direction; {@code links}
   * itself when the scenario has none. MP-SL's links at the plan's rates take them here.
   */
  public static List<LinkTiming> withLinkFaults(Settings s, List<LinkTiming> links, boolean up) {
    if (s.faults().stream().noneMatch(f -> isLinkFault(f.kind()))) {
      return links;
    }
    List<LinkTiming> out = new ArrayList<>();
    for (int d = 0; d < links.size(); d++) {
      out.add(((EmulatedLink) links.get(d)).withFaults(LinkFaultWindows.of(s, d, up)));
    }
    return out;
  }

  /**
   * The constant-rate models of one run's static links, shared by the links of equal rates (a model
   * is immutable): each of a million links built its own (a rate, its decimal and the model: ~150
   * bytes a link, issue 16) where a scenario has a few rates. At most {@link #SHARED} rates are
   * kept; a link of any other rate builds its own, as before.
   */
  private static final class ConstantLinks {
    private static final int SHARED = 4096;
    private final long prop;
    private final java.util.concurrent.ConcurrentHashMap<Double, FluidLink> byRate =
        new java.util.concurrent.ConcurrentHashMap<>();

    ConstantLinks(long prop) {
      this.prop = prop;
    }

    private final java.util.concurrent.ConcurrentHashMap<Double, EmulatedLink.Models> atRate =
        new java.util.concurrent.ConcurrentHashMap<>();

    /** The models of a link of {@code bps} at full band, shared by the links of that rate. */
    EmulatedLink.Models atRate(double bps) {
      EmulatedLink.Models m = atRate.get(bps);
      if (m == null) {
        m = (r, x) -> of(bps * x);
        if (atRate.size() < SHARED) {
          EmulatedLink.Models had = atRate.putIfAbsent(bps, m);
          m = had == null ? m : had;
        }
      }
      return m;
    }

    FluidLink of(double bps) {
      FluidLink m = byRate.get(bps);
      if (m != null) {
        return m;
      }
      m = FluidLink.constant(bps, prop);
      if (byRate.size() < SHARED) {
        FluidLink had = byRate.putIfAbsent(bps, m);
        return had == null ? m : had;
      }
      return m;
    }
  }

  /** The links of {@link #links(Settings, int, boolean)} without the scenario's faults. */
  private static List<LinkPair> plainLinks(Settings s, int n, boolean sharedTraces) {
    Settings.LinkSettings l = s.links();
    long prop = l.propagationDelay().toNanos();
    List<LinkPair> out = new ArrayList<>();
    switch (l.kind()) {
      case "static":
        {
          double[] up = perDevice(l.staticUplinkBps(), n, s.seed(), "links/uplink-bps");
          double[] down = perDevice(l.staticDownlinkBps(), n, s.seed(), "links/downlink-bps");
          ConstantLinks models = new ConstantLinks(prop);
          for (int d = 0; d < n; d++) {
            double u = up[d];
            double w = down[d];
            out.add(
                new LinkPair(
                    new EmulatedLink(models.atRate(u)), new EmulatedLink(models.atRate(w))));
          }
          return out;
        }
      case "shannon":
        {
          double[] dist = perDevice(l.distanceM(), n, s.seed(), "links/distance-m");
          for (int d = 0; d < n; d++) {
            double km = dist[d] / 1000.0;
            int dev = d;
            out.add(
                new LinkPair(
                    new EmulatedLink(
                        (r, x) ->
                            shannon(
                                s,
                                x,
                                l.devicePowerDbm(),
                                km,
                                "fading/device-" + dev + "/up/round-" + r)),
                    new EmulatedLink(
                        (r, x) ->
                            shannon(
                                s,
                                x,
                                l.apPowerDbm(),
                                km,
                                "fading/device-" + dev + "/down/round-" + r))));
          }
          return out;
        }
      default:
        {
          List<Path> upFiles = l.traceUplink();
          List<Path> downFiles = l.traceDownlink();
          long[] pairs = tracePairs(upFiles.size(), downFiles.size(), n, s.seed(), l.traceAssign());
          EndPolicy end = EndPolicy.parse(l.traceEnd());
          // Each file read once per scenario and kept (prepare read them all, before any folder).
          for (int d = 0; d < n; d++) {
            Path upFile = upFiles.get((int) (pairs[d] % upFiles.size()));
            Path downFile = downFiles.get((int) (pairs[d] % downFiles.size()));
            LinkModel up = l.traces().get(upFile).link(end, prop);
            LinkModel down = l.traces().get(downFile).link(end, prop);
            out.add(
                new LinkPair(
                    new EmulatedLink((r, x) -> sharedTraces ? scaled(up, x) : up),
                    new EmulatedLink((r, x) -> sharedTraces ? scaled(down, x) : down)));
          }
          return out;
        }
    }
  }

  private static LinkModel shannon(
      Settings s, double share, double powerDbm, double km, String stream) {
    Settings.LinkSettings l = s.links();
    ShannonChannel c =
        new ShannonChannel(
            l.bandwidthHz(),
            share,
            powerDbm,
            l.noiseDbmPerHz(),
            km,
            ONE_ROUND_COHERENCE,
            s.seed(),
            stream);
    long prop = l.propagationDelay().toNanos();
    if (l.fading().equals("none")) {
      return FluidLink.constant(c.rateBitsPerSecond(1.0), prop);
    }
    // One coherence interval per round: the whole round sees this round's draw.
    return c.link(prop);
  }

  /** {@code m} at {@code share} of its rate all run long. */
  private static LinkModel scaled(LinkModel m, double share) {
    if (share >= 1.0) {
      return m;
    }
    return LinkFaults.apply(
        m, FaultSchedule.builder().degradation(0, Long.MAX_VALUE, share).build());
  }

  /**
   * The trace pair of each of {@code n} devices: device d takes uplink file {@code pairs[d] mod
   * ups} and downlink file {@code pairs[d] mod downs}. Round-robin deals pair j = d, so device d
   * takes uplink d mod ups and downlink d mod downs. Shuffled deals the same pairs of one period
   * (the first lcm(ups, downs), each once; with lists of one length, pair j is uplink j with
   * downlink j) in an order drawn from the one stream {@code links/trace-assign}: one permutation
   * for both directions, so a device keeps the pairing the lists were written with (an {@code .up}
   * with its own {@code .down}, or the next trace of a rotated list). With more devices than pairs
   * in a period, the order repeats.
   */
  static long[] tracePairs(int ups, int downs, int n, long seed, String how) {
    long period = lcm(ups, downs);
    long[] out = new long[n];
    if (!how.equals("shuffled")) {
      for (int d = 0; d < n; d++) {
        out[d] = d % period;
      }
      return out;
    }
    // The first m places of a seeded Fisher-Yates shuffle of 0 .. period - 1 (forward, so only the
    // places drawn are kept: a period can be far longer than the devices).
    int m = (int) Math.min(n, period);
    SplittableRandom rng = SeededStreams.stream(seed, "links/trace-assign");
    Map<Long, Long> moved = new HashMap<>();
    long[] picked = new long[m];
    for (int i = 0; i < m; i++) {
      long j = i + rng.nextLong(period - i);
      long atJ = moved.getOrDefault(j, j);
      moved.put(j, moved.getOrDefault((long) i, (long) i));
      picked[i] = atJ;
    }
    for (int d = 0; d < n; d++) {
      out[d] = picked[d % m];
    }
    return out;
  }

  private static long lcm(long a, long b) {
    long x = a;
    long y = b;
    while (y != 0) {
      long t = x % y;
      x = y;
      y = t;
    }
    return a / x * b;
  }
}
