package io.splitemu.actors.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.ValueSource;
import io.splitemu.actors.runtime.DeviceSetup;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.actors.runtime.SupervisorSetup;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.net.SeededStreams;
import io.splitemu.net.link.ShannonChannel;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.LatencyBreakdown;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.SchemeLatency;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.latency.ShannonRate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code splitemu plan}: runs the planners only (no training) and prints, for each scheme, its
 * decisions (cut, cluster visits, shares) and its predicted latency of round 1 with the breakdown
 * of {@link SchemeLatency}.
 *
 * <p>The devices are those the run would build: the same seeded draws of compute rates, round-1
 * compute factors, shard sizes, link rates and round-1 fading. With static links and fixed rates
 * the prediction equals the emulated latency of round 1 (to the runtime's nanosecond rounding).
 *
 * <p>A scheme is one entry of {@link #PLANNERS} and one method from {@link Inputs} to {@link
 * SchemePlan}.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the planners only (no training) and prints the decisions and the predicted round"
          + " latency (round 1, LATENCY-MODEL.md) of each scheme: the scenario's, or --schemes.",
      "Static and Shannon links are predicted; trace links are refused."
    })
public final class PlanCommand implements Callable<Integer> {

  /** The planners by scheme name; a new scheme adds one line here and one method below. */
  static final Map<String, Function<Inputs, SchemePlan>> PLANNERS = new LinkedHashMap<>();

  static {
    PLANNERS.put("sl", PlanCommand::sl);
    PLANNERS.put("psl", PlanCommand::psl);
    PLANNERS.put("sfl-v1", PlanCommand::sflV1);
    PLANNERS.put("sfl-v2", PlanCommand::sflV2);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SCENARIO", description = "a HOCON scenario file")
  Path scenario;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "override a setting, e.g. --set local-steps=2 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--schemes",
      split = ",",
      paramLabel = "a,b,c",
      description = "schemes to plan (default: the scenario's scheme)")
  List<String> schemes = new ArrayList<>();

  @Option(names = "--json", description = "print one JSON object on standard output")
  boolean json;

  /**
   * What every planner starts from: the scenario and the devices as they stand in round 1.
   *
   * @param devices device n's state in round 1 (compute factor applied, full-band rates)
   * @param sharedSpectrum whether the devices that transmit at once share one band equally (Shannon
   *     links), as the runtime gives them; otherwise every device has its own link
   */
  record Inputs(
      Settings settings,
      CutCosts costs,
      int cut,
      int batch,
      int localSteps,
      List<DeviceState> devices,
      ServerState server,
      boolean sharedSpectrum) {}

  /**
   * One cluster visit of a plan.
   *
   * @param members device indexes in visit order
   * @param steps E of the visit (per member for per-device schemes)
   * @param uplinkShares per member; 1 on a device's own link
   * @param downlinkShares per member
   * @param serverShares per member share of the server for per-device copies, else null
   */
  record Visit(
      int[] members,
      long[] steps,
      double[] uplinkShares,
      double[] downlinkShares,
      double[] serverShares) {}

  /** A scheme's decisions and its predicted round latency. */
  record SchemePlan(String scheme, int cut, List<Visit> visits, LatencyBreakdown predicted) {}

