package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.EventRecord;
import io.splitemu.actors.results.ProgressRecord;
import io.splitemu.actors.results.ResultsWriter;
import io.splitemu.actors.runtime.Checkpoints;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.StopSwitch;
import io.splitemu.net.stream.PacingLag;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of every Grafana dashboard returns data from a real Prometheus that scraped real runs
 * of each scheme family: psl (full fidelity, so that accuracy and loss exist), cpsl, edgesplit,
 * dag-mincut and mpsl (timing fidelity), all in this JVM on one metrics endpoint. Every run writes
 * a checkpoint after each round, so that the checkpoint age has data.
 *
 * <p>Each query is evaluated with the template variables set to each run it is meant for (a panel's
 * description names its schemes or fidelity, see {@link Dashboards}) and to all runs at once. A
 * panel meant for some schemes only must return nothing for the other runs, so that its description
 * stays true. The Prometheus binary is found as in {@link PrometheusServer}.
 */
class DashboardQueriesTest {

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*), ([a-z_]+)\\)");

  /** The test Prometheus's scrape interval, ms. */
  private static final long SCRAPE_MS = 500;

  /** Every annotation's "step", ms: Grafana's $__interval when it evaluates the annotation. */
  private static final long ANNOTATION_STEP_MS = 5000;

  /**
   * An annotation's lookback, $__rate_interval as Grafana computes it from the annotation's step
   * with this test's scrape interval: 5.5 s, eleven scrapes, so that a scrape lost to a GC pause on
   * a loaded machine does not lose an event's increase.
   */
  private static final long ANNOTATION_WINDOW_MS =
      grafanaRateIntervalMs(ANNOTATION_STEP_MS, SCRAPE_MS);

  /** Grafana's assumption for a Prometheus data source without jsonData.timeInterval. */
  private static final long GRAFANA_DEFAULT_SCRAPE_MS = 15_000;

  private static final Pattern TIME_INTERVAL =
      Pattern.compile(
          "(?m)^(\\s+)jsonData:\\s*\n(?:\\1\\s+.*\n)*?\\1\\s+timeInterval:\\s*\"?(\\w+)\"?\\s*$");

  private static final Pattern SCRAPE_INTERVAL =
      Pattern.compile("(?m)^\\s*scrape_interval:\\s*\"?(\\w+)\"?\\s*$");

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  /** How late a run's first scrape may come on a loaded machine. */
  private static final long SCRAPE_LAG_S = 5;

  /** The fault kind whose counter a run creates at 0 (Metrics.DEVICE_HANG). */
  private static final String DEVICE_HANG = Metrics.DEVICE_HANG;

  /**
   * One run of the test: its scheme, scenario, overrides and fidelity. Each run is paced, its
   * speedup about its emulated span over 2 s, so that Prometheus scrapes it many times while it
   * runs (in a warm JVM a virtual run can end between two scrapes, and a window's increase needs
   * two samples).
   */
  private record Spec(String scheme, String scenario, boolean full, List<String> overrides) {}

  /**
   * A finished run: its results-folder name (the run label), scheme, fidelity, rounds and wall
   * window (epoch seconds).
   */
  private record Done(
      String run, String scheme, boolean full, int rounds, double wallStartS, double wallEndS) {}

  private static final List<Spec> SPECS =
      List.of(
          new Spec(
              "psl",
              "quickstart.conf",
              true,
              List.of(
                  "speedup = 15",
                  "rounds = 2",
                  "local-steps = 1",
                  "eval-every = 1",
                  "data.train-samples = 600",
                  "data.test-samples = 100",
                  "barrier.timeout = 5 s",
                  "faults = [{ kind = device-hang, device = 1, round = 2 }]",
                  "checkpoint.every = 1")),
          new Spec(
              "cpsl",
              "cpsl-mnist.conf",
              false,
              List.of(
                  "speedup = 15",
                  "rounds = 2",
                  "local-steps = 2",
                  "devices.count = 6",
                  "cpsl.clusters = 2",
                  // Timing fidelity trains nothing: synthetic data keeps the test off MNIST.
                  "data.dataset = synthetic",
                  "faults = [{ kind = device-hang, device = 1, round = 2 }]",
                  "checkpoint.every = 1")),
          new Spec(
              "edgesplit",
              "edgesplit.conf",
              false,
              List.of(
                  "speedup = 350",
                  "rounds = 2",
                  "local-steps = 5",
                  "links.kind = static",
                  "links.static.uplink-bps = 1e7",
                  "links.static.downlink-bps = 5e7",
                  "faults = [{ kind = device-hang, device = 1, round = 2 }]",
                  "checkpoint.every = 1")),
          new Spec(
              "dag-mincut",
              "dag-map.conf",
              false,
              List.of(
                  "speedup = 30",
                  "rounds = 3",
                  "devices.count = 2",
                  "faults = [{ kind = device-hang, device = 1, round = 2 }]",
                  "checkpoint.every = 1")),
          new Spec(
              "mpsl",
              "mpsl-vgg19.conf",
              false,
              List.of(
                  "speedup = 65",
                  "rounds = 2",
                  "devices.count = 8",
                  "data.train-samples = 2048",
                  "faults = [{ kind = device-hang, device = 1, round = 2 }]",
                  "checkpoint.every = 1")));

  @Test
  void everyDashboardQueryReturnsDataForTheRunsItIsMeantFor(@TempDir Path tmp) throws Exception {
    int metricsPort = MetricsContractTest.freePort();
    long started = System.nanoTime();
    long startedEpochS = System.currentTimeMillis() / 1000;
    // The small runs take about a second each: scrape often enough to see them move, with a
    // timeout that a GC pause on a loaded machine does not exceed.
    MetricsSettings endpoint = null;
    String scrape = SCRAPE_MS + "ms";
    try (PrometheusServer prom = PrometheusServer.start(tmp, metricsPort, scrape, scrape)) {
      // Serve the endpoint before the first run and wait until Prometheus scrapes it, so that it
      // sees every run from its start.
      endpoint = MetricsSettings.of(settings(SPECS.get(0), metricsPort));
      Metrics.shared(endpoint);
      prom.waitFor("up{job=\"splitemu\"} == 1", Duration.ofSeconds(60));
      List<Done> runs = new ArrayList<>();
      for (Spec spec : SPECS) {
        Settings s = settings(spec, metricsPort);
        String run = spec.scheme();
        long t0 = System.nanoTime();
        double wallStartS = System.currentTimeMillis() / 1000.0;
        Emulation.Outcome out = Emulation.run(s, tmp.resolve(run), RunListener.NONE);
        System.err.printf(
            "DashboardQueriesTest: %s ran in %.1f s, emulated %.3f s%n",
            run,
            (System.nanoTime() - t0) / 1e9,
            out.rounds().get(out.rounds().size() - 1).emulatedTimeS());
        runs.add(
            new Done(
                Emulation.runLabel(tmp.resolve(run), s.outputDir()),
                spec.scheme(),
                spec.full(),
                out.rounds().size(),
                wallStartS,
                System.currentTimeMillis() / 1000.0));
      }
      // The shared endpoint stays up after the runs: wait for a scrape of every run's last round.
      for (Done d : runs) {
        prom.waitFor(
            "splitemu_rounds_total{run=\"" + d.run() + "\"} == " + d.rounds(),
            Duration.ofSeconds(60));
      }
      long windowS = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 10;
      Span span = new Span(startedEpochS, System.currentTimeMillis() / 1000 + 1, windowS);

      List<String> failures = new ArrayList<>();
      checkVariables(prom, runs, failures);
      String nodes = String.join("|", labelValues(prom, "node", "splitemu_run_rounds"));
      int evaluated = 0;
      for (Dashboards.Board b : Dashboards.all()) {
        for (Dashboards.Query q : b.queries()) {
          boolean meantForSome = false;
          for (Done d : runs) {
            String expr = substitute(q, d.run(), d.scheme(), nodes, span);
            int size = size(prom, expr, q, span, d, failures);
            evaluated++;
            if (q.appliesTo(d.scheme(), d.full())) {
              meantForSome = true;
              if (size == 0) {
                failures.add(q.where() + ": no data for run " + d.run() + ": " + expr);
              }
            } else if (!q.appliesTo(d.scheme(), true) && size > 0) {
              failures.add(
                  q.where()
                      + ": returns data for run "
                      + d.run()
                      + (q.clusterOnly()
                          ? ", a run in one JVM, though its description says \"Cluster runs only.\""
                          : ", which its description's \"Schemes:\" does not name"));
            }
          }
          if (q.clusterOnly()) {
            continue; // ClusterMetricsTest gives these data
          }
          if (!meantForSome) {
            failures.add(q.where() + ": meant for none of the test's runs");
            continue;
          }
          String all = substitute(q, ".*", ".*", ".*", span);
          if (size(prom, all, q, span, null, failures) == 0) {
            failures.add(q.where() + ": no data with every run chosen: " + all);
          }
          evaluated++;
        }
      }
      assertTrue(evaluated > 150, "only " + evaluated + " evaluations");
      if (!failures.isEmpty()) {
        fail(
            failures.size()
                + " dashboard queries without the data they should show:\n"
                + String.join("\n", failures));
      }
    } finally {
      // The runs' shared endpoint outlives them (a compare's schemes share it): stop it here.
      if (endpoint != null) {
        Metrics.shared(endpoint).close();
      }
    }
  }

  /**
   * The quickstart in full fidelity, paced, 5 rounds with a checkpoint every 2, metrics on {@code
   * port}, and {@code extra}; each round's evaluation of 4000 samples takes wall time in which the
   * emulated time stands at the round's end, before its row.
   */
  private static Settings quickstart(int port, String... extra) {
    List<String> overrides =
        new ArrayList<>(
            List.of(
                "speedup = 15",
                "rounds = 5",
                "local-steps = 1",
                "eval-every = 1",
                "data.train-samples = 600",
                "data.test-samples = 4000",
                "barrier.timeout = 5 s",
                "checkpoint.every = 2"));
    overrides.addAll(List.of(extra));
    return settings(new Spec("psl", "quickstart.conf", true, overrides), port);
  }

  /**
   * The "Faults" annotations mark the faults a run injected and nothing else, and the panel "Each
   * device's rate per emulated second" stays within each device's link capacity, over a run without
   * a fault that is stopped in round 3 (the rest of the round at virtual speed, as after a SIGTERM)
   * and resumed in a new process (a second endpoint, so new series), a run whose device 1 hangs in
   * round 2, and a process whose first scrape already counts a device-hang fault.
   *
   * <p>Before, the annotation marked a device-hang fault at the plain run's start and at its resume
   * (the device-hang counter is created at 0 with the run, and {@code X unless X offset w} took its
   * appearance for a fault), and the panel divided a round's bytes, counted at its row, by the
   * emulated seconds that passed in the window, a fraction of the round's.
   */
  @Test
  void faultAnnotationsMarkOnlyRealFaults_andDeviceRatesStayWithinTheirLinks_acrossAResume(
      @TempDir Path tmp) throws Exception {
    int first = MetricsContractTest.freePort();
    int second = MetricsContractTest.freePort();
    int third = MetricsContractTest.freePort();
    long startedEpochS = System.currentTimeMillis() / 1000;
    String scrape = SCRAPE_MS + "ms";
    List<MetricsSettings> endpoints = new ArrayList<>();
    try (PrometheusServer prom =
        PrometheusServer.start(tmp, List.of(first, second, third), scrape, scrape)) {
      Settings plain = quickstart(first);
      endpoints.add(MetricsSettings.of(plain));
      Metrics.shared(endpoints.get(0));
      prom.waitFor("up{instance=\"127.0.0.1:" + first + "\"} == 1", Duration.ofSeconds(60));
      Path plainDir = tmp.resolve("plain");
      StopSwitch stop = new StopSwitch();
      Emulation.run(
          plain,
          plainDir,
          new RunListener() {
            @Override
            public void onProgress(ProgressRecord p) {
              if (p.round() == 3) {
                stop.request();
              }
            }
          },
          new Emulation.RunControl(null, stop, null));
      int stoppedAfter = stop.stoppedAfterRound();
      assertTrue(stoppedAfter >= 3 && stoppedAfter < 5, "stopped after " + stoppedAfter);
      // The resume: a new process, whose endpoint Prometheus scrapes as another instance.
      Settings resumed = quickstart(second);
      endpoints.add(MetricsSettings.of(resumed));
      Metrics.shared(endpoints.get(1));
      prom.waitFor("up{instance=\"127.0.0.1:" + second + "\"} == 1", Duration.ofSeconds(60));
      Emulation.run(
          resumed,
          plainDir,
          RunListener.NONE,
          new Emulation.RunControl(
              Checkpoints.read(ResultsWriter.checkpointFile(plainDir, stoppedAfter)), null, null));
      double hungStartS = System.currentTimeMillis() / 1000.0;
      Settings hung = quickstart(first, "faults = [{ kind = device-hang, device = 1, round = 2 }]");
      Path hungDir = tmp.resolve("hung");
      Emulation.run(hung, hungDir, RunListener.NONE);
      double hungEndS = System.currentTimeMillis() / 1000.0;
      String plainRun = Emulation.runLabel(plainDir, plain.outputDir());
      String hungRun = Emulation.runLabel(hungDir, hung.outputDir());
      // A process whose first scrape already counts a fault (one hit in its first scrape
      // interval): only the series' appearance above 0 can mark it.
      String lateRun = "late";
      double lateStartS = System.currentTimeMillis() / 1000.0;
      try (Metrics late = Metrics.start("127.0.0.1", third, false)) {
        Metrics.Run feed =
            late.run(
                new Metrics.RunInfo(
                    lateRun, "quickstart", "psl", "local", 2, 4, false, "edge", -1, Map.of()),
                new PacingLag());
        feed.onEvent(new EventRecord(1.0, 1, "fault", "device-1", "device-hang: round 1"));
        prom.waitFor(
            "splitemu_faults_injected_total{run=\"late\",kind=\"device-hang\"} == 1",
            Duration.ofSeconds(60));
        prom.waitFor(
            "splitemu_rounds_total{run=\""
                + plainRun
                + "\",instance=\"127.0.0.1:"
                + second
                + "\"} == "
                + (5 - stoppedAfter),
            Duration.ofSeconds(60));
        prom.waitFor("splitemu_rounds_total{run=\"" + hungRun + "\"} == 5", Duration.ofSeconds(60));
        // Two scrapes more, so that every window of the span has its samples.
        Thread.sleep(2 * SCRAPE_MS);
      }
      double lateEndS = System.currentTimeMillis() / 1000.0;
      long windowS = System.currentTimeMillis() / 1000 - startedEpochS + 10;
      Span span = new Span(startedEpochS, System.currentTimeMillis() / 1000 + 1, windowS);

      List<String> failures = new ArrayList<>();
      int faultAnnotations = 0;
      for (Dashboards.Board b : Dashboards.all()) {
        for (Dashboards.Query q : b.queries()) {
          if (!q.annotation() || !q.expr().contains("splitemu_faults_injected_total")) {
            continue;
          }
          faultAnnotations++;
          JsonNode none = range(prom, substitute(q, plainRun, ".*", ".*", span), span, 1);
          if (none.size() > 0) {
            failures.add(q.where() + ": marks run " + plainRun + ", which no fault hit: " + none);
          }
          marks(prom, q, hungRun, hungStartS, hungEndS, span, failures);
          marks(prom, q, lateRun, lateStartS, lateEndS, span, failures);
        }
      }
      assertEquals(3, faultAnnotations, "the run, network and faults dashboards' Faults");

      // The panel, read as Grafana draws it: a point a second, $__rate_interval four scrapes.
      Dashboards.Query rate = null;
      for (Dashboards.Board b : Dashboards.all()) {
        for (Dashboards.Query q : b.queries()) {
          if (q.where().contains("\"Each device's rate per emulated second\"")) {
            rate = q;
          }
        }
      }
      assertNotNull(rate, "the network dashboard's panel");
      String panelWindow = grafanaRateIntervalMs(SCRAPE_MS, SCRAPE_MS) + "ms";
      String expr = substitute(rate.expr(), ".*", ".*", ".*", panelWindow);
      JsonNode capacities =
          prom.query(
              "max by (run, device, direction) (max_over_time("
                  + "splitemu_device_link_capacity_bytes_per_second["
                  + span.windowS()
                  + "s]))");
      Map<String, Double> capacity = new java.util.HashMap<>();
      for (JsonNode c : capacities) {
        capacity.put(key(c.path("metric")), c.path("value").get(1).asDouble());
      }
      int points = 0;
      double worst = 0;
      String worstAt = "";
      for (JsonNode series : range(prom, expr, span, 1)) {
        Double cap = capacity.get(key(series.path("metric")));
        assertNotNull(cap, "no capacity for " + series.path("metric"));
        assertTrue(cap > 0, "capacity " + cap + " for " + series.path("metric"));
        for (JsonNode point : series.path("values")) {
          double ratio = point.get(1).asDouble() / cap;
          points++;
          if (ratio > worst) {
            worst = ratio;
            worstAt = series.path("metric") + " at " + point.get(0).asText();
          }
        }
      }
      System.err.printf(
          "DashboardQueriesTest: rate per emulated second: %d points, at most %.3f of the"
              + " link's capacity (%s)%n",
          points, worst, worstAt);
      assertTrue(points > 0, "the panel drew nothing: " + expr);
      if (worst > 1.0 + 1e-9) {
        failures.add(
            "panel \"Each device's rate per emulated second\" reads "
                + worst
                + " times the link's capacity: "
                + worstAt);
      }
      if (!failures.isEmpty()) {
        fail(String.join("\n", failures));
      }
    } finally {
      for (MetricsSettings m : endpoints) {
        Metrics.shared(m).close();
      }
    }
  }

  /** A series' run, device and direction. */
  private static String key(JsonNode metric) {
    return metric.path("run").asText()
        + "/"
        + metric.path("device").asText()
        + "/"
        + metric.path("direction").asText();
  }

  /** The result of {@code expr} over the span, a point every {@code stepS} seconds. */
  private static JsonNode range(PrometheusServer prom, String expr, Span span, int stepS)
      throws Exception {
    return prom.get(
            "/api/v1/query_range?query="
                + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&start="
                + span.startS()
                + "&end="
                + span.endS()
                + "&step="
                + stepS)
        .path("result");
  }

  /**
   * Annotation {@code q} evaluated for run {@code run} marks its device-hang fault, only that kind,
   * and only within the run's wall window (plus the annotation's lookback and a scrape's lag).
   */
  private static void marks(
      PrometheusServer prom,
      Dashboards.Query q,
      String run,
      double fromS,
      double toS,
      Span span,
      List<String> failures)
      throws Exception {
    JsonNode result = range(prom, substitute(q, run, ".*", ".*", span), span, 1);
    if (result.size() == 0) {
      failures.add(q.where() + ": does not mark run " + run + "'s device-hang fault");
    }
    double to = toS + ANNOTATION_WINDOW_MS / 1000.0 + SCRAPE_LAG_S;
    for (JsonNode series : result) {
      String kind = series.path("metric").path("kind").asText();
      if (!kind.equals(DEVICE_HANG)) {
        failures.add(q.where() + ": marks a " + kind + " fault for run " + run);
      }
      for (JsonNode point : series.path("values")) {
        double t = point.get(0).asDouble();
        if (t < fromS - 1 || t > to) {
          failures.add(
              String.format(
                  "%s: marks %.0f for run %s, outside its wall window %.0f-%.0f",
                  q.where(), t, run, fromS, toS));
          break;
        }
      }
    }
  }

  /**
   * Grafana computes $__rate_interval from the data source's scrape interval
   * (jsonData.timeInterval, 15 s when not set): the provisioned data source must give Prometheus's
   * scrape_interval, that of both prometheus.yml files. Then each annotation's window, Grafana's
   * $__rate_interval for its step, spans at most two steps, so that an event is marked about where
   * it happened (at 15 s it would be a minute).
   */
  @Test
  void grafanaDataSourceHasPrometheusScrapeInterval() throws IOException {
    Path datasource = Path.of("../grafana/provisioning/datasources/splitemu.yml");
    Matcher ti = TIME_INTERVAL.matcher(Files.readString(datasource));
    long scrapeMs = ti.find() ? durationMs(ti.group(2), datasource) : GRAFANA_DEFAULT_SCRAPE_MS;
    for (Path prometheus :
        List.of(Path.of("../grafana/prometheus.yml"), Path.of("../deploy/prometheus.yml"))) {
      Matcher si = SCRAPE_INTERVAL.matcher(Files.readString(prometheus));
      int found = 0;
      while (si.find()) {
        found++;
        assertEquals(
            durationMs(si.group(1), prometheus),
            scrapeMs,
            datasource
                + ": jsonData.timeInterval ("
                + (scrapeMs == GRAFANA_DEFAULT_SCRAPE_MS
                    ? "not set: Grafana assumes 15s"
                    : ti.group(2))
                + ") must be "
                + prometheus
                + "'s scrape_interval "
                + si.group(1));
      }
      assertTrue(found > 0, prometheus + ": no scrape_interval");
    }
    int annotations = 0;
    for (Dashboards.Board b : Dashboards.all()) {
      for (JsonNode a : b.annotations()) {
        String where = b.file().getFileName() + " annotation \"" + a.path("name").asText() + "\"";
        long stepMs = durationMs(a.path("step").asText(), Path.of(where));
        assertEquals(ANNOTATION_STEP_MS, stepMs, where + ": step");
        long windowMs = grafanaRateIntervalMs(Math.max(stepMs, scrapeMs), scrapeMs);
        assertTrue(
            windowMs <= 2 * stepMs,
            where
                + ": Grafana's $__rate_interval is "
                + windowMs
                + " ms with a "
                + scrapeMs
                + "-ms scrape interval, more than two steps");
        annotations++;
      }
    }
    assertTrue(annotations > 0, "no annotations");
  }

  /**
   * Grafana's $__rate_interval: max($__interval + the scrape interval, 4 x the scrape interval).
   */
  static long grafanaRateIntervalMs(long intervalMs, long scrapeMs) {
    return Math.max(intervalMs + scrapeMs, 4 * scrapeMs);
  }

  /** A Prometheus/Grafana duration of one unit (500ms, 2s, 1m), in ms. */
  private static long durationMs(String text, Path file) {
    Matcher m = DURATION.matcher(text);
    assertTrue(m.matches(), file + ": not a duration of one unit: " + text);
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1000;
      case "m" -> n * 60_000;
      default -> n * 3_600_000;
    };
  }

  private static Settings settings(Spec spec, int metricsPort) {
    List<String> overrides = new ArrayList<>(spec.overrides());
    overrides.add("scheme = " + spec.scheme());
    overrides.add("fidelity = " + (spec.full() ? "full" : "timing"));
    overrides.add("mode = paced");
    overrides.add("output.plots = false");
    overrides.add("metrics.enabled = true");
    overrides.add("metrics.port = " + metricsPort);
    return Settings.load(Path.of("../scenarios", spec.scenario()), overrides);
  }

  /**
   * The number of series {@code expr} returns; -1, with a failure, when Prometheus rejects it. An
   * annotation evaluated for one run must mark only instants within that run's wall window (plus
   * its lookback window and a scrape's lag), so that it marks that run's event.
   */
  private int size(
      PrometheusServer prom,
      String expr,
      Dashboards.Query q,
      Span span,
      Done run,
      List<String> failures)
      throws Exception {
    try {
      if (!q.annotation()) {
        return prom.query(expr).size();
      }
      JsonNode result =
          prom.get(
                  "/api/v1/query_range?query="
                      + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                      + "&start="
                      + span.startS()
                      + "&end="
                      + span.endS()
                      + "&step=1")
              .path("result");
      if (run != null) {
        double from = run.wallStartS() - 1;
        // A series first scraped a few seconds late (Prometheus or the JVM starved on a loaded
        // machine: once 3 s after the run's end, beside other builds) is marked for a lookback
        // from there.
        double to = run.wallEndS() + ANNOTATION_WINDOW_MS / 1000.0 + SCRAPE_LAG_S;
        for (JsonNode series : result) {
          for (JsonNode point : series.path("values")) {
            double t = point.get(0).asDouble();
            if (t < from || t > to) {
              failures.add(
                  String.format(
                      "%s: marks %.0f for run %s, outside its wall window %.0f-%.0f: %s",
                      q.where(), t, run.run(), run.wallStartS(), run.wallEndS(), expr));
              return result.size();
            }
          }
        }
      }
      return result.size();
    } catch (IOException e) {
      failures.add(q.where() + ": Prometheus rejects " + expr + ": " + e.getMessage());
      return -1;
    }
  }

  /** Each template variable's label_values query lists every run's value. */
  private void checkVariables(PrometheusServer prom, List<Done> runs, List<String> failures)
      throws Exception {
    for (Dashboards.Board b : Dashboards.all()) {
      for (JsonNode v : b.json().path("templating").path("list")) {
        String name = v.path("name").asText();
        Matcher m = LABEL_VALUES.matcher(v.path("query").path("query").asText());
        assertTrue(m.matches(), b.file().getFileName() + " variable " + name);
        String selector = substitute(m.group(1), ".*", ".*", ".*", "60s");
        Set<String> values = labelValues(prom, m.group(2), selector);
        for (Done d : runs) {
          String expected =
              switch (name) {
                case "run" -> d.run();
                case "scheme" -> d.scheme();
                default -> null;
              };
          if (expected != null && !values.contains(expected)) {
            failures.add(
                b.file().getFileName()
                    + " variable "
                    + name
                    + " lacks "
                    + expected
                    + ": "
                    + values);
          }
        }
        if (values.isEmpty()) {
          failures.add(b.file().getFileName() + " variable " + name + " has no values");
        }
      }
    }
  }

  /**
   * The test's time range: panels are read at its end with rate windows over all of it; an
   * annotation is evaluated as Grafana does, over the range in steps (1 s here), with its window
   * {@link #ANNOTATION_WINDOW_MS} long, so it must mark the instant an event happened.
   */
  private record Span(long startS, long endS, long windowS) {}

  /** The query with the template variables as Grafana sets them for one choice. */
  private static String substitute(
      Dashboards.Query q, String run, String scheme, String node, Span span) {
    return substitute(
        q.expr(),
        run,
        scheme,
        node,
        q.annotation() ? ANNOTATION_WINDOW_MS + "ms" : span.windowS() + "s");
  }

  private static String substitute(
      String expr, String run, String scheme, String node, String window) {
    return expr.replace("$__rate_interval", window)
        .replace("$__interval", window)
        .replace("$run", run)
        .replace("$scheme", scheme)
        .replace("$node", node);
  }

  private Set<String> labelValues(PrometheusServer prom, String label, String selector)
      throws Exception {
    JsonNode r =
        prom.get(
            "/api/v1/label/"
                + label
                + "/values?match[]="
                + URLEncoder.encode(selector, StandardCharsets.UTF_8));
    Set<String> out = new LinkedHashSet<>();
    r.forEach(v -> out.add(v.asText()));
    return out;
  }
}
