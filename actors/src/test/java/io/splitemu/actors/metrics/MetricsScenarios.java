package io.splitemu.actors.metrics;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import java.nio.file.Path;
import java.util.List;

/** The small split-scheme scenario the metrics tests run, with its endpoint on {@code port}. */
final class MetricsScenarios {
  private MetricsScenarios() {}

  /**
   * Three devices of LeNet-5 at cut 2 on static links of known rates (up 8e6, 2e7, 4e7 bit/s; down
   * 1e7, 4e7, 4e7), timing fidelity, {@code rounds} rounds of {@code scheme}, metrics on {@code
   * port}.
   */
  static Settings threeDevices(String name, String scheme, int rounds, int port) {
    String conf =
        "splitemu {\n"
            + "  scenario = "
            + name
            + "\n  scheme = "
            + scheme
            + "\n  fidelity = timing\n"
            + "  rounds = "
            + rounds
            + "\n  local-steps = 2\n"
            + "  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 3, flops = [2e8, 1e9, 5e9], memory-bytes = 4e9 }\n"
            + "  server.flops = 2e10\n"
            + "  links { kind = static, static { uplink-bps = [8e6, 2e7, 4e7],"
            + " downlink-bps = [1e7, 4e7, 4e7] } }\n"
            + "  output.plots = false\n"
            + "  metrics { enabled = true, port = "
            + port
            + " }\n"
            + "}\n";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), Path.of(name + ".conf"));
  }
}
