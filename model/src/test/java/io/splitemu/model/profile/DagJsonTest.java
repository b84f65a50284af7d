package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DagJsonTest {

  private static final String SRC = "m.dag.json";

  private static String model(String layers) {
    return "{\"name\": \"m\", \"inputBytes\": 12,\n \"layers\": [\n" + layers + "\n]}";
  }

  private static String layer(String name, String inputs, String extra) {
    return "{\"name\": \""
        + name
        + "\", \"inputs\": ["
        + inputs
        + "], \"forwardFlops\": 10, \"outputBytes\": 4, \"paramBytes\": 8"
        + extra
        + "}";
  }

  private static IllegalArgumentException refused(String json) {
    return assertThrows(IllegalArgumentException.class, () -> DagJson.parse(json, SRC));
  }

  @Test
  void parse_formatsExample_readsFieldsAndDefaultsBackwardToTwiceForward() {
    String json =
        "{\"name\": \"googlenet\", \"inputBytes\": 602112, \"layers\": ["
            + "{\"name\": \"pool1\", \"inputs\": [\"conv1\"], \"forwardFlops\": 3612672,"
            + " \"outputBytes\": 802816, \"paramBytes\": 0},"
            + "{\"name\": \"conv1\", \"inputs\": [\"input\"], \"forwardFlops\": 236027904,"
            + " \"backwardFlops\": 472055808, \"outputBytes\": 3211264, \"paramBytes\": 37888}]}";
    DagProfile p = DagJson.parse(json, SRC);
    assertEquals("googlenet", p.name());
    assertEquals(602112, p.inputBytes());
    // Layers may come in any order; the profile stores them topologically.
    assertEquals("conv1", p.layers().get(0).name());
    DagLayer pool = p.layers().get(1);
    assertEquals(List.of("conv1"), pool.inputs());
    assertEquals(3612672.0, pool.forwardFlops());
    assertEquals(2 * 3612672.0, pool.backwardFlops());
    assertEquals(802816, pool.outputBytes());
    assertEquals(472055808.0, p.layers().get(0).backwardFlops());
    assertEquals(37888, p.layers().get(0).paramBytes());
  }

  @Test
  void writeThenRead_efficientNetDag_givesTheSameProfile(@TempDir Path dir) {
    DagProfile original = BuiltinProfiles.get(BuiltinProfiles.EFFICIENTNETV2_S);
    Path file = dir.resolve("effnet.dag.json");
    DagJson.write(original, file);
    assertEquals(original, DagJson.read(file));
  }

  @Test
  void writeThenParse_fractionalFlops_keepsThem() {
    DagProfile original =
        new DagProfile(
            "frac",
            3,
            List.of(
                new DagLayer("a", List.of("input"), 1.5, 0.25, 7, 0),
                new DagLayer("b", List.of("a", "input"), 1e12, 3e12, 1L << 40, 4)));
    assertEquals(original, DagJson.parse(DagJson.toJson(original), SRC));
  }

  @Test
  void parse_duplicateName_refusedNamingFileAndLayer() {
    var e = refused(model(layer("a", "\"input\"", "") + "," + layer("a", "\"input\"", "")));
    assertTrue(e.getMessage().startsWith(SRC + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("duplicate layer name a"), e.getMessage());
  }

  @Test
  void parse_emptyName_refusedNamingTheLayerPosition() {
    var e = refused(model(layer("a", "\"input\"", "") + "," + layer(" ", "\"a\"", "")));
    assertTrue(e.getMessage().contains(SRC + ": layer #2 has an empty name"), e.getMessage());
  }

  @Test
  void parse_inputNamingNoLayer_refused() {
    var e = refused(model(layer("a", "\"input\"", "") + "," + layer("b", "\"ghost\"", "")));
    assertTrue(e.getMessage().contains(SRC), e.getMessage());
    assertTrue(e.getMessage().contains("layer b reads \"ghost\""), e.getMessage());
  }

  @Test
  void parse_cycle_refusedNamingALayerOnIt() {
    var e =
        refused(
            model(
                layer("a", "\"input\"", "")
                    + ","
                    + layer("b", "\"a\", \"c\"", "")
                    + ","
                    + layer("c", "\"b\"", "")));
    assertTrue(e.getMessage().startsWith(SRC + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    assertTrue(e.getMessage().contains("layer b") || e.getMessage().contains("layer c"));
  }

  @Test
  void parse_negativeNumber_refusedNamingFieldAndLayer() {
    var e = refused(model(layer("a", "\"input\"", ", \"backwardFlops\": -1")));
    assertTrue(e.getMessage().contains(SRC + ": layer a: \"backwardFlops\""), e.getMessage());
    assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
  }

  @Test
  void parse_nonFiniteNumbers_refusedNamingFieldAndLayer() {
    var nan = refused(model(layer("a", "\"input\"", ", \"backwardFlops\": NaN")));
    assertTrue(nan.getMessage().contains("layer a: \"backwardFlops\""), nan.getMessage());
    var inf = refused(model(layer("z", "\"input\"", ", \"backwardFlops\": 1e999")));
    assertTrue(inf.getMessage().contains("layer z: \"backwardFlops\""), inf.getMessage());
    assertTrue(inf.getMessage().contains("finite"), inf.getMessage());
  }

  @Test
  void parse_missingRequiredFields_refusedNamingFieldAndLayer() {
    String noOutput =
        "{\"name\": \"c\", \"inputs\": [\"input\"], \"forwardFlops\": 1, \"paramBytes\": 0}";
    var e = refused(model(noOutput));
    assertTrue(e.getMessage().contains(SRC + ": layer c: missing required field \"outputBytes\""));
    var noInputs = refused(model("{\"name\": \"d\", \"forwardFlops\": 1}"));
    assertTrue(noInputs.getMessage().contains("layer d: missing required field \"inputs\""));
    var noInputBytes = refused("{\"name\": \"m\", \"layers\": []}");
    assertTrue(noInputBytes.getMessage().contains("missing required field \"inputBytes\""));
    var noLayers = refused("{\"name\": \"m\", \"inputBytes\": 1}");
    assertTrue(noLayers.getMessage().contains("\"layers\""), noLayers.getMessage());
  }

  @Test
  void parse_aFieldOfTheWrongType_saysSo_andANullOptionalFieldIsAbsent() {
    String quoted =
        "{\"name\": \"a\", \"inputs\": [\"input\"], \"forwardFlops\": \"5\","
            + " \"outputBytes\": 4, \"paramBytes\": 8}";
    assertEquals(
        SRC + ": layer a: \"forwardFlops\" must be a number, got string \"5\"",
        refused(model(quoted)).getMessage());
    assertEquals(
        SRC + ": layer a: \"backwardFlops\" must be a number, got string \"10\"",
        refused(model(layer("a", "\"input\"", ", \"backwardFlops\": \"10\""))).getMessage());
    assertEquals(
        SRC + ": layer a: \"paramBytes\" must be a number, got null",
        refused(
                model(
                    layer("a", "\"input\"", "")
                        .replace("\"paramBytes\": 8", "\"paramBytes\": null")))
            .getMessage());
    assertEquals(
        SRC + ": the model: \"name\" must be a string, got array [1]",
        refused("{\"name\": [1], \"inputBytes\": 12, \"layers\": []}").getMessage());
    // null for the optional backwardFlops is as if it were not given: twice the forward
    DagProfile p = DagJson.parse(model(layer("a", "\"input\"", ", \"backwardFlops\": null")), SRC);
    assertEquals(20.0, p.layers().get(0).backwardFlops());
  }

  @Test
  void parse_unknownField_refusedNamingTheLayerAndTheFieldMeant() {
    var flops = refused(model(layer("conv1", "\"input\"", ", \"backwardFLOPS\": 1000")));
    assertEquals(
        SRC + ": layer conv1: unknown field \"backwardFLOPS\" (did you mean \"backwardFlops\"?)",
        flops.getMessage());
    var top =
        refused(
            "{\"name\": \"m\", \"inputBytes\": 12, \"inputbytes\": 99, \"layers\": ["
                + layer("a", "\"input\"", "")
                + "]}");
    assertEquals(
        SRC + ": the model: unknown field \"inputbytes\" (did you mean \"inputBytes\"?)",
        top.getMessage());
    var far = refused(model(layer("a", "\"input\"", ", \"comment\": \"x\"")));
    assertEquals(
        SRC
            + ": layer a: unknown field \"comment\" (fields: name, inputs, forwardFlops,"
            + " backwardFlops, outputBytes, paramBytes)",
        far.getMessage());
  }

  @Test
  void parse_fractionalByteCount_refused() {
    String json =
        "{\"name\": \"e\", \"inputs\": [\"input\"], \"forwardFlops\": 1, \"outputBytes\": 2.5,"
            + " \"paramBytes\": 0}";
    var e = refused(model(json));
    assertTrue(e.getMessage().contains("layer e: \"outputBytes\" must be a whole number"));
  }

  @Test
  void parse_malformedJson_refusedWithLineAndColumn() {
    String json = model(layer("a", "\"input\"", "") + ",\n  {\"name\": \"b\" \"inputs\": []}");
    var e = refused(json);
    assertTrue(
        e.getMessage().startsWith(SRC + ": malformed JSON at line 4, column"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), "one-line message");
  }

  @Test
  void parse_duplicateKeyOrTrailingContent_refusedAsMalformed() {
    var dup = refused("{\"name\": \"m\",\n \"name\": \"n\", \"inputBytes\": 1, \"layers\": []}");
    assertTrue(dup.getMessage().startsWith(SRC + ": malformed JSON at line 2"), dup.getMessage());
    var trailing = refused(model(layer("a", "\"input\"", "")) + "\n}");
    assertTrue(trailing.getMessage().contains("malformed JSON at line 5"), trailing.getMessage());
  }

  @Test
  void read_missingFileAndBadContent_nameTheFile(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("none.dag.json");
    var e = assertThrows(IllegalArgumentException.class, () -> DagJson.read(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    Path bad = dir.resolve("bad.dag.json");
    Files.writeString(bad, model(layer("a", "\"nobody\"", "")));
    var e2 = assertThrows(IllegalArgumentException.class, () -> DagJson.read(bad));
    assertTrue(e2.getMessage().startsWith(bad + ": layer a"), e2.getMessage());
  }
}
