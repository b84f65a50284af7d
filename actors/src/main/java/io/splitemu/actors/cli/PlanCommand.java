package io.splitemu.actors.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.Comparison;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RoundOne;
import io.splitemu.actors.scheme.Scheme;
import io.splitemu.actors.scheme.SchemePlan;
import io.splitemu.actors.scheme.Schemes;
import io.splitemu.planner.latency.LatencyBreakdown;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code splitemu plan}: runs the schemes' planners only (no training) and prints, for each scheme,
 * its decisions for round 1 and their predicted latency.
 *
 * <p>Every scheme plans through its strategy in {@link Schemes}, the same object {@code run} and
 * {@code compare} use, from the devices, shards, compute factors and links the run builds (the
 * run's own code, so the same seeded draws). A scheme that refuses the scenario refuses the plan
 * with the run's line.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Runs the planners only (no training) and prints the decisions and the predicted latency of"
          + " round 1 (LATENCY-MODEL.md) of each scheme: the scenario's, or --schemes.",
      "Barrier schemes: closed forms on static and Shannon links, each transfer integrated over"
          + " the traces on trace links; split schemes: their policy at the rates the supervisor"
          + " estimates at the round's start; mpsl: the planner's epoch estimate."
    })
public final class PlanCommand implements Callable<Integer> {

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

  @Option(
      names = "--keep-refused",
      description =
          "a scheme that refuses the scenario is a line SCHEME refused: why (with --json, an entry"
              + " of \"refused\") and the others are planned, instead of an error; every scheme"
              + " refusing, a value the settings refuse, or an input file the scenario names"
              + " (a profile, a measured table, data) that is missing or broken, is still an error")
  boolean keepRefused;

