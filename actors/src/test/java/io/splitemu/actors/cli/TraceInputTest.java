package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings;
import io.splitemu.net.trace.Trace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bad trace file named by a scenario is refused at start, on every scheme family, before any
 * results folder exists (a retry with the same --out is not refused as "not empty"), with one line
 * naming the scenario's file and line, the key, the trace's path and the trace's line.
 */
class TraceInputTest {

  @TempDir Path tmp;

  private static final String GOOD = "0.0\t10.0\n1.0\t20.0\n2.0\t15.0\n";

  /** A scenario on trace links {@code uplink} (lines 9 on), read as {@code format}. */
  private Path scenario(String scheme, String format, String... uplink) throws Exception {
    StringBuilder list = new StringBuilder();
    for (String u : uplink) {
      list.append("      \"").append(u).append("\"\n");
    }
    Path f = tmp.resolve("traced.conf");
    Files.writeString(
        f,
        "splitemu {\n" // 1
            + "  scenario = traced\n" // 2
            + "  scheme = "
            + scheme
            + "\n" // 3
            + "  fidelity = timing\n" // 4
            + "  rounds = 1, local-steps = 2, batch-size = 16\n" // 5
            + "  model { name = mlp, cut = 1 }\n" // 6
            + "  devices { count = 3, flops = [1e9, 2e9, 3e9] }\n" // 7
            + "  links { kind = trace, trace { format = "
            + format
            + ", uplink = [\n" // 8
            + list
            + "  ] } }\n"
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  private void assertRefusedAtStart(ProfileCommandTest.Result r, Path out, String... parts) {
    assertEquals(1, r.code(), r.err() + r.out());
    assertFalse(Files.exists(out), "a results folder was left: " + out + "; " + r.err());
    String line = r.err().strip();
    assertFalse(line.contains("\n"), line);
    assertTrue(line.startsWith("splitemu: "), line);
    for (String p : parts) {
      assertTrue(line.contains(p), () -> "no '" + p + "' in: " + line);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-compute", "edgesplit", "sfl-compute-robust"})
  void aBadTraceLine_failsAtStart_namingKeyPathAndLine_noFolder(String scheme) throws Exception {
    Path good = Files.writeString(tmp.resolve("good"), GOOD);
    Path bad = Files.writeString(tmp.resolve("bad"), "0.0\t10.0\n\n9.0 abc\n");
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario(scheme, "pensieve", good.toString(), bad.toString()).toString(),
            "--out",
            out.toString());
    assertRefusedAtStart(
        r,
        out,
        "traced.conf:10: splitemu.links.trace.uplink[1]: ",
        bad.toAbsolutePath() + ":3: expected two numbers",
        "got '9.0 abc'");
  }

  @Test
  void aRelativeTracePath_isNamedResolved() throws Exception {
    Files.createDirectories(tmp.resolve("traces"));
    Path bad = Files.writeString(tmp.resolve("traces/bad"), "0.0\t10.0\n1.0\n");
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario("sfl-compute", "pensieve", "traces/bad").toString(),
            "--out",
            out.toString());
    assertRefusedAtStart(
        r, out, "splitemu.links.trace.uplink[0]: " + bad.toAbsolutePath() + ":2: expected");
  }

  @Test
  void aWrongFormat_failsAtStart_namingTheFormat_noFolder() throws Exception {
    Path good = Files.writeString(tmp.resolve("good"), GOOD);
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario("sfl-compute", "mahimahi", good.toString()).toString(),
            "--out",
            out.toString());
    assertRefusedAtStart(
        r,
        out,
        "splitemu.links.trace.uplink[0]: " + good.toAbsolutePath() + ":1: expected",
        "links.trace.format = mahimahi");
    // The same --out is free for the corrected run.
    ProfileCommandTest.Result again =
        ProfileCommandTest.cli(
            "run",
            scenario("sfl-compute", "pensieve", good.toString()).toString(),
            "--out",
            out.toString());
    assertEquals(0, again.code(), again.err());
  }

  @Test
  void aBadTraceInAFolder_namesTheFolderKeyAndTheFile() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("traces"));
    Files.writeString(dir.resolve("a"), GOOD);
    Path bad = Files.writeString(dir.resolve("b"), "0.0\t10.0\n");
    Path f = scenario("edgesplit", "pensieve", dir.resolve("a").toString());
    Files.writeString(
        f,
        Files.readString(f)
            .replace("  output.plots", "  links.trace.folder = traces\n  output.plots"));
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("run", f.toString(), "--out", out.toString());
    assertRefusedAtStart(
        r,
        out,
        "traced.conf:11: splitemu.links.trace.folder: ",
        bad.toAbsolutePath() + ": expected at least two samples");
  }

  @Test
  void aTraceIsReadOnce_andSharedByTheScenariosNamingIt_untilTheFileChanges() throws Exception {
    Path good = Files.writeString(tmp.resolve("good"), GOOD);
    Path f = scenario("sfl-compute", "pensieve", good.toString());
    Settings a = Settings.load(f, List.of());
    Settings b = Settings.load(f, List.of("rounds=2"));
    a.links().traces().readAll();
    Trace t = a.links().traces().get(good);
    assertSame(t, a.links().traces().get(good));
    assertSame(t, b.links().traces().get(good), "a second scenario read the file again");
    Files.writeString(good, GOOD + "3.0\t5.0\n");
    Trace changed = Settings.load(f, List.of()).links().traces().get(good);
    assertNotSame(t, changed);
    assertTrue(changed.passNanos() > t.passNanos());
  }

  @Test
  void aSchemeThatRefusesTraceLinks_saysSoBeforeTheTracesAreRead() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad"), "0.0\t10.0\n9.0 abc\n");
    Path out = tmp.resolve("out");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "run",
            scenario("mpsl", "pensieve", bad.toString()).toString(),
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.err());
    assertFalse(r.err().contains(bad.toString()), r.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void compare_refusesABadTraceBeforeAnyFolder() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad"), "0.0\t10.0\n9.0 abc\n");
    Path out = tmp.resolve("cmp");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "compare",
            scenario("sfl-compute", "pensieve", bad.toString()).toString(),
            "--schemes",
            "sfl-compute,edgesplit",
            "--out",
            out.toString());
    assertRefusedAtStart(
        r, out, "splitemu.links.trace.uplink[0]: " + bad.toAbsolutePath() + ":2: expected");
  }

  @Test
  void plan_refusesABadTraceWithTheSameLine() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad"), "0.0\t10.0\n9.0 abc\n");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "plan", scenario("sfl-compute", "pensieve", bad.toString()).toString());
    assertEquals(1, r.code(), r.err() + r.out());
    assertTrue(
        r.err().contains("splitemu.links.trace.uplink[0]: " + bad.toAbsolutePath() + ":2: "),
        r.err());
  }
}
