package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code dag.profile} (read relative to the working folder, unlike the scenario's other paths)
 * that is not there is refused as {@code data.dir} is: with the scenario's file and line, the key,
 * and the absolute path looked for.
 */
class ProfilePathTest {

  @TempDir Path tmp;

  private Path scenario(String profileLine) throws Exception {
    Path f = tmp.resolve("dag.conf");
    Files.writeString(
        f,
        "splitemu {\n" // 1
            + "  scenario = dag\n" // 2
            + "  scheme = dag-mincut\n" // 3
            + "  fidelity = timing\n" // 4
            + "  rounds = 1, local-steps = 2, batch-size = 16\n" // 5
            + "  devices { count = 2, flops = [1e9, 2e9] }\n" // 6
            + profileLine // 7
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  @Test
  void aMissingProfile_namesScenarioLineKeyAndThePathLookedFor() throws Exception {
    String given = "../no-such-folder/net.prototxt";
    Path looked = Path.of(given).toAbsolutePath().normalize();
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario("  dag.profile = \"" + given + "\"\n").toString(),
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.err() + r.out());
    String line = r.err().strip();
    assertFalse(line.contains("\n"), line);
    assertTrue(
        line.startsWith(
            "splitemu: "
                + tmp.resolve("dag.conf")
                + ":7: splitemu.dag.profile: "
                + given
                + ": no such file (looked for "
                + looked
                + ";"),
        line);
    assertFalse(Files.exists(out));
  }

  @Test
  void aMissingProfileGivenBySet_namesTheSetOption() throws Exception {
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "plan", scenario("").toString(), "--set", "dag.profile=nowhere/net.dag.json");
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(r.err().contains("--set dag.profile=nowhere/net.dag.json"), r.err());
    assertTrue(
        r.err()
            .contains(
                "splitemu.dag.profile: nowhere/net.dag.json: no such file (looked for "
                    + Path.of("nowhere/net.dag.json").toAbsolutePath()),
        r.err());
  }

  @Test
  void noProfile_namesTheKey() throws Exception {
    ProfileCommandTest.Result r = ProfileCommandTest.cli("plan", scenario("").toString());
    assertEquals(1, r.code(), r.err() + r.out());
    // The default is reference.conf's: no file and line of the build's class path are named.
    assertTrue(
        r.err()
            .startsWith("splitemu: dag-mincut: splitemu.dag.profile: a DAG scheme needs a profile"),
        r.err());
  }
}
