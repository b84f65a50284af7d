package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.cli.Main;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.scheme.Scheme;
import io.splitemu.actors.scheme.Schemes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code splitemu plan} for every registered scheme on every committed scenario: it prints a plan
 * with a finite positive predicted latency exactly where the run runs, and refuses with the run's
 * own line (exit 1) exactly where the run refuses. What the run does is read from the goldens of
 * {@link GoldenRunsTest}, which hold every combination's first-round latency or its refusal; where
 * the run runs, the prediction is held against its first round: the split and barrier engines on
 * any links (static, Shannon, traces) within the runtime's rounding (1e-9 relative; the barrier
 * engine's less than 1 ns per duration on the critical path), MP-SL's epoch estimate within the 5 %
 * of docs/mpsl.md where the chain is saturated and below the emulated epoch where it is not.
 */
class SchemePlansTest {

  /**
   * Schemes registered after the goldens were recorded, in registry order; each has its own test
   * ({@code sfl-compute-robust}: {@link SflComputeRobustSchemeTest}).
   */
  static final List<String> SINCE_GOLDENS = List.of("sfl-compute-robust");

  /** The registry holds exactly the schemes the README lists: the goldens' and the later ones. */
  @Test
  void registry_holdsEveryReadmeScheme() {
    List<String> recorded = new ArrayList<>(Schemes.names());
    assertTrue(recorded.containsAll(SINCE_GOLDENS), recorded.toString());
    recorded.removeAll(SINCE_GOLDENS);
    assertEquals(GoldenRunsTest.SCHEMES, recorded);
    for (String n : Schemes.names()) {
      assertEquals(n, Schemes.of(n).name());
    }
    SettingsException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            SettingsException.class, () -> Schemes.of("warp"));
    assertTrue(e.getMessage().contains("\"warp\""), e.getMessage());
    assertTrue(e.getMessage().contains(String.join(", ", Schemes.names())), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Path f : GoldenRunsTest.scenarioFiles()) {
      for (String scheme : GoldenRunsTest.SCHEMES) {
        out.add(Arguments.of(f.getFileName().toString(), scheme));
      }
    }
    return out.stream();
  }

  /** What the golden run of {@code scheme} recorded: "refused: ..." or its round-1 latency. */
  private static String golden(String scenario, String scheme) throws IOException {
    Path g =
        Path.of("src/test/resources/golden").resolve(scenario.replace(".conf", ".timing.golden"));
    List<String> lines = Files.readAllLines(g, StandardCharsets.UTF_8);
    int i = lines.indexOf("## " + scheme);
    assertTrue(i >= 0, scheme + " missing in " + g);
    String next = lines.get(i + 1);
    if (next.startsWith("refused: ") || next.startsWith("failed: ")) {
      return next;
    }
    // "# rounds.csv", the header, then round 1: round_latency_s is the fourth column.
    return lines.get(i + 3).split(",", -1)[3];
  }

  private static String normalise(String message) {
    String m = message;
    String data = System.getProperty("splitemu.data", "");
    if (!data.isBlank()) {
      m = m.replace(Path.of(data).toAbsolutePath().normalize().toString(), "$DATA");
    }
    return m.replace(
        GoldenRunsTest.scenarioDir().toAbsolutePath().normalize().toString(), "$SCENARIOS");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void plan_predictsWhereTheRunRuns_refusesWithItsLineWhereItRefuses(String scenario, String scheme)
      throws Exception {
    Path file = GoldenRunsTest.scenarioDir().resolve(scenario);
    List<String> args = new ArrayList<>(List.of("plan", file.toString(), "--schemes", scheme));
    for (String set : GoldenRunsTest.dataOverrides(file)) {
      args.add("--set");
      args.add(set);
    }
    // The goldens hold timing runs; plan checks the fidelity it is given as the run does.
    args.addAll(List.of("--set", "fidelity=timing", "--json"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0]));
    String expected = golden(scenario, scheme);
    if (expected.startsWith("refused: ")) {
      assertEquals(1, code, "plan must refuse as the run does: " + expected + "\n" + out);
      // The run's line, led by the scheme's name as plan leads every refusal.
      assertEquals(
          "splitemu: " + scheme + ": " + expected.substring("refused: ".length()),
          normalise(err.toString().strip()));
      return;
    }
    if (expected.startsWith("failed: ")) {
      fail("a golden run failed; the plan has nothing to be held against: " + expected);
    }
    assertEquals(0, code, err.toString());
    JsonNode plan = new ObjectMapper().readTree(out.toString()).get("plans").get(0);
    double predicted = plan.get("predicted").get("roundLatencySeconds").asDouble();
    assertTrue(Double.isFinite(predicted) && predicted > 0, scheme + ": " + predicted);
    double emulated = Double.parseDouble(expected);
    String family = plan.get("family").asText();
    String links = new ObjectMapper().readTree(out.toString()).get("links").asText();
    String what = scenario + " " + scheme + " (" + family + ", " + links + ")";
    if (family.equals("pipeline")) {
      // docs/mpsl.md: within 5 % where K devices keep the chain saturated (its scenarios, K >=
      // 50); with fewer devices the emulated epoch grows above the estimate, as it should.
      int devices = new ObjectMapper().readTree(out.toString()).get("devices").size();
      if (devices >= 50) {
        assertEquals(emulated, predicted, 0.05 * emulated, what);
      } else {
        assertTrue(predicted <= emulated, what + ": estimate " + predicted + " > " + emulated);
      }
      return;
    }
    double tol = family.equals("split") ? 1e-9 * emulated : nanosecondRounding(plan);
    assertEquals(emulated, predicted, tol, what);
  }

  /** Less than 1 ns per duration on a barrier round's critical path. */
  static double nanosecondRounding(JsonNode plan) {
    long durations = 0;
    for (JsonNode v : plan.get("clusters")) {
      long e = 0;
      for (JsonNode s : v.get("localSteps")) {
        e = Math.max(e, s.asLong());
      }
      durations += 3 + 5 * e;
    }
    return durations * 1e-9;
  }

  /** Every family is registered, and each scheme says which engine runs it. */
  @Test
  void everyFamily_hasSchemes() {
    Map<Scheme.Family, Integer> count = new HashMap<>();
    for (String n : Schemes.names()) {
      count.merge(Schemes.of(n).family(), 1, Integer::sum);
    }
    assertEquals(7, count.get(Scheme.Family.BARRIER));
    assertEquals(9, count.get(Scheme.Family.SPLIT));
    assertEquals(2, count.get(Scheme.Family.PIPELINE));
  }
}
