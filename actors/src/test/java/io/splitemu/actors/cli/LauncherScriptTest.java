package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code splitemu} launcher, run by bash on a copy of the repository's layout
 * whose {@code mvnw} and {@code java} are stand-in scripts that count their calls: the launcher's
 * own logic (staleness, the build lock) is what is tested, not Maven or the JVM.
 */
class LauncherScriptTest {

  /** The repository root: Maven runs the actors tests in the actors folder. */
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static void script(Path file, String body) throws Exception {
    Files.writeString(file, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
  }

  /** A repository copy holding the launcher, a source file and a slow stand-in build. */
  private static Path repo(Path tmp) throws Exception {
    Path repo = Files.createDirectories(tmp.resolve("repo"));
    Files.copy(ROOT.resolve("splitemu"), repo.resolve("splitemu"));
    for (String module : List.of("model", "network-emulation", "planner", "actors")) {
      Files.createDirectories(repo.resolve(module).resolve("src/main/java"));
    }
    Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
    Files.writeString(repo.resolve("model/src/main/java/A.java"), "class A {}\n");
    // The build takes a while, as Maven does, before the jar appears.
    script(
        repo.resolve("mvnw"),
        "echo build >> \"$CALLS/mvnw\"\nsleep 2\nmkdir -p actors/target\n"
            + "touch actors/target/splitemu-cli.jar\n");
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    script(
        bin.resolve("java"),
        "case \"$1\" in -XshowSettings*) echo '    java.specification.version = 17'; exit 0;;"
            + " esac\n"
            + "echo run >> \"$CALLS/java\"\n");
    return repo;
  }

  private static Process launch(Path repo, Path tmp) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("bash", repo.resolve("splitemu").toString(), "--version")
            .directory(tmp.toFile())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("out-" + System.nanoTime() + ".txt").toFile());
    pb.environment().put("PATH", tmp.resolve("bin") + File.pathSeparator + System.getenv("PATH"));
    pb.environment().put("CALLS", tmp.resolve("calls").toString());
    return pb.start();
  }

  private static int lines(Path file) throws Exception {
    return Files.exists(file) ? Files.readAllLines(file).size() : 0;
  }

  @Test
  void launchersStartedTogether_buildOnce_andAllRun(@TempDir Path tmp) throws Exception {
    Path repo = repo(tmp);
    Files.createDirectories(tmp.resolve("calls"));
    List<Process> launchers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      launchers.add(launch(repo, tmp));
    }
    for (Process p : launchers) {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        launchers.forEach(Process::destroyForcibly);
        throw new AssertionError("a launcher did not finish within 60 s");
      }
      assertEquals(0, p.exitValue());
    }
    assertEquals(1, lines(tmp.resolve("calls/mvnw")), "builds");
    assertEquals(3, lines(tmp.resolve("calls/java")), "runs");

    // Fresh jar: no build; a source newer than the jar: one build again.
    launch(repo, tmp).waitFor(60, TimeUnit.SECONDS);
    assertEquals(1, lines(tmp.resolve("calls/mvnw")), "builds with a fresh jar");
    Path source = repo.resolve("model/src/main/java/A.java");
    Files.setLastModifiedTime(
        source, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    launch(repo, tmp).waitFor(60, TimeUnit.SECONDS);
    assertEquals(2, lines(tmp.resolve("calls/mvnw")), "builds after a source changed");
    assertEquals(5, lines(tmp.resolve("calls/java")), "runs");
  }

  /**
   * The launcher tells the CLI how it was started ($0), and the hints to paste (resume with: ...)
   * start with that (before: always a bare "splitemu", which fails in the checkout unless on PATH).
   */
  @Test
  void theLauncher_passesHowItWasStarted_toTheHints(@TempDir Path tmp) throws Exception {
    Path repo = repo(tmp);
    Files.createDirectories(tmp.resolve("calls"));
    Path bin = tmp.resolve("bin");
    script(
        bin.resolve("java"),
        "case \"$1\" in -XshowSettings*) echo '    java.specification.version = 17'; exit 0;;"
            + " esac\n"
            + "printf '%s\\n' \"$@\" >> \"$CALLS/args\"\n");
    Process p = launch(repo, tmp);
    assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
    List<String> args = Files.readAllLines(tmp.resolve("calls/args"));
    assertEquals(
        true, args.contains("-Dsplitemu.launcher=" + repo.resolve("splitemu")), args.toString());

    String before = System.getProperty("splitemu.launcher");
    try {
      System.clearProperty("splitemu.launcher");
      assertEquals("splitemu", RunCommand.launcher());
      System.setProperty("splitemu.launcher", "./splitemu");
      assertEquals("./splitemu", RunCommand.launcher());
      System.setProperty("splitemu.launcher", "/opt/my tools/splitemu");
      assertEquals("'/opt/my tools/splitemu'", RunCommand.launcher());
    } finally {
      if (before == null) {
        System.clearProperty("splitemu.launcher");
      } else {
        System.setProperty("splitemu.launcher", before);
      }
    }
  }
}
