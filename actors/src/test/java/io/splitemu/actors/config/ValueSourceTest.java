package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The seeded distributions a scenario can give a per-device number, by their sample moments. */
class ValueSourceTest {

  private static final int DRAWS = 200_000;

  @Test
  void normal_hasItsMeanAndDeviation_andStaysWithinItsBounds() {
    ValueSource s = new ValueSource.Normal(5e9, 1e9, 1e9, 9e9);
    SplittableRandom rng = new SplittableRandom(7);
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < DRAWS; i++) {
      double v = s.value(i, rng);
      assertTrue(v >= 1e9 && v <= 9e9, "draw " + i + " = " + v + " outside [1e9, 9e9]");
      sum += v;
      sumSq += v * v;
    }
    double mean = sum / DRAWS;
    double sd = Math.sqrt(sumSq / DRAWS - mean * mean);
    // The bounds lie four deviations out, so they barely move the moments.
    assertEquals(5e9, mean, 0.01e9);
    assertEquals(1e9, sd, 0.01e9);
  }

  @Test
  void clampedNormal_pilesTheTailOnTheBound() {
    ValueSource s = new ValueSource.Normal(0, 1, 0, 10);
    SplittableRandom rng = new SplittableRandom(11);
    int atMin = 0;
    for (int i = 0; i < DRAWS; i++) {
      if (s.value(i, rng) == 0) {
        atMin++;
      }
    }
    assertEquals(0.5, atMin / (double) DRAWS, 0.005);
  }

  @Test
  void logNormal_hasTheMomentsOfItsLogarithm() {
    ValueSource s = new ValueSource.LogNormal(1.0, 0.5);
    SplittableRandom rng = new SplittableRandom(13);
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < DRAWS; i++) {
      double l = StrictMath.log(s.value(i, rng));
      sum += l;
      sumSq += l * l;
    }
    double mean = sum / DRAWS;
    assertEquals(1.0, mean, 0.005);
    assertEquals(0.5, Math.sqrt(sumSq / DRAWS - mean * mean), 0.005);
  }

  @Test
  void sameSeed_sameDraws() {
    ValueSource s = new ValueSource.Normal(0, 1, -10, 10);
    SplittableRandom a = new SplittableRandom(42);
    SplittableRandom b = new SplittableRandom(42);
    for (int i = 0; i < 1000; i++) {
      assertEquals(s.value(i, a), s.value(i, b));
    }
  }
}
