package io.splitemu.actors.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JVM that {@link ChildJvm} runs to make the children's class-data-sharing archive: it loads
 * what the children load (a one-round timing run of the quickstart, then a {@code node} up as its
 * own seed) and exits with 0, the JVM writing the archive on its way out. Arguments: a folder for
 * the run's results, a free port, the quickstart scenario.
 */
public final class ChildJvmTraining {

  private ChildJvmTraining() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    String port = args[1];
    Path scenario = Path.of(args[2]);
    StringWriter printed = new StringWriter();
    PrintWriter w = new PrintWriter(printed, true);
    if (Files.isRegularFile(scenario)) {
      Main.run(
          w,
          w,
          "run",
          scenario.toString(),
          "--set",
          "fidelity=timing",
          "--set",
          "rounds=1",
          "--out",
          out.toString());
    }
    Thread node =
        new Thread(
            () ->
                Main.run(
                    w,
                    w,
                    "node",
                    "--roles",
                    "edge,devices",
                    "--port",
                    port,
                    "--seed-nodes",
                    "127.0.0.1:" + port),
            "training-node");
    node.setDaemon(true);
    node.start();
    long giveUp = System.nanoTime() + 60_000_000_000L;
    while (!NodeCommand.UP_LINE.matcher(printed.toString()).find()
        && node.isAlive()
        && System.nanoTime() < giveUp) {
      Thread.sleep(20);
    }
    System.out.print(printed);
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
