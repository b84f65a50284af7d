package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileCommandTest {

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * Four 2^59-parameter layers: 2^63 parameter bytes, printed as {@code (-9223372036854775808
   * bytes)} with exit 0 before; now one line naming the file, line and layer.
   */
  @Test
  void parameterBytesBeyondTheLimit_areRefusedNotPrintedWrapped() throws Exception {
    StringBuilder t =
        new StringBuilder(
            "input: \"data\"\ninput_dim: 1\ninput_dim: 16777216\ninput_dim: 2048\ninput_dim: 1\n");
    for (int i = 1; i <= 4; i++) {
      t.append("layer { name: \"fc" + i + "\" type: \"InnerProduct\" bottom: \"data\"")
          .append(" top: \"fc" + i + "\"")
          .append(" inner_product_param { num_output: 16777216 bias_term: false } }\n");
    }
    Path p = tmp.resolve("ovf.prototxt");
    Files.writeString(p, t);
    Result r = cli("profile", "--model", p.toString());
    assertTrue(r.code() != 0, r.out());
    assertFalse(r.out().contains("-9223372036854775808"), r.out());
    assertTrue(r.err().contains(p + ":6: layer 'fc1': "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void lenet5Json_matchesTheContract() throws Exception {
    Result r = cli("profile", "--model", "lenet5", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("lenet5", j.get("model").asText());
    assertEquals(3136, j.get("inputBytes").asLong());
    JsonNode conv1 = j.get("units").get(0);
    assertEquals("conv1", conv1.get("name").asText());
    assertEquals(235200, conv1.get("forwardFlops").asLong());
    assertEquals(470400, conv1.get("backwardFlops").asLong());
    assertEquals(18816, conv1.get("outputBytes").asLong());
    assertEquals(156, conv1.get("params").asLong());
    assertEquals(624, conv1.get("paramBytes").asLong());
    assertEquals(839344, j.get("totals").get("forwardFlops").asLong());
    assertEquals(1678688, j.get("totals").get("backwardFlops").asLong());
    assertEquals(61706, j.get("totals").get("params").asLong());
    assertEquals(246824, j.get("totals").get("paramBytes").asLong());
    assertEquals(1, r.out().strip().lines().count(), "--json prints one object and nothing else");
  }

  @Test
  void table_listsEveryUnitAndTotals() {
    Result r = cli("profile", "--model", "lenet5");
    assertEquals(0, r.code(), r.err());
    for (String u : new String[] {"conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"}) {
      assertTrue(r.out().contains(u), r.out());
    }
    assertTrue(r.out().contains("61706"), r.out());
  }

  @Test
  void dagJsonFile_isProfiled() throws Exception {
    Path f = tmp.resolve("tiny.dag.json");
    Files.writeString(
        f,
        "{\"name\":\"tiny\",\"inputBytes\":100,\"layers\":["
            + "{\"name\":\"a\",\"inputs\":[\"input\"],\"forwardFlops\":10,\"outputBytes\":40,"
            + "\"paramBytes\":8},"
            + "{\"name\":\"b\",\"inputs\":[\"a\",\"input\"],\"forwardFlops\":5,"
            + "\"backwardFlops\":7,\"outputBytes\":4,\"paramBytes\":0}]}");
    Result r = cli("profile", "--model", f.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(2, j.get("units").size());
    assertEquals(27, j.get("totals").get("backwardFlops").asLong());
    assertEquals(2, j.get("totals").get("params").asLong());
  }

  @Test
  void googlenetPrototxt_printsItsTable() {
    String data = System.getProperty("splitemu.data", "");
    Assumptions.assumeFalse(data.isBlank(), "splitemu.data is not set: GoogLeNet profile skipped");
    Path proto = Path.of(data, "models/caffe/bvlc_googlenet_deploy.prototxt");
    assertTrue(Files.isRegularFile(proto), "missing shared data file " + proto);
    Result r = cli("profile", "--model", proto.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("conv1/7x7_s2"), r.out());
  }

  @Test
  void unknownModel_failsWithOneLine() {
    Result r = cli("profile", "--model", "lenet6");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("splitemu: "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }

  @Test
  void missingOption_isAUsageError() {
    Result r = cli("profile");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--model"), r.err());
  }
}
