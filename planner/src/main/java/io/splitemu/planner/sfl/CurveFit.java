package io.splitemu.planner.sfl;

/**
 * A least-squares curve over the cut index: a polynomial in the scaled index {@code t = (x -
 * origin) / scale}, or an exponential {@code A exp(c x)}.
 *
 * @param kind "polynomial" or "exponential"
 * @param coefficients polynomial coefficients in t, lowest degree first; or {A, c}
 * @param origin shift of x for the polynomial
 * @param scale scale of x for the polynomial
 * @param rSquared coefficient of determination on the fitted points, {@code 1 - SS_res/SS_tot}
 */
public record CurveFit(
    String kind, double[] coefficients, double origin, double scale, double rSquared) {

  /** The fitted value at {@code x}. */
  public double value(double x) {
    if (kind.equals("exponential")) {
      return coefficients[0] * StrictMath.exp(coefficients[1] * x);
    }
    double t = (x - origin) / scale;
    double v = 0;
    for (int i = coefficients.length - 1; i >= 0; i--) {
      v = v * t + coefficients[i];
    }
    return v;
  }
}
