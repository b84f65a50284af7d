package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.CsvTable;
import io.splitemu.actors.results.RoundRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden runs: the emulated columns of every committed scenario under every scheme the README lists
 * (timing fidelity), and of the quickstart in full fidelity (with its losses and accuracies), must
 * stay bit-identical to the files under {@code src/test/resources/golden/}.
 *
 * <p>A combination that a scheme refuses (a DAG scheme on a zoo model, say) is recorded as the
 * refusal, so a scheme that starts or stops accepting a scenario shows too. Run with {@code
 * -Dsplitemu.golden.write=true} to record the files anew after a change that is meant to move
 * emulated figures, and name each moved figure and why in the commit.
 *
 * <p>Scenarios that read the shared data (MNIST, traces, Caffe graphs, measured profiles) run when
 * {@code splitemu.data} names that folder; they are skipped with that reason when it is unset and
 * fail when it is set and the data is missing.
 */
public class GoldenRunsTest {

  /** Every scheme the README lists, in its order. */
  static final List<String> SCHEMES =
      List.of(
          "sl",
          "psl",
          "sfl-v1",
          "sfl-v2",
          "cpsl",
          "cpsl-random",
          "cpsl-fixed",
          "edgesplit",
          "edgesplit-uniform",
          "sfl-compute",
          "sfl-compute-uniform",
          "dag-mincut",
          "dag-chain",
          "dag-device",
          "dag-server",
          "mpsl",
          "mpsl-horizontal");

  /** Columns of rounds.csv that depend on the host (wall clock, CPU), left out of the goldens. */
  private static final List<String> HOST_COLUMNS = RoundRecord.HOST_COLUMNS;

