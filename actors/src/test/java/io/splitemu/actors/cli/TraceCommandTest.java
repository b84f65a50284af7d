package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCommandTest {

  @TempDir Path tmp;

  @Test
  void pensieveTrace_handComputedFigures() throws Exception {
    // 2 Mbit/s for 1 s, then 4 Mbit/s for 1 s; the last line closes the 2 s pass.
    Path f = tmp.resolve("small");
    Files.writeString(f, "0.0\t2.0\n1.0\t4.0\n2.0\t8.0\n");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli(
            "trace",
            f.toString(),
            "--format",
            "pensieve",
            "--bytes",
            "500000",
            "--start",
            "0.5",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("small", j.get("file").asText());
    assertEquals(2.0, j.get("durationSeconds").asDouble(), 1e-12);
    assertEquals(3e6, j.get("meanBitsPerSecond").asDouble(), 1e-6);
    assertEquals(2e6, j.get("minBitsPerSecond").asDouble(), 1e-6);
    assertEquals(4e6, j.get("maxBitsPerSecond").asDouble(), 1e-6);
    // 4 Mbit from 0.5 s: 1 Mbit by 1.0 s at 2 Mbit/s, 3 Mbit more at 4 Mbit/s = 0.75 s.
    assertEquals(1.25, j.get("deliverySeconds").asDouble(), 1e-9);
  }

  /** Every option of {@code command} that has a default says it in its help line. */
  static void everyDefaultIsShown(String command) {
    var spec = new picocli.CommandLine(new Main()).getSubcommands().get(command).getCommandSpec();
    ProfileCommandTest.Result help = ProfileCommandTest.cli(command, "--help");
    assertEquals(0, help.code(), help.err());
    for (var o : spec.options()) {
      if (o.defaultValue() == null || o.usageHelp() || o.versionHelp()) {
        continue;
      }
      String d = String.join(" ", o.description());
      assertTrue(
          d.contains("default"), command + " " + o.longestName() + " hides its default: " + d);
    }
    // and the help text shows them
    assertTrue(help.out().contains("(default Mbps)") || !command.equals("trace"), help.out());
  }

  @Test
  void help_showsEveryDefault() {
    // --csv-time, --csv-rate, --csv-unit, --csv-missing, --csv-delimiter did not
    everyDefaultIsShown("trace");
  }

  @Test
  void start_withoutBytes_isRefusedInOneLine() throws Exception {
    Path f = tmp.resolve("small");
    Files.writeString(f, "0.0\t2.0\n1.0\t4.0\n2.0\t8.0\n");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("trace", f.toString(), "--format", "pensieve", "--start", "10");
    assertEquals(1, r.code(), r.out() + r.err());
    assertEquals(
        "splitemu: --start is the send instant of --bytes N; without --bytes nothing is sent:"
            + " give --bytes too, or leave --start out",
        r.err().strip());
    assertEquals("", r.out());
    // without --start, or with --bytes, as before
    assertEquals(0, ProfileCommandTest.cli("trace", f.toString(), "--format", "pensieve").code());
  }

  @Test
  void extremeFlags_areRefusedInOneLine() throws Exception {
    Path f = tmp.resolve("small");
    Files.writeString(f, "0.0\t2.0\n1.0\t4.0\n2.0\t8.0\n");
    String[][] cases = {
      {"--start", "1e12", "--start"},
      {"--start", "-1", "--start"},
      {"--start", "NaN", "--start"},
      {"--bytes", "9223372036854775807", "--bytes"},
    };
    for (String[] c : cases) {
      String bytes = c[0].equals("--bytes") ? c[1] : "1000";
      String start = c[0].equals("--start") ? c[1] : "0";
      ProfileCommandTest.Result r =
          ProfileCommandTest.cli(
              "trace", f.toString(), "--format", "pensieve", "--bytes", bytes, "--start", start);
      assertEquals(1, r.code(), c[0] + " " + c[1] + ": " + r.err());
      assertTrue(r.err().startsWith("splitemu: " + c[2]), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
    }
  }

  /**
   * A mahimahi trace has no last rate to hold: {@code --end hold-last} is refused naming the flag,
   * with or without {@code --bytes} (without, it printed the figures and exited 0; with, the link's
   * own refusal did not name the flag).
   */
  @Test
  void mahimahiHoldLast_isRefusedNamingEnd() throws Exception {
    Path f = tmp.resolve("ops.up");
    Files.writeString(f, "1\n2\n5\n");
    for (String[] extra : new String[][] {{}, {"--bytes", "3000"}}) {
      String[] args = {"trace", f.toString(), "--format", "mahimahi", "--end", "hold-last"};
      String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
      System.arraycopy(extra, 0, all, args.length, extra.length);
      ProfileCommandTest.Result r = ProfileCommandTest.cli(all);
      assertEquals(1, r.code(), String.join(" ", extra) + ": " + r.out() + r.err());
      assertTrue(r.err().startsWith("splitemu: --end hold-last: a mahimahi trace"), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
    }
    ProfileCommandTest.Result loop =
        ProfileCommandTest.cli(
            "trace", f.toString(), "--format", "mahimahi", "--end", "stop", "--bytes", "3000");
    assertEquals(0, loop.code(), loop.err());
  }

  @Test
  void realNorwayTrace_meanIsCapacityOverDuration() throws Exception {
    String data = System.getProperty("splitemu.data", "");
    Assumptions.assumeFalse(data.isBlank(), "splitemu.data is not set: real trace skipped");
    Path f = Path.of(data, "traces/pensieve-norway-hsdpa-cooked/norway_bus_1");
    assertTrue(Files.isRegularFile(f), "missing shared data file " + f);
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("trace", f.toString(), "--format", "pensieve", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    // Independent sum over the file's lines: each rate holds until the next line, and the
    // last line only closes the pass (FORMATS.md). The data README's 3.34 Mbit/s is the plain
    // average of the samples, not this time-weighted mean.
    double capacity = 0;
    java.util.List<String> lines = Files.readAllLines(f);
    double[] prev = null;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String[] p = line.trim().split("\\s+");
      double[] cur = {Double.parseDouble(p[0]), Double.parseDouble(p[1])};
      if (prev != null) {
        capacity += (cur[0] - prev[0]) * prev[1] * 1e6;
      }
      prev = cur;
    }
    double first = Double.parseDouble(lines.get(0).trim().split("\\s+")[0]);
    double duration = prev[0] - first;
    assertEquals(duration, j.get("durationSeconds").asDouble(), 1e-6);
    assertEquals(capacity / duration, j.get("meanBitsPerSecond").asDouble(), 1e-3);
    assertFalse(j.has("deliverySeconds"));
  }

  @Test
  void malformedLine_failsWithFileAndLine() throws Exception {
    Path f = tmp.resolve("bad");
    Files.writeString(f, "0.0\t2.0\n1.0\tfast\n");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("trace", f.toString(), "--format", "pensieve");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("splitemu: "), r.err());
    assertTrue(r.err().contains("bad") && r.err().contains("2"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  /**
   * Every line about the trace file names its absolute path, as a scenario's trace errors do
   * (TraceFiles), not its bare name (before: {@code splitemu: bad:2: expected ...}, which names
   * none of the many {@code bad} files a user may have).
   */
  @Test
  void errorLines_nameTheTracesAbsolutePath() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("traces"));
    Path bad = Files.writeString(dir.resolve("bad"), "0.0 2.0\n1.0 fast\n");
    // Given relative to the working directory, as a user types it: the line names it whole.
    Path given = Path.of("").toAbsolutePath().relativize(bad);
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("trace", given.toString(), "--format", "pensieve");
    assertEquals(1, r.code(), r.err());
    assertEquals(
        java.util.List.of(
            "splitemu: "
                + bad.toAbsolutePath().normalize()
                + ":2: expected two numbers 'seconds Mbit/s' separated by tabs or spaces, got"
                + " '1.0 fast'"
                + " (read as --format pensieve)"),
        r.err().lines().toList());

    Path empty = Files.writeString(dir.resolve("zero"), "0.0\t0\n1.0\t0\n");
    r =
        ProfileCommandTest.cli(
            "trace", empty.toString(), "--format", "pensieve", "--bytes", "1000");
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(
        r.err().startsWith("splitemu: " + empty.toAbsolutePath() + ": 1000 bytes cannot be"),
        r.err());

    r =
        ProfileCommandTest.cli(
            "trace", given.resolveSibling("none").toString(), "--format", "pensieve");
    assertEquals(
        java.util.List.of("splitemu: trace file not found: " + dir.resolve("none")),
        r.err().lines().toList());
  }

  @Test
  void unknownFormatOrMissingFile_areRefused() throws Exception {
    Path f = tmp.resolve("t");
    Files.writeString(f, "0.0\t1.0\n1.0\t1.0\n");
    ProfileCommandTest.Result r = ProfileCommandTest.cli("trace", f.toString(), "--format", "x");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("pensieve"), r.err());
    r = ProfileCommandTest.cli("trace", tmp.resolve("none").toString(), "--format", "pensieve");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("not found"), r.err());
  }

  @Test
  void deviceOrFolder_isSaidToBeNoRegularFile_notMissing() throws Exception {
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("trace", "/dev/zero", "--format", "pensieve");
    assertEquals(1, r.code());
    assertEquals(
        java.util.List.of("splitemu: trace file /dev/zero is not a regular file"),
        r.err().lines().toList());
    r = ProfileCommandTest.cli("trace", tmp.toString(), "--format", "pensieve");
    assertEquals(1, r.code());
    assertEquals(
        java.util.List.of(
            "splitemu: trace file "
                + tmp.toAbsolutePath().normalize()
                + " is a directory, not a file"),
        r.err().lines().toList());
  }

  /**
   * --bytes takes a whole number in the forms split's rates take (1e6, 1.5e6), as it is written
   * (before: "'1e6' is not a long"); a fraction is refused in one line naming the value.
   */
  @Test
  void bytesInExponentForm_isTheWholeNumber() throws Exception {
    Path f = tmp.resolve("small");
    Files.writeString(f, "0.0\t2.0\n1.0\t4.0\n2.0\t8.0\n");
    String[] args = {"trace", f.toString(), "--format", "pensieve", "--json", "--bytes"};
    String[] plain = java.util.Arrays.copyOf(args, args.length + 1);
    plain[args.length] = "500000";
    String[] exp = plain.clone();
    exp[args.length] = "5e5";
    ProfileCommandTest.Result a = ProfileCommandTest.cli(plain);
    ProfileCommandTest.Result b = ProfileCommandTest.cli(exp);
    assertEquals(0, b.code(), b.err());
    assertEquals(a.out(), b.out());
    exp[args.length] = "1.5";
    ProfileCommandTest.Result c = ProfileCommandTest.cli(exp);
    assertEquals(2, c.code(), c.out()); // a usage error, as a word there
    assertTrue(c.err().contains("'1.5' is not a whole number"), c.err());
    assertEquals(1, c.err().strip().lines().count(), c.err());
  }

  /**
   * A --bytes past what a long holds is too large, not a fraction (before: "'1e30' is not a whole
   * number").
   */
  @Test
  void bytesPastTheRange_isTooLarge() throws Exception {
    Path f = tmp.resolve("small");
    Files.writeString(f, "0.0\t2.0\n1.0\t4.0\n");
    ProfileCommandTest.Result r =
        ProfileCommandTest.cli("trace", f.toString(), "--format", "pensieve", "--bytes", "1e30");
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("'1e30' is too large (at most 1125899906842624)"), r.err());
    assertFalse(r.err().contains("whole number"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
