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

  /** The same value everywhere. */
  record Constant(double v) implements ValueSource {
    @Override
    public double value(int i, RandomGenerator rng) {
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
  }

  /** Normal, clamped to [min, max] so that rates stay positive. */
  record Normal(double mean, double sd, double min, double max) implements ValueSource {
    @Override
    public double value(int i, RandomGenerator rng) {
      return Math.min(max, Math.max(min, mean + sd * Sampling.normal(rng)));
    }

    @Override
    public boolean random() {
      return true;
    }
  }

  /** Log-normal: exp(mu + sigma Z). */
  record LogNormal(double mu, double sigma) implements ValueSource {
    @Override
    public double value(int i, RandomGenerator rng) {
      return StrictMath.exp(mu + sigma * Sampling.normal(rng));
    }

    @Override
    public boolean random() {
      return true;
    }
  }

  /** Exponential with the given mean (for instance |g|^2 of Rayleigh fading has mean 1). */
  record Exponential(double mean) implements ValueSource {
    @Override
    public double value(int i, RandomGenerator rng) {
      // 1 - u lies in (0, 1], so the logarithm is finite.
      return -mean * StrictMath.log(1.0 - rng.nextDouble());
    }

    @Override
    public boolean random() {
      return true;
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
  }
}
