package io.splitemu.actors.runtime;

import io.splitemu.model.data.Dataset;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.SplitModel;
import java.time.Duration;
import java.util.function.IntFunction;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything the edge server actor is built from.
 *
 * @param slice the shared server-side slice; {@code null} in timing fidelity
 * @param evalModel a split model used only to evaluate (device slice + server slice); {@code null}
 *     in timing fidelity
 * @param test the test set; {@code null} in timing fidelity
 * @param evalSamples test samples per evaluation (0 = all)
 * @param flopsPerSample FS(l): server forward plus backward FLOPs per sample at the cut
 * @param flopsPerSecond phi_S
 * @param cpu the shared processor (FCFS)
 * @param copyCpu the processor share timeline of device n's own server copy
 * @param barrierTimeout wall-clock watchdog of a barrier (a real hang of the host ends the run)
 * @param deadlineNs emulated time after sending a request at which the server gives up on a device
 *     that does not answer ({@code barrier.deadline})
 * @param batchMeanCutGradient whether a device gets its rows of the concatenated batch's mean-loss
 *     gradient ({@code model.cut-gradient = batch-mean}) instead of its own batch's
 * @param global the whole model of a split scheme in full fidelity (cut at every device's cut each
 *     round, its copies averaged back into it); {@code null} otherwise
 * @param bands the server's uplink and downlink band, which it opens and its devices send through
 */
public record ServerSetup(
    Slice slice,
    SplitModel evalModel,
    Dataset test,
    int evalSamples,
    DataType dataType,
    double flopsPerSample,
    double flopsPerSecond,
    ComputeTiming cpu,
    IntFunction<ComputeTiming> copyCpu,
    Duration barrierTimeout,
    long deadlineNs,
    boolean batchMeanCutGradient,
    ChainModel global,
    EdgeBands bands) {

  /** Whether tensors are real. */
  public boolean full() {
    return slice != null || global != null;
  }
}
