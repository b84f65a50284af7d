package io.splitemu.actors;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Holds the main sources of the modules that compute emulated times, plans, seeded draws and
 * recorded figures to {@link StrictMath} for logarithms, exponentials, powers and trigonometry
 * (docs/runtime.md, "Fidelity and determinism"). {@code Math.log}, {@code exp}, {@code pow} and the
 * like are HotSpot intrinsics that may round by the CPU, so the same scenario and seed could give
 * other figures on another host of one cluster; {@code StrictMath}'s results are fixed by its spec.
 * The JDK's {@code nextGaussian} and {@code nextExponential} call {@code Math.exp} and {@code
 * Math.log} inside, so they are held too. {@code Math.sqrt}, {@code abs}, {@code floor}, {@code
 * min} and the like are exact (IEEE 754) and stay allowed. The bench module (inputs of timing
 * benchmarks) and ND4J's own training math are not held.
 */
class StrictMathSourcesTest {

  /** The main sources held, from the actors module's folder (the tests' working directory). */
  private static final List<Path> ROOTS =
      List.of(
          Path.of("../model/src/main/java"),
          Path.of("../network-emulation/src/main/java"),
          Path.of("../planner/src/main/java"),
          Path.of("src/main/java"));

  private static final String FUNCTIONS =
      "log|log10|log1p|exp|expm1|pow|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|cbrt|hypot";

  /** A call {@code Math.f(} or {@code java.lang.Math.f(}, not {@code StrictMath.f(}. */
  private static final Pattern CALL =
      Pattern.compile("(?<![\\w$])Math\\s*\\.\\s*(" + FUNCTIONS + ")\\s*\\(");

  /**
   * A draw from the JDK's own normal or exponential generator ({@code
   * RandomGenerator.nextGaussian}, {@code nextExponential}): its ziggurat compares with {@code
   * Math.exp} and {@code Math.log} inside the JDK, out of this test's sight; {@code
   * Sampling.normal} is the StrictMath one.
   */
  private static final Pattern JDK_DRAW =
      Pattern.compile("\\.\\s*(nextGaussian|nextExponential)\\s*\\(");

  /** A static import of one of them from Math, or of all of Math. */
  private static final Pattern STATIC_IMPORT =
      Pattern.compile("import\\s+static\\s+java\\.lang\\.Math\\.(\\*|(" + FUNCTIONS + ")\\s*;)");

  @Test
  void mainSources_callStrictMathForLogExpPowAndTrigonometry() throws IOException {
    List<String> found = new ArrayList<>();
    int files = 0;
    for (Path root : ROOTS) {
      assertTrue(Files.isDirectory(root), root.toAbsolutePath() + " is not a folder");
      List<Path> sources;
      try (Stream<Path> walk = Files.walk(root)) {
        sources = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
      }
      for (Path source : sources) {
        files++;
        List<String> lines = Files.readAllLines(source);
        for (int i = 0; i < lines.size(); i++) {
          String code = code(lines.get(i));
          Matcher call = CALL.matcher(code);
          while (call.find()) {
            found.add(source.normalize() + ":" + (i + 1) + ": " + call.group().strip());
          }
          Matcher draw = JDK_DRAW.matcher(code);
          while (draw.find()) {
            found.add(source.normalize() + ":" + (i + 1) + ": " + draw.group().strip());
          }
          if (STATIC_IMPORT.matcher(code).find()) {
            found.add(source.normalize() + ":" + (i + 1) + ": " + code.strip());
          }
        }
      }
    }
    assertTrue(files > 100, "only " + files + " main sources found under " + ROOTS);
    assertTrue(
        found.isEmpty(),
        found.size()
            + " calls of Math (or of the JDK's nextGaussian/nextExponential) where StrictMath"
            + " keeps the result the same on every host"
            + " (docs/runtime.md, \"Fidelity and determinism\"):\n"
            + String.join("\n", found));
  }

  /** The line without a trailing {@code //} comment, and empty for a block-comment line. */
  private static String code(String line) {
    String t = line.strip();
    if (t.startsWith("*") || t.startsWith("/*")) {
      return "";
    }
    int comment = line.indexOf("//");
    return comment < 0 ? line : line.substring(0, comment);
  }
}
