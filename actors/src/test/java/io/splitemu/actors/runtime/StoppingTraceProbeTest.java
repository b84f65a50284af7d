package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.cli.Main;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rate probe of a round's start never throws on a trace with {@code links.trace.end = stop}
 * that ends within its 10-s window: it takes the last probe size that went through, and a link that
 * can deliver nothing at all is refused in one line naming the device. A 3-s trace made the probe
 * throw UndeliverableException: {@code run} logged a stack trace and stopped before round 1, {@code
 * plan} printed "internal error (a bug...)" with the stack trace.
 */
class StoppingTraceProbeTest {

  @TempDir Path tmp;

  /** A scenario of two devices on {@code trace} (pensieve, stop), 2 rounds of 2 steps. */
  private Path scenario(String trace, String scheme) throws Exception {
    Path t = tmp.resolve("trace-" + Math.abs(trace.hashCode()));
    Files.writeString(t, trace);
    Path f = tmp.resolve(scheme + "-" + t.getFileName() + ".conf");
    Files.writeString(
        f,
        "splitemu {\n  scenario = stopping-trace\n  scheme = "
            + scheme
            + "\n  fidelity = timing\n  rounds = 2\n  local-steps = 2\n  batch-size = 16\n"
            + "  model { name = lenet5, cut = 2 }\n"
            + "  devices { count = 2, flops = 1e9 }\n"
            + "  links { kind = trace, trace { uplink = [\""
            + t.getFileName()
            + "\"], format = pensieve, end = stop } }\n"
            + "  output.plots = false\n}\n");
    return f;
  }

  private record Cli(int code, String out, String err) {}

  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Cli(code, out.toString(), err.toString());
  }

  @Test
  void probeRate_onATraceThatStopsWithinTheWindow_fallsBackToWhatWentThrough() throws Exception {
    Settings s = Settings.load(scenario("0 50\n3 50\n", "edgesplit"), List.of());
    LinkTiming up = Emulation.links(s, 2).get(0).up();
    up.round(1);
    // 16 MiB is the largest doubling of 64 KiB that 3 s at 50 Mbit/s deliver (2.68 s).
    assertEquals(50e6, SplitPolicy.probeRate(up, 0), 1e-6);
    // 10 ms left hold 62,500 bytes: not 64 KiB, but 32 KiB goes through.
    assertEquals(50e6, SplitPolicy.probeRate(up, 2_990_000_000L), 50e6 * 1e-6);
    // Past the end nothing goes through: 0, the callers' "carries nothing".
    assertEquals(0, SplitPolicy.probeRate(up, 3_500_000_000L));
  }

  @Test
  void run_onA3sStoppingTrace_completesItsRounds() throws Exception {
    for (String scheme : List.of("edgesplit", "sfl-compute")) {
      Settings s = Settings.load(scenario("0 50\n3 50\n", scheme), List.of());
      List<RoundRecord> rows =
          Emulation.run(s, tmp.resolve("run-" + scheme), RunListener.NONE).rounds();
      assertEquals(2, rows.size(), scheme);
      assertTrue(rows.get(1).emulatedTimeS() < 3, scheme + ": " + rows.get(1).emulatedTimeS());
    }
  }

  @Test
  void plan_onA3sStoppingTrace_plansEveryScheme() throws Exception {
    Path f = scenario("0 50\n3 50\n", "edgesplit");
    Cli r = cli("plan", f.toString(), "--schemes", "edgesplit,sfl-compute,psl");
    assertEquals(0, r.code(), r.err());
    assertFalse(r.err().contains("internal error"), r.err());
    assertEquals(3, r.out().split("predicted round latency", -1).length - 1, r.out());
  }

  /** A trace that carries nothing: one line naming the device, from run and from plan. */
  @Test
  void aLinkThatCarriesNothing_isRefusedInOneLineNamingTheDevice() throws Exception {
    Path f = scenario("0 0\n3 0\n", "edgesplit");
    Settings s = Settings.load(f, List.of());
    RunFailedException e =
        assertThrows(
            RunFailedException.class,
            () -> Emulation.run(s, tmp.resolve("nothing"), RunListener.NONE));
    assertTrue(
        e.getMessage().contains("device-0 uplink can deliver nothing from 0.000 s on"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    for (String scheme : List.of("edgesplit", "psl")) {
      Cli r = cli("plan", f.toString(), "--schemes", scheme);
      assertEquals(1, r.code(), scheme + ": " + r.err());
      assertTrue(
          r.err()
              .startsWith(
                  "splitemu: " + scheme + ": device-0 uplink can deliver nothing from 0.000 s on"),
          r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
    }
  }
}
