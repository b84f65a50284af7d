package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Gauge;
import io.splitemu.actors.config.SettingsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The endpoint's start names the setting at fault: the address or the port; a scrape that fails
 * says so in one line at most.
 */
class MetricsEndpointTest {

  @Test
  void unresolvableBindAddress_namesTheAddressNotThePort() {
    SettingsException e =
        assertThrows(
            SettingsException.class, () -> Metrics.start("no-such-host.invalid", 0, false));
    assertTrue(e.getMessage().startsWith("splitemu.metrics.bind-address:"), e.getMessage());
    assertTrue(e.getMessage().contains("no-such-host.invalid"), e.getMessage());
  }

  @Test
  void portInUse_namesThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      SettingsException e =
          assertThrows(
              SettingsException.class,
              () -> Metrics.start("127.0.0.1", taken.getLocalPort(), false));
      assertTrue(e.getMessage().startsWith("splitemu.metrics.port:"), e.getMessage());
    }
  }

  /**
   * A scraper that resets its connection while the endpoint sends a large response: nothing is
   * logged (before 2026-12-07 the library's SEVERE record with a stack trace of some 27 lines went
   * to the console on every such scrape), and the endpoint answers the next scrape.
   */
  @Test
  void aScraperResettingMidResponse_logsNothing() throws Exception {
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logged.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger root = Logger.getLogger("");
    root.addHandler(capture);
    PrintStream stderr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (Metrics m = Metrics.start("127.0.0.1", 0, false)) {
      // Some 10 MB of text: more than the socket buffers hold, so the endpoint is still writing
      // when the reset comes.
      Gauge big = Gauge.builder().name("big").labelNames("i").register(m.registry());
      String pad = "x".repeat(80);
      for (int i = 0; i < 100_000; i++) {
        big.labelValues(pad + i).set(i);
      }
      try (Socket s = new Socket()) {
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", m.port()), 5000);
        s.getOutputStream()
            .write("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        byte[] some = new byte[1024];
        assertTrue(in.read(some) > 0, "the response began");
        s.setSoLinger(true, 0); // the close resets the connection
      }
      Thread.sleep(1500); // the endpoint's write fails at once on the reset
      try (Socket next = new Socket("127.0.0.1", m.port())) {
        next.getOutputStream()
            .write(
                "GET /-/healthy HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        String answer = new String(next.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      }
    } finally {
      System.setErr(stderr);
      root.removeHandler(capture);
    }
    assertEquals(
        List.of(),
        logged.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).toList());
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }

  /**
   * A scrape that fails for another reason is one line with its cause; the library's two records of
   * a failed error response make one line, or none where the scraper went away.
   */
  @Test
  void aScrapeFailingOtherwise_isOneLine() {
    assertEquals(
        "splitemu: metrics endpoint: a scrape failed: java.io.IOException: No space left",
        Metrics.ScrapeErrors.line(new IOException("No space left"), null));
    assertNull(Metrics.ScrapeErrors.line(new SocketException("Connection reset"), null));
    assertNull(
        Metrics.ScrapeErrors.line(
            new IOException("Broken pipe"), new IOException("headers already sent")));
    assertNull(
        Metrics.ScrapeErrors.line(
            new IllegalStateException("x", new IOException("Connection reset by peer")), null));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    Metrics.ScrapeErrors h = new Metrics.ScrapeErrors(() -> print);
    LogRecord failedResponse =
        new LogRecord(
            Level.SEVERE,
            "The Prometheus metrics HTTPServer caught an Exception during scrape and failed to send"
                + " an error response to the client.");
    failedResponse.setThrown(new IOException("headers already sent"));
    LogRecord cause =
        new LogRecord(Level.SEVERE, "Original Exception that caused the Prometheus scrape error:");
    cause.setThrown(new IllegalStateException("collector failed"));
    h.publish(failedResponse);
    h.publish(cause);
    assertEquals(
        "splitemu: metrics endpoint: a scrape failed: java.lang.IllegalStateException: collector"
            + " failed (no error response sent to the scraper)\n",
        out.toString(StandardCharsets.UTF_8));
  }
}
