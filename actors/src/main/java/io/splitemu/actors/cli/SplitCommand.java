package io.splitemu.actors.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.ModelProfiles;
import io.splitemu.planner.dag.BlockwiseSplit;
import io.splitemu.planner.dag.DagSplit;
import io.splitemu.planner.dag.DagSplitter;
import io.splitemu.planner.dag.SplitRates;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code splitemu split}: the optimal device/server split of a DAG model by minimum cut. */
@Command(
    name = "split",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Finds the device/server split of a DAG model that minimises the per-iteration time T(D)"
          + " (LATENCY-MODEL.md section 5) by a minimum s-t cut.",
      "MODEL is a built-in name, a *.dag.json or a Caffe *.prototxt file."
    })
public final class SplitCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE|NAME", description = "model")
  String model;

  @Option(names = "--device-flops", required = true, paramLabel = "F", description = "FLOP/s")
  double deviceFlops;

  @Option(names = "--server-flops", required = true, paramLabel = "S", description = "FLOP/s")
  double serverFlops;

  @Option(names = "--uplink-bps", required = true, paramLabel = "U", description = "bit/s")
  double uplinkBps;

  @Option(names = "--downlink-bps", required = true, paramLabel = "D", description = "bit/s")
  double downlinkBps;

  @Option(
      names = "--batch",
      paramLabel = "B",
      defaultValue = "1",
      description = "batch size (default 1)")
  int batch;

  @Option(names = "--block-wise", description = "collapse single-entry single-exit blocks first")
  boolean blockWise;

  @Option(names = "--json", description = "print one JSON object on standard output")
  boolean json;

  @Override
  public Integer call() throws Exception {
    // Each flag refused by its own name (the rates' own check names only the quantity).
    within("--device-flops", "device FLOP/s", deviceFlops, SplitRates.MAX_FLOPS);
    within("--server-flops", "server FLOP/s", serverFlops, SplitRates.MAX_FLOPS);
    within("--uplink-bps", "uplink bit/s", uplinkBps, SplitRates.MAX_BPS);
    within("--downlink-bps", "downlink bit/s", downlinkBps, SplitRates.MAX_BPS);
    if (batch < 1 || batch > SplitRates.MAX_BATCH) {
      throw new UserException(
          "split: --batch (batch size) must be in [1, " + SplitRates.MAX_BATCH + "], got " + batch);
    }
    SplitRates rates;
    try {
      rates = new SplitRates(deviceFlops, serverFlops, uplinkBps, downlinkBps, batch);
    } catch (IllegalArgumentException e) {
      throw new UserException("split: " + e.getMessage());
    }
    DagProfile dag = ModelProfiles.load(model);
    DagSplit split;
    String extra = "";
    if (blockWise) {
      BlockwiseSplit b = DagSplitter.blockWise(dag, rates);
      split = b.split();
      extra =
          String.format(
              Locale.ROOT,
              "blocks: %d, gap to the full min-cut: %.6g s%n",
              b.blocks(),
              b.gapSeconds());
    } else {
      split = DagSplitter.minCut(dag, rates);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(split));
    } else {
      printTable(out, split, extra);
    }
    out.flush();
    return 0;
  }

  private static void within(String flag, String what, double v, double max) {
    if (!(v >= SplitRates.MIN_RATE && v <= max)) {
      throw new UserException(
          "split: "
              + flag
              + " ("
              + what
              + ") must be a number in ["
              + SplitRates.MIN_RATE
              + ", "
              + max
              + "], got "
              + v);
    }
  }

  static String toJson(DagSplit s) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode o = mapper.createObjectNode();
    o.put("model", s.model());
    o.put("layers", s.layers());
    o.put("method", s.method());
    s.deviceLayers().forEach(o.putArray("deviceLayers")::add);
    s.serverLayers().forEach(o.putArray("serverLayers")::add);
    s.crossingTensors().forEach(o.putArray("crossingTensors")::add);
    o.put("costSeconds", s.costSeconds());
    o.put("deviceComputeSeconds", s.deviceComputeSeconds());
    o.put("serverComputeSeconds", s.serverComputeSeconds());
    o.put("communicationSeconds", s.communicationSeconds());
    o.put("solveMillis", s.solveMillis());
    return o.toString();
  }

  private static void printTable(PrintWriter out, DagSplit s, String extra) {
    out.printf(Locale.ROOT, "model %s, %d layers, method %s%n", s.model(), s.layers(), s.method());
    out.printf(Locale.ROOT, "%-24s %14s%n", "term", "seconds");
    out.printf(Locale.ROOT, "%-24s %14.6g%n", "device compute", s.deviceComputeSeconds());
    out.printf(Locale.ROOT, "%-24s %14.6g%n", "server compute", s.serverComputeSeconds());
    out.printf(Locale.ROOT, "%-24s %14.6g%n", "communication", s.communicationSeconds());
    out.printf(Locale.ROOT, "%-24s %14.6g%n", "total T(D)", s.costSeconds());
    out.printf(
        Locale.ROOT,
        "device layers (%d): %s%n",
        s.deviceLayers().size(),
        abbreviate(s.deviceLayers()));
    out.printf(Locale.ROOT, "server layers: %d%n", s.serverLayers().size());
    out.printf(Locale.ROOT, "crossing tensors: %s%n", String.join(", ", s.crossingTensors()));
    out.print(extra);
    out.printf(Locale.ROOT, "solved in %.3f ms%n", s.solveMillis());
  }

  private static String abbreviate(List<String> names) {
    if (names.size() <= 12) {
      return String.join(", ", names);
    }
    return String.join(", ", names.subList(0, 6))
        + ", ..., "
        + String.join(", ", names.subList(names.size() - 3, names.size()));
  }
}
