package io.splitemu.model.nn;

import io.splitemu.model.data.ClassLabels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A contiguous run of units of a chain model that trains on its own, with its own optimizer state.
 *
 * <p>Non-last slices train by {@link #forward} then {@link #backward}; the last slice (which holds
 * the loss) trains by {@link #trainStep}. Updates go through DL4J's own updater exactly as {@code
 * fit()} applies them, so a chain of slices trains to the same parameters as the unsplit network. A
 * slice is not thread-safe: one owner (actor) drives it, with at most one forward pass awaiting its
 * backward pass (a second forward replaces the first). Tensors it returns are copies.
 */
public final class Slice {

  /**
   * Units covered by a slice, as cut positions: units {@code fromCut+1 .. toCut} (1-based, as in
   * LATENCY-MODEL.md), i.e. list indices {@code fromCut .. toCut-1}.
   *
   * @param fromCut cut before the slice (0 = raw input)
   * @param toCut cut after the slice (L = end of model)
   */
  public record UnitRange(int fromCut, int toCut) {
    /** Number of units in the slice. */
    public int size() {
      return toCut - fromCut;
    }
  }

  private final Blueprint blueprint;
  private final ModelOptions options;
  private final UnitRange range;
  private final boolean last;
  private final long[] inShape;
  private final long[] outShape;
  private final SliceGraph graph;
  // The convolutions that read the data (a first slice's input): backwardToData skips their
  // input gradient.
  private final List<ContiguousConvolution.Impl> dataReaders;
  private final String label;
  private long pendingBatch = -1;

  private Slice(Blueprint blueprint, ModelOptions options, UnitRange range, SliceGraph graph) {
    this.blueprint = blueprint;
    this.options = options;
    this.range = range;
    this.last = range.toCut() == blueprint.size();
    this.inShape = blueprint.wireShapeAtCut(range.fromCut());
    this.outShape = blueprint.shapeAtCut(range.toCut());
    this.graph = graph;
    List<ContiguousConvolution.Impl> readers = new ArrayList<>();
    for (Map.Entry<String, List<String>> e :
        graph.getConfiguration().getVertexInputs().entrySet()) {
      if (graph.getVertex(e.getKey()).getLayer() instanceof ContiguousConvolution.Impl c) {
        // Between its forward and backward passes a non-last slice waits for the rest of the
        // model (a device for its edge server, with every other device's pass pending too): its
        // convolutions remake their im2col matrices then instead of holding them.
        c.keepIm2col(last);
        if (range.fromCut() == 0 && e.getValue().contains(Blueprint.INPUT)) {
          readers.add(c);
        }
      }
    }
    this.dataReaders = List.copyOf(readers);
    this.label =
        "slice "
            + blueprint.units().get(range.fromCut()).name()
            + ".."
            + blueprint.units().get(range.toCut() - 1).name();
  }

  /** A new slice of units between two cuts, with parameters taken by name from {@code params}. */
  static Slice create(
      Blueprint blueprint,
      ModelOptions options,
      int fromCut,
      int toCut,
      Map<String, INDArray> params,
      Map<String, INDArray> updaterState,
      int iterationCount) {
    SliceGraph g = new SliceGraph(blueprint.config(fromCut, toCut, options));
    g.init();
    g.getConfiguration().setIterationCount(iterationCount);
    Slice s = new Slice(blueprint, options, new UnitRange(fromCut, toCut), g);
    s.loadParamTable(params);
    s.loadUpdaterStateTable(updaterState);
    return s;
  }

  /** Units covered, as cut positions. */
  public UnitRange unitRange() {
    return range;
  }

  /** Names of the units in this slice, in forward order. */
  public List<String> unitNames() {
    List<String> names = new ArrayList<>();
    for (int j = range.fromCut(); j < range.toCut(); j++) {
      names.add(blueprint.units().get(j).name());
    }
    return names;
  }

  /** Whether this slice ends the model (holds the loss; trains with {@link #trainStep}). */
  public boolean isLast() {
    return last;
  }

  /** Per-sample input shape: {@code {784}} for the first slice, the cut activation otherwise. */
  public long[] inputShape() {
    return inShape.clone();
  }

  /** Per-sample output shape. */
  public long[] outputShape() {
    return outShape.clone();
  }

  /** Number of parameters. */
  public long numParams() {
    return graph.numParams();
  }

  /** Precision of this slice's tensors. */
  public DataType dataType() {
    return options.dataType();
  }

