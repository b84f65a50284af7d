package io.splitemu.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

/** Which warnings a leaving member drops: Artery's connection aborts, nothing else. */
class LeavingLogFilterTest {

  private static LoggingEvent event(String logger, Level level, String message) {
    LoggerContext context = new LoggerContext();
    return new LoggingEvent(
        LeavingLogFilterTest.class.getName(),
        context.getLogger(logger),
        level,
        message,
        null,
        null);
  }

  @Test
  void onlyArteryConnectionAborts_areDropped() {
    String abort =
        "[outbound connection to [pekko://splitemu@127.0.0.1:39221], control stream] Upstream"
            + " failed, cause: StreamTcpException: The connection has been aborted";
    assertTrue(
        LeavingLogFilter.isConnectionAbort(
            event("org.apache.pekko.stream.Materializer", Level.WARN, abort)));
    assertTrue(
        LeavingLogFilter.isConnectionAbort(
            event(
                "org.apache.pekko.stream.Log",
                Level.WARN,
                abort.replace("outbound connection to", "inbound connection from"))));
    // An error stays, and so does anything else of Pekko's or splitemu's.
    assertFalse(
        LeavingLogFilter.isConnectionAbort(
            event("org.apache.pekko.stream.Materializer", Level.ERROR, abort)));
    assertFalse(
        LeavingLogFilter.isConnectionAbort(
            event("io.splitemu.actors.Supervisor", Level.WARN, abort)));
    assertFalse(
        LeavingLogFilter.isConnectionAbort(
            event(
                "org.apache.pekko.cluster.Cluster",
                Level.WARN,
                "Cluster Node [pekko://splitemu@127.0.0.1:2552] - Marking node as UNREACHABLE")));
    assertFalse(
        LeavingLogFilter.isConnectionAbort(
            event(
                "org.apache.pekko.stream.Materializer",
                Level.WARN,
                "[outbound connection to [pekko://splitemu@127.0.0.1:1]] Upstream failed, cause:"
                    + " StreamTcpException: Tcp command [Connect(127.0.0.1:1)] failed")));
  }
}
