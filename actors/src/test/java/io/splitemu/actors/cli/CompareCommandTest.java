package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.IoReasons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code compare}: each scheme's model is named in the comparison, and schemes that run different
 * models (their keys are apart: {@code model.name}, {@code mpsl.model}, {@code dag.profile}) are
 * said to, in one warning line and in {@code comparison.md}.
 */
class CompareCommandTest {

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
            + "  dag.profile = efficientnetv2-s\n"
            + "  data { train-samples = 400, test-samples = 100 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  links.static.uplink-bps = [1e6, 2e6, 4e6]\n"
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  private static List<String> column(Path csv, String name) {
    List<String> header;
    try {
      header = CsvTable.parseLine(Files.readAllLines(csv).get(0));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    int c = header.indexOf(name);
    assertTrue(c >= 0, name + " in " + header);
    return CsvTable.read(csv).stream().map(r -> r.get(c)).toList();
  }

  /**
   * A scheme that refuses the scenario (edgesplit needs local steps; dag-mincut a profile): without
   * --keep-refused the compare is refused before any folder exists, in one line led by the scheme's
   * name; with it the scheme is a line, the others run, and comparison.md names it (comparison.csv
   * keeps a row per scheme run). Before, the first refusal ended the compare, psl never ran, and
   * --keep-refused was ignored without --sweep; dag-mincut's line did not name it.
   */
  @Test
  void aSchemeThatRefusesTheScenario_isNamedInOneLine_orLeftOutAndListedWithKeepRefused()
      throws Exception {
    Path noProfile = tmp.resolve("no-profile.conf");
    Files.writeString(
        noProfile, Files.readString(scenario()).replace("  dag.profile = efficientnetv2-s\n", ""));
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            noProfile.toString(),
            "--schemes",
            "psl,edgesplit",
            "--set",
            "local-steps=0",
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.err() + r.out());
    String why = "splitemu.local-steps: edgesplit needs the iterations per round (>= 1)";
    assertEquals(
        List.of(
            "splitemu: edgesplit: "
                + why
                + "; with --keep-refused the schemes that accept the scenario run (psl)"),
        r.err().lines().toList());
    assertFalse(Files.exists(out));

    r =
        ProfileCommandTest.cli(
            "compare",
            noProfile.toString(),
            "--schemes",
            "psl,dag-mincut",
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("splitemu: dag-mincut: splitemu.dag.profile: "), r.err());
    assertFalse(Files.exists(out));

    r =
        ProfileCommandTest.cli(
            "compare",
            noProfile.toString(),
            "--schemes",
            "psl,edgesplit,dag-mincut",
            "--keep-refused",
            "--set",
            "local-steps=0",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("edgesplit refused: " + why + "\n"), r.out());
    assertTrue(r.out().contains("dag-mincut refused: splitemu.dag.profile: "), r.out());
    assertEquals(List.of("psl"), column(out.resolve("comparison.csv"), "scheme"));
    String md = Files.readString(out.resolve("comparison.md"));
    assertTrue(
        md.contains("\nRefused: edgesplit (" + why + "); dag-mincut (splitemu.dag.profile: "), md);
    assertFalse(Files.exists(out.resolve("edgesplit")));

    // Every scheme refusing leaves nothing to compare: one line, no folder.
    Path none = tmp.resolve("none");
    r =
        ProfileCommandTest.cli(
            "compare",
            noProfile.toString(),
            "--schemes",
            "edgesplit,dag-mincut",
            "--keep-refused",
            "--set",
            "local-steps=0",
            "--out",
            none.toString());
    assertEquals(1, r.code(), r.err() + r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(
        r.err()
            .startsWith(
                "splitemu: --schemes edgesplit,dag-mincut: every scheme refuses the scenario"
                    + " (edgesplit: "
                    + why
                    + "; dag-mincut: "),
        r.err());
    assertFalse(Files.exists(none));
  }

  /**
   * A sweep's point that a scheme refuses (with --keep-refused): the point's comparison.md names
   * the scheme and why. Before, the scheme was silently missing from it.
   */
  @Test
  void aSweepPointASchemeRefuses_namesItInThePointsComparison() throws Exception {
    Path out = tmp.resolve("swept");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            scenario().toString(),
            "--schemes",
            "psl,edgesplit",
            "--keep-refused",
            "--sweep",
            "local-steps=0,2",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    String refused = Files.readString(out.resolve("001-local-steps=0").resolve("comparison.md"));
    assertTrue(
        refused.contains(
            "\nRefused: edgesplit (splitemu.local-steps: edgesplit needs the iterations per round"
                + " (>= 1))\n"),
        refused);
    assertEquals(List.of("psl"), column(out.resolve("001-local-steps=0/comparison.csv"), "scheme"));
    String ran = Files.readString(out.resolve("002-local-steps=2").resolve("comparison.md"));
    assertFalse(ran.contains("Refused"), ran);
  }

  /**
   * compare --resume compares the grids the --sweep options make, not their text: spaces around the
   * values are not a difference, and a difference names the value.
   */
  @Test
  void resumedGrids_areComparedByTheirValues_andADifferenceNamesTheValue() {
    assertEquals(
        null,
        CompareCommand.gridDifference(
            List.of("devices.flops=[1e9,2e9],[4e9, 8e9]"),
            List.of("devices.flops=[1e9,2e9], [4e9, 8e9]")));
    assertEquals(
        null,
        CompareCommand.gridDifference(
            List.of("local-steps=2,3", "rounds=4"), List.of("local-steps = 2 , 3", "rounds=4")));
    assertEquals(
        " (devices.flops: value 2 is \"[4e9, 8e9]\" in the run, \"[4e9,8e9]\" here)",
        CompareCommand.gridDifference(
            List.of("devices.flops=[1e9,2e9],[4e9, 8e9]"),
            List.of("devices.flops=[1e9,2e9], [4e9,8e9]")));
    assertEquals(
        " (local-steps: 2 values in the run, 3 here)",
        CompareCommand.gridDifference(List.of("local-steps=2,3"), List.of("local-steps=2,3,4")));
    assertEquals(
        "", CompareCommand.gridDifference(List.of("local-steps=2,3"), List.of("rounds=2,3")));
    assertEquals("", CompareCommand.gridDifference(List.of(), List.of("rounds=2,3")));
  }

  /** psl times the mlp of model.name, dag-mincut the profile of dag.profile. */
  @Test
  void differentModels_areNamedPerScheme_withOneWarningLine_andSaidInComparisonMd()
      throws Exception {
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            scenario().toString(),
            "--schemes",
            "psl,dag-mincut",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals(
        List.of(
            "splitemu: warning: the schemes run different models: psl mlp (model.name),"
                + " dag-mincut efficientnetv2-s (dag.profile); the comparison is of different"
                + " workloads, not of the schemes alone"),
        r.err().lines().toList());
    assertEquals(
        List.of("mlp", "efficientnetv2-s"), column(out.resolve("comparison.csv"), "model"));
    String md = Files.readString(out.resolve("comparison.md"));
    assertTrue(md.contains("**Not the same model for every scheme**"), md);
    assertFalse(md.contains("Same devices, data, links, seed and model"), md);
    assertTrue(md.matches("(?s).*\\| scheme +\\| model +\\|.*"), md);
    assertTrue(md.matches("(?s).*\\| dag-mincut +\\| efficientnetv2-s +\\|.*"), md);
    assertTrue(r.out().contains("| psl        | mlp "), r.out());
  }

  @Test
  void sameModel_noWarning_andTheModelIsStillNamed() throws Exception {
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare", scenario().toString(), "--schemes", "sl,psl", "--out", out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals("", r.err());
    assertEquals(List.of("mlp", "mlp"), column(out.resolve("comparison.csv"), "model"));
    assertEquals(List.of("", ""), column(out.resolve("comparison.csv"), "stopped_after_round"));
    // Each scheme's scenario.conf names its scheme, and only that line differs (before, the
    // first "scheme = " of the text, in a comment, was replaced: both named psl).
    List<String> sl = Files.readAllLines(out.resolve("sl/scenario.conf"));
    List<String> psl = Files.readAllLines(out.resolve("psl/scenario.conf"));
    assertEquals(
        "sl",
        com.typesafe.config.ConfigFactory.parseFile(out.resolve("sl/scenario.conf").toFile())
            .getString("splitemu.scheme"));
    assertEquals(sl.size(), psl.size());
    List<Integer> differ = new java.util.ArrayList<>();
    for (int i = 0; i < sl.size(); i++) {
      if (!sl.get(i).equals(psl.get(i))) {
        differ.add(i);
        assertEquals(sl.get(i).replace("sl", "psl"), psl.get(i));
      }
    }
    assertEquals(1, differ.size(), differ.toString());
    String md = Files.readString(out.resolve("comparison.md"));
    assertTrue(md.contains("Same devices, data, links, seed and model for every scheme."), md);
    assertFalse(md.contains("Not the same model"), md);
  }

  /** The reviewer's case: MP-SL runs its measured mpsl.model, not model.name. */
  @Test
  void mpsl_runsItsMeasuredModel_andTheComparisonSaysSo() throws Exception {
    Path f = tmp.resolve("mpsl.conf");
    Files.writeString(f, CheckpointResumeTest.mpslScenario("mpsl", "models", 2, ""));
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare", f.toString(), "--schemes", "psl,mpsl", "--out", out.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(
        r.err()
            .startsWith(
                "splitemu: warning: the schemes run different models: psl lenet5 (model.name),"
                    + " mpsl vgg19 (mpsl.model)"),
        r.err());
    assertEquals(List.of("lenet5", "vgg19"), column(out.resolve("comparison.csv"), "model"));
    assertTrue(
        Files.readString(out.resolve("comparison.md"))
            .contains("psl lenet5 (model.name), mpsl vgg19 (mpsl.model)"));
  }

