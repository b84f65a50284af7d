package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Model files as a person gives them: element size by data type, totals that must not wrap, and
 * one-line reasons for files that are not UTF-8, start with a byte order mark or are folders.
 */
class ProfileInputTest {

  @TempDir Path dir;

  private static final String NET =
      "name: \"tiny\"\ninput: \"data\"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 8\ninput_dim: 8\n"
          + "layer { name: \"conv\" type: \"Convolution\" bottom: \"data\" top: \"conv\""
          + " convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }\n"
          + "layer { name: \"relu\" type: \"ReLU\" bottom: \"conv\" top: \"r\" }\n"
          + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"r\" top: \"fc\""
          + " inner_product_param { num_output: 5 } }\n";

  private Path write(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private static String refusal(Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e.getMessage();
  }

  // ---- element size (model.data-type) -------------------------------------------------------

  @Test
  void prototxt_double_chargesEightBytesAnElement_flopsUnchanged() throws Exception {
    Path p = write("tiny.prototxt", NET);
    DagProfile f = ModelProfiles.load(p.toString(), DataType.FLOAT);
    DagProfile d = ModelProfiles.load(p.toString(), DataType.DOUBLE);
    assertEquals(4L * 3 * 8 * 8, f.inputBytes());
    assertEquals(2 * f.inputBytes(), d.inputBytes());
    assertEquals(f.size(), d.size());
    for (int i = 0; i < f.size(); i++) {
      DagLayer a = f.layers().get(i);
      DagLayer b = d.layers().get(i);
      assertEquals(2 * a.outputBytes(), b.outputBytes(), a.name());
      assertEquals(2 * a.paramBytes(), b.paramBytes(), a.name());
      assertEquals(a.forwardFlops(), b.forwardFlops());
      assertEquals(a.backwardFlops(), b.backwardFlops());
    }
    assertEquals(f, ModelProfiles.load(p.toString()));
  }

  @Test
  void builtins_double_chargeEightBytesAnElement() {
    for (String name : BuiltinProfiles.names()) {
      DagProfile f = BuiltinProfiles.get(name);
      DagProfile d = ModelProfiles.load(name, DataType.DOUBLE);
      assertEquals(2 * f.inputBytes(), d.inputBytes(), name);
      assertEquals(2 * f.totalParamBytes(), d.totalParamBytes(), name);
      assertEquals(f.totalForwardFlops(), d.totalForwardFlops(), name);
      for (int i = 0; i < f.size(); i++) {
        assertEquals(2 * f.layers().get(i).outputBytes(), d.layers().get(i).outputBytes());
      }
    }
    for (String name : BuiltinProfiles.chainNames()) {
      ChainProfile f = BuiltinProfiles.chain(name);
      ChainProfile d = BuiltinProfiles.chain(name, 8);
      assertEquals(2 * f.inputBytes(), d.inputBytes(), name);
      assertEquals(2 * f.totalParamBytes(), d.totalParamBytes(), name);
      assertEquals(f.totalParams(), d.totalParams(), name);
      assertEquals(2 * f.cutBytes(3), d.cutBytes(3), name);
      assertEquals(f, BuiltinProfiles.chain(name, 4));
    }
  }

  @Test
  void dagJson_double_isRefusedNamingTheFile() throws Exception {
    Path p = dir.resolve("m.dag.json");
    DagJson.write(ModelProfiles.load(write("tiny.prototxt", NET).toString()), p);
    assertTrue(ModelProfiles.statesBytes(p.toString()));
    assertFalse(ModelProfiles.statesBytes("inception-v3"));
    String m = refusal(() -> ModelProfiles.load(p.toString(), DataType.DOUBLE));
    assertTrue(m.startsWith(p + ": a *.dag.json profile states its bytes outright"), m);
    assertEquals(4L * 3 * 8 * 8, ModelProfiles.load(p.toString(), DataType.FLOAT).inputBytes());
  }

  // ---- totals that must not wrap ------------------------------------------------------------

  /** Four 2^59-parameter layers: 2^63 parameter bytes, printed as a negative total before. */
  @Test
  void prototxt_layerBeyondTwoToThe42Bytes_isRefusedNamingFileLineAndLayer() throws Exception {
    StringBuilder t =
        new StringBuilder(
            "input: \"data\"\ninput_dim: 1\ninput_dim: 16777216\ninput_dim: 2048\ninput_dim: 1\n");
    for (int i = 1; i <= 4; i++) {
      t.append("layer {\n  name: \"fc")
          .append(i)
          .append("\"\n  type: \"InnerProduct\"\n  bottom: \"data\"\n  top: \"fc")
          .append(i)
          .append("\"\n  inner_product_param { num_output: 16777216 bias_term: false }\n}\n");
    }
    Path p = write("ovf.prototxt", t.toString());
    String m = refusal(() -> ModelProfiles.load(p.toString()));
    assertTrue(m.startsWith(p + ":6: layer 'fc1': "), m);
    assertTrue(m.contains("exceed the limit of 2^42 bytes"), m);
  }

  @Test
  void prototxt_outputWithinFloatButBeyondDoubleLimit_isRefusedForDouble() throws Exception {
    // 2^40 input elements: 2^42 bytes of floats (the limit), 2^43 of doubles
    Path p =
        write(
            "big.prototxt",
            "input: \"data\"\ninput_dim: 1\ninput_dim: 65536\ninput_dim: 4096\ninput_dim: 4096\n"
                + "layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"r\" }\n");
    assertEquals(1L << 42, ModelProfiles.load(p.toString()).inputBytes());
    String m = refusal(() -> ModelProfiles.load(p.toString(), DataType.DOUBLE));
    assertTrue(m.startsWith(p + ": the input's"), m);
  }

  @Test
  void dagProfile_paramBytesSummingBeyondALong_isRefused() {
    long big = 1L << 62;
    List<DagLayer> layers =
        List.of(
            new DagLayer("a", List.of("input"), 1, 2, 4, big),
            new DagLayer("b", List.of("a"), 1, 2, 4, big));
    String m = refusal(() -> new DagProfile("m", 4, layers));
    assertTrue(m.contains("model m: parameter bytes summed up to layer b exceed"), m);
    String c =
        refusal(
            () ->
                new ChainProfile(
                    "c",
                    4,
                    List.of(
                        new UnitProfile("a", 1, 2, 4, 1, big),
                        new UnitProfile("b", 1, 2, 4, 1, big))));
    assertTrue(c.contains("model c: parameters summed up to unit b exceed"), c);
  }

  // ---- one-line reasons ---------------------------------------------------------------------

  @Test
  void notUtf8_isNamedWithByteOffsetAndLine() throws Exception {
    byte[] bytes = "name: \"x\"\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    for (String name : List.of("bin.prototxt", "bin.dag.json")) {
      Path p = dir.resolve(name);
      Files.write(p, bytes);
      String m = refusal(() -> ModelProfiles.load(p.toString()));
      assertEquals(p + ": not UTF-8 text (byte offset 15, line 2)", m);
    }
    Path times = dir.resolve("m_times.csv");
    Files.write(times, bytes);
    String m = refusal(() -> MeasuredProfile.read(times, times));
    assertEquals(times + ": not UTF-8 text (byte offset 15, line 2)", m);
  }

