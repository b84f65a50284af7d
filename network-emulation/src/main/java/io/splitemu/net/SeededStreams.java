package io.splitemu.net;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Named random streams derived from the scenario seed, so each purpose draws from its own stream.
 *
 * <p>A stream is a pure function of (seed, name): adding a new consumer elsewhere never shifts the
 * draws of an existing one, which keeps runs repeatable as the code grows.
 */
public final class SeededStreams {
  private SeededStreams() {}

  /** The seed of the stream called {@code name} under the scenario seed. */
  public static long seedFor(long scenarioSeed, String name) {
    long h = 0xcbf29ce484222325L; // FNV-1a over UTF-8, stable across JVMs unlike identity hashes
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return mix(mix(scenarioSeed) ^ h);
  }

  public static SplittableRandom stream(long scenarioSeed, String name) {
    return new SplittableRandom(seedFor(scenarioSeed, name));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
