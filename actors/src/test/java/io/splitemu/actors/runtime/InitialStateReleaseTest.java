package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /**
   * Every scheduled checkpoint unreadable (each overwritten once written) and the start not held:
   * the crash at round 3's start (1.186839168 s), after round 2's checkpoint, never needs it; the
   * one 50 ms into round 3 had it released at that checkpoint. The run ends with one line naming
   * the crash and why the checkpoint could not be read (before, with the start held to the run's
   * end, it was restored with a warning).
   */
  @ParameterizedTest
  @ValueSource(strings = {"round = 3", "at = 1236839168 ns"})
  void unreadableCheckpoints_withTheStartReleased_endTheRunWithOneLine(String when)
      throws Exception {
    Path dir = tmp.resolve("unreadable");
    RunListener spoil =
        new RunListener() {
          @Override
          public void onCheckpoint(io.splitemu.actors.results.CheckpointFile c) {
            try (var files = java.nio.file.Files.list(dir.resolve("checkpoints"))) {
              for (Path f : files.toList()) {
                java.nio.file.Files.writeString(f, "not a checkpoint");
              }
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        };
    RunFailedException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RunFailedException.class,
            () ->
                Emulation.run(
                    Emulation.prepare(
                        CrashFaultsTest.scenario(
                            "psl",
                            false,
                            5,
                            2,
                            "{ kind = server-crash, " + when + ", restart-delay = 1 s }")),
                    dir,
                    spoil));
    String line = e.getMessage();
    assertTrue(
        line.matches(
            "run stopped in round [23]: server-crash \\(splitemu.faults\\[0\\]\\) at emulated"
                + " 1\\.[0-9]+ s: checkpoint .*"),
        line);
    assertTrue(
        line.endsWith("round-000002.ckpt is corrupt or torn: not a splitemu checkpoint"), line);
    assertFalse(line.contains("\n"), line);
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
