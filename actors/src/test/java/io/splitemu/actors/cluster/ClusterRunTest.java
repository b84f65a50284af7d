package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.splitemu.actors.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * One emulation across three JVMs: this test's JVM is the supervisor ({@code splitemu run
 * --cluster}), two {@code splitemu node} JVMs on 127.0.0.1 hold the devices (one also the edge
 * server and MP-SL's hops). The same scenario and seed give the rows of a run in one JVM, losses
 * and accuracies included (full fidelity), and losing a devices member mid-run leaves a completed
 * run. Every member runs at a 64 KiB frame, so tensors and models cross in parts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class ClusterRunTest {

  private static final Path SCENARIO = Path.of("../scenarios/quickstart.conf");

  /** The quickstart, smaller: full fidelity on 1,200 samples in two rounds. */
  private static final List<String> SMALL =
      List.of(
          "--set",
          "rounds=2",
          "--set",
          "data.train-samples=1200",
          "--set",
          "data.test-samples=200");

  /**
   * Every member of these runs, this JVM's included, at a 64 KiB frame: the quickstart's
   * activations and gradients (150 KB at cut 2), and psl's device model at cut 5 (200 KB), cross in
   * parts (docs/cluster.md, "Frame size").
   */
  static final String FRAME_KEY = "splitemu.cluster.maximum-frame-size";

  static final String FRAME = "64KiB";
  private static final String FRAME_OPTION = "-D" + FRAME_KEY + "=" + FRAME;

  /**
   * The Split Brain Resolver's stable-after on every member of these runs, this JVM's included: the
   * runs that lose a member (SIGKILL) wait for it to be downed, and 3 s is safe for a few members
   * on one host (splitemu-cluster.conf), where the default 10 s is sized for a lab.
   */
  static final String STABLE_AFTER_KEY = "splitemu.cluster.sbr.stable-after";

  static final String STABLE_AFTER = "3s";

  /**
   * Member JVMs that train model slices: more heap than a bare member's; the frame, the resolver's
   * stable-after and the {@link LabTimings} of every member of these runs.
   */
  static final List<String> MEMBER_JVM = memberJvm();

  private static List<String> memberJvm() {
    List<String> options =
        new ArrayList<>(
            List.of(
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                FRAME_OPTION,
                "-D" + STABLE_AFTER_KEY + "=" + STABLE_AFTER));
    options.addAll(LabTimings.jvmOptions());
    return List.copyOf(options);
  }

  /**
   * This JVM's member (the supervisor of each run, started through the CLI) reads the frame, the
   * stable-after and the {@link LabTimings} as the member JVMs do.
   */
  static void setMemberProperties() {
    LabTimings.setSystemProperties(FRAME_KEY, FRAME, STABLE_AFTER_KEY, STABLE_AFTER);
  }

  static void clearMemberProperties() {
    LabTimings.clearSystemProperties(FRAME_KEY, STABLE_AFTER_KEY);
  }

  /** A placement row: its member, and its devices as ranges ({@code 0-3 5}). */
  private static final Pattern PLACED =
      Pattern.compile(",placement,member (\\S+),\"?\\d+ devices? started: ([0-9 -]+)");

  @TempDir static Path tmp;
  private LocalNodes nodes;
  private LocalNodes.Node edgeAndDevices;
  private LocalNodes.Node devicesOnly;
  private String seed;

  @BeforeAll
  void startMembers() throws Exception {
    setMemberProperties();
    nodes = new LocalNodes(tmp, MEMBER_JVM);
    Members m = startMembers(nodes);
    edgeAndDevices = m.edgeAndDevices();
    devicesOnly = m.devicesOnly();
    seed = m.seed();
  }

  /** The two node members of these runs, and the seed's address ({@code HOST:PORT}). */
  record Members(LocalNodes.Node edgeAndDevices, LocalNodes.Node devicesOnly, String seed) {}

  /**
   * Starts on {@code nodes} an {@code edge,hops,devices} member, its own seed (so that each run's
   * supervisor joins the same cluster), and a {@code devices} member, and waits until both are up.
   * Both JVMs boot at once: the devices member, which names only the seed, retries its join until
   * the seed listens, and cannot form a cluster of its own, so the seed is still the oldest member.
   */
  static Members startMembers(LocalNodes nodes) throws Exception {
    int port = Ports.free();
    String seed = "127.0.0.1:" + port;
    LocalNodes.Node edge =
        nodes.start(
            Map.of(),
            "--roles",
            "edge,hops,devices",
            "--seed-nodes",
            seed,
            "--port",
            Integer.toString(port));
    LocalNodes.Node devices =
        nodes.start(Map.of(), "--roles", "devices", "--seed-nodes", seed, "--port", "0");
    assertEquals(
        new ClusterConfig.HostPort("127.0.0.1", port), edge.awaitUp(Duration.ofSeconds(90)));
    devices.awaitUp(Duration.ofSeconds(90));
    return new Members(edge, devices, seed);
  }

  @AfterAll
  void stopMembers() throws Exception {
    clearMemberProperties();
    if (nodes != null) {
      nodes.close();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "psl",
        "cpsl",
        "edgesplit",
        "mpsl",
        "mpsl-links",
        "mpsl-links-cut",
        "sfl-v1",
        "psl-faults",
        "psl-crashes",
        "edgesplit-crashes"
      })
  @Order(1)
  void threeJvms_giveTheRowsOfOne_withDevicesOnBothMembers(String scheme) throws Exception {
    List<String> args = scenario(scheme);
    Path one = tmp.resolve(scheme + "-one");
    assertEquals(0, run(args, "--out", one.toString()), "one JVM");
    Path three = tmp.resolve(scheme + "-three");
    assertEquals(
        0,
        run(
            args,
            "--out",
            three.toString(),
            "--cluster",
            "--seed-nodes",
            seed,
            "--min-members",
            "3"),
        "three JVMs");
    assertEquals(emulatedRows(one), emulatedRows(three), scheme + ": rounds.csv");
    assertEquals(
        lines(one.resolve("devices.csv")), lines(three.resolve("devices.csv")), "devices.csv");
    // Every fault and recovery at the same emulated instants, with the same details.
    assertEquals(faultRows(one), faultRows(three), "events.csv's fault and recovery rows");
    if (scheme.equals("psl-faults")) {
      assertTrue(faultRows(three).size() >= 5, "fault rows: " + faultRows(three));
    }
    if (scheme.endsWith("-crashes")) {
      // Both crashes rewound the run on the cluster as in one JVM: every device entity on its
      // member and the edge server restored from the run's start (round 0) or from the checkpoint
      // of round 2 (psl) or 1 (edgesplit), the cut rows written again at the same emulated
      // instants. Before, --cluster refused them at start with one line.
      List<String> crashes =
          faultRows(three).stream()
              .filter(l -> l.contains("server-crash: ") || l.contains("supervisor-crash: "))
              .toList();
      assertEquals(4, crashes.size(), "crash rows: " + faultRows(three));
      assertEquals(6, faultRows(three).size(), "fault rows: " + faultRows(three));
      assertEquals(withoutPlacement(one), withoutPlacement(three), "events.csv but placement");
    }
    if (scheme.equals("mpsl-links-cut")) {
      // Devices cut off for good on their downlink: silent from the outage's start, which the
      // device reads off its copy of the downlink after the download that never arrives.
      assertEquals(withoutPlacement(one), withoutPlacement(three), "events.csv but placement");
      assertEquals(
          4,
          lines(three.resolve("events.csv")).stream().filter(l -> l.contains(",deadline,")).count(),
          "deadline rows");
    }
    if (scheme.equals("mpsl-links")) {
      // Every row but the placement ones at the same emulated instants: before, a link fault on
      // mpsl was refused with --cluster.
      assertEquals(withoutPlacement(one), withoutPlacement(three), "events.csv but placement");
      assertEquals(30, faultRows(three).size(), "fault rows: " + faultRows(three));
    }
    if (scheme.equals("mpsl")) {
      // Six faults, four recoveries; and every other row (deadlines, aggregates, the plan) at
      // the same emulated instants: before, any fault on mpsl was refused with --cluster.
      assertEquals(10, faultRows(three).size(), "fault rows: " + faultRows(three));
      assertEquals(withoutPlacement(one), withoutPlacement(three), "events.csv but placement");
    }
    // Every device started on a member, and both members hold some.
    Map<Integer, String> placed = placements(three);
    int devices = scheme.startsWith("mpsl") ? 24 : 4;
    assertEquals(devices, placed.size(), "devices placed: " + placed);
    assertEquals(2, new TreeSet<>(placed.values()).size(), "members used: " + placed);
    // One placement row per member, the members by address, at 0 s and round 0: MP-SL's too
    // (before, a row per device in the order they started, at round 1).
    List<String> rows = new ArrayList<>();
    List<String> members = new ArrayList<>();
    for (String line : lines(three.resolve("events.csv"))) {
      if (line.contains(",placement,")) {
        rows.add(line);
        members.add(line.split(",")[3]);
        assertTrue(line.startsWith("0.0,0,placement,member "), scheme + ": " + line);
      }
    }
    assertEquals(new ArrayList<>(new TreeSet<>(members)), members, scheme + ": " + rows);
    if (scheme.equals("mpsl-links")) {
      mpslCheckpointsResume(args, one, three); // resumed into the same folder: placed again
    }
  }

  /**
   * MP-SL's checkpoints on a cluster (the mpsl-links case, checkpoint.every = 1): the files are
   * byte for byte those of one JVM (each device's uplink asked of its member, its downlink of its
   * lane's first hop on the hops' member and told the round starts the device told its own copy:
   * devices 12 and 13, hung at epoch 2's start under drop-for-round, sent no job to carry epoch 2's
   * start there, which their downlink degradation names). The run made to look killed after its
   * last row and resumed from epoch 2's checkpoint, on the cluster and in one JVM, gives the rows
   * of the uninterrupted run. Before 2026-12-07 an mpsl run with --cluster refused checkpoint.every
   * (and --resume) with one line.
   */
  private void mpslCheckpointsResume(List<String> args, Path one, Path three) throws Exception {
    Set<String> files = new TreeSet<>();
    try (var list = Files.list(one.resolve("checkpoints"))) {
      list.forEach(f -> files.add(f.getFileName().toString()));
    }
    Set<String> clusterFiles = new TreeSet<>();
    try (var list = Files.list(three.resolve("checkpoints"))) {
      list.forEach(f -> clusterFiles.add(f.getFileName().toString()));
    }
    assertEquals(Set.of("round-000002.ckpt", "round-000003.ckpt"), files, "one JVM's checkpoints");
    assertEquals(files, clusterFiles, "the cluster's checkpoints");
    for (String f : files) {
      assertTrue(
          Arrays.equals(
              Files.readAllBytes(one.resolve("checkpoints").resolve(f)),
              Files.readAllBytes(three.resolve("checkpoints").resolve(f))),
          f + ": the cluster's bytes differ from one JVM's");
    }
    // Resumed from epoch 2: epochs 3 and 4 again, the rejoin of devices 12 and 13 among them.
    Path inOne = tmp.resolve("mpsl-links-resumed-in-one");
    copyFolder(three, inOne);
    for (Path dir : List.of(three, inOne)) {
      Files.delete(dir.resolve("summary.json"));
      Files.deleteIfExists(dir.resolve("report.md"));
      Files.delete(dir.resolve("checkpoints").resolve("round-000003.ckpt"));
    }
    assertEquals(
        0,
        run(
            args,
            "--resume",
            three.toString(),
            "--cluster",
            "--seed-nodes",
            seed,
            "--min-members",
            "3"),
        "resumed on the cluster");
    assertEquals(0, run(args, "--resume", inOne.toString()), "resumed in one JVM");
    for (Path resumed : List.of(three, inOne)) {
      // The resumed run's own checkpoint of epoch 3 (its links asked again of the members).
      assertTrue(
          Arrays.equals(
              Files.readAllBytes(one.resolve("checkpoints").resolve("round-000003.ckpt")),
              Files.readAllBytes(resumed.resolve("checkpoints").resolve("round-000003.ckpt"))),
          resumed + ": the resumed run's round-000003.ckpt differs from the uninterrupted run's");
      assertEquals(emulatedRows(one), emulatedRows(resumed), resumed + ": rounds.csv");
      assertEquals(
          lines(one.resolve("devices.csv")), lines(resumed.resolve("devices.csv")), "devices.csv");
      assertEquals(
          runRows(one), runRows(resumed), resumed + ": events.csv but placement, checkpoints");
      assertTrue(
          lines(resumed.resolve("events.csv")).stream().anyMatch(l -> l.contains(",resume,")),
          resumed + ": its resume row");
    }
    // The resumed devices placed again, their rows at the checkpoint's round.
    assertTrue(
        lines(three.resolve("events.csv")).stream().anyMatch(l -> l.contains(",2,placement,")),
        "placement rows of the resume");
  }

  /**
   * MP-SL under drop-for-run with checkpoints (the mpsl-links-cut case, four rounds,
   * checkpoint.every = 1): devices 2 and 3, cut off for good on their downlink in epoch 2, are
   * given up for the run before epoch 2's checkpoint. Resumed from there on the cluster, the run
   * never creates them: it awaits the start of only the devices it addresses, tells their placement
   * rows during the run and ends promptly. Its own checkpoint of epoch 3 is byte for byte the
   * uninterrupted one-JVM run's, and so are the checkpoints of the first run. Before 2026-12-07 the
   * resumed run waited at its end for every device of the plan, {@code Supervisor.PLACEMENT_SETTLE}
   * (10 s), and warned that devices 2 and 3 (and any other given up) did not report their start.
   */
  @Test
  @Order(1)
  void mpslDropForRun_resumedOnTheCluster_awaitsOnlyTheDevicesItAddresses() throws Exception {
    List<String> args = new ArrayList<>(scenario("mpsl-links-cut"));
    args.addAll(List.of("--set", "rounds=4", "--set", "checkpoint.every=1"));
    Path one = tmp.resolve("mpsl-cut-checkpoints-one");
    assertEquals(0, run(args, "--out", one.toString()), "one JVM");
    Path three = tmp.resolve("mpsl-cut-checkpoints-three");
    List<String> cluster = List.of("--cluster", "--seed-nodes", seed, "--min-members", "3");
    List<String> out = new ArrayList<>(List.of("--out", three.toString()));
    out.addAll(cluster);
    assertEquals(0, run(args, out.toArray(String[]::new)), "three JVMs");
    Set<String> files = new TreeSet<>();
    try (var list = Files.list(one.resolve("checkpoints"))) {
      list.forEach(f -> files.add(f.getFileName().toString()));
    }
    Set<String> clusterFiles = new TreeSet<>();
    try (var list = Files.list(three.resolve("checkpoints"))) {
      list.forEach(f -> clusterFiles.add(f.getFileName().toString()));
    }
    // The newest two kept (docs/runtime.md).
    assertEquals(Set.of("round-000002.ckpt", "round-000003.ckpt"), files, "one JVM's checkpoints");
    assertEquals(files, clusterFiles, "the cluster's checkpoints");
    for (String f : files) {
      assertTrue(
          Arrays.equals(
              Files.readAllBytes(one.resolve("checkpoints").resolve(f)),
              Files.readAllBytes(three.resolve("checkpoints").resolve(f))),
          f + ": the cluster's bytes differ from one JVM's");
    }
    // Given up for the run by epoch 2's end: the devices of its deadline rows.
    Set<Integer> givenUp = new TreeSet<>();
    Pattern deadline = Pattern.compile("^[0-9.]+,([12]),deadline,device-(\\d+),");
    for (String line : lines(one.resolve("events.csv"))) {
      Matcher m = deadline.matcher(line);
      if (m.find()) {
        givenUp.add(Integer.parseInt(m.group(2)));
      }
    }
    assertTrue(givenUp.containsAll(Set.of(2, 3)), "given up by epoch 2: " + givenUp);
    // Made to look killed after its last row, resumed from epoch 2's checkpoint on the cluster.
    Files.delete(three.resolve("summary.json"));
    Files.deleteIfExists(three.resolve("report.md"));
    Files.delete(three.resolve("checkpoints").resolve("round-000003.ckpt"));
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);
    long started = System.nanoTime();
    List<String> resume = new ArrayList<>(List.of("--resume", three.toString()));
    resume.addAll(cluster);
    try {
      assertEquals(0, run(args, resume.toArray(String[]::new)), "resumed on the cluster");
    } finally {
      root.detachAppender(logged);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    List<String> late =
        logged.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .filter(m -> m.contains("did not report their start"))
            .toList();
    assertEquals(List.of(), late, "the resumed run waited for devices it never addressed");
    assertTrue(took.toSeconds() < 10, "the resumed run took " + took);
    assertTrue(
        Arrays.equals(
            Files.readAllBytes(one.resolve("checkpoints").resolve("round-000003.ckpt")),
            Files.readAllBytes(three.resolve("checkpoints").resolve("round-000003.ckpt"))),
        "the resumed run's round-000003.ckpt differs from the uninterrupted run's");
    assertEquals(emulatedRows(one), emulatedRows(three), "rounds.csv");
    assertEquals(runRows(one), runRows(three), "events.csv but placement, checkpoints");
    // The resume's placement rows (at the checkpoint's round) name every device but those given
    // up, each once.
    Set<Integer> placedAgain = new TreeSet<>();
    for (String line : lines(three.resolve("events.csv"))) {
      Matcher m = PLACED.matcher(line);
      if (line.contains(",2,placement,") && m.find()) {
        for (String range : m.group(2).strip().split(" ")) {
          String[] ends = range.split("-");
          int last = Integer.parseInt(ends[ends.length - 1]);
          for (int d = Integer.parseInt(ends[0]); d <= last; d++) {
            assertTrue(placedAgain.add(d), "device " + d + " placed twice: " + line);
          }
        }
      }
    }
    Set<Integer> addressed = new TreeSet<>();
    for (int d = 0; d < 24; d++) {
      if (!givenUp.contains(d)) {
        addressed.add(d);
      }
    }
    assertEquals(addressed, placedAgain, "the resume's placement rows");
  }

  /** events.csv's rows but the placement, checkpoint and resume rows. */
  private static List<String> runRows(Path dir) throws IOException {
    return withoutPlacement(dir).stream()
        .filter(l -> !l.contains(",checkpoint,") && !l.contains(",resume,"))
        .toList();
  }

  private static void copyFolder(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals(".lock")) {
          Files.copy(p, target);
        }
      }
    }
  }

  /**
   * Rounds of the member-loss case: every device hung, the lost member's devices out, every device
   * again (the re-created ones given the hang's end again), and one more.
   */
  private static final int ROUNDS_WITH_LOSS = 4;

  @Test
  @Order(2)
  void killingADevicesMember_atRoundTwosStart_recreatesItsDevicesOnALateMember_withTheHangsEnd()
      throws Exception {
    List<String> args = new ArrayList<>(scenario("psl"));
    // Every device hangs through round 1 and answers again from round 2's start: the hang's end is
    // a fault command given at round 2's start, before every device's state is kept.
    args.addAll(
        List.of(
            "--set",
            "rounds=" + ROUNDS_WITH_LOSS,
            "--set",
            "faults=[{kind=device-hang, devices=[0, 1, 2, 3], round=1, until-round=2}]",
            "--set",
            "survival.absent=drop-for-round"));
    Path dir = tmp.resolve("loss");
    CompletableFuture<Void> loaded = new CompletableFuture<>();
    CompletableFuture<Void> killed = new CompletableFuture<>();
    // The CLI's console has a line per event as the run records it (events.csv gets them only with
    // the round's row). Round 1's deadline rows come as its visit ends, every device having
    // answered (missed: hung); what is left of round 1 is the edge server's evaluation. Killed
    // then, the devices member never answers round 2's request for its devices' states, sent after
    // the hang's end: they come back from round 1's state, hung, and must be given the hang's end
    // again (Supervisor.onRejoined).
    Console console =
        new Console(
            line -> {
              if (line.contains(": placement member ")) {
                loaded.complete(null);
              } else if (line.contains(": deadline device-") && !killed.isDone()) {
                devicesOnly.process().destroyForcibly(); // SIGKILL
                killed.complete(null);
              }
            });
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () ->
                run(
                    console,
                    args,
                    "--out",
                    dir.toString(),
                    "--cluster",
                    "--seed-nodes",
                    seed,
                    "--min-members",
                    "3"));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!loaded.isDone()) {
      assertTrue(System.nanoTime() < deadline, "the run was not loaded within 5 minutes");
      assertTrue(!run.isDone(), "the run ended before its devices were placed");
      Thread.sleep(2);
    }
    // A devices member joins during the run: the run is loaded on it as it joins, and the shard
    // coordinator gives it the lost member's devices (it has the fewest shards). Before, it never
    // got the run, each re-created device stopped there at once and the run timed out. Started as
    // the run's devices are placed, it joins while the killed member is being downed (about 7 s:
    // the failure detector, then the resolver's stable-after), is up once that member is removed,
    // and is there before the re-creation, which waits for that removal and then round 2.
    LocalNodes.Node late =
        nodes.start(Map.of(), "--roles", "devices", "--seed-nodes", seed, "--port", "0");
    ClusterConfig.HostPort lateAt = late.awaitUp(Duration.ofSeconds(90));
    assertTrue(!run.isDone(), "the run ended before the late member joined");
    killed.get(5, TimeUnit.MINUTES);
    List<String> before = lines(dir.resolve("rounds.csv"));
    devicesOnly.process().waitFor(30, TimeUnit.SECONDS);

    assertEquals(0, run.get(5, TimeUnit.MINUTES), "the run completes");
    List<String> after = lines(dir.resolve("rounds.csv"));
    assertEquals(ROUNDS_WITH_LOSS + 1, after.size(), "every round recorded: " + after);
    assertEquals(before, after.subList(0, before.size()), "rows recorded before the loss");
    List<String> events = lines(dir.resolve("events.csv"));
    String all = String.join("\n", events);
    // Lost at round 2's start, while its devices' states were asked for: they are not in round 2
    // (no deadline missed, no failure), and come back at round 3's.
    List<String> lostRows =
        events.stream().filter(l -> l.contains(",member-lost,cluster,")).toList();
    assertEquals(1, lostRows.size(), all);
    assertEquals("2", lostRows.get(0).split(",")[1], "the loss's round: " + all);
    Matcher gone = Pattern.compile("its devices \\[([0-9, ]+)\\]").matcher(lostRows.get(0));
    assertTrue(gone.find(), all);
    int lost = gone.group(1).split(", ").length;
    assertTrue(
        events.stream()
            .anyMatch(l -> l.contains(",rejoin,cluster,") && l.contains("take part from round 3")),
        all);
    List<String> header = Arrays.asList(after.get(0).split(",", -1));
    int participants = header.indexOf("participants");
    int failed = header.indexOf("failed");
    assertEquals("0", after.get(1).split(",", -1)[participants], "round 1: every device hangs");
    assertEquals(
        List.of(Integer.toString(4 - lost), "0"),
        List.of(after.get(2).split(",", -1)[participants], after.get(2).split(",", -1)[failed]),
        "round 2: the survivors only, the lost devices not asked: " + after.get(2));
    // Re-created from round 1's state, hung, the lost devices answer in round 3 only if given
    // the hang's end again.
    for (int r = 3; r <= ROUNDS_WITH_LOSS; r++) {
      assertEquals(
          "4", after.get(r).split(",", -1)[participants], "round " + r + ": every device again");
    }
    Map<Integer, String> placed = placements(dir, true);
    assertEquals(4, placed.size(), "devices placed: " + placed);
    String lateMember = lateAt.host() + ":" + lateAt.port();
    assertTrue(
        Set.of(seed, lateMember).containsAll(placed.values()) && placed.containsValue(lateMember),
        "where the devices live at the end (the survivor "
            + seed
            + ", the late member "
            + lateMember
            + "): "
            + all);
  }

  /**
   * The CLI's console as it is written (its text, {@link #toString}); tells {@code onLine} each
   * line as it ends, in the writing thread.
   */
  private static final class Console extends Writer {
    private final StringBuilder text = new StringBuilder();
    private final Consumer<String> onLine;
    private int lineStart;

    Console(Consumer<String> onLine) {
      this.onLine = onLine;
    }

    @Override
    public synchronized void write(char[] chars, int off, int len) {
      text.append(chars, off, len);
      for (int end = text.indexOf("\n", lineStart); end >= 0; end = text.indexOf("\n", lineStart)) {
        String line = text.substring(lineStart, end);
        lineStart = end + 1;
        onLine.accept(line);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public synchronized String toString() {
      return text.toString();
    }
  }

  static List<String> scenario(String scheme) {
    if (scheme.equals("mpsl-links")) {
      // Link faults on MP-SL: each device's uplink is on its own member, its downlink on the hops'
      // member, which learns the device's epoch starts from its first job of the epoch (or a
      // rejoining device's request for the aggregate). Each fault takes an even and an odd device,
      // so that one of them is on the member without the hops.
      return List.of(
          "run",
          "../scenarios/mpsl-cost-effective.conf",
          "--set",
          "rounds=4",
          "--set",
          "devices.count=24",
          "--set",
          "data.train-samples=12000",
          "--set",
          "survival.absent=drop-for-round",
          // Drained at every epoch's end already (drop-for-round): the checkpoints add no wait.
          "--set",
          "checkpoint.every=1",
          "--set",
          "faults=[{kind=link-outage, devices=[2, 3], direction=down, round=2, until=45 s},"
              + " {kind=link-degradation, devices=[4, 5], direction=down, factor=0.5, round=1,"
              + " until-round=3},"
              + " {kind=message-loss, devices=[6, 7], direction=both, probability=0.3,"
              + " retransmit-timeout=0.5 s, round=1},"
              + " {kind=partition, devices=[8, 9], at=5 s, until=8 s},"
              + " {kind=link-outage, devices=[10, 11], direction=down, round=3, until=100 s},"
              + " {kind=device-hang, devices=[12, 13], round=2, until-round=3},"
              + " {kind=link-degradation, devices=[12, 13], direction=down, factor=0.25,"
              + " round=2, until-round=4},"
              + " {kind=link-outage, devices=[14, 15], direction=up, round=2, until=50 s}]");
    }
    if (scheme.equals("mpsl-links-cut")) {
      // Under drop-for-run (its default) a link fault may have no end: devices cut off for good.
      return List.of(
          "run",
          "../scenarios/mpsl-cost-effective.conf",
          "--set",
          "rounds=3",
          "--set",
          "devices.count=24",
          "--set",
          "data.train-samples=12000",
          "--set",
          "faults=[{kind=link-outage, devices=[2, 3], direction=down, round=2},"
              + " {kind=partition, devices=[4, 5], at=50 s},"
              + " {kind=message-loss, devices=[6, 7], direction=down, probability=0.3,"
              + " retransmit-timeout=0.5 s, round=2}]");
    }
    if (scheme.equals("mpsl")) { // its hops on the edge,hops,devices member, timing fidelity
      // Device faults on MP-SL: each device applies its own, built on its member from the
      // scenario; under drop-for-round a device given up rejoins, downloading the aggregate. The
      // availability file's rows are device-crash faults (device 10 back at 60 s, device 13
      // offline from 40 s on), read by every member from the same path.
      Path availability = tmp.resolve("mpsl-availability.csv");
      try {
        Files.writeString(availability, "device,offline_from_s,offline_until_s\n10,5,60\n13,40,\n");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return List.of(
          "run",
          "../scenarios/mpsl-cost-effective.conf",
          "--set",
          "rounds=3",
          "--set",
          "devices.count=24",
          "--set",
          "data.train-samples=12000",
          "--set",
          "survival.absent=drop-for-round",
          "--set",
          "availability=" + availability,
          "--set",
          "faults=[{kind=device-hang, devices=[1], round=1, until-round=2},"
              + " {kind=device-slowdown, device=3, round=1, until-round=3, factor=3},"
              + " {kind=device-crash, device=6, at=20 s, until-round=3},"
              + " {kind=device-hang, device=8, round=2}]");
    }
    List<String> args = new ArrayList<>(List.of("run", SCENARIO.toString()));
    args.addAll(SMALL);
    if (scheme.equals("psl-faults")) {
      // Device and link faults on a cluster: their commands reach the devices through the edge
      // server, before the round's requests, as in one JVM.
      args.addAll(
          List.of(
              "--set",
              "rounds=3",
              "--set",
              "faults=[{kind=device-crash, device=1, round=2, until-round=3},"
                  + " {kind=device-slowdown, device=3, round=1, until-round=3, factor=2},"
                  + " {kind=device-hang, device=2, at=20 s, until-round=3},"
                  + " {kind=message-loss, device=0, direction=both, probability=0.2,"
                  + " retransmit-timeout=0.5 s, round=1},"
                  + " {kind=link-outage, device=0, direction=up, at=2 s, until=4 s},"
                  + " {kind=link-outage, device=2, direction=down, round=2, until-round=3},"
                  + " {kind=link-degradation, device=3, direction=up, factor=0.5, at=1 s,"
                  + " until-round=3}]"));
      scheme = "psl";
    }
    if (scheme.equals("psl-crashes")) {
      // A supervisor-crash inside round 1, before the first checkpoint, goes back to the run's
      // start (its state kept in memory, asked of every device and the edge server through the
      // cluster); a server-crash inside round 3 goes back to round 2's checkpoint and restarts 2 s
      // later; a slowdown's commands are given again by the redone rounds.
      args.addAll(
          List.of(
              "--set",
              "rounds=3",
              "--set",
              "checkpoint.every=2",
              "--set",
              "faults=[{kind=supervisor-crash, at=1 s},"
                  + " {kind=device-slowdown, device=3, round=2, until-round=3, factor=2},"
                  + " {kind=server-crash, at=7 s, restart-delay=2 s}]"));
      scheme = "psl";
    }
    if (scheme.equals("edgesplit-crashes")) {
      // A split scheme: a server-crash inside round 2 goes back to round 1's checkpoint (the
      // policy and its probes built anew, as a restarted process's), a supervisor-crash at round
      // 3's start to round 2's; a link fault's windows are placed again by the redone rounds.
      args.addAll(
          List.of(
              "--set",
              "rounds=3",
              "--set",
              "checkpoint.every=1",
              "--set",
              "faults=[{kind=link-degradation, device=2, direction=up, factor=0.5, round=2,"
                  + " until-round=3},"
                  + " {kind=server-crash, at=1.8 s, restart-delay=1 s},"
                  + " {kind=supervisor-crash, round=3}]"));
      scheme = "edgesplit";
    }
    args.addAll(List.of("--set", "scheme=" + scheme));
    if (scheme.equals("edgesplit")) {
      args.addAll(List.of("--set", "local-steps=2"));
    }
    if (scheme.equals("psl")) {
      // conv1 to fc1 on the device: a 200 KB device model, so that visit results, evaluations,
      // kept states and restores cross in parts at the 64 KiB frame.
      args.addAll(List.of("--set", "model.cut=5"));
    }
    return args;
  }

  /** events.csv's fault and recovery rows (the placement rows differ between JVM counts). */
  private static List<String> faultRows(Path dir) throws IOException {
    return lines(dir.resolve("events.csv")).stream()
        .filter(l -> l.contains(",fault,") || l.contains(",recovery,"))
        .toList();
  }

  /** events.csv's rows but the placement rows (which differ between JVM counts). */
  private static List<String> withoutPlacement(Path dir) throws IOException {
    return lines(dir.resolve("events.csv")).stream()
        .filter(l -> !l.contains(",placement,"))
        .toList();
  }

  /** Runs the CLI in this JVM with {@code args} and {@code more}; its exit code. */
  public static int run(List<String> args, String... more) {
    return run(new StringWriter(), args, more);
  }

  /** {@link #run(List, String...)} with the CLI's standard output written to {@code out}. */
  static int run(Writer out, List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(Arrays.asList(more));
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    if (code != 0) {
      System.err.println(String.join(" ", all) + " exited " + code + ": " + err + out);
    }
    return code;
  }

  /** rounds.csv without the wall-clock column. */
  public static List<String> emulatedRows(Path dir) throws IOException {
    List<String> lines = lines(dir.resolve("rounds.csv"));
    int wall = Arrays.asList(lines.get(0).split(",", -1)).indexOf("wall_time_s");
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      List<String> cells = new ArrayList<>(Arrays.asList(line.split(",", -1)));
      cells.remove(wall + 1); // cpu_time_s
      cells.remove(wall);
      out.add(String.join(",", cells));
    }
    return out;
  }

  /** Device id to the member it started on, from events.csv's placement rows. */
  private static Map<Integer, String> placements(Path dir) throws IOException {
    return placements(dir, false);
  }

  /**
   * Device id to the member it started on last, from events.csv's placement rows; {@code again}: a
   * device may be placed again (re-created after its member was lost).
   */
  static Map<Integer, String> placements(Path dir, boolean again) throws IOException {
    Map<Integer, String> out = new java.util.TreeMap<>();
    for (String line : lines(dir.resolve("events.csv"))) {
      Matcher m = PLACED.matcher(line);
      if (m.find()) {
        for (String range : m.group(2).strip().split(" ")) {
          String[] ends = range.split("-");
          int last = Integer.parseInt(ends[ends.length - 1]);
          for (int d = Integer.parseInt(ends[0]); d <= last; d++) {
            String before = out.put(d, m.group(1));
            assertTrue(again || before == null, "device " + d + " placed twice");
          }
        }
      }
    }
    return out;
  }

  static List<String> lines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String l : Files.readAllLines(file)) {
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return out;
  }
}
