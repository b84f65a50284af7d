package io.splitemu.planner.latency;

/**
 * A link whose rate is proportional to its share: {@code r(x) = x * fullRate}.
 *
 * @param fullRate bit/s at share 1
 */
public record LinearRate(double fullRate) implements RateFunction {

  public LinearRate {
    if (!(fullRate > 0) || Double.isInfinite(fullRate)) {
      throw new IllegalArgumentException("linear rate must be finite and > 0 bit/s, got " + fullRate);
    }
  }

  @Override
  public double bitsPerSecond(double share) {
    return share * fullRate;
  }

  @Override
  public double slope(double share) {
    return fullRate;
  }

  @Override
  public double minShare(double requiredBitsPerSecond) {
    if (requiredBitsPerSecond <= 0) {
      return 0;
    }
    double x = requiredBitsPerSecond / fullRate;
    return x > 1 ? Double.POSITIVE_INFINITY : x;
  }

  @Override
  public RateFunction withGain(double factor) {
    return new LinearRate(fullRate * factor);
  }

  @Override
  public boolean isLinear() {
    return true;
  }
}
