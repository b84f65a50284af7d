package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.results.CsvTable;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunCommandTest {

  @TempDir Path tmp;

  private Path scenario(String extra) throws Exception {
    Path f = tmp.resolve("small.conf");
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = small\n"
            + "  rounds = 2\n"
            + "  local-steps = 3\n"
            + "  batch-size = 16\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  data { train-samples = 400, test-samples = 100 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  links.static.uplink-bps = [1e6, 2e6, 4e6]\n"
            + extra
            + "}\n");
    return f;
  }

  @Test
  void run_writesTheResultsFolder() throws Exception {
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", scenario("").toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("results: "), r.out());
    List<String> rounds = Files.readAllLines(out.resolve("rounds.csv"));
    assertEquals(3, rounds.size());
    List<String> row = CsvTable.parseLine(rounds.get(2));
    assertEquals("2", row.get(0));
    assertEquals("psl", row.get(1));
    assertFalse(row.get(12).isEmpty(), "test accuracy recorded");
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(2, summary.get("rounds").asInt());
    assertTrue(Files.exists(out.resolve("plots/accuracy.png")));
    assertTrue(Files.exists(out.resolve("report.md")));
    assertTrue(Files.readString(out.resolve("scenario.conf")).contains("small"));
    assertEquals(1 + 2 * 3, Files.readAllLines(out.resolve("devices.csv")).size());
  }

  @Test
  void setOverride_changesTheRun() throws Exception {
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario("").toString(),
            "--set",
            "rounds=1",
            "--set",
            "fidelity=timing",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(2, Files.readAllLines(out.resolve("rounds.csv")).size());
    assertTrue(r.out().contains("timing run"), r.out());
  }

  @Test
  void badScenario_failsWithOneLine_andWritesNothing() throws Exception {
    Path out = tmp.resolve("out");
    for (String bad :
        new String[] {
          "  roundz = 3\n",
          "  rounds = many\n",
          "  scheme = fedsplit\n",
          "  data { dataset = mnist, dir = \"" + tmp.resolve("none") + "\" }\n",
          "  model.name = lenet6\n",
          "  model.cut = 9\n",
          "  mode = paced\n  speedup = 0\n",
          "  metrics.port = 70000\n"
        }) {
      ProfileCommandTest.Result r =
          ProfileCommandTest.cli("run", scenario(bad).toString(), "--out", out.toString());
      assertEquals(1, r.code(), bad + r.err());
      assertTrue(r.err().startsWith("splitemu: "), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertFalse(Files.exists(out), "no results folder for: " + bad);
    }
  }

  @Test
  void metricsEndpointThatCannotStart_failsWithOneLineNamingTheKey_andWritesNothing()
      throws Exception {
    Path out = tmp.resolve("out");
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      String[][] cases = {
        {"metrics.port = " + taken.getLocalPort(), "splitemu.metrics.port"},
        {"metrics.bind-address = \"no-such-host.invalid\"", "splitemu.metrics.bind-address"},
      };
      // mpsl reads the measured profiles of the shared data, so it joins when that is given.
      String data = System.getProperty("splitemu.data", "");
      List<String> schemes = new ArrayList<>(List.of("psl", "edgesplit"));
      if (!data.isBlank()) {
        schemes.add("mpsl");
      }
      for (String scheme : schemes) {
        for (String[] c : cases) {
          String profiles =
              scheme.equals("mpsl")
                  ? "  mpsl.profile-dir = \"" + Path.of(data, "profiles/mpsl-measured") + "\"\n"
                  : "";
          String extra =
              "  scheme = "
                  + scheme
                  + "\n  fidelity = timing\n  metrics.enabled = true\n  "
                  + c[0]
                  + "\n"
                  + profiles;
          ProfileCommandTest.Result r =
              ProfileCommandTest.cli("run", scenario(extra).toString(), "--out", out.toString());
          assertEquals(1, r.code(), scheme + " " + c[0] + ": " + r.err());
          assertTrue(r.err().startsWith("splitemu: " + c[1]), r.err());
          assertEquals(1, r.err().strip().lines().count(), r.err());
          assertFalse(Files.exists(out), "no results folder for " + scheme + " " + c[0]);
        }
      }
    }
  }

  /**
   * Full-fidelity EdgeSplit with one step per round and a learning rate of 1e30: round 1's loss is
   * the initial model's (finite), its update blows every weight up, so round 2's loss is not finite
   * and the run stops there.
   */
  // A learning rate that blows the model up in its first update. Round 1 is not evaluated (the
  // evaluation would refuse the diverged model at once): the blow-up is met in round 2's training,
  // after round 1's row is written.
  private Path divergingScenario() throws Exception {
    return scenario(
        "  scheme = edgesplit\n"
            + "  fidelity = full\n"
            + "  rounds = 3\n"
            + "  eval-every = 2\n"
            + "  local-steps = 1\n"
            + "  model { optimizer = sgd-momentum, learning-rate = 1e30 }\n"
            + "  devices.memory-bytes = 4e9\n"
            + "  output.plots = false\n");
  }

  @Test
  void failedRun_printsOneLineWithoutStackTrace_andKeepsTheRecordedRounds() throws Exception {
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", divergingScenario().toString(), "--out", out.toString());
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertTrue(
        r.err()
            .matches(
                "splitemu: run stopped in round 2: edge server failed: .*\\(the server copy for"
                    + " device-\\d\\): loss NaN at round 2.*\\R?"),
        r.err());
    assertTrue(r.err().contains(out.toAbsolutePath().toString()), r.err());
    List<String> rounds = Files.readAllLines(out.resolve("rounds.csv"));
    assertEquals(2, rounds.size(), "header and round 1: " + rounds);
    assertEquals("1", CsvTable.parseLine(rounds.get(1)).get(0));
    assertTrue(Files.exists(out.resolve("scenario.conf")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sl", "psl", "sfl-v1", "cpsl"})
  void barrierEngine_divergedRun_endsWithOneLine_andKeepsTheRecordedRounds(String scheme)
      throws Exception {
    // The same blow-up on the barrier engine: a slice refuses the non-finite tensor (in round 2
    // for psl and sfl-v1; in round 1 for sl and cpsl, which hand the blown-up model on within the
    // round), the actor that holds it stops, and the supervisor ends the run with its reason (it
    // used to log a stack trace and wait for barrier timeouts).
    Path out = tmp.resolve("out-" + scheme);
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            divergingScenario().toString(),
            "--set",
            "scheme=" + scheme,
            "--set",
            "barrier.timeout=300 s",
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "splitemu: run stopped in round (\\d): (device-\\d|edge server) failed: .*"
                    + "(NaN|infinite).*\\R?")
            .matcher(r.err());
    assertTrue(m.matches(), r.err());
    int round = Integer.parseInt(m.group(1));
    assertEquals(scheme.equals("sl") || scheme.equals("cpsl") ? 1 : 2, round, r.err());
    assertTrue(r.err().contains(out.toAbsolutePath().toString()), r.err());
    List<String> rounds = Files.readAllLines(out.resolve("rounds.csv"));
    assertEquals(
        round, rounds.size(), "the header and every round before " + round + ": " + rounds);
  }

  @Test
  void failedCompare_namesTheScheme_andTheComparisonFolder() throws Exception {
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            divergingScenario().toString(),
            "--schemes",
            "edgesplit",
            "--set",
            "rounds=2",
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertTrue(
        r.err()
            .startsWith("splitemu: scheme edgesplit: run stopped in round 2: edge server failed"),
        r.err());
    assertTrue(r.err().contains(out.toAbsolutePath().toString()), r.err());
    assertEquals(1 + 1, Files.readAllLines(out.resolve("edgesplit/rounds.csv")).size());
    assertFalse(Files.exists(out.resolve("comparison.csv")));
  }

  @Test
  void debug_addsTheStackTraceToTheOneLine() throws Exception {
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(new StringWriter()),
            new PrintWriter(err),
            true,
            "run",
            scenario("  roundz = 3\n").toString(),
            "--out",
            tmp.resolve("out").toString());
    assertEquals(1, code, err.toString());
    String first = err.toString().lines().findFirst().orElse("");
    assertTrue(first.startsWith("splitemu: ") && first.contains("roundz"), err.toString());
    assertTrue(err.toString().contains("\tat "), err.toString());
  }

  @Test
  void compare_runsEverySchemeOnTheSameSeed() throws Exception {
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            scenario("").toString(),
            "--schemes",
            "sl,psl",
            "--set",
            "rounds=1",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    List<String> lines = Files.readAllLines(out.resolve("comparison.csv"));
    assertEquals(3, lines.size());
    assertEquals("sl", CsvTable.parseLine(lines.get(1)).get(0));
    assertEquals("psl", CsvTable.parseLine(lines.get(2)).get(0));
    assertTrue(Files.exists(out.resolve("sl/rounds.csv")));
    assertTrue(Files.exists(out.resolve("psl/rounds.csv")));
    assertTrue(Files.exists(out.resolve("plots/accuracy.png")));
    assertTrue(Files.readString(out.resolve("comparison.md")).matches("(?s).*\\| psl +\\|.*"));
    double sl = Double.parseDouble(CsvTable.parseLine(lines.get(1)).get(2));
    double psl = Double.parseDouble(CsvTable.parseLine(lines.get(2)).get(2));
    assertTrue(psl < sl, "parallel SL takes less emulated time than vanilla SL");
  }

  @Test
  void compare_unknownScheme_failsBeforeAnyRun() throws Exception {
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare", scenario("").toString(), "--schemes", "psl,nope", "--out", out.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("nope"), r.err());
    assertFalse(Files.exists(out));
  }
}
