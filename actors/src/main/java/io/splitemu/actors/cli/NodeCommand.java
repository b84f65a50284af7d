package io.splitemu.actors.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.cluster.ClusterConfig;
import io.splitemu.actors.cluster.MemberGuardian;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.metrics.MemberMetrics;
import io.splitemu.actors.metrics.Metrics;
import io.splitemu.actors.runtime.DeviceEntities;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.MemberStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code splitemu node}: starts one cluster member serving its roles, prints one line when it is
 * up, and runs until stopped; SIGTERM leaves the cluster gracefully (docs/cluster.md).
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Starts one cluster member serving ROLEs, joins at the seed nodes and runs until stopped;"
            + " SIGTERM leaves the cluster gracefully.")
public final class NodeCommand implements Callable<Integer> {

  /** The roles a node may serve; the supervisor is the JVM of a cluster {@code run}. */
  public static final List<String> NODE_ROLES = List.of("edge", "devices", "hops");

  /**
   * The one line a node prints on stdout once it is Up: its host, port and roles (comma-separated,
   * in the order given), as {@link #upLine} writes it.
   */
  public static final Pattern UP_LINE =
      Pattern.compile("splitemu node: up at (\\S+):([0-9]+) with roles (\\S+)");

  /** The system property that bounds the wait for a {@code --bind} name ({@link #bindWait}). */
  public static final String BIND_WAIT_PROPERTY = "splitemu.node.bind-wait";

  private static final Duration DEFAULT_BIND_WAIT = Duration.ofSeconds(60);

