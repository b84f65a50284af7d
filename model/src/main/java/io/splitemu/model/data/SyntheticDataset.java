package io.splitemu.model.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Generates the embedded, seeded, learnable 28x28x1, 10-class dataset used when no real data is
 * configured: seven-segment digit strokes rendered with random shift, scale, slant, thickness and
 * segment jitter, occasional missing or extra strokes, and pixel noise.
 *
 * <p>The output depends only on the sizes and the seed (all floating-point work uses exact or
 * {@link StrictMath} operations), so it is the same on every host. Train and test sets come from
 * independent streams split off the seed, so changing one size does not change the other set.
 */
public final class SyntheticDataset {
  /** Image side in pixels. */
  public static final int SIDE = 28;

  /** Number of classes. */
  public static final int NUM_CLASSES = 10;

  /** Default training-set size. */
  public static final int DEFAULT_TRAIN_SIZE = 12_000;

  /** Default test-set size. */
  public static final int DEFAULT_TEST_SIZE = 2_000;

  // Segment endpoints (x0, y0, x1, y1) of a seven-segment glyph in the 28x28 frame:
  // a top, b upper right, c lower right, d bottom, e lower left, f upper left, g middle.
  private static final double[][] SEGMENTS = {
    {9, 5, 18, 5}, {18, 5, 18, 14}, {18, 14, 18, 23}, {9, 23, 18, 23},
    {9, 14, 9, 23}, {9, 5, 9, 14}, {9, 14, 18, 14}
  };

  // Lit segments per digit, as bit masks over a..g (bit 0 = a).
  private static final int[] DIGITS = {
    0b0111111, // 0: abcdef
    0b0000110, // 1: bc
    0b1011011, // 2: abdeg
    0b1001111, // 3: abcdg
    0b1100110, // 4: bcfg
    0b1101101, // 5: acdfg
    0b1111101, // 6: acdefg
    0b0000111, // 7: abc
    0b1111111, // 8: abcdefg
    0b1101111, // 9: abcdfg
  };

  private static final double NOISE_SCALE = 0.06 * Math.sqrt(6);
  private static final double CENTER_X = 13.5;
  private static final double CENTER_Y = 14.0;

  private SyntheticDataset() {}

  /** The default-sized train and test sets for {@code seed}. */
  public static DatasetSplit generate(long seed) {
    return generate(DEFAULT_TRAIN_SIZE, DEFAULT_TEST_SIZE, seed);
  }

  /** Train and test sets of the given sizes (each >= 1) for {@code seed}. */
  public static DatasetSplit generate(int trainSize, int testSize, long seed) {
    if (trainSize < 1 || testSize < 1) {
      throw new IllegalArgumentException("synthetic dataset: expected train and test sizes >= 1, "
          + "found " + trainSize + " and " + testSize);
    }
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom trainRng = root.split();
    SplittableRandom testRng = root.split();
    return new DatasetSplit(
        generate("synthetic-train(seed=" + seed + ")", trainSize, trainRng),
        generate("synthetic-test(seed=" + seed + ")", testSize, testRng));
  }

  /**
   * The labels of {@link #generate(int, int, long)}'s training set, without rendering an image: the
   * same labels in the same order (they are drawn before the images), for a run that needs only the
   * partition over devices.
   */
  public static Dataset trainLabels(int trainSize, long seed) {
    if (trainSize < 1) {
      throw new IllegalArgumentException(
          "synthetic dataset: expected a train size >= 1, found " + trainSize);
    }
    SplittableRandom trainRng = new SplittableRandom(seed).split();
    return Dataset.labelsOnly(
        "synthetic-train(seed=" + seed + ")",
        SIDE,
        SIDE,
        NUM_CLASSES,
        labels(trainSize, trainRng));
  }

  // Balanced classes (sizes differ by at most one), in a seeded order.
  private static byte[] labels(int size, SplittableRandom rng) {
    int[] order = Sampling.permutation(size, rng);
    byte[] labels = new byte[size];
    for (int i = 0; i < size; i++) {
      labels[order[i]] = (byte) (i % NUM_CLASSES);
    }
    return labels;
  }

  private static Dataset generate(String name, int size, SplittableRandom rng) {
    byte[] labels = labels(size, rng);
    int f = SIDE * SIDE;
    byte[] pixels = new byte[size * f];
    double[] canvas = new double[f];
    for (int i = 0; i < size; i++) {
      render(labels[i], rng, canvas);
      for (int p = 0; p < f; p++) {
        pixels[i * f + p] = (byte) (int) Math.round(canvas[p] * 255);
      }
    }
    return new Dataset(name, SIDE, SIDE, NUM_CLASSES, pixels, labels);
  }

