package io.splitemu.actors.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;

/**
 * What a cluster member exports about itself and the cluster as it sees it, read at every scrape:
 * its roles, the members by status, the unreachable ones, and the device entities it runs. Every
 * series has the {@code node} label (the member's name, {@code HOST:PORT} for a {@code splitemu
 * node}) and no run label: a member outlives runs. Bounded: one series per status of {@link
 * #STATUSES}, and one each of the others.
 */
public final class MemberMetrics implements AutoCloseable {

  /** The metric names, for the contract tests and docs/metrics.md. */
  public static final List<String> NAMES =
      List.of(
          "splitemu_member_info",
          "splitemu_cluster_members",
          "splitemu_cluster_unreachable_members",
          "splitemu_member_device_entities");

  /** Pekko's member statuses as the {@code status} label spells them, each always exported. */
  public static final List<String> STATUSES =
      List.of(
          "joining",
          "weakly_up",
          "up",
          "preparing_for_shutdown",
          "ready_for_shutdown",
          "leaving",
          "exiting",
          "down");

  private final PrometheusRegistry registry;
  private final List<Collector> collectors = new ArrayList<>();

  private MemberMetrics(PrometheusRegistry registry) {
    this.registry = registry;
  }

  /**
   * Registers the member metrics of {@code system}'s cluster member in {@code registry}, labelled
   * {@code node}; {@code entities} counts the device entities running in this JVM. {@link #close}
   * takes them out again.
   */
  public static MemberMetrics register(
      PrometheusRegistry registry,
      org.apache.pekko.actor.ActorSystem system,
      String node,
      java.util.Collection<String> roles,
      IntSupplier entities) {
    Cluster cluster = Cluster.get(system);
    MemberMetrics m = new MemberMetrics(registry);
    String roleList = String.join(",", roles);
    // An info metric: exposed as splitemu_member_info, 1 with the labels.
    Info info =
        Info.builder()
            .name("splitemu_member")
            .help("1 for each splitemu JVM that is a cluster member, with its roles.")
            .labelNames("node", "roles")
            .build();
    info.addLabelValues(node, roleList);
    m.add(info);
    m.add(
        GaugeWithCallback.builder()
            .name("splitemu_cluster_members")
            .help(
                "Members of the cluster by status, as this member sees them, read at every scrape.")
            .labelNames("node", "status")
            .callback(
                cb -> byStatus(cluster.state()).forEach((status, n) -> cb.call(n, node, status)))
            .build());
    m.add(
        GaugeWithCallback.builder()
            .name("splitemu_cluster_unreachable_members")
            .help(
                "Members the cluster marks unreachable (by any member's failure detector), as this"
                    + " member sees them, read at every scrape; the Split Brain Resolver downs them"
                    + " once it stays so.")
            .labelNames("node")
            .callback(cb -> cb.call(cluster.state().getUnreachable().size(), node))
            .build());
    m.add(
        GaugeWithCallback.builder()
            .name("splitemu_member_device_entities")
            .help(
                "Device entities (Cluster Sharding) running on this member, read at every scrape;"
                    + " 0 on a member without the devices role.")
            .labelNames("node")
            .callback(cb -> cb.call(entities.getAsInt(), node))
            .build());
    return m;
  }

  /** The members of {@code state} counted by status, every status of {@link #STATUSES} present. */
  static Map<String, Integer> byStatus(ClusterEvent.CurrentClusterState state) {
    Map<String, Integer> out = new LinkedHashMap<>();
    STATUSES.forEach(s -> out.put(s, 0));
    for (Member member : state.getMembers()) {
      out.merge(label(member.status().toString()), 1, Integer::sum);
    }
    return out;
  }

  /** {@code WeaklyUp} as {@code weakly_up}. */
  static String label(String status) {
    return status.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  private void add(Collector c) {
    registry.register(c);
    collectors.add(c);
  }

  @Override
  public void close() {
    collectors.forEach(registry::unregister);
    collectors.clear();
  }
}
