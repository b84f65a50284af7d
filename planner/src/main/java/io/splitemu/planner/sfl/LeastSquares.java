package io.splitemu.planner.sfl;

/** Polynomial and exponential least-squares fits with their R^2. */
public final class LeastSquares {

  private LeastSquares() {}

  /** Polynomial of {@code degree} through (x, y), fitted in a scaled index for conditioning. */
  public static CurveFit polynomial(double[] x, double[] y, int degree) {
    int n = check(x, y);
    if (degree < 0 || degree >= n) {
      throw new IllegalArgumentException(
          "polynomial degree must be in 0.." + (n - 1) + " for " + n + " points, got " + degree);
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    double scale = hi > lo ? hi - lo : 1;
    int k = degree + 1;
    double[][] m = new double[k][k + 1];
    for (int i = 0; i < n; i++) {
      double t = (x[i] - lo) / scale;
      double[] pw = new double[2 * k];
      pw[0] = 1;
      for (int p = 1; p < 2 * k; p++) {
        pw[p] = pw[p - 1] * t;
      }
      for (int r = 0; r < k; r++) {
        for (int c = 0; c < k; c++) {
          m[r][c] += pw[r + c];
        }
        m[r][k] += pw[r] * y[i];
      }
    }
    double[] coef = solve(m, k);
    CurveFit f = new CurveFit("polynomial", coef, lo, scale, 0);
    return new CurveFit("polynomial", coef, lo, scale, rSquared(f, x, y));
  }

  /**
   * {@code y = A exp(c x)} by a least-squares line through (x, ln y); refuses non-positive y. R^2
   * is computed on y itself.
   */
  public static CurveFit exponential(double[] x, double[] y) {
    int n = check(x, y);
    double[] ly = new double[n];
    for (int i = 0; i < n; i++) {
      if (!(y[i] > 0)) {
        throw new IllegalArgumentException(
            "exponential fit needs y > 0, got " + y[i] + " at " + x[i]);
      }
      ly[i] = StrictMath.log(y[i]);
    }
    CurveFit line = polynomial(x, ly, 1);
    // ln y = c0 + c1 (x - lo) / s  =>  y = exp(c0 - c1 lo / s) exp((c1 / s) x)
    double c = line.coefficients()[1] / line.scale();
    double a = StrictMath.exp(line.coefficients()[0] - c * line.origin());
    CurveFit f = new CurveFit("exponential", new double[] {a, c}, 0, 1, 0);
    return new CurveFit("exponential", f.coefficients(), 0, 1, rSquared(f, x, y));
  }

  /**
   * The better (by R^2) of the polynomial of {@code degree} (capped by the points) and, when y > 0,
   * the exponential.
   */
  public static CurveFit best(double[] x, double[] y, int degree) {
    CurveFit p = polynomial(x, y, Math.min(degree, x.length - 1));
    boolean positive = true;
    for (double v : y) {
      positive &= v > 0;
    }
    if (positive && x.length >= 2) {
      CurveFit e = exponential(x, y);
      if (e.rSquared() > p.rSquared()) {
        return e;
      }
    }
    return p;
  }

  /** {@code 1 - SS_res / SS_tot}; a constant series scores 1 when fitted exactly, else 0. */
  public static double rSquared(CurveFit f, double[] x, double[] y) {
    double mean = 0;
    for (double v : y) {
      mean += v;
    }
    mean /= y.length;
    double res = 0;
    double tot = 0;
    for (int i = 0; i < y.length; i++) {
      double e = y[i] - f.value(x[i]);
      res += e * e;
      tot += (y[i] - mean) * (y[i] - mean);
    }
    if (tot == 0) {
      return res <= 1e-24 * Math.max(1, mean * mean) ? 1 : 0;
    }
    return 1 - res / tot;
  }

  private static int check(double[] x, double[] y) {
    if (x.length != y.length || x.length == 0) {
      throw new IllegalArgumentException(
          "fit needs as many x as y values and at least one point, got "
              + x.length
              + " and "
              + y.length);
    }
    return x.length;
  }

  // Gaussian elimination with partial pivoting on the augmented k x (k+1) matrix.
  private static double[] solve(double[][] m, int k) {
    for (int col = 0; col < k; col++) {
      int piv = col;
      for (int r = col + 1; r < k; r++) {
        if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) {
          piv = r;
        }
      }
      double[] t = m[col];
      m[col] = m[piv];
      m[piv] = t;
      if (m[col][col] == 0) {
        throw new IllegalArgumentException("least squares: singular system (repeated x values?)");
      }
      for (int r = col + 1; r < k; r++) {
        double f = m[r][col] / m[col][col];
        for (int c = col; c <= k; c++) {
          m[r][c] -= f * m[col][c];
        }
      }
    }
    double[] out = new double[k];
    for (int r = k - 1; r >= 0; r--) {
      double s = m[r][k];
      for (int c = r + 1; c < k; c++) {
        s -= m[r][c] * out[c];
      }
      out[r] = s / m[r][r];
    }
    return out;
  }
}
