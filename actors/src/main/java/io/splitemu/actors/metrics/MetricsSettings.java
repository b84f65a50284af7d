package io.splitemu.actors.metrics;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.config.SettingsReader;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code splitemu.metrics} block: whether a run serves Prometheus metrics, where, and up to how
 * many devices per-device series are exported.
 *
 * @param enabled serve {@code /metrics} during the run
 * @param bindAddress address the HTTP endpoint binds to ({@code 127.0.0.1} unless set)
 * @param port TCP port of the endpoint
 * @param perDeviceBelow per-device series only when the run has fewer devices than this
 * @param node the {@code node} label of every series: this JVM's member name
 * @param linger how long the command line keeps serving the final values after a run ends
 */
public record MetricsSettings(
    boolean enabled,
    String bindAddress,
    int port,
    int perDeviceBelow,
    String node,
    Duration linger) {

  /**
   * The largest {@code per-device-below}: each device has about ten series, so per-device series
   * for up to this many devices are some 100,000 series per run, about what one Prometheus takes
   * per scrape target; above it a run's samples outgrow a scrape interval.
   */
  public static final int PER_DEVICE_BELOW_MAX = 10_000;

  /** Metrics off. */
  public static final MetricsSettings OFF =
      new MetricsSettings(false, "127.0.0.1", 9464, 0, "local", Duration.ZERO);

  /**
   * The metrics block of a scenario's resolved configuration. It is read from {@link
   * Settings#resolved()} so that this optional block does not widen the settings record.
   */
  public static MetricsSettings of(Settings s) {
    Config all;
    try {
      all = ConfigFactory.parseString(s.resolved());
    } catch (ConfigException e) {
      throw new SettingsException("splitemu.metrics: resolved scenario unreadable: " + e);
    }
    if (!all.hasPath(Settings.NS + ".metrics")) {
      return OFF;
    }
    SettingsReader r = new SettingsReader(all, Settings.NS).at("metrics");
    r.onlyKeys(Set.of("enabled", "bind-address", "port", "per-device-below", "node", "linger"));
    Duration linger = r.duration("linger");
    if (linger.isNegative()) {
      throw r.error("linger", "must be 0 or more, got " + linger.toMillis() / 1e3 + " s");
    }
    return new MetricsSettings(
        r.bool("enabled"),
        r.nonEmpty("bind-address"),
        r.intIn("port", 0, 65535),
        r.intIn("per-device-below", 0, PER_DEVICE_BELOW_MAX),
        r.nonEmpty("node"),
        linger);
  }
}
