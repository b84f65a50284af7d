package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --resume} of another configuration names the keys that differ from the results folder's
 * {@code scenario.conf}, leaving out those a resume may change.
 */
class ResumeRefusalTest {

  @TempDir Path tmp;

  @Test
  void anotherConfiguration_namesTheFirstDifferingKeys_notTheOnesAResumeMayChange()
      throws Exception {
    Path scenario = tmp.resolve("psl.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = resume-diff\n"
            + "  rounds = 3, local-steps = 2, fidelity = timing\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  output.plots = false\n"
            + "  checkpoint.every = 1\n"
            + "}\n");
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", out.toString());
    assertEquals(0, a.code(), a.err());

    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario.toString(),
            "--set",
            "rounds=6",
            "--set",
            "seed=7",
            "--set",
            "metrics.port=9999",
            "--set",
            "barrier.timeout=90s",
            "--resume",
            out.toString());
    assertEquals(1, r.code(), r.err());
    List<String> lines = r.err().strip().lines().toList();
    assertEquals(1, lines.size(), r.err());
    String line = lines.get(0);
    assertTrue(line.contains(out + " was run with another configuration"), line);
    assertTrue(line.contains("splitemu.rounds: 3 in the run, 6 here"), line);
    assertTrue(line.contains("splitemu.seed: 1 in the run, 7 here"), line);
    assertFalse(line.contains("metrics"), line);
    assertFalse(line.contains("barrier.timeout"), line);

    // More than three keys: the first three, then how many more.
    ProfileCommandTest.Result many =
        ProfileCommandTest.cli(
            "run",
            scenario.toString(),
            "--set",
            "rounds=6",
            "--set",
            "seed=7",
            "--set",
            "batch-size=8",
            "--set",
            "local-steps=3",
            "--set",
            "eval-every=2",
            "--resume",
            out.toString());
    assertEquals(1, many.code(), many.err());
    assertTrue(many.err().contains("; and 2 more keys)"), many.err());
  }

  @Test
  void anEditedAvailabilityFile_isSaidToDifferInTheFaultsNotInAKey() throws Exception {
    Path churn = tmp.resolve("churn.csv");
    Files.writeString(churn, "device,offline_from_s,offline_until_s\n1,0.5,1.5\n");
    Path scenario = tmp.resolve("churn.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = resume-churn\n"
            + "  rounds = 2, local-steps = 2, fidelity = timing\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  output.plots = false\n"
            + "  checkpoint.every = 1\n"
            + "  availability = churn.csv\n"
            + "}\n");
    Path out = tmp.resolve("churned");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", out.toString());
    assertEquals(0, a.code(), a.err());
    Files.writeString(churn, "device,offline_from_s,offline_until_s\n2,0.5,1.5\n");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", scenario.toString(), "--resume", out.toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(
        r.err()
            .contains(
                "(no key differs from its scenario.conf: the faults as read do: the availability"
                    + " file "
                    + churn
                    + " as read differs)"),
        r.err());
  }
}