  /**
   * Training-mode forward pass of a non-last slice; remembers what {@link #backward} needs.
   *
   * @param input {@code [batch, inputShape...]}
   * @return the activation at the slice output (a copy)
   */
  public INDArray forward(INDArray input) {
    requireNotLast("forward");
    long batch = Tensors.checkShape(label + " input", input, inShape, -1);
    Tensors.checkFinite(label + " input", input);
    Map<String, INDArray> acts = graph.feedForward(new INDArray[] {cast(input)}, true, false);
    INDArray out = acts.get(outputVertex()).dup();
    // From finite input, a non-finite output means this slice's weights diverged: said here, not
    // by the next slice as its input (O(output), like the input check).
    checkOutput("output", out);
    pendingBatch = batch;
    return out;
  }

  /**
   * Backward pass of a non-last slice after {@link #forward}: computes the parameter gradients,
   * applies this slice's update and returns the gradient at its input.
   *
   * @param outputGradient gradient of the summed batch loss at the slice output, same shape as the
   *     forward output
   */
  public INDArray backward(INDArray outputGradient) {
    requireNotLast("backward");
    if (pendingBatch < 0) {
      throw new IllegalStateException(label + ": backward called without a forward pass");
    }
    Tensors.checkShape(label + " output gradient", outputGradient, outShape, pendingBatch);
    Tensors.checkFinite(label + " output gradient", outputGradient);
    graph.backpropGradient(cast(outputGradient));
    INDArray inputGradient = graph.takeInputGradient();
    applyUpdate(graph.gradient(), (int) pendingBatch);
    pendingBatch = -1;
    OffHeapGuard.shared().afterStep();
    return inputGradient;
  }

  /**
   * The backward pass of a first slice, whose input is data: as {@link #backward}, with the same
   * parameter gradients and update, but without the gradient at the input, which nothing needs. Its
   * convolutions that read the input skip that product and its col2im.
   *
   * @throws IllegalStateException for a slice that does not start at the data
   */
  public void backwardToData(INDArray outputGradient) {
    if (range.fromCut() != 0) {
      throw new IllegalStateException(label + " does not start at the data: use backward");
    }
    dataReaders.forEach(c -> c.inputGradientUnused(true));
    try {
      backward(outputGradient);
    } finally {
      dataReaders.forEach(c -> c.inputGradientUnused(false));
    }
  }

  /**
   * One training step of the last slice: forward, loss, backward and update.
   *
   * @param input {@code [batch, inputShape...]}
   * @param labels one-hot {@code [batch, classes]}
   * @return the mean loss before the update and the gradient at the slice input
   */
  public LossStep trainStep(INDArray input, INDArray labels) {
    if (!last) {
      throw new IllegalStateException(label + " is not the last slice: use forward and backward");
    }
    long batch = Tensors.checkShape(label + " input", input, inShape, -1);
    Tensors.checkShape(label + " labels", labels, outShape, batch);
    Tensors.checkFinite(label + " input", input);
    Tensors.checkFinite(label + " labels", labels);
    graph.setInputs(cast(input));
    graph.setLabels(cast(labels));
    graph.computeGradientAndScore();
    double loss = graph.score();
    INDArray inputGradient = graph.takeInputGradient();
    // Checked before the update: a diverged model is refused where it diverged (the loss is one
    // number; the input gradient is what would go down to the devices).
    if (!Double.isFinite(loss)) {
      graph.clear();
      throw new DivergedException(label, "loss " + (Double.isNaN(loss) ? "NaN" : "infinity"));
    }
    checkOutput("input gradient", inputGradient);
    applyUpdate(graph.gradient(), (int) batch);
    graph.clear();
    OffHeapGuard.shared().afterStep();
    return new LossStep(loss, inputGradient);
  }

  /**
   * {@link #trainStep} with the labels as int32 class indices {@code [batch]} ({@link
   * ClassLabels}), as they come up from the devices; the one-hot rows are built in this slice's
   * data type.
   */
  public LossStep trainStepOnClasses(INDArray input, INDArray classes) {
    if (!last || outShape.length != 1) {
      throw new IllegalStateException(label + " does not end in class scores");
    }
    return trainStep(
        input, ClassLabels.oneHot(label + " labels", classes, (int) outShape[0], dataType()));
  }

  /**
   * Inference (test-mode) forward pass. Refused between {@link #forward} and {@link #backward},
   * because it would clear the layer inputs the pending backward pass needs.
   */
  public INDArray output(INDArray input) {
    if (pendingBatch >= 0) {
      throw new IllegalStateException(
          label + ": output called while a forward pass awaits its backward pass");
    }
    Tensors.checkShape(label + " input", input, inShape, -1);
    Tensors.checkFinite(label + " input", input);
    INDArray out = graph.outputSingle(false, cast(input)).dup();
    OffHeapGuard.shared().afterStep();
    checkOutput("output", out);
    return out;
  }

