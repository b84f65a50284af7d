package io.splitemu.actors.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code splitemu} command in its own JVM for a test, with CI=true and its output in files,
 * ended forcibly on close or, should the test JVM be killed, by a shutdown hook.
 */
public final class ChildRun implements AutoCloseable {

  /**
   * Options of every child JVM: the C1 compiler only and the serial collector, as the cluster
   * tests' member JVMs have (LocalNodes). A child runs seconds, not hours: C2's compilations and
   * G1's threads only took CPU from the other processes of a test on a 2-core host (a small psl run
   * took 4.4 s of CPU with them, 2.3 s without). Java's floating point is the same in every tier.
   */
  static final List<String> CHILD_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private final Process process;
  private final Thread hook;
  private final Path stdout;
  private final Path stderr;

  private ChildRun(Process process, Thread hook, Path stdout, Path stderr) {
    this.process = process;
    this.hook = hook;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts {@code splitemu args...} with its stdout and stderr in files under {@code tmp}. */
  public static ChildRun start(Path tmp, String... args) throws IOException {
    return start(tmp, List.of(), args);
  }

  /**
   * As {@link #start(Path, String...)}, with {@code jvmOptions} (such as {@code
   * -Dpekko.actor.serialize-messages=on}, which the test JVM has and a child does not inherit).
   */
  public static ChildRun start(Path tmp, List<String> jvmOptions, String... args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(CHILD_JVM);
    command.addAll(jvmOptions);
    command.addAll(ChildJvm.classPath());
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    Path stdout = tmp.resolve("stdout.txt");
    Path stderr = tmp.resolve("stderr.txt");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    pb.environment().put("CI", "true");
    Process p = pb.start();
    // A surefire fork killed on timeout runs no finally blocks: the hook keeps the child from
    // outliving it.
    Thread hook = new Thread(p::destroyForcibly, "child-run-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
    return new ChildRun(p, hook, stdout, stderr);
  }

  /** The child process. */
  public Process process() {
    return process;
  }

  /** What the child printed to stdout so far. */
  public String stdout() throws IOException {
    return Files.readString(stdout);
  }

  /** What the child printed to stderr so far. */
  public String stderr() throws IOException {
    return Files.readString(stderr);
  }

  /** The file that holds the child's stderr. */
  public Path stderrFile() {
    return stderr;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs anyway, on a process that has ended
    }
  }
}