  @Test
  void byteOrderMark_isSkipped() throws Exception {
    Path p = write("bom.prototxt", "\uFEFF" + NET);
    assertEquals("tiny", ModelProfiles.load(p.toString()).name());
    Path j = dir.resolve("bom.dag.json");
    Files.writeString(j, "\uFEFF" + DagJson.toJson(ModelProfiles.load(p.toString())));
    assertEquals("tiny", ModelProfiles.load(j.toString()).name());
    Path times =
        write("m_times.csv", "\uFEFFunit,device,forward_ms,backward_ms,update_ms\n1,d,1,2,3\n");
    Path memory = write("m_memory.csv", "\uFEFFunit,activation_kb_batch128,weight_kb\n1,10,20\n");
    MeasuredProfile mp = MeasuredProfile.read(times, memory);
    assertEquals(1, mp.unitCount());
    assertEquals(20 * 1024, mp.weightBytes(1));
  }

  @Test
  void aFolder_isNamedAsAFolder_notAsMissing() throws Exception {
    for (String name : List.of("d.prototxt", "d.dag.json")) {
      Path p = Files.createDirectory(dir.resolve(name));
      assertEquals(
          p + ": is a directory, not a file", refusal(() -> ModelProfiles.load(p.toString())));
    }
    Path p = dir.resolve("d.prototxt");
    assertEquals(p + ": is a directory, not a file", refusal(() -> CaffePrototxt.read(p)));
    Path q = dir.resolve("d.dag.json");
    assertEquals(q + ": is a directory, not a file", refusal(() -> DagJson.read(q)));
    Path missing = dir.resolve("none.prototxt");
    assertTrue(refusal(() -> ModelProfiles.load(missing.toString())).contains(": no such file"));
    Path csv = Files.createDirectory(dir.resolve("x_memory.csv"));
    assertEquals(
        csv + ": is a directory, not a file", refusal(() -> MeasuredProfile.read(csv, csv)));
  }
}
