package io.splitemu.planner.alloc;

/**
 * One item of a general min-max allocation: a finish time that falls as its share grows.
 */
public interface ShareDemand {

  /** Finish time at share {@code share} in (0, 1]. */
  double finish(double share);

  /** True when the finish time does not depend on the share (nothing to send). */
  default boolean needsNoShare() {
    return false;
  }

  /**
   * The smallest share finishing by {@code target}, or a value above 1 when even share 1 is too
   * slow; by default a bisection to about 1e-15.
   */
  default double minShare(double target) {
    if (needsNoShare()) {
      return 0;
    }
    if (finish(1) > target) {
      return Double.POSITIVE_INFINITY;
    }
    double lo = 0;
    double hi = 1;
    for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
      double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) {
        break;
      }
      if (finish(mid) <= target) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }
}
