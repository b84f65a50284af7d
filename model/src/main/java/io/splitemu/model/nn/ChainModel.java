package io.splitemu.model.nn;

import io.splitemu.model.profile.ChainProfile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A trainable chain model: units, options and the current weights, from which splits are cut.
 *
 * <p>The weights live here as a table by parameter name, so any split ({@link #split}) starts
 * from them and a trained split can be folded back ({@link #loadFrom}) and cut again elsewhere.
 * Optimizer state carries over a re-cut too: {@link #loadFrom} also takes each parameter's
 * optimizer state (momentum, Adam moments) and the step count, so training can continue exactly
 * as if the cut had not moved. {@link #resetOptimizerState()} starts the optimizer afresh.
 */
public final class ChainModel {

  private final Blueprint blueprint;
  private final ModelOptions options;
  private final Map<String, INDArray> params;
  private final Map<String, INDArray> updaterState = new LinkedHashMap<>();
  private int iterationCount;

  ChainModel(Blueprint blueprint, ModelOptions options) {
    this.blueprint = blueprint;
    this.options = options;
    // The whole network is built once, seeded, only to draw the initial weights.
    ComputationGraph full = new SliceGraph(blueprint.config(0, blueprint.size(), options));
    full.init();
    this.params = new LinkedHashMap<>();
    for (Unit u : blueprint.units()) {
      for (String v : u.vertexNames()) {
        for (Map.Entry<String, INDArray> e : full.getVertex(v).paramTable(false).entrySet()) {
          params.put(v + "_" + e.getKey(), e.getValue().dup());
        }
      }
    }
  }

  /** Model name as in the zoo. */
  public String name() {
    return blueprint.name();
  }

  /** Build options. */
  public ModelOptions options() {
    return options;
  }

  /** Unit names in forward order. */
  public List<String> unitNames() {
    List<String> names = new ArrayList<>();
    for (Unit u : blueprint.units()) {
      names.add(u.name());
    }
    return Collections.unmodifiableList(names);
  }

  /** Number of units L. */
  public int numUnits() {
    return blueprint.size();
  }

  /** Per-sample shape of the activation at a cut ({@code {784}} at cut 0). */
  public long[] shapeAtCut(int cut) {
    checkCut(cut);
    return blueprint.wireShapeAtCut(cut);
  }

  /** Analytical per-unit profile. */
  public ChainProfile profile() {
    return blueprint.profile();
  }

  /** Total number of parameters. */
  public long numParams() {
    return params.values().stream().mapToLong(INDArray::length).sum();
  }

  /**
   * Cuts the model after the given units: {@code split(2)} gives units 1..2 and 3..L; {@code
   * split(1, 5)} gives three slices (device head, middle, device tail for U-shaped training).
   * Cuts must be strictly increasing within {@code 1..L-1}. The slices start from this model's
   * current weights and optimizer state (fresh for a new model).
   */
  public SplitModel split(int... cuts) {
    int[] bounds = new int[cuts.length + 2];
    bounds[0] = 0;
    for (int i = 0; i < cuts.length; i++) {
      if (cuts[i] < 1 || cuts[i] >= numUnits() || cuts[i] <= bounds[i]) {
        throw new IllegalArgumentException(
            "cuts must be strictly increasing within 1.."
                + (numUnits() - 1)
                + " for model "
                + name()
                + ", got "
                + Arrays.toString(cuts));
      }
      bounds[i + 1] = cuts[i];
    }
    bounds[cuts.length + 1] = numUnits();
    List<Slice> slices = new ArrayList<>();
    for (int i = 0; i + 1 < bounds.length; i++) {
      slices.add(
          Slice.create(
              blueprint,
              options,
              bounds[i],
              bounds[i + 1],
              params,
              updaterState,
              iterationCount));
    }
    return new SplitModel(this, cuts.clone(), slices);
  }

  /** The whole model as one slice (no cut). */
  public Slice whole() {
    return Slice.create(
        blueprint, options, 0, numUnits(), params, updaterState, iterationCount);
  }

  /** Copies of the weights by name ({@code vertex_param}), units in forward order. */
  public Map<String, INDArray> paramTable() {
    Map<String, INDArray> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, v.dup()));
    return out;
  }

  /** All weights as one vector: {@link #paramTable()} entries flattened in order. */
  public INDArray fullParams() {
    return flatten(params);
  }

  /** Replaces all weights by a vector laid out as {@link #fullParams()}. */
  public void setFullParams(INDArray flat) {
    long n = numParams();
    if (flat == null || flat.length() != n) {
      throw new IllegalArgumentException(
          "model "
              + name()
              + ": expected a parameter vector of length "
              + n
              + " but got "
              + (flat == null ? "null" : Arrays.toString(flat.shape())));
    }
    Tensors.checkFinite("model " + name() + " parameters", flat);
    INDArray v = flat.reshape(n);
    long at = 0;
    for (INDArray p : params.values()) {
      long len = p.length();
      INDArray part = v.get(NDArrayIndex.interval(at, at + len));
      p.assign(part.reshape('c', p.shape()));
      at += len;
    }
  }

  /**
   * Takes the weights, optimizer state and step count of a trained split of this model, e.g. to
   * cut it again elsewhere. The step count taken is the largest among the slices.
   */
  public void loadFrom(SplitModel split) {
    int steps = 0;
    for (Slice s : split.slices()) {
      loadTable(s.paramTable());
      updaterState.putAll(s.updaterStateTable());
      steps = Math.max(steps, s.iterationCount());
    }
    iterationCount = steps;
  }

  /** Forgets the optimizer state: later splits start with zero momentum and step 0. */
  public void resetOptimizerState() {
    updaterState.clear();
    iterationCount = 0;
  }

  /** Takes the weights of the given table; every name must belong to this model. */
  public void loadTable(Map<String, INDArray> table) {
    for (Map.Entry<String, INDArray> e : table.entrySet()) {
      INDArray p = params.get(e.getKey());
      if (p == null) {
        throw new IllegalArgumentException(
            "model " + name() + " has no parameter " + e.getKey());
      }
      if (!Arrays.equals(p.shape(), e.getValue().shape())) {
        throw new IllegalArgumentException(
            "parameter "
                + e.getKey()
                + ": expected shape "
                + Arrays.toString(p.shape())
                + " but got "
                + Arrays.toString(e.getValue().shape()));
      }
      p.assign(e.getValue());
    }
  }

  /** A fresh unsplit DL4J network with the current weights, e.g. as a training reference. */
  public ComputationGraph toComputationGraph() {
    ComputationGraph g = new ComputationGraph(blueprint.config(0, numUnits(), options));
    g.init();
    for (Map.Entry<String, INDArray> e : g.paramTable(false).entrySet()) {
      e.getValue().assign(params.get(e.getKey()));
    }
    return g;
  }

  /** Number of DL4J parameters of each unit, counted on the built network. */
  Map<String, Long> dl4jParamsPerUnit() {
    ComputationGraph g = new ComputationGraph(blueprint.config(0, numUnits(), options));
    g.init();
    Map<String, Long> out = new LinkedHashMap<>();
    for (Unit u : blueprint.units()) {
      long n = 0;
      for (String v : u.vertexNames()) {
        n += g.getVertex(v).numParams();
      }
      out.put(u.name(), n);
    }
    return out;
  }

  static INDArray flatten(Map<String, INDArray> table) {
    List<INDArray> parts = new ArrayList<>(table.values());
    if (parts.isEmpty()) {
      return Nd4j.zeros(0);
    }
    return Nd4j.toFlattened('c', parts);
  }

  private void checkCut(int cut) {
    if (cut < 0 || cut > numUnits()) {
      throw new IllegalArgumentException(
          "cut " + cut + " outside 0.." + numUnits() + " for model " + name());
    }
  }
}
