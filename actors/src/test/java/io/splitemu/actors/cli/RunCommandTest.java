package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.results.CsvTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    assertTrue(Files.readString(out.resolve("comparison.md")).contains("| psl |"));
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
