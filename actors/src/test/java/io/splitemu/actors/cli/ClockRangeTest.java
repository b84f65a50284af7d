package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work or a transfer whose end lies past the emulated clock's 2^63 ns (292 years), at rates inside
 * their keys' ranges: the run ends with one line saying so, with no {@code ArithmeticException}
 * stack trace (a Pekko supervisor log) and no bare {@code Overflow}; the rounds recorded are kept.
 */
class ClockRangeTest {

  @TempDir Path tmp;

  private Path scenario(String scheme) throws Exception {
    Path f = tmp.resolve(scheme + ".conf");
    Files.writeString(
        f,
        "splitemu {\n"
            + "  scenario = clock, scheme = "
            + scheme
            + ", fidelity = timing, rounds = 2\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  data { train-samples = 3000000, test-samples = 100 }\n"
            + "  local-steps = 1, batch-size = 1000000\n"
            + "  devices { count = 3, flops = 1 }\n"
            + "  links.static { uplink-bps = 1e15, downlink-bps = 1e15 }\n"
            + "  output.plots = false\n"
            + "}\n");
    return f;
  }

  private record Run(ProfileCommandTest.Result result, String console) {}

  // The actor system logs to the console streams, not to the CLI's writers.
  private static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream both = new PrintStream(console, true, StandardCharsets.UTF_8);
    System.setOut(both);
    System.setErr(both);
    try {
      return new Run(ProfileCommandTest.cli(args), console.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static void oneLineSayingTheClock(Run r, String who) {
    String err = r.result().err().strip();
    assertEquals(1, r.result().code(), err);
    assertFalse(err.contains("\n"), err);
    assertTrue(err.startsWith("splitemu: run stopped in round 1: "), err);
    assertTrue(err.contains(who), err);
    assertTrue(err.contains("would end beyond the emulated clock's 292 years (2^63 ns)"), err);
    assertFalse(err.contains("Overflow"), err);
    assertFalse(r.console().contains("ArithmeticException"), r.console());
    assertFalse(r.console().contains("\tat "), r.console());
  }

  @Test
  void computeBeyondTheClock_endsTheRunInOneLine_onBarrierAndSplitSchemes() throws Exception {
    for (String scheme : new String[] {"psl", "sl"}) {
      Path out = tmp.resolve("out-" + scheme);
      Run r = run("run", scenario(scheme).toString(), "--out", out.toString());
      oneLineSayingTheClock(r, "a computation of 2.399e+11 FLOPs at 1.000 FLOP/s");
      assertTrue(Files.isRegularFile(out.resolve("rounds.csv")), "the recorded rows are kept");
    }
  }

  @Test
  void aTransferBeyondTheClock_endsTheRunInOneLine() throws Exception {
    Path out = tmp.resolve("out-link");
    Run r =
        run(
            "run",
            scenario("psl").toString(),
            "--out",
            out.toString(),
            "--set",
            "devices.flops=1e18",
            "--set",
            "links.static.uplink-bps=1");
    oneLineSayingTheClock(r, "uplink band: transfer of ");
  }
}
