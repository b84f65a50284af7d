package io.splitemu.model.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BuiltinProfilesTest {

  private static final String MEASURED = "profiles/mpsl-measured/";

  @Test
  void names_areTheFiveBuiltins_andEachLoads() {
    assertEquals(
        List.of(
            "efficientnetv2-s",
            "efficientnetv2-s-mnist",
            "inception-v3",
            "resnet101-cifar",
            "vgg19-cifar"),
        BuiltinProfiles.names());
    for (String n : BuiltinProfiles.names()) {
      assertEquals(n, BuiltinProfiles.get(n).name());
    }
  }

  @Test
  void get_unknownName_listsKnownNames() {
    var e = assertThrows(IllegalArgumentException.class, () -> BuiltinProfiles.get("vgg16"));
    assertTrue(e.getMessage().contains("'vgg16'"), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains("efficientnetv2-s, efficientnetv2-s-mnist, inception-v3, resnet101"));
    var c =
        assertThrows(
            IllegalArgumentException.class, () -> BuiltinProfiles.chain("efficientnetv2-s"));
    assertTrue(c.getMessage().contains("is a DAG"), c.getMessage());
  }

  @Test
  void toChain_keepsAChainAsIs_andCutsADagOnlyAtSingleTensorBoundaries() {
    ChainProfile vgg = BuiltinProfiles.chain("vgg19-cifar");
    ChainProfile back = vgg.toDag().toChain();
    assertEquals(vgg.size(), back.size());
    for (int l = 0; l <= vgg.size(); l++) {
      assertEquals(vgg.cutBytes(l), back.cutBytes(l), "cut bytes at " + l);
      assertEquals(
          vgg.deviceFlops(l), back.deviceFlops(l), 1e-6 * vgg.deviceFlops(vgg.size()), "FD " + l);
    }
    for (String name : List.of("efficientnetv2-s", "efficientnetv2-s-mnist")) {
      DagProfile dag = BuiltinProfiles.get(name);
      ChainProfile chain = dag.toChain();
      assertTrue(chain.size() > 20 && chain.size() < dag.size(), name + ": " + chain.size());
      assertEquals(dag.totalParamBytes(), chain.totalParamBytes(), name);
      assertEquals(dag.totalForwardFlops(), chain.deviceForwardFlops(chain.size()), 1.0, name);
      // Every unit boundary is a prefix of the topological order that only one tensor leaves.
      java.util.Map<String, Integer> at = dag.indexByName();
      int prefix = 0;
      for (int u = 0; u < chain.size() - 1; u++) {
        String unit = chain.units().get(u).name();
        String lastLayer = unit.contains("..") ? unit.substring(unit.indexOf("..") + 2) : unit;
        prefix = at.get(lastLayer) + 1;
        java.util.Set<String> crossing = new java.util.HashSet<>();
        for (int j = prefix; j < dag.size(); j++) {
          for (String in : dag.layers().get(j).inputs()) {
            if (DagProfile.INPUT.equals(in) || at.get(in) < prefix) {
              crossing.add(in);
            }
          }
        }
        assertEquals(java.util.Set.of(lastLayer), crossing, name + " boundary after " + unit);
      }
    }
    assertEquals(4L * 28 * 28, BuiltinProfiles.get("efficientnetv2-s-mnist").inputBytes());
  }

  @Test
  void efficientNetV2S_hasThePublishedParameterCount() {
    DagProfile p = BuiltinProfiles.get(BuiltinProfiles.EFFICIENTNETV2_S);
    double params = p.totalParamBytes() / 4.0;
    assertTrue(Math.abs(params - 21.46e6) <= 0.01 * 21.46e6, "params " + params);
    assertEquals(4 * 3 * 224 * 224, p.inputBytes());
    DagLayer fc = p.layers().get(p.size() - 1);
    assertEquals("fc", fc.name());
    assertEquals(4000, fc.outputBytes());
  }

  @Test
  void inceptionV3_hasTheReferenceParameterCountAndShapes() {
    DagProfile p = BuiltinProfiles.get(BuiltinProfiles.INCEPTION_V3);
    // 27,161,264 parameters with the auxiliary classifier, 3,326,696 of them in it
    assertEquals(23_834_568L * 4, p.totalParamBytes());
    assertEquals(4L * 3 * 299 * 299, p.inputBytes());
    java.util.Map<String, DagLayer> byName = new java.util.HashMap<>();
    p.layers().forEach(l -> byName.put(l.name(), l));
    assertEquals(4L * 192 * 35 * 35, byName.get("pool2").outputBytes());
    assertEquals(4L * 288 * 35 * 35, byName.get("mixed5d.concat").outputBytes());
    assertEquals(4L * 768 * 17 * 17, byName.get("mixed6a.concat").outputBytes());
    assertEquals(4L * 1280 * 8 * 8, byName.get("mixed7a.concat").outputBytes());
    assertEquals(4L * 2048 * 8 * 8, byName.get("mixed7c.concat").outputBytes());
    assertEquals(6, byName.get("mixed7c.concat").inputs().size());
    // about 5.7 G multiply-accumulates forward
    double gmac = p.totalForwardFlops() / 2e9;
    assertTrue(gmac > 5.6 && gmac < 5.9, "GMAC " + gmac);
  }

  @Test
  void efficientNetV2S_blocksFormResidualAndSqueezeExcitationEdges() {
    DagProfile p = BuiltinProfiles.get(BuiltinProfiles.EFFICIENTNETV2_S);
    List<String> adds = new ArrayList<>();
    int scales = 0;
    for (DagLayer l : p.layers()) {
      if (l.name().endsWith(".add")) {
        assertEquals(2, l.inputs().size(), l.name());
        adds.add(l.name());
      }
      if (l.name().endsWith(".scale")) {
        assertEquals(2, l.inputs().size(), l.name());
        assertTrue(l.inputs().get(1).endsWith(".se"), l.name());
        scales++;
      }
    }
    // Every block but the first of each stage adds its input, plus s1.b1 (24 -> 24, stride 1).
    int blocks = 2 + 4 + 4 + 6 + 9 + 15;
    assertEquals(blocks - 6 + 1, adds.size());
    assertEquals(6 + 9 + 15, scales, "one squeeze-excitation per MBConv block");
    // Stage 5 keeps the 14x14 resolution of stage 4: 160 channels.
    DagLayer lastOfStage5 = p.layers().get(p.indexByName().get("s5.b9.add"));
    assertEquals(4L * 160 * 14 * 14, lastOfStage5.outputBytes());
    assertEquals(4L * 256 * 7 * 7, p.layers().get(p.indexByName().get("s6.b15.add")).outputBytes());
  }

  @Test
  void chains_haveTheMeasuredUnitCounts_andTheirDagIsTheChain() {
    ChainProfile vgg = BuiltinProfiles.chain(BuiltinProfiles.VGG19_CIFAR);
    ChainProfile resnet = BuiltinProfiles.chain(BuiltinProfiles.RESNET101_CIFAR);
    assertEquals(25, vgg.size());
    assertEquals(37, resnet.size());
    assertEquals(4 * 3 * 32 * 32, vgg.inputBytes());
    assertEquals(vgg.toDag(), BuiltinProfiles.get(BuiltinProfiles.VGG19_CIFAR));
    assertEquals(40, resnet.cutBytes(37), "10 classes");
    assertEquals(40, vgg.cutBytes(25), "10 classes");
    // 16 weight layers of VGG-19 for CIFAR: 20.0 M conv parameters plus the 25088-input head.
    long conv = 0;
    for (UnitProfile u : vgg.units()) {
      if (u.name().startsWith("conv")) {
        conv += u.params();
      }
    }
    assertEquals(20_024_384, conv);
  }

  @Test
  void vgg19Cifar_matchesTheMeasuredActivationsAndWeights() throws IOException {
    ChainProfile vgg = BuiltinProfiles.chain(BuiltinProfiles.VGG19_CIFAR);
    List<double[]> rows = memoryTable("vgg19_cifar_memory.csv");
    // Units 24 and 25 (fc7, fc8) report 209 KB for 4096 and 10 outputs: measurement noise.
    checkActivations(vgg, rows, Set.of(24, 25));
    for (int j = 1; j <= 25; j++) {
      // The table adds 2 to 3 KB of bookkeeping to every unit's weights (and rounds to 6 digits).
      double kb = vgg.unit(j).paramBytes() / 1024.0;
      double measured = rows.get(j - 1)[2];
      assertTrue(
          measured - kb >= 0 && measured - kb < 4, "unit " + j + ": " + kb + " KB vs " + measured);
    }
  }

  @Test
  void resnet101Cifar_matchesTheMeasuredActivationsAndWeights() throws IOException {
    ChainProfile resnet = BuiltinProfiles.chain(BuiltinProfiles.RESNET101_CIFAR);
    List<double[]> rows = memoryTable("resnet101_cifar_memory.csv");
    checkActivations(resnet, rows, Set.of());
    // Blocks without a shortcut convolution: two 3x3 convolutions with batch-norm; the table also
    // holds the running statistics and about 8 KB of bookkeeping.
    for (int j : new int[] {3, 4, 5, 7, 8, 9, 11, 20, 32, 34, 35, 37}) {
      double kb = resnet.unit(j).paramBytes() / 1024.0;
      double measured = rows.get(j - 1)[2];
      assertTrue(
          Math.abs(measured - kb) <= Math.max(0.01 * measured, 10),
          "unit " + j + ": " + kb + " KB vs " + measured);
    }
  }

  private static void checkActivations(
      ChainProfile chain, List<double[]> rows, Set<Integer> noisy) {
    assertEquals(chain.size(), rows.size(), "unit count");
    for (int j = 1; j <= chain.size(); j++) {
      if (noisy.contains(j)) {
        continue;
      }
      double expectedKb = chain.unit(j).outputBytes() * 128 / 1024.0;
      double measured = rows.get(j - 1)[1];
      // The table adds about 1.6 KB of bookkeeping to each batch-128 activation.
      assertTrue(
          Math.abs(measured - expectedKb) <= 2 + 0.001 * measured,
          chain.model()
              + " unit "
              + j
              + " ("
              + chain.unit(j).name()
              + "): "
              + expectedKb
              + " KB vs measured "
              + measured);
    }
  }

  private static List<double[]> memoryTable(String file) throws IOException {
    Path path = SharedData.file(MEASURED + file, "the comparison with the MP-SL tables");
    List<String> lines = Files.readAllLines(path);
    assertEquals("unit,activation_kb_batch128,weight_kb", lines.get(0), path.toString());
    List<double[]> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      String[] f = lines.get(i).split(",");
      assertEquals(3, f.length, path + ":" + (i + 1));
      rows.add(
          new double[] {
            Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])
          });
      assertEquals(rows.size(), (int) rows.get(rows.size() - 1)[0], path + ":" + (i + 1));
    }
    return rows;
  }
}
