package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.Comparison;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.results.Summary;
import io.splitemu.actors.results.SweepTable;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code compare --sweep}: the grid's table and plot, against separate runs, and bad input. */
class CompareSweepTest {

  @TempDir Path tmp;

  private Path scenario() throws Exception {
    Path f = tmp.resolve("small.conf");
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = small\n"
            + "  fidelity = timing\n"
            + "  rounds = 2\n"
            + "  local-steps = 3\n"
            + "  batch-size = 16\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  data { train-samples = 400, test-samples = 100 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  links.static.uplink-bps = [1e6, 2e6, 4e6]\n"
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  @Test
  void sweep_writesOneRowPerPointAndScheme_equalToSeparateRuns() throws Exception {
    Path file = scenario();
    Path out = tmp.resolve("sweep");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            file.toString(),
            "--schemes",
            "sl,psl",
            "--sweep",
            "devices.flops=1e9,[4e9, 8e9, 1.6e10]",
            "--sweep",
            "links.static.uplink-bps=5e5,2e6",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());

    List<String> lines = Files.readAllLines(out.resolve("sweep.csv"));
    List<String> header = CsvTable.parseLine(lines.get(0));
    List<String> expected = new ArrayList<>(List.of("devices.flops", "links.static.uplink-bps"));
    expected.addAll(Comparison.HEADER);
    expected.add("refused");
    assertEquals(expected, header);
    assertEquals(SweepTable.header(List.of("devices.flops", "links.static.uplink-bps")), header);

    // The first --sweep varies slowest, the schemes fastest.
    String[][] order = {
      {"1e9", "5e5", "sl"},
      {"1e9", "5e5", "psl"},
      {"1e9", "2e6", "sl"},
      {"1e9", "2e6", "psl"},
      {"[4e9, 8e9, 1.6e10]", "5e5", "sl"},
      {"[4e9, 8e9, 1.6e10]", "5e5", "psl"},
      {"[4e9, 8e9, 1.6e10]", "2e6", "sl"},
      {"[4e9, 8e9, 1.6e10]", "2e6", "psl"}
    };
    List<List<String>> rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(order.length, rows.size());
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < order.length; i++) {
      List<String> row = rows.get(i);
      assertEquals(Arrays.asList(order[i]), row.subList(0, 3), "row " + i);
      Emulation.Outcome one =
          Emulation.run(
              Settings.load(
                  file,
                  List.of(
                      "devices.flops=" + order[i][0],
                      "links.static.uplink-bps=" + order[i][1],
                      "scheme=" + order[i][2])),
              tmp.resolve("single-" + i),
              RunListener.NONE);
      Summary single = one.summary();
      // Emulated figures do not depend on the host: the grid's run is the single run.
      assertEquals(single.emulatedTimeS(), value(header, row, "emulated_time_s"), "row " + i);
      // The mean of the recorded rounds' latencies, as the round-latency plot shows them.
      assertEquals(
          meanLatency(one.rounds()), value(header, row, "mean_round_latency_s"), "row " + i);
      assertEquals(single.communicationS(), value(header, row, "communication_s"), "row " + i);
      assertEquals((double) single.bytesUp(), value(header, row, "bytes_up"), "row " + i);
      assertEquals("", row.get(header.indexOf("cost_per_epoch")), "no prices: no cost");
      assertEquals("", row.get(header.indexOf("refused")));
      times.add(single.emulatedTimeS());
    }
    // The grid is not degenerate: a slower uplink and slower devices cost time.
    assertTrue(times.get(0) > times.get(2), times.toString());
    assertTrue(times.get(0) > times.get(4), times.toString());

