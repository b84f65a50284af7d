package io.splitemu.actors.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.DefaultHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.results.DevicePlanRecord;
import io.splitemu.actors.results.DeviceRecord;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.HopRecord;
import io.splitemu.actors.results.MemoryRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.results.RecordObserver;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.results.Units;
import io.splitemu.net.stream.PacingLag;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The Prometheus metrics of one JVM, served at {@code /metrics}, fed from the rows a run records
 * and from its in-round progress.
 *
 * <p>Names follow DESIGN.md "Observability" and use base units; emulated quantities are emulated
 * seconds. Every {@code splitemu_*} series carries the labels {@code run}, {@code scenario}, {@code
 * scheme} and {@code node}, so that the runs of a {@code compare} share one endpoint and the
 * members of a cluster stay apart; only the {@code splitemu_device_*} series carry a device label,
 * and only below a configured device count. docs/metrics.md lists every series.
 */
public final class Metrics implements AutoCloseable {

  /** Every metric family this class exports (sample names of counters end in _total). */
  public static final List<String> NAMES =
      List.of(
          "splitemu_run_rounds",
          "splitemu_rounds_total",
          "splitemu_rounds_recorded",
          "splitemu_round_step",
          "splitemu_round_steps",
          "splitemu_emulated_time_seconds",
          "splitemu_emulation_speed_ratio",
          "splitemu_emulation_lag_seconds",
          "splitemu_checkpoint_age_seconds",
          "splitemu_round_latency_seconds",
          "splitemu_round_part_seconds",
          "splitemu_round_participants",
          "splitemu_test_accuracy",
          "splitemu_train_loss",
          "splitemu_link_bytes_total",
          "splitemu_link_rate_bytes_per_second",
          "splitemu_compute_seconds_total",
          "splitemu_cut_layer",
          "splitemu_clusters",
          "splitemu_node_model_memory_bytes",
          "splitemu_events_total",
          "splitemu_faults_injected_total",
          "splitemu_recoveries_total",
          "splitemu_replans_total",
          "splitemu_devices_failed_total",
          "splitemu_hop_queue_length",
          "splitemu_hop_idle_seconds_total",
          "splitemu_hop_run_idle_seconds",
          "splitemu_device_link_bytes_total",
          "splitemu_device_compute_seconds",
          "splitemu_device_cut_layer",
          "splitemu_device_link_share",
          "splitemu_device_link_rate_bytes_per_second",
          "splitemu_device_link_capacity_bytes_per_second");

  /** The labels of every splitemu series, in this order. */
  public static final List<String> RUN_LABELS = List.of("run", "scenario", "scheme", "node");

  /**
   * The fault kind whose counters start at 0 with every run, so the faults dashboard has a series
   * before any fault; the other kinds appear with their first row.
   */
  static final String DEVICE_HANG = "device-hang";

  /**
   * The fault kind of a {@code fault} or {@code recovery} row: its detail's first word (every such
   * row starts with its kind, then a colon), one of the scenario's kinds, else "unspecified".
   */
  static String faultKind(String detail) {
    int end = 0;
    while (end < detail.length() && detail.charAt(end) != ':' && detail.charAt(end) != ' ') {
      end++;
    }
    String kind = detail.substring(0, end);
    return io.splitemu.actors.config.Settings.Fault.KINDS.contains(kind) ? kind : "unspecified";
  }

  private static final Map<String, Metrics> SHARED = new HashMap<>();

  /** A cut that is one layer index (not a DAG cut or a per-device list). */
  private static final Pattern LAYER = Pattern.compile("\\d+");

  private final PrometheusRegistry registry;
  private final HTTPServer server;

  /** What {@code /ready} answers: null (no readiness on this endpoint: 404), or 200 while true. */
  private final AtomicReference<BooleanSupplier> readiness;

  // Every run's feed, whose speed ratio, lag and checkpoint age are computed at each scrape (a
  // run's last values stay after it ended).
  private final Map<List<String>, Run> feeds = new ConcurrentHashMap<>();
  // Runs started on this endpoint so far (guarded by this Metrics).
  private long runsStarted;

  private final Gauge runRounds;
  private final Counter rounds;
  private final Gauge roundsRecorded;
  private final Gauge roundStep;
  private final Gauge roundSteps;
  private final Gauge roundLatency;
  private final Gauge roundPart;
  private final Gauge participants;
  private final Gauge accuracy;
  private final Gauge loss;
  private final Counter linkBytes;
  private final Gauge linkRate;
  private final Counter computeSeconds;
  private final Gauge cutLayer;
  private final Gauge clusters;
  private final Gauge memory;
  private final Counter events;
  private final Counter faults;
  private final Counter recoveries;
  private final Counter replans;
  private final Counter failed;
  private final Gauge hopQueue;
  private final Counter hopIdle;
  private final Gauge hopRunIdle;
  private final Counter deviceBytes;
  private final Gauge deviceCompute;
  private final Gauge deviceCut;
  private final Gauge deviceShare;
  private final Gauge deviceRate;
  private final Gauge deviceCapacity;

