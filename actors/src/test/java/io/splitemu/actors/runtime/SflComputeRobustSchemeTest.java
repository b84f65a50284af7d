package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.cli.Main;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.scheme.Schemes;
import io.splitemu.actors.scheme.ShareSplitPolicies;
import io.splitemu.actors.scheme.SplitScheme;
import io.splitemu.planner.latency.CutCosts;
import io.splitemu.planner.latency.DeviceState;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ServerState;
import io.splitemu.planner.sfl.RobustSflPlanner;
import io.splitemu.planner.sfl.SflPlanner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sfl-compute-robust} on the supervisor: on static links it runs {@code sfl-compute}'s
 * rounds (the robust planner keeps the alternation's plan where no candidate beats it), on trace
 * links it re-plans every round from the rates the devices achieved in the rounds before and is
 * repeatable, and the registry, its error line and {@code plan} know it.
 */
class SflComputeRobustSchemeTest {

  private static final String ROBUST = "sfl-compute-robust";

  @TempDir Path tmp;

  private static Path effnet() {
    return GoldenRunsTest.scenarioDir().resolve("sfl-compute-effnet.conf");
  }

  /** The committed SFL scenario, shortened (3 rounds of 10 iterations). */
  private static Settings staticEffnet(String scheme) {
    return Settings.load(
        effnet(), List.of("scheme=" + scheme, "rounds=3", "local-steps=10", "output.plots=false"));
  }

  /** Three devices of the SFL scenario on the LTE/3G trace pairs of edgesplit.conf. */
  private static Settings traced(int seed) {
    List<String> sets = new ArrayList<>();
    for (String set :
        GoldenRunsTest.dataOverrides(GoldenRunsTest.scenarioDir().resolve("edgesplit.conf"))) {
      if (set.startsWith("links.trace.")) {
        sets.add(set);
      }
    }
    sets.addAll(
        List.of(
            "scheme=" + ROBUST,
            "seed=" + seed,
            "rounds=4",
            "local-steps=20",
            "devices.count=3",
            "devices.flops=[2e9,1e10,5e10]",
            "links.kind=trace",
            "links.trace.format=mahimahi",
            "links.trace.end=loop",
            "links.trace.assign=round-robin",
            "output.plots=false"));
    return Settings.load(effnet(), sets);
  }

  /** A round's row without the scheme's name and the host's wall clock. */
  private static List<Object> emulated(RoundRecord r) {
    List<Object> f = new ArrayList<>(r.fields());
    f.remove(RoundRecord.HEADER.indexOf("cpu_time_s"));
    f.remove(RoundRecord.HEADER.indexOf("wall_time_s"));
    f.remove(RoundRecord.HEADER.indexOf("scheme"));
    return f;
  }

  private static List<String> withoutScheme(Path csv, String scheme) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(csv)) {
      out.add(line.replace(scheme, "SCHEME"));
    }
    return out;
  }

  @Test
  void staticLinks_runSflComputesRounds() throws Exception {
    // Why they must agree: every past round is the same rate vector, so each quantile candidate is
    // the alternation on the last rates, and the uniform plan is the only other candidate; the
    // planner keeps the alternation unless uniform is strictly better at those rates.
    Settings s = staticEffnet(ROBUST);
    CutCosts costs = CutCosts.of(ShareSplitPolicies.profile(s));
    double[] flops = ShareSplitPolicies.flops(s);
    double[] up = {2e7, 1e7, 5e6, 2e6, 1e6, 2e7, 1e7, 5e6};
    double[] down = {4e7, 2e7, 1e7, 4e6, 2e6, 4e7, 2e7, 1e7};
    List<DeviceState> states = new ArrayList<>();
    for (int d = 0; d < flops.length; d++) {
      states.add(
          new DeviceState(
              "device-" + d,
              flops[d],
              10L * s.batchSize(),
              RateFunction.linear(up[d]),
              RateFunction.linear(down[d]),
              Long.MAX_VALUE,
              0.02));
    }
    SflPlanner sfl = new SflPlanner(costs, s.batchSize());
    ServerState server = new ServerState(s.serverFlops());
    assertTrue(
        sfl.plan(states, server).makespan() < sfl.uniformBaseline(states, server).makespan(),
        "precondition: the alternation beats the uniform plan here");

    Emulation.Outcome robust = Emulation.run(s, tmp.resolve("robust"), RunListener.NONE);
    Emulation.Outcome plain =
        Emulation.run(staticEffnet("sfl-compute"), tmp.resolve("plain"), RunListener.NONE);
    assertEquals(3, robust.rounds().size());
    for (int i = 0; i < 3; i++) {
      assertEquals(emulated(plain.rounds().get(i)), emulated(robust.rounds().get(i)), "round " + i);
    }
    assertEquals(
        withoutScheme(plain.dir().resolve("devices.csv"), "sfl-compute"),
        withoutScheme(robust.dir().resolve("devices.csv"), ROBUST));
    // Rounds 2 and 3 are planned from a history, and it kept the alternation ("last").
    String events = Files.readString(robust.dir().resolve("events.csv"));
    assertTrue(events.contains("robust choice last (mean"), events);
  }

  @Test
  void policy_plansFromTheRatesAchievedInThePastRounds() {
    // The policy sees only the rates it is given: three devices on the scenario's static links.
    Settings s =
        Settings.load(
            effnet(),
            List.of(
                "scheme=" + ROBUST,
                "local-steps=20",
                "devices.count=3",
                "devices.flops=[2e9,1e10,5e10]",
                "output.plots=false"));
    SplitScheme scheme = (SplitScheme) Schemes.of(ROBUST);
    SplitPolicy policy = scheme.policy(s);
    CutCosts costs = CutCosts.of(ShareSplitPolicies.profile(s));
    RobustSflPlanner planner =
        new RobustSflPlanner(costs, s.batchSize(), new double[] {0.1, 0.25, 0.5}, 10);
    ServerState server = new ServerState(s.serverFlops());
    double[] flops = ShareSplitPolicies.flops(s);
    // Round 1 gets the probe; round r > 1 what round r - 1 achieved (alternating good and bad).
    double[][] ups = {{2e7, 1e7, 5e6}, {4e5, 1e7, 5e6}, {2e7, 3e5, 5e6}, {2e7, 1e7, 2e5}};
    double[][] downs = {{4e7, 2e7, 1e7}, {8e5, 2e7, 1e7}, {4e7, 6e5, 1e7}, {4e7, 2e7, 4e5}};
    List<double[][]> history = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    // 14 rounds: past the planner's window of 10, which the policy keeps and no more.
    for (int r = 1; r <= 14; r++) {
      double scale = 1 + 0.01 * r;
      double[] up = ups[(r - 1) % ups.length].clone();
      double[] down = downs[(r - 1) % downs.length].clone();
      for (int d = 0; d < 3; d++) {
        up[d] *= scale;
        down[d] *= scale;
      }
      double[][] rates = new double[3][];
      List<DeviceState> states = new ArrayList<>();
      for (int d = 0; d < 3; d++) {
        rates[d] = new double[] {up[d], down[d]};
        states.add(
            new DeviceState(
                "device-" + d,
                flops[d],
                (long) s.localSteps() * s.batchSize(),
                RateFunction.linear(up[d]),
                RateFunction.linear(down[d]),
                Long.MAX_VALUE,
                0.02));
      }
      if (r > 1) {
        history.add(rates);
      }
      RobustSflPlanner.Choice expected = planner.plan(states, history, server);
      List<SplitPolicy.DevicePlan> plans = policy.plan(r, up, down);
      int[] cuts = new int[3];
      for (int d = 0; d < 3; d++) {
        SplitPolicy.DevicePlan p = plans.get(d);
        cuts[d] = Integer.parseInt(p.cut());
        assertEquals(expected.plan().serverFlops()[d], p.serverFlopsPerSecond(), "round " + r);
        assertEquals(s.localSteps(), p.steps());
        assertEquals(costs.cutBytes(cuts[d]), p.upBytes());
        assertEquals(costs.deviceParamBytes(cuts[d]), p.modelBytes());
        assertTrue(p.detail().contains("robust choice " + expected.label() + " "), p.detail());
        assertTrue(p.detail().contains("over " + Math.min(10, r - 1) + " past rounds"), p.detail());
      }
      assertArrayEquals(expected.plan().cuts(), cuts, "round " + r);
      labels.add(expected.label());
    }
    // The history changes the decision: not every round keeps the plan of the last rates.
    assertTrue(labels.stream().anyMatch(l -> !l.equals("last")), labels.toString());
  }

  @Test
  void policyRestored_fromTheRoundsItRemembers_plansTheNextRoundAsTheWholeHistoryDoes() {
    Settings s =
        Settings.load(
            effnet(),
            List.of(
                "scheme=" + ROBUST,
                "local-steps=20",
                "devices.count=3",
                "devices.flops=[2e9,1e10,5e10]",
                "output.plots=false"));
    SplitScheme scheme = (SplitScheme) Schemes.of(ROBUST);
    SplitPolicy whole = scheme.policy(s);
    int rounds = 16;
    double[][] ups = new double[rounds + 1][];
    double[][] downs = new double[rounds + 1][];
    List<SplitPolicy.DevicePlan> last = null;
    for (int r = 1; r <= rounds; r++) {
      // Good and bad rounds in turn, each device on its own beat.
      ups[r] = new double[] {r % 2 == 0 ? 4e5 : 2e7, r % 3 == 0 ? 3e5 : 1e7, 5e6 + 1e5 * r};
      downs[r] = new double[] {2 * ups[r][0], 2 * ups[r][1], 2 * ups[r][2]};
      last = whole.plan(r, ups[r].clone(), downs[r].clone());
    }
    int kept = whole.roundsRemembered();
    assertTrue(kept < rounds - 1, "the restore replays fewer rounds than the run had: " + kept);
    // What a restore before the last round does: a fresh policy, the rounds kept, in order.
    SplitPolicy restored = scheme.policy(s);
    for (int r = rounds - kept; r < rounds; r++) {
      restored.plan(r, ups[r].clone(), downs[r].clone());
    }
    List<SplitPolicy.DevicePlan> again = restored.plan(rounds, ups[rounds], downs[rounds]);
    assertEquals(last, again);
  }

  @Test
  void traceLinks_replanFromTheObservedHistory_andRepeat() throws Exception {
    Emulation.Outcome a = Emulation.run(traced(1), tmp.resolve("a"), RunListener.NONE);
    Emulation.Outcome b = Emulation.run(traced(1), tmp.resolve("b"), RunListener.NONE);
    assertEquals(4, a.rounds().size());
    for (int i = 0; i < 4; i++) {
      assertEquals(emulated(a.rounds().get(i)), emulated(b.rounds().get(i)), "round " + i);
    }
    assertEquals(
        Files.readAllLines(a.dir().resolve("devices.csv")),
        Files.readAllLines(b.dir().resolve("devices.csv")));
    assertEquals(
        Files.readAllLines(a.dir().resolve("events.csv")),
        Files.readAllLines(b.dir().resolve("events.csv")));
    // Every replan after round 1 names the history it was planned on: the r - 1 rounds before.
    Pattern replan = Pattern.compile("^[^,]*,(\\d+),replan,.*over (\\d+) past rounds");
    int later = 0;
    for (String line : Files.readAllLines(a.dir().resolve("events.csv"))) {
      Matcher m = replan.matcher(line);
      if (m.find()) {
        int round = Integer.parseInt(m.group(1));
        assertEquals(round - 1, Integer.parseInt(m.group(2)), line);
        later += round > 1 ? 1 : 0;
      }
    }
    assertTrue(later > 0, "no re-plan after round 1 on trace links");
    // The rounds vary with the traces: the achieved rates are not the probe's.
    assertNotEquals(a.rounds().get(0).roundLatencyS(), a.rounds().get(1).roundLatencyS());
  }

  @Test
  void unknownName_listsIt() {
    SettingsException e = assertThrows(SettingsException.class, () -> Schemes.of("sfl-robust"));
    assertTrue(e.getMessage().contains(ROBUST), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void plan_predictsTheFirstRound() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out),
            new PrintWriter(err),
            new String[] {
              "plan",
              effnet().toString(),
              "--schemes",
              ROBUST,
              "--set",
              "rounds=1",
              "--set",
              "local-steps=10",
              "--json"
            });
    assertEquals(0, code, err.toString());
    JsonNode plan = new ObjectMapper().readTree(out.toString()).get("plans").get(0);
    assertEquals(ROBUST, plan.get("scheme").asText());
    assertEquals("split", plan.get("family").asText());
    double predicted = plan.get("predicted").get("roundLatencySeconds").asDouble();
    Emulation.Outcome run = Emulation.run(staticEffnet(ROBUST), tmp.resolve("r"), RunListener.NONE);
    double emulated = run.rounds().get(0).roundLatencyS();
    assertEquals(emulated, predicted, 1e-9 * emulated);
  }
}
