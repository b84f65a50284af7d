package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planner input that no planner can work with is refused at start, by {@code run} and {@code plan}
 * alike, with one line naming the key (and the scenario's file and line where it was written), no
 * stack trace and no results folder: exhaustive CPSL clustering on more devices than it searches, a
 * device whose memory holds no cut under a scheme that honours {@code devices.memory-bytes}, and a
 * model with a single unit under a scheme that chooses a cut.
 */
class PlannerInputTest {

  @TempDir Path tmp;

  private Path scenario(String name, String... lines) throws Exception {
    Path f = tmp.resolve(name + ".conf");
    StringBuilder sb = new StringBuilder("splitemu {\n"); // 1
    sb.append("  scenario = ").append(name).append('\n'); // 2
    sb.append("  fidelity = timing\n"); // 3
    sb.append("  rounds = 1, local-steps = 2, batch-size = 16\n"); // 4
    sb.append("  output.plots = false\n"); // 5
    for (String l : lines) {
      sb.append("  ").append(l).append('\n'); // from 6 on
    }
    sb.append("}\n");
    Files.writeString(f, sb.toString());
    return f;
  }

  /** Runs {@code run} with {@code --out} and asserts one refusal line and no folder; returns it. */
  private String refusedRun(Path scenario, String... sets) {
    Path out = tmp.resolve("out-" + scenario.getFileName());
    List<String> args =
        new ArrayList<>(List.of("run", scenario.toString(), "--out", out.toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    ProfileCommandTest.Result r = ProfileCommandTest.cli(args.toArray(new String[0]));
    assertEquals(1, r.code(), r.err() + r.out());
    String line = r.err().strip();
    assertEquals(1, line.lines().count(), "one line, no stack trace: " + r.err());
    assertFalse(line.contains("\tat "), line);
    assertFalse(Files.exists(out), "no results folder for a run refused at start: " + line);
    return line;
  }

  private static String refusedPlan(Path scenario, String... sets) {
    List<String> args = new ArrayList<>(List.of("plan", scenario.toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    ProfileCommandTest.Result r = ProfileCommandTest.cli(args.toArray(new String[0]));
    assertEquals(1, r.code(), r.err() + r.out());
    String line = r.err().strip();
    assertEquals(1, line.lines().count(), "one line, no stack trace: " + r.err());
    return line;
  }

  private Path cpsl(int devices) throws Exception {
    return scenario(
        "cpsl-exhaustive",
        "scheme = cpsl", // 6
        "data.train-samples = 2000, data.test-samples = 100", // 7
        "devices { count = " + devices + ", flops = 1e9 }", // 8
        "cpsl { clusters = 2, clustering = exhaustive }"); // 9
  }

  @Test
  void exhaustiveClusteringOnMoreThan16Devices_isRefusedAtStartNamingBothKeys() throws Exception {
    Path f = cpsl(17);
    String expected =
        "splitemu: splitemu.cpsl.clustering: exhaustive searches every partition and takes at"
            + " most 16 devices, but "
            + f
            + ":8: splitemu.devices.count is 17; use gibbs or sorted, or at most 16 devices";
    assertEquals(expected, refusedRun(f));
    assertEquals(expected, refusedPlan(f));
  }

  @Test
  void exhaustiveClusteringOn16Devices_plans() throws Exception {
    ProfileCommandTest.Result r = ProfileCommandTest.cli("plan", cpsl(6).toString());
    assertEquals(0, r.code(), r.err());
  }
}
