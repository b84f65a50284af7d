package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.nn.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelProfilesTest {

  private static IllegalArgumentException refused(String arg) {
    return assertThrows(IllegalArgumentException.class, () -> ModelProfiles.load(arg));
  }

  @Test
  void load_builtinName_givesTheBuiltinDag() {
    assertEquals(BuiltinProfiles.get("vgg19-cifar"), ModelProfiles.load("vgg19-cifar"));
  }

  @Test
  void load_zooName_givesTheZooChainAsDag() {
    for (String name : ModelZoo.names()) {
      assertEquals(ModelZoo.profile(name).toDag(), ModelProfiles.load(name));
    }
    assertTrue(ModelProfiles.names().containsAll(ModelZoo.names()));
    assertTrue(ModelProfiles.names().containsAll(BuiltinProfiles.names()));
  }

  @Test
  void load_dagJsonFile_readsIt(@TempDir Path dir) {
    DagProfile p = BuiltinProfiles.get("resnet101-cifar");
    Path file = dir.resolve("r.dag.json");
    DagJson.write(p, file);
    assertEquals(p, ModelProfiles.load(file.toString()));
  }

  @Test
  void load_prototxtFile_importsIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("one.prototxt");
    Files.writeString(
        file,
        "input: \"data\"\ninput_dim: 1\ninput_dim: 1\ninput_dim: 2\ninput_dim: 2\n"
            + "layer { name: \"fc\" type: \"InnerProduct\" bottom: \"data\" top: \"fc\"\n"
            + "  inner_product_param { num_output: 3 } }\n");
    DagProfile p = ModelProfiles.load(file.toString());
    assertEquals("one", p.name(), "the file name stands in for a missing name field");
    assertEquals(1, p.size());
    assertEquals(4 * (4 * 3 + 3), p.totalParamBytes());
  }

  @Test
  void load_unknownName_listsTheKnownNames() {
    var e = refused("resnet9000");
    assertTrue(e.getMessage().contains("'resnet9000'"), e.getMessage());
    for (String n : ModelProfiles.names()) {
      assertTrue(e.getMessage().contains(n), n + " missing from: " + e.getMessage());
    }
  }

  @Test
  void load_missingFile_namesTheWorkingDirectoryOnlyForARelativePath(@TempDir Path dir) {
    Path cwd = Path.of("").toAbsolutePath();
    var relative = refused("no-such-dir/m.prototxt");
    assertTrue(
        relative
            .getMessage()
            .startsWith(
                "no-such-dir/m.prototxt: no such file (looked for "
                    + cwd.resolve("no-such-dir/m.prototxt")
                    + "; a relative path is taken from the working directory, "
                    + cwd
                    + "; and not a known model name"),
        relative.getMessage());
    // An absolute path has no base to name.
    Path missing = dir.resolve("gone.prototxt");
    var absolute = refused(missing.toString());
    assertTrue(
        absolute
            .getMessage()
            .startsWith(
                missing + ": no such file (looked for " + missing + "; and not a known model name"),
        absolute.getMessage());
  }

  @Test
  void load_missingFileOrUnknownExtension_refusedInOneLine(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("gone.dag.json");
    var e = refused(missing.toString());
    assertTrue(e.getMessage().startsWith(missing + ": no such file"), e.getMessage());
    // A relative path names the absolute one looked for: it is read from the working folder.
    var relative = refused("no-such-folder/net.prototxt");
    assertTrue(
        relative
            .getMessage()
            .contains(
                "(looked for "
                    + Path.of("no-such-folder/net.prototxt").toAbsolutePath().normalize()
                    + ";"),
        relative.getMessage());
    Path onnx = dir.resolve("m.onnx");
    Files.writeString(onnx, "x");
    var ext = refused(onnx.toString());
    assertTrue(ext.getMessage().contains("unknown model file type"), ext.getMessage());
    assertTrue(ext.getMessage().contains(".dag.json") && ext.getMessage().contains(".prototxt"));
    assertEquals(1, ext.getMessage().lines().count());
    assertTrue(refused(" ").getMessage().contains("no model given"));
  }
}
