package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.GoldenRunsTest;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {

  @TempDir Path tmp;

  /** scenarios/quickstart.conf of the checkout, found from the module's working folder up. */
  static Path quickstart() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path f = dir.resolve("scenarios/quickstart.conf");
      if (Files.isRegularFile(f)) {
        return f;
      }
      dir = dir.getParent();
    }
    throw new AssertionError(
        "scenarios/quickstart.conf not found above " + Path.of("").toAbsolutePath());
  }

  private static JsonNode plan(String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("plan"));
    a.addAll(List.of(args));
    a.add("--json");
    ProfileCommandTest.Result r = ProfileCommandTest.cli(a.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    return new ObjectMapper().readTree(r.out());
  }

  /** The first emulated round of a timing run of {@code scenario} with {@code sets}. */
  private RoundRecord firstRound(Path scenario, String... sets) {
    List<String> o = new ArrayList<>(List.of(sets));
    o.add("rounds=1");
    o.add("fidelity=timing");
    o.add("output.plots=false");
    Settings s = Settings.load(scenario, o);
    return Emulation.run(s, tmp.resolve("run-" + s.scheme()), RunListener.NONE).rounds().get(0);
  }

  /**
   * The prediction equals the emulated round up to the runtime's rounding of every charged duration
   * up to whole nanoseconds: less than 1 ns per duration on the critical path (a broadcast, five
   * per barrier step, an upload, and SplitFed v1's download).
   */
  private static void assertPredicts(JsonNode plan, RoundRecord r) {
    JsonNode p = plan.get("predicted");
    long durations = 0;
    for (JsonNode v : plan.get("clusters")) {
      long e = 0;
      for (JsonNode s : v.get("localSteps")) {
        e = Math.max(e, s.asLong());
      }
      durations += 3 + 5 * e;
    }
    double tol = durations * 1e-9;
    String what = plan.get("scheme").asText() + ": ";
    assertEquals(p.get("roundLatencySeconds").asDouble(), r.roundLatencyS(), tol, what + "total");
    assertEquals(p.get("deviceComputeSeconds").asDouble(), r.deviceComputeS(), tol, what);
    assertEquals(p.get("serverComputeSeconds").asDouble(), r.serverComputeS(), tol, what);
    assertEquals(p.get("communicationSeconds").asDouble(), r.communicationS(), tol, what);
    assertEquals(p.get("aggregationSeconds").asDouble(), r.aggregationS(), tol, what);
  }

  @Test
  void quickstart_predictsTheFirstEmulatedRound() throws Exception {
    Path q = quickstart();
    JsonNode j = plan(q.toString());
    assertEquals("quickstart", j.get("scenario").asText());
    assertEquals(4, j.get("devices").size());
    JsonNode psl = j.get("plans").get(0);
    assertEquals("psl", psl.get("scheme").asText());
    assertEquals(2, psl.get("cut").asInt());
    assertEquals(4, psl.get("clusters").get(0).get("members").size());
    RoundRecord r = firstRound(q);
    assertTrue(r.roundLatencyS() > 0);
    assertPredicts(psl, r);
  }

  @Test
  void everyScheme_predictsItsFirstEmulatedRound() throws Exception {
    Path q = quickstart();
    String[] sets = {"--set", "local-steps=3", "--set", "data.partition=quantity"};
    List<String> args = new ArrayList<>(List.of(q.toString(), "--schemes", "sl,psl,sfl-v1,sfl-v2"));
    args.addAll(List.of(sets));
    JsonNode j = plan(args.toArray(new String[0]));
    JsonNode plans = j.get("plans");
    assertEquals(4, plans.size());
    assertEquals(4, plans.get(0).get("clusters").size(), "sl visits every device alone");
    assertTrue(plans.get(2).get("clusters").get(0).has("serverShares"), "sfl-v1 server copies");
    assertEquals(
        plans.get(1).get("predicted").get("roundLatencySeconds").asDouble(),
        plans.get(3).get("predicted").get("roundLatencySeconds").asDouble(),
        0.0,
        "sfl-v2 is timed as psl");
    for (JsonNode p : plans) {
      RoundRecord r =
          firstRound(
              q, "local-steps=3", "data.partition=quantity", "scheme=" + p.get("scheme").asText());
      assertPredicts(p, r);
    }
  }

  @Test
  void shannonLinks_predictTheFirstRoundWithItsFading() throws Exception {
    Path q = quickstart();
    String[] sets = {"links.kind=shannon", "local-steps=2", "data.train-samples=600"};
    List<String> args = new ArrayList<>(List.of(q.toString(), "--schemes", "psl,sfl-v1"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    JsonNode j = plan(args.toArray(new String[0]));
    JsonNode psl = j.get("plans").get(0);
    assertEquals(0.25, psl.get("clusters").get(0).get("uplinkShares").get(0).asDouble(), 0.0);
    assertPredicts(psl, firstRound(q, sets));
    List<String> v1 = new ArrayList<>(List.of(sets));
    v1.add("scheme=sfl-v1");
    assertPredicts(j.get("plans").get(1), firstRound(q, v1.toArray(new String[0])));
  }

  @Test
  void text_showsDecisionsAndBreakdown() {
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("plan", quickstart().toString(), "--schemes", "sl,sfl-v1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("sl (barrier engine): cut 2, 4 cluster visit(s)"), r.out());
    assertTrue(r.out().contains("server shares 0.2500"), r.out());
    assertTrue(r.out().contains("predicted round latency"), r.out());
    assertTrue(r.out().contains("aggregation"), r.out());
  }

  /** Runs {@code command} (plan or run) on quickstart with {@code sets}; its one stderr line. */
  private ProfileCommandTest.Result refused(String command, String... sets) {
    List<String> a = new ArrayList<>(List.of(command, quickstart().toString()));
    for (String s : sets) {
      a.add("--set");
      a.add(s);
    }
    if (command.equals("run")) {
      a.add("--out");
      a.add(tmp.resolve("run-" + tmp.toFile().list().length).toString());
    }
    ProfileCommandTest.Result r = ProfileCommandTest.cli(a.toArray(new String[0]));
    assertNotEquals(0, r.code(), command + " accepted " + List.of(sets) + ": " + r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    return r;
  }

  @Test
  void refusesWhatRunRefuses_withRunsLine() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("no-mnist"));
    String[][] cases = {
      // a DAG scheme in full fidelity
      {"scheme=dag-mincut", "dag.profile=inception-v3", "local-steps=2", "fidelity=full"},
      // a share-split scheme on a profile (not a zoo model) in full fidelity
      {"scheme=edgesplit", "model.name=efficientnetv2-s-mnist", "local-steps=2", "fidelity=full"},
      {"scheme=sfl-compute", "model.name=efficientnetv2-s-mnist", "local-steps=2", "fidelity=full"},
      // a split scheme in full fidelity whose data does not load (timing reads none)
      {
        "scheme=edgesplit",
        "local-steps=2",
        "fidelity=full",
        "data.dataset=mnist",
        "data.dir=" + empty
      },
    };
    String[] expected = {
      "splitemu.fidelity: dag-mincut runs only in timing fidelity",
      "splitemu.fidelity: edgesplit trains real tensors only on a zoo model",
      "splitemu.fidelity: sfl-compute trains real tensors only on a zoo model",
      "splitemu.data.dir"
    };
    for (int i = 0; i < cases.length; i++) {
      String run = refused("run", cases[i]).err().strip();
      String plan = refused("plan", cases[i]).err().strip();
      assertTrue(run.contains(expected[i]), run);
      // Led by the scheme's name, as compare's refusals are.
      String scheme = cases[i][0].substring("scheme=".length());
      assertEquals(
          run.replaceFirst("^splitemu: ", "splitemu: " + scheme + ": "),
          plan,
          "plan refuses with run's line: " + List.of(cases[i]));
    }
    // The same scenarios in timing fidelity plan.
    for (int i = 0; i < 3; i++) {
      List<String> a = new ArrayList<>(List.of(quickstart().toString()));
      for (String s : cases[i]) {
        a.add("--set");
        a.add(s.equals("fidelity=full") ? "fidelity=timing" : s);
      }
      plan(a.toArray(new String[0]));
    }
  }

  @Test
  void header_namesTheModelTheSchemePlansWith() {
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "plan",
            quickstart().toString(),
            "--set",
            "scheme=dag-mincut",
            "--set",
            "dag.profile=inception-v3",
            "--set",
            "local-steps=2",
            "--set",
            "fidelity=timing");
    assertEquals(0, r.code(), r.err());
    String header = r.out().lines().findFirst().orElse("");
    assertTrue(header.contains("model inception-v3,"), header);
    assertTrue(!header.contains("lenet5"), header);
  }

  @Test
  void badInput_oneLineOnStderr_nonZeroExit() throws Exception {
    ProfileCommandTest.Result missing =
        ProfileCommandTest.cli("plan", tmp.resolve("nope.conf").toString(), "--json");
    assertNotEquals(0, missing.code());
    assertEquals("", missing.out());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    assertTrue(missing.err().contains("nope.conf"), missing.err());

    ProfileCommandTest.Result scheme =
        ProfileCommandTest.cli("plan", quickstart().toString(), "--schemes", "psl,warp");
    assertNotEquals(0, scheme.code());
    assertEquals(1, scheme.err().strip().lines().count(), scheme.err());
    assertTrue(scheme.err().contains("\"warp\""), scheme.err());

    Path bad = tmp.resolve("bad.conf");
    Files.writeString(bad, "splitemu {\n  model.cut = 99\n}\n");
    ProfileCommandTest.Result cut = ProfileCommandTest.cli("plan", bad.toString());
    assertNotEquals(0, cut.code());
    assertTrue(cut.err().contains("splitemu.model.cut"), cut.err());
    assertEquals(1, cut.err().strip().lines().count(), cut.err());
  }

  /**
   * Every refusal of plan is led by the scheme's name (before: "splitemu: splitemu.model.cut: must
   * be in 1..6 ...", no scheme).
   */
  @Test
  void aRefusal_namesTheScheme() {
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "plan", quickstart().toString(), "--schemes", "psl,sl", "--set", "model.cut=9");
    assertNotEquals(0, r.code(), r.out());
    assertEquals("", r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("splitemu: psl: "), r.err());
    assertTrue(r.err().contains("splitemu.model.cut: must be in 1..6"), r.err());
  }

  /**
   * --keep-refused, as compare's: a refusing scheme is a line "SCHEME refused: why" (with --json,
   * an entry of "refused") and the others are planned (before: an unknown option, and plan stopped
   * at the first refusal); every scheme refusing is still an error.
   */
  @Test
  void keepRefused_plansTheOthers() throws Exception {
    String[] args = {
      "plan",
      quickstart().toString(),
      "--schemes",
      "edgesplit,psl,sfl-compute",
      "--set",
      "local-steps=0"
    };
    ProfileCommandTest.Result stop = ProfileCommandTest.cli(args);
    assertNotEquals(0, stop.code());
    assertTrue(stop.err().startsWith("splitemu: edgesplit: "), stop.err());
    assertTrue(stop.err().contains("with --keep-refused"), stop.err());
    assertTrue(stop.err().contains("(psl)"), stop.err());

    List<String> keep = new ArrayList<>(List.of(args));
    keep.add("--keep-refused");
    ProfileCommandTest.Result r = ProfileCommandTest.cli(keep.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("edgesplit refused: "), r.out());
    assertTrue(r.out().contains("\nsfl-compute refused: "), r.out());
    assertTrue(r.out().contains("psl (barrier engine)"), r.out());

    keep.add("--json");
    ProfileCommandTest.Result j = ProfileCommandTest.cli(keep.toArray(new String[0]));
    assertEquals(0, j.code(), j.err());
    JsonNode o = new ObjectMapper().readTree(j.out());
    assertEquals(1, o.get("plans").size());
    assertEquals("edgesplit", o.get("refused").get(0).get("scheme").asText());
    assertEquals("sfl-compute", o.get("refused").get(1).get("scheme").asText());

    ProfileCommandTest.Result all =
        ProfileCommandTest.cli(
            "plan",
            quickstart().toString(),
            "--schemes",
            "edgesplit,sfl-compute",
            "--set",
            "local-steps=0",
            "--keep-refused");
    assertNotEquals(0, all.code());
    assertEquals(1, all.err().strip().lines().count(), all.err());
    assertTrue(all.err().contains("every scheme refuses the scenario"), all.err());
  }

  /**
   * mpsl*'s devices compute at measured times: the FLOP/s column says "measured" (before: NaN), and
   * --json says so in "compute".
   */
  @Test
  void mpslDevices_showMeasured_notNaN() throws Exception {
    Path f = tmp.resolve("mpsl.conf");
    Files.writeString(f, CheckpointResumeTest.mpslScenario("mpsl", "plan", 1, ""));
    for (String scheme : List.of("mpsl", "mpsl-horizontal")) {
      ProfileCommandTest.Result r =
          ProfileCommandTest.cli("plan", f.toString(), "--set", "scheme=" + scheme);
      assertEquals(0, r.code(), r.err());
      assertTrue(!r.out().contains("NaN"), r.out());
      assertTrue(r.out().contains(" measured "), r.out());
      JsonNode j = plan(f.toString(), "--set", "scheme=" + scheme);
      assertEquals("measured", j.get("devices").get(0).get("compute").asText());
    }
  }

  /**
   * A folder or a device given as the scenario is said to be one (before: "scenario file not
   * found", although it exists).
   */
  @Test
  void aFolderOrADevice_asTheScenario_isSaidToBeOne() {
    Path dir = quickstart().getParent();
    ProfileCommandTest.Result r = ProfileCommandTest.cli("plan", dir.toString());
    assertNotEquals(0, r.code());
    assertEquals("splitemu: " + dir + " is a folder, not a scenario file", r.err().strip());
    ProfileCommandTest.Result n = ProfileCommandTest.cli("plan", "/dev/null");
    assertNotEquals(0, n.code());
    assertEquals(
        "splitemu: /dev/null is not a regular file, so not a scenario file", n.err().strip());
  }

  /** A plan of the quickstart on trace links of {@code trace} both ways, with {@code more}. */
  private ProfileCommandTest.Result tracePlan(String trace, String end, String... more)
      throws Exception {
    Path t = tmp.resolve("trace-" + end);
    Files.writeString(t, trace);
    List<String> a =
        new ArrayList<>(
            List.of(
                "plan",
                quickstart().toString(),
                "--set",
                "links.kind=trace",
                "--set",
                "links.trace.uplink=[\"" + t + "\"]",
                "--set",
                "links.trace.downlink=[\"" + t + "\"]",
                "--set",
                "links.trace.end=" + end));
    a.addAll(List.of(more));
    return ProfileCommandTest.cli(a.toArray(new String[0]));
  }

  /**
   * A trace that ends (links.trace.end = stop, or hold-last on a last rate of 0) before a transfer
   * of round 1 is through stops the plan in one line, as it stops the run, naming the scheme, the
   * device, the direction, the trace and links.trace.end (before: "internal error" and an
   * UndeliverableException's stack trace, exit 70), for barrier and split schemes alike and with
   * --keep-refused too.
   */
  @Test
  void aTraceThatEndsBeforeRoundOne_stopsThePlanInOneLine() throws Exception {
    String[][] cases = {
      {"0 0.1\n1 0.1\n2 0.1\n", "stop", "psl"},
      {"0 0.1\n1 0.1\n2 0.1\n", "stop", "edgesplit"},
      {"0 0.1\n1 0.1\n2 0\n", "hold-last", "psl"},
    };
    for (String[] c : cases) {
      for (boolean keep : List.of(false, true)) {
        List<String> more = new ArrayList<>(List.of("--schemes", c[2], "--set", "local-steps=20"));
        if (keep) {
          more.add("--keep-refused");
        }
        ProfileCommandTest.Result r = tracePlan(c[0], c[1], more.toArray(new String[0]));
        String what = List.of(c) + (keep ? " --keep-refused" : "");
        assertEquals(1, r.code(), what + ": " + r.err());
        assertEquals("", r.out(), what);
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), what + ": " + r.err());
        assertTrue(
            line.startsWith("splitemu: plan stopped in round 1: " + c[2] + ": device-"), line);
        assertTrue(
            line.matches(".*failed: (up|down)link: transfer of .* can never arrive: .*"), line);
        assertTrue(line.contains(tmp.resolve("trace-" + c[1]).toString()), line);
        assertTrue(line.contains("links.trace.end = " + c[1]), line);
      }
    }
  }

  /**
   * plan checks --schemes as compare does, naming --schemes (before: psl,psl planned psl twice, and
   * an unknown name was "splitemu.scheme: unknown scheme", a key the user did not set).
   */
  @Test
  void schemes_checkedAsCompareChecksThem() {
    ProfileCommandTest.Result twice =
        ProfileCommandTest.cli("plan", quickstart().toString(), "--schemes", "psl,psl");
    assertEquals(1, twice.code(), twice.out());
    assertEquals("splitemu: --schemes: psl is given twice", twice.err().strip());
    for (String command : List.of("plan", "compare")) {
      List<String> a =
          new ArrayList<>(
              List.of(
                  command, quickstart().toString(), "--schemes", "psl,nosuch", "--keep-refused"));
      if (command.equals("compare")) {
        a.addAll(List.of("--out", tmp.resolve("c-" + command).toString()));
      }
      ProfileCommandTest.Result unknown = ProfileCommandTest.cli(a.toArray(new String[0]));
      assertEquals(1, unknown.code(), command + ": " + unknown.out());
      assertEquals("", unknown.out(), command);
      assertTrue(
          unknown.err().startsWith("splitemu: --schemes: unknown scheme \"nosuch\"; known: "),
          command + ": " + unknown.err());
      assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
      assertTrue(!Files.exists(tmp.resolve("c-" + command)), command);
    }
  }

  /**
   * A DAG profile that is given but does not parse is an error with --keep-refused too (before:
   * "dag-mincut refused: ..." and exit 0), in plan and compare; a DAG scheme without any profile
   * stays a refusal that --keep-refused keeps.
   */
  @Test
  void keepRefused_aBrokenInputFileIsStillAnError() throws Exception {
    Path bad = tmp.resolve("bad.prototxt");
    Files.writeString(bad, "name: \"x\"\nlayer {\n  name: \"a\"\n  {\n}\n");
    for (String command : List.of("plan", "compare")) {
      Path out = tmp.resolve("out-" + command);
      List<String> a =
          new ArrayList<>(
              List.of(
                  command,
                  quickstart().toString(),
                  "--schemes",
                  "psl,dag-mincut",
                  "--keep-refused",
                  "--set",
                  "local-steps=1",
                  "--set",
                  "rounds=1",
                  "--set",
                  "fidelity=timing",
                  "--set",
                  "dag.profile=" + bad));
      if (command.equals("compare")) {
        a.addAll(List.of("--out", out.toString()));
      }
      ProfileCommandTest.Result r = ProfileCommandTest.cli(a.toArray(new String[0]));
      assertEquals(1, r.code(), command + ": " + r.out());
      assertEquals("", r.out(), command);
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().startsWith("splitemu: dag-mincut: "), r.err());
      assertTrue(r.err().contains(bad.toString()), r.err());
      assertTrue(!Files.exists(out), command + " made " + out);
    }
    // No profile at all: the scheme refuses the scenario, and --keep-refused plans the others.
    ProfileCommandTest.Result none =
        ProfileCommandTest.cli(
            "plan",
            quickstart().toString(),
            "--schemes",
            "psl,dag-mincut",
            "--keep-refused",
            "--set",
            "local-steps=1");
    assertEquals(0, none.code(), none.err());
    assertTrue(none.out().startsWith("dag-mincut refused: "), none.out());
  }

  /**
   * Faults that strike in round 1 are not in a barrier scheme's closed forms on static links: the
   * plan says so in one note line (--json: "faultsNotPredicted"); before, nothing said it.
   */
  @Test
  void roundOneFaults_onStaticLinks_areNoted() throws Exception {
    String fault = "faults=[{kind=link-outage,device=1,round=1,until=20s}]";
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("plan", quickstart().toString(), "--set", fault);
    assertEquals(0, r.code(), r.err());
    List<String> notes = r.out().lines().filter(l -> l.contains("note: ")).toList();
    assertEquals(1, notes.size(), r.out());
    assertTrue(notes.get(0).contains("splitemu.faults[0] link-outage"), notes.get(0));
    assertTrue(notes.get(0).contains("static links know no faults"), notes.get(0));
    JsonNode j = plan(quickstart().toString(), "--set", fault);
    assertEquals(
        "splitemu.faults[0] link-outage",
        j.get("plans").get(0).get("faultsNotPredicted").get(0).asText());
    // A fault from round 2 on is not in round 1: no note.
    String later = "faults=[{kind=link-outage,device=1,round=2,until-round=3}]";
    ProfileCommandTest.Result l =
        ProfileCommandTest.cli("plan", quickstart().toString(), "--set", later);
    assertEquals(0, l.code(), l.err());
    assertTrue(!l.out().contains("note: "), l.out());
    assertTrue(
        !plan(quickstart().toString(), "--set", later)
            .get("plans")
            .get(0)
            .has("faultsNotPredicted"));
  }

  /** The faults of round 1 the plan of {@code args} notes, from --json (empty: none). */
  private static List<String> notPredicted(String... args) throws Exception {
    List<String> out = new ArrayList<>();
    plan(args).get("plans").get(0).path("faultsNotPredicted").forEach(x -> out.add(x.asText()));
    return out;
  }

  private static final String DEVICE_AND_LINK_FAULTS =
      "faults=[{kind=device-slowdown,device=0,factor=50,round=1},"
          + " {kind=device-hang,device=1,round=1,until=10s},"
          + " {kind=link-degradation,device=2,factor=0.5,round=1}]";

  /**
   * A split scheme's round-1 walk goes over the run's links, so it times their faults and no other:
   * the device faults of round 1 are noted, the link fault is not (it moves the prediction).
   * Before, a split plan noted nothing (1.324 s predicted against 17.3 s emulated with the slowdown
   * alone).
   */
  @Test
  void roundOneDeviceFaults_onASplitScheme_areNoted_linkFaultsAreTimed() throws Exception {
    String[] base = {
      quickstart().toString(), "--set", "scheme=edgesplit", "--set", "local-steps=3"
    };
    List<String> a = new ArrayList<>(List.of(base));
    a.addAll(List.of("--set", DEVICE_AND_LINK_FAULTS));
    ProfileCommandTest.Result r = ProfileCommandTest.cli(cat(List.of("plan"), a));
    assertEquals(0, r.code(), r.err());
    List<String> notes = r.out().lines().filter(l -> l.contains("note: ")).toList();
    assertEquals(1, notes.size(), r.out());
    assertTrue(
        notes
            .get(0)
            .contains(
                "(splitemu.faults[0] device-slowdown, splitemu.faults[1] device-hang): the walk"),
        notes.get(0));
    assertEquals(
        List.of("splitemu.faults[0] device-slowdown", "splitemu.faults[1] device-hang"),
        notPredicted(a.toArray(new String[0])));
    // The link fault is in the prediction: it moves it, and is never noted.
    double with =
        plan(a.toArray(new String[0]))
            .get("plans")
            .get(0)
            .get("predicted")
            .get("roundLatencySeconds")
            .asDouble();
    double without =
        plan(base).get("plans").get(0).get("predicted").get("roundLatencySeconds").asDouble();
    assertTrue(with > without, with + " vs " + without);
  }

  /**
   * A barrier scheme on trace links walks them with their link faults, and times no device fault:
   * the device faults are noted (before: nothing was, on trace links).
   */
  @Test
  void roundOneDeviceFaults_onABarrierSchemeOverTraces_areNoted() throws Exception {
    Path edgesplit = GoldenRunsTest.scenarioDir().resolve("edgesplit-mnist.conf");
    Assumptions.assumeFalse(
        System.getProperty("splitemu.data", "").isBlank(), "splitemu.data is not set");
    List<String> a = new ArrayList<>(List.of(edgesplit.toString()));
    for (String set : GoldenRunsTest.dataOverrides(edgesplit)) {
      a.addAll(List.of("--set", set));
    }
    a.addAll(
        List.of(
            "--set",
            "scheme=psl",
            "--set",
            "fidelity=timing",
            "--set",
            "local-steps=1",
            "--set",
            DEVICE_AND_LINK_FAULTS));
    assertEquals(
        List.of("splitemu.faults[0] device-slowdown", "splitemu.faults[1] device-hang"),
        notPredicted(a.toArray(new String[0])));
  }

  /**
   * MP-SL's epoch estimate times no fault: every round-1 fault is noted, a link fault too (before:
   * none was; 34.9 s predicted against 962 s emulated for a slowdown and a degradation).
   */
  @Test
  void roundOneFaults_onMpsl_areAllNoted() throws Exception {
    Path f = tmp.resolve("mpsl.conf");
    Files.writeString(f, CheckpointResumeTest.mpslScenario("mpsl", "plan", 1, ""));
    String faults =
        "faults=[{kind=device-slowdown,device=0,factor=50,round=1},"
            + " {kind=link-degradation,device=0,factor=0.01,round=1}]";
    ProfileCommandTest.Result r = ProfileCommandTest.cli("plan", f.toString(), "--set", faults);
    assertEquals(0, r.code(), r.err());
    List<String> notes = r.out().lines().filter(l -> l.contains("note: ")).toList();
    assertEquals(1, notes.size(), r.out());
    assertTrue(notes.get(0).contains("epoch estimate knows no faults"), notes.get(0));
    assertEquals(
        List.of("splitemu.faults[0] device-slowdown", "splitemu.faults[1] link-degradation"),
        notPredicted(f.toString(), "--set", faults));
    // A hop crash strikes from epoch 2 on at the earliest: not in round 1.
    assertEquals(
        List.of(), notPredicted(f.toString(), "--set", "faults=[{kind=hop-crash,hop=1,round=2}]"));
  }

  private static String[] cat(List<String> a, List<String> b) {
    List<String> x = new ArrayList<>(a);
    x.addAll(b);
    return x.toArray(new String[0]);
  }
}
