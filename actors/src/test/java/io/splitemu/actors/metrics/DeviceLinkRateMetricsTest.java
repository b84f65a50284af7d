package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.GoldenRunsTest;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each device's link capacity over the last round (what its static link, trace or channel offered
 * at full band) and the rate its transfers achieved (bytes over link-busy seconds) are exported per
 * device, equal to the configured rates and to the last round's row of {@code devices.csv}.
 */
class DeviceLinkRateMetricsTest {

  @TempDir Path tmp;

  @Test
  void edgesplit_capacityIsEachDevicesStaticRate_achievedIsItsLastRow() throws Exception {
    int port = MetricsContractTest.freePort();
    Settings s = MetricsScenarios.threeDevices("device-rates", "edgesplit", 2, port);
    check(s, port, new double[] {8e6, 2e7, 4e7}, new double[] {1e7, 4e7, 4e7});
  }

  @Test
  void mpsl_capacityIsThePlansRate_achievedIsItsLastRow() throws Exception {
    int port = MetricsContractTest.freePort();
    Path file = GoldenRunsTest.scenarioDir().resolve("mpsl-vgg19.conf");
    List<String> sets =
        List.of(
            "rounds = 1",
            "devices.count = 4",
            "output.plots = false",
            "metrics.enabled = true",
            "metrics.port = " + port);
    double[] rate = {8e6, 8e6, 8e6, 8e6};
    check(Settings.load(file, sets), port, rate, rate);
  }

  private void check(Settings s, int port, double[] upBps, double[] downBps) throws Exception {
    Metrics endpoint = Metrics.shared(MetricsSettings.of(s));
    try {
      Path dir = tmp.resolve(s.scheme());
      Emulation.Outcome o = Emulation.run(s, dir, RunListener.NONE);
      int last = o.rounds().size();
      String text = MetricsText.scrape(port);
      String scheme = "scheme=\"" + s.scheme() + "\"";
      int checked = 0;
      for (List<String> f : new ArrayList<>(CsvTable.read(dir.resolve("devices.csv")))) {
        if (Integer.parseInt(f.get(0)) != last) {
          continue;
        }
        String device = "device=\"" + f.get(1) + "\"";
        int d = Integer.parseInt(f.get(1));
        assertEquals(
            upBps[d] / 8,
            capacity(text, scheme, device, "up"),
            1e-9 * upBps[d],
            "capacity up of " + device);
        assertEquals(
            downBps[d] / 8,
            capacity(text, scheme, device, "down"),
            1e-9 * downBps[d],
            "capacity down of " + device);
        double upS = Double.parseDouble(f.get(5));
        double downS = Double.parseDouble(f.get(6));
        assertTrue(upS > 0 && downS > 0, f.toString());
        double up = Long.parseLong(f.get(7)) / upS;
        double down = Long.parseLong(f.get(8)) / downS;
        assertEquals(up, achieved(text, scheme, device, "up"), 1e-9 * up, device + " up");
        assertEquals(down, achieved(text, scheme, device, "down"), 1e-9 * down, device + " down");
        // A transfer never beats the link it rides on.
        assertTrue(up <= upBps[d] / 8 * (1 + 1e-9), device + " up " + up);
        checked++;
      }
      assertEquals(upBps.length, checked, "one last-round row per device");
    } finally {
      endpoint.close();
    }
  }

  private static double capacity(String text, String scheme, String device, String dir) {
    Double v =
        MetricsText.sample(
            text,
            "splitemu_device_link_capacity_bytes_per_second",
            scheme,
            device,
            "direction=\"" + dir + "\"");
    assertNotNull(v, "no capacity of " + device + " " + dir + " in\n" + text);
    return v;
  }

  private static double achieved(String text, String scheme, String device, String dir) {
    Double v =
        MetricsText.sample(
            text,
            "splitemu_device_link_rate_bytes_per_second",
            scheme,
            device,
            "direction=\"" + dir + "\"");
    assertNotNull(v, "no achieved rate of " + device + " " + dir + " in\n" + text);
    return v;
  }
}
