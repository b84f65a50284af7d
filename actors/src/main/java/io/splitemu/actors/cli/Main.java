package io.splitemu.actors.cli;

import io.splitemu.actors.runtime.RunFailedException;
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

  /**
   * Runs the CLI and returns its exit code; tests call this instead of {@link #main}. The
   * environment variable {@code SPLITEMU_DEBUG=1} adds the stack trace to every error line.
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(out, err, debugFromEnvironment(), args);
  }

  /**
   * As {@link #run(PrintWriter, PrintWriter, String...)}, with stack traces on if {@code debug}.
   */
  static int run(PrintWriter out, PrintWriter err, boolean debug, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(new UserErrors(debug));
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

  private static boolean debugFromEnvironment() {
    String v = System.getenv("SPLITEMU_DEBUG");
    return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  /**
   * Prints a user's mistake or a failed run as one line, without a stack trace (exit code 1); an
   * unexpected exception is a bug and keeps its stack trace (exit code 70, as sysexits'
   * EX_SOFTWARE). With {@code debug} every line is followed by its stack trace.
   */
  static final class UserErrors implements CommandLine.IExecutionExceptionHandler {
    private final boolean debug;

    UserErrors(boolean debug) {
      this.debug = debug;
    }

    @Override
    public int handleExecutionException(
        Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
      PrintWriter err = cl.getErr();
      if (ex instanceof RunFailedException f) {
        // The run started and stopped: the rows it recorded stay in its folder.
        String where =
            f.resultsDir() == null
                ? ""
                : "; the rounds recorded so far are in " + f.resultsDir().toAbsolutePath();
        err.println("splitemu: " + oneLine(f) + where);
        trace(err, ex);
        return 1;
      }
      if (ex instanceof UserException
          || ex instanceof IllegalArgumentException
          || ex instanceof java.io.IOException
          || ex instanceof java.io.UncheckedIOException) {
        err.println("splitemu: " + oneLine(ex));
        trace(err, ex);
        return 1;
      }
      err.println("splitemu: internal error (a bug, please report it with this trace): " + ex);
      ex.printStackTrace(err);
      err.flush();
      return 70;
    }

    private void trace(PrintWriter err, Exception ex) {
      if (debug) {
        ex.printStackTrace(err);
      }
      err.flush();
    }

    private static String oneLine(Exception ex) {
      String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
      return msg.replace('\n', ' ');
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
