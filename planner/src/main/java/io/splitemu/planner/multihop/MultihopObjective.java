package io.splitemu.planner.multihop;

/** The steady-state period a placement minimises. */
public enum MultihopObjective {
  /** {@code max_i F_i + max_i B_i}: the MP-SL estimate. */
  SUM_OF_MAXIMA,
  /** {@code max_i (F_i + B_i)}: the tighter form. */
  MAX_OF_SUMS
}
