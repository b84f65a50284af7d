package io.splitemu.actors.cluster;

import io.splitemu.actors.cli.ChildJvm;
import io.splitemu.actors.cli.Main;
import io.splitemu.actors.cli.NodeCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

/**
 * {@code splitemu node} members in their own JVMs on 127.0.0.1 for a test: starts them, waits for
 * each one's "up at" line, and stops every process it started on close (SIGTERM, then a forced end
 * after a grace), also when the test failed, and by a shutdown hook should the test JVM be killed.
 */
public final class LocalNodes implements AutoCloseable {

  /** How long a member has to leave the cluster and exit after SIGTERM before it is killed. */
  static final Duration GRACE = Duration.ofSeconds(15);

  /**
   * Options of a member JVM that holds no model: a small heap, and the C1 compiler only, which
   * halves the start-up CPU on a busy 2-core host.
   */
  static final List<String> SMALL_JVM =
      List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private final Path dir;
  private final List<String> jvmOptions;
  private final List<Node> nodes = new ArrayList<>();
  private final Thread reaper;

  /** Members with {@link #SMALL_JVM} options, their output in files under {@code dir}. */
  LocalNodes(Path dir) {
    this(dir, SMALL_JVM);
  }

  public LocalNodes(Path dir, List<String> jvmOptions) {
    this.dir = dir;
    this.jvmOptions = List.copyOf(jvmOptions);
    // A surefire fork killed on timeout runs no finally blocks: the hook keeps no member alive.
    this.reaper = new Thread(this::killAll, "local-nodes-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * Starts {@code splitemu node args...} in a new JVM with {@code env} added to this JVM's
   * environment (less any TLS password, which a member gets only when {@code env} has one).
   */
  public Node start(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("node"));
    command.addAll(List.of(args));
    return command(env, command);
  }

  /**
   * Starts {@code splitemu command...} (for instance a {@code run --cluster}, the supervisor's
   * member) in a new JVM, stopped on close like a node.
   */
  public synchronized Node command(Map<String, String> env, List<String> args) throws IOException {
    int index = nodes.size() + 1;
    Path out = dir.resolve("node-" + index + ".out");
    Path err = dir.resolve("node-" + index + ".err");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    // The production logging (warnings on stderr), not the test logging that writes to stdout.
    command.add("-Dlogback.configurationFile=logback.xml");
    command.addAll(ChildJvm.classPath());
    command.add(Main.class.getName());
    command.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove(ClusterConfig.PASSWORD_ENV);
    pb.environment().put("CI", "true");
    pb.environment().putAll(env);
    Node n = new Node(index, pb.start(), out, err);
    nodes.add(n);
    return n;
  }

  /** Every member started so far. */
  synchronized List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** SIGTERM to every member still running, then each one killed if it outlives the grace. */
  @Override
  public void close() throws InterruptedException {
    List<Node> all = nodes();
    for (Node n : all) {
      n.process.destroy();
    }
    long deadline = System.nanoTime() + GRACE.toNanos();
    for (Node n : all) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!n.process.waitFor(left, TimeUnit.NANOSECONDS)) {
        n.process.destroyForcibly();
        n.process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway, on processes that have ended
    }
  }

  private void killAll() {
    for (Node n : nodes()) {
      n.process.destroyForcibly();
    }
  }

  /** One member's JVM. */
  public static final class Node {
    private final int index;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private Node(int index, Process process, Path stdout, Path stderr) {
      this.index = index;
      this.process = process;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    Process process() {
      return process;
    }

    /**
     * Waits for the member's "up at" line and returns the address it printed; fails with the
     * member's stderr when it exits first or {@code timeout} passes.
     */
    public ClusterConfig.HostPort awaitUp(Duration timeout)
        throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Matcher m = upLine();
        if (m != null) {
          return new ClusterConfig.HostPort(m.group(1), Integer.parseInt(m.group(2)));
        }
        if (!process.isAlive()) {
          throw new AssertionError(
              "node " + index + " exited with " + process.exitValue() + " before up: " + stderr());
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "node "
                  + index
                  + " not up within "
                  + timeout.toSeconds()
                  + " s; stdout: "
                  + stdout()
                  + "; stderr: "
                  + stderr());
        }
        Thread.sleep(50);
      }
    }

    /** The member's "up at" line, or null while it has printed none. */
    Matcher upLine() throws IOException {
      for (String line : stdout().split("\n", -1)) {
        Matcher m = NodeCommand.UP_LINE.matcher(line);
        if (m.matches()) {
          return m;
        }
      }
      return null;
    }

    /** What the member printed on stdout so far. */
    String stdout() throws IOException {
      return Files.readString(stdout);
    }

    /** What the member printed on stderr so far. */
    String stderr() throws IOException {
      return Files.readString(stderr);
    }

    @Override
    public String toString() {
      return "node " + index + " (pid " + process.pid() + ")";
    }
  }
}
