package io.splitemu.planner.dag;

import io.splitemu.model.profile.DagProfile;
import java.util.ArrayList;
import java.util.List;

/**
 * The map of where the DAG min-cut beats chain cuts: every policy of {@link DagSplitter} priced on
 * a grid of device/server compute ratio, link rate and batch size.
 *
 * <p>T(D) of LATENCY-MODEL.md section 5 is b times a sum of terms each inversely proportional to
 * one of phi_dev, phi_srv, RU and RD, so the batch size scales every policy alike and scaling all
 * four rates by c scales every cost by 1/c: the gains depend only on phi_dev/phi_srv, RU/phi_srv
 * and RD/RU. The grid therefore fixes phi_srv and sweeps the ratio and the rates.
 */
public final class DagMap {

  private DagMap() {}

  /**
   * One grid point and every policy's cost per training iteration in seconds.
   *
   * @param model model name
   * @param ratio phi_dev / phi_srv
   * @param rates the rates the policies were priced with
   * @param minCut the exact minimum cut
   * @param blockwise the block-wise min-cut
   * @param chain the best prefix of the stored topological order
   * @param blockChain the best single-tensor (block boundary) chain cut
   * @param regression the SFL-style fitted-curve cut
   * @param device all layers on the device
   * @param server all layers on the server
   */
  public record Cell(
      String model,
      double ratio,
      SplitRates rates,
      DagSplit minCut,
      DagSplit blockwise,
      DagSplit chain,
      DagSplit blockChain,
      DagSplit regression,
      DagSplit device,
      DagSplit server) {

    /** The reduction 1 - T(min-cut) / T(other). */
    public static double gain(DagSplit minCut, DagSplit other) {
      return 1 - minCut.costSeconds() / other.costSeconds();
    }

    /** Reduction against the best prefix of the topological order. */
    public double gainVsChain() {
      return gain(minCut, chain);
    }

    /** Reduction against the best block-boundary chain cut. */
    public double gainVsBlockChain() {
      return gain(minCut, blockChain);
    }

    /** Reduction against the regression-based cut. */
    public double gainVsRegression() {
      return gain(minCut, regression);
    }

    /** Reduction against the better of all-on-device and all-on-server. */
    public double gainVsTrivial() {
      return gain(minCut, device.costSeconds() <= server.costSeconds() ? device : server);
    }

    /**
     * Reduction against the best of all four baselines (chain, block chain, regression, trivial).
     */
    public double gainVsBestBaseline() {
      double best =
          Math.min(
              Math.min(chain.costSeconds(), blockChain.costSeconds()),
              Math.min(
                  regression.costSeconds(), Math.min(device.costSeconds(), server.costSeconds())));
      return 1 - minCut.costSeconds() / best;
    }

    /** How much the block-wise cut costs above the exact one, relative to the exact one. */
    public double blockwiseGap() {
      return blockwise.costSeconds() / minCut.costSeconds() - 1;
    }

    /** True when the min-cut keeps some but not all layers on the device. */
    public boolean interior() {
      return !minCut.deviceLayers().isEmpty() && !minCut.serverLayers().isEmpty();
    }
  }

  /**
   * Prices every policy at every grid point.
   *
   * @param serverFlops phi_srv
   * @param ratios phi_dev / phi_srv values
   * @param uplinks RU values in bit/s
   * @param downOverUp RD / RU
   * @param batches batch sizes
   */
  public static List<Cell> grid(
      List<DagProfile> models,
      double serverFlops,
      double[] ratios,
      double[] uplinks,
      double downOverUp,
      int[] batches) {
    List<Cell> cells = new ArrayList<>();
    for (DagProfile m : models) {
      for (int b : batches) {
        for (double r : ratios) {
          for (double up : uplinks) {
            cells.add(
                cell(m, new SplitRates(r * serverFlops, serverFlops, up, up * downOverUp, b)));
          }
        }
      }
    }
    return cells;
  }

  /** Every policy at one point. */
  public static Cell cell(DagProfile m, SplitRates rates) {
    BlockwiseSplit bw = DagSplitter.blockWise(m, rates);
    return new Cell(
        m.name(),
        rates.deviceFlops() / rates.serverFlops(),
        rates,
        bw.full(),
        bw.split(),
        DagSplitter.bestChainCut(m, rates),
        DagSplitter.blockChainCut(m, rates),
        DagSplitter.regressionCut(m, rates),
        DagSplitter.allOnDevice(m, rates),
        DagSplitter.allOnServer(m, rates));
  }
}
