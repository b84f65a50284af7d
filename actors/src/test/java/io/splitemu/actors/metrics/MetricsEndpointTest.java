package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.SettingsException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** The endpoint's start names the setting at fault: the address or the port. */
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
}