  @Override
  public Integer call() {
    // The scenario as given: each scheme checks it as its run would (fidelity included) and only
    // then plans, in timing, where it needs only sizes.
    if (spec.commandLine().getParseResult().hasMatchedOption("--schemes")) {
      CompareCommand.checkSchemes(schemes); // compare's lines, naming --schemes
    }
    Settings s = Settings.load(scenario, sets);
    List<Scheme> chosen = new ArrayList<>();
    for (String n : schemes.isEmpty() ? List.of(s.scheme()) : schemes) {
      chosen.add(Schemes.of(n.trim()));
    }
    List<SchemePlan> plans = new ArrayList<>();
    // Every scheme is planned; a refusal is led by the scheme's name, as compare's are (some
    // reasons, a DAG scheme's missing profile, do not name it).
    List<Comparison.Refusal> refused = new ArrayList<>();
    for (Scheme scheme : chosen) {
      try {
        // A fault or survival policy the run would refuse, the plan refuses with the same line.
        Emulation.checkFaults(s.withScheme(scheme.name()), scheme.family());
        plans.add(scheme.plan(s.withScheme(scheme.name())));
      } catch (RoundOne.Undeliverable e) {
        // The run would stop in round 1 (run's line: run stopped in round 1: ...).
        throw new UserException(
            "plan stopped in round 1: " + scheme.name() + ": " + e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        CompareCommand.brokenInput(scheme.name(), e); // an error, with --keep-refused too
        refused.add(new Comparison.Refusal(scheme.name(), e.getMessage()));
      }
    }
    if (!keepRefused && !refused.isEmpty()) {
      throw new UserException(
          refused.get(0).scheme()
              + ": "
              + refused.get(0).why()
              + (plans.isEmpty() || chosen.size() < 2
                  ? ""
                  : "; with --keep-refused the schemes that accept the scenario are planned ("
                      + plans.stream().map(SchemePlan::scheme).collect(Collectors.joining(", "))
                      + ")"));
    }
    if (plans.isEmpty()) {
      throw new UserException(
          "--schemes "
              + chosen.stream().map(Scheme::name).collect(Collectors.joining(","))
              + ": every scheme refuses the scenario ("
              + refused.stream()
                  .map(r -> r.scheme() + ": " + r.why())
                  .collect(Collectors.joining("; "))
              + ")");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = toJson(s, plans);
      if (!refused.isEmpty()) {
        ArrayNode rs = o.putArray("refused");
        for (Comparison.Refusal r : refused) {
          rs.addObject().put("scheme", r.scheme()).put("why", r.why());
        }
      }
      out.println(o);
    } else {
      for (Comparison.Refusal r : refused) {
        out.printf("%s refused: %s%n", r.scheme(), r.why());
      }
      printText(out, s, plans);
    }
    out.flush();
    return 0;
  }

  // ---- output ----

  static ObjectNode toJson(Settings s, List<SchemePlan> plans) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode o = mapper.createObjectNode();
    o.put("scenario", s.scenario());
    o.put("model", models(plans));
    o.put("batch", s.batchSize());
    o.put("localSteps", s.localSteps());
    o.put("round", 1);
    o.put("links", s.links().kind());
    o.put("serverFlopsPerSecond", s.serverFlops());
    devices(o.putArray("devices"), plans.get(0).devices());
    ArrayNode ps = o.putArray("plans");
    for (SchemePlan p : plans) {
      ObjectNode j = ps.addObject();
      j.put("scheme", p.scheme());
      j.put("family", p.family().name().toLowerCase(Locale.ROOT));
      j.put("model", p.model());
      j.put("cut", p.cut());
      ArrayNode vs = j.putArray("clusters");
      for (SchemePlan.Visit v : p.visits()) {
        ObjectNode jv = vs.addObject();
        Arrays.stream(v.members()).forEach(jv.putArray("members")::add);
        Arrays.stream(v.steps()).forEach(jv.putArray("localSteps")::add);
        Arrays.stream(v.uplinkShares()).forEach(jv.putArray("uplinkShares")::add);
        Arrays.stream(v.downlinkShares()).forEach(jv.putArray("downlinkShares")::add);
        if (v.serverShares() != null) {
          Arrays.stream(v.serverShares()).forEach(jv.putArray("serverShares")::add);
        }
      }
      p.decisions().forEach(j.putArray("decisions")::add);
      devices(j.putArray("devices"), p.devices());
      ObjectNode jp = j.putObject("predicted");
      jp.put("roundLatencySeconds", p.predictedSeconds());
      LatencyBreakdown b = p.breakdown();
      if (b != null) {
        jp.put("deviceComputeSeconds", b.deviceCompute());
        jp.put("serverComputeSeconds", b.serverCompute());
        jp.put("communicationSeconds", b.communication());
        jp.put("aggregationSeconds", b.aggregation());
      }
      jp.put("basis", p.basis());
      List<String> missed = unpredictedFaults(s, p);
      if (!missed.isEmpty()) {
        missed.forEach(j.putArray("faultsNotPredicted")::add);
      }
    }
    return o;
  }

  /**
   * The scenario's faults that strike in round 1 (at its start, or at an instant before the
   * predicted round ends) that {@code p}'s prediction does not time ({@link
   * SchemePlan#faultsTimed}: the link faults where it walks the run's links, none in the closed
   * forms and MP-SL's epoch estimate; docs/faults.md "Plan"), each as {@code splitemu.faults[i]
   * KIND}.
   */
  static List<String> unpredictedFaults(Settings s, SchemePlan p) {
    double endNs = p.predictedSeconds() * 1e9;
    List<String> out = new ArrayList<>();
    for (Settings.Fault f : s.faults()) {
      boolean round1 = f.start().atRoundStart() ? f.start().round() <= 1 : f.start().atNs() < endNs;
      if (round1 && !f.emptyAt(0) && !p.faultsTimed().times(f.kind())) {
        out.add(f.where() + " " + f.kind());
      }
    }
    return out;
  }

  /** Why {@code p}'s prediction leaves out the faults {@link #unpredictedFaults} names. */
  static String unpredictedWhy(Settings s, SchemePlan p) {
    if (p.faultsTimed() == SchemePlan.FaultsTimed.LINK) {
      return "the walk over the run's links times only their link faults";
    }
    if (p.family() == Scheme.Family.PIPELINE) {
      return "the planner's epoch estimate knows no faults";
    }
    return "the closed forms on " + s.links().kind() + " links know no faults";
  }

