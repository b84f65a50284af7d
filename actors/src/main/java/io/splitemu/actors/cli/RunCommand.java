package io.splitemu.actors.cli;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.results.CheckpointFile;
import io.splitemu.actors.results.DevicePlanRecord;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.FailoverToken;
import io.splitemu.actors.results.FolderLock;
import io.splitemu.actors.results.HopRecord;
import io.splitemu.actors.results.MemoryRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Checkpoint;
import io.splitemu.actors.runtime.Checkpoints;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.ResumeDiff;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.StopSwitch;
import io.splitemu.actors.scheme.Scheme;
import io.splitemu.actors.scheme.Schemes;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code splitemu run}: runs one scenario and writes its results folder. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs a scenario and writes results/<scenario>-<time>/ (or --out).")
public final class RunCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SCENARIO", description = "a HOCON scenario file")
  Path scenario;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "override a setting, e.g. --set rounds=3 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "results folder (must not exist)")
  Path out;

  @Option(
      names = "--resume",
      paramLabel = "RESULTS_DIR",
      description = "go on from the newest checkpoint in RESULTS_DIR, into that folder")
  Path resume;

  @Option(
      names = "--cluster",
      description =
          "make this JVM the supervisor member of a cluster: the devices, edge server and hops run"
              + " on `splitemu node` members (docs/cluster.md)")
  boolean cluster;

  @Option(
      names = "--min-members",
      paramLabel = "N",
      description = "with --cluster: members to wait for, this one included (default: 2)")
  Integer minMembers;

  @Option(
      names = "--failover",
      description =
          "with --cluster and --out: of the JVMs started with the same --out and --failover, one"
              + " runs the run and the others stand by; if its JVM is lost, one of them resumes"
              + " the run from its newest checkpoint (docs/cluster.md)")
  boolean failover;

  @CommandLine.Mixin ClusterOptions clusterOptions;

  /**
   * The cluster this run supervises, or null for a run in this JVM; a cluster option without {@code
   * --cluster} is a usage error.
   */
  private Emulation.Cluster cluster() {
    if (!cluster) {
      String stray = clusterOptions.givenOption(spec);
      if (minMembers != null) {
        stray = "--min-members";
      }
      if (stray != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), stray + ": only with --cluster");
      }
      return null;
    }
    int n = minMembers == null ? 2 : minMembers;
    if (n < 2) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--min-members " + n + ": at least 2 (this supervisor and one member with devices)");
    }
    var config =
        clusterOptions.toClusterConfig(spec, List.of("supervisor"), System.getenv()).toConfig();
    PrintWriter err = spec.commandLine().getErr();
    // Members join at a seed: this member when it started the cluster, else the seeds it was given.
    List<String> seeds = clusterOptions.seedNodes();
    return new Emulation.Cluster(
        config,
        n,
        at -> {
          err.println(
              "splitemu run: supervisor member up at "
                  + at
                  + "; waiting until "
                  + n
                  + " members serve, this one included (splitemu node --seed-nodes "
                  + (seeds.isEmpty() ? at : String.join(",", seeds))
                  + ")");
          err.flush();
        });
  }

  /** The run's stop, which SIGTERM asks for ({@link #term}). */
  private final StopSwitch stop = new StopSwitch();

  /**
   * The run's SIGTERM handler ({@link #installSigterm}): installed as the command starts, a {@code
   * --failover} JVM's as it takes the lease; null until then.
   */
  private volatile Sigterm term;

  /** The stop bound: {@link #stopBound} once the scenario is read. */
  private volatile Duration bound = Duration.ofMinutes(1);

  /**
   * Installs the run's SIGTERM handler, if not yet: from then on a SIGTERM asks the run to stop,
   * before it began as well ({@link #stoppedBeforeStart}). {@link Main} calls it before logging is
   * set up, {@link #call} if it did not ({@link #installSigtermAtStart}); a {@code --failover} JVM
   * only once it holds the lease ({@link Failover#join}), so that a standby SIGTERM'd leaves the
   * cluster and ends, as before. Before 2026-12-07 it was installed only as the run began, about
   * 1-2.5 s into the JVM: a SIGTERM before ended the JVM at once (143, no line), and a --failover
   * holder then left its lease to a standby, which ran the run the user had stopped.
   */
  synchronized void installSigterm() {
    if (term == null && !sigtermEnded) {
      term = Sigterm.install(stop, bound, RunCommand::haltedBeforeStart);
    }
  }

  /** Set once the handler is removed for good ({@link #endSigterm}): none is installed after. */
  private boolean sigtermEnded;

  /**
   * Removes the run's SIGTERM handler for good, before a {@code --failover} JVM's lease member
   * leaves the cluster: a SIGTERM from then on ends the JVM at once, and a lease taken as the
   * member leaves installs none.
   */
  private synchronized void endSigterm() {
    sigtermEnded = true;
    Sigterm.close(term);
  }

  /**
   * {@link #installSigterm}, but not for a {@code --failover} JVM (once it holds the lease): as the
   * command starts.
   */
  void installSigtermAtStart() {
    if (!failover) {
      installSigterm();
    }
  }

  @Override
  public Integer call() {
    installSigtermAtStart();
    try {
      return handled();
    } finally {
      Sigterm.close(term);
    }
  }

  /** {@link #call()}; SIGTERM is handled from {@link #installSigterm} on. */
  private Integer handled() {
    PrintWriter w = spec.commandLine().getOut();
    Emulation.Cluster onCluster = cluster();
    if (failover
        && (onCluster == null
            || out == null
            || resume != null
            || clusterOptions.seedNodes().isEmpty())) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--failover: only with --cluster, --seed-nodes (a running splitemu node) and --out"
              + " RESULTS_DIR (the folder every standby sees)");
    }
    if (Files.isDirectory(scenario)) {
      throw new UserException(
          scenario
              + " is a folder, not a scenario file"
              + (Files.isRegularFile(scenario.resolve("scenario.conf"))
                  ? "; it holds a run's results: to go on with that run, give its scenario file"
                      + " and --resume "
                      + scenario
                  : ""));
    }
    Settings s = Settings.load(scenario, sets);
    synchronized (this) {
      bound = stopBound(s);
      if (term != null) {
        term.running(bound, RunCommand::haltedBeforeStart);
      }
    }
    if (stop.requested()) {
      return stoppedBeforeStart(null, ended -> {}); // no folder made
    }
    String mathNote = MathEnvironment.note(s.fidelity());
    if (mathNote != null) {
      spec.commandLine().getErr().println(mathNote);
      spec.commandLine().getErr().flush();
    }
    if (!failover) {
      if (resume != null && out != null) {
        resumable(s, resume); // the usage line
      }
      // A resume's folder is judged (finished, its checkpoint) once it is locked.
      return call(w, onCluster, s, null, ended -> {});
    }
    if (pipeline(s)) {
      // A cut-off holder must never rename a file over its successor's: MP-SL's events.csv takes
      // a row earlier than its last by a copy renamed over it (ResultsWriter).
      throw new UserException(
          "splitemu.scheme: --failover does not run "
              + s.scheme()
              + " yet (MP-SL rewrites events.csv in place, which a standby taking the folder over"
              + " could race); run it with --cluster and --resume the folder by hand");
    }
    if (s.checkpointEvery() <= 0) {
      throw new UserException(
          "splitemu.checkpoint.every: --failover resumes from the newest checkpoint; give"
              + " checkpoint.every = K > 0 (1: no recorded row is ever redone)");
    }
    // The run's SIGTERM handler is installed as the lease is taken: from then on a SIGTERM is the
    // user's stop, recorded in the folder as the run's end (exit 143), so no standby takes it over.
    try (Failover lease = Failover.join(onCluster.system(), out, this::installSigterm)) {
      try {
        return leased(w, lease, onCluster, s);
      } finally {
        // Before the lease member leaves the cluster (up to 30 s): a SIGTERM then ends the JVM at
        // once (143), as the JVM's own handling does. Earlier on 2026-12-07 the handler stayed
        // until the command returned where the run never began (stopped before it, ended on
        // another JVM, refused): a SIGTERM while the lease was left was taken and went unheeded,
        // and the JVM exited 0 or 1 once its member had left.
        endSigterm();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserException("--failover: interrupted while standing by");
    }
  }

  /**
   * {@link #handled()} of a {@code --failover} JVM, once its lease member joined ({@code lease}):
   * stands by until it holds the lease, then takes the folder's lock and token and runs the run
   * ({@link #holding}), or ends with the status of the run that ended on another JVM.
   */
  private Integer leased(PrintWriter w, Failover lease, Emulation.Cluster onCluster, Settings s)
      throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    Integer ended;
    // A standby's metrics endpoint serves while it waits (before 2026-12-07 it started only with
    // the run, once the JVM held the lease).
    try (var standingBy = lease.serveWhileStandingBy(MetricsSettings.of(s), err)) {
      ended = lease.await(out, err);
    }
    if (ended != null) {
      return endedElsewhere(w, err, ended, s);
    }
    // This JVM holds the lease: the run goes on from the folder's newest checkpoint, if any.
    lease.fence(err);
    // ... once it holds the folder's lock too (released on close): a plain --resume or --out on
    // the folder is refused meanwhile, and what a predecessor still wrote is all written.
    // The token is closed after the lock: the lock's close removes a folder this JVM created
    // only while the token still names this JVM (else the folder is a successor's).
    FailoverToken token = null;
    try (FolderLock.Held lock = Failover.lock(out, err)) {
      // The folder's fencing token, before anything there is read: should this JVM be cut off
      // and a standby take the folder over where the lock does not keep it out (a shared folder
      // without locks across machines), this JVM's writes find the other token and stop.
      token = lease.takeOver(out, err);
      // Read once the token is written: an end marker that a predecessor wrote before (while
      // this JVM waited for the lock, or before it was cut off) is seen; after, that
      // predecessor's check of the token refuses it.
      ended = Failover.endedStatus(out);
      if (ended != null) {
        return endedElsewhere(w, err, ended, s);
      }
      return holding(w, err, lease, onCluster, s, token);
    } finally {
      if (token != null) {
        token.close();
      }
    }
  }

  /**
   * The run in {@link #out} ended on the JVM that held its lease with exit status {@code status}:
   * this one exits with it, and with one line.
   */
  private int endedElsewhere(PrintWriter w, PrintWriter err, int status, Settings s) {
    if (status == 0) {
      w.println("splitemu run: the run in " + out + " ended on another JVM (--failover)");
      w.flush();
      return 0;
    }
    err.println(
        "splitemu: the run in "
            + out
            + " ended with exit "
            + status
            + " on the JVM that held its lease (--failover), so this one does not run it; "
            + goOnAfterEnd(s));
    err.flush();
    return status;
  }

  /**
   * How to go on with the run in {@link #out} that ended with a failure on the JVM that held its
   * lease, as the folder stands (before 2026-12-07 the resume command whatever it held, which
   * failed where the folder held no checkpoint): from its newest checkpoint, the resume command or
   * the --failover JVMs again; with no checkpoint and no row, the --failover JVMs again (a holder
   * starts it from round 0); with rows but no checkpoint, the run again into another folder.
   */
  private String goOnAfterEnd(Settings s) {
    Path marker = out.resolve(Failover.ENDED);
    if (newestCheckpoint(out) >= 0) {
      return "to go on with it: "
          + (hopCrash(s) ? HOP_CRASH_NOT_RESUMED : resumeCommand(out))
          + ", or remove "
          + marker
          + " and start the --failover JVMs again";
    }
    if (!Files.isRegularFile(out.resolve("scenario.conf")) || ResultsWriter.holdsNoRows(out)) {
      List<String> stray = ResultsWriter.strayFiles(out, Set.of(Failover.ENDED));
      if (!stray.isEmpty()) {
        // Earlier on 2026-12-07 the advice below whatever else the folder held: the next holder
        // then cleared the run's files and was refused, and the same advice again.
        return "it " + strayAdvice(stray);
      }
      return "it holds no rows and no checkpoint: remove "
          + marker
          + " and start the --failover JVMs again (the run starts from round 0 in it)";
    }
    return "it " + noCheckpointAdvice(out, recordedEvery(out, s));
  }

  /**
   * Why results folder {@link #out}, which holds no rows and no checkpoint but also {@code stray}
   * ({@link ResultsWriter#strayFiles}), is not where a --failover holder starts the run again, and
   * how to go on: without them and the end marker there, or into another folder.
   */
  private String strayAdvice(List<String> stray) {
    return "holds no rows and no checkpoint, but also what a run does not write there: "
        + String.join(", ", stray)
        + " (nothing deleted); to start the run from round 0 in it, remove "
        + (stray.size() == 1 ? "that" : "those")
        + " and "
        + out.resolve(Failover.ENDED)
        + " and start the --failover JVMs again, or start the run into another folder: "
        + anotherFolderCommand();
  }

  /**
   * Why results folder {@code dir}, which holds rows but no checkpoint ({@code every}: its
   * checkpoint.every), cannot be resumed, and the command that starts the run again into another
   * folder.
   */
  private String noCheckpointAdvice(Path dir, int every) {
    int rounds = ResultsWriter.readRounds(dir).size();
    return "holds "
        + (rounds > 0 ? rounds + " recorded round" + (rounds == 1 ? "" : "s") : "recorded rows")
        + " but no checkpoint to resume from ("
        + noCheckpointWhy(every)
        + "); start the run again into another folder: "
        + anotherFolderCommand();
  }

  /** The command that starts this --failover run again into another folder. */
  private String anotherFolderCommand() {
    return runCommand(" --out NEW_DIR", true) + " --failover";
  }

  /**
   * This JVM holds {@link #out}'s lease, lock and {@code token}: runs the run, resuming it if it
   * had started. Should a write find that a newer holder took the folder over (its line said so),
   * it ends with 1, writing nothing more.
   */
  private int holding(
      PrintWriter w,
      PrintWriter err,
      Failover lease,
      Emulation.Cluster onCluster,
      Settings s,
      FailoverToken token) {
    int status = 1;
    // Set once the end is recorded: before the metrics linger, which a second signal may cut.
    boolean[] recorded = {false};
    IntConsumer recordEnd =
        ended -> {
          // Before the linger: a second SIGTERM, a Ctrl-C or a SIGKILL during it ends this JVM,
          // and a standby would otherwise take over the run that ended here.
          lease.ended(out, ended);
          recorded[0] = true;
          if (token.takenOver()) {
            throw new TakenOver(); // no linger either
          }
        };
    try {
      boolean started = Files.isDirectory(out.resolve("checkpoints"));
      if (finished(out, s) != null) {
        // The holder wrote its summary but was lost before it said it ended.
        w.println("splitemu run: the run in " + out + " ended on another JVM (--failover)");
        w.flush();
        status = 0;
        return 0;
      }
      if (stop.requested()) {
        // SIGTERM'd once this JVM took the lease (while it waited for the folder's lock, say),
        // before its run began: the user's stop, recorded as one (exit 143), so that the standbys
        // exit too rather than take the run over (before 2026-12-07 the JVM ended at once without
        // the end marker, and a standby ran the run).
        status = stoppedBeforeStart(out, recordEnd);
        return status;
      }
      // Nothing recorded: a fresh folder, or one a holder before this JVM left before its first
      // row. That holder wrote into it (its scenario.conf, a table, whole or cut off), or its
      // token alone (lost before its start wrote more, or a start that recorded nothing and took
      // its files back): this JVM takes it over and says so (earlier on 2026-12-07 a folder with
      // no scenario.conf was run without a word, and one with a table's header was refused by the
      // run's open as not empty).
      ResumeDiff.CutShort cut = started ? null : ResumeDiff.cutShort(out, s.resolved(), Set.of());
      boolean rowless = cut != null && (!FolderLock.holdsNothing(out) || token.generation() > 1);
      if (rowless || !started && !Files.exists(out.resolve("scenario.conf"))) {
        // Refused where the folder holds what a run does not write, before anything is deleted
        // there (earlier on 2026-12-07 the run's files were cleared first, and the run's open
        // then refused the folder): the end marker this refusal leaves is named in the line.
        List<String> stray = cut != null ? cut.stray() : ResultsWriter.strayFiles(out, Set.of());
        if (!stray.isEmpty()) {
          throw new UserException("--failover: " + out + " " + strayAdvice(stray));
        }
      }
      if (rowless) {
        // Of this configuration only, as run --resume and compare --resume judge it (earlier on
        // 2026-12-07 a standby given another scenario or --set took the folder over as its own).
        if (!cut.otherKeys().isEmpty()) {
          throw new UserException(
              "--failover: "
                  + otherConfiguration(out, scenario, cut.otherKeys(), s)
                      .getMessage()
                      .substring("--resume: ".length()));
        }
        // The JVM that ran it was lost before it recorded a row: the run starts again from round
        // 0 in the folder, which loses nothing and gives the rows of a run never interrupted
        // (before 2026-12-07 it was refused, with advice that led nowhere).
        if (stop.requested()) {
          // SIGTERM'd as the folder was judged: the stop, as above, with the folder as it was.
          status = stoppedBeforeStart(out, recordEnd);
          return status;
        }
        ResultsWriter.removeRowless(out);
        err.println(
            "splitemu run: took over "
                + out
                + " (--failover); it holds no rows and no checkpoint (the JVM that ran it was lost"
                + " before it recorded any), so the run starts again from round 0 in it");
        err.flush();
      } else if (!started && cut == null) {
        throw new UserException(
            "--failover: " + out + " " + noCheckpointAdvice(out, recordedEvery(out, s)));
      }
      if (started) {
        err.println("splitemu run: took over " + out + " (--failover); resuming it");
        err.flush();
        token.noteOnResume(
            "taken over by --failover (generation "
                + token.generation()
                + ") after the JVM that held the run was lost");
      }
      status = call(w, onCluster, s, started ? resumable(s, out) : null, recordEnd);
      return status;
    } catch (RuntimeException e) {
      if (token.takenOver()) {
        return 1; // its line said why; what failed after it is this JVM's, not the run's
      }
      throw e;
    } finally {
      // However it ended here (done, failed, stopped): the standbys exit with its status rather
      // than resume it. Not where nothing was recorded (the run never started: its folder goes
      // with the lock), which a later --failover starts afresh; a SIGTERM before the start keeps
      // the folder and records 143 through `ended`.
      if (!recorded[0] && !FolderLock.holdsNothing(out)) {
        lease.ended(out, status);
      }
    }
  }

  /**
   * Runs {@code s} (on {@code onCluster} if not null), from {@code from} if not null; {@code ended}
   * is told the exit status just before the metrics linger, if there is one.
   */
  private Integer call(
      PrintWriter w, Emulation.Cluster onCluster, Settings s, Checkpoint from, IntConsumer ended) {
    if (failover) {
      // The lease and the folder's lock, both held already (the successor of a holder cut off
      // but alive waits for its lock), keep the JVMs of one folder apart.
      return call(w, onCluster, s, from, resume != null ? resume : out, ended);
    }
    Path dir;
    boolean reserved = false;
    if (resume != null) {
      dir = resume;
      if (!Files.isDirectory(resume)) {
        // Refused in its own line: there is no folder to lock.
        return call(w, onCluster, s, resumable(s, resume), resume, ended);
      }
    } else if (out != null) {
      dir = out;
      try {
        // Before the lock, which writes its file into the folder (open() checks it again).
        ResultsWriter.refuseNonEmpty(dir);
      } catch (java.io.IOException e) {
        throw new UserException(io.splitemu.actors.results.IoReasons.cannotCreateFolder(dir, e), e);
      }
    } else {
      // A name of its own, claimed atomically: runs started in the same second never share it.
      dir = ResultsWriter.reserveRunFolder(s.outputDir(), s.scenario(), Clock.systemUTC());
      reserved = true;
    }
    // One process at a time in a results folder; released however the run ends (the system
    // releases it if the process is killed).
    FailoverToken token = null;
    // Seen before the lock writes its file: a folder nothing ever wrote into (one made by hand, a
    // path mistyped) is no start cut short, and is refused as holding no checkpoint, as before.
    boolean written = resume != null && holdsAnything(resume);
    stopAtLockForTest();
    try (FolderLock.Held lock = FolderLock.takeCreating(dir, reserved)) {
      if (stop.requested()) {
        // SIGTERM'd before the run began (while its folder was chosen and locked): nothing there
        // is touched, a --resume folder stays as it was. Before, this was seen only once the
        // folder was judged: a start cut short was cleared, a --failover token taken and an end
        // marker removed first, and a later --resume of a folder so cleared was refused as
        // holding no checkpoint.
        return stoppedBeforeStart(dir, ended);
      }
      // A folder whose start was cut short before its first row runs again from round 0 there.
      boolean again = written && startsAgain(s, resume);
      Checkpoint start = again ? null : resume != null ? resumable(s, resume) : from;
      if (resume != null && Files.exists(dir.resolve(FailoverToken.FILE))) {
        // A folder run with --failover, going on by hand: this process takes its token too (a
        // newer generation), so that a --failover holder cut off but still alive, where the lock
        // does not keep it out, finds it and writes nothing more. After the refusals above (a
        // refused resume leaves the folder as it was: before 2026-12-07 it took the token first),
        // and the checkpoint is read again once the token is written: what such a holder wrote
        // meanwhile is in the folder then (a skipped file was named above already).
        token =
            Failover.take(
                dir, "--resume pid " + ProcessHandle.current().pid(), spec.commandLine().getErr());
        // A folder judged rowless is judged again too: a holder that wrote rows meanwhile leaves
        // a checkpoint to go on from, or the refusal of one without.
        again = again && startsAgain(s, resume);
        start =
            again
                ? null
                : checkpointToResume(
                    s, resume, scenario, new PrintWriter(java.io.Writer.nullWriter()));
      }
      if (resume != null) {
        // A failover run that ended with a failure, going on by hand: a later --failover on the
        // folder no longer takes it for ended with that status.
        Files.deleteIfExists(dir.resolve(Failover.ENDED));
      }
      if (again) {
        // Its start was cut short before its first row (killed during start-up, or a full disk
        // that cut its scenario.conf off): what it wrote goes and the run starts from round 0 in
        // it, which loses nothing, as a --failover holder and compare --resume do (before
        // 2026-12-07 it was refused, and only deleting the folder by hand went on).
        ResultsWriter.removeRowless(dir);
        PrintWriter err = spec.commandLine().getErr();
        err.println(
            "splitemu run: "
                + dir
                + " holds no rows and no checkpoint (its start was cut short), so the run starts"
                + " again from round 0 in it");
        err.flush();
      }
      return call(w, onCluster, s, start, dir, ended);
    } catch (java.io.IOException e) {
      throw new UserException(
          "cannot remove "
              + dir.resolve(Failover.ENDED)
              + ": "
              + io.splitemu.actors.results.IoReasons.reason(e, dir.resolve(Failover.ENDED)),
          e);
    } catch (RuntimeException e) {
      if (token != null && token.takenOver()) {
        return 1; // its line said why: another holder took the folder over
      }
      throw e;
    } finally {
      if (token != null) {
        token.close();
      }
    }
  }

  /**
   * {@link #call(PrintWriter, Emulation.Cluster, Settings, Checkpoint, IntConsumer)} into {@code
   * dir}.
   */
  private Integer call(
      PrintWriter w,
      Emulation.Cluster onCluster,
      Settings s,
      Checkpoint from,
      Path dir,
      IntConsumer ended) {
    // Installed as the command started: from here on a SIGTERM stops the run at a round boundary.
    Sigterm term = this.term;
    boolean hopCrash = hopCrash(s);
    if (term != null) {
      term.running(
          stopBound(s),
          () ->
              haltedRun(
                  stop,
                  dir,
                  s.checkpointEvery(),
                  hopCrash ? null : resumeCommand(dir),
                  HOP_CRASH_NOT_RESUMED));
    }
    if (stop.requested()) {
      // A SIGTERM before the run began: nothing started, nothing written by this run (a folder
      // created for it goes with its lock).
      return stoppedBeforeStart(dir, ended);
    }
    // A --failover holder whose folder a newer holder took over writes nothing more (its token
    // refuses it) and stops at the next round boundary.
    FailoverToken token = FailoverToken.held(dir);
    if (token != null) {
      token.onTaken(stop::request);
    }
    // A signal (SIGTERM, Ctrl-C) ends the JVM with its usual status; this says what was kept.
    Thread onSignal = new Thread(() -> System.err.println(signalLine(dir)), "splitemu-signal");
    Runtime.getRuntime().addShutdownHook(onSignal);
    Emulation.Outcome o;
    // The handler stays until the stop's line is printed (before 2026-12-07 it was removed as the
    // run ended, and a second SIGTERM right after the stop ended the JVM without its line).
    try {
      try (Progress p = new Progress(w, s.scheme(), s.rounds(), Progress.terminal())) {
        RunListener listener = term == null ? p : term.watching(p);
        o = Emulation.run(s, dir, listener, new Emulation.RunControl(from, stop, onCluster));
      } catch (io.splitemu.actors.runtime.RunFailedException e) {
        Sigterm.close(term);
        if (token != null && token.takenOver()) {
          throw new TakenOver(); // its line said it: nothing more, not even the linger
        }
        if (!stop.stoppedBeforeRunStarted()) {
          // The run failed, which its error line says: a signal during the linger ends the JVM
          // without the stopped-by-a-signal line, which would say the wrong thing.
          removeHook(onSignal);
          return Lingering.afterFailure(
              spec.commandLine(),
              e,
              MetricsSettings.of(s),
              // A SIGTERM asked for before it failed bounds the linger as after a stop.
              stop.leftOf(stopBound(s)),
              ended);
        }
        // SIGTERM while a cluster run waited for its members, or they loaded it or placed its
        // devices: no round ran, nothing to resume; this JVM's member has left the cluster.
        return stoppedBeforeStart(dir, ended);
      } finally {
        removeHook(onSignal);
      }
      if (token != null && token.takenOver()) {
        throw new TakenOver(); // stopped by its token (no checkpoint, no summary): its line said it
      }
      int after = stop.stoppedAfterRound();
      if (after >= 0) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(
            "splitemu: stopped by SIGTERM after round "
                + after
                + "; checkpoint "
                + Checkpoints.file(dir, after)
                + (hopCrash
                    // --resume refuses it (a checkpoint holds the hops of one plan)
                    ? "; " + HOP_CRASH_NOT_RESUMED
                    : "; resume with: " + resumeCommand(dir)));
        err.flush();
        ended.accept(SIGTERM_STATUS);
        Sigterm.close(term); // a SIGTERM during the linger ends the JVM: the line is printed
        // Within what is left of the stop bound, which the supervisors' grace is sized on.
        Metrics.linger(MetricsSettings.of(s), w, stop.leftOf(stopBound(s)));
        return SIGTERM_STATUS;
      }
    } finally {
      Sigterm.close(term);
    }
    printSummary(w, o);
    w.flush();
    ended.accept(0);
    if (term == null || !term.signalled()) {
      // A SIGTERM the handler took that stopped nothing (it came after the last round, or as the
      // run ended) ends the run without the linger, as one during the linger ends it (before
      // 2026-12-07 it was swallowed: the linger ran in full).
      Metrics.linger(MetricsSettings.of(s), w);
    }
    return 0;
  }

  /**
   * The run was stopped by SIGTERM before it began (or, on a cluster, before its supervisor
   * started): no round ran, no checkpoint. Prints one line and tells {@code ended} 143 (a {@code
   * --failover} holder records it in the folder, kept for this: its standbys exit with 143 rather
   * than run the run, before 2026-12-07 one ran it whole). {@code dir}: the results folder, null
   * before one was chosen.
   */
  private int stoppedBeforeStart(Path dir, IntConsumer ended) {
    PrintWriter err = spec.commandLine().getErr();
    err.println(stoppedBeforeStartLine(dir));
    err.flush();
    ended.accept(SIGTERM_STATUS);
    return SIGTERM_STATUS;
  }

  /**
   * The line of a run stopped by SIGTERM before it began: what its folder {@code dir} (null: none
   * chosen yet) holds, where it holds a run's {@code scenario.conf}.
   */
  static String stoppedBeforeStartLine(Path dir) {
    String line =
        "splitemu: stopped by SIGTERM before the run started (no round ran, no checkpoint)";
    if (dir == null || !Files.isRegularFile(dir.resolve("scenario.conf"))) {
      return line;
    }
    return line
        + "; "
        + dir
        + (ResultsWriter.recordsNoRows(dir) ? " holds no rounds" : " keeps the rounds it held");
  }

  /**
   * What a halt before the run began leaves (a second SIGTERM, or the stop bound): nothing of the
   * run; a folder created for it, still empty, is removed ({@link FolderLock#removeUnusedCreated}).
   */
  static String haltedBeforeStart() {
    FolderLock.removeUnusedCreated();
    return "before the run started (no round ran, no checkpoint)";
  }

  /**
   * A {@code --failover} holder found a newer holder's token in its folder (its line said so): the
   * run ends with exit 1, writing nothing more and without the metrics linger.
   */
  private static final class TakenOver extends RuntimeException {
    TakenOver() {
      super(null, null, false, false);
    }
  }

  /** Removes the shutdown hook {@code hook} if it is still registered. */
  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is already stopping: the hook runs and prints its line.
    }
  }

  // Checkpoints and resume (docs/runtime.md, "Checkpoints and resume").

  /**
   * The {@code --set} options of this run as the resume command repeats them (a resume must resolve
   * the same scenario), each value quoted for a POSIX shell where it needs it.
   */
  private String resumeSets() {
    return shellSets(sets);
  }

  /**
   * The command that resumes this run from folder {@code dir}: the scenario and {@code --set}
   * options as given, and for a cluster run {@code --cluster} with the cluster options as given
   * ({@code --seed-nodes}, {@code --bind}, {@code --port}, TLS, {@code --min-members}), so that it
   * resumes on the same cluster. Before 2026-12-07 a cluster run's line left them out, and pasting
   * it resumed a lab-scale run in one JVM. The supervisor of deploy/local-cluster.sh ({@link
   * #LOCAL_CLUSTER_ENV} set) names the script instead, as its members stop with it: before, its
   * line was {@code run ... --cluster --port P --min-members N}, which waited for members that no
   * longer ran and failed at its join timeout.
   */
  private String resumeCommand(Path dir) {
    String script = System.getenv(LOCAL_CLUSTER_ENV);
    if (cluster && script != null && !script.isBlank()) {
      // The supervisor of deploy/local-cluster.sh, which stops its members with it: only the
      // script starts them again (its --nodes, then the run's scenario, sets and TLS options).
      return script
          + " "
          + shellWord(scenario.toString())
          + resumeSets()
          + clusterOptions.tlsShellOptions(spec)
          + " --resume "
          + shellWord(dir.toString());
    }
    return runCommand(" --resume " + shellWord(dir.toString()), cluster);
  }

  /**
   * {@code splitemu run} of this scenario with its {@code --set} options as given, then {@code
   * folder} (the words that name the results folder, such as {@code " --resume DIR"}), then, {@code
   * onCluster}, {@code --cluster} with the cluster options as given and {@code --min-members}: the
   * head that {@link #resumeCommand} and {@link #anotherFolderCommand} share.
   */
  private String runCommand(String folder, boolean onCluster) {
    return launcher()
        + " run "
        + shellWord(scenario.toString())
        + resumeSets()
        + folder
        + (onCluster
            ? " --cluster"
                + clusterOptions.shellOptions(spec)
                + (minMembers == null ? "" : " --min-members " + minMembers)
            : "");
  }

  /**
   * The environment variable deploy/local-cluster.sh gives its supervisor: the script's own command
   * as words for a POSIX shell ({@code deploy/local-cluster.sh --nodes N}), which a cluster run's
   * resume command then starts with instead of {@code splitemu run}.
   */
  static final String LOCAL_CLUSTER_ENV = "SPLITEMU_LOCAL_CLUSTER";

  /** {@code sets} as {@code --set} options for a POSIX shell, each value quoted where it needs. */
  static String shellSets(List<String> sets) {
    StringBuilder b = new StringBuilder();
    for (String set : sets) {
      b.append(" --set ").append(shellWord(set));
    }
    return b.toString();
  }

  /**
   * How the user started splitemu, as a hint to paste starts: the launcher's {@code $0} (system
   * property {@code splitemu.launcher}, such as {@code ./splitemu} in the checkout), else {@code
   * splitemu}.
   */
  static String launcher() {
    String l = System.getProperty("splitemu.launcher", "");
    return l.isBlank() ? "splitemu" : shellWord(l);
  }

  /** {@code word} as one word for a POSIX shell: as it is where it needs no quotes. */
  static String shellWord(String word) {
    return word.matches("[A-Za-z0-9._=,/:+@-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  /** The exit status of a run stopped by SIGTERM (128 + 15, what the shell reports). */
  static final int SIGTERM_STATUS = 143;

  /** Whether folder {@code dir} holds any entry (true where it cannot be listed). */
  private static boolean holdsAnything(Path dir) {
    try (var entries = Files.list(dir)) {
      // The lock's file aside: a refused resume leaves it (earlier on 2026-12-07 the same
      // mistyped --resume DIR was refused once, then ran there as a start cut short).
      return entries.anyMatch(e -> !e.getFileName().toString().equals(FolderLock.FILE));
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return true; // judged under the lock, which names what it cannot read
    }
  }

  /**
   * Whether {@code --resume}'s folder {@code dir} (locked) is one whose start was cut short before
   * its first row, where the run starts again from round 0: it records no row and no checkpoint
   * ({@link ResultsWriter#recordsNoRows}), its {@code scenario.conf} is missing, cut off (cannot be
   * read) or of this configuration, and it holds nothing a run does not write there ({@link
   * ResultsWriter#strayFiles}; a --failover end marker aside, which the resume removes). Refuses in
   * one line such a folder that holds something else (naming it; nothing is deleted) or whose
   * scenario.conf is of another configuration.
   */
  private boolean startsAgain(Settings s, Path dir) {
    ResumeDiff.CutShort cut =
        Files.isDirectory(dir)
            ? ResumeDiff.cutShort(dir, s.resolved(), Set.of(Failover.ENDED))
            : null;
    if (cut == null) {
      return false;
    }
    if (!cut.otherKeys().isEmpty()) {
      throw otherConfiguration(dir, scenario, cut.otherKeys(), s);
    }
    List<String> stray = cut.stray();
    if (!stray.isEmpty()) {
      throw new UserException(
          "--resume: "
              + dir
              + " holds no rows and no checkpoint, but also what a run does not write there: "
              + String.join(", ", stray)
              + " (nothing deleted); to start the run from round 0 in it, remove "
              + (stray.size() == 1 ? "that" : "those")
              + " and give --resume again, or start the run into another folder: "
              + runCommand(" --out NEW_DIR", cluster));
    }
    return true;
  }

  /**
   * The newest readable checkpoint of {@code --resume}'s folder for scenario {@code s}; refuses
   * with one line a scheme that cannot resume, a folder with no checkpoint, or one run with another
   * resolved scenario.
   */
  private Checkpoint resumable(Settings s, Path resume) {
    if (out != null && !failover) {
      throw new UserException("--resume goes on in RESULTS_DIR; give no --out with it");
    }
    return checkpointToResume(s, resume, scenario, spec.commandLine().getErr());
  }

  /**
   * The newest readable checkpoint of results folder {@code resume} for scenario {@code s} (read
   * from {@code scenario} with the command's {@code --set} options), a skipped unreadable one named
   * on {@code err}; refuses with one line a scheme that cannot resume, a folder with no checkpoint,
   * or one run with another resolved scenario. {@code run --resume} and {@code compare --resume}
   * (for a stopped scheme's folder) share it.
   */
  static Checkpoint checkpointToResume(Settings s, Path resume, Path scenario, PrintWriter err) {
    String finished = finished(resume, s);
    if (finished != null) {
      // Nothing is left to run: a resume would only cut and write again the rounds after its
      // newest checkpoint.
      throw new UserException("--resume: " + resume + " " + finished + "; nothing to resume");
    }
    for (int i = 0; i < s.faults().size(); i++) {
      if (s.faults().get(i).kind().equals("hop-crash")) {
        // Its checkpoints (SIGTERM's) hold the hops of one plan; the crash changes the plan.
        throw new UserException(
            "--resume: "
                + scenario
                + " has a hop-crash ("
                + s.faults().get(i).origin()
                + "); a run with a hop crash cannot be resumed yet");
      }
    }
    if (Files.isRegularFile(resume.resolve("scenario.conf")) && newestCheckpoint(resume) < 0) {
      // A run's folder: why it holds none (before 2026-12-07 the line did not say that
      // checkpoint.every = 0 takes them only on SIGTERM).
      throw new UserException(
          "--resume: "
              + resume
              + " holds no checkpoint to resume from ("
              + noCheckpointWhy(recordedEvery(resume, s))
              + ")");
    }
    Checkpoint c = Checkpoints.newest(resume, warning -> err.println("splitemu: " + warning));
    err.flush();
    if (!Checkpoints.configurationOf(c.fingerprint()).equals(Checkpoints.fingerprint(s))) {
      // The fingerprint judges; the folder's scenario.conf says which keys differ.
      throw otherConfiguration(
          resume, scenario, ResumeDiff.differences(resume, s.resolved(), 3), s);
    }
    String differs = Checkpoints.inputDiffering(c.fingerprint(), s);
    if (differs != null) {
      throw otherInputs(resume, scenario, differs);
    }
    if ((Schemes.of(s.scheme()).family() == Scheme.Family.PIPELINE) != (c.pipeline() != null)) {
      throw new UserException(
          "--resume: " + resume + "'s checkpoint is not of a " + s.scheme() + " run");
    }
    return c;
  }

  /**
   * How the run in results folder {@code f} finished ("finished all 4 rounds", or "stopped at its
   * target accuracy (stop-at-target) after 3 of 10 rounds"), or null if it did not: it wrote its
   * summary and recorded its configured number of rounds, or its summary says it reached its target
   * accuracy in a run with stop-at-target. The rounds and stop-at-target are those of the folder's
   * scenario.conf (what the run was started with), else of {@code s}. A run stopped by SIGTERM, or
   * killed, before its last round is not finished, whatever checkpoints are left; a resume deletes
   * the summary as it starts, so a resume stopped or killed is not finished either.
   */
  static String finished(Path f, Settings s) {
    if (!Files.isRegularFile(f.resolve("summary.json"))
        || !Files.isRegularFile(f.resolve("rounds.csv"))) {
      return null;
    }
    int rounds = s.rounds();
    boolean stopAtTarget = s.stopAtTarget();
    try {
      com.typesafe.config.Config c =
          com.typesafe.config.ConfigFactory.parseString(
              Files.readString(
                  f.resolve("scenario.conf"), java.nio.charset.StandardCharsets.UTF_8));
      if (c.hasPath("splitemu.rounds")) {
        rounds = c.getInt("splitemu.rounds");
      }
      if (c.hasPath("splitemu.stop-at-target")) {
        stopAtTarget = c.getBoolean("splitemu.stop-at-target");
      }
    } catch (java.io.IOException | com.typesafe.config.ConfigException e) {
      // The scenario as read now: a resume refuses another configuration anyway.
    }
    List<RoundRecord> recorded = ResultsWriter.readRounds(f);
    int last = recorded.isEmpty() ? 0 : recorded.get(recorded.size() - 1).round();
    if (last >= rounds) {
      return "finished all " + rounds + " rounds";
    }
    if (stopAtTarget && last > 0) {
      boolean reached;
      try {
        reached =
            !Double.isNaN(ResultsWriter.readSummary(f.resolve("summary.json")).timeToTargetS());
      } catch (RuntimeException unreadable) {
        reached = false;
      }
      if (reached) {
        return "stopped at its target accuracy (stop-at-target) after "
            + last
            + " of "
            + rounds
            + " rounds";
      }
    }
    return null;
  }

  /**
   * The one line refusing to resume results folder {@code resume}, run with another configuration
   * than {@code scenario} and the command's {@code --set} options; {@code diff}: the keys that
   * differ ({@link ResumeDiff#differences}), empty if none does, null if the folder's {@code
   * scenario.conf} cannot be read; {@code s}: the scenario as read now, whose availability file (if
   * any) is named when no key differs.
   */
  static UserException otherConfiguration(
      Path resume, Path scenario, List<String> diff, Settings s) {
    Path availability = availabilityFile(s, scenario);
    String why =
        diff == null
            ? " (the resolved scenario differs from its checkpoint's)"
            : !diff.isEmpty()
                ? " (" + String.join("; ", diff) + ")"
                : availability != null
                    ? " (no key differs from its scenario.conf: the faults as read do: the"
                        + " availability file "
                        + availability
                        + " as read differs)"
                    : " (no key differs from its scenario.conf: the faults as read do, such as an"
                        + " edited availability file)";
    return new UserException(
        "--resume: "
            + resume
            + " was run with another configuration than "
            + scenario
            + " and these --set options, or by a splitemu build with other defaults"
            + why);
  }

  /**
   * The one line refusing to resume results folder {@code resume}, whose run read a trace or
   * profile file of other content than {@code differs} ({@link Checkpoints#inputDiffering}) now
   * holds: the rounds after the checkpoint would be emulated on other inputs than those before it.
   */
  static UserException otherInputs(Path resume, Path scenario, String differs) {
    return new UserException(
        "--resume: "
            + resume
            + " was run with other inputs than "
            + scenario
            + " (no key differs from its scenario.conf: "
            + differs
            + " as read differs)");
  }

  /**
   * The availability file {@code s} reads (its {@code availability} key, relative to the folder of
   * {@code scenario}, as the settings resolve it), or null if it reads none.
   */
  static Path availabilityFile(Settings s, Path scenario) {
    com.typesafe.config.Config c = com.typesafe.config.ConfigFactory.parseString(s.resolved());
    String key = "splitemu.availability";
    if (!c.hasPath(key) || c.getString(key).isBlank()) {
      return null;
    }
    Path dir = scenario.toAbsolutePath().getParent();
    return (dir == null ? Path.of("") : dir).resolve(c.getString(key)).normalize();
  }

  /** Whether {@code s} runs an MP-SL scheme. */
  private static boolean pipeline(Settings s) {
    return Schemes.of(s.scheme()).family() == Scheme.Family.PIPELINE;
  }

  /**
   * How long a SIGTERM waits without the run showing progress (a step, a row, an event) for the
   * round under way to end: the barrier watchdog (a round's steps answer within it unless the host
   * is stuck) plus a minute for the checkpoint and flush. A healthy round, however long, keeps
   * showing progress, so it is waited for; a paced run stops waiting for the wall clock once asked
   * to stop (Emulation releases its schedule), so it shows progress as a virtual run does.
   */
  static Duration stopBound(Settings s) {
    return s.barrierTimeout().plusMinutes(1);
  }

  /**
   * While a run goes on, SIGTERM asks it to stop at its next round boundary with a checkpoint (a
   * JVM shutdown hook could not see a second SIGTERM, and Pekko's own hook would end the actor
   * system under the run); a second SIGTERM, or the run not stopping within the bound, exits at
   * once, saying in one line whether the stop's checkpoint was written, where the rounds are and
   * how to resume ({@code halted}). Once {@link #writing} is called (a compare writing its
   * comparison after its runs ended), a SIGTERM no longer halts: the writing, a few files, is let
   * finish, and {@link #signalledWhileWriting} tells the caller to end without the metrics linger.
   * Restores the previous handler on close; a SIGTERM that comes as it closes is passed on to it.
   */
  static final class Sigterm implements AutoCloseable {
    private static final Signal TERM = new Signal("TERM");
    private final StopSwitch stop;
    // Set again as the run begins (run's handler is installed before its scenario is read).
    private volatile Duration bound;
    private volatile java.util.function.Supplier<String> halted;
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());

    /**
     * Guards the state below: the handler, the watchdog's halt and {@link #close} exclude each
     * other, so a SIGTERM is either handled here (and a watchdog it starts is stopped by close) or,
     * once closed, handled as after the handler is removed. Before 2026-12-07 a SIGTERM between the
     * end of the writing and close() could start a watchdog close() never saw: the JVM halted 120 s
     * into the linger saying the comparison was not written, though it was.
     */
    private final Object lock = new Object();

    private SignalHandler previous;
    private boolean closed;
    private boolean once;
    private boolean writing;
    private boolean signalledWhileWriting;
    private Thread watchdog;

    private Sigterm(StopSwitch stop, Duration bound, java.util.function.Supplier<String> halted) {
      this.stop = stop;
      this.bound = bound;
      this.halted = halted;
    }

    /**
     * Installs the handler for a run (or compare) writing into {@code dir}; {@code halted}: what a
     * halt leaves and how to go on, after "exiting at once" ({@link #haltedRun}).
     */
    static Sigterm install(
        StopSwitch stop, Duration bound, java.util.function.Supplier<String> halted) {
      Sigterm term = new Sigterm(stop, bound, halted);
      synchronized (term.lock) {
        term.previous = Signal.handle(TERM, term::handle);
      }
      return term;
    }

    /**
     * From now on the stop bound is {@code bound} and a halt says {@code halted}: for a handler
     * installed before the run's scenario and folder were known ({@code run}'s, installed first).
     */
    void running(Duration bound, java.util.function.Supplier<String> halted) {
      this.bound = bound;
      this.halted = halted;
    }

    private void handle(Signal sig) {
      synchronized (lock) {
        if (closed) {
          passOn(sig);
          return;
        }
        if (writing) {
          // The runs have ended and their comparison is being written: halting now would leave
          // it half new, half of an earlier stop. The writing ends within seconds (the watchdog
          // below bounds it, from the first SIGTERM); then the caller ends with its line, without
          // the linger.
          signalledWhileWriting = true;
          if (!once) {
            once = true;
            stop.request();
            watch();
          }
          return;
        }
        if (once) {
          halt("a second SIGTERM: exiting at once" + then(halted.get()));
        }
        once = true;
        lastProgress.set(System.nanoTime());
      }
      holdStopForTest(); // outside the lock: a second SIGTERM meanwhile halts
      synchronized (lock) {
        if (closed) {
          // The run ended while the first SIGTERM was held: as a SIGTERM after it.
          passOn(sig);
          return;
        }
        stop.request();
        watch();
      }
    }

    /**
     * A SIGTERM that came as or after the handler was removed ({@link #close}): raised again for
     * the handler close() restored, which ends the JVM (the metrics linger) as it would have had
     * the signal come a moment later. Under {@link #lock}, with {@link #closed} set.
     */
    private static void passOn(Signal sig) {
      Signal.raise(sig);
    }

    /** The hold-stop test hook's file (null: none): read once. */
    private static final Path HOLD_STOP = testHook("splitemu.test.hold-stop");

    /**
     * Tests only: with system property {@code splitemu.test.hold-stop} set to a file's path, the
     * first SIGTERM creates that file (if it is not there) and waits (at most a minute) until it is
     * deleted before it asks the run to stop, so a test can send the second one while the run goes
     * on unstopped (the pattern of {@code splitemu.test.hold-comparison}). Each signal is handled
     * on a thread of its own, so the second is not held.
     */
    private static void holdStopForTest() {
      holdForTest(HOLD_STOP, "holding\n");
    }

    /** Halts the JVM once nothing shows progress for {@code bound}. Under {@link #lock}. */
    private void watch() {
      Thread t =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() - lastProgress.get() < bound.toNanos()) {
                    Thread.sleep(1000);
                  }
                } catch (InterruptedException e) {
                  return; // the run ended: close() stops the watch
                }
                synchronized (lock) {
                  if (closed) {
                    return; // close() came first
                  }
                  halt(
                      "SIGTERM: the run showed no progress for "
                          + bound.toSeconds()
                          + " s; exiting at once"
                          + then(halted.get()));
                }
              },
              "splitemu-sigterm-bound");
      t.setDaemon(true);
      watchdog = t;
      t.start();
    }

    /**
     * From now on a SIGTERM lets the writing of the results finish instead of halting (a compare's
     * comparison, once its runs ended).
     */
    void writing() {
      beat();
      synchronized (lock) {
        writing = true;
      }
    }

    /**
     * The writing {@link #writing} began has ended and runs follow (a sweep's point written, the
     * next point to run): a SIGTERM stops them again, a second one halts. A SIGTERM that came while
     * it was written stopped them already.
     */
    void written() {
      beat();
      synchronized (lock) {
        writing = false;
      }
    }

    /**
     * Whether a SIGTERM came while the results were written ({@link #writing}); read after {@link
     * #close}, so that one up to the handler's removal counts.
     */
    boolean signalledWhileWriting() {
      synchronized (lock) {
        return signalledWhileWriting;
      }
    }

    /** {@code delegate}, with every row, event and step it receives counted as progress. */
    RunListener watching(RunListener delegate) {
      return new RunListener() {
        @Override
        public void onRound(RoundRecord r) {
          beat();
          delegate.onRound(r);
        }

        @Override
        public void onDevice(DeviceRecord d) {
          beat();
          delegate.onDevice(d);
        }

        @Override
        public void onEvent(EventRecord e) {
          beat();
          delegate.onEvent(e);
        }

        @Override
        public void onProgress(ProgressRecord p) {
          beat();
          delegate.onProgress(p);
        }

        @Override
        public void onHop(HopRecord h) {
          beat();
          delegate.onHop(h);
        }

        @Override
        public void onPlan(DevicePlanRecord p) {
          beat();
          delegate.onPlan(p);
        }

        @Override
        public void onMemory(MemoryRecord m) {
          beat();
          delegate.onMemory(m);
        }

        @Override
        public void onCheckpoint(CheckpointFile c) {
          beat();
          delegate.onCheckpoint(c);
        }

        @Override
        public void onRewind(int round) {
          beat();
          delegate.onRewind(round);
        }
      };
    }

    private void beat() {
      lastProgress.set(System.nanoTime());
    }

    /** {@code what} after "exiting at once": "; the rounds ...", or " before any result ...". */
    private static String then(String what) {
      return (what.startsWith("before") ? " " : "; ") + what;
    }

    private static void halt(String line) {
      System.err.println("splitemu: " + line);
      System.err.flush();
      Runtime.getRuntime().halt(SIGTERM_STATUS);
    }

    @Override
    public void close() {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        if (watchdog != null) {
          // The run has ended: nothing left to bound (the metrics linger follows).
          watchdog.interrupt();
        }
        Signal.handle(TERM, previous);
      }
    }

    /**
     * Whether a SIGTERM was taken by this handler before it was closed: the run it asked to stop
     * may have ended all the same (it came after the last round), and the caller then ends without
     * the linger, as a SIGTERM during the linger would end it.
     */
    boolean signalled() {
      synchronized (lock) {
        return once;
      }
    }

    /** Closes {@code term} if it is not null (and not closed yet). */
    static void close(Sigterm term) {
      if (term != null) {
        term.close();
      }
    }
  }

  /**
   * Tests only: with system property {@code splitemu.test.stop-at-lock} set to {@code true} (read
   * each time, so an in-process test may set it), the run asks for its stop just before it takes
   * its results folder's lock, as a SIGTERM then does.
   */
  private void stopAtLockForTest() {
    if (Boolean.getBoolean("splitemu.test.stop-at-lock")) {
      stop.request();
    }
  }

  /** The path a test hook's system property {@code property} names, or null (read once). */
  static Path testHook(String property) {
    String hold = System.getProperty(property);
    try {
      return hold == null || hold.isBlank() ? null : Path.of(hold);
    } catch (java.nio.file.InvalidPathException e) {
      return null; // a hook never changes how a run ends
    }
  }

  /**
   * Tests only: creates {@code file} (new: one that is there is not replaced, and the hook then
   * does not wait) holding {@code text}, and waits (at most a minute) until a test deletes it. Does
   * nothing where {@code file} is null; an I/O error ends the wait: a hook never changes how a run
   * ends.
   */
  static void holdForTest(Path file, String text) {
    if (file == null) {
      return;
    }
    try {
      Files.writeString(
          file,
          text,
          java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE);
      long giveUp = System.nanoTime() + 60_000_000_000L;
      while (Files.exists(file) && System.nanoTime() < giveUp) {
        Thread.sleep(20);
      }
    } catch (java.io.IOException | RuntimeException e) {
      // Not held: the run goes on as without the hook.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The one line printed when the JVM ends under a run writing into {@code dir}: a signal, or a JVM
   * error in an actor, on which Pekko ends the JVM itself ({@code pekko.jvm-exit-on-fatal-error}).
   */
  static String signalLine(Path dir) {
    String what =
        exitingOnActorError(Thread.getAllStackTraces().values())
            ? "splitemu: a JVM error in an actor ended the JVM (Pekko printed it above; a"
                + " StackOverflowError is a bug, an OutOfMemoryError a heap too small:"
                + " SPLITEMU_JAVA_OPTS=-Xmx...)"
            : "splitemu: stopped by a signal";
    String kept = kept(dir);
    return kept.startsWith("before") ? what + " " + kept : what + "; " + kept;
  }

  /**
   * Whether one of {@code stacks} is Pekko's uncaught-error handler of an actor system ending the
   * JVM ({@code System.exit} called from {@code ActorSystemImpl}'s handler): the JVM then runs the
   * shutdown hooks on a JVM error in an actor, not on a signal. The actor system does not stop only
   * itself on such an error ({@code jvm-exit-on-fatal-error = off}): an actor whose thread died
   * mid-message is never stopped, and its system's termination waits for it for good.
   */
  static boolean exitingOnActorError(java.util.Collection<StackTraceElement[]> stacks) {
    for (StackTraceElement[] stack : stacks) {
      boolean exit = false;
      for (StackTraceElement e : stack) {
        if (e.getClassName().equals("java.lang.Runtime") && e.getMethodName().equals("exit")) {
          exit = true;
        } else if (exit
            && e.getClassName().startsWith("org.apache.pekko.actor.ActorSystemImpl")
            && e.getMethodName().equals("uncaughtException")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * What a run, or a compare, stopped at once by a signal left in {@code dir}: "the rounds recorded
   * so far are in DIR", or, where the folder holds nothing but its lock's file (reserved and locked
   * as the run starts, before it wrote anything), "before any result was written", the folder then
   * removed if this JVM created it for the run: the process ends without releasing its lock (a
   * shutdown hook, a halt), which would otherwise leave it behind.
   */
  static String kept(Path dir) {
    if (FolderLock.holdsNothing(dir)) {
      FolderLock.removeUnusedCreated();
      return "before any result was written";
    }
    return "the rounds recorded so far are in " + dir.toAbsolutePath();
  }

  /**
   * What a run writing into {@code dir} and stopped at once (a second SIGTERM, the stop bound)
   * leaves, and how to go on: whether the stop's checkpoint was written ({@code stop} knows the
   * round it was taken after; the file says whether the recorder wrote it), where the rounds are
   * ({@link #kept}), and the resume command {@code resume} (null where the run cannot be resumed:
   * {@code why} says so) if the folder holds a checkpoint to go on from, else why it holds none
   * ({@code every}: the run's checkpoint.every). Before 2026-12-07 the line said "exiting without a
   * checkpoint" even where the stop's checkpoint was on disk, and gave no resume command.
   */
  static String haltedRun(StopSwitch stop, Path dir, int every, String resume, String why) {
    String kept = kept(dir);
    if (kept.startsWith("before")) {
      return kept;
    }
    return stopCheckpoint(stop, dir) + "; " + kept + "; " + goOn(stop, dir, every, resume, why);
  }

  /**
   * Whether the stop's checkpoint of the run in {@code dir} was written: "the stop's checkpoint
   * after round R was written (FILE)", else "no checkpoint of the stop was written".
   */
  static String stopCheckpoint(StopSwitch stop, Path dir) {
    int after = stop.stoppedAfterRound();
    Path file = after >= 0 ? Checkpoints.file(dir, after) : null;
    if (file != null && Files.isRegularFile(file)) {
      return "the stop's checkpoint after round " + after + " was written (" + file + ")";
    }
    return "no checkpoint of the stop was written";
  }

  /**
   * Why a run of a scenario with a {@code hop-crash} fault cannot be resumed, as its stop and halt
   * lines say it: {@code --resume} refuses such a scenario (its checkpoints hold the hops of one
   * plan, which the crash changes).
   */
  static final String HOP_CRASH_NOT_RESUMED = "a run with a hop-crash fault cannot be resumed yet";

  /** Whether {@code s} has a {@code hop-crash} fault, which {@code --resume} refuses. */
  static boolean hopCrash(Settings s) {
    return s.faults().stream().anyMatch(f -> f.kind().equals("hop-crash"));
  }

  /**
   * How to go on with the run in {@code dir} after it was stopped at once: {@code why} where {@code
   * resume} is null (the run cannot be resumed, checkpoint or not), else "resume with: COMMAND"
   * (from the stop's checkpoint, or naming the newest one), or why there is no checkpoint to resume
   * from. Before 2026-12-07 a hop-crash run without a checkpoint was told only that it had none
   * (with checkpoint.every = 0), as if one taken would let it be resumed.
   */
  static String goOn(StopSwitch stop, Path dir, int every, String resume, String why) {
    if (resume == null) {
      return why;
    }
    int newest = newestCheckpoint(dir);
    if (newest < 0) {
      return "no checkpoint to resume from (" + noCheckpointWhy(every) + ")";
    }
    return (newest == stop.stoppedAfterRound()
            ? "resume with: "
            : "resume from its newest checkpoint (round " + newest + ") with: ")
        + resume;
  }

  /**
   * Why a run of checkpoint.every = {@code every} that did not finish may hold no checkpoint: with
   * 0, the default, a run takes one only when SIGTERM stops it, so a run killed or ended at once
   * has none whatever the rounds it ran; else it ended before its first one.
   */
  static String noCheckpointWhy(int every) {
    return every <= 0
        ? "with checkpoint.every = 0, the default, a run takes a checkpoint only when SIGTERM"
            + " stops it, so a run killed or ended at once has none however many rounds it ran"
        : "it ended before its first checkpoint, due after round " + every;
  }

  /**
   * The checkpoint.every the run in results folder {@code f} was started with (its scenario.conf),
   * else {@code s}'s.
   */
  static int recordedEvery(Path f, Settings s) {
    try {
      com.typesafe.config.Config c =
          com.typesafe.config.ConfigFactory.parseString(
              Files.readString(
                  f.resolve("scenario.conf"), java.nio.charset.StandardCharsets.UTF_8));
      if (c.hasPath("splitemu.checkpoint.every")) {
        return c.getInt("splitemu.checkpoint.every");
      }
    } catch (java.io.IOException | com.typesafe.config.ConfigException e) {
      // The scenario as read now.
    }
    return s.checkpointEvery();
  }

  /** The round of the newest checkpoint file in results folder {@code dir}, or -1 if none. */
  static int newestCheckpoint(Path dir) {
    Path folder = dir.resolve("checkpoints");
    if (!Files.isDirectory(folder)) {
      return -1;
    }
    try (var files = Files.list(folder)) {
      return files
          .filter(ResultsWriter::isCheckpoint)
          .max(ResultsWriter.BY_ROUND)
          .map(f -> Integer.parseInt(f.getFileName().toString().replaceAll("\\D", "")))
          .orElse(-1);
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
  }

  static void printSummary(PrintWriter w, Emulation.Outcome o) {
    var sm = o.summary();
    w.printf(
        Locale.ROOT,
        "%s (%s): %d rounds, emulated %.3f s, wall %.1f s, final accuracy %s%n",
        sm.scenario(),
        sm.scheme(),
        sm.rounds(),
        sm.emulatedTimeS(),
        sm.wallTimeS(),
        Double.isNaN(sm.finalAccuracy())
            ? "n/a (timing run)"
            : String.format(Locale.ROOT, "%.4f", sm.finalAccuracy()));
    w.println("results: " + o.dir().toAbsolutePath());
    w.println("report:  " + o.dir().resolve("report.md").toAbsolutePath());
    w.flush();
  }
}
