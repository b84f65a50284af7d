package io.splitemu.actors.cli;

import io.splitemu.actors.cluster.ClusterConfig;
import io.splitemu.actors.cluster.ClusterOptionException;
import io.splitemu.actors.results.Units;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options every cluster member takes (seed nodes, bind address, port, TLS), as a picocli mixin
 * shared by {@code node} and a cluster {@code run}; the command adds the roles.
 */
public final class ClusterOptions {

  @Option(
      names = "--seed-nodes",
      split = ",",
      paramLabel = "HOST:PORT",
      description = "members to join at, comma-separated")
  List<String> seedNodes = new ArrayList<>();

  @Option(
      names = "--bind",
      paramLabel = "HOST",
      description = "address to bind and be reached at (default: ${DEFAULT-VALUE})",
      defaultValue = ClusterConfig.DEFAULT_BIND)
  String bind;

  @Option(
      names = "--port",
      paramLabel = "P",
      description = "port to bind; 0 picks a free one (default: ${DEFAULT-VALUE})",
      defaultValue = "0")
  int port;

  @Option(
      names = "--tls-keystore",
      paramLabel = "FILE",
      description = "PKCS12 key store with this member's key: turns TLS on")
  Path tlsKeyStore;

  @Option(
      names = "--tls-truststore",
      paramLabel = "FILE",
      description = "PKCS12 trust store with the CA (or certificates) of the members to accept")
  Path tlsTrustStore;

  @Option(
      names = "--tls-password-file",
      paramLabel = "FILE",
      description =
          "file whose first line is the stores' password (default: the environment variable "
              + ClusterConfig.PASSWORD_ENV
              + ")")
  Path tlsPasswordFile;

  /**
   * The first of these options given on {@code spec}'s command line (a {@code run} without {@code
   * --cluster} refuses it), or null.
   */
  String givenOption(CommandLine.Model.CommandSpec spec) {
    for (String name :
        List.of(
            "--seed-nodes",
            "--bind",
            "--port",
            "--tls-keystore",
            "--tls-truststore",
            "--tls-password-file")) {
      if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
        return name;
      }
    }
    return null;
  }

  /**
   * These options as given on {@code spec}'s command line, as words for a POSIX shell (each
   * preceded by a space; empty when none was given): what a command to paste (a resume) repeats so
   * that it joins the same cluster the same way.
   */
  String shellOptions(CommandLine.Model.CommandSpec spec) {
    CommandLine.ParseResult given = spec.commandLine().getParseResult();
    StringBuilder b = new StringBuilder();
    shellOption(b, given, "--seed-nodes", String.join(",", seedNodes));
    shellOption(b, given, "--bind", bind);
    shellOption(b, given, "--port", port);
    return b + tlsShellOptions(spec);
  }

  /**
   * The TLS options of {@link #shellOptions} alone (deploy/local-cluster.sh sets the others itself
   * and refuses them).
   */
  String tlsShellOptions(CommandLine.Model.CommandSpec spec) {
    CommandLine.ParseResult given = spec.commandLine().getParseResult();
    StringBuilder b = new StringBuilder();
    shellOption(b, given, "--tls-keystore", tlsKeyStore);
    shellOption(b, given, "--tls-truststore", tlsTrustStore);
    shellOption(b, given, "--tls-password-file", tlsPasswordFile);
    return b.toString();
  }

  /** Appends {@code " NAME VALUE"} (VALUE quoted for the shell) if option NAME was given. */
  private static void shellOption(
      StringBuilder b, CommandLine.ParseResult given, String name, Object value) {
    if (given.hasMatchedOption(name)) {
      b.append(' ').append(name).append(' ').append(RunCommand.shellWord(String.valueOf(value)));
    }
  }

  /** An IPv4 address as given, not a name to look up. */
  private static final Pattern ADDRESS = Pattern.compile("[0-9.]+");

  /**
   * {@link ClusterConfig#checkBindable}, retried about once a second for up to {@code wait} while
   * {@code host} is a name; the refusal of the last attempt once that has passed.
   */
  static void awaitBindable(String host, Duration wait, PrintWriter err) {
    long deadline = System.nanoTime() + wait.toNanos();
    boolean said = false;
    while (true) {
      try {
        ClusterConfig.checkBindable(host);
        return;
      } catch (ClusterOptionException e) {
        long left = deadline - System.nanoTime();
        if (ADDRESS.matcher(host).matches() || left <= 0) {
          throw e;
        }
        if (!said) {
          err.println(
              "splitemu: --bind "
                  + host
                  + ": waiting up to "
                  + Units.exactSeconds(wait)
                  + " for it to resolve to an address of this machine");
          err.flush();
          said = true;
        }
        try {
          Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 1000)));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** The seed nodes as given (empty when none). */
  public List<String> seedNodes() {
    return List.copyOf(seedNodes);
  }

  /**
   * The validated member options with {@code roles}; a wrong option is a usage error of {@code
   * spec}'s command (one line, exit code 2), naming the option.
   *
   * @param env the environment the TLS password may come from
   */
  public ClusterConfig toClusterConfig(
      CommandLine.Model.CommandSpec spec, Collection<String> roles, Map<String, String> env) {
    return toClusterConfig(spec, roles, env, Duration.ZERO);
  }

  /**
   * As {@link #toClusterConfig(CommandLine.Model.CommandSpec, Collection, Map)}, where a {@code
   * --bind} that is a name (not an address) and does not resolve to an address of this machine yet
   * is looked up again for up to {@code bindWait}, with one line on stderr saying so, before it is
   * refused as it is at once with {@code Duration.ZERO}: a Kubernetes pod's own DNS record may
   * appear (or a cache drop its previous pod's address) only after the pod has started.
   */
  public ClusterConfig toClusterConfig(
      CommandLine.Model.CommandSpec spec,
      Collection<String> roles,
      Map<String, String> env,
      Duration bindWait) {
    try {
      // Roles, seeds, bind and port first: they are cheap to check, the stores are opened after.
      ClusterConfig plain =
          ClusterConfig.parse(new ArrayList<>(roles), seedNodes, bind, port, null);
      // Before the actor system starts: Artery reports an unresolvable or foreign address only
      // with a stack trace.
      awaitBindable(plain.bindHost(), bindWait, spec.commandLine().getErr());
      for (ClusterConfig.HostPort seed : plain.seedNodes()) {
        if (!ClusterConfig.resolves(seed.host())) {
          PrintWriter err = spec.commandLine().getErr();
          err.println(
              "splitemu: --seed-nodes "
                  + seed
                  + ": cannot resolve host (yet); trying to join until it does");
          err.flush();
        }
      }
      ClusterConfig.Tls tls =
          ClusterConfig.Tls.of(tlsKeyStore, tlsTrustStore, tlsPasswordFile, env);
      if (tls != null) {
        // A key that expires soon still starts the member, with one line per certificate.
        PrintWriter err = spec.commandLine().getErr();
        for (String w : tls.warnings(java.time.Instant.now())) {
          err.println("splitemu: " + w);
        }
        err.flush();
      }
      return new ClusterConfig(
          plain.roles(),
          plain.seedNodes(),
          plain.bindHost(),
          plain.port(),
          Optional.ofNullable(tls));
    } catch (ClusterOptionException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }
}