  /** Draws one sample of {@code digit} into {@code canvas} (values in [0,1]). */
  private static void render(int digit, SplittableRandom rng, double[] canvas) {
    int mask = DIGITS[digit];
    // Occasionally lose a stroke or gain a stray one, so some samples are genuinely ambiguous.
    if (rng.nextDouble() < 0.08) {
      int lit = Integer.bitCount(mask);
      if (lit > 2) {
        int drop = rng.nextInt(lit);
        mask &= ~nthSetBit(mask, drop);
      }
    }
    if (rng.nextDouble() < 0.08) {
      mask |= 1 << rng.nextInt(SEGMENTS.length);
    }
    double dx = uniform(rng, -2.0, 2.0);
    double dy = uniform(rng, -2.0, 2.0);
    double scale = uniform(rng, 0.85, 1.15);
    double shear = uniform(rng, -0.2, 0.2);
    double half = uniform(rng, 0.7, 1.6);

    int lit = Integer.bitCount(mask);
    double[][] segs = new double[lit][];
    double[] intensity = new double[lit];
    int s = 0;
    for (int j = 0; j < SEGMENTS.length; j++) {
      if ((mask & (1 << j)) == 0) {
        continue;
      }
      double[] seg = SEGMENTS[j];
      double x0 = seg[0] + uniform(rng, -1, 1);
      double y0 = seg[1] + uniform(rng, -1, 1);
      double x1 = seg[2] + uniform(rng, -1, 1);
      double y1 = seg[3] + uniform(rng, -1, 1);
      segs[s] = new double[] {tx(x0, y0, scale, shear, dx), ty(y0, scale, dy),
          tx(x1, y1, scale, shear, dx), ty(y1, scale, dy)};
      intensity[s] = uniform(rng, 0.6, 1.0);
      s++;
    }
    Arrays.fill(canvas, 0);
    // Each stroke only touches pixels within half + 0.5 of it, so draw it in its bounding box.
    double reach = half + 0.5;
    for (int k = 0; k < lit; k++) {
      double[] seg = segs[k];
      int x0 = Math.max(0, (int) Math.floor(Math.min(seg[0], seg[2]) - reach));
      int x1 = Math.min(SIDE - 1, (int) Math.ceil(Math.max(seg[0], seg[2]) + reach));
      int y0 = Math.max(0, (int) Math.floor(Math.min(seg[1], seg[3]) - reach));
      int y1 = Math.min(SIDE - 1, (int) Math.ceil(Math.max(seg[1], seg[3]) + reach));
      for (int y = y0; y <= y1; y++) {
        for (int x = x0; x <= x1; x++) {
          double cover = Math.min(1, Math.max(0, reach - distance(x, y, seg)));
          int at = y * SIDE + x;
          canvas[at] = Math.max(canvas[at], cover * intensity[k]);
        }
      }
    }
    for (int p = 0; p < canvas.length; p++) {
      // Triangular noise with standard deviation 0.06: Gaussian-like, but without a logarithm
      // per pixel, which dominated generation time.
      double v = canvas[p] + NOISE_SCALE * (rng.nextDouble() + rng.nextDouble() - 1);
      canvas[p] = Math.min(1, Math.max(0, v));
    }
  }

  private static double tx(double x, double y, double scale, double shear, double dx) {
    return CENTER_X + scale * (x - CENTER_X) + shear * (CENTER_Y - y) + dx;
  }

  private static double ty(double y, double scale, double dy) {
    return CENTER_Y + scale * (y - CENTER_Y) + dy;
  }

  /** Euclidean distance from pixel (px, py) to the segment {x0, y0, x1, y1}. */
  private static double distance(double px, double py, double[] seg) {
    double vx = seg[2] - seg[0];
    double vy = seg[3] - seg[1];
    double wx = px - seg[0];
    double wy = py - seg[1];
    double len2 = vx * vx + vy * vy;
    double t = len2 == 0 ? 0 : Math.min(1, Math.max(0, (wx * vx + wy * vy) / len2));
    double ex = wx - t * vx;
    double ey = wy - t * vy;
    return Math.sqrt(ex * ex + ey * ey);
  }

  private static int nthSetBit(int mask, int n) {
    int m = mask;
    for (int i = 0; i < n; i++) {
      m &= m - 1;
    }
    return Integer.lowestOneBit(m);
  }

  private static double uniform(SplittableRandom rng, double lo, double hi) {
    return lo + (hi - lo) * rng.nextDouble();
  }
}
