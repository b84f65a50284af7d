package io.splitemu.model.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A measured per-unit profile (ms per unit per device at batch 128, activation and weight sizes)
 * read from the MP-SL {@code <model>_<dataset>_times.csv} and {@code _memory.csv} tables.
 *
 * <p>Units are 1-based. Sizes in the memory table are KB of 1024 bytes; activation bytes are for
 * the whole batch of {@link #batchSize()} samples.
 */
public final class MeasuredProfile {

  private static final String TIMES_HEADER = "unit,device,forward_ms,backward_ms,update_ms";
  private static final String MEMORY_HEADER = "unit,activation_kb_batch128,weight_kb";
  private static final int BATCH = 128;

  private final String model;
  private final int units;
  private final Map<String, double[][]> times; // device -> [unit-1][forward, backward, update]
  private final long[] activationBytes;
  private final long[] weightBytes;

  private MeasuredProfile(
      String model, int units, Map<String, double[][]> times, long[] act, long[] weight) {
    this.model = model;
    this.units = units;
    this.times = times;
    this.activationBytes = act;
    this.weightBytes = weight;
  }

  /**
   * Reads a times table and a memory table; the model name is the times file name without the
   * {@code _times.csv} suffix.
   *
   * @throws IllegalArgumentException naming the file and line for a malformed line, and naming the
   *     unit and device for a missing row
   */
  public static MeasuredProfile read(Path timesCsv, Path memoryCsv) {
    List<String> memLines = lines(memoryCsv);
    checkHeader(memoryCsv, memLines, MEMORY_HEADER);
    Map<Integer, double[]> mem = new LinkedHashMap<>();
    for (int i = 1; i < memLines.size(); i++) {
      String line = memLines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = fields(memoryCsv, i + 1, line, 3, MEMORY_HEADER);
      int unit = unit(memoryCsv, i + 1, f[0]);
      double act = number(memoryCsv, i + 1, f[1], "activation_kb_batch128", MAX_KB);
      double w = number(memoryCsv, i + 1, f[2], "weight_kb", MAX_KB);
      if (mem.put(unit, new double[] {act, w}) != null) {
        throw refused(memoryCsv, i + 1, "a second row for unit " + unit);
      }
    }
    int count = mem.size();
    if (count == 0) {
      throw new IllegalArgumentException(memoryCsv + ": no unit rows");
    }
    long[] act = new long[count];
    long[] weight = new long[count];
    for (int u = 1; u <= count; u++) {
      double[] m = mem.get(u);
      if (m == null) {
        throw new IllegalArgumentException(
            memoryCsv + ": missing row for unit " + u + " (units must be 1.." + count + ")");
      }
      act[u - 1] = Math.round(m[0] * 1024);
      weight[u - 1] = Math.round(m[1] * 1024);
    }

    List<String> timeLines = lines(timesCsv);
    checkHeader(timesCsv, timeLines, TIMES_HEADER);
    Map<String, double[][]> times = new LinkedHashMap<>();
    for (int i = 1; i < timeLines.size(); i++) {
      String line = timeLines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = fields(timesCsv, i + 1, line, 5, TIMES_HEADER);
      int unit = unit(timesCsv, i + 1, f[0]);
      if (unit > count) {
        throw refused(
            timesCsv, i + 1, "unit " + unit + ", but the memory table has " + count + " units");
      }
      String device = f[1].trim();
      if (device.isEmpty()) {
        throw bad(timesCsv, i + 1, "a device name in column 2");
      }
      double[] row = {
        number(timesCsv, i + 1, f[2], "forward_ms", MAX_MS),
        number(timesCsv, i + 1, f[3], "backward_ms", MAX_MS),
        number(timesCsv, i + 1, f[4], "update_ms", MAX_MS)
      };
      double[][] perUnit = times.computeIfAbsent(device, d -> new double[count][]);
      if (perUnit[unit - 1] != null) {
        throw refused(timesCsv, i + 1, "a second row for unit " + unit + " device " + device);
      }
      perUnit[unit - 1] = row;
    }
    if (times.isEmpty()) {
      throw new IllegalArgumentException(timesCsv + ": no rows");
    }
    for (Map.Entry<String, double[][]> e : times.entrySet()) {
      for (int u = 0; u < count; u++) {
        if (e.getValue()[u] == null) {
          throw new IllegalArgumentException(
              timesCsv + ": missing row for unit " + (u + 1) + " device " + e.getKey());
        }
      }
    }
    String file = timesCsv.getFileName().toString();
    String model =
        file.endsWith("_times.csv") ? file.substring(0, file.length() - 10) : stripCsv(file);
    return new MeasuredProfile(model, count, times, act, weight);
  }

  /** Model name, e.g. {@code vgg19_cifar}. */
  public String model() {
    return model;
  }

  /** The batch size the table was measured at (128). */
  public int batchSize() {
    return BATCH;
  }

  /** Number of units L. */
  public int unitCount() {
    return units;
  }

  /** Device types in the order of first appearance. */
  public List<String> devices() {
    return new ArrayList<>(times.keySet());
  }

  /** Forward milliseconds of unit (1-based) for one batch on a device type. */
  public double forwardMs(String device, int unit) {
    return row(device, unit)[0];
  }

  /** Backward milliseconds of unit (1-based) for one batch on a device type. */
  public double backwardMs(String device, int unit) {
    return row(device, unit)[1];
  }

  /** Optimizer-update milliseconds of unit (1-based) for one batch on a device type. */
  public double updateMs(String device, int unit) {
    return row(device, unit)[2];
  }

  /** Activation bytes of unit (1-based) for a whole batch of 128. */
  public long activationBytes(int unit) {
    checkUnit(unit);
    return activationBytes[unit - 1];
  }

  /** Trainable weight bytes of unit (1-based). */
  public long weightBytes(int unit) {
    checkUnit(unit);
    return weightBytes[unit - 1];
  }

  private double[] row(String device, int unit) {
    checkUnit(unit);
    double[][] t = times.get(device);
    if (t == null) {
      throw new IllegalArgumentException(
          "model " + model + " has no device " + device + "; known: " + times.keySet());
    }
    return t[unit - 1];
  }

  private void checkUnit(int unit) {
    if (unit < 1 || unit > units) {
      throw new IllegalArgumentException(
          "unit " + unit + " outside 1.." + units + " for model " + model);
    }
  }

  private static String stripCsv(String file) {
    return file.endsWith(".csv") ? file.substring(0, file.length() - 4) : file;
  }

  private static List<String> lines(Path file) {
    String why = TextFiles.notAFile(file);
    if (why != null) {
      throw new IllegalArgumentException(file + ": " + why);
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    // strict UTF-8 named by offset and line, and a leading byte order mark skipped, so the
    // header of a file saved by a spreadsheet still matches
    // Lines end at \n or \r\n, as the other readers count them: String.lines() also ended one
    // at a bare \r, so every later line number was one too high. A file with no \n at all ends
    // its lines at \r (saved with classic Mac line ends, as some spreadsheets still offer).
    String text = TextFiles.decode(bytes, file.toString());
    return List.of(text.split(text.indexOf('\n') < 0 ? "\r" : "\r?\n", -1));
  }

  private static void checkHeader(Path file, List<String> lines, String header) {
    if (lines.isEmpty() || !lines.get(0).trim().replace(" ", "").equals(header)) {
      throw bad(file, 1, "the header \"" + header + "\"");
    }
  }

  private static String[] fields(Path file, int line, String text, int n, String header) {
    String[] f = text.split(",", -1);
    if (f.length != n) {
      throw bad(file, line, n + " comma-separated fields (" + header + "), got " + f.length);
    }
    return f;
  }

  private static int unit(Path file, int line, String s) {
    try {
      int u = Integer.parseInt(s.trim());
      if (u >= 1) {
        return u;
      }
    } catch (NumberFormatException e) {
      // reported below with the line
    }
    throw bad(file, line, "a unit number >= 1 in column 1, got \"" + s + "\"");
  }

  // What a unit can physically be (docs/input-policy.md): 1 TiB of memory, a day per batch. Sums
  // of a model's units then stay far inside a long's bytes and a double's exact milliseconds.
  private static final double MAX_KB = 1024.0 * 1024 * 1024;
  private static final double MAX_MS = 86_400_000;

  private static double number(Path file, int line, String s, String column, double max) {
    try {
      double v = Double.parseDouble(s.trim());
      if (Double.isFinite(v) && v >= 0 && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below with the line
    }
    throw bad(
        file,
        line,
        "a number in [0, "
            + BigDecimal.valueOf(max).toPlainString()
            + "] for "
            + column
            + ", got \""
            + s
            + "\"");
  }

  private static IllegalArgumentException bad(Path file, int line, String expected) {
    return refused(file, line, "expected " + expected);
  }

  private static IllegalArgumentException refused(Path file, int line, String message) {
    return new IllegalArgumentException(file + " line " + line + ": " + message);
  }
}
