package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.runtime.Checkpoint;
import io.splitemu.actors.runtime.Checkpoints;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.StopSwitch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with a server or supervisor crash, stopped as by SIGTERM and resumed, equals the run never
 * stopped (docs/runtime.md, "Crashes"): stopped before the crash, the crash restores the checkpoint
 * {@code checkpoint.every} scheduled, not the newer one the stop took (before, it restored the
 * stop's and redid fewer rounds); stopped while the crash's rounds are redone, the resume does not
 * strike the crash a second time (before, it did: a second recovery and the restart delay twice).
 * The stop is asked in this JVM through the run's {@link StopSwitch}: for a given round's end
 * ({@link StopSwitch#requestAtEndOf}), or as the SIGTERM handler asks it, by a listener that sees a
 * row, where an event of the run orders that row before the round's end; the run is paced, and the
 * rows compared are the virtual run's.
 */
class SigtermCrashResumeTest {

  @TempDir Path tmp;

  private static final int ROUNDS = 8;

  /** A small timing-fidelity psl scenario with {@code extra} lines inside its block. */
  private Path psl(String name, String extra) throws Exception {
    Path f = tmp.resolve(name + ".conf");
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = sigterm-crash\n"
            + "  scheme = psl\n"
            + "  rounds = "
            + ROUNDS
            + "\n  local-steps = 2\n"
            + "  batch-size = 16\n"
            + "  fidelity = timing\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9] }\n"
            + "  links.static.uplink-bps = [5e6, 10e6, 20e6, 40e6]\n"
            + "  output.plots = false\n"
            + extra
            + "}\n");
    return f;
  }

  /** A small timing-fidelity cpsl scenario on fading links with {@code extra} lines. */
  private Path cpsl(String name, String extra) throws Exception {
    Path f = tmp.resolve(name + ".conf");
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = sigterm-crash-cpsl\n"
            + "  scheme = cpsl\n"
            + "  rounds = "
            + ROUNDS
            + "\n  local-steps = 2\n"
            + "  batch-size = 16\n"
            + "  fidelity = timing\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  devices { count = 4, flops = [1e9, 2e9, 3e9, 4e9] }\n"
            + "  links { kind = shannon, shannon.fading = rayleigh }\n"
            + "  cpsl { clusters = 2, replan-every = 2, saa-samples = 3 }\n"
            + "  output.plots = false\n"
            + extra
            + "}\n");
    return f;
  }

  /**
   * The server crash's restart-delay, in emulated seconds: 1 s is over three of psl's rounds here
   * (0.29 s each), so a crash struck twice still shows in the rows. A paced run waits it out on the
   * wall at about 1.4 times (0.4 s of wall time a round): at 5 s each crash of a psl case took 7 s.
   */
  private static final String RESTART_DELAY = "1 s";

  private static final String SERVER_CRASH =
      "  checkpoint.every = 3\n"
          + "  faults = [{ kind = server-crash, round = 6, restart-delay = "
          + RESTART_DELAY
          + " }]\n";

  /**
   * Stopped after round 4, before the crash at round 6's start: the resumed run's crash goes back
   * to round 3's checkpoint (the scheduled one), not to the stop's of round 4, and redoes rounds 4
   * and 5.
   */
  @Test
  void psl_stoppedBeforeTheCrash_theCrashRestoresTheScheduledCheckpoint() throws Exception {
    Path whole = whole(psl("virtual", SERVER_CRASH));
    Path paced = psl("paced", SERVER_CRASH + pacing(whole));
    Path out = tmp.resolve("out");
    assertEquals(4, stopped(paced, out, null, StopWhen.atEndOf(4)));
    resume(paced, out);
    assertSameRun(whole, out);
    assertEquals(List.of("server-crash: restored from checkpoint round 3"), recoveries(out));
  }

  /**
   * Stopped while the crash's rounds are redone (after redone round 4): the checkpoint records that
   * the crash struck, and the resumed run does not strike it again.
   */
  @Test
  void psl_stoppedWhileTheCrashsRoundsAreRedone_theCrashDoesNotStrikeAgain() throws Exception {
    Path whole = whole(psl("virtual", SERVER_CRASH));
    Path paced = psl("paced", SERVER_CRASH + pacing(whole));
    Path out = tmp.resolve("out");
    assertEquals(4, stopped(paced, out, null, StopWhen.redoneEndOf(4, 5)));
    assertEquals(
        List.of("server-crash: restored from checkpoint round 3"),
        recoveries(out),
        "stopped after the crash");
    resume(paced, out);
    assertSameRun(whole, out);
    assertEquals(List.of("server-crash: restored from checkpoint round 3"), recoveries(out));
  }

  /**
   * Stopped twice before the crash (after rounds 4 and 5, each stop resumed): the folder keeps
   * round 3's scheduled checkpoint beside the newest two, the stops', so the crash still has it to
   * restore (before, it was deleted and the crash ended the run: nothing to restore from).
   */
  @Test
  void psl_stoppedTwiceBeforeTheCrash_theScheduledCheckpointIsKept() throws Exception {
    Path whole = whole(psl("virtual", SERVER_CRASH));
    Path paced = psl("paced", SERVER_CRASH + pacing(whole));
    Path out = tmp.resolve("out");
    assertEquals(4, stopped(paced, out, null, StopWhen.atEndOf(4)));
    Checkpoint from = Checkpoints.newest(out, w -> {});
    assertEquals(5, stopped(paced, out, from, StopWhen.atEndOf(5)));
    assertTrue(Files.isRegularFile(Checkpoints.file(out, 3)), "round 3's checkpoint kept");
    resume(paced, out);
    assertSameRun(whole, out);
    assertEquals(List.of("server-crash: restored from checkpoint round 3"), recoveries(out));
  }

  private static final String EARLY_CRASH =
      "  checkpoint.every = 3\n"
          + "  faults = [{ kind = server-crash, round = 3, restart-delay = "
          + RESTART_DELAY
          + " }]\n";

  /**
   * A crash at round 3's start, before the first checkpoint (round 3's): it restarts from the run's
   * start (round 0). Stopped after round 2, before the crash (the folder holds only the stop's
   * checkpoint), the resumed process keeps the initial state too and restores it; stopped after
   * redone round 1, the stop's checkpoint records the crash, which does not strike again.
   */
  @Test
  void psl_crashBeforeTheFirstCheckpoint_stoppedBeforeAndDuringTheRedo_equalsTheWholeRun()
      throws Exception {
    Path whole = whole(psl("virtual", EARLY_CRASH));
    assertEquals(List.of("server-crash: restored from the start (round 0)"), recoveries(whole));
    Path paced = psl("paced", EARLY_CRASH + pacing(whole));
    Path before = tmp.resolve("before");
    assertEquals(2, stopped(paced, before, null, StopWhen.atEndOf(2)));
    assertEquals(List.of(), recoveries(before), "stopped before the crash");
    resume(paced, before);
    assertSameRun(whole, before);
    assertEquals(List.of("server-crash: restored from the start (round 0)"), recoveries(before));
    Path during = tmp.resolve("during");
    assertEquals(1, stopped(paced, during, null, StopWhen.redoneEndOf(1, 2)));
    assertEquals(
        List.of("server-crash: restored from the start (round 0)"),
        recoveries(during),
        "stopped after the crash");
    resume(paced, during);
    assertSameRun(whole, during);
    assertEquals(List.of("server-crash: restored from the start (round 0)"), recoveries(during));
  }

  /**
   * The same on mpsl (an epoch is a round): its pipeline state before epoch 1 is kept by the
   * resumed process as by the first. Needs the shared data's profiles.
   */
  @Test
  void mpsl_crashBeforeTheFirstCheckpoint_stoppedBeforeAndDuringTheRedo_equalsTheWholeRun()
      throws Exception {
    Path whole = whole(mpsl("virtual", EARLY_CRASH));
    assertEquals(List.of("server-crash: restored from the start (round 0)"), recoveries(whole));
    Path paced = mpsl("paced", EARLY_CRASH + pacing(whole));
    Path before = tmp.resolve("before");
    assertEquals(2, stopped(paced, before, null, StopWhen.atEndOf(2)));
    assertEquals(List.of(), recoveries(before), "stopped before the crash");
    resume(paced, before);
    assertSameRun(whole, before);
    assertEquals(List.of("server-crash: restored from the start (round 0)"), recoveries(before));
    Path during = tmp.resolve("during");
    assertEquals(1, stopped(paced, during, null, StopWhen.redoneEndOf(1, 2)));
    assertEquals(
        List.of("server-crash: restored from the start (round 0)"),
        recoveries(during),
        "stopped after the crash");
    resume(paced, during);
    assertSameRun(whole, during);
    assertEquals(List.of("server-crash: restored from the start (round 0)"), recoveries(during));
  }

  private static final String SUPERVISOR_CRASH = "  checkpoint.every = 2\n";

  /**
   * cpsl with a supervisor crash at an instant inside round 4, stopped after round 3 (before it,
   * off the schedule of {@code checkpoint.every = 2}) or after redone round 3: the resumed run
   * restores round 2's checkpoint once, as the run never stopped.
   */
  @Test
  void cpsl_supervisorCrashAtAnInstant_stoppedBeforeAndDuringTheRedo_equalsTheWholeRun()
      throws Exception {
    // The crash-free run's rounds 3 and 4 end where the crashed run's do: the crash goes between.
    Path free = tmp.resolve("free");
    ProfileCommandTest.Result f =
        ProfileCommandTest.cli(
            "run", cpsl("free", SUPERVISOR_CRASH).toString(), "--out", free.toString());
    assertEquals(0, f.code(), f.err());
    List<List<String>> rows = CsvTable.read(free.resolve("rounds.csv"));
    double at =
        (Double.parseDouble(rows.get(2).get(2)) + Double.parseDouble(rows.get(3).get(2))) / 2;
    String crash =
        SUPERVISOR_CRASH
            + String.format(
                Locale.ROOT, "  faults = [{ kind = supervisor-crash, at = %.6f s }]\n", at);
    Path whole = whole(cpsl("virtual", crash));
    Path paced = cpsl("paced", crash + pacing(whole));
    Path before = tmp.resolve("before");
    assertEquals(3, stopped(paced, before, null, StopWhen.atEndOf(3)));
    assertEquals(List.of(), recoveries(before), "stopped before the crash");
    resume(paced, before);
    assertSameRun(whole, before);
    assertEquals(List.of("supervisor-crash: restored from checkpoint round 2"), recoveries(before));
    // Asked in round 4, before the crash: the crash is seen at round 4's end, and the redone
    // round 3, whose instants are then past on the wall, goes at virtual speed. Asked at the
    // recovery row instead, a late listener raced that redo and the stop came after round 4.
    Path during = tmp.resolve("during");
    assertEquals(3, stopped(paced, during, null, StopWhen.progress(4)));
    assertEquals(
        List.of("supervisor-crash: restored from checkpoint round 2"),
        recoveries(during),
        "stopped after the crash");
    resume(paced, during);
    assertSameRun(whole, during);
    assertEquals(List.of("supervisor-crash: restored from checkpoint round 2"), recoveries(during));
  }

  /**
   * mpsl (an epoch is a round) with a server crash at epoch 6's start, stopped after epoch 4
   * (before the crash) or after redone epoch 4: the resumed run restores epoch 3's checkpoint once,
   * its pipeline state with it, as the run never stopped. Needs the shared data's profiles.
   */
  @Test
  void mpsl_serverCrash_stoppedBeforeAndDuringTheRedo_equalsTheWholeRun() throws Exception {
    Path whole = whole(mpsl("virtual", SERVER_CRASH));
    Path paced = mpsl("paced", SERVER_CRASH + pacing(whole));
    Path before = tmp.resolve("before");
    assertEquals(4, stopped(paced, before, null, StopWhen.atEndOf(4)));
    assertEquals(List.of(), recoveries(before), "stopped before the crash");
    resume(paced, before);
    assertSameRun(whole, before);
    assertEquals(List.of("server-crash: restored from checkpoint round 3"), recoveries(before));
    Path during = tmp.resolve("during");
    assertEquals(4, stopped(paced, during, null, StopWhen.redoneEndOf(4, 5)));
    assertEquals(
        List.of("server-crash: restored from checkpoint round 3"),
        recoveries(during),
        "stopped after the crash");
    resume(paced, during);
    assertSameRun(whole, during);
    assertEquals(List.of("server-crash: restored from checkpoint round 3"), recoveries(during));
  }

  /**
   * mpsl stopped after epoch 5, right before the crash at epoch 6's start: the resumed process
   * strikes it before its first epoch, as every epoch boundary does (before, a resumed process
   * started that epoch without looking, and the crash never struck).
   */
  @Test
  void mpsl_stoppedRightBeforeTheCrashsEpoch_theResumedRunStrikesIt() throws Exception {
    Path whole = whole(mpsl("virtual", SERVER_CRASH));
    Path paced = mpsl("paced", SERVER_CRASH + pacing(whole));
    Path out = tmp.resolve("out");
    assertEquals(5, stopped(paced, out, null, StopWhen.atEndOf(5)));
    assertEquals(List.of(), recoveries(out), "stopped before the crash");
    resume(paced, out);
    assertSameRun(whole, out);
    assertEquals(List.of("server-crash: restored from checkpoint round 3"), recoveries(out));
  }

  /**
   * The edge-crash study's shape (scenarios/faults-psl-partition.conf {@code
   * fault-study.edge-crash} with {@code checkpoint.every = 1}): a server crash at round 6's start
   * goes back to round 5's checkpoint, and a partition at an instant inside its restart delay is
   * recorded with round 6, between the crash's fault and recovery rows, both of round 5. Stopped
   * after round 7, past the crash, the resumed run equals the run never stopped (before 2026-12-07
   * the resume was refused: "row N is of round 5, after a row of round 6: ... must be in round
   * order").
   */
  @Test
  void psl_partitionInsideTheRestartDelay_stoppedAfterTheCrash_equalsTheWholeRun()
      throws Exception {
    double end5 = roundEnd(psl("free", "  checkpoint.every = 1\n"), 5);
    String faults =
        "  checkpoint.every = 1\n"
            + String.format(
                Locale.ROOT,
                "  faults = [{ kind = partition, devices = [1, 2], at = %.6f s, until = %.6f s },"
                    + " { kind = server-crash, round = 6, restart-delay = %s }]\n",
                end5 + 0.3,
                end5 + 0.6,
                RESTART_DELAY);
    Path whole = whole(psl("virtual", faults));
    assertTrue(roundsFall(whole), "the crash's recovery row comes after a row of round 6");
    Path paced = psl("paced", faults + pacing(whole));
    Path out = tmp.resolve("out");
    assertEquals(7, stopped(paced, out, null, StopWhen.atEndOf(7)));
    assertEquals(List.of("server-crash: restored from checkpoint round 5"), crashRecoveries(out));
    resume(paced, out);
    assertSameRun(whole, out);
    assertEquals(List.of("server-crash: restored from checkpoint round 5"), crashRecoveries(out));
  }

  /**
   * A link outage at an instant of round 1 (its rows of round 1), then a crash before the first
   * checkpoint, whose fault and recovery rows are of round 0: stopped after round 4, past the crash
   * and its redo, the resumed run equals the run never stopped (before 2026-12-07 the resume was
   * refused: "row N is of round 0, after a row of round 1").
   */
  @Test
  void psl_outageBeforeACrashToTheStart_stoppedAfterTheRedo_equalsTheWholeRun() throws Exception {
    double end1 = roundEnd(psl("free", "  checkpoint.every = 3\n"), 1);
    String faults =
        EARLY_CRASH.replace(
            "faults = [",
            String.format(
                Locale.ROOT,
                "faults = [{ kind = link-outage, devices = [0], at = %.6f s, until = %.6f s }, ",
                end1 / 3,
                end1 / 2));
    Path whole = whole(psl("virtual", faults));
    assertTrue(roundsFall(whole), "the crash's rows of round 0 come after the outage's of round 1");
    Path paced = psl("paced", faults + pacing(whole));
    Path out = tmp.resolve("out");
    assertEquals(4, stopped(paced, out, null, StopWhen.atEndOf(4)));
    assertEquals(List.of("server-crash: restored from the start (round 0)"), crashRecoveries(out));
    resume(paced, out);
    assertSameRun(whole, out);
    assertEquals(List.of("server-crash: restored from the start (round 0)"), crashRecoveries(out));
  }

  /** Round {@code round}'s end, emulated seconds, in the run of {@code scenario} (no faults). */
  private double roundEnd(Path scenario, int round) {
    Path free = tmp.resolve("free-" + scenario.getFileName());
    ProfileCommandTest.Result f =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", free.toString());
    assertEquals(0, f.code(), f.err());
    return Double.parseDouble(CsvTable.read(free.resolve("rounds.csv")).get(round - 1).get(2));
  }

  /** The crash's recovery rows of {@link #recoveries}, not the link faults'. */
  private static List<String> crashRecoveries(Path dir) {
    return recoveries(dir).stream().filter(r -> r.startsWith("server-crash: ")).toList();
  }

  /** Whether the round column of {@code dir}'s events.csv falls somewhere. */
  private static boolean roundsFall(Path dir) {
    int last = 0;
    for (List<String> e : CsvTable.read(dir.resolve("events.csv"))) {
      int r = Integer.parseInt(e.get(1));
      if (r < last) {
        return true;
      }
      last = r;
    }
    return false;
  }

  /** The small mpsl scenario of {@link CheckpointResumeTest} with {@code extra} lines. */
  private Path mpsl(String name, String extra) throws Exception {
    Path f = tmp.resolve(name + ".conf");
    Files.writeString(f, CheckpointResumeTest.mpslScenario("mpsl", "sigterm-crash", ROUNDS, extra));
    return f;
  }

  /** The virtual run of {@code scenario}, never stopped. */
  private Path whole(Path scenario) {
    Path whole = tmp.resolve("whole-" + scenario.getFileName());
    ProfileCommandTest.Result w =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", whole.toString());
    assertEquals(0, w.code(), w.err());
    return whole;
  }

  /** The pacing at which the virtual run's round 1 lasts 0.4 s of wall time. */
  private static String pacing(Path virtual) {
    double latency = Double.parseDouble(CsvTable.read(virtual.resolve("rounds.csv")).get(0).get(3));
    return String.format(Locale.ROOT, "  mode = paced\n  speedup = %.6f\n", latency / 0.4);
  }

  /**
   * Runs {@code scenario} into {@code out} (resuming from {@code from} if not null) until {@code
   * when} asks it to stop; returns the round it stopped after.
   */
  private static int stopped(Path scenario, Path out, Checkpoint from, StopWhen when) {
    StopSwitch stop = new StopSwitch();
    when.arm(stop);
    Emulation.run(
        Settings.load(scenario, List.of()), out, when, new Emulation.RunControl(from, stop, null));
    return stop.stoppedAfterRound();
  }

  private static void resume(Path scenario, Path out) {
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", scenario.toString(), "--resume", out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
  }

  /**
   * When the run is asked to stop. A listener runs on the run's recorder, which may hand it a row
   * after the supervisor has gone past the round's end where it reads the switch (a loaded machine,
   * or a round whose paced instants are already past on the wall, as a crash's redone one, which
   * then goes at virtual speed): so a stop meant for a round's end is asked through {@link
   * StopSwitch#requestAtEndOf}, which the supervisor reads there, and a listener asks only where a
   * crash's flush of the recorder, which hands it the row first, comes before that round's end.
   */
  private static final class StopWhen implements RunListener {
    private final int progress;
    private final int endOf;
    StopSwitch stop;

    private StopWhen(int progress, int endOf) {
      this.progress = progress;
      this.endOf = endOf;
    }

    /** At round {@code round}'s end, the first time the run reaches it. */
    static StopWhen atEndOf(int round) {
      return new StopWhen(-1, round);
    }

    /**
     * Asked as round {@code round} reports progress, after the supervisor read the switch at the
     * round before's end. Where a crash at that round's end comes next, its flush of the recorder
     * (which hands this progress to the listener first) precedes the restore: the stop comes at the
     * first redone round's end.
     */
    static StopWhen progress(int round) {
      return new StopWhen(round, -1);
    }

    /**
     * At redone round {@code round}'s end, a crash at round {@code progress}'s end or the next's
     * start going back before it: asked, for round {@code round}'s end, once round {@code progress}
     * (after it) reports progress; the crash's flush of the recorder comes before the redo.
     */
    static StopWhen redoneEndOf(int round, int progress) {
      return new StopWhen(progress, round);
    }

    /** Called before the run starts. */
    void arm(StopSwitch s) {
      stop = s;
      if (endOf > 0 && progress < 0) {
        s.requestAtEndOf(endOf);
      }
    }

    @Override
    public void onProgress(ProgressRecord p) {
      if (p.round() == progress) {
        if (endOf > 0) {
          stop.requestAtEndOf(endOf);
        } else {
          stop.request();
        }
      }
    }
  }

  /** The recovery rows' details up to their first semicolon. */
  private static List<String> recoveries(Path dir) {
    return CsvTable.read(dir.resolve("events.csv")).stream()
        .filter(e -> e.get(2).equals("recovery"))
        .map(e -> e.get(4).split(";")[0].replaceFirst(" after restart-delay.*", ""))
        .toList();
  }

  /**
   * {@code rounds.csv} but for the host columns, {@code devices.csv}, and {@code events.csv} but
   * for its checkpoint, resume and pacing rows, as the run never stopped.
   */
  private static void assertSameRun(Path expected, Path actual) throws Exception {
    List<List<String>> want = CsvTable.read(expected.resolve("rounds.csv"));
    List<List<String>> got = CsvTable.read(actual.resolve("rounds.csv"));
    assertEquals(ROUNDS, want.size());
    assertEquals(want.size(), got.size(), "no round lost or duplicated");
    for (int i = 0; i < want.size(); i++) {
      assertEquals(
          want.get(i).subList(0, 14), got.get(i).subList(0, 14), "round " + (i + 1) + " row");
    }
    assertEquals(
        Files.readAllLines(expected.resolve("devices.csv"), StandardCharsets.UTF_8),
        Files.readAllLines(actual.resolve("devices.csv"), StandardCharsets.UTF_8));
    assertEquals(events(expected), events(actual));
  }

  private static List<List<String>> events(Path dir) {
    List<List<String>> out = new ArrayList<>();
    for (List<String> e : CsvTable.read(dir.resolve("events.csv"))) {
      String kind = e.get(2);
      if (!(kind.equals("checkpoint") || kind.equals("resume") || kind.equals("pacing"))) {
        out.add(e);
      }
    }
    return out;
  }
}
