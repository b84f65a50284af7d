package io.splitemu.model.nn;

import io.splitemu.model.profile.ChainProfile;
import io.splitemu.model.profile.UnitProfile;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * The architecture of a chain model: its units and input shape, without any weights.
 *
 * @param name model name
 * @param units units in forward order; only the last one is an output unit
 * @param rawShape per-sample shape the first unit sees ({@code {784}} or {@code {1, 28, 28}})
 * @param features length of a flat input sample as it arrives ({@code 784})
 */
record Blueprint(String name, List<Unit> units, long[] rawShape, int features) {

  /** Name of the input vertex of every graph built here. */
  static final String INPUT = "input";

  Blueprint {
    units = List.copyOf(units);
    if (units.isEmpty() || !units.get(units.size() - 1).isOutput()) {
      throw new IllegalArgumentException("model " + name + " must end in an output unit");
    }
    if (Units.elements(rawShape) != features) {
      throw new IllegalArgumentException("model " + name + ": raw shape does not hold features");
    }
  }

  int size() {
    return units.size();
  }

  /** Per-sample shape after cut {@code cut} (the raw shape for 0). */
  long[] shapeAtCut(int cut) {
    long[] s = rawShape;
    for (int j = 0; j < cut; j++) {
      s = units.get(j).outputShape(s);
    }
    return s;
  }

  /** Per-sample shape of what a slice starting at {@code cut} receives: flat features at 0. */
  long[] wireShapeAtCut(int cut) {
    return cut == 0 ? new long[] {features} : shapeAtCut(cut);
  }

  private InputType inputTypeAtCut(int cut) {
    long[] s = shapeAtCut(cut);
    if (s.length == 3) {
      return cut == 0
          ? InputType.convolutionalFlat(s[1], s[2], s[0])
          : InputType.convolutional(s[1], s[2], s[0]);
    }
    return InputType.feedForward(s[0]);
  }

  /** The graph of the units between cuts {@code from} and {@code to} (1-based from+1..to). */
  ComputationGraphConfiguration config(int from, int to, ModelOptions options) {
    GraphBuilder b =
        new NeuralNetConfiguration.Builder()
            .seed(options.seed())
            .dataType(options.dataType())
            .updater(options.toUpdater())
            // Workspaces off: slices keep layer inputs and the input gradient between calls.
            .trainingWorkspaceMode(WorkspaceMode.NONE)
            .inferenceWorkspaceMode(WorkspaceMode.NONE)
            .graphBuilder()
            .addInputs(INPUT)
            .setInputTypes(inputTypeAtCut(from));
    String prev = INPUT;
    for (int j = from; j < to; j++) {
      prev = units.get(j).addTo(b, prev, options);
    }
    return b.setOutputs(prev).build();
  }

  /** Analytical per-unit profile. */
  ChainProfile profile() {
    List<UnitProfile> out = new ArrayList<>(units.size());
    long[] s = rawShape;
    for (Unit u : units) {
      out.add(u.profile(s));
      s = u.outputShape(s);
    }
    return new ChainProfile(name, features * Units.BYTES_PER_ELEMENT, out);
  }
}