  @Override
  public Integer call() {
    List<String> overrides = new ArrayList<>(sets);
    // Planning needs only sizes: no model, no tensors.
    overrides.add("fidelity=timing");
    Settings s = Settings.load(scenario, overrides);
    List<String> names = schemes.isEmpty() ? List.of(s.scheme()) : schemes;
    for (String n : names) {
      if (!PLANNERS.containsKey(n)) {
        throw new UserException(
            "plan: no planner for scheme \""
                + n
                + "\"; known: "
                + String.join(", ", PLANNERS.keySet()));
      }
    }
    Inputs in = inputs(s);
    List<SchemePlan> plans = new ArrayList<>();
    for (String n : names) {
      plans.add(PLANNERS.get(n).apply(in));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(in, plans));
    } else {
      printText(out, in, plans);
    }
    out.flush();
    return 0;
  }

  /** The scenario's round-1 devices, built from the same seeded draws as a run. */
  static Inputs inputs(Settings s) {
    Settings.LinkSettings l = s.links();
    if (!l.kind().equals("static") && !l.kind().equals("shannon")) {
      throw new UserException(
          "plan: links.kind = "
              + l.kind()
              + " is not predicted (rates vary in time); use static or shannon links");
    }
    SupervisorSetup setup = Emulation.prepare(s).factory().create(null, RunListener.NONE);
    int n = setup.devices().size();
    int cut = s.model().cut();
    double prop = l.propagationDelay().toNanos() / 1e9;
    List<RateFunction[]> links = new ArrayList<>();
    if (l.kind().equals("static")) {
      double[] up = perDevice(l.staticUplinkBps(), n, s.seed(), "links/uplink-bps");
      double[] down = perDevice(l.staticDownlinkBps(), n, s.seed(), "links/downlink-bps");
      for (int d = 0; d < n; d++) {
        links.add(new RateFunction[] {RateFunction.linear(up[d]), RateFunction.linear(down[d])});
      }
    } else {
      double[] dist = perDevice(l.distanceM(), n, s.seed(), "links/distance-m");
      for (int d = 0; d < n; d++) {
        double km = dist[d] / 1000.0;
        links.add(
            new RateFunction[] {
              shannon(s, l.devicePowerDbm(), km, "fading/device-" + d + "/up/round-1"),
              shannon(s, l.apPowerDbm(), km, "fading/device-" + d + "/down/round-1")
            });
      }
    }
    List<DeviceState> devices = new ArrayList<>();
    for (int d = 0; d < n; d++) {
      DeviceSetup ds = setup.devices().get(d);
      devices.add(
          new DeviceState(
                  Integer.toString(ds.id()),
                  ds.flopsPerSecond() * setup.factors().of(ds.id(), 1),
                  ds.shard().length,
                  links.get(d)[0],
                  links.get(d)[1])
              .withPropagation(prop));
    }
    return new Inputs(
        s,
        CutCosts.of(ModelZoo.profile(s.model().name())),
        cut,
        s.batchSize(),
        s.localSteps(),
        devices,
        new ServerState(s.serverFlops()),
        l.kind().equals("shannon"));
  }

  // The same named streams and order of draws as the run builder (Emulation), so that the plan
  // sees the devices the run will have.
  private static double[] perDevice(ValueSource v, int n, long seed, String stream) {
    SplittableRandom rng = SeededStreams.stream(seed, stream);
    double[] out = new double[n];
    for (int d = 0; d < n; d++) {
      out[d] = v.value(d, rng);
    }
    return out;
  }

  private static RateFunction shannon(Settings s, double powerDbm, double km, String stream) {
    Settings.LinkSettings l = s.links();
    double fading = 1.0;
    if (!l.fading().equals("none")) {
      // Round 1's draw: the run's coherence interval is one round, interval 0 of this stream.
      fading =
          new ShannonChannel(
                  l.bandwidthHz(),
                  1.0,
                  powerDbm,
                  l.noiseDbmPerHz(),
                  km,
                  Long.MAX_VALUE / 4,
                  s.seed(),
                  stream)
              .fading(0);
    }
    return ShannonRate.withPathLoss(l.bandwidthHz(), powerDbm, km, fading, l.noiseDbmPerHz());
  }

  // ---- one method per scheme ----

  /** Vanilla SL: one visit per device in id order, each on the whole band. */
  static SchemePlan sl(Inputs in) {
    List<Visit> visits = new ArrayList<>();
    for (int d = 0; d < in.devices().size(); d++) {
      long e = SchemeLatency.visitSteps(in.localSteps(), List.of(in.devices().get(d)), in.batch());
      visits.add(new Visit(new int[] {d}, new long[] {e}, ones(1), ones(1), null));
    }
    LatencyBreakdown p =
        SchemeLatency.vanillaSlRound(
            in.costs(), in.cut(), in.batch(), in.localSteps(), in.devices(), in.server());
    return new SchemePlan("sl", in.cut(), visits, p);
  }

  /** PSL: one visit of every device, equal shares of a shared band or each its own link. */
  static SchemePlan psl(Inputs in) {
    return barrierOfAll("psl", in);
  }

  /** SplitFed v2: timed as PSL (LATENCY-MODEL.md's barrier form). */
  static SchemePlan sflV2(Inputs in) {
    return barrierOfAll("sfl-v2", in);
  }

  /** SplitFed v1: every device on its own server copy with an equal share of the server. */
  static SchemePlan sflV1(Inputs in) {
    int n = in.devices().size();
    double[] link = linkShares(in, n);
    double[] server = new double[n];
    Arrays.fill(server, 1.0 / n);
    long[] steps = new long[n];
    for (int d = 0; d < n; d++) {
      steps[d] =
          in.localSteps() > 0 ? in.localSteps() : in.devices().get(d).stepsPerEpoch(in.batch());
    }
    LatencyBreakdown p =
        in.sharedSpectrum()
            ? SchemeLatency.splitFedV1Round(
                in.costs(),
                in.cut(),
                in.batch(),
                in.localSteps(),
                in.devices(),
                link,
                link,
                server,
                in.server())
            : SchemeLatency.splitFedV1Round(
                in.costs(),
                in.cut(),
                in.batch(),
                in.localSteps(),
                in.devices(),
                server,
                in.server());
    return new SchemePlan(
        "sfl-v1", in.cut(), List.of(new Visit(indexes(n), steps, link, link, server)), p);
  }

  private static SchemePlan barrierOfAll(String scheme, Inputs in) {
    int n = in.devices().size();
    double[] link = linkShares(in, n);
    long e = SchemeLatency.visitSteps(in.localSteps(), in.devices(), in.batch());
    long[] steps = new long[n];
    Arrays.fill(steps, e);
    LatencyBreakdown p =
        in.sharedSpectrum()
            ? SchemeLatency.pslRound(
                in.costs(),
                in.cut(),
                in.batch(),
                in.localSteps(),
                in.devices(),
                link,
                link,
                in.server())
            : SchemeLatency.pslRound(
                in.costs(), in.cut(), in.batch(), in.localSteps(), in.devices(), in.server());
    return new SchemePlan(
        scheme, in.cut(), List.of(new Visit(indexes(n), steps, link, link, null)), p);
  }

  /** Equal shares of one band when the spectrum is shared, else 1 on each device's own link. */
  private static double[] linkShares(Inputs in, int members) {
    double[] x = new double[members];
    Arrays.fill(x, in.sharedSpectrum() ? 1.0 / members : 1.0);
    return x;
  }

  private static double[] ones(int n) {
    double[] x = new double[n];
    Arrays.fill(x, 1.0);
    return x;
  }

  private static int[] indexes(int n) {
    int[] x = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
    }
    return x;
  }

  // ---- output ----

  static String toJson(Inputs in, List<SchemePlan> plans) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode o = mapper.createObjectNode();
    Settings s = in.settings();
    o.put("scenario", s.scenario());
    o.put("model", s.model().name());
    o.put("batch", in.batch());
    o.put("localSteps", in.localSteps());
    o.put("round", 1);
    o.put("links", s.links().kind());
    ArrayNode devs = o.putArray("devices");
    for (DeviceState d : in.devices()) {
      ObjectNode j = devs.addObject();
      j.put("id", Integer.parseInt(d.id()));
      j.put("flopsPerSecond", d.flopsPerSecond());
      j.put("samples", d.samples());
      j.put("epochSteps", d.stepsPerEpoch(in.batch()));
      j.put("uplinkBps", d.uplink().bitsPerSecond(1));
      j.put("downlinkBps", d.downlink().bitsPerSecond(1));
      j.put("propagationSeconds", d.propagationSeconds());
    }
    o.put("serverFlopsPerSecond", in.server().flopsPerSecond());
    ArrayNode ps = o.putArray("plans");
    for (SchemePlan p : plans) {
      ObjectNode j = ps.addObject();
      j.put("scheme", p.scheme());
      j.put("cut", p.cut());
      ArrayNode vs = j.putArray("clusters");
      for (Visit v : p.visits()) {
        ObjectNode jv = vs.addObject();
        Arrays.stream(v.members()).forEach(jv.putArray("members")::add);
        Arrays.stream(v.steps()).forEach(jv.putArray("localSteps")::add);
        Arrays.stream(v.uplinkShares()).forEach(jv.putArray("uplinkShares")::add);
        Arrays.stream(v.downlinkShares()).forEach(jv.putArray("downlinkShares")::add);
        if (v.serverShares() != null) {
          Arrays.stream(v.serverShares()).forEach(jv.putArray("serverShares")::add);
        }
      }
      LatencyBreakdown b = p.predicted();
      ObjectNode jp = j.putObject("predicted");
      jp.put("roundLatencySeconds", b.total());
      jp.put("deviceComputeSeconds", b.deviceCompute());
      jp.put("serverComputeSeconds", b.serverCompute());
      jp.put("communicationSeconds", b.communication());
      jp.put("aggregationSeconds", b.aggregation());
    }
    return o.toString();
  }

  private static void printText(PrintWriter out, Inputs in, List<SchemePlan> plans) {
    Settings s = in.settings();
    out.printf(
        Locale.ROOT,
        "plan %s: model %s, batch %d, local-steps %d, %s links; round 1, no training%n",
        s.scenario(),
        s.model().name(),
        in.batch(),
        in.localSteps(),
        s.links().kind());
    out.printf(
        Locale.ROOT,
        "%-6s %12s %8s %5s %14s %14s%n",
        "device",
        "FLOP/s",
        "samples",
        "I_n",
        "uplink bit/s",
        "downlink bit/s");
    for (DeviceState d : in.devices()) {
      out.printf(
          Locale.ROOT,
          "%-6s %12.4g %8d %5d %14.4g %14.4g%n",
          d.id(),
          d.flopsPerSecond(),
          d.samples(),
          d.stepsPerEpoch(in.batch()),
          d.uplink().bitsPerSecond(1),
          d.downlink().bitsPerSecond(1));
    }
    out.printf(Locale.ROOT, "server: %.4g FLOP/s%n", in.server().flopsPerSecond());
    for (SchemePlan p : plans) {
      out.printf(
          Locale.ROOT,
          "%n%s: cut %d, %d cluster visit(s)%n",
          p.scheme(),
          p.cut(),
          p.visits().size());
      int k = 1;
      for (Visit v : p.visits()) {
        out.printf(
            Locale.ROOT,
            "  visit %d: devices %s; E %s; uplink shares %s; downlink shares %s%s%n",
            k++,
            Arrays.stream(v.members()).mapToObj(Integer::toString).collect(Collectors.joining(",")),
            Arrays.stream(v.steps()).mapToObj(Long::toString).collect(Collectors.joining(",")),
            shares(v.uplinkShares()),
            shares(v.downlinkShares()),
            v.serverShares() == null ? "" : "; server shares " + shares(v.serverShares()));
      }
      LatencyBreakdown b = p.predicted();
      out.printf(
          Locale.ROOT,
          "  predicted round latency %.6f s = device compute %.6f + server compute %.6f"
              + " + communication %.6f + aggregation %.6f%n",
          b.total(),
          b.deviceCompute(),
          b.serverCompute(),
          b.communication(),
          b.aggregation());
    }
  }

  private static String shares(double[] x) {
    return Arrays.stream(x)
        .mapToObj(v -> String.format(Locale.ROOT, "%.4g", v))
        .collect(Collectors.joining(","));
  }
}
