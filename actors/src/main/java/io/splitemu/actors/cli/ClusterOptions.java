package io.splitemu.actors.cli;

import io.splitemu.actors.cluster.ClusterConfig;
import io.splitemu.actors.cluster.ClusterOptionException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    try {
      // Roles, seeds, bind and port first: they are cheap to check, the stores are opened after.
      ClusterConfig plain =
          ClusterConfig.parse(new ArrayList<>(roles), seedNodes, bind, port, null);
      // Before the actor system starts: Artery reports an unresolvable or foreign address only
      // with a stack trace.
      ClusterConfig.checkBindable(plain.bindHost());
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