  /** A copy of the flat parameter vector (DL4J order of this slice's graph). */
  public INDArray params() {
    if (graph.numParams() == 0) {
      return Nd4j.zeros(options.dataType(), 0);
    }
    return graph.params().dup();
  }

  /** Replaces the parameters by a flat vector of {@link #numParams()} values. */
  public void setParams(INDArray params) {
    long n = graph.numParams();
    if (params == null || params.length() != n || (params.rank() > 1 && !params.isVector())) {
      throw new IllegalArgumentException(
          label
              + ": expected a parameter vector of length "
              + n
              + " but got shape "
              + (params == null ? "null" : Arrays.toString(params.shape())));
    }
    Tensors.checkFinite(label + " parameters", params);
    if (n > 0) {
      graph.params().assign(cast(params).reshape(n));
    }
  }

  /** Copies of the parameters by name ({@code vertex_param}), units in forward order. */
  public Map<String, INDArray> paramTable() {
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (int j = range.fromCut(); j < range.toCut(); j++) {
      for (String v : blueprint.units().get(j).vertexNames()) {
        for (Map.Entry<String, INDArray> e : graph.getVertex(v).paramTable(false).entrySet()) {
          out.put(v + "_" + e.getKey(), e.getValue().dup());
        }
      }
    }
    return out;
  }

  /** Sets every parameter of this slice from a table by name; extra entries are ignored. */
  void loadParamTable(Map<String, INDArray> params) {
    for (Map.Entry<String, INDArray> e : graph.paramTable(false).entrySet()) {
      INDArray src = params.get(e.getKey());
      if (src == null) {
        throw new IllegalArgumentException(label + ": no value for parameter " + e.getKey());
      }
      if (!Arrays.equals(src.shape(), e.getValue().shape())) {
        throw new IllegalArgumentException(
            label
                + ": parameter "
                + e.getKey()
                + " expected shape "
                + Arrays.toString(e.getValue().shape())
                + " but got "
                + Arrays.toString(src.shape()));
      }
      e.getValue().assign(src);
    }
  }

