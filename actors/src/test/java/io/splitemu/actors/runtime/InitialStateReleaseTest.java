package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's initial state (round 0), kept in memory for a crash before the first scheduled
 * checkpoint, is let go once that checkpoint is taken (it is about one checkpoint's size), and is
 * not taken when no crash can strike before it. Read from the supervisor's debug lines.
 */
class InitialStateReleaseTest {

  @TempDir Path tmp;

  /** The supervisor's debug lines about the initial state while {@code run} runs. */
  private static List<String> initialLines(ThrowingRunnable run) throws Exception {
    Logger logger = (Logger) org.slf4j.LoggerFactory.getLogger("io.splitemu.actors.runtime");
    Level before = logger.getLevel();
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.setLevel(Level.DEBUG);
    logger.setAdditive(false); // not on the console
    logger.addAppender(seen);
    try {
      run.run();
    } finally {
      logger.detachAppender(seen);
      logger.setAdditive(true);
      logger.setLevel(before);
    }
    return seen.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith("the run's initial state"))
        .toList();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * A crash at round 2's start with a checkpoint every 2 rounds restores round 0; the redone round
   * 2's checkpoint releases the initial state (before: held to the run's end).
   */
  @Test
  void aCrashBeforeTheFirstCheckpoint_theInitialStateIsReleasedAtTheFirstScheduledOne()
      throws Exception {
    FaultsOnEverySchemeTest.Tables[] t = new FaultsOnEverySchemeTest.Tables[1];
    List<String> lines =
        initialLines(
            () ->
                t[0] =
                    FaultsOnEverySchemeTest.run(
                        CrashFaultsTest.scenario(
                            "psl",
                            false,
                            5,
                            2,
                            "{ kind = server-crash, round = 2, restart-delay = 1 s }"),
                        tmp.resolve("early")));
    assertEquals(List.of(Supervisor.KEPT, Supervisor.RELEASED + " (checkpoint round 2)"), lines);
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(t[0].events(), "recovery");
    assertTrue(
        recovery.get("detail").startsWith("server-crash: restored from the start (round 0)"),
        recovery.toString());
    assertEquals(5, t[0].rounds().size());
  }

  /**
   * A crash at round 4's start with a checkpoint every 2 rounds strikes after round 2's: the
   * initial state is not taken, and the crash restores round 2's checkpoint.
   */
  @Test
  void aCrashAfterTheFirstCheckpoint_theInitialStateIsNotTaken() throws Exception {
    FaultsOnEverySchemeTest.Tables[] t = new FaultsOnEverySchemeTest.Tables[1];
    List<String> lines =
        initialLines(
            () ->
                t[0] =
                    FaultsOnEverySchemeTest.run(
                        CrashFaultsTest.scenario(
                            "psl", false, 5, 2, "{ kind = supervisor-crash, round = 4 }"),
                        tmp.resolve("late")));
    assertEquals(List.of(), lines);
    Map<String, String> recovery = FaultsOnEverySchemeTest.only(t[0].events(), "recovery");
    assertTrue(
        recovery.get("detail").startsWith("supervisor-crash: restored from checkpoint round 2"),
        recovery.toString());
    assertEquals(5, t[0].rounds().size());
  }

  /** The same on MP-SL: the pipeline's state before epoch 1 is let go at epoch 2's checkpoint. */
  @Test
  void mpsl_aCrashAtAnInstant_theInitialStateIsReleasedAtTheFirstScheduledCheckpoint()
      throws Exception {
    FaultsOnEverySchemeTest.Tables[] t = new FaultsOnEverySchemeTest.Tables[1];
    List<String> lines =
        initialLines(
            () ->
                t[0] =
                    FaultsOnEverySchemeTest.run(
                        CrashFaultsTest.scenario(
                            "mpsl", false, 4, 2, "{ kind = supervisor-crash, at = 1 s }"),
                        tmp.resolve("mpsl")));
    assertEquals(List.of(Supervisor.KEPT, Supervisor.RELEASED + " (checkpoint round 2)"), lines);
  }
}
