package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.metrics.MetricsSettings;
import io.splitemu.actors.runtime.RunFailedException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The metrics linger after a run failed. */
class LingeringTest {

  /**
   * A run that fails after a SIGTERM was asked for lingers no longer than what is left of the stop
   * bound (before 2026-12-06 it lingered the whole splitemu.metrics.linger, past the supervisors'
   * grace), and says the end's status before it lingers.
   */
  @Test
  void aFailureAfterASigterm_lingersWithinTheStopBound() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(CommandLine.Model.CommandSpec.create());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          line.getErr().println("splitemu: " + e.getMessage());
          return 1;
        });
    MetricsSettings ms =
        new MetricsSettings(true, "127.0.0.1", 0, 0, "local", Duration.ofSeconds(60));
    int[] ended = {-1};
    long t0 = System.nanoTime();
    int status =
        Lingering.afterFailure(
            cl,
            new RunFailedException("the run failed", null),
            ms,
            Duration.ofMillis(1500),
            s -> {
              assertEquals("", out.toString(), "told before the linger");
              ended[0] = s;
            });
    double waitedS = (System.nanoTime() - t0) / 1e9;
    assertEquals(1, status);
    assertEquals(1, ended[0]);
    assertEquals("splitemu: the run failed", err.toString().strip());
    assertEquals(
        "metrics: serving the final values for 1 s more (splitemu.metrics.linger, cut to what is"
            + " left of the SIGTERM's stop bound)",
        out.toString().strip());
    assertTrue(waitedS >= 0.9 && waitedS < 10, "waited " + waitedS + " s");
  }
}
