package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitCommandTest {

  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void help_showsEveryDefault() {
    // --batch did not say it defaults to 1
    TraceCommandTest.everyDefaultIsShown("split");
  }

  private Path diamond() throws Exception {
    // a heavy middle pair and a tiny 'squeeze' output: the cut must be after squeeze
    String json =
        "{\"name\": \"diamond\", \"inputBytes\": 1000000, \"layers\": ["
            + "{\"name\": \"stem\", \"inputs\": [\"input\"], \"forwardFlops\": 1e6,"
            + " \"outputBytes\": 500000, \"paramBytes\": 0},"
            + "{\"name\": \"squeeze\", \"inputs\": [\"stem\"], \"forwardFlops\": 1e6,"
            + " \"outputBytes\": 100, \"paramBytes\": 0},"
            + "{\"name\": \"left\", \"inputs\": [\"squeeze\"], \"forwardFlops\": 1e12,"
            + " \"outputBytes\": 1000, \"paramBytes\": 0},"
            + "{\"name\": \"right\", \"inputs\": [\"squeeze\"], \"forwardFlops\": 1e12,"
            + " \"outputBytes\": 1000, \"paramBytes\": 0},"
            + "{\"name\": \"join\", \"inputs\": [\"left\", \"right\"], \"forwardFlops\": 1e6,"
            + " \"outputBytes\": 10, \"paramBytes\": 0}]}";
    Path p = dir.resolve("diamond.dag.json");
    Files.writeString(p, json);
    return p;
  }

  private static List<String> strings(JsonNode array) {
    List<String> l = new ArrayList<>();
    for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
      l.add(it.next().asText());
    }
    return l;
  }

  /**
   * A prototxt of 20,000 chained layers cut deep inside (a 4-element InnerProduct at layer 14,000
   * between wide ReLUs): the min-cut's recursive search died of a StackOverflowError with a trace.
   */
  @Test
  void split_deepPrototxtChain_givesTheSplit() throws Exception {
    StringBuilder t =
        new StringBuilder("input: \"data\"\ninput_dim: 1\ninput_dim: 250000\ninput_dim: 1\n");
    String prev = "data";
    for (int i = 0; i < 20_000; i++) {
      String name = "r" + i;
      if (i == 14_000) {
        t.append("layer { name: \"" + name + "\" type: \"InnerProduct\" bottom: \"" + prev)
            .append("\" top: \"" + name + "\" inner_product_param { num_output: 1 } }\n");
      } else if (i == 14_001) {
        t.append("layer { name: \"" + name + "\" type: \"InnerProduct\" bottom: \"" + prev)
            .append("\" top: \"" + name + "\" inner_product_param { num_output: 250000 } }\n");
      } else {
        t.append("layer { name: \"" + name + "\" type: \"ReLU\" bottom: \"" + prev)
            .append("\" top: \"" + name + "\" }\n");
      }
      prev = name;
    }
    Path p = dir.resolve("relu20000.prototxt");
    Files.writeString(p, t);
    Result r =
        run(
            "split",
            "--model",
            p.toString(),
            "--device-flops",
            "1e12",
            "--server-flops",
            "1e13",
            "--uplink-bps",
            "1e6",
            "--downlink-bps",
            "1e6",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(20_000, j.get("layers").asInt());
    assertEquals(List.of("r14000"), strings(j.get("crossingTensors")));
    assertEquals(14_001, j.get("deviceLayers").size());
  }

  @Test
  void split_handWrittenDag_printsTheContractJson() throws Exception {
    Result r =
        run(
            "split",
            "--model",
            diamond().toString(),
            "--device-flops",
            "1e9",
            "--server-flops",
            "1e13",
            "--uplink-bps",
            "1e7",
            "--downlink-bps",
            "1e7",
            "--batch",
            "4",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(
        List.of(
            "model",
            "layers",
            "method",
            "deviceLayers",
            "serverLayers",
            "crossingTensors",
            "costSeconds",
            "deviceComputeSeconds",
            "serverComputeSeconds",
            "communicationSeconds",
            "solveMillis"),
        strings(toFieldNames(j)));
    assertEquals("diamond", j.get("model").asText());
    assertEquals(5, j.get("layers").asInt());
    assertEquals("mincut", j.get("method").asText());
    assertEquals(List.of("stem", "squeeze"), strings(j.get("deviceLayers")));
    assertEquals(List.of("squeeze"), strings(j.get("crossingTensors")));
    // squeeze's 100 bytes x 4 samples up and down, once although two server layers read it
    assertEquals(4 * 8.0 * 100 * 2 / 1e7, j.get("communicationSeconds").asDouble(), 1e-15);
    double sum =
        j.get("deviceComputeSeconds").asDouble()
            + j.get("serverComputeSeconds").asDouble()
            + j.get("communicationSeconds").asDouble();
    assertEquals(sum, j.get("costSeconds").asDouble(), 1e-12);
  }

  private static JsonNode toFieldNames(JsonNode j) {
    com.fasterxml.jackson.databind.node.ArrayNode a = new ObjectMapper().createArrayNode();
    j.fieldNames().forEachRemaining(a::add);
    return a;
  }

  @Test
  void split_blockWiseTable_namesMethodAndGap() throws Exception {
    Result r =
        run(
            "split",
            "--model",
            diamond().toString(),
            "--device-flops",
            "1e9",
            "--server-flops",
            "1e13",
            "--uplink-bps",
            "1e7",
            "--downlink-bps",
            "1e7",
            "--block-wise");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("method blockwise"), r.out());
    assertTrue(r.out().contains("gap to the full min-cut"), r.out());
  }

  @Test
  void split_googlenetPrototxt_beatsOrMatchesBothExtremes() throws Exception {
    String data = System.getProperty("splitemu.data");
    if (data == null || data.isBlank()) {
      Assumptions.abort("splitemu.data is not set: skipping the GoogLeNet prototxt split");
    }
    Path proto = Path.of(data, "models", "caffe", "bvlc_googlenet_deploy.prototxt");
    assertTrue(Files.isRegularFile(proto), "splitemu.data is set but " + proto + " is missing");
    Result r =
        run(
            "split",
            "--model",
            proto.toString(),
            "--device-flops",
            "2e10",
            "--server-flops",
            "1e12",
            "--uplink-bps",
            "2e7",
            "--downlink-bps",
            "5e7",
            "--batch",
            "16",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    int layers = j.get("layers").asInt();
    assertTrue(layers > 50, "GoogLeNet has " + layers + " layers");
    assertEquals(layers, j.get("deviceLayers").size() + j.get("serverLayers").size());
    assertTrue(j.get("costSeconds").asDouble() > 0);
  }

  @Test
  void split_missingFile_failsWithOneLine() {
    Result r =
        run(
            "split",
            "--model",
            dir.resolve("nope.dag.json").toString(),
            "--device-flops",
            "1e9",
            "--server-flops",
            "1e12",
            "--uplink-bps",
            "1e7",
            "--downlink-bps",
            "1e7");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("splitemu: "), r.err());
    assertTrue(r.err().contains("nope.dag.json"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertEquals("", r.out());
  }

  @Test
  void split_negativeRate_failsWithOneLine() throws Exception {
    Result r =
        run(
            "split",
            "--model",
            diamond().toString(),
            "--device-flops",
            "1e9",
            "--server-flops",
            "1e12",
            "--uplink-bps",
            "-5",
            "--downlink-bps",
            "1e7");
    assertEquals(1, r.code());
    assertTrue(
        r.err().contains("--uplink-bps (uplink bit/s) must be a number in [1.0, 1.0E15], got -5.0"),
        r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void extremeRates_areRefusedInOneLine_neverAnInfiniteCost() throws Exception {
    String[][] cases = {
      {"--device-flops", "1e400", "device FLOP/s"},
      {"--device-flops", "1e-300", "device FLOP/s"},
      {"--uplink-bps", "1e-300", "uplink bit/s"},
      {"--downlink-bps", "NaN", "downlink bit/s"},
      {"--batch", "2000000000", "batch"},
    };
    for (String[] c : cases) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "split",
                  "--model",
                  diamond().toString(),
                  "--device-flops",
                  "1e9",
                  "--server-flops",
                  "1e12",
                  "--uplink-bps",
                  "1e6",
                  "--downlink-bps",
                  "1e7",
                  "--json"));
      int at = args.indexOf(c[0]);
      if (at >= 0) {
        args.set(at + 1, c[1]);
      } else {
        args.add(c[0]);
        args.add(c[1]);
      }
      Result r = run(args.toArray(new String[0]));
      assertEquals(1, r.code(), c[0] + " " + c[1] + ": " + r.err());
      assertTrue(r.err().contains(c[2]), r.err());
      // The flag itself is named, not only the quantity it gives.
      assertTrue(r.err().startsWith("splitemu: split: " + c[0] + " ("), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertEquals("", r.out().strip(), "nothing on standard output");
    }
  }
}
