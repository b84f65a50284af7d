package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.results.CsvTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} on bad input: a missing folder, a folder without checkpoints, another scenario,
 * corrupt checkpoints and MP-SL each give one line naming the folder or file; a torn newest
 * checkpoint gives a warning and the one before.
 */
class CheckpointInputTest {

  @TempDir Path tmp;

  private Path scenario(String scheme) throws Exception {
    Path f = tmp.resolve(scheme + ".conf");
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = ckpt-input\n"
            + "  scheme = "
            + scheme
            + "\n  rounds = 3\n"
            + "  local-steps = 2\n"
            + "  fidelity = timing\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n"
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  private static final String[] EVERY = {"--set", "checkpoint.every=1"};

  /**
   * Resumes the run in {@code dir}, first made to look killed after its last round's row ({@link
   * CheckpointResumeTest#asKilledAtItsEnd}: a finished run is refused).
   */
  private static ProfileCommandTest.Result resume(Path scenario, Path dir, String... more)
      throws Exception {
    CheckpointResumeTest.asKilledAtItsEnd(dir);
    String[] args = {"run", scenario.toString(), EVERY[0], EVERY[1]};
    String[] all = Arrays.copyOf(args, args.length + more.length + 2);
    System.arraycopy(more, 0, all, args.length, more.length);
    all[all.length - 2] = "--resume";
    all[all.length - 1] = dir.toString();
    return ProfileCommandTest.cli(all);
  }

  /** The run failed with one line that contains {@code what}. */
  private static void oneLine(ProfileCommandTest.Result r, String what) {
    assertEquals(1, r.code(), r.err() + r.out());
    List<String> lines = r.err().strip().lines().toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).startsWith("splitemu: ") && lines.get(0).contains(what), r.err());
  }

  @Test
  void badResumes_failWithOneLine_andATornNewestCheckpointFallsBackToTheOneBefore()
      throws Exception {
    Path scenario = scenario("psl");
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli(
            "run", scenario.toString(), "--out", out.toString(), EVERY[0], EVERY[1]);
    assertEquals(0, a.code(), a.err());
    List<List<String>> rounds = CsvTable.read(out.resolve("rounds.csv"));
    Path first = out.resolve("checkpoints/round-000001.ckpt");
    Path second = out.resolve("checkpoints/round-000002.ckpt");
    assertTrue(Files.isRegularFile(first) && Files.isRegularFile(second));

    Path missing = tmp.resolve("nope");
    oneLine(resume(scenario, missing), missing + " does not exist");
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    oneLine(resume(scenario, plain), plain + " holds no checkpoint");
    // Again: the lock's file the refusal left does not make it a start cut short (earlier on
    // 2026-12-07 the second try ran there).
    oneLine(resume(scenario, plain), plain + " holds no checkpoint");
    oneLine(
        resume(scenario, out, "--set", "rounds=4"), out + " was run with another configuration");

    // A checkpoint torn by a kill: a warning naming it, and the run goes on from the one before.
    // Keys that watch the run or bound its wall-clock waits may differ in a resume (another
    // metrics port, a longer watchdog on a busier machine): they change no figure.
    byte[] whole = Files.readAllBytes(second);
    Files.write(second, Arrays.copyOf(whole, whole.length / 2));
    ProfileCommandTest.Result r =
        resume(
            scenario,
            out,
            "--set",
            "barrier.timeout=90s",
            "--set",
            "metrics.port=9999",
            "--set",
            "cluster-run.load-timeout=30s");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains(second + " is corrupt or torn"), r.err());
    assertTrue(r.err().contains("resuming from the one before"), r.err());
    List<List<String>> again = CsvTable.read(out.resolve("rounds.csv"));
    assertEquals(rounds.size(), again.size());
    for (int i = 0; i < rounds.size(); i++) {
      assertEquals(rounds.get(i).subList(0, 14), again.get(i).subList(0, 14));
    }

    // A newest checkpoint whose version field is corrupt (bytes 8-11, outside the body): corrupt
    // like a torn one, skipped with the same line, not refused as of another format version.
    byte[] flipped = Files.readAllBytes(second);
    java.nio.ByteBuffer.wrap(flipped).putInt(8, 5);
    Files.write(second, flipped);
    ProfileCommandTest.Result f = resume(scenario, out);
    assertEquals(0, f.code(), f.err());
    assertTrue(f.err().contains(second + " is corrupt or torn"), f.err());
    assertTrue(f.err().contains("resuming from the one before"), f.err());
    assertEquals(rounds.size(), CsvTable.read(out.resolve("rounds.csv")).size());

    // A newest checkpoint of another format version, as a build of format 5 wrote it (version
    // field 5, the CRC-32 of the body after it): refused at once in one line naming the file and
    // both versions, not skipped for the one before (which a build of format 5 wrote too).
    byte[] other = Files.readAllBytes(second);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(other, 12, other.length - 20);
    java.nio.ByteBuffer.wrap(other).putInt(8, 5).putLong(other.length - 8, crc.getValue());
    Files.write(second, other);
    String rows = Files.readString(out.resolve("rounds.csv"));
    ProfileCommandTest.Result o = resume(scenario, out);
    oneLine(
        o,
        "checkpoint "
            + second
            + " is of checkpoint format version 5; this build reads version 6: resume it with the"
            + " splitemu build that wrote it, or run the scenario again");
    assertEquals(rows, Files.readString(out.resolve("rounds.csv")), "the folder as it was");

    // Nothing readable left: one line naming the last file tried.
    Files.write(first, "not a checkpoint".getBytes());
    Files.write(second, new byte[0]);
    ProfileCommandTest.Result bad = resume(scenario, out);
    assertEquals(1, bad.code(), bad.err());
    List<String> said = bad.err().strip().lines().toList();
    assertTrue(said.get(said.size() - 1).contains(first.toString()), bad.err());
    assertTrue(said.get(said.size() - 1).contains("corrupt"), bad.err());
  }

  @Test
  void aNegativeCheckpointEvery_isRefusedWithOneLineNamingTheKey() throws Exception {
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", scenario("psl").toString(), "--set", "checkpoint.every=-1");
    oneLine(r, "checkpoint.every");
  }

  @Test
  void anAvailabilityFileEditedAfterTheRun_isAnotherRun() throws Exception {
    Path scenario = scenario("psl");
    Path churn = tmp.resolve("churn.csv");
    Files.writeString(churn, "device,offline_from_s,offline_until_s\n1,0.5,1.5\n");
    String[] avail = {"--set", "availability=\"" + churn + "\""};
    Path out = tmp.resolve("churned");
    ProfileCommandTest.Result a =
        ProfileCommandTest.cli(
            "run",
            scenario.toString(),
            "--out",
            out.toString(),
            EVERY[0],
            EVERY[1],
            avail[0],
            avail[1]);
    assertEquals(0, a.code(), a.err());
    Files.writeString(churn, "device,offline_from_s,offline_until_s\n2,0.5,1.5\n");
    oneLine(resume(scenario, out, avail), out + " was run with another configuration");
  }

  /**
   * A file given to --resume of run or compare is said to be a file (before: "results folder F does
   * not exist", although it exists).
   */
  @Test
  void aFileGivenToResume_isSaidToBeAFile() throws Exception {
    Path scenario = scenario("psl");
    Path file = Files.writeString(tmp.resolve("notes.md"), "x\n");
    String said = "--resume: " + file + " is a file, not a results folder";
    oneLine(
        ProfileCommandTest.cli(
            "run", scenario.toString(), EVERY[0], EVERY[1], "--resume", file.toString()),
        said);
    oneLine(
        ProfileCommandTest.cli(
            "compare",
            scenario.toString(),
            "--schemes",
            "sl,psl",
            EVERY[0],
            EVERY[1],
            "--resume",
            file.toString()),
        said);
  }

  /**
   * A resume hint starts as splitemu was started (the launcher's {@code -Dsplitemu.launcher}): a
   * run's folder given to compare --resume says to resume it with {@code ./splitemu run ...}, and
   * with a bare {@code splitemu} without the property.
   */
  @Test
  void aResumeHint_startsWithTheLauncher() throws Exception {
    Path scenario = scenario("psl");
    Path runDir = Files.createDirectories(tmp.resolve("a-run"));
    Files.writeString(runDir.resolve("scenario.conf"), "splitemu { scenario = x }\n");
    String[] args = {
      "compare", scenario.toString(), "--schemes", "sl,psl", "--resume", runDir.toString()
    };
    String hint = " resume it with ";
    String before = System.getProperty("splitemu.launcher");
    try {
      System.setProperty("splitemu.launcher", "./splitemu");
      ProfileCommandTest.Result r = ProfileCommandTest.cli(args);
      oneLine(r, hint + "./splitemu run " + scenario + " --resume " + runDir);
      System.clearProperty("splitemu.launcher");
      r = ProfileCommandTest.cli(args);
      oneLine(r, hint + "splitemu run " + scenario + " --resume " + runDir);
    } finally {
      if (before == null) {
        System.clearProperty("splitemu.launcher");
      } else {
        System.setProperty("splitemu.launcher", before);
      }
    }
  }
}