  /**
   * A results folder that cannot be made is one line saying why, the same for {@code run} and
   * {@code compare} (before: {@code compare} printed the bare path, {@code run} a Java class name).
   */
  @ParameterizedTest
  @ValueSource(strings = {"run", "compare"})
  void aFolderThatCannotBeMade_isOneLineSayingWhy(String command) throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    for (Path out : List.of(file.resolve("out"), file)) {
      List<String> args = new java.util.ArrayList<>(List.of(command, scenario().toString()));
      if (command.equals("compare")) {
        args.addAll(List.of("--schemes", "sl,psl"));
      }
      args.addAll(List.of("--out", out.toString()));
      ProfileCommandTest.Result r = ProfileCommandTest.cli(args.toArray(new String[0]));
      assertEquals(1, r.code(), r.err() + r.out());
      String why = out.equals(file) ? "a file of that name exists" : "not a directory";
      assertEquals(
          List.of("splitemu: cannot create results folder " + out + ": " + why),
          r.err().lines().toList());
    }
    assertEquals("x", Files.readString(file));
  }

  @Test
  void ioReasons_sayWhyInWords_andNameAnotherFileInParentheses() {
    Path dir = Path.of("/tmp/ro/out");
    assertEquals(
        "permission denied",
        IoReasons.reason(new java.nio.file.AccessDeniedException(dir.toString()), dir));
    assertEquals(
        "cannot create results folder /tmp/ro/out: permission denied (/tmp/ro/out/plots)",
        IoReasons.cannotCreateFolder(
            dir, new java.nio.file.AccessDeniedException("/tmp/ro/out/plots")));
    assertEquals(
        "read-only file system",
        IoReasons.reason(
            new java.nio.file.FileSystemException(dir.toString(), null, "Read-only file system"),
            dir));
    assertEquals(
        "no space left on device",
        IoReasons.reason(new java.io.IOException("No space left on device"), dir)
            .toLowerCase(java.util.Locale.ROOT));
  }
}