  /** The exit status of a member that the cluster downed (it was unreachable). */
  static final int DOWNED_STATUS = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"--roles", "--role"},
      required = true,
      split = ",",
      paramLabel = "ROLE",
      description = "roles to serve, comma-separated: edge, devices, hops")
  List<String> roles = new ArrayList<>();

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--metrics-port",
      paramLabel = "P",
      description =
          "serve Prometheus metrics of this member (its JVM, the cluster's members, its device"
              + " entities) on port P (0 picks a free one); off unless given")
  Integer metricsPort;

  @Option(
      names = "--metrics-bind",
      paramLabel = "HOST",
      description = "address the metrics endpoint binds to (default: 127.0.0.1)")
  String metricsBind = "127.0.0.1";

  @Override
  public Integer call() {
    for (String r : roles) {
      if (!NODE_ROLES.contains(r)) {
        throw usage(
            "--roles "
                + (r.isEmpty() ? "(empty)" : r)
                + ": "
                + (r.equals("supervisor")
                    ? "the supervisor is the JVM of `splitemu run --cluster`"
                    : "unknown role")
                + "; a node serves "
                + String.join(", ", NODE_ROLES));
      }
    }
    if (cluster.seedNodes().isEmpty()) {
      throw usage("--seed-nodes: required; give HOST:PORT of at least one member to join");
    }
    ClusterConfig config = cluster.toClusterConfig(spec, roles, System.getenv(), bindWait());
    // The endpoint first: a port in use is one line before the member joins anything.
    Metrics metrics = metrics();
    ActorSystem<?> system;
    try {
      system = start(config);
    } catch (RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      throw e;
    }
    Cluster member = Cluster.get(Adapter.toClassic(system));
    if (metrics != null) {
      Address self = member.selfAddress();
      String node = self.getHost().orElse(config.bindHost()) + ":" + self.getPort().orElse(0);
      MemberMetrics.register(
          metrics.registry(),
          Adapter.toClassic(system),
          node,
          config.roles(),
          DeviceEntities.get(Adapter.toClassic(system))::running);
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "splitemu node: metrics at http://"
              + (metricsBind.contains(":") ? "[" + metricsBind + "]" : metricsBind)
              + ":"
              + metrics.port()
              + "/metrics");
      err.flush();
      system.getWhenTerminated().thenRun(metrics::close);
      // Up only: not yet (Joining, WeaklyUp) or no longer (Leaving, Exiting, Down, Removed).
      metrics.readiness(() -> member.selfMember().status() == MemberStatus.up());
    }
    CompletableFuture<Void> up = new CompletableFuture<>();
    member.registerOnMemberUp(() -> up.complete(null));
    CompletableFuture<?> terminated = system.getWhenTerminated().toCompletableFuture();
    CompletableFuture.anyOf(up, terminated).join();
    if (up.isDone()) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(upLine(member.selfAddress(), config));
      out.flush();
    }
    // Until SIGTERM (coordinated shutdown from the JVM's hook: the member leaves first), a leave
    // asked by another member, or a downing.
    terminated.join();
    return ended(system);
  }

  /**
   * How long a {@code --bind} name is looked up again until it resolves to an address of this
   * machine: a pod's own DNS record may come (or a cache drop the previous pod's address) after the
   * pod started. The system property {@value #BIND_WAIT_PROPERTY} (a duration: "60s", "500ms") sets
   * it, 60 s by default.
   */
  static Duration bindWait() {
    String value = System.getProperty(BIND_WAIT_PROPERTY);
    if (value == null) {
      return DEFAULT_BIND_WAIT;
    }
    try {
      return ConfigFactory.parseMap(Map.of("w", value)).getDuration("w");
    } catch (ConfigException e) {
      throw new UserException(
          "-D" + BIND_WAIT_PROPERTY + "=" + value + ": expected a duration such as 60s", e);
    }
  }

  /** The member's metrics endpoint, or null without {@code --metrics-port}. */
  private Metrics metrics() {
    if (metricsPort == null) {
      if (spec.commandLine().getParseResult().hasMatchedOption("--metrics-bind")) {
        throw usage("--metrics-bind: only with --metrics-port");
      }
      return null;
    }
    if (metricsPort < 0 || metricsPort > 65535) {
      throw usage("--metrics-port " + metricsPort + ": expected 0 to 65535");
    }
    try {
      // /ready: 503 from the first request until this member is Up (a readiness probe).
      return Metrics.start(metricsBind, metricsPort, true, () -> false);
    } catch (SettingsException e) {
      // Named by the option, not the scenario key the endpoint's own message gives.
      throw new UserException(
          "--metrics-bind "
              + metricsBind
              + " --metrics-port "
              + metricsPort
              + ": "
              + e.getMessage().replaceFirst("^splitemu\\.metrics\\.[a-z-]+: ", ""),
          e);
    }
  }

  /** The line printed once the member is Up, with the host and port it really has. */
  static String upLine(Address self, ClusterConfig config) {
    return String.format(
        Locale.ROOT,
        "splitemu node: up at %s:%d with roles %s",
        self.getHost().orElse(config.bindHost()),
        self.getPort().orElse(config.port()),
        String.join(",", config.roles()));
  }

  /**
   * Starts the member's actor system; an address or port that cannot be bound is one line (exit 1).
   * A fixed port is tried first with a plain socket, so the line comes without Pekko's own error
   * log; the failure of Artery's bind is caught as well (another process may take the port in
   * between).
   */
  private static ActorSystem<?> start(ClusterConfig config) {
    if (config.port() != 0) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(config.bindHost(), config.port()));
      } catch (IOException e) {
        throw cannotBind(config, e);
      }
    }
    try {
      return ActorSystem.create(
          MemberGuardian.create(config.roles()), ClusterConfig.SYSTEM_NAME, config.toConfig());
    } catch (RuntimeException e) {
      Optional<BindException> bind = bindFailure(e);
      if (bind.isEmpty()) {
        throw e;
      }
      throw cannotBind(config, bind.get());
    }
  }

  private static UserException cannotBind(ClusterConfig config, IOException e) {
    // Pekko's message starts with the address in brackets; the line names it once.
    String why = String.valueOf(e.getMessage()).replaceFirst("^\\[[^\\]]*\\] ", "");
    return new UserException(
        "--bind "
            + config.bindHost()
            + " --port "
            + config.port()
            + ": cannot bind "
            + config.bindHost()
            + ":"
            + config.port()
            + " ("
            + why
            + ")",
        e);
  }

  /** The bind failure in {@code e}'s causes, if that is why Artery did not start. */
  static Optional<BindException> bindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException b) {
        return Optional.of(b);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }

  /** The exit status once the actor system has terminated, with a line when it was downed. */
  private int ended(ActorSystem<?> system) {
    Optional<CoordinatedShutdown.Reason> reason =
        CoordinatedShutdown.get(Adapter.toClassic(system)).getShutdownReason();
    if (reason.isPresent() && reason.get() == CoordinatedShutdown.clusterDowningReason()) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "splitemu node: stopped; the cluster downed this member (it was unreachable, or on the"
              + " minority side of a partition)");
      err.flush();
      return DOWNED_STATUS;
    }
    return 0;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
