package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Analytical unit profiles against the issue's LeNet-5 figures and DL4J's parameter counts. */
class ModelProfileTest {

  @Test
  void lenet5_profile_matchesIssueFigures() {
    ChainProfile p = ModelZoo.profile("lenet5");
    assertEquals(
        List.of("conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"),
        p.units().stream().map(UnitProfile::name).toList());
    double[] flops = p.units().stream().mapToDouble(UnitProfile::forwardFlops).toArray();
    assertArrayEquals(new double[] {235200, 4704, 480000, 1600, 96000, 20160, 1680}, flops, 0.0);
    long[] params = p.units().stream().mapToLong(UnitProfile::params).toArray();
    assertArrayEquals(new long[] {156, 0, 2416, 0, 48120, 10164, 850}, params);
    assertEquals(3136, p.inputBytes());
    assertEquals(18816, p.unit(1).outputBytes());
    assertEquals(624, p.unit(1).paramBytes());
    assertEquals(470400, p.unit(1).backwardFlops(), 0.0);
    assertEquals(839344, p.totalForwardFlops(), 0.0);
    assertEquals(61706, p.totalParams());
    assertEquals(40, p.unit(7).outputBytes());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "lenet5", "resnet8"})
  void profile_paramsPerUnit_equalDl4jNumParams(String name) {
    ChainModel model = ModelZoo.create(name, ModelOptions.defaults());
    Map<String, Long> dl4j = model.dl4jParamsPerUnit();
    ChainProfile p = model.profile();
    assertEquals(model.unitNames(), List.copyOf(dl4j.keySet()));
    for (UnitProfile u : p.units()) {
      assertEquals(dl4j.get(u.name()), u.params(), name + " unit " + u.name());
      assertEquals(4 * u.params(), u.paramBytes());
      assertEquals(2 * u.forwardFlops(), u.backwardFlops(), 0.0);
    }
    assertEquals(model.numParams(), p.totalParams());
    assertEquals(model.toComputationGraph().numParams(), p.totalParams());
  }

  @Test
  void profile_outputBytes_matchActivationSizes() {
    for (String name : ModelZoo.names()) {
      ChainModel model = ModelZoo.create(name, ModelOptions.defaults());
      ChainProfile p = model.profile();
      for (int cut = 1; cut <= model.numUnits(); cut++) {
        assertEquals(
            4 * Units.elements(model.shapeAtCut(cut)), p.cutBytes(cut), name + " cut " + cut);
      }
    }
  }

  @Test
  void mlp_andResnet8_profiles_followConventions() {
    ChainProfile mlp = ModelZoo.profile("mlp");
    assertEquals(2.0 * 784 * 200, mlp.unit(1).forwardFlops(), 0.0);
    assertEquals(784 * 200 + 200, mlp.unit(1).params());
    ChainProfile resnet = ModelZoo.profile("resnet8");
    assertEquals(
        List.of("conv1", "block1", "block2", "block3", "pool", "fc"),
        resnet.units().stream().map(UnitProfile::name).toList());
    // block1: two 3x3 convs 8->8 on 28x28 plus the identity add.
    double block1 = 2 * (2.0 * 9 * 8 * 8 * 28 * 28) + 8 * 28 * 28;
    assertEquals(block1, resnet.unit(2).forwardFlops(), 0.0);
    // block2: 3x3 8->16 stride 2, 3x3 16->16, 1x1 projection 8->16, add, all on 14x14.
    double block2 = 2.0 * (9 * 8 * 16 + 9 * 16 * 16 + 8 * 16) * 14 * 14 + 16 * 14 * 14;
    assertEquals(block2, resnet.unit(3).forwardFlops(), 0.0);
    assertEquals(32 * 7 * 7, resnet.unit(5).forwardFlops(), 0.0);
    assertEquals(32 * 4, resnet.unit(5).outputBytes());
  }

  @Test
  void unknownModel_isRefused_listingKnownNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.profile("vgg99"));
    assertTrue(e.getMessage().contains("vgg99") && e.getMessage().contains("lenet5, mlp, resnet8"));
    assertThrows(
        IllegalArgumentException.class, () -> ModelZoo.create("nope", ModelOptions.defaults()));
  }
}
