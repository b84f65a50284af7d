package io.splitemu.actors.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * Keeps a member's graceful leave quiet: once this JVM's cluster member shuts down (its run ended,
 * SIGTERM, or it was downed), the other members close their connections to it, and Artery's TCP
 * streams report each as a warning ("[outbound connection to ...] Upstream failed, cause:
 * StreamTcpException: The connection has been aborted"), four after every successful cluster run.
 * This logback filter drops those warnings, and only those, from the moment the member's
 * coordinated shutdown starts; during a run they still show (with the cluster's own reachability
 * warnings). Installed by {@link Installer}, which splitemu-cluster.conf lists as a Pekko
 * extension, and by logback.xml on the console appender.
 */
public final class LeavingLogFilter extends Filter<ILoggingEvent> {

  // One JVM is one member (the CLI); a test JVM that runs several members one after another keeps
  // the filter on once the first shut down, which only drops these warnings from its logs.
  private static volatile boolean leaving;

  /** Whether this JVM's member has begun to shut down. */
  public static boolean leaving() {
    return leaving;
  }

  @Override
  public FilterReply decide(ILoggingEvent event) {
    return leaving && isConnectionAbort(event) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }

  /** An Artery TCP connection stream's warning that its connection went. */
  static boolean isConnectionAbort(ILoggingEvent event) {
    if (event.getLevel() != Level.WARN || !event.getLoggerName().startsWith("org.apache.pekko")) {
      return false;
    }
    String m = event.getFormattedMessage();
    return m != null
        && m.contains("StreamTcpException: The connection has been aborted")
        && (m.contains("outbound connection to") || m.contains("inbound connection"));
  }

  /** The Pekko extension that turns the filter on when the member's coordinated shutdown starts. */
  public static final class Installer implements Extension {
    Installer(ExtendedActorSystem system) {
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeServiceUnbind(),
              "splitemu-quiet-leave",
              () -> {
                leaving = true;
                return CompletableFuture.completedFuture(Done.getInstance());
              });
    }
  }

  /** The extension's id, named in splitemu-cluster.conf's {@code pekko.extensions}. */
  public static final class InstallerId extends AbstractExtensionId<Installer>
      implements ExtensionIdProvider {
    public static final InstallerId INSTANCE = new InstallerId();

    private InstallerId() {}

    @Override
    public Installer createExtension(ExtendedActorSystem system) {
      return new Installer(system);
    }

    @Override
    public InstallerId lookup() {
      return INSTANCE;
    }
  }
}