  private static void devices(ArrayNode devs, List<SchemePlan.DeviceView> views) {
    for (SchemePlan.DeviceView d : views) {
      ObjectNode j = devs.addObject();
      j.put("id", d.id());
      if (Double.isFinite(d.flopsPerSecond())) {
        j.put("flopsPerSecond", d.flopsPerSecond());
      } else {
        j.put("compute", "measured"); // mpsl*: mpsl.device-type's measured times
      }
      j.put("samples", d.samples());
      j.put("uplinkBps", d.uplinkBps());
      j.put("downlinkBps", d.downlinkBps());
      j.put("propagationSeconds", d.propagationSeconds());
    }
  }

  private static void printText(PrintWriter out, Settings s, List<SchemePlan> plans) {
    out.printf(
        Locale.ROOT,
        "plan %s: model %s, batch %d, local-steps %d, %s links; round 1, no training%n",
        s.scenario(),
        models(plans),
        s.batchSize(),
        s.localSteps(),
        s.links().kind());
    out.printf(Locale.ROOT, "server: %.4g FLOP/s%n", s.serverFlops());
    for (SchemePlan p : plans) {
      out.printf(
          Locale.ROOT,
          "%n%s (%s engine): cut %s, %d cluster visit(s)%n",
          p.scheme(),
          p.family().name().toLowerCase(Locale.ROOT),
          p.cut(),
          p.visits().size());
      out.printf(
          Locale.ROOT,
          "  %-6s %12s %8s %14s %14s%n",
          "device",
          "FLOP/s",
          "samples",
          "uplink bit/s",
          "downlink bit/s");
      boolean measured = false;
      for (SchemePlan.DeviceView d : p.devices()) {
        // mpsl*'s devices compute at mpsl.device-type's measured times, not at a rate.
        boolean rate = Double.isFinite(d.flopsPerSecond());
        measured |= !rate;
        out.printf(
            Locale.ROOT,
            "  %-6d %12s %8d %14.4g %14.4g%n",
            d.id(),
            rate ? String.format(Locale.ROOT, "%.4g", d.flopsPerSecond()) : "measured",
            d.samples(),
            d.uplinkBps(),
            d.downlinkBps());
      }
      if (measured) {
        out.printf(
            Locale.ROOT,
            "  (FLOP/s measured: the device's layers take mpsl.device-type's measured times)%n");
      }
      for (String d : p.decisions()) {
        out.printf(Locale.ROOT, "  %s%n", d);
      }
      int k = 1;
      for (SchemePlan.Visit v : p.visits()) {
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
      LatencyBreakdown b = p.breakdown();
      if (b != null) {
        out.printf(
            Locale.ROOT,
            "  predicted round latency %.6f s = device compute %.6f + server compute %.6f"
                + " + communication %.6f + aggregation %.6f%n",
            p.predictedSeconds(),
            b.deviceCompute(),
            b.serverCompute(),
            b.communication(),
            b.aggregation());
      } else {
        out.printf(Locale.ROOT, "  predicted round latency %.6f s%n", p.predictedSeconds());
      }
      out.printf(Locale.ROOT, "  (%s)%n", p.basis());
      List<String> missed = unpredictedFaults(s, p);
      if (!missed.isEmpty()) {
        out.printf(
            Locale.ROOT,
            "  note: not in this prediction, faults that strike in round 1 (%s): %s; the run"
                + " times them%n",
            String.join(", ", missed),
            unpredictedWhy(s, p));
      }
    }
  }

  /** The models the plans are made with, in order, each once (one name in the common case). */
  static String models(List<SchemePlan> plans) {
    return plans.stream().map(SchemePlan::model).distinct().collect(Collectors.joining(","));
  }

  private static String shares(double[] x) {
    return Arrays.stream(x)
        .mapToObj(v -> String.format(Locale.ROOT, "%.4g", v))
        .collect(Collectors.joining(","));
  }
}
