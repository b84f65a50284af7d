package io.splitemu.actors.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.DagLayer;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.ModelProfiles;
import io.splitemu.model.profile.UnitProfile;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code splitemu profile}: the per-unit profile of a zoo model, a built-in DAG or a model file.
 */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Prints the per-unit profile (per sample: forward/backward FLOPs, output bytes, parameters)"
          + " and totals of a model.",
      "MODEL is a zoo name (mlp, lenet5, resnet8), a built-in DAG name, a *.dag.json or a Caffe"
          + " *.prototxt file."
    })
public final class ProfileCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "FILE|NAME",
      description = "zoo name, built-in DAG name, *.dag.json or *.prototxt")
  String model;

  @Option(names = "--json", description = "print one JSON object on standard output")
  boolean json;

  /** One printed row: a unit of a chain or a layer of a DAG. */
  record Row(
      String name,
      List<String> inputs,
      double forwardFlops,
      double backwardFlops,
      long outputBytes,
      long params,
      long paramBytes) {}

  @Override
  public Integer call() throws Exception {
    String name;
    long inputBytes;
    List<Row> rows = new ArrayList<>();
    if (ModelZoo.names().contains(model)) {
      ChainProfile p = ModelZoo.profile(model);
      name = p.model();
      inputBytes = p.inputBytes();
      for (UnitProfile u : p.units()) {
        rows.add(
            new Row(
                u.name(),
                List.of(),
                u.forwardFlops(),
                u.backwardFlops(),
                u.outputBytes(),
                u.params(),
                u.paramBytes()));
      }
    } else {
      DagProfile p = ModelProfiles.load(model);
      name = p.name();
      inputBytes = p.inputBytes();
      for (DagLayer l : p.layers()) {
        rows.add(
            new Row(
                l.name(),
                l.inputs(),
                l.forwardFlops(),
                l.backwardFlops(),
                l.outputBytes(),
                l.paramBytes() / 4,
                l.paramBytes()));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(name, inputBytes, rows));
    } else {
      printTable(out, name, inputBytes, rows);
    }
    out.flush();
    return 0;
  }

  static String toJson(String name, long inputBytes, List<Row> rows) throws Exception {
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = m.createObjectNode();
    o.put("model", name);
    o.put("inputBytes", inputBytes);
    ArrayNode units = o.putArray("units");
    double f = 0;
    double b = 0;
    long params = 0;
    long paramBytes = 0;
    for (Row r : rows) {
      ObjectNode u = units.addObject();
      u.put("name", r.name());
      if (!r.inputs().isEmpty()) {
        ArrayNode in = u.putArray("inputs");
        r.inputs().forEach(in::add);
      }
      putFlops(u, "forwardFlops", r.forwardFlops());
      putFlops(u, "backwardFlops", r.backwardFlops());
      u.put("outputBytes", r.outputBytes());
      u.put("params", r.params());
      u.put("paramBytes", r.paramBytes());
      f += r.forwardFlops();
      b += r.backwardFlops();
      params = sum(name, params, r.params());
      paramBytes = sum(name, paramBytes, r.paramBytes());
    }
    ObjectNode t = o.putObject("totals");
    putFlops(t, "forwardFlops", f);
    putFlops(t, "backwardFlops", b);
    t.put("params", params);
    t.put("paramBytes", paramBytes);
    return m.writeValueAsString(o);
  }

  /**
   * {@code a + b}, exact: profiles keep their totals inside a long (each layer at most 2^42 bytes),
   * and a total that still would not fit is refused rather than printed wrapped.
   */
  private static long sum(String model, long a, long b) {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      throw new UserException(
          "profile: model " + model + ": parameter totals exceed a 64-bit count");
    }
  }

  // FLOP counts are whole numbers in practice; print them as integers when they are.
  private static void putFlops(ObjectNode o, String key, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 9e15) {
      o.put(key, (long) v);
    } else {
      o.put(key, v);
    }
  }

  private static void printTable(PrintWriter out, String name, long inputBytes, List<Row> rows) {
    int w = Math.max(4, rows.stream().mapToInt(r -> r.name().length()).max().orElse(4));
    w = Math.min(w, 40);
    String fmt = "%-" + w + "s %16s %16s %14s %12s%n";
    out.printf(Locale.ROOT, "model %s, input %d bytes per sample%n", name, inputBytes);
    out.printf(Locale.ROOT, fmt, "unit", "fwd FLOPs", "bwd FLOPs", "out bytes", "params");
    double f = 0;
    double b = 0;
    long params = 0;
    long paramBytes = 0;
    for (Row r : rows) {
      out.printf(
          Locale.ROOT,
          fmt,
          r.name().length() > w ? r.name().substring(0, w - 1) + "~" : r.name(),
          flops(r.forwardFlops()),
          flops(r.backwardFlops()),
          r.outputBytes(),
          r.params());
      f += r.forwardFlops();
      b += r.backwardFlops();
      params = sum(name, params, r.params());
      paramBytes = sum(name, paramBytes, r.paramBytes());
    }
    out.printf(Locale.ROOT, fmt, "total", flops(f), flops(b), "", params);
    out.printf(
        Locale.ROOT,
        "%d units; %.4g forward FLOPs per sample; %.4g M parameters (%d bytes)%n",
        rows.size(),
        f,
        params / 1e6,
        paramBytes);
  }

  private static String flops(double v) {
    return v == Math.rint(v) && Math.abs(v) < 9e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%.6g", v);
  }
}
