package io.splitemu.actors.cli;

import io.splitemu.actors.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one line a full-fidelity run prints when the native math it trains with is set up otherwise
 * than the launcher sets it (docs/runtime.md, "Fidelity and determinism"). More than one OpenMP
 * thread per op splits ND4J's and OpenBLAS's reductions, and OpenBLAS's own kernel choice on a host
 * with AVX2 and FMA may be another family than the launcher's pin: either way losses and accuracies
 * differ in the last digits from the launcher's (the quickstart's round-1 loss was 0.9781816 with
 * two threads, 0.9781881 with one), and a resume under other values goes on with other rounding.
 * Emulated times never depend on it.
 */
final class MathEnvironment {
  private MathEnvironment() {}

  private static final Pattern AVX2 = Pattern.compile("\\bavx2\\b");
  private static final Pattern FMA = Pattern.compile("\\bfma\\b");

  /** The note for this JVM's environment and CPU, or null. */
  static String note(Settings.Fidelity fidelity) {
    return note(fidelity, System.getenv(), avx2AndFma());
  }

  /**
   * The note for a run of {@code fidelity} under environment {@code env} on a CPU with ({@code
   * avx2AndFma}) or without AVX2 and FMA, or null where the run trains as the launcher sets it up
   * (or trains nothing).
   */
  static String note(Settings.Fidelity fidelity, Map<String, String> env, boolean avx2AndFma) {
    if (fidelity != Settings.Fidelity.FULL) {
      return null;
    }
    List<String> differ = new ArrayList<>();
    String threads = env.get("OMP_NUM_THREADS");
    if (threads == null || !threads.strip().equals("1")) {
      differ.add(
          "OMP_NUM_THREADS is "
              + (threads == null ? "unset (one OpenMP thread per core)" : "'" + threads + "'")
              + ", not 1");
    }
    if (avx2AndFma && env.get("OPENBLAS_CORETYPE") == null) {
      differ.add("OPENBLAS_CORETYPE is unset, not Haswell");
    }
    if (differ.isEmpty()) {
      return null;
    }
    return "splitemu: note: "
        + String.join(" and ", differ)
        + " as the splitemu launcher sets it: full-fidelity losses and accuracies differ in the"
        + " last digits from the launcher's, and a --resume should run under the same values"
        + " (docs/runtime.md, \"Fidelity and determinism\")";
  }

  /** Whether /proc/cpuinfo names AVX2 and FMA (false where it cannot be read). */
  private static boolean avx2AndFma() {
    try {
      String cpu = Files.readString(Path.of("/proc/cpuinfo"));
      return AVX2.matcher(cpu).find() && FMA.matcher(cpu).find();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
