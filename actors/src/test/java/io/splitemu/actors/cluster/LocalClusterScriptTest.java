package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.cli.ChildJvm;
import io.splitemu.actors.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/local-cluster.sh --nodes 3} end to end: three JVMs on 127.0.0.1 give the rows of
 * the run in one JVM, the script prints what {@code run} prints and exits with its status, and no
 * JVM it started is left. The JVMs run this build's classes through a launcher that the script is
 * told of ({@code SPLITEMU_LAUNCHER}), so the test builds no jar.
 */
class LocalClusterScriptTest {

  @TempDir Path tmp;

  @Test
  void threeNodes_giveTheRowsOfOneJvm_andLeaveNoJvm() throws Exception {
    String marker = "splitemu.test.cluster=" + UUID.randomUUID();
    Path launcher = launcher(marker, "");
    List<String> scenario =
        List.of(
            "run", "../scenarios/quickstart.conf", "--set", "fidelity=timing", "--set", "rounds=3");
    Path one = tmp.resolve("one");
    assertEquals(0, ClusterRunTest.run(scenario, "--out", one.toString()));

    Path three = tmp.resolve("three");
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                "../deploy/local-cluster.sh",
                "--nodes",
                "3",
                "../scenarios/quickstart.conf",
                "--set",
                "fidelity=timing",
                "--set",
                "rounds=3",
                "--out",
                three.toString())
            .redirectOutput(tmp.resolve("out.txt").toFile())
            .redirectError(tmp.resolve("err.txt").toFile());
    pb.environment().put("SPLITEMU_LAUNCHER", launcher.toString());
    pb.environment().put("CI", "true");
    Process script = pb.start();
    try {
      // The run's last line, then the script's stop of the members.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (script.isAlive()
          && !safeRead(tmp.resolve("out.txt")).contains("\nreport: ")
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      long runEnded = System.nanoTime();
      assertTrue(script.waitFor(5, TimeUnit.MINUTES), "local-cluster.sh did not end in 5 min");
      double stop = (System.nanoTime() - runEnded) / 1e9;
      String out = Files.readString(tmp.resolve("out.txt"));
      assertEquals(0, script.exitValue(), () -> out + safeRead(tmp.resolve("err.txt")));
      assertTrue(out.contains("quickstart (psl): 3 rounds"), out);
      // Its two members leave one after the other, a second or two (at LabTimings) each. Stopped
      // together, the oldest waited out Pekko's 10 s cluster-exiting phase every time, handing
      // the shard coordinator to the other one, leaving too, which never took it over.
      assertTrue(stop < 8, "the script ended " + stop + " s after the run's last line");
      // The members' graceful leave prints nothing: Artery reported every connection the other
      // members closed as a warning, four on every successful run (LeavingLogFilter).
      String err = Files.readString(tmp.resolve("err.txt"));
      assertFalse((out + err).contains("connection has been aborted"), out + err);
      assertEquals(ClusterRunTest.emulatedRows(one), ClusterRunTest.emulatedRows(three));
      assertTrue(
          Files.readString(three.resolve("events.csv")).contains(",placement,"),
          "devices placed on members");
    } catch (Throwable t) {
      stopAfter(t, script, marker);
      throw t;
    }
    stopAndAssertNoJvmLeft(script, marker);
  }

  /**
   * SIGTERM to the script mid-run (what Ctrl-C does too) stops the supervisor first, with the
   * members still in the cluster: it ends the round under way with all its devices and checkpoints
   * it, prints its resume line, and only then do the members leave. The script exits 143 and no JVM
   * is left. (Given SIGTERM with the supervisor, the members left under its last round: member-lost
   * and deadline events, every device dropped from the round it checkpointed.) With {@code
   * --metrics-base-port P} every JVM serves its metrics while the run goes on, the supervisor at P
   * and member i at P+i, the targets printed in one line; the resume line keeps the option. (Before
   * 2026-12-07 the script had no such option and started its members without {@code
   * --metrics-port}: only the supervisor served metrics, and no member's devices showed.)
   */
  @Test
  void sigtermMidRun_stopsTheSupervisorFirst_whichCheckpointsAWholeRound() throws Exception {
    String marker = "splitemu.test.cluster=" + UUID.randomUUID();
    Path launcher = launcher(marker, "");
    Path dir = tmp.resolve("stopped");
    Path out = tmp.resolve("stop-out.txt");
    Path err = tmp.resolve("stop-err.txt");
    int base = freePorts(3);
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                "../deploy/local-cluster.sh",
                "--nodes",
                "3",
                "--metrics-base-port",
                String.valueOf(base),
                "../scenarios/quickstart.conf",
                "--set",
                "fidelity=timing",
                "--set",
                "rounds=2000", // about 0.2 s each: still going when stopped
                "--set",
                "checkpoint.every=1",
                "--set",
                "metrics.linger=0s",
                "--out",
                dir.toString())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().put("SPLITEMU_LAUNCHER", launcher.toString());
    pb.environment().put("CI", "true");
    Process script = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (!Files.readString(out).contains("psl round 3:")) {
        assertTrue(script.isAlive(), () -> "ended before round 3: " + safeRead(err));
        assertTrue(System.nanoTime() < deadline, () -> "no round 3 in 3 min: " + safeRead(err));
        Thread.sleep(100);
      }
      String targets =
          "local-cluster.sh: Prometheus targets (the supervisor, then node-1 to node-2):"
              + String.format(
                  " ['127.0.0.1:%d', '127.0.0.1:%d', '127.0.0.1:%d']\n", base, base + 1, base + 2);
      assertTrue(Files.readString(err).contains(targets), () -> safeRead(err));
      assertTrue(scrape(base).contains("splitemu_run_rounds{"), "the supervisor's run series");
      double entities = 0;
      for (int port = base + 1; port <= base + 2; port++) {
        String member = scrape(port);
        assertTrue(member.contains("splitemu_member_info{"), member);
        Matcher m =
            Pattern.compile(
                    "(?m)^splitemu_member_device_entities\\{node=\"127\\.0\\.0\\.1:\\d+\"} (\\S+)$")
                .matcher(member);
        assertTrue(m.find(), member);
        entities += Double.parseDouble(m.group(1));
      }
      assertEquals(4, entities, "the quickstart's 4 devices, on the members' endpoints");
      script.destroy(); // SIGTERM
      assertTrue(script.waitFor(4, TimeUnit.MINUTES), "local-cluster.sh did not stop in 4 min");
      String said = Files.readString(err);
      assertEquals(143, script.exitValue(), said);
      Matcher stopped =
          Pattern.compile(
                  "splitemu: stopped by SIGTERM after round (\\d+); checkpoint (\\S+); resume with:"
                      // The script's own command: the run's (--cluster --port P) would wait for
                      // members that stopped with it.
                      + Pattern.quote(
                          " ../deploy/local-cluster.sh --nodes 3 --metrics-base-port "
                              + base
                              + " ../scenarios/quickstart.conf"
                              + " --set fidelity=timing --set rounds=2000 --set checkpoint.every=1"
                              + " --set metrics.linger=0s --set metrics.enabled=true"
                              + " --set metrics.port="
                              + base
                              + " --resume "
                              + dir)
                      + "\n")
              .matcher(said);
      assertTrue(stopped.find(), said);
      int round = Integer.parseInt(stopped.group(1));
      assertEquals(
          dir.resolve("checkpoints").resolve(String.format("round-%06d.ckpt", round)).toString(),
          stopped.group(2));
      assertTrue(Files.isRegularFile(Path.of(stopped.group(2))), said);
      List<String> rows = Files.readAllLines(dir.resolve("rounds.csv"));
      List<String> header = List.of(rows.get(0).split(",", -1));
      List<String> last = List.of(rows.get(rows.size() - 1).split(",", -1));
      assertEquals(String.valueOf(round), last.get(header.indexOf("round")), said);
      assertEquals("4", last.get(header.indexOf("participants")), rows.get(rows.size() - 1));
      assertEquals("0", last.get(header.indexOf("failed")), rows.get(rows.size() - 1));
      List<String> lost =
          Files.readAllLines(dir.resolve("events.csv")).stream()
              .filter(l -> l.contains(",member-lost,") || l.contains(",deadline,"))
              .toList();
      assertEquals(List.of(), lost, "members left under the supervisor's last round");
      assertFalse(said.contains("killing"), said);
      // The supervisor leaves while the members stay up: Artery's warnings about the connections
      // they close stay out of its output, also once Pekko's loggers have stopped.
      String printed = Files.readString(out) + said;
      assertFalse(printed.contains("connection has been aborted"), printed);
      assertNoJvmLeft(marker);
    } catch (Throwable t) {
      stopAfter(t, script, marker);
      throw t;
    }
    stopAndAssertNoJvmLeft(script, marker);
  }

  /**
   * With the TLS options (the password from a file) every JVM runs TLS: the script gives them to
   * the members too, and the run ends. (Given to the supervisor alone, it refused the members'
   * plain handshakes and the run ended at its join timeout.)
   */
  @Test
  void tlsOptions_goToEveryMember() throws Exception {
    String marker = "splitemu.test.cluster=" + UUID.randomUUID();
    Path launcher = launcher(marker, "");
    TestKeys keys = TestKeys.get();
    Path password = tmp.resolve("password");
    Files.writeString(password, keys.password() + "\n");
    Path dir = tmp.resolve("tls");
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                "../deploy/local-cluster.sh",
                "--nodes",
                "2",
                "../scenarios/quickstart.conf",
                "--set",
                "fidelity=timing",
                "--set",
                "rounds=1",
                "--out",
                dir.toString(),
                "--tls-keystore",
                keys.memberKeyStore().toString(),
                "--tls-truststore=" + keys.trustStore(),
                "--tls-password-file",
                password.toString())
            .redirectOutput(tmp.resolve("tls-out.txt").toFile())
            .redirectError(tmp.resolve("tls-err.txt").toFile());
    pb.environment().put("SPLITEMU_LAUNCHER", launcher.toString());
    pb.environment().put("CI", "true");
    pb.environment().remove("SPLITEMU_TLS_PASSWORD");
    Process script = pb.start();
    try {
      assertTrue(script.waitFor(3, TimeUnit.MINUTES), "local-cluster.sh did not end in 3 min");
      String err = Files.readString(tmp.resolve("tls-err.txt"));
      assertEquals(0, script.exitValue(), err);
      assertFalse(err.contains("TLS handshake"), err);
      assertEquals(2, Files.readAllLines(dir.resolve("rounds.csv")).size(), "header and round 1");
    } catch (Throwable t) {
      stopAfter(t, script, marker);
      throw t;
    }
    stopAndAssertNoJvmLeft(script, marker);
  }

  /**
   * A message above {@code splitemu.cluster.maximum-message-size} (100 KiB here, below a batch of
   * activations) is refused by its sender: the run ends at once with one line naming the key, and
   * no JVM is left.
   */
  @Test
  void aMessageAboveTheMessageSize_endsTheRunWithOneLine() throws Exception {
    endsWithOneLine(
        "big",
        " -Dsplitemu.cluster.maximum-frame-size=64KiB"
            + " -Dsplitemu.cluster.maximum-message-size=100KiB",
        List.of("--set", "data.train-samples=600"),
        "above splitemu.cluster.maximum-message-size");
  }

  /**
   * A burst of messages above Artery's send queue (every JVM at 16 messages, 300 devices placed and
   * asked at once) is dropped, which Artery only publishes as a dead letter; the run ends at once
   * with one line naming the key, and no JVM is left. (The members give their shard regions'
   * graceful shutdown and their wait for their own removal 1 s each rather than Pekko's 10 s: with
   * a send queue of 16, the edge member waited out one or the other as the script stopped it, 10 s
   * that nothing here is about.)
   */
  @Test
  void aBurstAboveTheSendQueue_endsTheRunWithOneLine() throws Exception {
    endsWithOneLine(
        "burst",
        " -Dsplitemu.cluster.send-queue-size=16"
            + " -Dpekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout=1s"
            + " -Dpekko.coordinated-shutdown.phases.cluster-exiting.timeout=1s",
        List.of(
            "--set",
            "fidelity=timing",
            "--set",
            "devices.count=300",
            "--set",
            "data.train-samples=6000"),
        "raise splitemu.cluster.send-queue-size on every member");
  }

  /**
   * A run that ends while its members are still starting (refused at start) ends the script with
   * its status and line, and the members the script stopped then are not reported as failed: no
   * warning that they never came up. No JVM: a stand-in launcher whose run refuses after a second
   * and whose members never join. (Before, the script warned that each of them "never printed
   * 'splitemu node: up at'", which they could not have, stopped by the script itself.)
   */
  @Test
  void aRunRefusedWhileTheMembersStart_warnsOfNoMember() throws Exception {
    Path members = tmp.resolve("member-pids");
    Path launcher = tmp.resolve("refusing-launcher");
    Files.writeString(
        launcher,
        "#!/bin/sh\n"
            + "case \"$1\" in\n"
            + "  --version) exit 0 ;;\n"
            + "  run) sleep 1; echo 'splitemu: run refused here' >&2; exit 1 ;;\n"
            + "  node) echo $$ >>'"
            + members
            + "'; exec sleep 60 ;;\n"
            + "esac\n"
            + "exit 9\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                "../deploy/local-cluster.sh",
                "--nodes",
                "3",
                "../scenarios/quickstart.conf")
            .redirectOutput(tmp.resolve("refused-out.txt").toFile())
            .redirectError(tmp.resolve("refused-err.txt").toFile());
    pb.environment().put("SPLITEMU_LAUNCHER", launcher.toString());
    pb.environment().put("TMPDIR", tmp.toString());
    Process script = pb.start();
    boolean ended = script.waitFor(1, TimeUnit.MINUTES);
    List<Long> pids =
        Files.exists(members)
            ? Files.readAllLines(members).stream().map(Long::parseLong).toList()
            : List.of();
    List<Long> left =
        pids.stream()
            .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
            .toList();
    left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    script.destroyForcibly();
    assertTrue(ended, "local-cluster.sh did not end in 1 min");
    String err = Files.readString(tmp.resolve("refused-err.txt"));
    assertEquals(1, script.exitValue(), err);
    assertTrue(err.contains("splitemu: run refused here\n"), err);
    assertTrue(err.contains("local-cluster.sh: run exited with status 1; member logs in "), err);
    assertEquals(2, pids.size(), "members started: " + pids + "\n" + err);
    assertEquals(List.of(), left, "members left behind");
    assertFalse(err.contains("warning"), err);
  }

  /**
   * At the end of a run of 4 JVMs the member without the {@code devices} role (edge and hops) is
   * stopped together with the first {@code devices} member, which holds no shard coordinator for it
   * to wait on, while the {@code devices} members still leave one at a time; a member still up
   * LOCAL_CLUSTER_GRACE seconds after its SIGTERM is killed also while the script waits for
   * another. No JVM: a stand-in launcher whose members say they are up, write down when they get
   * SIGTERM and exit 0.3 s later, all but the edge member, which stays. (Before, every member was
   * stopped after the one before it had exited: the second only once the first had been killed.)
   */
  @Test
  void theEdgeMember_stopsAlongsideTheDevicesMembers_whichStopOneAtATime() throws Exception {
    Path events = tmp.resolve("events");
    Path launcher = tmp.resolve("leaving-launcher");
    Files.writeString(
        launcher,
        "#!/bin/bash\n"
            + "ev='"
            + events
            + "'\n"
            + "case \"$1\" in\n"
            + "  --version) exit 0 ;;\n"
            + "  run) sleep 1; exit 0 ;;\n"
            + "  node)\n"
            // node-K, from the log its output goes to
            + "    me=\"$(basename \"$(readlink /proc/$$/fd/1)\" .log)\"\n"
            + "    echo \"$me pid $$ $(date +%s%N)\" >>\"$ev\"\n"
            + "    echo \"splitemu node: up at 127.0.0.1:1 with roles $3\"\n"
            + "    if [ \"$3\" = edge,hops ]; then\n"
            + "      trap 'echo \"$me term $(date +%s%N)\" >>\"$ev\"' TERM\n"
            + "    else\n"
            + "      trap 'echo \"$me term $(date +%s%N)\" >>\"$ev\"; sleep 0.3;"
            + " echo \"$me exit $(date +%s%N)\" >>\"$ev\"; exit 0' TERM\n"
            + "    fi\n"
            + "    while :; do sleep 0.05; done ;;\n"
            + "esac\n"
            + "exit 9\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                "../deploy/local-cluster.sh",
                "--nodes",
                "4",
                "../scenarios/quickstart.conf")
            .redirectOutput(tmp.resolve("leave-out.txt").toFile())
            .redirectError(tmp.resolve("leave-err.txt").toFile());
    pb.environment().put("SPLITEMU_LAUNCHER", launcher.toString());
    pb.environment().put("TMPDIR", tmp.toString());
    pb.environment().put("LOCAL_CLUSTER_GRACE", "3");
    Process script = pb.start();
    boolean ended = script.waitFor(1, TimeUnit.MINUTES);
    java.util.Map<String, Long> at = new java.util.HashMap<>();
    java.util.Map<String, Long> pids = new java.util.HashMap<>();
    for (String line : Files.exists(events) ? Files.readAllLines(events) : List.<String>of()) {
      String[] f = line.split(" ");
      if (f[1].equals("pid")) {
        pids.put(f[0], Long.parseLong(f[2]));
      } else {
        at.put(f[0] + " " + f[1], Long.parseLong(f[2]));
      }
    }
    List<Long> left =
        pids.values().stream()
            .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
            .toList();
    left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    script.destroyForcibly();
    assertTrue(ended, "local-cluster.sh did not end in 1 min");
    String err = Files.readString(tmp.resolve("leave-err.txt"));
    assertEquals(0, script.exitValue(), err);
    assertEquals(List.of(), left, "members left behind");
    String said = at + "\n" + err;
    assertEquals(3, pids.size(), said);
    assertTrue(at.containsKey("node-1 term") && !at.containsKey("node-1 exit"), said);
    assertTrue(at.containsKey("node-2 exit") && at.containsKey("node-3 exit"), said);
    // node-1 and node-2 told together; node-3 once node-2 had exited.
    assertTrue(at.get("node-2 term") < at.get("node-1 term") + 1_000_000_000L, said);
    assertTrue(at.get("node-3 term") >= at.get("node-2 exit"), said);
    assertEquals(
        List.of(
            "local-cluster.sh: pid "
                + pids.get("node-1")
                + " still up 3s after SIGTERM, killing it (LOCAL_CLUSTER_GRACE)"),
        err.lines().filter(l -> l.contains("still up")).toList(),
        said);
  }

  /**
   * local-cluster.sh with 3 JVMs started with {@code options} runs the quickstart for one round
   * with {@code sets}, and ends with status 1 and {@code line} on stderr, before barrier.timeout.
   */
  private void endsWithOneLine(String name, String options, List<String> sets, String line)
      throws Exception {
    String marker = "splitemu.test.cluster=" + UUID.randomUUID();
    Path launcher = launcher(marker, options);
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                "bash",
                "../deploy/local-cluster.sh",
                "--nodes",
                "3", // a devices-only member: its devices' activations cross to the edge member
                "../scenarios/quickstart.conf",
                "--set",
                "rounds=1",
                "--out",
                tmp.resolve(name).toString()));
    command.addAll(sets);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectOutput(tmp.resolve(name + "-out.txt").toFile())
            .redirectError(tmp.resolve(name + "-err.txt").toFile());
    pb.environment().put("SPLITEMU_LAUNCHER", launcher.toString());
    pb.environment().put("CI", "true");
    long start = System.nanoTime();
    Process script = pb.start();
    try {
      assertTrue(script.waitFor(5, TimeUnit.MINUTES), "local-cluster.sh did not end in 5 min");
      String err = Files.readString(tmp.resolve(name + "-err.txt"));
      assertEquals(1, script.exitValue(), err);
      assertTrue(err.contains(line), err);
      assertTrue(
          System.nanoTime() - start < TimeUnit.SECONDS.toNanos(55),
          "ended by the message's line, before barrier.timeout (60 s): " + err);
    } catch (Throwable t) {
      stopAfter(t, script, marker);
      throw t;
    }
    stopAndAssertNoJvmLeft(script, marker);
  }

  /** Stops {@code script} and asserts that no JVM marked {@code marker} outlived it. */
  private static void stopAndAssertNoJvmLeft(Process script, String marker)
      throws InterruptedException {
    script.destroyForcibly();
    script.waitFor(30, TimeUnit.SECONDS);
    assertNoJvmLeft(marker);
  }

  /**
   * Stops {@code script} and any JVM marked {@code marker} after {@code failure}, which stays the
   * test's failure: JVMs left behind are added to it as suppressed, not put in its place (the
   * script's stop leaves its JVMs whenever the test fails mid-run).
   */
  private static void stopAfter(Throwable failure, Process script, String marker) {
    try {
      stopAndAssertNoJvmLeft(script, marker);
    } catch (Throwable t) {
      failure.addSuppressed(t);
    }
  }

  /** Asserts that no JVM marked {@code marker} is up, killing any that is. */
  private static void assertNoJvmLeft(String marker) {
    List<ProcessHandle> left =
        ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().orElse("").contains(marker))
            .toList();
    left.forEach(ProcessHandle::destroyForcibly);
    assertEquals(List.of(), left, "JVMs left behind by local-cluster.sh");
  }

  /** A launcher running this build's classes, marked with {@code marker}, with {@code options}. */
  private Path launcher(String marker, String options) throws java.io.IOException {
    Path launcher = tmp.resolve("splitemu-" + UUID.randomUUID());
    Files.writeString(
        launcher,
        "#!/bin/sh\nexec '"
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' -D"
            + marker
            + options
            // The membership timers of every test cluster (the script's own waits are its own).
            + " "
            + String.join(" ", LabTimings.jvmOptions())
            // The logging the CLI's users get, not the tests' own logback-test.xml.
            + " -Dlogback.configurationFile='"
            + Path.of(Main.class.getResource("/logback.xml").getPath())
            + "'"
            + " -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC '"
            + String.join("' '", ChildJvm.classPath())
            + "' "
            + Main.class.getName()
            + " \"$@\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
    return launcher;
  }

  /** {@code count} ports from the one returned on that 127.0.0.1 has nothing listening on now. */
  private static int freePorts(int count) throws java.io.IOException {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = 20000 + random.nextInt(10000);
      List<java.net.ServerSocket> held = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          held.add(
              new java.net.ServerSocket(base + i, 1, java.net.InetAddress.getLoopbackAddress()));
        }
        return base;
      } catch (java.io.IOException inUse) {
        // try another
      } finally {
        for (java.net.ServerSocket s : held) {
          s.close();
        }
      }
    }
    throw new java.io.IOException("no " + count + " free ports in a row on 127.0.0.1");
  }

  /** The text of 127.0.0.1:{@code port}/metrics. */
  private static String scrape(int port) throws Exception {
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(10))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), "127.0.0.1:" + port + "/metrics");
    return r.body();
  }

  private static String safeRead(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
