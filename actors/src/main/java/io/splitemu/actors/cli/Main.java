package io.splitemu.actors.cli;

import io.splitemu.actors.results.IoReasons;
import io.splitemu.actors.runtime.RunFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.slf4j.LoggerFactory;
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
      NodeCommand.class,
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
    cli.setExecutionStrategy(
        parsed -> {
          Integer help = CommandLine.executeHelpRequest(parsed);
          if (help != null) {
            return help;
          }
          // run's SIGTERM handler before logging is set up (half a second or more): from here on
          // a SIGTERM stops the run, before it began too, with one line.
          CommandLine.ParseResult sub = parsed.subcommand();
          if (sub != null && sub.commandSpec().userObject() instanceof RunCommand run) {
            run.installSigtermAtStart();
          }
          // SLF4J binds its provider on the first logger asked for. If that first call races
          // with another thread's (the actor system's Slf4jLogger starts on a dispatcher thread
          // while the main thread builds its logging filter), the losers get substitute loggers
          // and SLF4J prints three "replay" warnings when it hands their calls on. Binding here,
          // on the one thread that exists yet, leaves no call to substitute. (Not for -V and
          // --help, which log nothing and would wait for logback's configuration.)
          LoggerFactory.getILoggerFactory();
          return new CommandLine.RunLast().execute(parsed);
        });
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
      if (ex instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
        // The JDK's message is often the bare path: name the file and why it failed.
        msg = f.getFile() + ": " + IoReasons.reason(f, java.nio.file.Path.of(f.getFile()));
      }
      return msg.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }
  }

  /** The project version, from a resource the build fills in from the Maven project version. */
  static final class Version implements CommandLine.IVersionProvider {
    /** The resource, next to this class in the jar and in the build's classes folder alike. */
    static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() {
      return new String[] {"splitemu " + projectVersion()};
    }

    /** The Maven project version this build was made from. */
    static String projectVersion() {
      try (InputStream in = Main.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              RESOURCE + " is missing: the build did not filter the actors resources");
        }
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (v.isBlank() || v.startsWith("${")) {
          throw new IllegalStateException(RESOURCE + " holds no version: " + v);
        }
        return v;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + RESOURCE, e);
      }
    }
  }
}
