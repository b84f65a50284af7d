package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.splitemu.actors.cli.Main;
import io.splitemu.actors.runtime.GoldenRunsTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runs of one JVM share its endpoint: a compare's finished schemes keep their run-level series,
 * and their per-device ones while the devices of every run serving them stay below {@code
 * metrics.per-device-below}; beyond it the first to end lose theirs, so that the limit bounds the
 * endpoint's series and not each run's (before, a 5-scheme compare of 9,999 devices put some 0.5 M
 * series on one endpoint).
 */
class PerDeviceAcrossRunsTest {

  @TempDir Path tmp;

  private static final Pattern SAMPLE =
      Pattern.compile("^(splitemu_[a-z_]+)\\{([^}]*)\\} \\S+$", Pattern.MULTILINE);
  private static final Pattern SCHEME = Pattern.compile("scheme=\"([^\"]+)\"");

  @Test
  void aCompareOfThreeSchemes_keepsThePerDeviceSeriesThatFitTheLimit_andEveryRunLevelOne()
      throws Exception {
    int port = MetricsContractTest.freePort();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new PrintWriter(out),
            new PrintWriter(err),
            "compare",
            GoldenRunsTest.scenarioDir().resolve("quickstart.conf").toString(),
            "--schemes",
            "sl,psl,sfl-v1",
            "--out",
            tmp.resolve("cmp").toString(),
            "--set",
            "fidelity=timing",
            "--set",
            "rounds=1",
            "--set",
            "output.plots=false",
            "--set",
            "metrics.enabled=true",
            "--set",
            "metrics.port=" + port,
            "--set",
            "metrics.linger=0s",
            "--set",
            // 4 devices a scheme: sl's and psl's 8 fit below 10, sfl-v1's 4 more do not, so sl's
            // (the first to end) go when sfl-v1 starts.
            "metrics.per-device-below=10");
    Metrics endpoint =
        Metrics.shared(new MetricsSettings(true, "127.0.0.1", port, 10, "local", Duration.ZERO));
    try {
      assertEquals(0, status, err.toString());
      String text = MetricsText.scrape(port);
      Set<String> perDevice = new TreeSet<>();
      Set<String> runLevel = new TreeSet<>();
      int deviceSeries = 0;
      Matcher m = SAMPLE.matcher(text);
      while (m.find()) {
        Matcher scheme = SCHEME.matcher(m.group(2));
        if (!scheme.find()) {
          continue;
        }
        if (m.group(1).startsWith("splitemu_device_")) {
          perDevice.add(scheme.group(1));
          deviceSeries++;
        } else if (m.group(1).equals("splitemu_rounds_total")) {
          runLevel.add(scheme.group(1));
        }
      }
      assertEquals(Set.of("sl", "psl", "sfl-v1"), runLevel, text);
      assertEquals(Set.of("psl", "sfl-v1"), perDevice, text);
      // The quickstart's 4 devices: bytes, compute, rate and capacity (the last two both ways).
      assertEquals(2 * 4 * (2 + 1 + 2 + 2), deviceSeries, text);
    } finally {
      endpoint.close();
    }
  }
}
