package io.splitemu.actors.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.net.stream.PacingLag;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Prometheus metrics of one JVM, served at {@code /metrics}, fed from the rows a run records.
 *
 * <p>Names follow DESIGN.md "Observability" and use base units; emulated quantities are emulated
 * seconds. Every series carries the {@code scheme} label so that the runs of a {@code compare}
 * share one endpoint; only the {@code splitemu_device_*} series carry a device label, and only
 * below a configured device count.
 */
public final class Metrics implements AutoCloseable {

  /** Every metric family this class exports (sample names of counters end in _total). */
  public static final List<String> NAMES =
      List.of(
          "splitemu_rounds_total",
          "splitemu_emulated_time_seconds",
          "splitemu_round_latency_seconds",
          "splitemu_round_part_seconds",
          "splitemu_round_participants",
          "splitemu_test_accuracy",
          "splitemu_train_loss",
          "splitemu_link_bytes_total",
          "splitemu_link_rate_bits_per_second",
          "splitemu_compute_seconds_total",
          "splitemu_cut_layer",
          "splitemu_cluster_count",
          "splitemu_node_model_memory_bytes",
          "splitemu_events_total",
          "splitemu_faults_injected_total",
          "splitemu_devices_failed_total",
          "splitemu_emulation_lag_seconds",
          "splitemu_device_link_bytes_total",
          "splitemu_device_compute_seconds");

  private static final Map<String, Metrics> SHARED = new HashMap<>();

  private final PrometheusRegistry registry;
  private final HTTPServer server;

  private final Counter rounds;
  private final Gauge emulatedTime;
  private final Gauge roundLatency;
  private final Gauge roundPart;
  private final Gauge participants;
  private final Gauge accuracy;
  private final Gauge loss;
  private final Counter linkBytes;
  private final Gauge linkRate;
  private final Counter computeSeconds;
  private final Gauge cutLayer;
  private final Gauge clusterCount;
  private final Gauge memory;
  private final Counter events;
  private final Counter faults;
  private final Counter failed;
  private final Gauge lag;
  private final Counter deviceBytes;
  private final Gauge deviceCompute;

  private Metrics(PrometheusRegistry registry, HTTPServer server) {
    this.registry = registry;
    this.server = server;
    rounds = counter("splitemu_rounds_total", "Rounds recorded.");
    emulatedTime =
        gauge("splitemu_emulated_time_seconds", "Emulated instant at the end of the last round.");
    roundLatency = gauge("splitemu_round_latency_seconds", "Emulated latency of the last round.");
    roundPart =
        gauge(
            "splitemu_round_part_seconds",
            "Emulated latency of the last round by part (device_compute, server_compute,"
                + " communication, aggregation).",
            "part");
    participants =
        gauge("splitemu_round_participants", "Devices that took part in the last round.");
    accuracy = gauge("splitemu_test_accuracy", "Test accuracy at the last evaluation.");
    loss = gauge("splitemu_train_loss", "Mean training loss of the last round.");
    linkBytes = counter("splitemu_link_bytes_total", "Bytes carried by device links.", "direction");
    linkRate =
        gauge(
            "splitemu_link_rate_bits_per_second",
            "Achieved link rate of the last round: its bits over its link busy seconds, over all"
                + " devices.",
            "direction");
    computeSeconds =
        counter(
            "splitemu_compute_seconds_total",
            "Emulated compute seconds: role device sums every device's compute, role server the"
                + " server compute on each round's critical path.",
            "role");
    cutLayer = gauge("splitemu_cut_layer", "Cut layer of the last round (single-cut schemes).");
    clusterCount = gauge("splitemu_cluster_count", "Clusters of the last round.");
    memory =
        gauge(
            "splitemu_node_model_memory_bytes",
            "Peak model memory of a node by role (device, edge, hop-N).",
            "role");
    events =
        counter(
            "splitemu_events_total",
            "Events of events.csv by kind (faults, timeouts, plans and re-plans).",
            "kind");
    faults = counter("splitemu_faults_injected_total", "Faults injected, by kind.", "kind");
    failed = counter("splitemu_devices_failed_total", "Devices dropped from a round.");
    lag =
        gauge(
            "splitemu_emulation_lag_seconds",
            "Paced mode: how far wall clock is behind emulated time / speedup (0 in virtual"
                + " mode).");
    deviceBytes =
        counter(
            "splitemu_device_link_bytes_total",
            "Bytes carried by one device's links (only below metrics.per-device-below devices).",
            "device",
            "direction");
    deviceCompute =
        gauge(
            "splitemu_device_compute_seconds",
            "One device's emulated compute seconds in the last round (only below"
                + " metrics.per-device-below devices).",
            "device");
  }

  /**
   * The JVM-wide metrics endpoint for {@code s}: started on first use, shared by every later run
   * asking for the same address and port, with the JVM's own metrics registered once.
   */
  public static synchronized Metrics shared(MetricsSettings s) {
    String key = s.bindAddress() + ":" + s.port();
    Metrics m = SHARED.get(key);
    if (m == null) {
      m = start(s.bindAddress(), s.port(), true);
      SHARED.put(key, m);
      System.err.println(
          "splitemu: metrics at http://" + s.bindAddress() + ":" + m.port() + "/metrics");
    }
    return m;
  }

