package io.splitemu.actors.scheme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.GoldenRunsTest;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.DagJson;
import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.ModelProfiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.data-type = double} for models that are not in the zoo: charged at 8 bytes an
 * element where the model is described by shapes (built-in profiles, prototxt), refused at start
 * where its bytes are stated outright (a {@code *.dag.json}, MP-SL's measured float tables). It was
 * silently ignored: a double run sent the bytes of a float one.
 */
class ModelDataTypeTest {

  @TempDir Path tmp;

  private static final String NET =
      "name: \"tiny\"\ninput: \"data\"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 28\ninput_dim: 28\n"
          + "layer { name: \"conv\" type: \"Convolution\" bottom: \"data\" top: \"conv\""
          + " convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }\n"
          + "layer { name: \"pool\" type: \"Pooling\" bottom: \"conv\" top: \"pool\""
          + " pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n"
          + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"pool\" top: \"fc\""
          + " inner_product_param { num_output: 10 } }\n";

  private static Settings scenario(String file, String... overrides) {
    List<String> o = new ArrayList<>(List.of("splitemu.output.plots=false"));
    for (String x : overrides) {
      o.add("splitemu." + x);
    }
    return Settings.load(GoldenRunsTest.scenarioDir().resolve(file), o);
  }

  private Path prototxt() throws Exception {
    Path p = tmp.resolve("tiny.prototxt");
    Files.writeString(p, NET);
    return p;
  }

  private Path dagJson() throws Exception {
    Path p = tmp.resolve("tiny.dag.json");
    DagJson.write(ModelProfiles.load(prototxt().toString()), p);
    return p;
  }

  private static void assertDoubled(ChainProfile f, ChainProfile d) {
    assertEquals(f.size(), d.size());
    assertEquals(2 * f.inputBytes(), d.inputBytes());
    for (int l = 0; l <= f.size(); l++) {
      assertEquals(2 * f.cutBytes(l), d.cutBytes(l), "cut " + l);
      assertEquals(2 * f.deviceParamBytes(l), d.deviceParamBytes(l), "cut " + l);
      assertEquals(f.deviceFlops(l), d.deviceFlops(l), "cut " + l);
    }
  }

  /** The report's input: sfl-compute-effnet with double sent the bytes of float. */
  @Test
  void shareSplit_builtinDagAndChainAndPrototxt_doubleChargesEightBytes() throws Exception {
    for (String model : List.of("efficientnetv2-s-mnist", "vgg19-cifar", prototxt().toString())) {
      ChainProfile f =
          ShareSplitPolicies.profile(
              scenario("sfl-compute-effnet.conf", "model.name=\"" + model + "\""));
      ChainProfile d =
          ShareSplitPolicies.profile(
              scenario(
                  "sfl-compute-effnet.conf",
                  "model.name=\"" + model + "\"",
                  "model.data-type=double"));
      assertDoubled(f, d);
    }
  }

  @Test
  void dagSplit_builtinAndPrototxt_doubleChargesEightBytes() throws Exception {
    for (String model : List.of("inception-v3", prototxt().toString())) {
      DagProfile f =
          DagSplitPolicy.profile(scenario("dag-split.conf", "dag.profile=\"" + model + "\""));
      DagProfile d =
          DagSplitPolicy.profile(
              scenario(
                  "dag-split.conf", "dag.profile=\"" + model + "\"", "model.data-type=double"));
      assertEquals(2 * f.inputBytes(), d.inputBytes(), model);
      assertEquals(2 * f.totalParamBytes(), d.totalParamBytes(), model);
      for (int i = 0; i < f.size(); i++) {
        assertEquals(2 * f.layers().get(i).outputBytes(), d.layers().get(i).outputBytes());
      }
    }
  }

  @Test
  void dagJson_double_isRefusedAtStartNamingTheKeyAndTheFile() throws Exception {
    String json = dagJson().toString();
    SettingsException share =
        assertThrows(
            SettingsException.class,
            () ->
                Emulation.prepare(
                    scenario(
                        "sfl-compute-effnet.conf",
                        "model.name=\"" + json + "\"",
                        "model.data-type=double")));
    assertOneLine(share, json);
    SettingsException dag =
        assertThrows(
            SettingsException.class,
            () ->
                Emulation.prepare(
                    scenario(
                        "dag-split.conf",
                        "dag.profile=\"" + json + "\"",
                        "links.kind=static",
                        "model.data-type=double")));
    assertOneLine(dag, json);
    // float still runs on it
    assertEquals(
        ModelProfiles.load(json).inputBytes(),
        DagSplitPolicy.profile(scenario("dag-split.conf", "dag.profile=\"" + json + "\""))
            .inputBytes());
  }

  @Test
  void mpslMeasuredTables_double_isRefusedAtStart() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> Emulation.prepare(scenario("mpsl-vgg19.conf", "model.data-type=double")));
    assertOneLine(e, "vgg19_cifar_memory.csv");
  }

  /** A measured table's name that is a folder is named as one, not as missing. */
  @Test
  void mpslMeasuredTableThatIsAFolder_isNamedAsAFolder() throws Exception {
    Path times = Files.createDirectory(tmp.resolve("vgg19_cifar_times.csv"));
    Files.writeString(
        tmp.resolve("vgg19_cifar_memory.csv"), "unit,activation_kb_batch128,weight_kb\n");
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                Emulation.prepare(scenario("mpsl-vgg19.conf", "mpsl.profile-dir=\"" + tmp + "\"")));
    assertEquals(
        "splitemu.mpsl.profile-dir: measured table " + times + " is a directory, not a file",
        e.getMessage());
  }

  private static void assertOneLine(SettingsException e, String names) {
    String m = e.getMessage();
    assertTrue(m.contains("splitemu.model.data-type: double"), m);
    assertTrue(m.contains(names), m);
    assertTrue(m.endsWith("set model.data-type = float"), m);
    assertTrue(!m.contains("\n"), m);
  }
}