  /**
   * Copies of the optimizer state by parameter name: for each parameter a {@code [k, n]} array of
   * its k state components (Nesterov velocity; Adam first and second moments) in the element order
   * of the parameter's flat view. Empty for a slice without parameters.
   */
  public Map<String, INDArray> updaterStateTable() {
    Map<String, INDArray> out = new LinkedHashMap<>();
    if (numParams() == 0) {
      return out;
    }
    for (UpdaterBlock block : graph.getUpdater().getUpdaterBlocks()) {
      INDArray perComponent = componentsOf(block);
      if (perComponent == null) {
        continue;
      }
      for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
        out.put(stateKey(ps), perComponent.get(NDArrayIndex.all(), range(block, ps)).dup());
      }
    }
    return out;
  }

  /** Sets the optimizer state of every parameter found in the table; others keep theirs. */
  void loadUpdaterStateTable(Map<String, INDArray> table) {
    if (numParams() == 0 || table.isEmpty()) {
      return;
    }
    for (UpdaterBlock block : graph.getUpdater().getUpdaterBlocks()) {
      INDArray perComponent = componentsOf(block);
      if (perComponent == null) {
        continue;
      }
      for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
        INDArray src = table.get(stateKey(ps));
        if (src != null) {
          INDArray dst = perComponent.get(NDArrayIndex.all(), range(block, ps));
          if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException(
                label
                    + ": optimizer state of "
                    + stateKey(ps)
                    + " expected shape "
                    + Arrays.toString(dst.shape())
                    + " but got "
                    + Arrays.toString(src.shape()));
          }
          dst.assign(src);
        }
      }
    }
  }

  /** The block's state as {@code [k, blockLength]}: DL4J stores the k components in a row. */
  private static INDArray componentsOf(UpdaterBlock block) {
    INDArray view = block.getUpdaterView();
    long length = block.getParamOffsetEnd() - block.getParamOffsetStart();
    if (view == null || view.length() == 0 || length == 0) {
      return null;
    }
    return view.reshape('c', view.length() / length, length);
  }

  private static INDArrayIndex range(UpdaterBlock block, UpdaterBlock.ParamState ps) {
    return NDArrayIndex.interval(
        ps.getParamOffsetStart() - block.getParamOffsetStart(),
        ps.getParamOffsetEnd() - block.getParamOffsetStart());
  }

  private static String stateKey(UpdaterBlock.ParamState ps) {
    return ps.getLayer().getConfig().getLayerName() + "_" + ps.getParamName();
  }

  /** A copy of the optimizer state (empty for a slice without parameters). */
  public INDArray updaterState() {
    INDArray s = numParams() == 0 ? null : graph.getUpdater().getStateViewArray();
    return s == null ? Nd4j.zeros(options.dataType(), 0) : s.dup();
  }

  /** Replaces the optimizer state by one taken from a slice of the same units and updater. */
  public void setUpdaterState(INDArray state) {
    INDArray current = numParams() == 0 ? null : graph.getUpdater().getStateViewArray();
    long n = current == null ? 0 : current.length();
    if (state == null || state.length() != n) {
      throw new IllegalArgumentException(
          label
              + ": expected an optimizer state of length "
              + n
              + " but got "
              + (state == null ? "null" : Long.toString(state.length())));
    }
    if (n > 0) {
      // A checkpoint's state: refused here, not a step later as the server's NaN input.
      Tensors.checkFinite(label + " optimizer state", state);
      current.assign(state.reshape(current.shape()));
    }
  }

  /** Number of updates applied so far (drives Adam's bias correction). */
  public int iterationCount() {
    return graph.getConfiguration().getIterationCount();
  }

  /** Sets the number of updates applied so far (a checkpoint's restore; Adam's bias correction). */
  public void setIterationCount(int count) {
    graph.getConfiguration().setIterationCount(count);
  }

  /**
   * Starts the optimizer afresh, as a slice just cut from an untrained model: zero state (velocity;
   * Adam's moments) and update and epoch counts 0, so Adam's bias correction starts again with its
   * moments (zero moments with a large count would scale the next step up to {@code
   * 1/sqrt(1-beta2^k)}).
   */
  public void restartOptimizer() {
    if (numParams() > 0) {
      INDArray current = graph.getUpdater().getStateViewArray();
      if (current != null) {
        current.assign(0);
      }
    }
    graph.getConfiguration().setIterationCount(0);
    graph.getConfiguration().setEpochCount(0);
  }

  /** The slice's name as messages give it: {@code slice FIRST..LAST}. */
  public String label() {
    return label;
  }

  /** An independent copy: same weights, optimizer state and iteration count. */
  public Slice copy() {
    SliceGraph g = new SliceGraph(graph.getConfiguration().clone());
    // The configuration clone drops the counters; Adam's bias correction depends on them.
    g.getConfiguration().setIterationCount(graph.getConfiguration().getIterationCount());
    g.getConfiguration().setEpochCount(graph.getConfiguration().getEpochCount());
    if (graph.numParams() > 0) {
      g.init(graph.params().dup(), false);
    } else {
      g.init();
    }
    Slice s = new Slice(blueprint, options, range, g);
    if (numParams() > 0) {
      s.setUpdaterState(updaterState());
    }
    return s;
  }

  /** The slice's DL4J network; for inspection and tests, not for training behind its back. */
  ComputationGraph network() {
    return graph;
  }

  @Override
  public String toString() {
    return label + " (" + numParams() + " params)";
  }

  private void applyUpdate(Gradient gradient, int batch) {
    if (graph.numParams() == 0) {
      return;
    }
    // Same path as DL4J's StochasticGradientDescent: the updater turns the summed gradient into
    // the step in place (dividing by the batch size), and the step is subtracted.
    int iteration = graph.getConfiguration().getIterationCount();
    int epoch = graph.getConfiguration().getEpochCount();
    ComputationGraphUpdater updater = graph.getUpdater();
    updater.update(gradient, iteration, epoch, batch, LayerWorkspaceMgr.noWorkspaces());
    graph.params().subi(gradient.gradient());
    graph.getConfiguration().setIterationCount(iteration + 1);
  }

  /** Refuses a non-finite tensor this slice computed, naming the slice as where it diverged. */
  private void checkOutput(String what, INDArray x) {
    String bad = Tensors.nonFinite(x);
    if (bad != null) {
      graph.clear();
      pendingBatch = -1; // the cleared inputs end any pending backward pass
      throw new DivergedException(label, what + " " + bad);
    }
  }

  private String outputVertex() {
    return blueprint.units().get(range.toCut() - 1).name();
  }

  private INDArray cast(INDArray x) {
    return x.dataType() == options.dataType() ? x : x.castTo(options.dataType());
  }

  private void requireNotLast(String op) {
    if (last) {
      throw new IllegalStateException(label + " is the last slice: use trainStep instead of " + op);
    }
  }
}
