package io.splitemu.actors.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code splitemu} command line: one subcommand per FORMATS.md contract. */
@Command(
    name = "splitemu",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A split-learning cluster emulator on Apache Pekko.",
    subcommands = {
      RunCommand.class,
      CompareCommand.class,
      ProfileCommand.class,
      SplitCommand.class,
      TraceCommand.class,
      PlanCommand.class,
      // further subcommands are registered here, one line each
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the CLI and returns its exit code; tests call this instead of {@link #main}. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(new UserErrors());
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("splitemu: " + ex.getMessage());
          return 2;
        });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(out, err, args));
  }

  /** Prints a user's mistake as one line, without a stack trace. */
  static final class UserErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
      if (ex instanceof UserException
          || ex instanceof IllegalArgumentException
          || ex instanceof java.io.IOException
          || ex instanceof java.io.UncheckedIOException) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cl.getErr().println("splitemu: " + msg.replace('\n', ' '));
        return 1;
      }
      throw new IllegalStateException(ex);
    }
  }

  /** Reads the project version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"splitemu " + (v == null ? "dev" : v)};
    }
  }
}