    assertTrue(Files.size(out.resolve("sweep-mean_round_latency_s.png")) > 1000);
    String md = Files.readString(out.resolve("sweep.md"));
    assertTrue(md.contains("| 5e5 | psl |"), md);
    // The table is for people: durations carry their unit; sweep.csv has the raw seconds.
    assertTrue(md.contains(" | emulated time | mean round |"), md);
    assertTrue(md.matches("(?s).*\\| 5e5 \\| psl \\| \\d+ \\| [0-9][0-9. a-z]* (ms|s) \\|.*"), md);
    try (Stream<Path> s = Files.list(out)) {
      long points = s.filter(Files::isDirectory).count();
      assertEquals(4, points);
    }
    assertTrue(
        Files.isRegularFile(
            out.resolve("001-devices.flops=1e9_links.static.uplink-bps=5e5/psl/rounds.csv")));
    assertTrue(
        Files.isRegularFile(
            out.resolve("001-devices.flops=1e9_links.static.uplink-bps=5e5/comparison.csv")));
    assertTrue(r.out().contains("table:   " + out.resolve("sweep.csv").toAbsolutePath()));
  }

  private static double meanLatency(List<RoundRecord> rounds) {
    double sum = 0;
    for (RoundRecord r : rounds) {
      sum += r.roundLatencyS();
    }
    return sum / rounds.size();
  }

  private static double value(List<String> header, List<String> row, String column) {
    return Double.parseDouble(row.get(header.indexOf(column)));
  }

  static Stream<Arguments> badSweeps() {
    return Stream.of(
        Arguments.of(List.of("--sweep", "roundz=1,2"), "roundz", "unknown key"),
        Arguments.of(List.of("--sweep", "rounds="), "--sweep rounds=", "empty"),
        Arguments.of(List.of("--sweep", "rounds=1,,2"), "--sweep rounds=1,,2", "value 2 is empty"),
        Arguments.of(List.of("--sweep", "rounds=1,0"), "--sweep rounds=0", "must be in"),
        Arguments.of(
            List.of("--sweep", "rounds=1", "--sweep", "devices.count=2,x"),
            "--sweep devices.count=x",
            "devices.count"),
        Arguments.of(
            List.of("--sweep", "model.name=mlp,nosuchmodel"),
            "--sweep model.name=nosuchmodel",
            "unknown model"),
        Arguments.of(List.of("--sweep", "rounds"), "--sweep rounds", "expected key=v1,v2"),
        Arguments.of(
            List.of("--sweep", "rounds=1,2", "--sweep", "splitemu.rounds=3"),
            "--sweep splitemu.rounds",
            "twice"),
        Arguments.of(
            List.of("--set", "rounds=1", "--sweep", "rounds=2,3"), "--sweep rounds", "--set"),
        Arguments.of(List.of("--sweep", "scheme=sl,psl"), "--sweep scheme", "--schemes"),
        Arguments.of(
            List.of("--sweep", "rounds=1,2", "--figure", "speed"), "--figure speed", "column"));
  }

  @ParameterizedTest
  @MethodSource("badSweeps")
  void badSweep_isOneLineNamingKeyAndValue_exit1_noFolder(
      List<String> options, String named, String reason) throws Exception {
    Path out = tmp.resolve("bad");
    List<String> args =
        new ArrayList<>(List.of("compare", scenario().toString(), "--schemes", "sl,psl"));
    args.addAll(options);
    args.addAll(List.of("--out", out.toString()));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(args.toArray(String[]::new));
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("splitemu: "), r.err());
    assertTrue(r.err().contains(named), r.err());
    assertTrue(r.err().contains(reason), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertFalse(Files.exists(out), "no folder is left behind");
  }

  @Test
  void metricsRunLabels_areApartForEverySchemeAndPoint_alsoOutsideTheOutputFolder() {
    Path results = tmp.resolve("results");
    // In the output folder: the path from it, as before.
    Path stamped = results.resolve("small-compare-20261205-100000");
    assertEquals(
        "small-compare-20261205-100000/001-seed=1/psl",
        Emulation.runLabel(stamped.resolve("001-seed=1/psl"), stamped, results));
    // Elsewhere (--out): the comparison folder's name and a hash of its absolute path, then the
    // path from it, not every point's scheme folder "psl".
    Path out = tmp.resolve("elsewhere/cmp");
    String top = Emulation.runLabel(out, results);
    assertTrue(top.matches("cmp-[0-9a-f]{6}"), top);
    assertEquals(
        top + "/001-seed=1/psl", Emulation.runLabel(out.resolve("001-seed=1/psl"), out, results));
    assertEquals(
        top + "/002-seed=2/psl", Emulation.runLabel(out.resolve("002-seed=2/psl"), out, results));
    assertEquals(top + "/sl", Emulation.runLabel(out.resolve("sl"), out, results));
    // compare --out a/cmp and --out b/cmp: apart; a resume into a/cmp (however spelt): the same.
    Path a = tmp.resolve("a/cmp");
    Path b = tmp.resolve("b/cmp");
    String psl = Emulation.runLabel(a.resolve("psl"), a, results);
    assertNotEquals(psl, Emulation.runLabel(b.resolve("psl"), b, results));
    assertTrue(psl.startsWith("cmp-") && psl.endsWith("/psl"), psl);
    Path again = tmp.resolve("b/../a/./cmp");
    assertEquals(psl, Emulation.runLabel(again.resolve("psl"), again, results));
  }

  @Test
  void anEmptySchemeList_orAnEmptyEntry_isRefusedBeforeAnyFolderExists() throws Exception {
    Path out = tmp.resolve("cmp");
    // "--schemes ," ran nothing and exited 0.
    ProfileCommandTest.Result none =
        ProfileCommandTest.cli(
            "compare", scenario().toString(), "--schemes", ",", "--out", out.toString());
    assertEquals(1, none.code(), none.err());
    assertEquals("splitemu: --schemes: no scheme given; list them as a,b,c", none.err().strip());
    ProfileCommandTest.Result gap =
        ProfileCommandTest.cli(
            "compare", scenario().toString(), "--schemes", "psl, ,sl", "--out", out.toString());
    assertEquals(1, gap.code(), gap.err());
    assertEquals(
        "splitemu: --schemes psl, ,sl: an empty name; list them as a,b,c", gap.err().strip());
    assertFalse(Files.exists(out));
  }

  @Test
  void aSchemeGivenTwice_orATakenMetricsPort_isRefusedBeforeAnyFolderExists() throws Exception {
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result twice =
        ProfileCommandTest.cli(
            "compare", scenario().toString(), "--schemes", "psl,sl,psl", "--out", out.toString());
    assertEquals(1, twice.code(), twice.err());
    assertEquals("splitemu: --schemes: psl is given twice", twice.err().strip());
    assertFalse(Files.exists(out));
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      ProfileCommandTest.Result port =
          ProfileCommandTest.cli(
              "compare",
              scenario().toString(),
              "--schemes",
              "psl,sl",
              "--set",
              "metrics.enabled=true",
              "--set",
              "metrics.port=" + taken.getLocalPort(),
              "--out",
              out.toString());
      assertEquals(1, port.code(), port.err());
      assertTrue(port.err().startsWith("splitemu: splitemu.metrics.port"), port.err());
      assertFalse(Files.exists(out), "no results folder");
    }
  }

  @Test
  void splitValues_keepsCommasInsideListsObjectsAndQuotes() {
    assertEquals(
        List.of("1", "[1, 2]", "{a = 1, b = 2}", "\"x,y\"", "${a.b}"),
        SweepGrid.split("1, [1, 2],{a = 1, b = 2}, \"x,y\",${a.b}"));
  }

  // ---- MP-SL on priced nodes (shared data) ----

  private static Path mpslProfiles() {
    return io.splitemu.actors.pipeline.MeasuredProfiles.dir(
        "the priced MP-SL sweep is skipped", "resnet101_cifar_times.csv", "vgg19_cifar_memory.csv");
  }

  /** The committed scenario, found from the module's working folder up. */
  private static Path costEffective() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path f = dir.resolve("scenarios/mpsl-cost-effective.conf");
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    throw new IllegalStateException("scenarios/ not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void pricedSweep_costPerEpochIsEpochTimesPrice_andHorizontalIsCheaperOnTheScenariosJetsons()
      throws Exception {
    Path profiles = mpslProfiles();
    Path out = tmp.resolve("mpsl");
    String setProfiles = "mpsl.profile-dir=\"" + profiles + "\"";
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            costEffective().toString(),
            "--schemes",
            "mpsl,mpsl-horizontal",
            "--set",
            setProfiles,
            "--sweep",
            "mpsl.nodes=${cost-study.jetsons-5},${cost-study.reference-pool},${cost-study.pool}",
            "--figure",
            "cost_per_epoch",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    List<String> header = CsvTable.parseLine(Files.readAllLines(out.resolve("sweep.csv")).get(0));
    List<List<String>> rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(6, rows.size());
    double[] prices = {5 * 0.0175, 3 * 0.384, 0.384 + 2 * 0.045 + 4 * 0.0175};
    double[] cost = new double[6];
    for (int i = 0; i < 6; i++) {
      List<String> row = rows.get(i);
      String nodes = row.get(0);
      String scheme = row.get(1);
      Settings s =
          Settings.load(
              costEffective(), List.of(setProfiles, "mpsl.nodes=" + nodes, "scheme=" + scheme));
      Emulation.Outcome one = Emulation.run(s, tmp.resolve("single-" + i), RunListener.NONE);
      double epoch = value(header, row, "mean_round_latency_s");
      assertEquals(meanLatency(one.rounds()), epoch, "row " + i);
      // One epoch a run: its latency is the run's emulated time.
      assertEquals(one.summary().emulatedTimeS(), epoch, 1e-9, "row " + i);
      assertEquals(prices[i / 2], value(header, row, "price_per_hour"), 1e-12, "row " + i);
      cost[i] = value(header, row, "cost_per_epoch");
      assertEquals(epoch / 3600 * prices[i / 2], cost[i], 1e-15, "row " + i);
    }
    // The directions docs/mpsl.md states: on the scenario's five Jetsons (and on three VMs, the
    // paper's setting) the horizontal helpers are cheaper per epoch; on the whole mixed pool the
    // emulated multihop chain is (its steady period is max(F + B), below the planner's estimate).
    assertTrue(cost[1] < cost[0], "five Jetsons: horizontal cheaper " + Arrays.toString(cost));
    assertTrue(cost[3] < cost[2], "three VMs: horizontal cheaper " + Arrays.toString(cost));
    assertTrue(cost[4] < cost[5], "mixed pool: multihop cheaper " + Arrays.toString(cost));
    assertTrue(Files.size(out.resolve("sweep-cost_per_epoch.png")) > 1000);
  }

  /**
   * A point a scheme refuses names the --sweep value, not a --set never given (before: "--sweep
   * model.cut=9: psl: --set model.cut=9: 1: splitemu.model.cut: ..."); with --keep-refused the
   * table's and the point's report's reasons do not name a --set either.
   */
  @Test
  void aSweptValueASchemeRefuses_namesTheSweep_notASet() throws Exception {
    Path out = tmp.resolve("cut");
    String[] args = {
      "compare", scenario().toString(), "--schemes", "psl", "--sweep", "model.cut=1,9"
    };
    List<String> plain = new ArrayList<>(List.of(args));
    plain.addAll(List.of("--out", out.toString()));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(plain.toArray(String[]::new));
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err()
            .startsWith("splitemu: --sweep model.cut=9: psl: splitemu.model.cut: must be in 1.."),
        r.err());
    assertFalse(r.err().contains("--set"), r.err());
    assertFalse(Files.exists(out));

    List<String> keep = new ArrayList<>(List.of(args));
    keep.addAll(List.of("--keep-refused", "--out", out.toString()));
    r = ProfileCommandTest.cli(keep.toArray(String[]::new));
    assertEquals(0, r.code(), r.err() + r.out());
    assertFalse(r.out().contains("--set"), r.out());
    List<String> header = CsvTable.parseLine(Files.readAllLines(out.resolve("sweep.csv")).get(0));
    List<List<String>> rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(2, rows.size());
    String why = rows.get(1).get(header.indexOf("refused"));
    assertTrue(why.startsWith("splitemu.model.cut: must be in 1.."), why);
    List<Path> reports;
    try (Stream<Path> all = Files.walk(out)) {
      reports = all.filter(p -> p.getFileName().toString().endsWith(".md")).toList();
    }
    assertTrue(reports.size() >= 2, reports.toString());
    boolean named = false;
    for (Path md : reports) {
      String text = Files.readString(md);
      assertFalse(text.contains("--set model.cut"), md + ": " + text);
      named |= text.contains("splitemu.model.cut: must be in 1..");
    }
    assertTrue(named, reports.toString());
  }

  @Test
  void aPointASchemeRefuses_isAnErrorNamingThePoint_orARowWithKeepRefused() throws Exception {
    Path profiles = mpslProfiles();
    String setProfiles = "mpsl.profile-dir=\"" + profiles + "\"";
    List<String> args =
        List.of(
            "compare",
            costEffective().toString(),
            "--schemes",
            "mpsl,mpsl-horizontal",
            "--set",
            setProfiles,
            "--sweep",
            "mpsl=${cost-study.resnet101},${cost-study.vgg19}");
    Path out = tmp.resolve("refused");
    List<String> plain = new ArrayList<>(args);
    plain.addAll(List.of("--out", out.toString()));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(plain.toArray(String[]::new));
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("--sweep mpsl=${cost-study.vgg19}"), r.err());
    assertTrue(r.err().contains("splitemu.mpsl.nodes"), r.err());
    assertFalse(Files.exists(out));

    List<String> keep = new ArrayList<>(args);
    keep.addAll(List.of("--keep-refused", "--out", out.toString()));
    r = ProfileCommandTest.cli(keep.toArray(String[]::new));
    assertEquals(0, r.code(), r.err() + r.out());
    List<String> header = CsvTable.parseLine(Files.readAllLines(out.resolve("sweep.csv")).get(0));
    List<List<String>> rows = CsvTable.read(out.resolve("sweep.csv"));
    assertEquals(4, rows.size());
    // ResNet-101 runs on both; VGG-19's 100 instances fit on the five 8 GB Jetsons neither as a
    // chain (its first fully connected layer alone needs 40 GB) nor as helpers.
    assertEquals("", rows.get(0).get(header.indexOf("refused")));
    assertEquals("", rows.get(1).get(header.indexOf("refused")));
    assertTrue(rows.get(2).get(header.indexOf("refused")).contains("fit on no chain"));
    assertEquals("", rows.get(2).get(header.indexOf("emulated_time_s")));
    assertTrue(rows.get(3).get(header.indexOf("refused")).contains("memory"));
  }
}
