package io.splitemu.model.profile;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The per-unit profile of a chain model with the cut-indexed sums of LATENCY-MODEL.md section 1.
 *
 * <p>A cut {@code l} in {@code 0..L} puts units {@code 1..l} on the device; cut 0 keeps only the
 * raw input on the device and cut L keeps the whole model there.
 *
 * @param model model name
 * @param inputBytes bytes of one raw input sample ({@code a_0})
 * @param units the units in forward order
 */
public record ChainProfile(String model, long inputBytes, List<UnitProfile> units) {

  public ChainProfile {
    if (units == null || units.isEmpty()) {
      throw new IllegalArgumentException("model " + model + " has no units");
    }
    if (inputBytes < 0) {
      throw new IllegalArgumentException("model " + model + ": inputBytes must be >= 0");
    }
    Set<String> seen = new HashSet<>();
    long params = 0;
    long paramBytes = 0;
    for (UnitProfile u : units) {
      if (!seen.add(u.name())) {
        throw new IllegalArgumentException("model " + model + ": duplicate unit " + u.name());
      }
      try {
        params = Math.addExact(params, u.params());
        paramBytes = Math.addExact(paramBytes, u.paramBytes());
      } catch (ArithmeticException e) {
        // every sum over units (W(l), the totals) is then exact
        throw new IllegalArgumentException(
            "model "
                + model
                + ": parameters summed up to unit "
                + u.name()
                + " exceed a 64-bit count");
      }
    }
    units = List.copyOf(units);
  }

  /** Number of units L. */
  public int size() {
    return units.size();
  }

  /** Unit j, 1-based as in the formulas. */
  public UnitProfile unit(int j) {
    return units.get(j - 1);
  }

  /** Device forward FLOPs per sample for cut l: sum of f_j for j <= l. */
  public double deviceForwardFlops(int l) {
    checkCut(l);
    double s = 0;
    for (int j = 0; j < l; j++) {
      s += units.get(j).forwardFlops();
    }
    return s;
  }

  /** Device backward FLOPs per sample for cut l: sum of g_j for j <= l. */
  public double deviceBackwardFlops(int l) {
    checkCut(l);
    double s = 0;
    for (int j = 0; j < l; j++) {
      s += units.get(j).backwardFlops();
    }
    return s;
  }

  /** FD(l): device forward plus backward FLOPs per sample. */
  public double deviceFlops(int l) {
    return deviceForwardFlops(l) + deviceBackwardFlops(l);
  }

  /** FS(l): server forward plus backward FLOPs per sample. */
  public double serverFlops(int l) {
    checkCut(l);
    double s = 0;
    for (int j = l; j < units.size(); j++) {
      s += units.get(j).forwardFlops() + units.get(j).backwardFlops();
    }
    return s;
  }

  /** A(l): bytes per sample crossing the cut (the raw input for l = 0). */
  public long cutBytes(int l) {
    checkCut(l);
    return l == 0 ? inputBytes : units.get(l - 1).outputBytes();
  }

  /** W(l): device-side parameter bytes. */
  public long deviceParamBytes(int l) {
    checkCut(l);
    long s = 0;
    for (int j = 0; j < l; j++) {
      s += units.get(j).paramBytes();
    }
    return s;
  }

  /** Total parameter count. */
  public long totalParams() {
    return units.stream().mapToLong(UnitProfile::params).sum();
  }

  /** Total parameter bytes. */
  public long totalParamBytes() {
    return units.stream().mapToLong(UnitProfile::paramBytes).sum();
  }

  /** Total forward FLOPs per sample. */
  public double totalForwardFlops() {
    return units.stream().mapToDouble(UnitProfile::forwardFlops).sum();
  }

  /** Total backward FLOPs per sample. */
  public double totalBackwardFlops() {
    return units.stream().mapToDouble(UnitProfile::backwardFlops).sum();
  }

  /** This chain as a DAG profile: unit j reads unit j-1 (the first reads the raw input). */
  public DagProfile toDag() {
    List<DagLayer> layers = new ArrayList<>(units.size());
    String prev = DagProfile.INPUT;
    for (UnitProfile u : units) {
      layers.add(
          new DagLayer(
              u.name(),
              List.of(prev),
              u.forwardFlops(),
              u.backwardFlops(),
              u.outputBytes(),
              u.paramBytes()));
      prev = u.name();
    }
    return new DagProfile(model, inputBytes, layers);
  }

  private void checkCut(int l) {
    if (l < 0 || l > units.size()) {
      throw new IllegalArgumentException(
          "cut " + l + " outside 0.." + units.size() + " for model " + model);
    }
  }
}
