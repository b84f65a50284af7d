package io.splitemu.planner.sfl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LeastSquaresTest {

  @Test
  void exactPolynomial_hasRSquaredOneAndItsCoefficients() {
    double[] x = new double[11];
    double[] y = new double[11];
    for (int i = 0; i < 11; i++) {
      x[i] = i + 1;
      y[i] = 2 + 3 * x[i] - 0.5 * x[i] * x[i] + 0.01 * x[i] * x[i] * x[i];
    }
    CurveFit f = LeastSquares.polynomial(x, y, 3);
    assertEquals(1.0, f.rSquared(), 1e-12);
    for (double v = 1; v <= 11; v += 0.25) {
      double expect = 2 + 3 * v - 0.5 * v * v + 0.01 * v * v * v;
      assertEquals(expect, f.value(v), 1e-9);
    }
  }

  @Test
  void exactExponential_hasRSquaredOne() {
    double[] x = {1, 2, 3, 4, 5, 6};
    double[] y = new double[6];
    for (int i = 0; i < 6; i++) {
      y[i] = 5e4 * Math.exp(-0.7 * x[i]);
    }
    CurveFit f = LeastSquares.best(x, y, 2);
    assertEquals("exponential", f.kind());
    assertEquals(1.0, f.rSquared(), 1e-12);
    assertEquals(-0.7, f.coefficients()[1], 1e-12);
  }

  @Test
  void rSquared_matchesDefinitionOnNoisyLine() {
    double[] x = {0, 1, 2, 3};
    double[] y = {1, 3, 2, 5};
    CurveFit f = LeastSquares.polynomial(x, y, 1);
    // Least-squares line: slope 1.1, intercept 1.1; SS_tot = 8.75, SS_res = 2.7.
    assertEquals(1.1, f.value(0), 1e-12);
    assertEquals(1 - 2.7 / 8.75, f.rSquared(), 1e-12);
    assertTrue(f.rSquared() < 1);
  }
}
