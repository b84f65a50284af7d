package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server scrapes a run's endpoint, and what it stored equals what the run wrote
 * to its results folder.
 *
 * <p>The server is found, or the test skipped, as {@link PrometheusServer} says.
 */
class PrometheusScrapeTest {

  @Test
  void prometheusStoresWhatTheRunRecorded(@TempDir Path tmp) throws Exception {
    PrometheusServer.binary(); // skip (or fail) before the run when there is no server
    int metricsPort = MetricsContractTest.freePort();
    List<String> overrides =
        List.of(
            "fidelity = timing",
            "rounds = 4",
            "output.plots = false",
            "metrics.enabled = true",
            "metrics.port = " + metricsPort,
            "barrier.timeout = 5 s",
            "faults = [{ kind = device-hang, device = 1, round = 3 }]");
    Settings s = Settings.load(Path.of("../scenarios/quickstart.conf"), overrides);
    Emulation.Outcome out = Emulation.run(s, tmp.resolve("run"), RunListener.NONE);
    List<RoundRecord> rounds = out.rounds();
    assertEquals(4, rounds.size());

    try (PrometheusServer prom = PrometheusServer.start(tmp, metricsPort, "1s", "1s")) {
      String scheme = s.scheme();
      JsonNode roundsTotal =
          prom.waitFor("splitemu_rounds_total{scheme=\"" + scheme + "\"}", Duration.ofSeconds(90));
      assertEquals(4.0, value(roundsTotal), 0.0);

      RoundRecord last = rounds.get(rounds.size() - 1);
      double emulated =
          value(prom.query("splitemu_emulated_time_seconds{scheme=\"" + scheme + "\"}"));
      assertEquals(last.emulatedTimeS(), emulated, 1e-9 * last.emulatedTimeS());
      double latency =
          value(prom.query("splitemu_round_latency_seconds{scheme=\"" + scheme + "\"}"));
      assertEquals(last.roundLatencyS(), latency, 1e-9 * last.roundLatencyS());

      long up = out.summary().bytesUp();
      long down = out.summary().bytesDown();
      assertTrue(up > 0 && down > 0, "the run moved no bytes");
      double upSeen =
          value(
              prom.query("splitemu_link_bytes_total{scheme=\"" + scheme + "\",direction=\"up\"}"));
      double downSeen =
          value(
              prom.query(
                  "splitemu_link_bytes_total{scheme=\"" + scheme + "\",direction=\"down\"}"));
      assertEquals(up, upSeen, 0.0);
      assertEquals(down, downSeen, 0.0);

      double edgeMemory =
          value(
              prom.query(
                  "splitemu_node_model_memory_bytes{scheme=\"" + scheme + "\",role=\"edge\"}"));
      assertEquals(out.summary().peakModelMemoryBytes().get("edge").doubleValue(), edgeMemory, 0.0);

      double faults =
          value(
              prom.query(
                  "splitemu_faults_injected_total{scheme=\""
                      + scheme
                      + "\",kind=\"device-hang\"}"));
      assertEquals(1.0, faults, 0.0);
      double dropped =
          value(prom.query("splitemu_devices_failed_total{scheme=\"" + scheme + "\"}"));
      assertEquals(out.summary().failedParticipations(), dropped, 0.0);
    }
  }

  private static double value(JsonNode result) {
    assertEquals(1, result.size(), "expected one series, got " + result);
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }
}