  @TempDir Path tmp;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Path f : scenarioFiles()) {
      out.add(Arguments.of(f.getFileName().toString(), "timing"));
    }
    out.add(Arguments.of("quickstart.conf", "full"));
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void emulatedColumns_matchTheGoldens(String scenario, String fidelity) throws IOException {
    Path file = scenarioDir().resolve(scenario);
    List<String> sets = dataOverrides(file);
    sets.add("fidelity=" + fidelity);
    sets.add("output.plots=false");
    List<String> schemes =
        fidelity.equals("full") ? List.of(Settings.load(file, sets).scheme()) : SCHEMES;
    String actual = record(file, sets, schemes);
    String name = scenario.replace(".conf", "") + "." + fidelity + ".golden";
    Path golden = Path.of("src/test/resources/golden").resolve(name);
    // The tests' JVM pins OpenBLAS's kernels where the CPU has AVX2 and FMA
    // (.mvn/test-jvm/bin/java); elsewhere full-fidelity losses and accuracies follow this CPU's
    // own kernels, which round differently.
    boolean pinned = "Haswell".equals(System.getenv("OPENBLAS_CORETYPE"));
    if (fidelity.equals("full") && !pinned && cpuHasAvx2AndFma()) {
      fail(
          name
              + ": OpenBLAS's kernels are not pinned in this JVM though the CPU could run them:"
              + " run the tests through Maven, whose surefire starts .mvn/test-jvm/bin/java");
    }
    boolean learningComparable = !fidelity.equals("full") || pinned;
    if (Boolean.getBoolean("splitemu.golden.write")) {
      if (!learningComparable) {
        fail(name + ": record it on a host with AVX2 and FMA, where OpenBLAS's kernels are pinned");
      }
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
      return;
    }
    if (!Files.isRegularFile(golden)) {
      fail(golden + " is missing: record it with -Dsplitemu.golden.write=true");
    }
    String expected = Files.readString(golden, StandardCharsets.UTF_8);
    if (!learningComparable) {
      assertLinesEqual(withoutLearning(expected), withoutLearning(actual), name);
      Assumptions.assumeTrue(
          false,
          name
              + ": emulated columns match; losses and accuracies not compared, since this CPU"
              + " lacks AVX2 or FMA and OpenBLAS's kernels are not pinned (docs/runtime.md)");
    }
    assertLinesEqual(expected, actual, name);
  }

  /** Whether this CPU has AVX2 and FMA, as .mvn/test-jvm/bin/java reads them. */
  private static boolean cpuHasAvx2AndFma() {
    try {
      String info = Files.readString(Path.of("/proc/cpuinfo"));
      return java.util.regex.Pattern.compile("\\bavx2\\b").matcher(info).find()
          && java.util.regex.Pattern.compile("\\bfma\\b").matcher(info).find();
    } catch (IOException | UncheckedIOException e) {
      return false; // no /proc: not a host the script pins either
    }
  }

  /** The golden text without the learning columns of its {@code rounds.csv} sections. */
  static String withoutLearning(String text) {
    List<String> drop = List.of("test_accuracy", "train_loss");
    StringBuilder sb = new StringBuilder();
    List<Integer> dropAt = List.of();
    boolean inRounds = false;
    boolean header = false;
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("#")) {
        inRounds = line.equals("# rounds.csv");
        header = inRounds;
        sb.append(line).append('\n');
        continue;
      }
      if (!inRounds) {
        sb.append(line).append('\n');
        continue;
      }
      List<String> fields = CsvTable.parseLine(line);
      if (header) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
          if (drop.contains(fields.get(i))) {
            at.add(i);
          }
        }
        dropAt = at;
        header = false;
      }
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < fields.size(); i++) {
        if (!dropAt.contains(i)) {
          kept.add(fields.get(i));
        }
      }
      sb.append(String.join(",", kept)).append('\n');
    }
    return sb.toString();
  }

  /** Runs {@code schemes} on the scenario and writes their emulated rows as text. */
  private String record(Path file, List<String> sets, List<String> schemes) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String scheme : schemes) {
      List<String> withScheme = new ArrayList<>(sets);
      withScheme.add("scheme=" + scheme);
      sb.append("## ").append(scheme).append('\n');
      Path out = tmp.resolve(scheme);
      try {
        Settings s = Settings.load(file, withScheme);
        Emulation.run(s, out, RunListener.NONE);
      } catch (IllegalArgumentException e) {
        sb.append("refused: ").append(normalise(e.getMessage())).append('\n');
        continue;
      } catch (RunFailedException e) {
        sb.append("failed: ").append(normalise(e.getMessage())).append('\n');
      }
      sb.append(table(out.resolve("rounds.csv"), HOST_COLUMNS));
      sb.append(table(out.resolve("devices.csv"), List.of()));
    }
    return sb.toString();
  }

  /** The CSV file without {@code drop} columns, one line per row; empty when the file is absent. */
  private static String table(Path csv, List<String> drop) throws IOException {
    if (!Files.isRegularFile(csv)) {
      return "";
    }
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      return "";
    }
    List<String> header = CsvTable.parseLine(lines.get(0));
    StringBuilder sb = new StringBuilder("# ").append(csv.getFileName()).append('\n');
    for (String line : lines) {
      List<String> fields = CsvTable.parseLine(line);
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < fields.size(); i++) {
        if (!drop.contains(header.get(i))) {
          kept.add(fields.get(i));
        }
      }
      sb.append(String.join(",", kept)).append('\n');
    }
    return sb.toString();
  }

  private static String normalise(String message) {
    String m = message == null ? "" : message;
    String data = System.getProperty("splitemu.data", "");
    if (!data.isBlank()) {
      m = m.replace(Path.of(data).toAbsolutePath().normalize().toString(), "$DATA");
    }
    return m.replace(scenarioDir().toAbsolutePath().normalize().toString(), "$SCENARIOS");
  }

  private static void assertLinesEqual(String expected, String actual, String name) {
    String[] e = expected.split("\n", -1);
    String[] a = actual.split("\n", -1);
    for (int i = 0; i < Math.min(e.length, a.length); i++) {
      if (!e[i].equals(a[i])) {
        fail(name + " line " + (i + 1) + ":\n expected: " + e[i] + "\n   actual: " + a[i]);
      }
    }
    assertEquals(e.length, a.length, name + ": number of lines");
  }

  /** The checkout's scenarios folder, found from the module's working folder up. */
  public static Path scenarioDir() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path f = dir.resolve("scenarios");
      if (Files.isRegularFile(f.resolve("quickstart.conf"))) {
        return f;
      }
    }
    throw new IllegalStateException("scenarios/ not found above " + Path.of("").toAbsolutePath());
  }

  static List<Path> scenarioFiles() {
    try (Stream<Path> s = Files.list(scenarioDir())) {
      return s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code --set} overrides that point every shared-data path of the scenario (MNIST folder, trace
   * files, Caffe graphs, profiles) into {@code splitemu.data}; aborts the test when the scenario
   * needs the data and the property is unset, fails when a file is missing.
   */
  public static List<String> dataOverrides(Path scenario) {
    // Resolved within the file: a scenario may name its own blocks (${fault-study.links}).
    Config c =
        ConfigFactory.parseFile(scenario.toFile())
            .resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
    List<String> sets = new ArrayList<>();
    String data = System.getProperty("splitemu.data", "");
    for (var e : c.withOnlyPath("splitemu").entrySet()) {
      String key = e.getKey().substring("splitemu.".length());
      ConfigValue v = e.getValue();
      List<String> values = new ArrayList<>();
      boolean list = v.valueType() == ConfigValueType.LIST;
      if (list) {
        for (ConfigValue x : c.getList(e.getKey())) {
          values.add(String.valueOf(x.unwrapped()));
        }
      } else if (v.valueType() == ConfigValueType.STRING) {
        values.add((String) v.unwrapped());
      }
      if (values.stream().noneMatch(x -> x.contains("shared/data"))) {
        continue;
      }
      if (data.isBlank()) {
        Assumptions.abort("splitemu.data is not set: " + scenario.getFileName() + " skipped");
      }
      List<String> moved = new ArrayList<>();
      for (String x : values) {
        String rest = x.substring(x.indexOf("shared/data") + "shared/data".length());
        Path p = Path.of(data + rest).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
          fail("splitemu.data is set to " + data + " but " + p + " is missing");
        }
        moved.add("\"" + p + "\"");
      }
      sets.add(key + "=" + (list ? "[" + String.join(",", moved) + "]" : moved.get(0)));
    }
    return sets;
  }
}
