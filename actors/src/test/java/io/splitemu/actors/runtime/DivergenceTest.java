package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A diverged model ends a full-fidelity run with one line naming the edge server's slice and the
 * round, instead of an accuracy of about 1/classes reported as if trained (a NaN output counted as
 * class 0) or a device blamed for refusing the server's NaN gradient; the rows recorded before stay
 * in the results folder.
 */
class DivergenceTest {

  @TempDir Path tmp;

  private static Settings settings(String scheme, String extra) {
    String conf =
        "splitemu { scenario = divergence-test, scheme = "
            + scheme
            + ", fidelity = full, batch-size = 16\n"
            + "model { name = lenet5, cut = 2, optimizer = sgd-momentum, momentum = 0.9 }\n"
            + "data { dataset = synthetic, train-samples = 192, test-samples = 64 }\n"
            + "devices { count = 2, flops = 1e9 }\n"
            + "links { kind = static, static { uplink-bps = 1e7, downlink-bps = 2e7 } }\n"
            + "output.plots = false\n"
            + extra
            + "}";
    return Settings.from(ConfigFactory.parseString(conf), List.of(), null);
  }

  private static long roundRows(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve("rounds.csv")).size() - 1;
  }

  private RunFailedException fails(Settings s, Path dir) {
    return assertThrows(
        RunFailedException.class, () -> Emulation.run(Emulation.prepare(s), dir, RunListener.NONE));
  }

  /**
   * A diverged model is a refused value, as a slice's other refusals are, not a bug: the actor
   * stops without an ERROR and stack trace in the log (before: Pekko's default strategy logged the
   * failure with its trace), and the run's one line is the report.
   */
  @Test
  void divergence_stopsTheActorWithoutALoggedStackTrace() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
        new ch.qos.logback.core.read.ListAppender<>();
    seen.start();
    root.addAppender(seen);
    try {
      fails(
          settings("psl", "rounds = 1, local-steps = 1, model.learning-rate = 1e36\n"),
          tmp.resolve("quiet"));
    } finally {
      root.detachAppender(seen);
    }
    List<String> traced =
        seen.list.stream()
            .filter(ev -> ev.getThrowableProxy() != null)
            .map(ev -> ev.getLevel() + " " + ev.getFormattedMessage())
            .toList();
    assertEquals(List.of(), traced);
  }

  @Test
  void hugeLearningRate_nanOutputAtEvaluation_namesTheServerSliceAndRound() throws IOException {
    Path dir = tmp.resolve("eval");
    RunFailedException e =
        fails(settings("psl", "rounds = 1, local-steps = 1, model.learning-rate = 1e36\n"), dir);
    String line = e.getMessage();
    assertFalse(line.contains("\n"), line);
    assertTrue(
        line.startsWith(
            "run stopped in round 1: edge server failed: slice conv2..fc3: output NaN at"
                + " evaluation of round 1 (the model diverged"),
        line);
    assertEquals(0, roundRows(dir));
  }

  @ParameterizedTest
  @ValueSource(strings = {"psl", "sfl-v1"})
  void divergingServer_nanLossInRoundTwo_namesTheServerSliceAndRound_roundOneKept(String scheme)
      throws IOException {
    Path dir = tmp.resolve(scheme);
    RunFailedException e =
        fails(
            settings(
                scheme,
                "rounds = 3, local-steps = 1, eval-every = 3, model.learning-rate = 1e30\n"),
            dir);
    String line = e.getMessage();
    assertFalse(line.contains("\n"), line);
    assertTrue(
        line.startsWith("run stopped in round 2: edge server failed: slice conv2..fc3"), line);
    assertTrue(line.contains(": loss NaN at round 2, step 1 (the model diverged"), line);
    if (scheme.equals("sfl-v1")) {
      assertTrue(line.contains(" (the server copy for device-"), line);
    }
    assertEquals(1, roundRows(dir));
  }
}
