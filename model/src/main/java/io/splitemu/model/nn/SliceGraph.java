package io.splitemu.model.nn;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ComputationGraph that keeps the gradient at its input after a backward pass.
 *
 * <p>DL4J computes that gradient (it is the epsilon set on the input vertex) but clears it before
 * returning; a split slice must hand it on to the previous slice. Built with workspaces off, so
 * the arrays kept here are ordinary heap arrays.
 */
final class SliceGraph extends ComputationGraph {

  private transient INDArray inputGradient;

  SliceGraph(ComputationGraphConfiguration configuration) {
    super(configuration);
  }

  @Override
  protected void calcBackpropGradients(
      boolean clearLayers, boolean truncatedBptt, INDArray... externalEpsilons) {
    super.calcBackpropGradients(false, truncatedBptt, externalEpsilons);
    String in = getConfiguration().getNetworkInputs().get(0);
    INDArray eps = getVertex(in).getEpsilon();
    inputGradient = eps == null ? null : eps.dup();
    if (clearLayers) {
      for (GraphVertex v : getVertices()) {
        v.clear();
      }
    }
  }

  /** The input gradient of the last backward pass; it is handed out once. */
  INDArray takeInputGradient() {
    INDArray g = inputGradient;
    inputGradient = null;
    if (g == null) {
      throw new IllegalStateException("the backward pass produced no gradient at the slice input");
    }
    return g;
  }
}
