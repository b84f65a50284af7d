package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.cli.Main;
import io.splitemu.actors.results.FolderLock;
import io.splitemu.actors.results.ResultsWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What {@code run --cluster --failover} leaves in and takes from its results folder: no folder and
 * no {@code .failover-ended} where its run never started, the folder's lock once it holds the lease
 * (it waits while another process holds it), and the exit status it recorded, which a later {@code
 * --failover} on the folder exits with. In this JVM only: its seed is a bare {@code edge} member of
 * this JVM (no {@code node} JVM, no {@code devices} member to hold the device shards' coordinator),
 * so no run ever starts and each holder fails at the join timeout, a few seconds.
 */
class FailoverFolderTest {

  @TempDir static Path tmp;
  private static TestMember seed;
  private static String seedAddress;

  /**
   * The run's members' wait for their device shard region to hand off on leaving: with no {@code
   * devices} member there is no coordinator to hand off to, and the default 10 s would be waited
   * out at each run's end.
   */
  private static final String REGION_SHUTDOWN =
      "pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout";

  @BeforeAll
  static void startSeed() throws Exception {
    // The seed and every holder's, standby's and run's members: joins, leases and leaves without
    // waiting for Pekko's second-long ticks.
    LabTimings.setSystemProperties(REGION_SHUTDOWN, "1s");
    int port = TestMember.freePort();
    seedAddress = "127.0.0.1:" + port;
    ClusterConfig config =
        new ClusterConfig(
            Set.of("edge"), List.of(), ClusterConfig.DEFAULT_BIND, port, Optional.empty());
    seed =
        TestMember.startFirst(
            config,
            ConfigFactory.parseString("pekko.cluster.jmx.multi-mbeans-in-same-jvm = on"),
            Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopSeed() {
    LabTimings.clearSystemProperties(REGION_SHUTDOWN);
    if (seed != null) {
      seed.close();
    }
  }

  record Result(int code, String out, String err) {}

  private static Result cli(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    return new Result(code, out.toString(), err.toString());
  }

  /** A small psl scenario in timing fidelity (a local run of it takes about a second). */
  private static Path scenario() throws Exception {
    Path f = tmp.resolve("small.conf");
    if (!Files.exists(f)) {
      Files.writeString(
          f,
          "splitemu {\n  scenario = small\n  scheme = psl\n  rounds = 2\n  local-steps = 2\n"
              + "  batch-size = 16\n  fidelity = timing\n  model { name = lenet5, cut = 2 }\n"
              + "  devices { count = 2, flops = [2e8, 1e9], memory-bytes = 4e9 }\n"
              + "  server.flops = 2e10\n"
              + "  links { kind = static, static { uplink-bps = [8e6, 2e7],"
              + " downlink-bps = [1e7, 4e7] } }\n"
              + "  checkpoint.every = 1\n"
              + "  output.dir = \""
              + tmp.resolve("results")
              + "\"\n}\n");
    }
    return f;
  }

  /**
   * {@code run --cluster --failover --out dir} at this JVM's seed, which has no {@code node}
   * member: the run waits {@code joinTimeout} for one, then fails before it starts.
   */
  private static List<String> failover(Path dir, String joinTimeout) throws Exception {
    return List.of(
        "run",
        scenario().toString(),
        "--cluster",
        "--failover",
        "--seed-nodes",
        seedAddress,
        "--out",
        dir.toString(),
        "--set",
        "cluster-run.join-timeout=" + joinTimeout);
  }

  @Test
  void aFailoverRunThatNeverStarted_leavesNoFolderNorEndMarker_andNoJmxWarning() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);
    Path dir = tmp.resolve("never-started");
    try {
      // Before 2026-12-06 it left the folder with .failover-ended (exit 1), and the same command
      // again then exited 0 saying the run had ended on another JVM.
      Result r = cli(failover(dir, "2s"));
      assertEquals(1, r.code(), r.err() + r.out());
      assertTrue(
          r.err().contains("fewer than 2 cluster members joined")
              && r.err().contains("nothing was recorded, so no results folder is left"),
          r.err());
      assertFalse(Files.exists(dir), "the folder is gone, with no .failover-ended in it");
    } finally {
      root.detachAppender(logged);
    }
    // The lease member and the supervisor member are two cluster systems of one JVM.
    List<String> jmx =
        logged.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .filter(m -> m.contains("JMX MBean"))
            .toList();
    assertEquals(List.of(), jmx);
  }

  @Test
  void theHolderLocksTheFolder_andALaterFailoverExitsWithTheStatusItRecorded() throws Exception {
    // A run killed after its last row: a --resume (or a --failover holder) goes on from round 1's
    // checkpoint.
    Path dir = tmp.resolve("held");
    Result local = cli(List.of("run", scenario().toString(), "--out", dir.toString()));
    assertEquals(0, local.code(), local.err());
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    List<String> resume = List.of("run", scenario().toString(), "--resume", dir.toString());

    // Another process's lock on the folder (a predecessor cut off but alive, say): the holder
    // takes the lease, then waits for the lock before it reads or writes anything there.
    String rounds = Files.readString(dir.resolve("rounds.csv"));
    FolderLock predecessor = FolderLock.take(dir);
    // With a metrics linger after its failure that only this test ends (the holder cannot end
    // while the test looks at the folder), and at which its end is already recorded.
    List<String> lingering = new ArrayList<>(failover(dir, "3s"));
    lingering.addAll(
        List.of(
            "--set",
            "metrics.enabled=true",
            "--set",
            "metrics.port=0",
            "--set",
            "metrics.linger=60s"));
    StringWriter holderOut = new StringWriter();
    StringWriter holderErr = new StringWriter();
    CompletableFuture<Integer> holder = new CompletableFuture<>();
    Thread holderThread = inThread(lingering, holderOut, holderErr, holder);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!holderErr.toString().contains("waiting for the process that holds")) {
      assertFalse(holder.isDone(), "the holder ended early: " + holderErr);
      assertTrue(System.nanoTime() < deadline, "no lease within 60 s: " + holderErr);
      Thread.sleep(20);
    }
    assertEquals(
        "splitemu run: holding the lease on "
            + dir
            + " (--failover); waiting for the process that holds "
            + dir.resolve(".lock")
            + " to end (the JVM that held the lease before, or a --resume) before taking the run"
            + " over",
        holderErr.toString().strip());
    Thread.sleep(500);
    assertEquals(rounds, Files.readString(dir.resolve("rounds.csv")), "nothing read or cut yet");

    // A standby of the folder, with metrics on a port of its own: its endpoint serves while it
    // stands by (before 2026-12-07 it started only with the run), its JVM's series and its lease
    // member's, role standby.
    int standbyPort = TestMember.freePort();
    List<String> standbyArgs = new ArrayList<>(failover(dir, "3s"));
    standbyArgs.addAll(
        List.of("--set", "metrics.enabled=true", "--set", "metrics.port=" + standbyPort));
    StringWriter standbyOut = new StringWriter();
    StringWriter standbyErr = new StringWriter();
    CompletableFuture<Integer> standby = new CompletableFuture<>();
    inThread(standbyArgs, standbyOut, standbyErr, standby);
    while (!standbyErr.toString().contains("standing by for " + dir)) {
      assertFalse(standby.isDone(), "the standby ended early: " + standbyErr);
      assertTrue(System.nanoTime() < deadline, "no standby within 60 s: " + standbyErr);
      Thread.sleep(20);
    }
    String scraped = io.splitemu.actors.metrics.MetricsText.scrape(standbyPort);
    assertTrue(
        scraped.contains("splitemu_member_info{node=\"supervisor\",roles=\"standby\"} 1"), scraped);
    assertTrue(scraped.contains("jvm_memory_used_bytes"), scraped);
    predecessor.close();

    // Then it resumes the run, waits 3 s for members that never come and lingers: a plain
    // --resume of the folder meanwhile is refused, the folder as the holder left it.
    while (!holderErr.toString().contains("supervisor member up")) {
      assertFalse(holder.isDone(), "the holder ended early: " + holderErr);
      assertTrue(System.nanoTime() < deadline, "no supervisor member within 60 s: " + holderErr);
      Thread.sleep(20);
    }
    assertTrue(holderErr.toString().contains("took over " + dir), holderErr.toString());
    Result refused = cli(resume);
    assertEquals(1, refused.code(), refused.err() + refused.out());
    assertEquals(
        "splitemu: results folder "
            + dir
            + " is in use by another splitemu process (it holds "
            + dir.resolve(".lock")
            + "); wait for it to end, or stop it",
        refused.err().strip());
    while (!holderOut.toString().contains("metrics: serving the final values")) {
      assertFalse(holder.isDone(), "the holder ended early: " + holderErr + holderOut);
      assertTrue(System.nanoTime() < deadline, "no linger within 60 s: " + holderErr + holderOut);
      Thread.sleep(20);
    }
    assertTrue(
        holderErr.toString().contains("fewer than 2 cluster members joined"), holderErr.toString());
    // Recorded before the linger (before 2026-12-06 only after it: a second SIGTERM, a Ctrl-C or
    // a SIGKILL during the linger left none, and a standby ran the run again).
    assertEquals("exit 1", Files.readString(dir.resolve(".failover-ended")).strip());
    // The standby exits with it.
    assertEquals(1, (int) standby.get(60, TimeUnit.SECONDS), standbyErr.toString());
    assertTrue(
        standbyErr.toString().contains("ended with exit 1 on the JVM that held its lease"),
        standbyErr.toString());
    holderThread.interrupt(); // ends the linger, as a signal ends the process
    assertEquals(1, (int) holder.get(60, TimeUnit.SECONDS), holderErr.toString());
    assertEquals("exit 1", Files.readString(dir.resolve(".failover-ended")).strip());

    // The same --failover again: it does not take the ended run for a success, nor run it.
    Result again = cli(failover(dir, "3s"));
    assertEquals(1, again.code(), again.err() + again.out());
    assertEquals(
        "splitemu: the run in "
            + dir
            + " ended with exit 1 on the JVM that held its lease (--failover), so this one does"
            + " not run it; to go on with it: splitemu run "
            + scenario()
            + " --set cluster-run.join-timeout=3s --resume "
            + dir
            + " --cluster --seed-nodes "
            + seedAddress
            + ", or remove "
            + dir.resolve(".failover-ended")
            + " and start the --failover JVMs again",
        again.err().strip());
    assertEquals("", again.out());

    // Going on by hand, as it says: the marker goes, and the run finishes.
    Result byHand = cli(resume);
    assertEquals(0, byHand.code(), byHand.err());
    assertFalse(Files.exists(dir.resolve(".failover-ended")));
    assertTrue(Files.exists(dir.resolve("summary.json")));
  }

  /**
   * SIGTERM to the holder once it holds the lease, before its run began (here while it waits for
   * the folder's lock), stops the run: the holder records exit 143 and its standby exits with it.
   * Before 2026-12-07 the run's SIGTERM handler was installed only as the run began: such a SIGTERM
   * ended the holder's JVM at once without the end marker, and the standby took the lease and ran
   * the run (a stop while the run waited for members was recorded; the same line and marker,
   * through the same path, ClusterLifecycleTest stopping such a run). Earlier on 2026-12-07 the
   * holder removed the folder even then, and the standby ran the run from round 0.
   */
  @Test
  void sigtermToAHolderBeforeItsRunStarted_endsTheStandbyToo() throws Exception {
    Path dir = tmp.resolve("stopped-before-start");
    Files.createDirectories(dir);
    // Holds the holder between the lease and its run: its lock wait (a predecessor cut off).
    FolderLock predecessor = FolderLock.take(dir);
    // A SIGTERM that no run's handler takes lands here rather than end the test's JVM (in a JVM
    // of its own it would end it at once, 143, with no end marker).
    sun.misc.Signal term = new sun.misc.Signal("TERM");
    AtomicBoolean unhandled = new AtomicBoolean();
    sun.misc.SignalHandler jvms = sun.misc.Signal.handle(term, sig -> unhandled.set(true));
    try {
      StringWriter holderOut = new StringWriter();
      StringWriter holderErr = new StringWriter();
      CompletableFuture<Integer> holder = new CompletableFuture<>();
      inThread(failover(dir, "60s"), holderOut, holderErr, holder);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!holderErr.toString().contains("waiting for the process that holds")) {
        assertFalse(holder.isDone(), "the holder ended early: " + holderErr);
        assertTrue(System.nanoTime() < deadline, "no lease within 60 s: " + holderErr);
        Thread.sleep(20);
      }
      StringWriter standbyOut = new StringWriter();
      StringWriter standbyErr = new StringWriter();
      CompletableFuture<Integer> standby = new CompletableFuture<>();
      inThread(failover(dir, "3s"), standbyOut, standbyErr, standby);
      while (!standbyErr.toString().contains("standing by for " + dir)) {
        assertFalse(standby.isDone(), "the standby ended early: " + standbyErr);
        assertTrue(System.nanoTime() < deadline, "no standby within 60 s: " + standbyErr);
        Thread.sleep(20);
      }
      assertFalse(holder.isDone(), holderErr.toString());
      sun.misc.Signal.raise(term);
      Thread.sleep(500); // the signal's thread asks for the stop
      assertFalse(
          unhandled.get(),
          "the holder of the lease had no SIGTERM handler yet: its JVM would end without the end"
              + " marker");
      predecessor.close();

      assertEquals(143, (int) holder.get(60, TimeUnit.SECONDS), holderErr.toString());
      assertTrue(
          holderErr
              .toString()
              .contains(
                  "splitemu: stopped by SIGTERM before the run started (no round ran, no"
                      + " checkpoint)"),
          holderErr.toString());
      assertEquals("exit 143", Files.readString(dir.resolve(".failover-ended")).strip());
      // The standby does not run it.
      assertEquals(
          143, (int) standby.get(60, TimeUnit.SECONDS), standbyErr.toString() + standbyOut);
      assertTrue(
          standbyErr
              .toString()
              .contains(
                  "ended with exit 143 on the JVM that held its lease (--failover), so this one"
                      + " does not run it; it holds no rows and no checkpoint: remove "
                      + dir.resolve(".failover-ended")),
          standbyErr.toString());
      assertFalse(standbyErr.toString().contains("supervisor member up"), standbyErr.toString());
      assertFalse(unhandled.get());
    } finally {
      predecessor.close();
      sun.misc.Signal.handle(term, jvms);
    }
  }

  @Test
  void aHolderWhoseFolderANewerHolderTookOver_writesNoEndMarker_andSaysSoInOneLine()
      throws Exception {
    // A run killed after its last row, resumed by a --failover holder (as in the test above).
    Path dir = tmp.resolve("fenced");
    Result local = cli(List.of("run", scenario().toString(), "--out", dir.toString()));
    assertEquals(0, local.code(), local.err());
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    assertFalse(Files.exists(dir.resolve(".failover-holder")), "no token without --failover");
    String checkpoints;
    try (var files = Files.list(dir.resolve("checkpoints"))) {
      checkpoints = files.map(f -> f.getFileName().toString()).sorted().toList().toString();
    }

    // The holder takes the folder over (its token: generation 1 and its lease member), resumes the
    // run and waits 5 s for members that never come; meanwhile a standby takes the folder over
    // (where the file system has no locks across machines, nothing else keeps it out): its token,
    // generation 2.
    StringWriter holderOut = new StringWriter();
    StringWriter holderErr = new StringWriter();
    CompletableFuture<Integer> holder = new CompletableFuture<>();
    inThread(failover(dir, "5s"), holderOut, holderErr, holder);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!holderErr.toString().contains("took over " + dir)) {
      assertFalse(holder.isDone(), "the holder ended early: " + holderErr);
      assertTrue(System.nanoTime() < deadline, "no lease within 60 s: " + holderErr);
      Thread.sleep(20);
    }
    String token = Files.readString(dir.resolve(".failover-holder"));
    assertTrue(
        token.matches("generation 1\nmember 127\\.0\\.0\\.1:\\d+\nnonce [0-9a-f]{16}\n"), token);
    Files.writeString(dir.resolve(".failover-holder"), "generation 2\nmember 127.0.0.1:1\n");

    // Its run fails (no members) and would say so in .failover-ended: the standby would exit with
    // it instead of running the run. It writes nothing, and says why in one line.
    assertEquals(1, (int) holder.get(60, TimeUnit.SECONDS), holderErr.toString());
    assertFalse(Files.exists(dir.resolve(".failover-ended")), holderErr.toString());
    assertFalse(Files.exists(dir.resolve("summary.json")));
    assertEquals(
        "generation 2\nmember 127.0.0.1:1\n", Files.readString(dir.resolve(".failover-holder")));
    try (var files = Files.list(dir.resolve("checkpoints"))) {
      assertEquals(
          checkpoints, files.map(f -> f.getFileName().toString()).sorted().toList().toString());
    }
    String line =
        "splitemu run: "
            + dir
            + " was taken over by a newer holder (generation 2, member 127.0.0.1:1);"
            + " this JVM writes nothing more to it";
    assertEquals(
        1, holderErr.toString().lines().filter(line::equals).count(), holderErr.toString());
  }

  /**
   * The holder writes its token before it reads the folder's {@code .failover-ended}: a marker that
   * a predecessor wrote while this JVM waited for the lock is seen, and one it would write later
   * finds the newer token. Before 2026-12-06 the marker was read before the token was written (and
   * not again), so a marker written between the two was missed.
   */
  @Test
  void theHolderTakesTheTokenBeforeItReadsTheEndMarker() throws Exception {
    Path dir = tmp.resolve("ended-meanwhile");
    Result local = cli(List.of("run", scenario().toString(), "--out", dir.toString()));
    assertEquals(0, local.code(), local.err());
    Files.delete(dir.resolve("summary.json"));
    Files.delete(dir.resolve("report.md"));
    Files.writeString(
        dir.resolve(".failover-holder"), "generation 1\nmember 127.0.0.1:1\nnonce ab\n");
    FolderLock predecessor = FolderLock.take(dir);
    StringWriter holderOut = new StringWriter();
    StringWriter holderErr = new StringWriter();
    CompletableFuture<Integer> holder = new CompletableFuture<>();
    inThread(failover(dir, "3s"), holderOut, holderErr, holder);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!holderErr.toString().contains("waiting for the process that holds")) {
      assertFalse(holder.isDone(), "the holder ended early: " + holderErr);
      assertTrue(System.nanoTime() < deadline, "no lease within 60 s: " + holderErr);
      Thread.sleep(20);
    }
    // The predecessor's run ends: it records so, then its lock goes.
    Files.writeString(dir.resolve(".failover-ended"), "exit 0\n");
    predecessor.close();
    assertEquals(0, (int) holder.get(60, TimeUnit.SECONDS), holderErr.toString());
    assertTrue(
        holderOut.toString().contains("the run in " + dir + " ended on another JVM"),
        holderOut.toString());
    String token = Files.readString(dir.resolve(".failover-holder"));
    assertTrue(
        token.matches("generation 2\nmember 127\\.0\\.0\\.1:\\d+\nnonce [0-9a-f]{16}\n"), token);
    assertFalse(Files.exists(dir.resolve("summary.json")), "nothing run");
  }

  /**
   * A local run of the small scenario into {@code dir}, then cut back as a {@code --failover}
   * holder lost before its first checkpoint leaves it: {@code rows} rounds recorded (0: the tables'
   * headers alone), no checkpoint, summary or report, the lost holder's token.
   */
  private static void lostBeforeItsFirstCheckpoint(Path dir, int rows) throws Exception {
    Result local = cli(List.of("run", scenario().toString(), "--out", dir.toString()));
    assertEquals(0, local.code(), local.err());
    for (String f : List.of("summary.json", "report.md", "run-label.txt")) {
      Files.deleteIfExists(dir.resolve(f));
    }
    for (Path sub : List.of(dir.resolve("checkpoints"), dir.resolve("plots"))) {
      try (var files = Files.walk(sub)) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
    Files.createDirectory(dir.resolve("plots"));
    for (String table : List.of("rounds.csv", "devices.csv", "events.csv")) {
      List<String> lines = Files.readAllLines(dir.resolve(table));
      List<String> kept = new ArrayList<>(List.of(lines.get(0)));
      if (rows > 0) {
        for (String line : lines.subList(1, lines.size())) {
          if (line.split(",")[table.equals("events.csv") ? 1 : 0].equals("1")) {
            kept.add(line);
          }
        }
      }
      Files.write(dir.resolve(table), kept);
    }
    Files.writeString(
        dir.resolve(".failover-holder"), "generation 1\nmember 127.0.0.1:1\nnonce ab\n");
  }

  /**
   * The reviewer's case: the holder lost before its first checkpoint and before any row. The
   * standby starts the run again from round 0 in the same folder (here it then waits for members
   * that never come, and leaves nothing but the folder's bookkeeping). Before 2026-12-07 it was
   * refused ("start the run again into another folder") and recorded exit 1, and the same command
   * again advised a --resume that was refused too ("holds no checkpoint").
   */
  @Test
  void aHolderLostBeforeAnyRow_theStandbyStartsTheRunAgainFromRound0() throws Exception {
    Path dir = tmp.resolve("lost-before-any-row");
    lostBeforeItsFirstCheckpoint(dir, 0);
    Result r = cli(failover(dir, "2s"));
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(
        r.err()
            .contains(
                "splitemu run: took over "
                    + dir
                    + " (--failover); it holds no rows and no checkpoint (the JVM that ran it was"
                    + " lost before it recorded any), so the run starts again from round 0 in it"),
        r.err());
    assertTrue(r.err().contains("fewer than 2 cluster members joined"), r.err());
    assertFalse(Files.exists(dir.resolve(".failover-ended")), r.err());
    assertFalse(Files.exists(dir.resolve("scenario.conf")), "nothing recorded, nothing kept");

    // A folder the old refusal left (its marker, exit 1): the advice is to start again, not a
    // --resume.
    lostBeforeItsFirstCheckpoint(tmp.resolve("marked"), 0);
    Files.writeString(tmp.resolve("marked").resolve(".failover-ended"), "exit 1\n");
    Result marked = cli(failover(tmp.resolve("marked"), "2s"));
    assertEquals(1, marked.code(), marked.err());
    assertEquals(
        "splitemu: the run in "
            + tmp.resolve("marked")
            + " ended with exit 1 on the JVM that held its lease (--failover), so this one does"
            + " not run it; it holds no rows and no checkpoint: remove "
            + tmp.resolve("marked").resolve(".failover-ended")
            + " and start the --failover JVMs again (the run starts from round 0 in it)",
        marked.err().strip());
  }

  /**
   * A holder that left its folder before its start wrote more than its token (lost before its
   * scenario.conf was written, or a start that recorded nothing and took its files back), or with a
   * table's header but no scenario.conf (cut off by a full disk): the standby that takes the lease
   * says it took the folder over and starts the run from round 0 in it, as with a rowless folder
   * that holds its scenario.conf. Earlier on 2026-12-07 the first was run without a word and the
   * second refused by the run's open ("is not empty; choose another --out"). The first holder of a
   * fresh folder says no such thing.
   */
  @Test
  void aHolderGoneBeforeItsScenarioConf_theStandbySaysItTookOver() throws Exception {
    for (String left : List.of("token", "header")) {
      Path dir = tmp.resolve("gone-before-conf-" + left);
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve(".failover-holder"), "generation 1\nmember 127.0.0.1:1\nnonce ab\n");
      if (left.equals("header")) {
        Files.writeString(dir.resolve("rounds.csv"), "round,emulated_time_s\n");
      }
      Result r = cli(failover(dir, "2s"));
      assertEquals(1, r.code(), left + ": " + r.err() + r.out());
      assertTrue(
          r.err()
              .contains(
                  "splitemu run: took over "
                      + dir
                      + " (--failover); it holds no rows and no checkpoint (the JVM that ran it"
                      + " was lost before it recorded any), so the run starts again from round 0"
                      + " in it"),
          left + ": " + r.err());
      assertTrue(r.err().contains("fewer than 2 cluster members joined"), left + ": " + r.err());
      assertFalse(Files.exists(dir.resolve("rounds.csv")), left);
    }
    Path fresh = tmp.resolve("fresh-holder");
    Result r = cli(failover(fresh, "2s"));
    assertEquals(1, r.code(), r.err() + r.out());
    assertFalse(r.err().contains("took over"), r.err());

    // A rowless folder of another configuration is refused, as run --resume refuses it, and left
    // as it was (earlier on 2026-12-07 the standby cleared it and ran its own configuration).
    Path other = tmp.resolve("other-configuration");
    Files.createDirectories(other);
    Files.writeString(
        other.resolve(".failover-holder"), "generation 1\nmember 127.0.0.1:1\nnonce ab\n");
    Files.writeString(other.resolve("scenario.conf"), "splitemu {\n  rounds = 99\n}\n");
    r = cli(failover(other, "2s"));
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(
        r.err()
            .contains(
                "splitemu: --failover: " + other + " was run with another configuration than "),
        r.err());
    assertFalse(r.err().contains("took over"), r.err());
    assertEquals(
        "splitemu {\n  rounds = 99\n}\n", Files.readString(other.resolve("scenario.conf")));
  }

  /**
   * {@code run --cluster --resume} of a folder whose start was cut short before its first row (its
   * scenario.conf cut off) takes the same branch as a run in one JVM: the run starts again from
   * round 0 in it, with one line (here it then waits for members that never come). Before
   * 2026-12-07 it was refused, "holds no checkpoint to resume from".
   */
  @Test
  void aClusterResumeOfAFolderCutShortBeforeItsFirstRow_startsItAgainFromRound0() throws Exception {
    Path dir = tmp.resolve("cluster-cut-short");
    Files.createDirectories(dir.resolve("plots"));
    Files.writeString(dir.resolve(FolderLock.FILE), "");
    Files.writeString(dir.resolve("scenario.conf"), "splitemu {\n  scenario = sm");
    Result r =
        cli(
            List.of(
                "run",
                scenario().toString(),
                "--cluster",
                "--seed-nodes",
                seedAddress,
                "--resume",
                dir.toString(),
                "--set",
                "cluster-run.join-timeout=2s"));
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(
        r.err()
            .contains(
                "splitemu run: "
                    + dir
                    + " holds no rows and no checkpoint (its start was cut short), so the run"
                    + " starts again from round 0 in it"),
        r.err());
    assertTrue(r.err().contains("fewer than 2 cluster members joined"), r.err());
  }

  /**
   * A holder lost after its first row but before its first checkpoint: the standby refuses, in one
   * line that counts the rows and gives the command into another folder, and the same command again
   * repeats that advice (before 2026-12-07 it advised a --resume, refused for want of a
   * checkpoint).
   */
  @Test
  void aHolderLostAfterARowButBeforeItsFirstCheckpoint_isAdvisedAnotherFolder_twice()
      throws Exception {
    Path dir = tmp.resolve("lost-after-a-row");
    lostBeforeItsFirstCheckpoint(dir, 1);
    String advice =
        " holds 1 recorded round but no checkpoint to resume from (it ended before its first"
            + " checkpoint, due after round 1); start the run again into another folder: splitemu"
            + " run "
            + scenario()
            + " --set cluster-run.join-timeout=2s --out NEW_DIR --cluster --seed-nodes "
            + seedAddress
            + " --failover";
    Result r = cli(failover(dir, "2s"));
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals("splitemu: --failover: " + dir + advice, r.err().strip());
    assertEquals("exit 1", Files.readString(dir.resolve(".failover-ended")).strip());
    Result again = cli(failover(dir, "2s"));
    assertEquals(1, again.code(), again.err());
    assertEquals(
        "splitemu: the run in "
            + dir
            + " ended with exit 1 on the JVM that held its lease (--failover), so this one does"
            + " not run it; it"
            + advice,
        again.err().strip());
  }

  /**
   * A holder lost before any row, in a folder that also holds a user's file and a temporary file
   * under 2 min old: the standby refuses in one line naming it, deleting nothing, and a second
   * --failover repeats that advice; done as advised, the run starts again from round 0. Earlier on
   * 2026-12-07 the standby cleared the run's files, said the run started again, and was then
   * refused ("is not empty"), and the second --failover advised the same again: a loop, and the
   * lost run's scenario.conf gone.
   */
  @Test
  void aHolderLostBeforeAnyRow_inAFolderWithAUsersFile_isRefusedAndKeepsEveryFile()
      throws Exception {
    Path dir = tmp.resolve("lost-with-notes");
    lostBeforeItsFirstCheckpoint(dir, 0);
    Files.writeString(dir.resolve("notes.txt"), "the user's\n");
    // A temporary file of the lost holder's under 2 min old: its write may still be under way.
    Path young = dir.resolve("run-label.txt.1-0123456789abcdef.tmp");
    Files.writeString(young, "x");
    java.util.Map<String, String> before = results(dir);
    String advice =
        " holds no rows and no checkpoint, but also what a run does not write there: notes.txt, "
            + young.getFileName()
            + " (a temporary file under 2 min old: a write still under way?) (nothing deleted); to"
            + " start the run from round 0 in it, remove those and "
            + dir.resolve(".failover-ended")
            + " and start the --failover JVMs again, or start the run into another folder: splitemu"
            + " run "
            + scenario()
            + " --set cluster-run.join-timeout=2s --out NEW_DIR --cluster --seed-nodes "
            + seedAddress
            + " --failover";
    Result r = cli(failover(dir, "2s"));
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals("splitemu: --failover: " + dir + advice, r.err().strip());
    assertEquals(before, results(dir));
    assertEquals("exit 1", Files.readString(dir.resolve(".failover-ended")).strip());

    Result again = cli(failover(dir, "2s"));
    assertEquals(1, again.code(), again.err());
    assertEquals(
        "splitemu: the run in "
            + dir
            + " ended with exit 1 on the JVM that held its lease (--failover), so this one does"
            + " not run it; it"
            + advice,
        again.err().strip());
    assertEquals(before, results(dir));

    // As advised: the run starts again from round 0 there.
    Files.delete(dir.resolve("notes.txt"));
    Files.delete(young);
    Files.delete(dir.resolve(".failover-ended"));
    Result advised = cli(failover(dir, "2s"));
    assertEquals(1, advised.code(), advised.err());
    assertTrue(advised.err().contains("so the run starts again from round 0 in it"), advised.err());
    assertTrue(advised.err().contains("fewer than 2 cluster members joined"), advised.err());
  }

  /**
   * The files of results folder {@code dir} (a folder as {@code NAME/}), each with its contents,
   * but for the lock's, the token's and the end marker's files, which a --failover writes.
   */
  private static java.util.Map<String, String> results(Path dir) throws Exception {
    java.util.Map<String, String> files = new java.util.TreeMap<>();
    try (var all = Files.walk(dir)) {
      for (Path f : all.filter(f -> !f.equals(dir)).toList()) {
        String name = dir.relativize(f).toString();
        if (name.startsWith(".lock") || name.startsWith(".failover-")) {
          continue;
        }
        files.put(
            Files.isDirectory(f) ? name + "/" : name,
            Files.isDirectory(f) ? "" : Files.readString(f));
      }
    }
    return files;
  }

  /**
   * Clearing a rowless folder to start its run again takes a temporary file of the run's only once
   * it is stale, as a resume does (earlier on 2026-12-07 of any age: a younger one may be a write
   * of the lost holder still under way, which a standby names: see the test above).
   */
  @Test
  void clearingARowlessFolder_takesOnlyStaleTemporaries() throws Exception {
    Path dir = tmp.resolve("rowless-temporaries");
    Files.createDirectories(dir.resolve("plots"));
    Files.writeString(dir.resolve("scenario.conf"), "splitemu {}\n");
    Path young = dir.resolve("run-label.txt.1-0123456789abcdef.tmp");
    Path stale = dir.resolve("rounds.csv.2-0123456789abcdef.tmp");
    Files.writeString(young, "x");
    Files.writeString(stale, "x");
    Files.setLastModifiedTime(
        stale,
        java.nio.file.attribute.FileTime.fromMillis(
            System.currentTimeMillis() - Duration.ofMinutes(3).toMillis()));
    ResultsWriter.removeRowless(dir);
    assertTrue(Files.exists(young), "a younger temporary file stays");
    assertFalse(Files.exists(stale), "a stale one goes");
    assertFalse(Files.exists(dir.resolve("scenario.conf")));
  }

  /**
   * Two --failover JVMs on one host with one fixed metrics.port: the standby that cannot bind it
   * says so in one line and stands by without an endpoint, binding it once it holds the run (here
   * still taken: the run then fails on it as a plain run would). Earlier on 2026-12-07 the standby
   * ended at once ("cannot serve metrics"), so no failover.
   */
  @Test
  void aStandbyWhoseMetricsPortIsTaken_standsByWithoutAnEndpoint() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      List<String> args = new ArrayList<>(failover(tmp.resolve("metrics-port-taken"), "2s"));
      args.addAll(
          List.of(
              "--set",
              "metrics.enabled=true",
              "--set",
              "metrics.bind-address=127.0.0.1",
              "--set",
              "metrics.port=" + port));
      Result r = cli(args);
      assertEquals(1, r.code(), r.err());
      List<String> lines = r.err().strip().lines().toList();
      assertTrue(
          lines
              .get(0)
              .matches(
                  "splitemu run: metrics endpoint not served while standing by \\(--failover\\):"
                      + " cannot serve metrics on 127\\.0\\.0\\.1:"
                      + port
                      + ": .+; it is served once this JVM holds the run"),
          r.err());
      // It went on to hold the run, whose endpoint is then bound as before.
      assertTrue(
          lines.size() > 1
              && lines
                  .get(lines.size() - 1)
                  .contains("cannot serve metrics on 127.0.0.1:" + port + ": "),
          r.err());
    }
  }

  /**
   * Starts the CLI with {@code args} on a thread of its own ("failover-holder"), its output into
   * {@code out} and {@code err}, completing {@code code} with its exit status; returns the thread.
   */
  private static Thread inThread(
      List<String> args, StringWriter out, StringWriter err, CompletableFuture<Integer> code) {
    Thread t =
        new Thread(
            () -> {
              try {
                code.complete(
                    Main.run(
                        new PrintWriter(out, true),
                        new PrintWriter(err, true),
                        args.toArray(String[]::new)));
              } catch (Throwable e) {
                code.completeExceptionally(e);
              }
            },
            "failover-holder");
    t.start();
    return t;
  }
}
