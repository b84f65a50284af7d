package io.splitemu.actors.cluster;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pekko's membership timers for the test clusters on 127.0.0.1, in this JVM's actor systems and in
 * the member JVMs the tests start. Pekko's defaults (a gossip and a leader action a second, the
 * receptionist's gossip every 2 s, a sharding region's retry every 2 s, the singleton proxy's
 * identification a second, a second's flush on shutdown) are sized for a network of machines; on
 * loopback each join, run load and graceful leave spent seconds waiting for the next tick (a
 * supervisor's leave about 3 s, its run's start a second or two more). These settings only make the
 * same steps come sooner: the failure detector and the Split Brain Resolver, whose timings are what
 * the tests that lose a member assert about, are left as each test sets them. Every member of a
 * test cluster gets them, so they agree.
 */
public final class LabTimings {

  private LabTimings() {}

  /** Setting to value, in HOCON's duration syntax. */
  private static final Map<String, String> SETTINGS = settings();

  private static Map<String, String> settings() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("pekko.cluster.periodic-tasks-initial-delay", "200ms");
    m.put("pekko.cluster.gossip-interval", "200ms");
    m.put("pekko.cluster.leader-actions-interval", "200ms");
    // The receptionist's and sharding's replicators copy pekko.cluster.distributed-data when the
    // config is resolved: a config layered over a resolved one must name each copy.
    m.put("pekko.cluster.distributed-data.gossip-interval", "500ms");
    m.put("pekko.cluster.typed.receptionist.distributed-data.gossip-interval", "500ms");
    m.put("pekko.cluster.sharding.distributed-data.gossip-interval", "500ms");
    m.put("pekko.cluster.sharding.retry-interval", "200ms");
    m.put("pekko.cluster.singleton-proxy.singleton-identification-interval", "200ms");
    m.put("pekko.cluster.singleton.hand-over-retry-interval", "200ms");
    m.put("pekko.remote.artery.advanced.shutdown-flush-timeout", "200ms");
    return m;
  }

  /** The settings as HOCON lines, for a config of this JVM's actor system. */
  public static List<String> hocon() {
    List<String> out = new ArrayList<>();
    SETTINGS.forEach((k, v) -> out.add(k + " = " + v));
    return out;
  }

  /** The settings as {@code -D} options of a member JVM. */
  public static List<String> jvmOptions() {
    List<String> out = new ArrayList<>();
    SETTINGS.forEach((k, v) -> out.add("-D" + k + "=" + v));
    return out;
  }

  /**
   * Sets the settings, and {@code more} (key, value, ...), as system properties of this JVM, for a
   * cluster member a test runs here through the CLI (which reads them as a member JVM reads its
   * {@code -D} options); {@link #clearSystemProperties} undoes it.
   */
  public static void setSystemProperties(String... more) {
    SETTINGS.forEach(System::setProperty);
    for (int i = 0; i < more.length; i += 2) {
      System.setProperty(more[i], more[i + 1]);
    }
    ConfigFactory.invalidateCaches();
  }

  /** Clears what {@link #setSystemProperties} set, {@code more} being the keys it was given. */
  public static void clearSystemProperties(String... more) {
    SETTINGS.keySet().forEach(System::clearProperty);
    for (String key : more) {
      System.clearProperty(key);
    }
    ConfigFactory.invalidateCaches();
  }
}
