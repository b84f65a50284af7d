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
    CheckpointResumeTest.asKilledAtItsEnd(out); // a finished run is refused as such

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
    CheckpointResumeTest.asKilledAtItsEnd(out); // a finished run is refused as such
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

  /**
   * A trace file edited between a run and its {@code --resume} is refused in one line naming it
   * (the keys are the same; the rounds after the checkpoint would run on another trace than those
   * before it), leaving the folder as it was; the file as it was resumes. A checkpoint of an
   * earlier build, which records no file digests, resumes as before.
   */
  @Test
  void anEditedTraceFile_isRefusedNamingIt_andTheFileAsItWasResumes() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Path trace = in.resolve("up.csv");
    String rows = "0.0\t10.0\n1.0\t20.0\n2.0\t15.0\n";
    Files.writeString(trace, rows);
    Path scenario = in.resolve("traced.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = resume-trace\n"
            + "  rounds = 2, local-steps = 2, batch-size = 16, fidelity = timing\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  links { kind = trace, trace { format = pensieve, uplink = [up.csv] } }\n"
            + "  output.plots = false\n"
            + "  checkpoint.every = 1\n"
            + "}\n");
    Path out = tmp.resolve("traced");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli("run", scenario.toString(), "--out", out.toString());
    assertEquals(0, a.code(), a.err());
    CheckpointResumeTest.asKilledAtItsEnd(out); // a finished run is refused as such
    java.util.Map<String, String> before = files(out);

    Files.writeString(trace, rows.replace("20.0", "2.0"));
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", scenario.toString(), "--resume", out.toString());
    assertEquals(1, r.code(), r.err());
    assertEquals(
        List.of(
            "splitemu: --resume: "
                + out
                + " was run with other inputs than "
                + scenario
                + " (no key differs from its scenario.conf: the trace file "
                + trace.toAbsolutePath()
                + " as read differs)"),
        r.err().lines().toList());
    assertEquals(before, files(out), "the refusal changed the folder");

    Files.writeString(trace, rows);
    r = ProfileCommandTest.cli("run", scenario.toString(), "--resume", out.toString());
    assertEquals(0, r.code(), r.err());

    // A checkpoint of an earlier build holds the configuration's fingerprint alone: it resumes
    // without a check of the files, as that build's resume did.
    Path file = io.splitemu.actors.runtime.Checkpoints.file(out, 1);
    io.splitemu.actors.runtime.Checkpoint c = io.splitemu.actors.runtime.Checkpoints.read(file);
    assertTrue(c.fingerprint().contains("\n"), "no file digests recorded");
    Files.write(
        file,
        io.splitemu.actors.runtime.Checkpoints.encode(
            withFingerprint(
                c, io.splitemu.actors.runtime.Checkpoints.configurationOf(c.fingerprint()))));
    Files.writeString(trace, rows.replace("20.0", "2.0"));
    CheckpointResumeTest.asKilledAtItsEnd(out);
    r = ProfileCommandTest.cli("run", scenario.toString(), "--resume", out.toString());
    assertEquals(0, r.code(), r.err());
  }

  // The checkpoint with another fingerprint, every other component as it is.
  private static io.splitemu.actors.runtime.Checkpoint withFingerprint(
      io.splitemu.actors.runtime.Checkpoint c, String fingerprint) throws Exception {
    var parts = io.splitemu.actors.runtime.Checkpoint.class.getRecordComponents();
    Object[] values = new Object[parts.length];
    Class<?>[] types = new Class<?>[parts.length];
    for (int i = 0; i < parts.length; i++) {
      types[i] = parts[i].getType();
      values[i] =
          parts[i].getName().equals("fingerprint") ? fingerprint : parts[i].getAccessor().invoke(c);
    }
    return io.splitemu.actors.runtime.Checkpoint.class
        .getDeclaredConstructor(types)
        .newInstance(values);
  }

  /** Every file of {@code dir} and below but the plots, by its relative path, with its bytes. */
  private static java.util.Map<String, String> files(Path dir) throws Exception {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    try (var all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (Files.isRegularFile(p) && !p.toString().endsWith(".png")) {
          out.put(
              dir.relativize(p).toString(),
              java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
        }
      }
    }
    return out;
  }
}