  private Metrics(
      PrometheusRegistry registry, HTTPServer server, AtomicReference<BooleanSupplier> readiness) {
    this.registry = registry;
    this.server = server;
    this.readiness = readiness;
    runRounds = gauge("splitemu_run_rounds", "Rounds the run is planned to have.");
    rounds =
        counter(
            "splitemu_rounds_total",
            "Rounds recorded by this process, redone rounds after a crash included (work done).");
    roundsRecorded =
        gauge(
            "splitemu_rounds_recorded",
            "Rows rounds.csv holds now: lowered when a crash rewinds the run to a checkpoint, and"
                + " from the rows read back on a --resume.");
    roundStep =
        gauge(
            "splitemu_round_step",
            "Steps (MP-SL: batches) done in the round under way, updated during the round.");
    roundSteps =
        gauge(
            "splitemu_round_steps",
            "Steps (MP-SL: batches) the round under way runs in all; 0 when not known ahead.");
    GaugeWithCallback.builder()
        .name("splitemu_emulated_time_seconds")
        .help(
            "Emulated instant the run has reached, from its progress during rounds and their"
                + " ends; paced, the pacing clock's instant up to the next one the run waits"
                + " for, read at every scrape; after a crash's rewind, the checkpoint's.")
        .labelNames(RUN_LABELS.toArray(new String[0]))
        .callback(
            cb ->
                feeds.forEach(
                    (labels, run) -> cb.call(run.emulatedNowS(), labels.toArray(new String[0]))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("splitemu_emulation_speed_ratio")
        .help(
            "Emulated seconds per wall-clock second since the run's supervisor started (to its"
                + " last round's end once it ended, as summary.json counts), read at every"
                + " scrape.")
        .labelNames(RUN_LABELS.toArray(new String[0]))
        .callback(
            cb ->
                feeds.forEach(
                    (labels, run) -> cb.call(run.speedRatio(), labels.toArray(new String[0]))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("splitemu_emulation_lag_seconds")
        .help(
            "Paced mode: how far the wall clock is behind emulated time / speedup: the larger of"
                + " the latest paced release's lag and how overdue the oldest held emission (a"
                + " transfer, a barrier release, the supervisor's next visit) is now, read at"
                + " every scrape; its value at the end once the run ended (0 in virtual mode).")
        .labelNames(RUN_LABELS.toArray(new String[0]))
        .callback(
            cb ->
                feeds.forEach((labels, run) -> cb.call(run.lagS(), labels.toArray(new String[0]))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("splitemu_checkpoint_age_seconds")
        .help(
            "Wall-clock seconds since the run's newest checkpoint was written (to the run's end"
                + " once it ended), read at every scrape; no sample before the run's first"
                + " checkpoint or with checkpoints off.")
        .labelNames(RUN_LABELS.toArray(new String[0]))
        .callback(
            cb ->
                feeds.forEach(
                    (labels, run) -> {
                      double age = run.checkpointAgeS();
                      if (!Double.isNaN(age)) {
                        cb.call(age, labels.toArray(new String[0]));
                      }
                    }))
        .register(registry);
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
            "splitemu_link_rate_bytes_per_second",
            "Achieved link rate of the last round: its bytes over its link busy seconds, over all"
                + " devices.",
            "direction");
    computeSeconds =
        counter(
            "splitemu_compute_seconds_total",
            "Emulated compute seconds by role: devices sums every device's compute, edge (MP-SL:"
                + " hops) the server compute on each round's critical path.",
            "role");
    cutLayer = gauge("splitemu_cut_layer", "Cut layer of the last round (single-cut schemes).");
    clusters = gauge("splitemu_clusters", "Clusters of the last round.");
    memory =
        gauge(
            "splitemu_node_model_memory_bytes",
            "Peak model memory of a node by role (devices, edge, hops) and member (device, edge,"
                + " hop-N).",
            "role",
            "member");
    events =
        counter(
            "splitemu_events_total",
            "Events of events.csv by kind (faults, timeouts, plans and re-plans).",
            "kind");
    faults = counter("splitemu_faults_injected_total", "Faults injected, by kind.", "kind");
    recoveries =
        counter(
            "splitemu_recoveries_total", "Recoveries from a fault, by the fault's kind.", "kind");
    replans =
        counter("splitemu_replans_total", "Re-plan events (replan, cut-replan) of events.csv.");
    failed = counter("splitemu_devices_failed_total", "Devices dropped from a round.");
    hopQueue =
        gauge(
            "splitemu_hop_queue_length",
            "MP-SL: mean jobs waiting at a hop over its latest reporting window (emulated,"
                + " Little's law).",
            "member");
    hopIdle =
        counter(
            "splitemu_hop_idle_seconds_total",
            "MP-SL: emulated seconds a hop's processor has been idle.",
            "member");
    hopRunIdle =
        gauge(
            "splitemu_hop_run_idle_seconds",
            "MP-SL: emulated seconds a hop's processor has been idle since the run's start"
                + " (a resumed or restored hop's total included).",
            "member");
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
    deviceCut =
        gauge(
            "splitemu_device_cut_layer",
            "One device's cut in the round under way: the layers on the device (per-device cut"
                + " schemes; only below metrics.per-device-below devices).",
            "device");
    deviceShare =
        gauge(
            "splitemu_device_link_share",
            "One device's share of its band in the round under way, where the scheme plans"
                + " shares (only below metrics.per-device-below devices).",
            "device",
            "direction");
    deviceRate =
        gauge(
            "splitemu_device_link_rate_bytes_per_second",
            "One device's achieved link rate in the last round: its bytes over its link busy"
                + " seconds (only below metrics.per-device-below devices).",
            "device",
            "direction");
    deviceCapacity =
        gauge(
            "splitemu_device_link_capacity_bytes_per_second",
            "The mean rate one device's link offered at full band over the last round (its trace,"
                + " channel or static rate; only below metrics.per-device-below devices).",
            "device",
            "direction");
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
      String host = s.bindAddress().contains(":") ? "[" + s.bindAddress() + "]" : s.bindAddress();
      System.err.println("splitemu: metrics at http://" + host + ":" + m.port() + "/metrics");
    }
    return m;
  }

  /**
   * A new endpoint with its own registry on {@code port} (0 picks a free one); {@code jvm} adds the
   * JVM's metrics (memory, GC, threads).
   */
  public static Metrics start(String bindAddress, int port, boolean jvm) {
    return start(bindAddress, port, jvm, null);
  }

  /**
   * As {@link #start(String, int, boolean)}, with {@code /ready} answering after {@code ready} from
   * the first request on (null: 404 until {@link #readiness} sets one).
   */
  public static Metrics start(String bindAddress, int port, boolean jvm, BooleanSupplier ready) {
    try {
      // Resolved first, so that an unknown host is reported as the address it is, not the port.
      InetAddress.getByName(bindAddress);
    } catch (UnknownHostException e) {
      throw new SettingsException(
          "splitemu.metrics.bind-address: cannot resolve \"" + bindAddress + "\"");
    }
    ScrapeErrors.install();
    PrometheusRegistry registry = new PrometheusRegistry();
    if (jvm) {
      JvmMetrics.builder().register(registry);
    }
    AtomicReference<BooleanSupplier> readiness = new AtomicReference<>(ready);
    HTTPServer server;
    try {
      server =
          HTTPServer.builder()
              .hostname(bindAddress)
              .port(port)
              .registry(registry)
              .defaultHandler(new ReadyHandler(readiness))
              .buildAndStart();
    } catch (IOException e) {
      throw new SettingsException(
          UNBOUND + "cannot serve metrics on " + bindAddress + ":" + port + ": " + e.getMessage());
    }
    return new Metrics(registry, server, readiness);
  }

  /** The start of {@link #start}'s message when its port cannot be bound. */
  private static final String UNBOUND = "splitemu.metrics.port: ";

  /**
   * Why {@link #start} (or {@link #shared}) could not bind its port, from the exception it threw:
   * its message past the key ({@code cannot serve metrics on HOST:PORT: CAUSE}); null where {@code
   * e} is another failure.
   */
  public static String unbound(SettingsException e) {
    String m = e.getMessage();
    return m != null && m.startsWith(UNBOUND + "cannot serve metrics on ")
        ? m.substring(UNBOUND.length())
        : null;
  }

  /**
   * What the Prometheus HTTP server logs (java.util.logging, SEVERE with a stack trace of some 27
   * lines by default) when a scrape fails: nothing where the scraper went away (a connection reset
   * or a broken pipe: a scraper's time-out, not the endpoint's fault), else one line on stderr per
   * failed scrape, with its cause. The library logs a failure to send the error response and the
   * failure that caused it as two records, in a row on the scrape's thread: they make one line.
   */
  static final class ScrapeErrors extends Handler {
    /** The library's logger, held here: java.util.logging keeps its loggers weakly. */
    private static final Logger LOG = Logger.getLogger(HttpExchangeAdapter.class.getName());

    private static final String NO_ERROR_RESPONSE = "failed to send an error response";

    /** The record of a failed error response, until the record of its cause follows. */
    private final ThreadLocal<LogRecord> pending = new ThreadLocal<>();

    private final java.util.function.Supplier<java.io.PrintStream> err;

    ScrapeErrors(java.util.function.Supplier<java.io.PrintStream> err) {
      this.err = err;
    }

    /** Routes the library's logger here (once per JVM) instead of the console's handler. */
    static synchronized void install() {
      for (Handler h : LOG.getHandlers()) {
        if (h instanceof ScrapeErrors) {
          return;
        }
      }
      LOG.setUseParentHandlers(false);
      LOG.addHandler(new ScrapeErrors(() -> System.err));
    }

    @Override
    public void publish(LogRecord r) {
      String message = r.getMessage() == null ? "" : r.getMessage();
      if (message.contains(NO_ERROR_RESPONSE)) {
        pending.set(r);
        return;
      }
      LogRecord failedResponse = pending.get();
      pending.remove();
      String line = line(r.getThrown(), failedResponse == null ? null : failedResponse.getThrown());
      if (line != null) {
        java.io.PrintStream out = err.get();
        out.println(line);
        out.flush();
      }
    }

    /**
     * The line of a scrape that failed with {@code cause} (its error response failing with {@code
     * failedResponse}, if not null), or null where the scraper went away.
     */
    static String line(Throwable cause, Throwable failedResponse) {
      if (scraperGone(cause) || (cause == null && scraperGone(failedResponse))) {
        return null;
      }
      return "splitemu: metrics endpoint: a scrape failed: "
          + describe(cause == null ? failedResponse : cause)
          + (failedResponse == null ? "" : " (no error response sent to the scraper)");
    }

    /** Whether {@code t} (or a cause of it) is a connection the scraper reset or closed. */
    static boolean scraperGone(Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof IOException && c.getMessage() != null) {
          String m = c.getMessage().toLowerCase(java.util.Locale.ROOT);
          if (m.contains("broken pipe")
              || m.contains("connection reset")
              || m.contains("connection abort")) {
            return true;
          }
        }
      }
      return false;
    }

    private static String describe(Throwable t) {
      if (t == null) {
        return "no cause given";
      }
      Throwable root = t;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root == t ? t.toString() : t + ", caused by " + root;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /**
   * Makes {@code /ready} answer 200 while {@code ready} is true and 503 otherwise (a cluster
   * member: Up in its cluster); without it {@code /ready} is 404, as on a run's endpoint.
   */
  public void readiness(BooleanSupplier ready) {
    readiness.set(ready);
  }

  /**
   * The endpoint's paths other than {@code /metrics} and {@code /-/healthy}: {@code /ready} as set
   * by {@link #readiness}, anything else the library's own page.
   */
  private static final class ReadyHandler implements HttpHandler {
    private final AtomicReference<BooleanSupplier> readiness;
    private final HttpHandler page = new DefaultHandler();

    ReadyHandler(AtomicReference<BooleanSupplier> readiness) {
      this.readiness = readiness;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      if (!exchange.getRequestURI().getPath().equals("/ready")) {
        page.handle(exchange);
        return;
      }
      try (exchange) {
        BooleanSupplier ready = readiness.get();
        int status;
        String body;
        if (ready == null) {
          status = 404;
          body = "no readiness on this endpoint (only a cluster member's, splitemu node)\n";
        } else if (ready.getAsBoolean()) {
          status = 200;
          body = "ready: this member is Up in the cluster\n";
        } else {
          status = 503;
          body = "not ready: this member is not Up in the cluster\n";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (exchange.getRequestMethod().equals("HEAD")) {
          exchange.sendResponseHeaders(status, -1);
          return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  /**
   * After a command's runs ended (done, failed, or stopped by SIGTERM): with metrics on, keeps this
   * JVM (and so its endpoint) up for {@code splitemu.metrics.linger}, saying so in one line on
   * {@code out}, so that Prometheus scrapes the final values; returns at once with metrics off or a
   * linger of 0.
   */
  public static void linger(MetricsSettings s, PrintWriter out) {
    linger(s, out, null);
  }

  /**
   * As {@link #linger(MetricsSettings, PrintWriter)}, for at most {@code atMost} (whole seconds;
   * null: no bound): a run stopped by SIGTERM lingers no longer than what is left of its stop
   * bound, the time its supervisor waits before SIGKILL being sized on that bound (docs/metrics.md
   * "Endpoint and linger").
   */
  public static void linger(MetricsSettings s, PrintWriter out, Duration atMost) {
    if (!s.enabled() || s.linger().isZero()) {
      return;
    }
    Duration wait = s.linger();
    boolean cut = false;
    if (atMost != null && atMost.compareTo(wait) < 0) {
      wait = Duration.ofSeconds(Math.max(0, atMost.toSeconds()));
      cut = true;
    }
    if (wait.isZero()) {
      out.println(
          "metrics: no linger: the SIGTERM's stop bound is used up (splitemu.metrics.linger)");
      out.flush();
      return;
    }
    out.println(
        "metrics: serving the final values for "
            + Units.exactSeconds(wait)
            + " more (splitemu.metrics.linger"
            + (cut ? ", cut to what is left of the SIGTERM's stop bound)" : ")"));
    out.flush();
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // a signal ends the wait, as it ends the process
    }
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
   * What a run's series are labelled with and which of them it has from its start.
   *
   * @param run the run's {@code run} label ({@code Emulation.runLabel}: the folder's path under
   *     {@code output.dir}, NAME-hash elsewhere; a {@code --resume} reads it from {@code
   *     run-label.txt})
   * @param rounds the rounds planned
   * @param devices the run's device count
   * @param perDevice whether the run exports per-device series
   * @param serverRole the role of its server side: {@code edge}, or {@code hops} for MP-SL
   * @param singleCut whether the scheme runs one cut for all devices each round (CPSL and the
   *     fixed-cut barrier schemes), so that {@code splitemu_cut_layer} follows the rounds' cut
   * @param cut the single cut the run starts with, or -1 when it has none fixed ahead
   * @param memory the peak model memory known at the start, by node ({@code device}, {@code edge})
   * @param cutMemory a single-cut scheme's model memory by node at a cut of {@code rounds.csv}, set
   *     at each round's end (a CPSL re-cut moves it); empty where not known
   * @param rewinds whether a crash ({@code server-crash}, {@code supervisor-crash}) may send the
   *     run back to a checkpoint in this process: only then does the feed remember which scenario
   *     faults' rows it counted (one entry per fault and subject, so that a row the rewind cut and
   *     the redone rounds wrote again is counted once); a run without one holds nothing for them
   */
  public record RunInfo(
      String run,
      String scenario,
      String scheme,
      String node,
      int rounds,
      int devices,
      boolean perDevice,
      String serverRole,
      boolean singleCut,
      int cut,
      Map<String, Long> memory,
      Function<String, Map<String, Long>> cutMemory,
      boolean rewinds) {

    /**
     * A run whose single cut, if any, is fixed ahead ({@code cut >= 0}), and that a crash may
     * rewind.
     */
    public RunInfo(
        String run,
        String scenario,
        String scheme,
        String node,
        int rounds,
        int devices,
        boolean perDevice,
        String serverRole,
        int cut,
        Map<String, Long> memory) {
      this(
          run,
          scenario,
          scheme,
          node,
          rounds,
          devices,
          perDevice,
          serverRole,
          cut >= 0,
          cut,
          memory,
          c -> Map.of(),
          true);
    }
  }

  /**
   * An observer feeding this endpoint from one run's rows and progress; every series the run will
   * have gets its first sample now (0 where nothing happened yet), so a dashboard shows the run
   * from its first scrape. {@code lag} is read at every scrape.
   */
  public Run run(RunInfo info, PacingLag lag) {
    return run(info, lag, MetricsSettings.PER_DEVICE_BELOW_MAX);
  }

  /**
   * As {@link #run(RunInfo, PacingLag)}, where the endpoint serves per-device series for fewer than
   * {@code perDeviceBelow} devices in all. The runs of one JVM (a compare's schemes, a sweep's
   * points) share the endpoint: the runs that ended keep their per-device series, so that a
   * dashboard still shows each run's last values, while the devices of the runs that still export
   * them, this one's included, stay below that limit; beyond it those of the runs that ended first
   * go (their run-level series stay; devices.csv keeps every device's rows).
   */
  public synchronized Run run(RunInfo info, PacingLag lag, int perDeviceBelow) {
    Run r = new Run(info, lag, runsStarted++);
    List<Run> exporting =
        feeds.values().stream()
            .filter(Run::exportsPerDevice)
            .sorted(Comparator.comparingLong(Run::order))
            .toList();
    long devices = r.info.perDevice() ? r.info.devices() : 0;
    for (Run e : exporting) {
      devices += e.info.devices();
    }
    for (Run e : exporting) {
      if (devices < perDeviceBelow) {
        break;
      }
      if (e.dropPerDeviceIfEnded()) {
        devices -= e.info.devices();
      }
    }
    feeds.put(List.of(r.base), r);
    r.start();
    return r;
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
        .labelNames(withRunLabels(labels))
        .register(registry);
  }

  private Gauge gauge(String name, String help, String... labels) {
    return Gauge.builder()
        .name(name)
        .help(help)
        .labelNames(withRunLabels(labels))
        .register(registry);
  }

  private static String[] withRunLabels(String[] labels) {
    String[] all = new String[RUN_LABELS.size() + labels.length];
    for (int i = 0; i < RUN_LABELS.size(); i++) {
      all[i] = RUN_LABELS.get(i);
    }
    System.arraycopy(labels, 0, all, RUN_LABELS.size(), labels.length);
    return all;
  }

  /** The role label of a memory entry of the summary ({@code device}, {@code edge}, hops). */
  static String roleOf(String node) {
    return switch (node) {
      case "device" -> "devices";
      case "edge" -> "edge";
      default -> "hops";
    };
  }

  /** One run's feed: turns recorded rows and progress into samples labelled with the run. */
  public final class Run implements RecordObserver {

    private final RunInfo info;
    private final String[] base;
    private final PacingLag lag;
    // Where the speed ratio's wall clock starts: the supervisor's start (onStart), as the rows'
    // wall_time_s; until then (a feed driven without a supervisor) the feed's creation.
    private volatile long wallStartNs = System.nanoTime();
    private volatile boolean started;
    // Paced (speedup > 0, from onStart): emulated instant e is due at paceOriginNs + e / speedup.
    private volatile long paceOriginNs;
    private volatile double speedup;
    // The wall_time_s and emulated instant of this process's latest round row since the start
    // (NaN: none since the start or the last rewind): the ratio's end once the run ended.
    private volatile double lastRowWallS = Double.NaN;
    private volatile double lastRowEmulatedS = Double.NaN;
    // The emulated time shown last (paced), so that it never goes back but at a rewind.
    private final Object shownLock = new Object();
    private double shownS;
    // Per-round link totals, so the achieved rate is right whatever order rows come in.
    private final Map<Integer, double[]> linkTotals = new HashMap<>();
    // Each hop's latest reported idle total (the hops report totals since the run's start): a
    // report below it is a hop restarted from a checkpoint, whose total is the new base.
    private final Map<String, Double> idleSeen = new HashMap<>();
    // The scenario faults' fault and recovery rows counted ("index/subject/kind"), kept across a
    // crash's rewind: a row the rewind cut and the redone rounds wrote again is not counted twice.
    private final java.util.Set<String> faultRowsCounted = new java.util.HashSet<>();
    // The rows of rounds.csv now, by round (the gauges of the last round after a rewind),
    // RoundRecord.compacted (a split scheme's per-device cut list is no one layer's cut); emptied
    // once the run ended, when no rewind comes.
    private final TreeMap<Integer, RoundRecord> recorded = new TreeMap<>();
    // The emulated instant this process started the run at (a --resume: its checkpoint's).
    private volatile double emulatedStartS;
    // Written by the recorder's thread, read by scrapes.
    private volatile double emulatedS;
    private volatile long wallEndNs = -1;
    // Its per-device series were removed once it ended (guarded by this Run).
    private boolean perDeviceDropped;
    private final long order;
    private volatile double lagAtEndS = Double.NaN;
    // When this process wrote the run's newest checkpoint (System.nanoTime), -1 before the first.
    private volatile long checkpointWallNs = -1;
    // Each device's latest row of devices.csv now, which a rewind shows as a resume does (none
    // until deviceRowsFrom names them).
    private volatile Supplier<List<DeviceRecord>> deviceRows = List::of;

    private Run(RunInfo info, PacingLag lag, long order) {
      this.info = info;
      this.lag = lag;
      this.order = order;
      this.base = new String[] {info.run(), info.scenario(), info.scheme(), info.node()};
    }

    private String[] l(String... extra) {
      String[] all = new String[base.length + extra.length];
      System.arraycopy(base, 0, all, 0, base.length);
      System.arraycopy(extra, 0, all, base.length, extra.length);
      return all;
    }

    /** The first sample of every series the run has from its start. */
    private void start() {
      runRounds.labelValues(base).set(info.rounds());
      rounds.labelValues(base).inc(0);
      roundsRecorded.labelValues(base).set(0);
      roundStep.labelValues(base).set(0);
      roundSteps.labelValues(base).set(0);
      roundLatency.labelValues(base).set(0);
      for (String part :
          List.of("device_compute", "server_compute", "communication", "aggregation")) {
        roundPart.labelValues(l(part)).set(0);
      }
      participants.labelValues(base).set(0);
      clusters.labelValues(base).set(0);
      if (info.cut() >= 0) {
        cutLayer.labelValues(base).set(info.cut());
      }
      for (String dir : List.of("up", "down")) {
        linkBytes.labelValues(l(dir)).inc(0);
        linkRate.labelValues(l(dir)).set(0);
      }
      computeSeconds.labelValues(l("devices")).inc(0);
      computeSeconds.labelValues(l(info.serverRole())).inc(0);
      info.memory().forEach(this::memory);
      faults.labelValues(l(DEVICE_HANG)).inc(0);
      recoveries.labelValues(l(DEVICE_HANG)).inc(0);
      replans.labelValues(base).inc(0);
      failed.labelValues(base).inc(0);
      if (info.perDevice()) {
        for (int d = 0; d < info.devices(); d++) {
          String id = Integer.toString(d);
          deviceBytes.labelValues(l(id, "up")).inc(0);
          deviceBytes.labelValues(l(id, "down")).inc(0);
          deviceCompute.labelValues(l(id)).set(0);
          for (String dir : List.of("up", "down")) {
            deviceRate.labelValues(l(id, dir)).set(0);
            deviceCapacity.labelValues(l(id, dir)).set(0);
          }
        }
      }
    }

    /**
     * Sets device {@code device}'s link capacity over the last round, bytes per emulated second of
     * its uplink and downlink at full band (runs with per-device series only; NaN: not known).
     */
    public void linkCapacity(int device, double upBytesPerS, double downBytesPerS) {
      if (!info.perDevice()) {
        return;
      }
      String id = Integer.toString(device);
      if (Double.isFinite(upBytesPerS)) {
        deviceCapacity.labelValues(l(id, "up")).set(upBytesPerS);
      }
      if (Double.isFinite(downBytesPerS)) {
        deviceCapacity.labelValues(l(id, "down")).set(downBytesPerS);
      }
    }

    /**
     * Sets a node's peak model memory in bytes; {@code node} as the summary names it ({@code
     * device}, {@code edge}, {@code hop-N}).
     */
    public void memory(String node, long bytes) {
      memory.labelValues(l(roleOf(node), node)).set(bytes);
    }

    private void reached(double emulated) {
      emulatedS = Math.max(emulatedS, emulated);
    }

    @Override
    public void onStart(long wallStartNanoTime, long pacingOriginNanoTime, double speedup) {
      wallStartNs = wallStartNanoTime;
      paceOriginNs = pacingOriginNanoTime;
      this.speedup = speedup;
      started = true;
    }

    /**
     * The emulated instant to show now: the latest the run's progress and rows reached (since a
     * rewind, from the checkpoint's). Paced, while the run goes on, the pacing clock's instant
     * instead (wall time since the pacing origin x speedup), which moves during a wait on the
     * schedule (a barrier's deadline, a restart delay) too, up to the larger of the instant reached
     * and the due instant of the oldest emission the run holds: the next instant it reaches. It
     * never goes back, but at a rewind.
     */
    double emulatedNowS() {
      double reached = emulatedS;
      double pace = speedup;
      if (wallEndNs >= 0 || pace <= 0) {
        return reached;
      }
      synchronized (shownLock) {
        if (lag.releasingAtOnce()) {
          // Stopping: the rest goes at virtual speed, with the instants it reaches.
          shownS = Math.max(shownS, reached);
          return shownS;
        }
        long origin = paceOriginNs;
        double clockS = (System.nanoTime() - origin) * pace / 1e9;
        long due = lag.nextDueNanoTime();
        double next =
            due == Long.MAX_VALUE ? reached : Math.max(reached, (due - origin) * pace / 1e9);
        shownS = Math.max(shownS, Math.min(clockS, next));
        return shownS;
      }
    }

    /**
     * Emulated seconds per wall-clock second from this process's start of the run (its
     * supervisor's, as the rows' {@code wall_time_s}) to now, or to its last round's row once it
     * ended (where its run ended: {@code summary.json}'s emulated time over its wall time): a
     * resumed run counts the emulated time from the instant it resumed at.
     */
    double speedRatio() {
      long end = wallEndNs;
      double reached = emulatedS;
      double wallS;
      if (end >= 0 && started && !Double.isNaN(lastRowWallS) && reached <= lastRowEmulatedS) {
        wallS = lastRowWallS;
      } else {
        wallS = ((end >= 0 ? end : System.nanoTime()) - wallStartNs) / 1e9;
      }
      return wallS > 0 ? Math.max(0, reached - emulatedStartS) / wallS : 0.0;
    }

    /**
     * The run resumes (a {@code --resume}, a {@code --failover} takeover) with {@code rows} already
     * in {@code rounds.csv}, at emulated instant {@code emulatedS}: the rounds recorded count them,
     * the last round's gauges are those of the last row read back (as after a rewind), the emulated
     * time starts there, and the speed ratio counts from there. Counters stay at this process's
     * work (0).
     */
    public synchronized void resumed(List<RoundRecord> rows, double emulatedS) {
      resumed(rows, List.of(), emulatedS);
    }

    /**
     * As {@link #resumed(List, double)}, with {@code devices} each device's latest row of {@code
     * devices.csv} read back ({@code ResultsWriter.latestDeviceRows}, in round order): the achieved
     * link rate is that of the latest round among them, and each device's compute and achieved rate
     * are those its latest row left, as in the process that recorded them; not the counters.
     */
    public synchronized void resumed(
        List<RoundRecord> rows, List<DeviceRecord> devices, double emulatedS) {
      for (RoundRecord r : rows) {
        keep(r);
      }
      roundsRecorded.labelValues(base).set(recorded.size());
      showRecorded();
      showDevices(devices);
      emulatedStartS = emulatedS;
      reached(emulatedS);
    }

    /**
     * Where a crash's rewind reads each device's latest row of {@code devices.csv} among the rows
     * it kept ({@code ResultsWriter.latestDeviceRows}, read when the writer has cut the tables), to
     * show them as a resume does ({@link #resumed(List, List, double)}).
     */
    public void deviceRowsFrom(Supplier<List<DeviceRecord>> rows) {
      deviceRows = rows;
    }

    /**
     * The achieved link rates and each device's compute and achieved rates from {@code devices},
     * each device's latest row of {@code devices.csv} (read back by a resume, kept by a rewind):
     * the link rates those of the latest round among them. A device without a row, and a direction
     * its row carried nothing on, read 0, as at the run's start.
     */
    private void showDevices(List<DeviceRecord> devices) {
      for (String dir : List.of("up", "down")) {
        linkRate.labelValues(l(dir)).set(0);
        if (info.perDevice()) {
          for (int d = 0; d < info.devices(); d++) {
            deviceRate.labelValues(l(Integer.toString(d), dir)).set(0);
          }
        }
      }
      if (info.perDevice()) {
        for (int d = 0; d < info.devices(); d++) {
          deviceCompute.labelValues(l(Integer.toString(d))).set(0);
        }
      }
      int last = devices.stream().mapToInt(DeviceRecord::round).max().orElse(0);
      double[] t = new double[4];
      for (DeviceRecord d : devices) {
        showDevice(d);
        if (d.round() == last && d.completed()) {
          addLink(t, d);
        }
      }
      showLinkRate(t);
    }

    /** Whether the run serves per-device series now. */
    private synchronized boolean exportsPerDevice() {
      return info.perDevice() && !perDeviceDropped;
    }

    /** The order the run started in on this endpoint. */
    private long order() {
      return order;
    }

    /**
     * Once the run ended: removes its per-device series (a later run of the JVM needs room), once;
     * whether it removed them.
     */
    private synchronized boolean dropPerDeviceIfEnded() {
      if (wallEndNs < 0 || !info.perDevice() || perDeviceDropped) {
        return false;
      }
      // Nothing sets them again: finished() follows the run's last record.
      perDeviceDropped = true;
      for (int d = 0; d < info.devices(); d++) {
        String id = Integer.toString(d);
        deviceCompute.remove(l(id));
        deviceCut.remove(l(id));
        for (String dir : List.of("up", "down")) {
          deviceBytes.remove(l(id, dir));
          deviceShare.remove(l(id, dir));
          deviceRate.remove(l(id, dir));
          deviceCapacity.remove(l(id, dir));
        }
      }
      return true;
    }

    /** The pacing lag now, seconds, or its value at the run's end once it ended. */
    double lagS() {
      double end = lagAtEndS;
      return Double.isNaN(end) ? lag.currentNanos() / 1e9 : end;
    }

    /**
     * Wall-clock seconds from the newest checkpoint this process wrote to now, or to the run's end;
     * NaN before the first.
     */
    double checkpointAgeS() {
      long at = checkpointWallNs;
      if (at < 0) {
        return Double.NaN;
      }
      long end = wallEndNs;
      return Math.max(0, (end >= 0 ? end : System.nanoTime()) - at) / 1e9;
    }

    /**
     * The run ended: its speed ratio, lag and checkpoint age stay at their final values while the
     * endpoint lingers.
     */
    public void finished() {
      // Nothing is due once the run ended: what a stage that failed still holds is no lag.
      lagAtEndS = lag.currentNanos() / 1e9;
      wallEndNs = System.nanoTime();
      // The endpoint keeps the feed (its ratio, lag and checkpoint age are served on), but no
      // row comes any more, nor a rewind: what only they read goes, so that a JVM running run
      // after run holds no run's history.
      synchronized (this) {
        recorded.clear();
        linkTotals.clear();
        idleSeen.clear();
        faultRowsCounted.clear();
      }
    }

    /**
     * Whether the run ended ({@link #finished}): a round, device or hop row that still came would
     * start the history it cleared again from nothing (a round's row held, a link rate from that
     * row alone, a hop's idle base), so it is ignored; the run's last values stay served.
     */
    private boolean ended() {
      return wallEndNs >= 0;
    }

    @Override
    public void onProgress(ProgressRecord p) {
      roundStep.labelValues(base).set(p.step());
      roundSteps.labelValues(base).set(p.steps());
      reached(p.emulatedS());
    }

    @Override
    public synchronized void onHop(HopRecord h) {
      if (ended()) {
        return;
      }
      if (h.stopped()) {
        // A hop a crash's re-placement left out: its queue, share and model memory would stay at
        // their last values as if it still worked. Its counter keeps the idle it counted; a
        // restore to a checkpoint that had it places it again, and its next report brings the
        // series back; the run's end sets every hop's peak memory, its own included.
        hopQueue.remove(l(h.hop()));
        hopRunIdle.remove(l(h.hop()));
        memory.remove(l(roleOf(h.hop()), h.hop()));
        idleSeen.remove(h.hop());
        return;
      }
      hopQueue.labelValues(l(h.hop())).set(h.queue());
      // A hop reports its idle total since the run's start. Its first report in this process is
      // its base (0, or a resumed run's restored total, idle another process counted); a report
      // below the last one is the hop restarted from a checkpoint's smaller total (a crash's
      // restore), the new base: the idle of the redone epochs is counted again from there.
      Double seen = idleSeen.put(h.hop(), h.idleS());
      double add = seen != null && h.idleS() > seen ? h.idleS() - seen : 0.0;
      hopIdle.labelValues(l(h.hop())).inc(add);
      // The hop's total as the run's timeline has it, for its share of the emulated time.
      hopRunIdle.labelValues(l(h.hop())).set(h.idleS());
      if (h.memoryBytes() > 0) {
        memory(h.hop(), h.memoryBytes());
      }
    }

    @Override
    public void onPlan(DevicePlanRecord p) {
      if (!info.perDevice()) {
        return;
      }
      String id = Integer.toString(p.device());
      if (p.cut() != null && LAYER.matcher(p.cut()).matches()) {
        deviceCut.labelValues(l(id)).set(Integer.parseInt(p.cut()));
      }
      if (!Double.isNaN(p.upShare())) {
        deviceShare.labelValues(l(id, "up")).set(p.upShare());
      }
      if (!Double.isNaN(p.downShare())) {
        deviceShare.labelValues(l(id, "down")).set(p.downShare());
      }
    }

    @Override
    public void onMemory(MemoryRecord m) {
      memory(m.node(), m.bytes());
    }

    @Override
    public synchronized void onRound(RoundRecord r) {
      if (ended()) {
        return;
      }
      rounds.labelValues(base).inc();
      keep(r);
      roundsRecorded.labelValues(base).set(recorded.size());
      reached(r.emulatedTimeS());
      if (started && Double.isFinite(r.wallTimeS())) {
        lastRowWallS = r.wallTimeS();
        lastRowEmulatedS = r.emulatedTimeS();
      }
      lastRound(r);
      computeSeconds.labelValues(l(info.serverRole())).inc(r.serverComputeS());
      if (r.failed() > 0) {
        failed.labelValues(base).inc(r.failed());
      }
      linkTotals.keySet().removeIf(k -> k < r.round());
    }

    private void keep(RoundRecord r) {
      Map.Entry<Integer, RoundRecord> before = recorded.lowerEntry(r.round());
      recorded.put(r.round(), r.compacted(before == null ? null : before.getValue()));
    }

    /**
     * Whether {@code e} is counted: every row but a scenario fault's {@code fault} or {@code
     * recovery} row (one with its index, {@link EventRecord#fault}) that this feed counted already,
     * by the fault, subject and kind. The supervisor writes each such row once in a timeline; a
     * crash's rewind cuts those of the rounds after its checkpoint and the redone rounds write them
     * again, of the fault that struck once.
     */
    private synchronized boolean firstTime(EventRecord e) {
      return e.fault() < 0
          || !info.rewinds()
          || faultRowsCounted.add(e.fault() + "/" + e.subject() + "/" + e.kind());
    }

    /** How many scenario faults' rows the feed remembers having counted (tests). */
    synchronized int faultRowsHeld() {
      return faultRowsCounted.size();
    }

    /** How many rounds' rows the feed holds (tests). */
    synchronized int recordedHeld() {
      return recorded.size();
    }

    /** The row the feed holds of round {@code round}, or null (tests). */
    synchronized RoundRecord recordedRow(int round) {
      return recorded.get(round);
    }

    /** As {@link #onRewind(int, double)}, the checkpoint's instant not known. */
    @Override
    public void onRewind(int round) {
      onRewind(round, Double.NaN);
    }

    /**
     * A crash sent the run back to its checkpoint of round {@code round}, taken at emulated instant
     * {@code checkpointS} (0: the run's start; NaN: not known, the kept row's end is taken): the
     * rows of later rounds are gone from {@code rounds.csv} and {@code devices.csv}, so the rounds
     * recorded and the last round's gauges are those of the rows kept, as a resume from that
     * checkpoint shows them (the achieved link rates and each device's gauges from {@link
     * #deviceRowsFrom}); with no row kept, those of the run's start. The round under way is the
     * redone one, no step done yet. The counters keep the work done (docs/metrics.md).
     */
    @Override
    public synchronized void onRewind(int round, double checkpointS) {
      recorded.tailMap(round, false).clear();
      roundsRecorded.labelValues(base).set(recorded.size());
      linkTotals.keySet().removeIf(k -> k > round);
      if (recorded.isEmpty()) {
        startRound();
      }
      showRecorded();
      showDevices(deviceRows.get());
      roundStep.labelValues(base).set(0);
      // The run goes on from the checkpoint: the emulated time goes back to its instant, and the
      // redone rounds move it on (their progress, the pacing clock). The run's start is 0, also in
      // a resumed process, which started at its checkpoint's instant.
      double back =
          Double.isFinite(checkpointS)
              ? checkpointS
              : round == 0 || recorded.isEmpty()
                  ? 0
                  : recorded.lastEntry().getValue().emulatedTimeS();
      // Back before the instant this process resumed at: the speed ratio counts from there, as a
      // process that started the run counts from 0 (the time gone back is not progress, the redone
      // rounds are).
      emulatedStartS = Math.min(emulatedStartS, back);
      emulatedS = back;
      lastRowWallS = Double.NaN;
      lastRowEmulatedS = Double.NaN;
      synchronized (shownLock) {
        shownS = back;
      }
    }

    /**
     * The last round's gauges from the rows of {@code rounds.csv} now (after a rewind or on a
     * resume): the last row's, and the last evaluation's accuracy and last loss among them.
     */
    private void showRecorded() {
      if (!recorded.isEmpty()) {
        lastRound(recorded.lastEntry().getValue());
      }
      // The last evaluation kept: accuracy is evaluated every few rounds only.
      for (RoundRecord r : recorded.descendingMap().values()) {
        if (!Double.isNaN(r.testAccuracy())) {
          accuracy.labelValues(base).set(r.testAccuracy());
          break;
        }
      }
      for (RoundRecord r : recorded.descendingMap().values()) {
        if (!Double.isNaN(r.trainLoss())) {
          loss.labelValues(base).set(r.trainLoss());
          break;
        }
      }
    }

    /**
     * The last round's gauges as at the run's start, no round recorded (a rewind to round 0): the
     * cut and memory the run starts with, and no accuracy or loss.
     */
    private void startRound() {
      roundLatency.labelValues(base).set(0);
      for (String part :
          List.of("device_compute", "server_compute", "communication", "aggregation")) {
        roundPart.labelValues(l(part)).set(0);
      }
      participants.labelValues(base).set(0);
      clusters.labelValues(base).set(0);
      if (info.singleCut()) {
        if (info.cut() >= 0) {
          cutLayer.labelValues(base).set(info.cut());
        } else {
          cutLayer.remove(base);
        }
        info.memory().forEach(this::memory);
      }
      accuracy.remove(base);
      loss.remove(base);
    }

    /** The gauges of the last round recorded, from its row. */
    private void lastRound(RoundRecord r) {
      roundLatency.labelValues(base).set(r.roundLatencyS());
      roundPart.labelValues(l("device_compute")).set(r.deviceComputeS());
      roundPart.labelValues(l("server_compute")).set(r.serverComputeS());
      roundPart.labelValues(l("communication")).set(r.communicationS());
      roundPart.labelValues(l("aggregation")).set(r.aggregationS());
      participants.labelValues(base).set(r.participants());
      clusters.labelValues(base).set(r.clusters());
      if (info.singleCut() && r.cut() != null && LAYER.matcher(r.cut()).matches()) {
        cutLayer.labelValues(base).set(Integer.parseInt(r.cut()));
        info.cutMemory().apply(r.cut()).forEach(this::memory);
      }
      if (!Double.isNaN(r.testAccuracy())) {
        accuracy.labelValues(base).set(r.testAccuracy());
      }
      if (!Double.isNaN(r.trainLoss())) {
        loss.labelValues(base).set(r.trainLoss());
      }
    }

    @Override
    public synchronized void onDevice(DeviceRecord d) {
      if (ended()) {
        return;
      }
      showDevice(d);
      if (!d.completed()) {
        return;
      }
      linkBytes.labelValues(l("up")).inc(d.bytesUp());
      linkBytes.labelValues(l("down")).inc(d.bytesDown());
      computeSeconds.labelValues(l("devices")).inc(d.computeS());
      double[] t = linkTotals.computeIfAbsent(d.round(), k -> new double[4]);
      addLink(t, d);
      showLinkRate(t);
      if (info.perDevice()) {
        String id = Integer.toString(d.device());
        deviceBytes.labelValues(l(id, "up")).inc(d.bytesUp());
        deviceBytes.labelValues(l(id, "down")).inc(d.bytesDown());
      }
    }

    /** Adds device row {@code d}'s transfers to a round's totals {@code t} (as below). */
    private static void addLink(double[] t, DeviceRecord d) {
      t[0] += d.bytesUp();
      t[1] += d.uplinkS();
      t[2] += d.bytesDown();
      t[3] += d.downlinkS();
    }

    /**
     * The achieved link rate of a round's totals: bytes up, seconds up, bytes down, seconds down.
     */
    private void showLinkRate(double[] t) {
      if (t[1] > 0) {
        linkRate.labelValues(l("up")).set(t[0] / t[1]);
      }
      if (t[3] > 0) {
        linkRate.labelValues(l("down")).set(t[2] / t[3]);
      }
    }

    /** A device's gauges from its row (runs with per-device series): its compute and rates. */
    private void showDevice(DeviceRecord d) {
      if (!info.perDevice()) {
        return;
      }
      String id = Integer.toString(d.device());
      if (!d.completed()) {
        // A device that did not complete is dropped for good: it computed nothing this round and
        // holds no cut, band share or achieved rate any more (its last plan would otherwise
        // linger in the sums).
        deviceCompute.labelValues(l(id)).set(0);
        deviceCut.remove(l(id));
        deviceShare.remove(l(id, "up"));
        deviceShare.remove(l(id, "down"));
        deviceRate.remove(l(id, "up"));
        deviceRate.remove(l(id, "down"));
        return;
      }
      deviceCompute.labelValues(l(id)).set(d.computeS());
      // Where a direction carried nothing this round, its achieved rate is unknown: it stays.
      if (d.uplinkS() > 0) {
        deviceRate.labelValues(l(id, "up")).set(d.bytesUp() / d.uplinkS());
      }
      if (d.downlinkS() > 0) {
        deviceRate.labelValues(l(id, "down")).set(d.bytesDown() / d.downlinkS());
      }
    }

    @Override
    public void onEvent(EventRecord e) {
      if (!firstTime(e)) {
        // A scenario fault's row written again after a crash's rewind cut it: the fault struck
        // once and its row was counted (docs/metrics.md).
        return;
      }
      events.labelValues(l(e.kind())).inc();
      if ("checkpoint".equals(e.kind())) {
        // The results writer records the row once the checkpoint's file is in place.
        checkpointWallNs = System.nanoTime();
      }
      if ("fault".equals(e.kind())) {
        faults.labelValues(l(faultKind(e.detail()))).inc();
      } else if ("recovery".equals(e.kind())) {
        recoveries.labelValues(l(faultKind(e.detail()))).inc();
      }
      if ("replan".equals(e.kind()) || "cut-replan".equals(e.kind())) {
        replans.labelValues(base).inc();
      }
    }
  }
}
