package io.splitemu.model.profile;

/**
 * Per-sample cost figures of one unit of a chain model (a layer or a single-entry, single-exit
 * block), as defined in LATENCY-MODEL.md section 1.
 *
 * @param name unit name, unique within its model
 * @param forwardFlops forward FLOPs per sample ({@code f_j})
 * @param backwardFlops backward FLOPs per sample ({@code g_j})
 * @param outputBytes bytes of the unit's output activation per sample ({@code a_j})
 * @param params number of trainable parameters
 * @param paramBytes bytes of the trainable parameters ({@code w_j})
 */
public record UnitProfile(
    String name,
    double forwardFlops,
    double backwardFlops,
    long outputBytes,
    long params,
    long paramBytes) {

  public UnitProfile {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("unit name is empty");
    }
    requireFinite(name, "forwardFlops", forwardFlops);
    requireFinite(name, "backwardFlops", backwardFlops);
    if (outputBytes < 0 || params < 0 || paramBytes < 0) {
      throw new IllegalArgumentException(
          "unit " + name + ": outputBytes, params and paramBytes must be >= 0");
    }
  }

  private static void requireFinite(String unit, String field, double v) {
    if (!Double.isFinite(v) || v < 0) {
      throw new IllegalArgumentException(
          "unit " + unit + ": " + field + " must be a finite number >= 0, got " + v);
    }
  }
}