  /**
   * A new endpoint with its own registry on {@code port} (0 picks a free one); {@code jvm} adds the
   * JVM's metrics (memory, GC, threads).
   */
  public static Metrics start(String bindAddress, int port, boolean jvm) {
    try {
      // Resolved first, so that an unknown host is reported as the address it is, not the port.
      InetAddress.getByName(bindAddress);
    } catch (UnknownHostException e) {
      throw new SettingsException(
          "splitemu.metrics.bind-address: cannot resolve \"" + bindAddress + "\"");
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    if (jvm) {
      JvmMetrics.builder().register(registry);
    }
    HTTPServer server;
    try {
      server =
          HTTPServer.builder().hostname(bindAddress).port(port).registry(registry).buildAndStart();
    } catch (IOException e) {
      throw new SettingsException(
          "splitemu.metrics.port: cannot serve metrics on "
              + bindAddress
              + ":"
              + port
              + ": "
              + e.getMessage());
    }
    return new Metrics(registry, server);
  }

  /** The port the endpoint listens on. */
  public int port() {
    return server.getPort();
  }

  /** The registry (tests read it directly). */
  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * An observer feeding this endpoint from one run's rows; {@code perDeviceBelow} as in {@link
   * MetricsSettings}.
   */
  public Run run(String scheme, int deviceCount, int perDeviceBelow) {
    lag.labelValues(scheme).set(0);
    return new Run(scheme, deviceCount < perDeviceBelow);
  }

  /** Stops the endpoint. */
  @Override
  public void close() {
    server.close();
    synchronized (Metrics.class) {
      SHARED.values().remove(this);
    }
  }

  private Counter counter(String name, String help, String... labels) {
    return Counter.builder()
        .name(name)
        .help(help)
        .labelNames(withScheme(labels))
        .register(registry);
  }

  private Gauge gauge(String name, String help, String... labels) {
    return Gauge.builder().name(name).help(help).labelNames(withScheme(labels)).register(registry);
  }

  private static String[] withScheme(String[] labels) {
    String[] all = new String[labels.length + 1];
    all[0] = "scheme";
    System.arraycopy(labels, 0, all, 1, labels.length);
    return all;
  }

  /** One run's feed: turns recorded rows into samples labelled with the run's scheme. */
  public final class Run implements RecordObserver {

    private final String scheme;
    private final boolean perDevice;
    // Per-round link totals, so the achieved rate is right whatever order rows come in.
    private final Map<Integer, double[]> linkTotals = new HashMap<>();
    private PacingLag lagSource;

    private Run(String scheme, boolean perDevice) {
      this.scheme = scheme;
      this.perDevice = perDevice;
    }

    /** Sets a node's peak model memory in bytes. */
    public void memory(String role, long bytes) {
      memory.labelValues(scheme, role).set(bytes);
    }

    /** Reads the paced run's lag at every round (the gauge stays 0 in virtual mode). */
    public void lagSource(PacingLag source) {
      this.lagSource = source;
    }

    /** Sets how far the run is behind its pacing schedule, in wall seconds. */
    public void lag(double seconds) {
      lag.labelValues(scheme).set(seconds);
    }

    @Override
    public void onRound(RoundRecord r) {
      rounds.labelValues(scheme).inc();
      if (lagSource != null) {
        lag.labelValues(scheme).set(lagSource.lastNanos() / 1e9);
      }
      emulatedTime.labelValues(scheme).set(r.emulatedTimeS());
      roundLatency.labelValues(scheme).set(r.roundLatencyS());
      roundPart.labelValues(scheme, "device_compute").set(r.deviceComputeS());
      roundPart.labelValues(scheme, "server_compute").set(r.serverComputeS());
      roundPart.labelValues(scheme, "communication").set(r.communicationS());
      roundPart.labelValues(scheme, "aggregation").set(r.aggregationS());
      participants.labelValues(scheme).set(r.participants());
      computeSeconds.labelValues(scheme, "server").inc(r.serverComputeS());
      if (r.failed() > 0) {
        failed.labelValues(scheme).inc(r.failed());
      }
      clusterCount.labelValues(scheme).set(r.clusters());
      if (r.cut() != null && r.cut().matches("\\d+")) {
        cutLayer.labelValues(scheme).set(Integer.parseInt(r.cut()));
      }
      if (!Double.isNaN(r.testAccuracy())) {
        accuracy.labelValues(scheme).set(r.testAccuracy());
      }
      if (!Double.isNaN(r.trainLoss())) {
        loss.labelValues(scheme).set(r.trainLoss());
      }
      linkTotals.keySet().removeIf(k -> k < r.round());
    }

    @Override
    public void onDevice(DeviceRecord d) {
      if (!d.completed()) {
        return;
      }
      linkBytes.labelValues(scheme, "up").inc(d.bytesUp());
      linkBytes.labelValues(scheme, "down").inc(d.bytesDown());
      computeSeconds.labelValues(scheme, "device").inc(d.computeS());
      double[] t = linkTotals.computeIfAbsent(d.round(), k -> new double[4]);
      t[0] += 8.0 * d.bytesUp();
      t[1] += d.uplinkS();
      t[2] += 8.0 * d.bytesDown();
      t[3] += d.downlinkS();
      if (t[1] > 0) {
        linkRate.labelValues(scheme, "up").set(t[0] / t[1]);
      }
      if (t[3] > 0) {
        linkRate.labelValues(scheme, "down").set(t[2] / t[3]);
      }
      if (perDevice) {
        String id = Integer.toString(d.device());
        deviceBytes.labelValues(scheme, id, "up").inc(d.bytesUp());
        deviceBytes.labelValues(scheme, id, "down").inc(d.bytesDown());
        deviceCompute.labelValues(scheme, id).set(d.computeS());
      }
    }

    @Override
    public void onEvent(EventRecord e) {
      events.labelValues(scheme, e.kind()).inc();
      if ("fault".equals(e.kind())) {
        int colon = e.detail().indexOf(':');
        String kind = colon > 0 ? e.detail().substring(0, colon) : "unspecified";
        faults.labelValues(scheme, kind).inc();
      }
    }
  }
}
