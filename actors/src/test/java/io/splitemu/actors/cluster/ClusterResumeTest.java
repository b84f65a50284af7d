package io.splitemu.actors.cluster;

import static io.splitemu.actors.cluster.ClusterRunTest.emulatedRows;
import static io.splitemu.actors.cluster.ClusterRunTest.lines;
import static io.splitemu.actors.cluster.ClusterRunTest.placements;
import static io.splitemu.actors.cluster.ClusterRunTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster run whose supervisor's JVM is lost or stopped goes on from its last checkpoint: resumed
 * by hand ({@code --resume --cluster}) after SIGKILL or SIGTERM, or by a standby JVM on its own
 * ({@code --failover}). The members (an {@code edge,hops,devices} node and a {@code devices} node,
 * at the 64 KiB frame of {@link ClusterRunTest}) serve the cases one after another, as a lab's
 * members serve its runs: a member holds one run at a time, and a case's lost supervisor is downed
 * and removed, and its run's actors dropped, before the case's resume ends (each case's second run
 * already meets what the first left). The case that kills the edge member has members of its own.
 * Each case's supervisor JVMs are stopped when it ends. The rows equal a run uninterrupted in one
 * JVM, losses and accuracies included.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterResumeTest {

  @TempDir Path tmp;

  /**
   * Where {@link #checkpointed}'s run uninterrupted in one JVM is recorded, once for the class:
   * every test compares with the same run (the same scenario and seed, in this JVM).
   */
  @TempDir static Path uninterrupted;

  /** That run's folder, once it completed. */
  private static Path one;

  @AfterAll
  static void forgetTheUninterruptedRun() {
    one = null; // its folder is deleted with the class's
  }

  /** Where the shared members write their output. */
  @TempDir static Path shared;

  /** The members the cases share, started by the first case and stopped after the last. */
  private static LocalNodes sharedNodes;

  private static ClusterRunTest.Members sharedMembers;

  /** This case's supervisor JVMs (and its own members, if any), stopped when it ends. */
  private LocalNodes nodes;

  /** This case's members, the shared ones unless it started its own; null until asked for. */
  private ClusterRunTest.Members members;

  @BeforeEach
  void startCase() {
    ClusterRunTest.setMemberProperties();
    nodes = new LocalNodes(tmp, ClusterRunTest.MEMBER_JVM);
  }

  /** This case's members: the shared ones (started on the first call) unless it has its own. */
  private ClusterRunTest.Members members() throws Exception {
    if (members != null) {
      return members;
    }
    if (sharedMembers != null
        && !(sharedMembers.edgeAndDevices().process().isAlive()
            && sharedMembers.devicesOnly().process().isAlive())) {
      // A member ended in a failed case: this case gets new ones.
      sharedNodes.close();
      sharedMembers = null;
    }
    if (sharedMembers == null) {
      sharedNodes = new LocalNodes(shared, ClusterRunTest.MEMBER_JVM);
      sharedMembers = ClusterRunTest.startMembers(sharedNodes);
    }
    members = sharedMembers;
    return members;
  }

  /** The seed's address of this case's members. */
  private String seed() throws Exception {
    return members().seed();
  }

  /**
   * Members of this case's own, in place of the shared ones, for a case that stops one of them;
   * stopped with its supervisor JVMs.
   */
  private void ownMembers() throws Exception {
    members = ClusterRunTest.startMembers(nodes);
  }

  @AfterEach
  void stopSupervisors() throws Exception {
    if (nodes != null) {
      nodes.close();
    }
  }

  @AfterAll
  static void stopSharedMembers() throws Exception {
    ClusterRunTest.clearMemberProperties();
    if (sharedNodes != null) {
      sharedNodes.close();
    }
    sharedNodes = null;
    sharedMembers = null;
  }

  @Test
  void killingTheSupervisorsMember_thenResumingOnTheCluster_givesTheRowsOfAnUninterruptedRun()
      throws Exception {
    Path dir = tmp.resolve("resume-after-kill");
    LocalNodes.Node supervisor = supervisorUntilRound(dir, 2);
    // Killed once the crash inside round 3 has rewound the run to round 2's checkpoint and the
    // redone round 3's checkpoint is written, with its row (after the file; every row before it,
    // the crash's too, before the file): the resume goes on from it, and does not strike the crash
    // again. (Killed between the file and its row, the resumed folder has no row for it.)
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (rowsOf(dir, "checkpoint").stream().noneMatch(f -> f.get(1).equals("3"))) {
      assertTrue(System.nanoTime() < deadline, "round 3 not redone in 5 minutes");
      assertTrue(supervisor.process().isAlive(), "the run ended early: " + supervisor.stderr());
      Thread.sleep(20);
    }
    supervisor.process().destroyForcibly(); // SIGKILL
    assertTrue(supervisor.process().waitFor(30, TimeUnit.SECONDS), "the supervisor's JVM ended");
    assertTrue(lines(dir.resolve("rounds.csv")).size() < 5, "killed before the run's end");
    assertEquals(2, crashRows(dir).size(), "killed after the crash");
    resumeOnTheClusterAndCompare(dir);
  }

  @Test
  void sigtermToTheSupervisorsMember_leavesACheckpoint_andTheResumeOnTheClusterFinishes()
      throws Exception {
    Path dir = tmp.resolve("resume-after-sigterm");
    LocalNodes.Node supervisor = supervisorUntilRound(dir, 1);
    supervisor.process().destroy(); // SIGTERM
    assertTrue(supervisor.process().waitFor(2, TimeUnit.MINUTES), "the supervisor's JVM ended");
    assertEquals(143, supervisor.process().exitValue(), supervisor.stderr());
    Matcher line =
        Pattern.compile("splitemu: stopped by SIGTERM after round (\\d+); checkpoint .*--resume .*")
            .matcher(supervisor.stderr());
    assertTrue(line.find(), "the stop's line: " + supervisor.stderr());
    int after = Integer.parseInt(line.group(1));
    assertTrue(after <= 2, "stopped before the crash of round 3: " + line.group());
    assertEquals(after + 1, lines(dir.resolve("rounds.csv")).size(), "rows up to the stop");
    assertEquals(List.of(), crashRows(dir), "the crash struck before the stop");
    // The line's command, as a shell splits it, resumes on the same cluster: before 2026-12-07 it
    // left out --cluster and its options, and pasting it resumed the run in one JVM.
    String said = line.group();
    List<String> words = shellWords(said.substring(said.indexOf("resume with: ") + 13));
    assertEquals(resumeArgs(dir), words.subList(1, words.size()), said);
    resumeOnTheClusterAndCompare(dir);
  }

  /**
   * A run whose edge member is lost (SIGKILL after round 2) ends with a {@code cluster-failure} row
   * after its newest checkpoint; a resume (here in one JVM: the cluster has no edge member left)
   * cuts that row and carries its detail into the {@code resume} row, and goes on to the rows of an
   * uninterrupted run. Before 2026-12-07 the cause was gone from the folder.
   */
  @Test
  void losingTheEdgeMember_thenResuming_keepsTheCauseInTheResumeRow() throws Exception {
    ownMembers();
    Path dir = tmp.resolve("edge-lost");
    LocalNodes.Node supervisor = supervisorUntilRound(dir, 2);
    members().edgeAndDevices().process().destroyForcibly(); // SIGKILL
    assertTrue(supervisor.process().waitFor(5, TimeUnit.MINUTES), "the run ended");
    assertTrue(supervisor.process().exitValue() != 0, supervisor.stderr());
    List<List<String>> failures = rowsOf(dir, "cluster-failure");
    assertEquals(1, failures.size(), supervisor.stderr() + lines(dir.resolve("events.csv")));
    String cause = failures.get(0).get(4);

    List<String> args = new ArrayList<>(checkpointed());
    args.addAll(List.of("--resume", dir.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    assertEquals(0, code, "the resume in one JVM: " + err + out);
    List<List<String>> resumes = rowsOf(dir, "resume");
    assertEquals(1, resumes.size(), resumes.toString());
    assertTrue(
        resumes.get(0).get(4).endsWith("; the process before ended: cluster-failure: " + cause),
        resumes.get(0) + " / " + cause);
    assertEquals(List.of(), rowsOf(dir, "cluster-failure"));
    if (one == null) {
      Path o = uninterrupted.resolve("checkpointed-one-" + System.nanoTime());
      assertEquals(0, run(checkpointed(), "--out", o.toString()), "one JVM");
      one = o;
    }
    assertEquals(emulatedRows(one), emulatedRows(dir));
    assertEquals(lines(one.resolve("devices.csv")), lines(dir.resolve("devices.csv")));
    // The crash of round 3, struck by the resume in one JVM, its rows once.
    assertEquals(emulatedEvents(one), emulatedEvents(dir), "events.csv");
  }

  /** The rows of {@code dir}'s events.csv of kind {@code kind}, as fields. */
  private static List<List<String>> rowsOf(Path dir, String kind) throws IOException {
    List<List<String>> out = new ArrayList<>();
    for (String line : lines(dir.resolve("events.csv"))) {
      List<String> f = io.splitemu.actors.results.CsvTable.parseLine(line);
      if (f.get(2).equals(kind)) {
        out.add(f);
      }
    }
    return out;
  }

  /** The words bash makes of {@code command} (its first one {@code splitemu}). */
  private static List<String> shellWords(String command) throws Exception {
    Process p =
        new ProcessBuilder(
                "bash", "-c", "splitemu() { printf '%s\\n' splitemu \"$@\"; }; " + command)
            .redirectErrorStream(true)
            .start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), printed);
    return printed.lines().toList();
  }

  @Test
  void failover_killingTheLeaseHoldersJvm_movesTheLease_andTheStandbyResumesTheRun()
      throws Exception {
    Path dir = tmp.resolve("failover");
    List<String> command = new ArrayList<>(checkpointed());
    command.addAll(
        List.of(
            "--out",
            dir.toString(),
            "--cluster",
            "--seed-nodes",
            seed(),
            "--min-members",
            "3",
            "--failover"));
    // The same command in two JVMs: one holds the lease on the folder and runs the run, the other
    // stands by.
    LocalNodes.Node a = nodes.command(Map.of(), command);
    LocalNodes.Node b = nodes.command(Map.of(), command);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    LocalNodes.Node holder = null;
    LocalNodes.Node standby = null;
    while (holder == null) {
      assertTrue(System.nanoTime() < deadline, "no JVM stood by within 5 minutes");
      assertTrue(a.process().isAlive() && b.process().isAlive(), a.stderr() + b.stderr());
      if (a.stderr().contains("standing by for")) {
        holder = b;
        standby = a;
      } else if (b.stderr().contains("standing by for")) {
        holder = a;
        standby = b;
      }
      Thread.sleep(20);
    }
    Path rounds = dir.resolve("rounds.csv");
    while (lines(rounds).size() < 3) { // the header, rounds 1 and 2
      assertTrue(System.nanoTime() < deadline, "round 2 not recorded within 5 minutes");
      assertTrue(holder.process().isAlive(), "the holder ended early: " + holder.stderr());
      Thread.sleep(20);
    }
    holder.process().destroyForcibly(); // SIGKILL: its lease and supervisor members are lost
    assertTrue(holder.process().waitFor(30, TimeUnit.SECONDS), "the holder's JVM ended");
    assertTrue(lines(rounds).size() < 5, "killed before the run's end: " + lines(rounds));

    // The Split Brain Resolver downs the holder's members, the lease singleton moves to the
    // standby, and it resumes the run from the newest checkpoint on the same members.
    assertTrue(standby.process().waitFor(5, TimeUnit.MINUTES), "the standby finished the run");
    assertEquals(0, standby.process().exitValue(), standby.stderr());
    assertTrue(standby.stderr().contains("took over " + dir), standby.stdout() + standby.stderr());
    assertResumedAsUninterrupted(dir);
    assertEquals("exit 0", Files.readString(dir.resolve(".failover-ended")).strip());
    // Its resume row says the run was taken over (before 2026-12-07 an ordinary resume's).
    String events = Files.readString(dir.resolve("events.csv"));
    assertTrue(
        events.contains(
            "; taken over by --failover (generation 2) after the JVM that held the run was lost"),
        events);

    // A folder whose holder was lost before it recorded any row (its tables' headers alone, no
    // checkpoint), on the same members: a --failover (in this JVM) starts the run again from
    // round 0 in it, with the rows of the uninterrupted run (before 2026-12-07 it was refused).
    Path rowless = tmp.resolve("failover-rowless");
    Files.createDirectories(rowless.resolve("plots"));
    Files.copy(one.resolve("scenario.conf"), rowless.resolve("scenario.conf"));
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv")) {
      Files.writeString(rowless.resolve(table), lines(one.resolve(table)).get(0) + "\n");
    }
    Files.writeString(rowless.resolve(".failover-holder"), "generation 1\nmember 127.0.0.1:1\n");
    List<String> again = new ArrayList<>(command);
    again.set(again.indexOf(dir.toString()), rowless.toString());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), again.toArray(String[]::new));
    assertEquals(0, code, err + "" + out);
    assertTrue(
        err.toString().contains("so the run starts again from round 0 in it"), err.toString());
    assertEquals(emulatedRows(one), emulatedRows(rowless), "rounds.csv, losses and accuracies");
    assertEquals(lines(one.resolve("devices.csv")), lines(rowless.resolve("devices.csv")));
    assertFalse(Files.readString(rowless.resolve("events.csv")).contains(",resume,"));
  }

  /**
   * A crash after a devices member is lost: psl with a checkpoint every 2 rounds, the {@code
   * devices} member killed with SIGKILL once round 1 is recorded (its devices out of round 2,
   * re-created on the surviving {@code edge,hops,devices} member to take part from round 3), and a
   * {@code server-crash} at round 4's start, back to round 2's checkpoint, which holds the lost
   * devices with the states they were re-created from. The rewind restores every device entity
   * where it runs now, the re-created ones included, and the run ends normally: the rows before the
   * crash kept, the crash's rows once, round 3 redone from the restart 1 s later with every device
   * and the losses, accuracy and latency of the round 3 the crash discarded (the console has both),
   * and round 4. Run from this JVM, and last: it kills a shared member (a case after it would start
   * new ones).
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void aCrashAfterADevicesMemberIsLost_restoresTheDevicesWhereTheyRunNow_andTheRunEnds()
      throws Exception {
    List<String> args = new ArrayList<>(ClusterRunTest.scenario("psl"));
    Path dir = tmp.resolve("crash-after-loss");
    ClusterRunTest.Members m = members();
    args.addAll(
        List.of(
            "--set",
            "rounds=4",
            "--set",
            "checkpoint.every=2",
            "--set",
            "faults=[{kind=server-crash, round=4, restart-delay=1 s}]",
            "--out",
            dir.toString(),
            "--cluster",
            "--seed-nodes",
            seed(),
            "--min-members",
            "3"));
    StringWriter console = new StringWriter();
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(() -> ClusterRunTest.run(console, args));
    Path rounds = dir.resolve("rounds.csv");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (lines(rounds).size() < 2) { // the header and round 1
      assertTrue(System.nanoTime() < deadline, "round 1 not recorded in 5 minutes");
      assertFalse(run.isDone(), "the run ended before round 1 was recorded");
      Thread.sleep(20);
    }
    m.devicesOnly().process().destroyForcibly(); // SIGKILL
    List<String> before = lines(rounds);
    assertEquals(0, run.get(5, TimeUnit.MINUTES), "the run ends normally: " + console);
    List<String> after = lines(rounds);
    String all = String.join("\n", lines(dir.resolve("events.csv")));
    assertEquals(5, after.size(), "every round recorded: " + after);
    assertEquals(before, after.subList(0, before.size()), "the rows before the loss kept");
    List<List<String>> lost = rowsOf(dir, "member-lost");
    assertEquals(1, lost.size(), all);
    assertEquals("2", lost.get(0).get(1), "the loss's round: " + all);
    assertEquals(1, rowsOf(dir, "rejoin").size(), all);
    List<List<String>> faults = rowsOf(dir, "fault");
    List<List<String>> recoveries = rowsOf(dir, "recovery");
    assertEquals(1, faults.size(), all);
    assertEquals(1, recoveries.size(), all);
    assertTrue(
        recoveries
            .get(0)
            .get(4)
            .startsWith("server-crash: restored from checkpoint round 2 after restart-delay 1.0 s"),
        all);
    // Round 3 was run, the crash discarded it at round 4's start, and it was redone from the
    // restart: the same latency, accuracy and loss (the console's lines of both).
    List<String> thirds =
        console.toString().lines().filter(l -> l.contains(" round 3: emulated ")).toList();
    assertEquals(2, thirds.size(), console.toString());
    assertEquals(
        thirds.get(0).substring(thirds.get(0).indexOf(" s (round ")),
        thirds.get(1).substring(thirds.get(1).indexOf(" s (round ")),
        "the redone round 3 as the discarded one");
    List<String> header = Arrays.asList(after.get(0).split(",", -1));
    int at = header.indexOf("emulated_time_s");
    int latency = header.indexOf("round_latency_s");
    int participants = header.indexOf("participants");
    double crashAt = Double.parseDouble(faults.get(0).get(0));
    assertEquals(crashAt + 1, Double.parseDouble(recoveries.get(0).get(0)), 1e-9, "the restart");
    String[] third = after.get(3).split(",", -1);
    assertEquals(
        crashAt + 1,
        Double.parseDouble(third[at]) - Double.parseDouble(third[latency]),
        1e-6,
        "round 3 redone from the restart: " + after);
    for (int r = 3; r <= 4; r++) {
      assertEquals("4", after.get(r).split(",", -1)[participants], "round " + r + ": " + after);
    }
    // Every device lives on the survivor at the end: a re-created device's placement row that came
    // in round 3 is written again at the restart. Before, the rewind's cut took it, and the lost
    // member's devices were last placed there (in 1 of 3 runs: the row's round is the report's).
    assertEquals(Set.of(m.seed()), Set.copyOf(placements(dir, true).values()), all);
  }

  /** The rows of {@code dir}'s events.csv of the server crash (its fault and recovery rows). */
  private static List<List<String>> crashRows(Path dir) throws IOException {
    List<List<String>> out = new ArrayList<>(rowsOf(dir, "fault"));
    out.addAll(rowsOf(dir, "recovery"));
    out.removeIf(f -> !f.get(4).startsWith("server-crash: "));
    return out;
  }

  /** events.csv's rows but those of the run's JVMs: the placement and resume rows. */
  private static List<String> emulatedEvents(Path dir) throws IOException {
    return lines(dir.resolve("events.csv")).stream()
        .filter(l -> !l.contains(",placement,") && !l.contains(",resume,"))
        .toList();
  }

  /** A 4-round psl run with a checkpoint every round, in full fidelity. */
  private static List<String> checkpointed() {
    // At cut 5, kept states, checkpoints (the devices' and the edge server's slices with their
    // optimizer state) and restores cross in parts at the 64 KiB frame.
    List<String> args = new ArrayList<>(ClusterRunTest.scenario("psl"));
    args.addAll(List.of("--set", "rounds=4", "--set", "checkpoint.every=1"));
    // A hang from an instant in round 2 to round 3's start: a resumed device takes its fault state
    // from its checkpoint only (were the hang armed again after its restore, it would hang again).
    // A server-crash inside round 3 (34.183 s to 36.106 s) goes back to round 2's checkpoint and
    // redoes round 3 from 1 s after it: every case's resumed run strikes it (stopped or lost
    // before it) or has it struck already (the SIGKILL case, after the redone round 3's
    // checkpoint).
    args.addAll(
        List.of(
            "--set",
            "faults=[{kind=device-hang, device=1, at=3 s, until-round=3},"
                + " {kind=server-crash, at=35 s, restart-delay=1 s}]"));
    return args;
  }

  /**
   * Starts {@link #checkpointed}'s run on the cluster with its supervisor's member in a JVM of its
   * own, writing into {@code dir}, and returns once round {@code round} is recorded.
   */
  private LocalNodes.Node supervisorUntilRound(Path dir, int round) throws Exception {
    List<String> command = new ArrayList<>(checkpointed());
    command.addAll(
        List.of(
            "--out", dir.toString(), "--cluster", "--seed-nodes", seed(), "--min-members", "3"));
    LocalNodes.Node supervisor = nodes.command(Map.of(), command);
    Path rounds = dir.resolve("rounds.csv");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (lines(rounds).size() < round + 1) { // the header and the rounds
      assertTrue(System.nanoTime() < deadline, "round " + round + " not recorded in 5 minutes");
      assertTrue(
          supervisor.process().isAlive(),
          "the supervisor's JVM ended before round " + round + ": " + supervisor.stderr());
      Thread.sleep(20);
    }
    return supervisor;
  }

  /** The arguments of {@code run} that resume {@code dir}'s run on the same cluster. */
  private List<String> resumeArgs(Path dir) throws Exception {
    List<String> args = new ArrayList<>(checkpointed());
    args.addAll(
        List.of(
            "--resume", dir.toString(), "--cluster", "--seed-nodes", seed(), "--min-members", "3"));
    return args;
  }

  /**
   * Resumes {@code dir}'s run on the same cluster from this JVM (new device entities and edge
   * server, restored from the newest checkpoint; the members drop the stopped run's actors when
   * this one loads) and compares it with the run uninterrupted in one JVM.
   */
  private void resumeOnTheClusterAndCompare(Path dir) throws Exception {
    List<String> args = resumeArgs(dir);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    // The resume's own lines in the message: a failure in CI shows why it ended.
    assertEquals(0, code, "the resume on the cluster: " + err + out);
    assertResumedAsUninterrupted(dir);
  }

  /**
   * {@code dir}'s run, resumed from a checkpoint, has the rows of {@link #checkpointed}'s run
   * uninterrupted in one JVM.
   */
  private void assertResumedAsUninterrupted(Path dir) throws IOException {
    if (one == null) {
      Path out = uninterrupted.resolve("checkpointed-one-" + System.nanoTime());
      assertEquals(0, run(checkpointed(), "--out", out.toString()), "one JVM");
      one = out;
    }
    assertEquals(
        emulatedRows(one), emulatedRows(dir), "rounds.csv, losses and accuracies included");
    assertEquals(lines(one.resolve("devices.csv")), lines(dir.resolve("devices.csv")));
    // events.csv but the rows of the run's JVMs (the placement and resume rows): the hang's, the
    // crash's fault and recovery rows once, the checkpoints' rows.
    assertEquals(emulatedEvents(one), emulatedEvents(dir), "events.csv");
    assertEquals(2, crashRows(dir).size(), "the crash's rows: " + emulatedEvents(dir));
    String events = Files.readString(dir.resolve("events.csv"));
    assertTrue(events.contains(",resume,supervisor,"), events);
    assertTrue(Files.exists(dir.resolve("checkpoints")), "checkpoints written on the cluster");
    // Every device of the resumed run started on a member again.
    assertEquals(4, placements(dir, true).size(), events);
    // ... and its placement rows stand at the resume's instant and round, beside the resume row,
    // not among the first run's at 0 (they are recorded before the restore).
    String resume = null;
    List<String> placedAtResume = new ArrayList<>();
    for (String line : lines(dir.resolve("events.csv"))) {
      String at = line.substring(0, line.indexOf(',', line.indexOf(',') + 1));
      if (line.contains(",resume,supervisor,")) {
        resume = at;
      }
      if (line.contains(",placement,member ")) {
        placedAtResume.add(at);
      }
    }
    assertTrue(resume != null && !resume.startsWith("0.0,"), events);
    String resumedAt = resume;
    long atResume = placedAtResume.stream().filter(resumedAt::equals).count();
    assertTrue(
        atResume >= 1,
        "placement rows at the resume's instant and round " + resume + ": " + events);
    assertEquals(
        placedAtResume.size() - atResume,
        placedAtResume.stream().filter(a -> a.startsWith("0.0,")).count(),
        "the first run's placements at 0, the resumed run's at the resume: " + events);
  }
}
