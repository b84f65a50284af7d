package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code report.md} of real runs, byte for byte as the results writer wrote it before it folded
 * each round's in-force cells as the round's row came (the files under {@code
 * src/test/resources/reports/}), but for its wall-time line, which the host sets: cpsl under churn
 * (its clusters change as devices leave and come back) and the same run resumed from its
 * checkpoint; sl with more devices than the report lists one by one (a cluster per device); and
 * edgesplit with more per-device cuts than a cut cell lists. The sl run's members cell and the note
 * under its table changed since: a round of more than 64 clusters gives alike clusters as ranges
 * ({@code c0-c69: 1 device}, not a part per cluster). Run with {@code -Dsplitemu.golden.write=true}
 * to write the files anew.
 */
class ReportRunGoldenTest {

  @TempDir Path tmp;

  private static final Path GOLDEN = Path.of("src/test/resources/reports");
  private static final Path SCENARIOS = Path.of("../scenarios");

  private static String masked(Path dir) throws Exception {
    return Files.readAllLines(dir.resolve("report.md"), StandardCharsets.UTF_8).stream()
            .map(l -> l.startsWith("| wall time (s) |") ? "| wall time (s) | (host) |" : l)
            .collect(Collectors.joining("\n"))
        + "\n";
  }

  private static void check(Path dir, String name) throws Exception {
    String report = masked(dir);
    Path golden = GOLDEN.resolve(name);
    if (Boolean.getBoolean("splitemu.golden.write")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, report, StandardCharsets.UTF_8);
    }
    assertEquals(Files.readString(golden, StandardCharsets.UTF_8), report, name);
  }

  private static void run(String scenario, Path out, String... sets) {
    List<String> args = new ArrayList<>(List.of("run", SCENARIOS.resolve(scenario).toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    args.add("--set");
    args.add("output.plots=false");
    args.addAll(List.of("--out", out.toString()));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(args.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void cpslUnderChurn_andResumed() throws Exception {
    String data = System.getProperty("splitemu.data", "");
    Assumptions.assumeFalse(data.isBlank(), "needs -Dsplitemu.data (MNIST)");
    String[] sets = {
      "fidelity=timing",
      "rounds=12",
      "checkpoint.every=4",
      "data.dir=" + Path.of(data, "mnist").toAbsolutePath()
    };
    Path dir = tmp.resolve("cpsl");
    run("faults-cpsl-churn.conf", dir, sets);
    check(dir, "run-cpsl-churn.md");
    CheckpointResumeTest.asKilledAtItsEnd(dir);
    List<String> args =
        new ArrayList<>(List.of("run", SCENARIOS.resolve("faults-cpsl-churn.conf").toString()));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    args.addAll(List.of("--set", "output.plots=false", "--resume", dir.toString()));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(args.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    check(dir, "run-cpsl-churn-resumed.md");
  }

  @Test
  void slWithMoreDevicesThanListed() throws Exception {
    Path dir = tmp.resolve("sl");
    run(
        "quickstart.conf",
        dir,
        "scheme=sl",
        "fidelity=timing",
        "devices.count=70",
        "rounds=7",
        "local-steps=1");
    check(dir, "run-sl-70.md");
  }

  @Test
  void edgesplitWithMorePerDeviceCutsThanListed() throws Exception {
    Path dir = tmp.resolve("edgesplit");
    run(
        "quickstart.conf",
        dir,
        "scheme=edgesplit",
        "fidelity=timing",
        "devices.count=70",
        "rounds=4",
        "local-steps=1");
    check(dir, "run-edgesplit-70.md");
  }
}
