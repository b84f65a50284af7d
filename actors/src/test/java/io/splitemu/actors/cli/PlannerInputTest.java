package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /**
   * Plan's one-line refusal of {@code scenario} under its {@code scheme}, with the scheme's name
   * that plan leads every refusal with taken out: the rest must be the run's line.
   */
  private static String refusedPlan(Path scenario, String scheme, String... sets) {
    List<String> args = new ArrayList<>(List.of("plan", scenario.toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    ProfileCommandTest.Result r = ProfileCommandTest.cli(args.toArray(new String[0]));
    assertEquals(1, r.code(), r.err() + r.out());
    String line = r.err().strip();
    assertEquals(1, line.lines().count(), "one line, no stack trace: " + r.err());
    String lead = "splitemu: " + scheme + ": ";
    assertTrue(line.startsWith(lead), "led by the scheme's name: " + line);
    return "splitemu: " + line.substring(lead.length());
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
    assertEquals(expected, refusedPlan(f, "cpsl"));
  }

  @Test
  void exhaustiveClusteringOn16Devices_plans() throws Exception {
    ProfileCommandTest.Result r = ProfileCommandTest.cli("plan", cpsl(6).toString());
    assertEquals(0, r.code(), r.err());
  }

  private Path edgesplit(String scheme, String memory) throws Exception {
    return scenario(
        "share-memory",
        "scheme = " + scheme, // 6
        "model { name = vgg19-cifar, cut = 2 }", // 7
        "devices { count = 3, flops = 1e10 }", // 8
        "devices.memory-bytes = " + memory, // 9
        "links { kind = static, static { uplink-bps = 1e7, downlink-bps = 1e7 } }"); // 10
  }

  @Test
  void aDeviceWhoseMemoryHoldsNoCut_isRefusedAtStartUnderEverySchemeThatHonoursTheKey()
      throws Exception {
    for (String scheme :
        List.of(
            "edgesplit",
            "edgesplit-uniform",
            "sfl-compute",
            "sfl-compute-uniform",
            "sfl-compute-robust")) {
      Path f = edgesplit(scheme, "[4e9, 1000, 2000]");
      String expected =
          "splitemu: "
              + f
              + ":9: splitemu.devices.memory-bytes: device-1 has 1000 bytes, less than the 4201472"
              + " bytes that cut 1 of vgg19-cifar needs at batch 16 (device-side weights plus the"
              + " activations kept for backward), the least any cut needs (1 more devices are"
              + " short too); "
              + scheme
              + " cannot place a cut on it";
      assertEquals(expected, refusedRun(f), scheme);
      assertEquals(expected, refusedPlan(f, scheme), scheme);
    }
  }

  @Test
  void aMemoryGivenBySet_namesTheSetOption() throws Exception {
    Path f = edgesplit("edgesplit", "4e9");
    String line = refusedRun(f, "devices.memory-bytes=1000");
    assertTrue(
        line.startsWith(
            "splitemu: --set devices.memory-bytes=1000: 1: splitemu.devices.memory-bytes:"
                + " device-0 has 1000 bytes"),
        line);
  }

  @Test
  void aOneUnitModel_isRefusedAtStartNamingModelName() throws Exception {
    Path model = tmp.resolve("one.dag.json");
    Files.writeString(
        model,
        "{\"name\": \"one\", \"inputBytes\": 3136, \"layers\": [{\"name\": \"fc\", \"inputs\":"
            + " [\"input\"], \"forwardFlops\": 1000, \"outputBytes\": 40, \"paramBytes\": 400}]}");
    for (String scheme : List.of("edgesplit", "edgesplit-uniform", "sfl-compute")) {
      Path f =
          scenario(
              "one-unit",
              "scheme = " + scheme, // 6
              "model.name = \"" + model + "\""); // 7
      String expected =
          "splitemu: "
              + f
              + ":7: splitemu.model.name: "
              + scheme
              + " cuts the model between two units, and \""
              + model
              + "\" (one) has 1 unit (a DAG profile's units are its blocks between single-tensor"
              + " boundaries); give a model of two units or more";
      assertEquals(expected, refusedRun(f), scheme);
      assertEquals(expected, refusedPlan(f, scheme), scheme);
    }
  }
}
