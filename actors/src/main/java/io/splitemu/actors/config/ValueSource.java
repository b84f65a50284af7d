package io.splitemu.actors.config;

import io.splitemu.model.data.Sampling;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Where a per-device (or per-round) number comes from: a constant, a list indexed by device, or a
 * seeded distribution.
 *
 * <p>Written in a scenario as {@code 2e9}, as {@code [1e9, 2e9, 4e9]} (device i takes element i
 * modulo the length), or as an object {@code { distribution = uniform, min = 1e9, max = 4e9 }}.
 * Distributions draw from the generator they are given, which the caller takes from a named, seeded
 * stream, so a scenario repeats exactly.
 */
public sealed interface ValueSource {

  /** The value for index {@code i} (a device id or a round), drawing from {@code rng} if needed. */
  double value(int i, RandomGenerator rng);

  /** Whether {@link #value} ever draws from the generator. */
  default boolean random() {
    return false;
  }

  /** The smallest value this source can give. */
  double lowest();

  /** The largest value this source can give. */
  double highest();

  /** The same value everywhere. */
  record Constant(double v) implements ValueSource {
    @Override
    public double value(int i, RandomGenerator rng) {
      return v;
    }

    @Override
    public double lowest() {
      return v;
    }

    @Override
    public double highest() {
      return v;
    }
  }

  /** One value per index, cycling. */
  record PerIndex(List<Double> values) implements ValueSource {
    public PerIndex {
      values = List.copyOf(values);
    }

    @Override
    public double value(int i, RandomGenerator rng) {
      return values.get(Math.floorMod(i, values.size()));
    }

    @Override
    public double lowest() {
      return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    @Override
    public double highest() {
      return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }
  }

  /** Uniform on [min, max). */
  record Uniform(double min, double max) implements ValueSource {
    @Override
    public double value(int i, RandomGenerator rng) {
      return min == max ? min : min + (max - min) * rng.nextDouble();
    }

    @Override
    public boolean random() {
      return true;
    }

    @Override
    public double lowest() {
      return min;
    }

    @Override
    public double highest() {
      return max;
    }
  }

  /**
   * A seeded distribution with an open tail (normal, log-normal, exponential), its draws clamped to
   * [min, max]: a scenario's own bounds, else the key's range. Its lowest and highest are the
   * bounds, which a draw reaches only in its tail.
   */
  sealed interface Clamped extends ValueSource {
    double min();

    double max();

    /** {@code x} within [min, max]. */
    default double clamp(double x) {
      return Math.min(max(), Math.max(min(), x));
    }

    @Override
    default boolean random() {
      return true;
    }

    @Override
    default double lowest() {
      return min();
    }

    @Override
    default double highest() {
      return max();
    }
  }

  /** Normal, clamped to [min, max] so that rates stay positive. */
  record Normal(double mean, double sd, double min, double max) implements Clamped {
    @Override
    public double value(int i, RandomGenerator rng) {
      return clamp(mean + sd * Sampling.normal(rng));
    }
  }

  /**
   * Log-normal: exp(mu + sigma Z), clamped to [min, max] (a scenario's: the key's range unless it
   * gives its own), as {@link Normal} is.
   */
  record LogNormal(double mu, double sigma, double min, double max) implements Clamped {
    /** Unclamped. */
    public LogNormal(double mu, double sigma) {
      this(mu, sigma, 0, Double.POSITIVE_INFINITY);
    }

    @Override
    public double value(int i, RandomGenerator rng) {
      return clamp(StrictMath.exp(mu + sigma * Sampling.normal(rng)));
    }
  }

  /**
   * Exponential with the given mean (for instance |g|^2 of Rayleigh fading has mean 1), clamped to
   * [min, max] as {@link LogNormal} is.
   */
  record Exponential(double mean, double min, double max) implements Clamped {
    /** Unclamped. */
    public Exponential(double mean) {
      this(mean, 0, Double.POSITIVE_INFINITY);
    }

    @Override
    public double value(int i, RandomGenerator rng) {
      // 1 - u lies in (0, 1], so the logarithm is finite.
      return clamp(-mean * StrictMath.log(1.0 - rng.nextDouble()));
    }
  }

  /** One of the listed values, each equally likely. */
  record Choice(List<Double> values) implements ValueSource {
    public Choice {
      values = List.copyOf(values);
    }

    @Override
    public double value(int i, RandomGenerator rng) {
      return values.get(rng.nextInt(values.size()));
    }

    @Override
    public boolean random() {
      return true;
    }

    @Override
    public double lowest() {
      return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    @Override
    public double highest() {
      return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }
  }
}
