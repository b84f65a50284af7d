package io.splitemu.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code splitemu.cluster-run} block: how long the supervisor's JVM of {@code run --cluster}
 * waits for the members to join, and then for them to load the run (docs/cluster.md, "Running a
 * scenario across members"). A run in one JVM reads it only to check it.
 *
 * @param joinTimeout from the supervisor's member being up until {@code --min-members} members
 *     serve
 * @param loadTimeout from then until every member answered the run's load and every devices
 *     member's shard region is registered
 */
public record ClusterRunSettings(Duration joinTimeout, Duration loadTimeout) {

  /** The defaults of reference.conf. */
  public static final ClusterRunSettings DEFAULT =
      new ClusterRunSettings(Duration.ofSeconds(120), Duration.ofSeconds(120));

  /** The longest timeout: Pekko's scheduler takes no delay beyond about 248 days. */
  public static final Duration LONGEST = Duration.ofDays(200);

  /**
   * The block of a scenario's resolved configuration, read from {@link Settings#resolved()} so that
   * this cluster-only block does not widen the settings record; a value that is not a duration in
   * (0, 200 days] is one line naming its key.
   */
  public static ClusterRunSettings of(Settings s) {
    Config all;
    try {
      all = ConfigFactory.parseString(s.resolved());
    } catch (ConfigException e) {
      throw new SettingsException("splitemu.cluster-run: resolved scenario unreadable: " + e);
    }
    if (!all.hasPath(Settings.NS + ".cluster-run")) {
      return DEFAULT;
    }
    return read(new SettingsReader(all, Settings.NS).at("cluster-run"));
  }

  /**
   * The block below {@code r}: from the scenario as loaded (checked there, its files and lines
   * named) or from its resolved text.
   */
  static ClusterRunSettings read(SettingsReader r) {
    r.onlyKeys(Set.of("join-timeout", "load-timeout"));
    return new ClusterRunSettings(timeout(r, "join-timeout"), timeout(r, "load-timeout"));
  }

  private static Duration timeout(SettingsReader r, String key) {
    Duration d = r.duration(key);
    if (d.isNegative() || d.isZero() || d.compareTo(LONGEST) > 0) {
      throw r.error(key, "must be > 0 s and at most 200 days, got " + d.toMillis() / 1e3 + " s");
    }
    return d;
  }
}
